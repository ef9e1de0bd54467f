//! GRU4Rec (Hidasi et al. 2016): a GRU over a listening session predicts the next artist.
//!
//! Trained on burn, generic over the backend ([`Gru4RecConfig::fit_on`]; the registry and
//! [`Fit`] use the backend of [`device`](Gru4RecConfig::device), the CPU by default), with session-parallel mini-batches, the cross-entropy over
//! every artist (or over the batch's targets and sampled negatives) at every step, Adam with
//! weight decay, and the best epoch on a validation cut of the latest training sessions kept
//! (MRR@20, which equals MAP@20 with one relevant artist). The fitted model
//! ([`Gru4RecModel`]) is plain CPU memory and serves [`Query::History`] in play order: the
//! scores are the next-artist logits after the history (with the repeat mechanism,
//! [`Gru4RecConfig::repeat`], the probabilities of its mixture). [`Gru4RecConfig::default`] is
//! the notebook's variant; the registry's default (`artist2vec fit --model gru4rec`) is the
//! best configuration of the planted-order study.
//!
//! [`Query::History`]: artist2vec_core::Query::History
//!
//! ```
//! use artist2vec_core::{NoProgress, Query, Recommender};
//! use artist2vec_data::synth::{SynthConfig, Synthetic};
//! use artist2vec_neural::{Gru4RecConfig, Gru4RecInput};
//!
//! let data = Synthetic::generate(&SynthConfig::tiny().with_sequential_order(0.5))?;
//! let sessions = data.sessions();
//! let rows = sessions.to_counts();
//! let config = Gru4RecConfig::default().with_embedding(16).with_hidden(16).with_epochs(2);
//! let model = config.fit_on::<artist2vec_neural::CpuBackend>(
//!     &Gru4RecInput::new(&rows, sessions), &Default::default(), &NoProgress)?;
//! let next = model.recommend(&Query::History(&[(3, 1.0), (7, 1.0)]), 5, false)?;
//! assert_eq!(next.len(), 5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod model;
mod net;
#[cfg(test)]
mod tests;
mod train;

use artist2vec_core::registry::BoxError;
use artist2vec_core::{Fit, Interactions, Observer, Registered, Sessions, TrainingData};
use burn::tensor::backend::AutodiffBackend;

pub use config::{Gru4RecConfig, GruLoss};
pub use model::{Gru4RecModel, Gru4RecStats};

use crate::device::on_device;
use crate::error::{NeuralError, Result};

/// What GRU4Rec trains on: user × artist rows (the seen artists) and the sessions in play
/// order over the same vocabularies.
#[derive(Debug, Clone, Copy)]
pub struct Gru4RecInput<'a> {
    /// User × artist rows.
    pub rows: &'a Interactions,
    /// Sessions in play order.
    pub sessions: &'a Sessions,
}

impl<'a> Gru4RecInput<'a> {
    /// The rows and their sessions.
    pub fn new(rows: &'a Interactions, sessions: &'a Sessions) -> Self {
        Self { rows, sessions }
    }
}

impl Gru4RecConfig {
    /// Trains with backend `B` on `device`.
    ///
    /// # Errors
    /// [`NeuralError::Config`] for a bad configuration (before any work);
    /// [`NeuralError::NoTrainingData`] when no session has two plays;
    /// [`NeuralError::Core`] when rows and sessions differ in vocabularies;
    /// [`NeuralError::Diverged`] naming the epoch whose loss was not finite.
    pub fn fit_on<B: AutodiffBackend>(
        &self,
        input: &Gru4RecInput<'_>,
        device: &B::Device,
        observer: &dyn Observer,
    ) -> Result<Gru4RecModel> {
        train::train::<B>(self, input.rows, input.sessions, device, observer)
    }
}

/// Trains on the backend of [`device`](Gru4RecConfig::device) (the CPU by default).
impl Fit<Gru4RecInput<'_>> for Gru4RecConfig {
    type Model = Gru4RecModel;
    type Error = NeuralError;

    fn validate(&self) -> Result<()> {
        Gru4RecConfig::validate(self)
    }

    fn fit_observed(
        &self,
        data: &Gru4RecInput<'_>,
        observer: &dyn Observer,
    ) -> Result<Gru4RecModel> {
        on_device!(self.device, |B, dev| self.fit_on::<B>(data, dev, observer))
    }
}

/// `gru4rec` (alias `gru`) in the registry: trained on the backend of
/// [`device`](Gru4RecConfig::device) on the sessions of the training data, which it needs.
impl Registered for Gru4RecConfig {
    type Model = Gru4RecModel;
    const NAME: &'static str = "gru4rec";
    const ALIASES: &'static [&'static str] = &["gru", "gru-session"];
    const DESCRIPTION: &'static str = "GRU4Rec session model: GRU over the plays of a session, \
         softmax over the next artist, burn (CPU; CUDA with `cuda`); needs sessions";

    /// The best configuration of the planted-order study (docs/results.md, `examples/
    /// gru_sessions.rs`: MRR@20 and HR@20 above every sequence baseline, Markov included, on
    /// two data seeds): learning rate 0.005 decayed by 0.7 per epoch, no weight decay, the skip
    /// connection, constrained embeddings, the repeat mechanism, 50 lanes, 12 epochs (the best
    /// validation epoch kept). [`Gru4RecConfig::default`] stays the notebook's variant.
    fn registry_default() -> Self {
        Gru4RecConfig::default()
            .with_lr(0.005)
            .with_weight_decay(0.0)
            .with_lr_decay(0.7)
            .with_skip(true)
            .with_constrained(true)
            .with_repeat(true)
            .with_batch_size(50)
            .with_epochs(12)
    }

    fn check_fit(&self) -> std::result::Result<(), String> {
        self.device.check().map_err(|e| e.to_string())
    }

    fn fit_data(
        &self,
        data: &TrainingData<'_>,
        observer: &dyn Observer,
    ) -> std::result::Result<Gru4RecModel, BoxError> {
        let sessions = data.sessions.ok_or_else(|| {
            NeuralError::NoTrainingData(
                "gru4rec needs sessions in play order: a TSV with a timestamp column (cut at \
                 idle gaps, --session-gap) or a dataset with sessions"
                    .into(),
            )
        })?;
        Ok(self.fit_observed(&Gru4RecInput::new(data.interactions, sessions), observer)?)
    }
}
