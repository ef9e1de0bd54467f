//! Skip-gram with negative sampling ("item2vec", word2vec's SGNS) for **artist2vec**: artists
//! that occur near each other in listening sessions, playlists or a listener's library get
//! close vectors.
//!
//! - **Training** ([`SkipGramConfig`], via [`Fit`](artist2vec_core::Fit)) on
//!   [`Sessions`](artist2vec_core::Sessions) (sentences in play order) or on
//!   [`Interactions`](artist2vec_core::Interactions) (one bag of artists per user): windows
//!   of any size or the whole sentence, word2vec's shrinking windows, negatives from the
//!   unigram^0.75 distribution, frequent-artist subsampling, `min_count`, a learning rate that
//!   decays linearly as in gensim. The loop is lock-free across threads ("Hogwild"), works on
//!   contiguous `f32` matrices without allocating, and is compiled for AVX + FMA when the CPU
//!   has them; with one thread it is bit-reproducible.
//! - **Using** the model ([`SkipGramModel`], a [`TrainedSkipGram`]): the workspace's
//!   [`Recommender`](artist2vec_core::Recommender),
//!   [`SimilarArtists`](artist2vec_core::SimilarArtists) and
//!   [`ArtistVectors`](artist2vec_core::ArtistVectors) traits. A listener's vector is the
//!   play-share-weighted mean of the input vectors of what they played, scored against the
//!   artists' output vectors (default; the objective's own score) or input vectors
//!   ([`Scoring`]).
//! - **Shared with the burn trainer** of `artist2vec-neural`: the options both trainers have
//!   ([`Window`], [`Order`], [`Scoring`] and the fields of [`SkipGramConfig`] they share), the
//!   data they read ([`SkipGramInput`]: sessions or interactions) and the trained model
//!   ([`TrainedSkipGram`]), so that both trainers' models score, list similar artists and
//!   export the same way.
//! - **Files**: [`save`](SkipGramModel::save) / [`load`](SkipGramModel::load), and export to
//!   the word2vec text and binary formats that gensim reads ([`write_word2vec`],
//!   [`read_word2vec`]) and to `.npy` + a vocabulary file ([`write_npy`], [`read_npy`]).
//!
//! # Quick start
//!
//! ```
//! use artist2vec_core::{Fit, Play, Query, Recommender, Sessions, SimilarArtists, Vocabulary};
//! use artist2vec_skipgram::{Scoring, SkipGramConfig, Window};
//!
//! // Synthetic sessions: artists 0–9 are "metal", 10–19 "pop"; every session stays in one genre.
//! let artists = Vocabulary::from_ids((0..20).map(|i| format!("a{i}")))?;
//! let users = Vocabulary::from_ids(["ann", "bob"])?;
//! let mut sessions = Sessions::new(users, artists, false);
//! let mut state = 7u64;
//! for s in 0..400u64 {
//!     let genre = (s % 2) as u32;
//!     let plays = (0..8).map(|t| {
//!         state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
//!         Play { item: genre * 10 + (state >> 60) as u32 % 10, time: t, duration: None }
//!     });
//!     sessions.push(s, genre, plays)?;
//! }
//!
//! let config = SkipGramConfig::new(16)
//!     .with_window(Window::Fixed(3))
//!     .with_min_count(1)
//!     .with_sample(0.0) // no subsampling on a tiny corpus
//!     .with_epochs(10)
//!     .with_threads(1) // bit-reproducible
//!     .with_seed(42);
//! let model = config.fit(&sessions)?;
//!
//! // The loss went down, and a metal artist's nearest neighbours are metal artists.
//! let loss = &model.stats().epoch_loss;
//! assert!(loss.last() < loss.first());
//! let similar = model.similar(3, 5)?;
//! assert!(similar.iter().all(|n| n.item < 10));
//!
//! // A new listener who played two pop artists gets pop recommendations.
//! let recs = model.recommend(&Query::History(&[(12, 3.0), (15, 1.0)]), 5, true)?;
//! assert!(recs.iter().all(|n| n.item >= 10 && n.item != 12 && n.item != 15));
//! let model = model.with_scoring(Scoring::InputCosine);
//! assert!(model.recommend(&Query::User(0), 1, false)?[0].item < 10);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Threads and reproducibility
//!
//! With `threads = 1` the same configuration and data give bit-identical vectors. With more
//! threads, workers update the shared matrices without locks, as word2vec.c and gensim do; the
//! result then depends on timing (differences of the order of seed noise).
#![warn(missing_docs)]

mod config;
mod error;
mod export;
mod input;
mod kernel;
mod model;
mod train;
mod trained;

pub use config::{
    MAX_TABLE_BYTES, Order, Scoring, Sigmoid, SkipGramConfig, Window, check_table_bytes,
};
pub use error::{Result, SkipGramError};
pub use export::{
    Word2VecFormat, format_f32_like_numpy, read_npy, read_npy_matrix, read_word2vec, write_npy,
    write_npy_matrix, write_word2vec,
};
pub use input::{Sentences, SkipGramInput, UserProfiles};
pub use model::{FORMAT_VERSION, MODEL_KIND, SkipGramModel, StoredSettings, tuned_config};
pub use train::TrainingStats;
pub use trained::{SkipGramSettings, TrainedSkipGram};
