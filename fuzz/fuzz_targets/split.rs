#![no_main]
//! `cargo fuzz run split`: the harness is `artist2vec_tests::fuzzing::split`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| artist2vec_tests::fuzzing::split(data));
