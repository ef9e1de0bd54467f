use std::path::PathBuf;

use artist2vec_core::CoreError;

/// Errors of the skip-gram crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SkipGramError {
    /// A configuration value outside its domain, found by
    /// [`SkipGramConfig::validate`](crate::SkipGramConfig) before any work is done.
    #[error("invalid skip-gram configuration: {field} = {value}; expected {expected}")]
    Config {
        /// The field of [`SkipGramConfig`](crate::SkipGramConfig).
        field: &'static str,
        /// The offending value, formatted.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// A size whose tables would take more memory than
    /// [`MAX_TABLE_BYTES`](crate::MAX_TABLE_BYTES), found before anything is allocated.
    #[error("`{field}` = {value} is too large: {limit}")]
    OverLimit {
        /// The field of the configuration (`"dim"`).
        field: &'static str,
        /// Its value.
        value: String,
        /// The limit and what the value would have taken.
        limit: String,
    },
    /// The training data leaves nothing to train on (no sentence with two trainable artists).
    #[error("nothing to train on: {0}")]
    EmptyCorpus(String),
    /// The loss or the vectors became non-finite (learning rate far too high).
    #[error("training diverged in epoch {epoch}: loss {loss}")]
    Diverged {
        /// Epoch (0-based) in which it happened.
        epoch: usize,
        /// The epoch's mean loss.
        loss: f64,
    },
    /// A word2vec, `.npy` or vocabulary file that does not have the expected form.
    #[error("{path}: line {line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number (0 for binary headers).
        line: u64,
        /// What was expected and what was found.
        message: String,
    },
    /// A table that cannot be written in the requested format (e.g. an id containing a space
    /// in the word2vec format).
    #[error("cannot export: {0}")]
    Export(String),
    /// An error of the core types (unknown artist, bad shapes, I/O, damaged model file, …).
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl SkipGramError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SkipGramError::Core(CoreError::Io {
            path: path.into(),
            source,
        })
    }

    pub(crate) fn parse(path: impl Into<PathBuf>, line: u64, message: impl Into<String>) -> Self {
        SkipGramError::Parse {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}

/// Result type of this crate.
pub type Result<T, E = SkipGramError> = std::result::Result<T, E>;
