//! Cross-crate integration tests live in `it/`; the fuzz harnesses (shared by the cargo-fuzz
//! targets in `fuzz/` and the corpus replay test `it/fuzz_replay.rs`) in [`fuzzing`].

pub mod fuzzing;
