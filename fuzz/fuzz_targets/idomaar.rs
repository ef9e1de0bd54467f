#![no_main]
//! `cargo fuzz run idomaar`: the harness is `artist2vec_tests::fuzzing::idomaar`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| artist2vec_tests::fuzzing::idomaar(data));
