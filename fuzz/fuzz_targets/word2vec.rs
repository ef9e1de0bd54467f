#![no_main]
//! `cargo fuzz run word2vec`: the harness is `artist2vec_tests::fuzzing::word2vec`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| artist2vec_tests::fuzzing::word2vec(data));
