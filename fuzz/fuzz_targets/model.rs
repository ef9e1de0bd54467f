#![no_main]
//! `cargo fuzz run model`: the harness is `artist2vec_tests::fuzzing::model`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| artist2vec_tests::fuzzing::model(data));
