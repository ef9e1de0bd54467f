use std::path::PathBuf;

use artist2vec_core::CoreError;

/// What can go wrong while projecting or drawing a map.
#[derive(Debug, thiserror::Error)]
pub enum VizError {
    /// A setting or an input that cannot be used (too few artists, `n_neighbors` out of range,
    /// columns of different lengths, …).
    #[error("{0}")]
    Invalid(String),
    /// An error of the core types (a bad artist index, a model without similarity).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A file could not be written.
    #[error("writing {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}
