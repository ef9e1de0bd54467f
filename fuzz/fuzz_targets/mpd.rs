#![no_main]
//! `cargo fuzz run mpd`: the harness is `artist2vec_tests::fuzzing::mpd`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| artist2vec_tests::fuzzing::mpd(data));
