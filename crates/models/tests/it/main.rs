//! Integration tests of `artist2vec-models` (one binary).

mod common;
mod errors;
mod genres;
mod hetrec;
mod limits;
mod persist;
mod pinned;
mod reproducible;
