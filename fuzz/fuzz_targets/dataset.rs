#![no_main]
//! `cargo fuzz run dataset`: the harness is `artist2vec_tests::fuzzing::dataset`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| artist2vec_tests::fuzzing::dataset(data));
