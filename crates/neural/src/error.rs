//! The error type of the crate.

use artist2vec_core::CoreError;

/// Errors of the neural models.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NeuralError {
    /// A configuration value that is not allowed.
    #[error("invalid configuration: {field} = {value}; expected {expected}")]
    Config {
        /// The field.
        field: &'static str,
        /// Its value, as text.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// Data that gives nothing to train on (no two trained artists in one sentence, …).
    #[error("nothing to train on: {0}")]
    NoTrainingData(String),
    /// The loss (or a parameter) stopped being finite: the learning rate is too high for the
    /// batch size.
    #[error(
        "training diverged in epoch {epoch} (0-based): mean loss {loss}; lower the learning rate \
         (alpha, lr) or the batch size"
    )]
    Diverged {
        /// The epoch (0-based).
        epoch: usize,
        /// The epoch's mean loss.
        loss: f64,
    },
    /// An error of the core types (shapes, indices, vocabularies).
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// A `Result` with [`NeuralError`].
pub type Result<T, E = NeuralError> = std::result::Result<T, E>;
