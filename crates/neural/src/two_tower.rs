//! The two-tower recommender: a user tower that reads a listening history and an artist tower,
//! trained so that a listener's vector scores the artists they will play above the others.
//!
//! - **User tower**: the weighted mean (`ln(1 + plays)` by default) of the history's artist
//!   embeddings, optionally a residual MLP and a per-user vector. A new listener's history
//!   is all it needs, so [`Query::History`](artist2vec_core::Query::History) is answered
//!   without retraining.
//! - **Artist tower**: an artist id embedding, plus a learned linear map of content features
//!   when [`ArtistFeatures`] are given (an artist without listeners then still gets a vector).
//! - **Training**: leave-one-out examples (an artist of a user's profile is the target, the
//!   rest of the profile the history), in batches, with the in-batch sampled softmax and its
//!   log-Q popularity correction ([`Loss::Softmax`], default) or the seed notebook's cosine
//!   embedding loss with ±1 labels and sampled negatives ([`Loss::Cosine`]); Adam on the
//!   embedding rows a batch touches. With a validation set, the epoch with the best
//!   validation NDCG is kept and training stops after
//!   [`patience`](TwoTowerConfig::patience) epochs without progress. A loss that stops being
//!   finite is [`NeuralError::Diverged`] naming the epoch.
//! - **Serving**: the fitted [`TwoTowerModel`] is plain CPU memory (artist vectors, the user
//!   tower's weights) behind [`Recommender`](artist2vec_core::Recommender),
//!   [`SimilarArtists`](artist2vec_core::SimilarArtists) and
//!   [`ArtistVectors`](artist2vec_core::ArtistVectors), saved through
//!   [`Persist`](artist2vec_core::persist::Persist) (`two-tower` in the registry).
//!
//! ```
//! use artist2vec_core::{Fit, Interactions, Query, Recommender, Vocabulary};
//! use artist2vec_neural::{TwoTowerConfig, TwoTowerInput};
//!
//! // 60 listeners, each of one genre: artists 0–9 or 10–19.
//! let artists = Vocabulary::from_ids((0..20).map(|i| format!("a{i}")))?;
//! let users = Vocabulary::from_ids((0..60).map(|u| format!("u{u}")))?;
//! let mut plays = Interactions::new(users, artists, false);
//! for u in 0..60u32 {
//!     for j in 0..5u32 {
//!         plays.push(u, (u % 2) * 10 + (u * 7 + j * 3) % 10, 1.0 + j as f32, None);
//!     }
//! }
//! let config = TwoTowerConfig::new(16).with_batch_size(64).with_epochs(30).with_lr(0.02);
//! let model = config.fit(&plays)?;
//! assert!(model.stats().epoch_loss.last() < model.stats().epoch_loss.first());
//!
//! // A new listener of the second genre, folded in from their history.
//! let recs = model.recommend(&Query::History(&[(12, 3.0), (15, 1.0)]), 5, true)?;
//! assert!(recs.iter().all(|n| n.item >= 10));
//!
//! // The same with early stopping on a validation set (rows over the same vocabularies).
//! let model = config.fit(&TwoTowerInput::new(&plays).with_validation(&plays))?;
//! assert!(model.stats().best_epoch >= 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod batch;
mod config;
mod model;
mod net;
mod towers;
mod train;

use artist2vec_core::registry::BoxError;
use artist2vec_core::{CoreError, Fit, Interactions, Observer, Registered, TrainingData};
use burn::tensor::backend::AutodiffBackend;

pub use config::{HistoryWeight, Loss, Score, TwoTowerConfig};
pub use model::{TwoTowerModel, TwoTowerStats};
pub use net::{cosine_embedding_loss, sampled_softmax_loss};

use crate::device::on_device;
use crate::error::{NeuralError, Result};

/// Content features of every artist for the artist tower: a row-major
/// `n_artists × n_features` table (tags, genres, audio descriptors…), mapped linearly onto the
/// embedding space and added to the id embedding. Artists without training listeners get
/// their vector from their features alone.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtistFeatures {
    n_features: usize,
    values: Vec<f32>,
}

impl ArtistFeatures {
    /// Features from row-major values, `n_features` per artist.
    ///
    /// # Errors
    /// [`CoreError::Shape`] when `n_features` is 0 or does not divide the values;
    /// [`CoreError::Invalid`] for a non-finite value.
    pub fn new(n_features: usize, values: Vec<f32>) -> Result<Self> {
        if n_features == 0 || values.len() % n_features != 0 {
            return Err(CoreError::Shape(format!(
                "{} feature values in rows of {n_features}",
                values.len()
            ))
            .into());
        }
        if let Some(p) = values.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::Invalid(format!(
                "non-finite feature {} of artist {}",
                values[p],
                p / n_features
            ))
            .into());
        }
        Ok(Self { n_features, values })
    }

    /// Features per artist.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Number of artists.
    pub fn n_items(&self) -> usize {
        self.values.len() / self.n_features
    }

    /// The values, row-major.
    pub fn values(&self) -> &[f32] {
        &self.values
    }
}

/// What a two-tower model is fitted on: user × artist rows, optionally a validation set
/// (rows over the same user and artist vocabularies, e.g. a held-out part of each user's
/// artists) for early stopping, and optionally content features of the artists.
#[derive(Debug, Clone, Copy)]
pub struct TwoTowerInput<'a> {
    /// The training rows; weights are play counts.
    pub interactions: &'a Interactions,
    /// Held-out rows scored after each epoch (NDCG@`validation_k`, training artists
    /// excluded).
    pub validation: Option<&'a Interactions>,
    /// Content features for the artist tower.
    pub features: Option<&'a ArtistFeatures>,
}

impl<'a> TwoTowerInput<'a> {
    /// Training rows only.
    pub fn new(interactions: &'a Interactions) -> Self {
        Self {
            interactions,
            validation: None,
            features: None,
        }
    }

    /// With a validation set for early stopping.
    #[must_use]
    pub fn with_validation(mut self, validation: &'a Interactions) -> Self {
        self.validation = Some(validation);
        self
    }

    /// With content features for the artist tower.
    #[must_use]
    pub fn with_features(mut self, features: &'a ArtistFeatures) -> Self {
        self.features = Some(features);
        self
    }
}

impl TwoTowerConfig {
    /// Trains on `input` with backend `B` on `device`.
    ///
    /// ```no_run
    /// # #[cfg(feature = "cuda")] {
    /// use artist2vec_core::{Interactions, NoProgress};
    /// use artist2vec_neural::{CudaBackend, CudaDevice, TwoTowerConfig, TwoTowerInput};
    /// # let plays = Interactions::default();
    /// let model = TwoTowerConfig::default()
    ///     .with_batch_size(4096)
    ///     .fit_on::<CudaBackend>(&TwoTowerInput::new(&plays), &CudaDevice::default(), &NoProgress)?;
    /// # }
    /// # Ok::<(), artist2vec_neural::NeuralError>(())
    /// ```
    ///
    /// # Errors
    /// [`NeuralError::Config`] for a bad configuration (before any work);
    /// [`NeuralError::NoTrainingData`] when no user has two artists (or the validation set is
    /// empty); [`NeuralError::Core`] for validation rows or features that do not fit the
    /// training data; [`NeuralError::Diverged`] naming the epoch whose loss was not finite.
    pub fn fit_on<B: AutodiffBackend>(
        &self,
        input: &TwoTowerInput<'_>,
        device: &B::Device,
        observer: &dyn Observer,
    ) -> Result<TwoTowerModel> {
        self.validate()?;
        self.check_memory(input.interactions.n_users(), input.interactions.n_items())?;
        train::train::<B>(self, input, device, observer)
    }
}

/// Trains on the backend of [`device`](TwoTowerConfig::device) (the CPU by default), with a
/// validation set and features as given.
impl Fit<TwoTowerInput<'_>> for TwoTowerConfig {
    type Model = TwoTowerModel;
    type Error = NeuralError;

    fn validate(&self) -> Result<()> {
        TwoTowerConfig::validate(self)
    }

    fn fit_observed(
        &self,
        data: &TwoTowerInput<'_>,
        observer: &dyn Observer,
    ) -> Result<TwoTowerModel> {
        on_device!(self.device, |B, dev| self.fit_on::<B>(data, dev, observer))
    }
}

/// Trains on user × artist rows on the backend of [`device`](TwoTowerConfig::device).
impl Fit<Interactions> for TwoTowerConfig {
    type Model = TwoTowerModel;
    type Error = NeuralError;

    fn validate(&self) -> Result<()> {
        TwoTowerConfig::validate(self)
    }

    fn fit_observed(&self, data: &Interactions, observer: &dyn Observer) -> Result<TwoTowerModel> {
        self.fit_observed(&TwoTowerInput::new(data), observer)
    }
}

/// `two-tower` in the registry: trained on the backend of [`device`](TwoTowerConfig::device)
/// (the CPU by default) on the user ×
/// artist rows (sessions are not needed: the towers read bags of artists).
impl Registered for TwoTowerConfig {
    type Model = TwoTowerModel;
    const NAME: &'static str = "two-tower";
    const ALIASES: &'static [&'static str] = &["twotower", "two_tower"];
    const DESCRIPTION: &'static str = "two-tower: history-mean user tower and artist tower, \
         in-batch sampled softmax with log-Q correction, burn (CPU; CUDA with `cuda`)";

    fn registry_default() -> Self {
        tuned_config()
    }

    fn check_fit(&self) -> std::result::Result<(), String> {
        self.device.check().map_err(|e| e.to_string())
    }

    fn fit_data(
        &self,
        data: &TrainingData<'_>,
        observer: &dyn Observer,
    ) -> std::result::Result<TwoTowerModel, BoxError> {
        Ok(self.fit_observed(&TwoTowerInput::new(data.interactions), observer)?)
    }
}

/// The registry defaults: [`TwoTowerConfig::default`], whose values won on hetrec-seed42-val
/// (validation NDCG@10 0.2020 / 0.2015 for seeds 42 / 7 after 14 epochs, in the tuning
/// example's counting; docs/results.md).
pub fn tuned_config() -> TwoTowerConfig {
    TwoTowerConfig::default()
}
