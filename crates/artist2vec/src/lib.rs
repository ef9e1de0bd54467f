//! **artist2vec** — learn vectors of music artists from what people listen to, and use and judge
//! them: similar-artist lists, recommendations, and honest evaluation with ranking metrics and
//! significance tests.
//!
//! This umbrella crate re-exports the workspace's crates under short names; depend on the
//! individual crates instead to compile less.
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`core`] | `artist2vec-core` | vocabularies, interactions, sessions, embedding tables, shared traits |
//! | [`data`] | `artist2vec-data` | loaders, preparation, splits, synthetic data |
//! | [`sparse`] | `artist2vec-sparse` | CSR matrices, weightings, co-occurrence, top-k |
//! | [`metrics`] | `artist2vec-metrics` | ranking metrics, evaluator, full-catalogue top-k |
//! | [`stats`] | `artist2vec-stats` | significance tests, confidence intervals, corrections |
//! | [`models`] | `artist2vec-models` | popularity, item-kNN, user-kNN, SVD, ALS, weighted MF, BPR, EASE, RP3beta |
//! | [`skipgram`] | `artist2vec-skipgram` | item2vec: skip-gram with negative sampling, word2vec export |
//! | [`content`] | this crate | the content model for cold-start artists (tags → collaborative vectors) and its tag-only baseline |
//! | `neural` (feature `neural`) | `artist2vec-neural` | burn models: skip-gram with negative sampling on any burn backend |
//! | [`hybrid`] | this crate | a weighted blend of any registered models' normalised scores, weights tuned on a validation split |
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `neural` | no | `artist2vec::neural`: the burn models (`artist2vec-neural`) on burn's CPU backend (ndarray) |
//! | `cuda` | no | `neural` plus burn's CUDA backend (`artist2vec::neural::CudaBackend`); builds without a GPU or CUDA toolkit, training needs an NVIDIA GPU and driver |
//!
//! Nothing is on by default, so a program that only wants the data tools, the classical models,
//! skip-gram and the metrics never compiles burn:
//!
//! ```toml
//! [dependencies]
//! artist2vec = "0.1"                                       # no burn
//! # artist2vec = { version = "0.1", features = ["neural"] } # burn, CPU backend
//! # artist2vec = { version = "0.1", features = ["cuda"] }   # burn, CPU and CUDA backends
//! ```
//!
//! # Quick start
//!
//! ```
//! use artist2vec::prelude::*;
//!
//! // Sessions of two listeners over three artists.
//! let users = Vocabulary::from_ids(["ann", "bob"])?;
//! let artists = Vocabulary::from_ids(["Metallica", "Slayer", "Madonna"])?;
//! let mut sessions = Sessions::new(users, artists, false);
//! let play = |item, time| Play { item, time, duration: None };
//! sessions.push(1, 0, [play(0, 0), play(1, 200), play(0, 400)])?;
//! sessions.push(2, 1, [play(2, 50), play(1, 300)])?;
//!
//! // Artist co-occurrence within sessions, then the users × artists play counts.
//! let co = artist2vec::sparse::cooccurrence(
//!     sessions.offsets(), sessions.play_items(), 3, &Default::default())?;
//! assert_eq!(co.get(0, 1), Some(&1.0));
//! let counts = artist2vec::sparse::user_item(&sessions.to_counts());
//! assert_eq!(counts.get(0, 0), Some(&2.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod content;

pub use artist2vec_core as core;
pub use artist2vec_data as data;
pub use artist2vec_metrics as metrics;
pub use artist2vec_models as models;
/// The burn models (`artist2vec-neural`); feature `neural` (or `cuda`).
#[cfg(feature = "neural")]
pub use artist2vec_neural as neural;
pub use artist2vec_skipgram as skipgram;
pub use artist2vec_sparse as sparse;
pub use artist2vec_stats as stats;
pub use artist2vec_viz as viz;

pub mod hybrid;

/// Every model family of the workspace, in the order of the results table: the classical models
/// of `artist2vec-models`, skip-gram (`artist2vec-skipgram`), and with the `neural` feature the
/// burn models of `artist2vec-neural`, then the content model for cold-start artists
/// ([`content`], fitted on top of any of them) and the [`hybrid`] of any of them. The command
/// line's `fit`, `recommend`, `similar` and `config` go through it.
///
/// ```
/// let registry = artist2vec::registry();
/// assert!(registry.names().starts_with(&["popularity", "item-knn"]));
/// assert_eq!(registry.get("item2vec")?.name(), "skipgram");
/// # Ok::<(), artist2vec::core::CoreError>(())
/// ```
pub fn registry() -> artist2vec_core::Registry {
    let mut r = hybrid::member_registry();
    r.register::<content::ContentConfig>();
    r.register::<hybrid::HybridConfig>();
    r
}

/// The types most programs need.
pub mod prelude {
    pub use crate::registry;
    pub use artist2vec_core::{
        AnyModel, ArtistVectors, CoreError, Embeddings, Fit, Interactions, Model, Neighbor,
        NoProgress, Observer, Play, Progress, Query, Recommender, Registry, Sessions,
        SimilarArtists, Similarity, TrainingData, Vocabulary,
    };
    pub use artist2vec_data::{DataError, Dataset, Mode, PrepareConfig, Report, Split};
}

/// The README's code blocks, compiled and run as doc-tests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
