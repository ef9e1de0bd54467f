//! Feature unification for the artist2vec workspace (see this crate's `Cargo.toml`): no code,
//! only dependencies with the features the whole workspace enables.
#![no_std]
