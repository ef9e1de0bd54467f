//! Cross-crate integration tests (one binary, linked once).

mod protocols;
mod real_data;
mod registry;
mod serve;
