//! Cross-crate integration tests (one binary, linked once).

mod fuzz_replay;
mod protocols;
mod real_data;
mod registry;
mod serve;
