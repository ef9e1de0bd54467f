use std::path::PathBuf;

use artist2vec_core::CoreError;

/// Errors of loading, preparing and splitting data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A line (or record) that does not have the expected shape.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number (0 when the error is about the file as a whole).
        line: u64,
        /// What was expected and what was found.
        message: String,
    },
    /// An I/O error on a named file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file with no data rows at all.
    #[error("{}: empty file (expected {expected})", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
        /// What the file should have held.
        expected: String,
    },
    /// A bad argument (a fraction outside 0..1, an unknown format name, …).
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// An error of the tabular reader (polars), naming the file.
    #[error("{}: {message}", path.display())]
    Table {
        /// The file.
        path: PathBuf,
        /// What polars reported.
        message: String,
    },
    /// An error of the core types.
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl DataError {
    /// A parse error at `path:line`.
    pub fn parse(path: impl Into<PathBuf>, line: u64, message: impl Into<String>) -> Self {
        DataError::Parse {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.into(),
            source,
        }
    }

    /// The reason under which a lenient reader counts this error, when it is about one line.
    pub fn skip_reason(&self) -> Option<&str> {
        match self {
            DataError::Parse { message, .. } => Some(reason_of(message)),
            _ => None,
        }
    }
}

/// Parse messages start with a short reason followed by `": "` (e.g. `"bad number: …"`); the
/// reason is what lenient mode counts.
fn reason_of(message: &str) -> &str {
    message.split(": ").next().unwrap_or(message)
}
