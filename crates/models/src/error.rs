use artist2vec_core::CoreError;
use artist2vec_sparse::SparseError;

/// Errors of the models crate.
///
/// Configuration errors are raised by [`Fit::validate`](artist2vec_core::Fit::validate) before
/// any work is done; errors about saved models come from the core crate's
/// [`modelfile`](artist2vec_core::modelfile) reader as [`CoreError::Format`] and name the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A configuration value outside its domain (negative regularisation, zero factors, `k = 0`…).
    #[error("{model}: invalid `{param}` = {value}: expected {expected}")]
    InvalidParameter {
        /// The model whose configuration is wrong (`"als"`, `"item-knn"`, …).
        model: &'static str,
        /// The configuration field.
        param: &'static str,
        /// The value that was given, as text.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// The training set has no interactions (or no artists), so there is nothing to learn.
    #[error("{model}: the training set is empty ({users} users, {items} artists, no interactions)")]
    EmptyTrainingSet {
        /// The model that was being trained.
        model: &'static str,
        /// Users in the vocabulary.
        users: usize,
        /// Artists in the vocabulary.
        items: usize,
    },
    /// Training data the model cannot use (e.g. a negative play count).
    #[error("{model}: invalid training data: {message}")]
    InvalidData {
        /// The model that was being trained.
        model: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A size from the configuration that is over a limit of this crate, refused before any
    /// allocation (e.g. `factors = 100000000000`, or factor tables over [`MAX_MODEL_BYTES`]).
    #[error("{model}: `{param}` = {value} is too large: {limit}")]
    OverLimit {
        /// The model whose configuration is refused.
        model: &'static str,
        /// The configuration field.
        param: &'static str,
        /// The value that was given, as text.
        value: String,
        /// The limit it is over, and why.
        limit: String,
    },
    /// An iterative trainer (ALS, WMF, BPR) met a non-finite value or a failed solve in one
    /// epoch (iteration) and stopped there.
    #[error("{model}: training diverged in {step} {epoch}: {message}")]
    Diverged {
        /// The model that was being trained.
        model: &'static str,
        /// `"epoch"` or `"iteration"`.
        step: &'static str,
        /// The 1-based epoch (iteration) in which it was detected.
        epoch: usize,
        /// What was found, and what to change.
        message: String,
    },
    /// A numerical failure, such as a matrix that is not positive definite.
    #[error("{model}: numerical failure: {message}")]
    Numerical {
        /// The model that was being trained.
        model: &'static str,
        /// What failed.
        message: String,
    },
    /// The model would need more memory than its configuration allows (EASE's
    /// `max_memory_gb`) or than the allocator can give; refused before any large allocation.
    #[error("{model}: {message}")]
    TooLarge {
        /// The model that was being trained.
        model: &'static str,
        /// The bytes it would need.
        needed_bytes: u64,
        /// The bytes it may use.
        limit_bytes: u64,
        /// What it needs the memory for, and how to reduce it.
        message: String,
    },
    /// A query the model cannot answer (e.g. artist similarity from a popularity model).
    #[error("{model}: {message}")]
    Unsupported {
        /// The model that was asked.
        model: &'static str,
        /// What it cannot do.
        message: String,
    },
    /// An error of the core types: unknown artist, index out of range, I/O, damaged model file.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// An error of the sparse-matrix routines.
    #[error(transparent)]
    Sparse(#[from] SparseError),
}

impl ModelError {
    pub(crate) fn invalid(
        model: &'static str,
        param: &'static str,
        value: impl std::fmt::Display,
        expected: &'static str,
    ) -> Self {
        ModelError::InvalidParameter {
            model,
            param,
            value: value.to_string(),
            expected,
        }
    }
}

/// The most bytes the dense tables a factor model allocates to train (user and artist factors,
/// plus one `factors × factors` Gram matrix per thread) may take: 16 GiB.
pub const MAX_MODEL_BYTES: u64 = 16 << 30;

/// The most latent factors (dimensions) a factor model may have: 65536, as the skip-gram's
/// `dim`.
pub const MAX_FACTORS: usize = 1 << 16;

/// The most neighbours a kNN model may keep per row: 2^24. Any `k` at or above the number of
/// artists (users) keeps them all; larger values are refused as typing errors before any work.
pub const MAX_NEIGHBOURS: usize = 1 << 24;

/// The most training threads an SGD model (BPR, WMF) may be asked for: 4096, as the
/// skip-gram's `threads`.
pub const MAX_THREADS: usize = 4096;

/// Shorthand for results of this crate.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;

/// Checks of configuration values, each returning a typed [`ModelError::InvalidParameter`].
pub(crate) mod check {
    use super::ModelError;
    use artist2vec_sparse::Weighting;

    /// `v >= 1`.
    pub fn at_least_one(
        model: &'static str,
        param: &'static str,
        v: usize,
    ) -> Result<(), ModelError> {
        if v == 0 {
            return Err(ModelError::invalid(model, param, v, "an integer >= 1"));
        }
        Ok(())
    }

    /// `1 <= v <= max`; above `max`, a [`ModelError::OverLimit`] naming the limit.
    pub fn at_most(
        model: &'static str,
        param: &'static str,
        v: usize,
        max: usize,
    ) -> Result<(), ModelError> {
        at_least_one(model, param, v)?;
        if v > max {
            return Err(ModelError::OverLimit {
                model,
                param,
                value: v.to_string(),
                limit: format!("the limit is {max}"),
            });
        }
        Ok(())
    }

    /// The dense tables of a factor model with `factors` columns (`width` = `factors` plus any
    /// bias columns) for `users` and `items` rows, plus `grams` `factors × factors` matrices,
    /// fit in [`MAX_MODEL_BYTES`](super::MAX_MODEL_BYTES). Overflow-safe (`u128`, checked).
    pub fn factor_memory(
        model: &'static str,
        factors: usize,
        width: usize,
        users: usize,
        items: usize,
        grams: usize,
    ) -> Result<(), ModelError> {
        let (f, w) = (factors as u128, width as u128);
        let bytes = (users as u128 + items as u128)
            .checked_mul(w)
            .and_then(|t| f.checked_mul(f)?.checked_mul(grams as u128)?.checked_add(t))
            .and_then(|n| n.checked_mul(4));
        let limit = super::MAX_MODEL_BYTES as u128;
        match bytes {
            Some(b) if b <= limit => Ok(()),
            b => Err(ModelError::OverLimit {
                model,
                param: "factors",
                value: factors.to_string(),
                limit: format!(
                    "its tables for {users} users and {items} artists would take {} bytes, \
                     over the limit of {limit} bytes (16 GiB)",
                    b.map_or_else(|| "more than 2^128".to_string(), |b| b.to_string())
                ),
            }),
        }
    }

    /// `v` finite and `>= 0`.
    pub fn non_negative(
        model: &'static str,
        param: &'static str,
        v: f32,
    ) -> Result<(), ModelError> {
        if !(v.is_finite() && v >= 0.0) {
            return Err(ModelError::invalid(model, param, v, "a finite number >= 0"));
        }
        Ok(())
    }

    /// `v` finite and `> 0`.
    pub fn positive(model: &'static str, param: &'static str, v: f32) -> Result<(), ModelError> {
        if !(v.is_finite() && v > 0.0) {
            return Err(ModelError::invalid(model, param, v, "a finite number > 0"));
        }
        Ok(())
    }

    /// A weighting whose parameters are valid.
    pub fn weighting(
        model: &'static str,
        param: &'static str,
        w: &Weighting,
    ) -> Result<(), ModelError> {
        w.validate()
            .map_err(|e| ModelError::invalid(model, param, format!("{w:?}"), leak_reason(e)))
    }

    /// A weighting that acts on each play count alone (raw, binary, log1p, confidence), so that
    /// it can be applied to the history of a new listener.
    pub fn elementwise(
        model: &'static str,
        param: &'static str,
        w: &Weighting,
    ) -> Result<(), ModelError> {
        weighting(model, param, w)?;
        if crate::base::elementwise(w, 1.0).is_none() {
            return Err(ModelError::invalid(
                model,
                param,
                format!("{w:?}"),
                "an element-wise weighting (raw, binary, log1p or confidence)",
            ));
        }
        Ok(())
    }

    fn leak_reason(_e: artist2vec_sparse::SparseError) -> &'static str {
        "valid weighting parameters (bm25: k1 >= 0, 0 <= b <= 1; confidence: alpha, beta >= 0)"
    }
}
