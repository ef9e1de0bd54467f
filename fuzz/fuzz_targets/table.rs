#![no_main]
//! `cargo fuzz run table`: the harness is `artist2vec_tests::fuzzing::table`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| artist2vec_tests::fuzzing::table(data));
