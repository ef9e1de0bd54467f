//! Core types of **artist2vec**: vocabularies, interactions, sessions, embedding tables and the
//! traits that every model, metric and tool of the workspace shares.
//!
//! This crate is deliberately small: it knows nothing of polars, sprs or burn, so that every other
//! crate can depend on it and it compiles in seconds.
//!
//! # Quick start
//!
//! ```
//! use artist2vec_core::{Embeddings, Similarity, Vocabulary};
//!
//! // Three artists in two dimensions.
//! let mut vocab = Vocabulary::new();
//! for name in ["Metallica", "Slayer", "Madonna"] {
//!     let ix = vocab.insert(name);
//!     vocab.set_name(ix, name);
//! }
//! let table = Embeddings::new(vocab, 2, vec![1.0, 0.1, 0.9, 0.2, -0.1, 1.0])?;
//! let similar = table.similar_by_id("Metallica", 1, Similarity::Cosine)?;
//! assert_eq!(table.vocab().id(similar[0].item), "Slayer");
//! # Ok::<(), artist2vec_core::CoreError>(())
//! ```
#![warn(missing_docs)]

pub mod content;
pub mod cpu;
mod embeddings;
mod error;
pub mod hogwild;
mod interactions;
pub mod linalg;
pub mod modelfile;
pub mod persist;
mod progress;
pub mod registry;
mod sessions;
pub mod topk;
pub mod topk_full;
mod traits;
mod vocab;

pub use content::ArtistContent;
pub use embeddings::dot;
pub use embeddings::{Embeddings, Similarity};
pub use error::{CoreError, EXCERPT_CHARS, excerpt, excerpt_bytes, shorten_quotes};
pub use interactions::{Interaction, Interactions};
pub use progress::{NoProgress, Observer, Progress};
pub use registry::{AnyModel, Model, ModelFamily, Registered, Registry, TrainingData};
pub use sessions::{Play, SessionRef, Sessions};
pub use topk::Neighbor;
pub use traits::{
    ArtistVectors, Fit, Query, Recommender, SimilarArtists, check_history_weights, check_query,
    history_items, recommend_each,
};
pub use vocab::Vocabulary;
