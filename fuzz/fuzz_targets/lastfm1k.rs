#![no_main]
//! `cargo fuzz run lastfm1k`: the harness is `artist2vec_tests::fuzzing::lastfm1k`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| artist2vec_tests::fuzzing::lastfm1k(data));
