use std::path::PathBuf;

/// Errors of the core types.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// An artist (or user) id that the vocabulary does not hold.
    #[error("unknown {kind} {id:?}")]
    UnknownId {
        /// What was looked up ("artist", "user").
        kind: &'static str,
        /// The external id or name that was asked for.
        id: String,
    },
    /// A dense index outside the vocabulary.
    #[error("{kind} index {index} out of range (size {len})")]
    IndexOutOfRange {
        /// What was indexed ("artist", "user").
        kind: &'static str,
        /// The index asked for.
        index: usize,
        /// The number of entries.
        len: usize,
    },
    /// Two pieces of data whose sizes must agree do not.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// A value that is not allowed (NaN, zero dimension, …).
    #[error("invalid value: {0}")]
    Invalid(String),
    /// An I/O error on a named file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A model name that no registered family answers to.
    #[error("unknown model {name:?}; known models: {known}")]
    UnknownModel {
        /// The name asked for.
        name: String,
        /// The registered names, comma-separated.
        known: String,
    },
    /// A model configuration that does not parse or has a bad value.
    #[error("{model} configuration: {message}")]
    Config {
        /// The model family.
        model: &'static str,
        /// What is wrong.
        message: String,
    },
    /// An error reported by a model family's own crate while fitting.
    #[error("{}", prefixed(model, &source.to_string()))]
    Model {
        /// The model family.
        model: &'static str,
        /// The crate's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A file whose content is not what was expected.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
}

impl CoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CoreError::Io {
            path: path.into(),
            source,
        }
    }
}

/// `source`'s message, prefixed with `model` unless it already starts with it.
fn prefixed(model: &str, msg: &str) -> String {
    if msg.starts_with(model) {
        msg.to_owned()
    } else {
        format!("{model}: {msg}")
    }
}
