//! Neural models of **artist2vec** on [burn](https://burn.dev): skip-gram with negative sampling
//! ("item2vec", word2vec's SGNS) and a two-tower recommender ([`two_tower`]), trained in batches
//! on any burn backend — the CPU ([`CpuBackend`], burn's `ndarray`, the default) or an NVIDIA
//! GPU (`CudaBackend`, with the `cuda` feature).
//!
//! - **Two-tower** ([`TwoTowerConfig`] → [`TwoTowerModel`]; `two-tower` in the registry): a
//!   user tower that averages the embeddings of a listener's artists (so a new listener needs
//!   no retraining) and an artist tower, trained on leave-one-out examples with the in-batch
//!   sampled softmax and its log-Q correction, or the seed notebook's cosine-embedding loss;
//!   see the [`two_tower`] module.
//! - **GRU4Rec** ([`Gru4RecConfig`] → [`Gru4RecModel`]; `gru4rec`, alias `gru`, in the
//!   registry): a GRU over the plays of a session, trained session-parallel with the softmax
//!   over the next artist at every step, the best validation epoch kept; serves a listener's
//!   history in play order; see the [`gru4rec`] module.
//! - **YouTube-DNN** ([`YoutubeDnnConfig`] → [`YoutubeDnnModel`]; `youtube-dnn`, alias
//!   `ytdnn`, in the registry): id embedding plus SVD-reduced TF-IDF tags → dense → GRU →
//!   softmax over the most played artists; an artist without plays enters with an unknown id
//!   and its tags, so cold-start artists get neighbours; needs content; see the
//!   [`youtube_dnn`] module.
//!
//! The skip-gram:
//!
//! - **The objective** ([`sgns_loss`]): for a center artist with input vector `u`, its context
//!   artist's output vector `v⁺` and `k` negatives `v⁻ⱼ` drawn from the unigram^0.75
//!   distribution, `−ln σ(u·v⁺) − Σⱼ ln σ(−u·v⁻ⱼ)`, averaged over a batch. Its gradient comes
//!   from burn's autodiff and is tested against finite differences.
//! - **The trainer** ([`BurnSkipGram`]): the input (`syn0`) and output (`syn1neg`) tables as
//!   tensors on the device; a step gathers the rows a batch touches, differentiates, and
//!   scatter-adds the SGD update back, so its cost does not grow with the vocabulary.
//! - **Training** ([`BurnSkipGramConfig`], via [`Fit`](artist2vec_core::Fit) on the CPU or
//!   [`fit_sessions_on`](BurnSkipGramConfig::fit_sessions_on) /
//!   [`fit_interactions_on`](BurnSkipGramConfig::fit_interactions_on) on any backend): the
//!   corpus options of the hand-written CPU trainer (`artist2vec-skipgram`) — windows or whole
//!   sentences, shrinking windows, frequent-artist subsampling, `min_count`, a learning rate
//!   that decays linearly — from [`Sessions`](artist2vec_core::Sessions) or from one bag of
//!   artists per user ([`Interactions`](artist2vec_core::Interactions)); progress through an
//!   [`Observer`](artist2vec_core::Observer); every random choice from the seed.
//! - **Using** the model ([`BurnSkipGramModel`], the [`TrainedSkipGram`] model of
//!   `artist2vec-skipgram`, which this crate shares with the hand-written trainer together with
//!   the options [`Window`], [`Order`] and [`Scoring`]): plain CPU tables behind the workspace's
//!   [`ArtistVectors`](artist2vec_core::ArtistVectors),
//!   [`SimilarArtists`](artist2vec_core::SimilarArtists) and
//!   [`Recommender`](artist2vec_core::Recommender) traits, so metrics, protocols and tools work
//!   on it unchanged.
//!
//! # Quick start
//!
//! ```
//! use artist2vec_core::{Fit, Play, Query, Recommender, Sessions, SimilarArtists, Vocabulary};
//! use artist2vec_neural::{BurnSkipGramConfig, Window};
//!
//! // Synthetic sessions: artists 0–9 are "metal", 10–19 "pop"; every session stays in one genre.
//! let artists = Vocabulary::from_ids((0..20).map(|i| format!("a{i}")))?;
//! let users = Vocabulary::from_ids(["ann", "bob"])?;
//! let mut sessions = Sessions::new(users, artists, false);
//! let mut state = 7u64;
//! for s in 0..300u64 {
//!     let genre = (s % 2) as u32;
//!     let plays = (0..8).map(|t| {
//!         state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
//!         Play { item: genre * 10 + (state >> 60) as u32 % 10, time: t, duration: None }
//!     });
//!     sessions.push(s, genre, plays)?;
//! }
//!
//! // Trained on the default CPU backend; `fit_sessions_on::<CudaBackend>` runs on a GPU.
//! let config = BurnSkipGramConfig::new(16)
//!     .with_window(Window::Fixed(3))
//!     .with_min_count(1)
//!     .with_sample(0.0) // no subsampling on a tiny corpus
//!     .with_batch_size(256)
//!     .with_epochs(10)
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
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Backends and features
//!
//! | feature | backend alias | device |
//! |---|---|---|
//! | (default) | [`CpuBackend`] = `Autodiff<NdArray>` | [`CpuDevice`] |
//! | `cuda` | `CudaBackend` = `Autodiff<Cuda>` | `CudaDevice` |
//!
//! Every configuration's [`device`](TwoTowerConfig::device) ([`Device`]: `"cpu"`, the
//! default, `"cuda"` or `"cuda:N"`) picks the backend of its [`Fit`](artist2vec_core::Fit)
//! and registry fits; `fit_on::<B>` takes any backend directly. The fitted models are plain
//! CPU memory whatever trained them.
//!
//! The `cuda` feature builds without a GPU, a CUDA toolkit or network access (burn 0.21's
//! cubecl-cuda loads the driver at run time); training on it needs an NVIDIA GPU, its driver
//! and the CUDA toolkit's NVRTC library. burn panics, on its device thread, when one is
//! missing ("Unable to dynamically load the "cuda" shared library"), so a fit on a
//! [`Device::Cuda`] first probes them through the CUDA driver API ([`Device::check`]) and
//! stops with [`NeuralError::Device`] saying what is missing; `fit_on::<CudaBackend>` called
//! directly does not probe. The GPU test of this crate is
//! `cargo test --release -p artist2vec-neural --features cuda -- --ignored`.
//!
//! # Reproducibility
//!
//! On the CPU backend the same configuration and data give bit-identical vectors. On a GPU the
//! order of floating-point additions may differ from run to run.
#![warn(missing_docs)]

mod config;
mod corpus;
mod device;
mod error;
pub mod gru4rec;
mod model;
mod recurrent;
mod sgns;
mod tensors;
#[cfg(test)]
mod testing;
mod train;
pub mod two_tower;
pub mod youtube_dnn;

pub use artist2vec_skipgram::{Order, Scoring, SkipGramInput, TrainedSkipGram, Window};
pub use config::BurnSkipGramConfig;
pub use device::Device;
pub use error::{MAX_TRAINING_BYTES, NeuralError, Result};
pub use gru4rec::{Gru4RecConfig, Gru4RecInput, Gru4RecModel, Gru4RecStats, GruLoss};
pub use model::{BurnSkipGramModel, registry, tuned_config};
pub use sgns::{BurnSkipGram, sgns_loss};
pub use train::TrainingStats;
pub use two_tower::{
    ArtistFeatures, HistoryWeight, Loss, Score, TwoTowerConfig, TwoTowerInput, TwoTowerModel,
    TwoTowerStats,
};
pub use youtube_dnn::{YoutubeDnnConfig, YoutubeDnnInput, YoutubeDnnModel, YoutubeDnnStats};

/// The burn version this crate is built on, re-exported so callers name devices and tensors
/// without pinning it themselves.
pub use burn;

/// The default backend: burn's `ndarray` CPU backend with autodiff.
pub type CpuBackend = burn::backend::Autodiff<burn::backend::NdArray>;

/// The device of [`CpuBackend`].
pub type CpuDevice = burn::backend::ndarray::NdArrayDevice;

/// The CUDA backend with autodiff (feature `cuda`).
#[cfg(feature = "cuda")]
pub type CudaBackend = burn::backend::Autodiff<burn::backend::Cuda>;

/// The device of `CudaBackend` (feature `cuda`); `CudaDevice::default()` is GPU 0.
#[cfg(feature = "cuda")]
pub type CudaDevice = burn::backend::cuda::CudaDevice;
