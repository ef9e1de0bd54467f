#![no_main]
//! `cargo fuzz run config`: the harness is `artist2vec_tests::fuzzing::config`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| artist2vec_tests::fuzzing::config(data));
