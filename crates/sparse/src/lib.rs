//! Sparse matrices for **artist2vec**: user × artist CSR matrices built from interactions,
//! the usual implicit-feedback weightings, artist × artist co-occurrence counted within sessions
//! or windows (streamed over the sessions, never a dense matrix), row normalisation, and
//! multithreaded top-k per row (including the top-k of a sparse Gram product, which is what
//! item-kNN and user-kNN need).
//!
//! Matrices are [`sprs`] CSR matrices with `u32` column indices ([`Csr`]).
//!
//! # Quick start
//!
//! ```
//! use artist2vec_core::{Interactions, Vocabulary};
//! use artist2vec_sparse::{user_item, weight, Weighting, cooccurrence, CooccurrenceConfig};
//!
//! let users = Vocabulary::from_ids(["u1", "u2"]).unwrap();
//! let artists = Vocabulary::from_ids(["a", "b", "c"]).unwrap();
//! let plays = Interactions::from_columns(
//!     users, artists, vec![0, 0, 1], vec![0, 2, 2], vec![3.0, 1.0, 5.0], None).unwrap();
//! let m = user_item(&plays);
//! assert_eq!(m.nnz(), 3);
//! let logged = weight(&m, Weighting::Log1p);
//! assert!((logged.get(0, 0).unwrap() - 4f32.ln()).abs() < 1e-6);
//!
//! // Two sessions: a b c, then c a.
//! let co = cooccurrence(&[0, 3, 5], &[0, 1, 2, 2, 0], 3, &CooccurrenceConfig::default()).unwrap();
//! assert_eq!(co.get(0, 2), Some(&2.0)); // a and c meet in both sessions
//! ```
#![warn(missing_docs)]

mod build;
mod cooc;
mod knn;
mod weighting;

pub use build::{Csr, from_triplets, transpose, user_item};
pub use cooc::{CooccurrenceConfig, PairWeight, cooccurrence};
pub use knn::{from_rows, gram_top_k, row_top_k, top_k_rows};
pub use weighting::{MinMax, Norm, Weighting, minmax_columns, normalize_rows, weight};

/// Errors of the sparse routines.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SparseError {
    /// Inputs whose sizes disagree, or an index out of range.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// A parameter outside its domain.
    #[error("invalid parameter: {0}")]
    Invalid(String),
    /// An error of the core types.
    #[error(transparent)]
    Core(#[from] artist2vec_core::CoreError),
}
