#![no_main]
//! `cargo fuzz run hetrec`: the harness is `artist2vec_tests::fuzzing::hetrec`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| artist2vec_tests::fuzzing::hetrec(data));
