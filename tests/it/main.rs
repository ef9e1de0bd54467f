//! Cross-crate integration tests (one binary, linked once).

mod real_data;
