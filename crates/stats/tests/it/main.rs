//! Integration tests of artist2vec-stats, linked into one binary.
//!
//! - `scipy_cases`: every case in `reference/scipy_cases.json` (computed by
//!   `reference/make_scipy_cases.py` with scipy 1.17.1), to 1e-10.
//! - `properties`: properties of the seeded procedures (bootstrap coverage,
//!   determinism, Monte Carlo vs exact) and brute-force checks of the exact
//!   null distributions.
//! - `autotraits`: the public types are `Send + Sync`.

mod autotraits;
mod properties;
mod scipy_cases;
