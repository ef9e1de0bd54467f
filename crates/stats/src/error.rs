//! The crate's error type.

/// Everything that can go wrong in this crate.
///
/// Every public function validates its input before doing any work and
/// reports the first problem it finds as one of these variants; no function
/// panics on user input. Where scipy returns `nan` because a quantity is
/// `0 / 0` (for example a t statistic when every difference is zero), this
/// crate returns [`StatsError::Undefined`] instead of a NaN that would travel
/// silently into a report.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StatsError {
    /// A sample that must hold observations is empty (scipy returns `nan`).
    #[error("sample `{sample}` is empty")]
    EmptySample {
        /// Which argument was empty (`"x"`, `"y"`, `"data"`, …).
        sample: &'static str,
    },

    /// A sample is too small for the requested quantity, e.g. a t-test on
    /// one observation (scipy returns `nan`).
    #[error("sample `{sample}` has {got} observation(s); this needs at least {needed}")]
    TooFewObservations {
        /// Which argument was too small.
        sample: &'static str,
        /// The minimum number of observations.
        needed: usize,
        /// The number of observations given.
        got: usize,
    },

    /// An input value is NaN. NaN is never accepted: it has no rank and no
    /// order, and scipy's default (`nan_policy='propagate'`) would turn the
    /// whole result into `nan`.
    #[error("sample `{sample}` contains NaN at index {index}")]
    NanInput {
        /// Which argument holds the NaN.
        sample: &'static str,
        /// Position of the first NaN.
        index: usize,
    },

    /// An input value is infinite where a mean or variance is needed
    /// (t-tests, Cohen's d, bootstrap, permutation test). Rank tests accept
    /// infinities, since they only need an order.
    #[error("sample `{sample}` contains an infinite value at index {index}")]
    InfiniteInput {
        /// Which argument holds the infinity.
        sample: &'static str,
        /// Position of the first infinite value.
        index: usize,
    },

    /// Paired samples have different lengths (scipy would try to broadcast).
    #[error("paired samples differ in length: `x` has {x} observations, `y` has {y}")]
    LengthMismatch {
        /// Length of `x`.
        x: usize,
        /// Length of `y`.
        y: usize,
    },

    /// A confidence level outside the open interval (0, 1).
    #[error("confidence level must lie strictly between 0 and 1, got {0}")]
    InvalidConfidence(f64),

    /// A p-value passed to a multiple-testing correction is NaN or outside [0, 1].
    #[error("p-value at index {index} is {value}; p-values must lie in [0, 1]")]
    InvalidPValue {
        /// Position of the offending p-value.
        index: usize,
        /// The offending value.
        value: f64,
    },

    /// A parameter that is not data has an unusable value (e.g. zero resamples).
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// The requested quantity is mathematically undefined for this input
    /// (`0 / 0`); scipy returns `nan` in these cases.
    #[error("{what} is undefined for this input: {reason}")]
    Undefined {
        /// The quantity that could not be computed.
        what: &'static str,
        /// Why, in words.
        reason: &'static str,
    },

    /// A user-supplied statistic returned NaN or an infinity.
    #[error("the statistic returned the non-finite value {value} on {context}")]
    NonFiniteStatistic {
        /// The value returned.
        value: f64,
        /// On which data it happened (`"the original sample"`, `"a bootstrap resample"`, …).
        context: &'static str,
    },
}

/// Shorthand for `Result<T, StatsError>`.
pub type Result<T> = std::result::Result<T, StatsError>;
