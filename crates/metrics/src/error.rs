//! The error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong in `artist2vec-metrics`.
///
/// Errors about input files name the file, the 1-based line and what was expected there.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// A file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A file has no header line (it is empty).
    #[error("{path}: empty file, expected a header line such as {expected:?}")]
    EmptyFile {
        /// The file.
        path: PathBuf,
        /// The header that was expected.
        expected: &'static str,
    },

    /// A line of a TSV file could not be parsed.
    #[error("{path}:{line}: column {column} ({name}): expected {expected}, found {found:?}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number (the header is line 1).
        line: usize,
        /// 1-based column number.
        column: usize,
        /// Name of the column (`user`, `item`, `weight`, `rank`).
        name: &'static str,
        /// What was expected.
        expected: &'static str,
        /// The text that was found.
        found: String,
    },

    /// A line of a TSV file has fewer columns than required.
    #[error("{path}:{line}: expected {expected} tab-separated columns ({names}), found {found}")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// How many columns are needed.
        expected: usize,
        /// How many were found.
        found: usize,
        /// The names of the expected columns.
        names: &'static str,
    },

    /// A file is not valid UTF-8.
    #[error("{path}:{line}: not valid UTF-8")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
    },

    /// Input that must not be empty is empty (for example a test set without rows: there are no
    /// users to evaluate, and a mean over nobody is undefined).
    #[error("{what} is empty{}", origin_suffix(.origin))]
    EmptyInput {
        /// What is empty ("test set", "training set", …).
        what: &'static str,
        /// Where it came from (a file name), when known.
        origin: Option<String>,
    },

    /// A cut-off `k` of zero (every metric at k = 0 is undefined).
    #[error("k must be at least 1, got {0}")]
    InvalidK(usize),

    /// A configuration value that is not allowed.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidConfig {
        /// Name of the parameter.
        name: &'static str,
        /// The value given, as text.
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },

    /// Sizes of inputs that must agree do not.
    #[error("shape mismatch: {0}")]
    Shape(String),

    /// A user (or query) to evaluate has no relevant item, so recall, MAP and NDCG are undefined.
    #[error("user {user} has no relevant items; recall, MAP and NDCG are undefined for it")]
    NoRelevantItems {
        /// The user (or query, or sequence index).
        user: u32,
    },

    /// A sequence has no prediction step, so its per-sequence mean is undefined.
    #[error("sequence {sequence} has no prediction steps")]
    EmptySequence {
        /// Index of the sequence.
        sequence: usize,
    },

    /// A score or a vector component that is NaN or infinite where a finite number is needed.
    #[error("non-finite value in {what}: {detail}")]
    NonFinite {
        /// Which input ("user vectors", "item vectors", "scores", …).
        what: &'static str,
        /// Where (row, item, …).
        detail: String,
    },

    /// A user's seen items are not sorted ascending, or name an item outside the catalogue.
    #[error("invalid seen items: {0}")]
    InvalidSeen(String),

    /// An evaluation JSON file could not be parsed.
    #[error("{path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },

    /// A model failed while being evaluated (e.g. a user or artist outside its index range).
    #[error("model: {0}")]
    Model(#[from] artist2vec_core::CoreError),

    /// An evaluation report whose content is inconsistent (for example per-user arrays whose
    /// length differs from the number of users).
    #[error("{origin}: invalid evaluation report: {reason}")]
    InvalidReport {
        /// The file, or "report".
        origin: String,
        /// What is wrong.
        reason: String,
    },
}

fn origin_suffix(origin: &Option<String>) -> String {
    match origin {
        Some(o) => format!(" ({o})"),
        None => String::new(),
    }
}

impl MetricsError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        MetricsError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = MetricsError> = std::result::Result<T, E>;
