//! YouTube-DNN for cold-start artists (the seed notebook's deep candidate-generation model,
//! Covington et al. 2016, with a GRU over the history): registry name `youtube-dnn` (aliases
//! `ytdnn`, `youtube`).
//!
//! A listener's artists in play order (the sessions when the training data has them, else
//! each listener's artists by decreasing play count) run step by step through the network:
//! the artist's id embedding concatenated with its content features (its TF-IDF tag row — the
//! content model's features — projected onto a truncated SVD of the artists' TF-IDF matrix,
//! computed at fit time) → dense + ReLU → dropout → GRU → softmax over the `top_n` most played
//! artists, the next artist predicted at every step; AdaGrad. While training, a share of the
//! steps ([`id_dropout`](YoutubeDnnConfig::id_dropout)) sees the *unknown* id with the
//! artist's content, which is how an artist without plays enters the network: so
//! [`similar`](artist2vec_core::SimilarArtists::similar) — the prediction after a history of
//! just that artist — gives neighbours to every artist with tags, even one no one has played.
//! Trained on burn, generic over the backend ([`YoutubeDnnConfig::fit_on`]; the registry uses
//! the backend of [`device`](YoutubeDnnConfig::device), the CPU by default); the fitted model ([`YoutubeDnnModel`]) is plain CPU memory and runs the
//! GRU with the same CPU code as GRU4Rec.
//!
//! From the command line it needs the content like the `content` model:
//! `artist2vec fit --model youtube-dnn --train train.tsv --content tags.tsv --out m.a2v`.
//!
//! ```
//! use artist2vec_core::{NoProgress, Query, Recommender, SimilarArtists};
//! use artist2vec_data::synth::{SynthConfig, Synthetic};
//! use artist2vec_neural::{YoutubeDnnConfig, YoutubeDnnInput};
//!
//! let data = Synthetic::generate(&SynthConfig::tiny())?;
//! let rows = data.sessions().to_counts();
//! let content = data.dataset.content().expect("generated artists have tags");
//! let config = YoutubeDnnConfig::default()
//!     .with_embedding(8).with_content_dims(4).with_dense(8).with_hidden(8)
//!     .with_batch_size(16).with_epochs(2);
//! let model = config.fit_on::<artist2vec_neural::CpuBackend>(
//!     &YoutubeDnnInput::new(&rows, &content), &Default::default(), &NoProgress)?;
//! assert_eq!(model.recommend(&Query::History(&[(3, 1.0), (7, 2.0)]), 5, true)?.len(), 5);
//! assert_eq!(model.similar(3, 5)?.len(), 5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod features;
mod model;
mod net;
#[cfg(test)]
mod tests;
mod train;

use artist2vec_core::registry::BoxError;
use artist2vec_core::{
    ArtistContent, Fit, Interactions, Observer, Registered, Sessions, TrainingData,
};
use burn::tensor::backend::AutodiffBackend;

pub use config::YoutubeDnnConfig;
pub use model::{YoutubeDnnModel, YoutubeDnnStats};

use crate::device::on_device;
use crate::error::{NeuralError, Result};

/// What YouTube-DNN trains on: user × artist rows, the sessions in play order when known, and
/// the artists' content (tags; it may name artists without rows: the cold-start artists).
#[derive(Debug, Clone, Copy)]
pub struct YoutubeDnnInput<'a> {
    /// User × artist rows.
    pub rows: &'a Interactions,
    /// Sessions in play order over the same vocabularies (optional: without them a
    /// listener's artists are read by decreasing play count).
    pub sessions: Option<&'a Sessions>,
    /// Content features of the artists, by artist id.
    pub content: &'a ArtistContent,
}

impl<'a> YoutubeDnnInput<'a> {
    /// Rows and content, no play order.
    pub fn new(rows: &'a Interactions, content: &'a ArtistContent) -> Self {
        Self {
            rows,
            sessions: None,
            content,
        }
    }

    /// The same with the sessions in play order.
    #[must_use]
    pub fn with_sessions(self, sessions: &'a Sessions) -> Self {
        Self {
            sessions: Some(sessions),
            ..self
        }
    }
}

impl YoutubeDnnConfig {
    /// Trains with backend `B` on `device`.
    ///
    /// # Errors
    /// [`NeuralError::Config`] for a bad configuration (before any work);
    /// [`NeuralError::NoTrainingData`] without a tagged artist or without a listener with two
    /// artists; [`NeuralError::Core`] when rows and sessions differ in vocabularies;
    /// [`NeuralError::OverLimit`] for sizes over [`MAX_TRAINING_BYTES`](crate::MAX_TRAINING_BYTES);
    /// [`NeuralError::Diverged`] naming the epoch whose loss was not finite.
    pub fn fit_on<B: AutodiffBackend>(
        &self,
        input: &YoutubeDnnInput<'_>,
        device: &B::Device,
        observer: &dyn Observer,
    ) -> Result<YoutubeDnnModel> {
        train::train::<B>(
            self,
            input.rows,
            input.sessions,
            input.content,
            device,
            observer,
        )
    }
}

/// Trains on the backend of [`device`](YoutubeDnnConfig::device) (the CPU by default).
impl Fit<YoutubeDnnInput<'_>> for YoutubeDnnConfig {
    type Model = YoutubeDnnModel;
    type Error = NeuralError;

    fn validate(&self) -> Result<()> {
        YoutubeDnnConfig::validate(self)
    }

    fn fit_observed(
        &self,
        data: &YoutubeDnnInput<'_>,
        observer: &dyn Observer,
    ) -> Result<YoutubeDnnModel> {
        on_device!(self.device, |B, dev| self.fit_on::<B>(data, dev, observer))
    }
}

/// `youtube-dnn` (aliases `ytdnn`, `youtube`) in the registry: trained on the backend of
/// [`device`](YoutubeDnnConfig::device) on the training data's rows (its sessions when it has them) and its content, which it needs.
impl Registered for YoutubeDnnConfig {
    type Model = YoutubeDnnModel;
    const NAME: &'static str = "youtube-dnn";
    const ALIASES: &'static [&'static str] = &["ytdnn", "youtube", "yt-dnn"];
    const DESCRIPTION: &'static str = "YouTube-DNN for cold-start artists: id embedding + \
         SVD-reduced TF-IDF tags → dense → GRU → softmax over the top artists, burn (CPU; CUDA \
         with `cuda`); needs `fit --content FILE`";

    fn registry_default() -> Self {
        YoutubeDnnConfig::default()
    }

    fn check_fit(&self) -> std::result::Result<(), String> {
        self.device.check().map_err(|e| e.to_string())
    }

    fn fit_data(
        &self,
        data: &TrainingData<'_>,
        observer: &dyn Observer,
    ) -> std::result::Result<YoutubeDnnModel, BoxError> {
        let content = data.content.ok_or(
            "youtube-dnn needs artist content: pass `--content FILE` to `fit` (a TSV of \
             artist<TAB>tag[<TAB>count] lines, or a dataset with tag assignments), or \
             TrainingData::with_content from a program",
        )?;
        let input = YoutubeDnnInput {
            rows: data.interactions,
            sessions: data.sessions,
            content,
        };
        Ok(self.fit_observed(&input, observer)?)
    }
}
