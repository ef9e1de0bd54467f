#![no_main]
//! `cargo fuzz run experiment`: the harness is `artist2vec_tests::fuzzing::experiment`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| artist2vec_tests::fuzzing::experiment(data));
