//! Statistical tests for deciding whether one recommender beats another,
//! checked against scipy to 1e-10.
//!
//! Evaluation protocols produce one score per user (or session) and per
//! model; this crate answers "is the difference real, and how large is it?"
//!
//! | Question | Functions |
//! |---|---|
//! | Paired scores, rank-based | [`wilcoxon`], [`wilcoxon_one_sample`] |
//! | Paired scores, mean-based | [`paired_t_test`], [`paired_permutation_test`], [`sign_flip_test`] |
//! | Independent samples (e.g. subsample runs) | [`mann_whitney_u`], [`student_t_test`], [`welch_t_test`] |
//! | One sample | [`one_sample_t_test`], [`mean_confidence_interval`] |
//! | Uncertainty of any statistic | [`bootstrap_ci`], [`bootstrap_mean_ci`] (percentile, BCa) |
//! | Many comparisons | [`holm`], [`benjamini_hochberg`] |
//! | Effect sizes | [`cohens_d`], [`cohens_dz`], [`rank_biserial_independent`], [`rank_biserial_paired`] |
//!
//! # Agreement with scipy
//!
//! The rank tests, t-tests, t intervals and corrections reproduce
//! `scipy.stats` 1.17.1 (and `statsmodels` 0.15 `multipletests`),
//! including scipy's choice of method under `method='auto'`, its treatment
//! of zeros and ties, its continuity corrections and its conservative
//! rounding in exact tests. `reference/make_scipy_cases.py` computes about
//! 1 500 cases with scipy (ties, zeros under each zero method, n = 1,
//! all-equal samples, exact paths, samples of 5 000 on the asymptotic path,
//! every alternative), `reference/scipy_cases.json` holds its output, and
//! the integration tests compare statistics and p-values to 1e-10 (the
//! largest difference seen is about 5e-12, for t-tests with thousands of
//! degrees of freedom). The bootstrap and the Monte Carlo permutation test
//! draw their random numbers from this crate's seeded generator, so they
//! equal scipy in method but not in draws; the interval arithmetic is still
//! checked against scipy on a fixed bootstrap distribution.
//!
//! Student's t CDF and quantile come from [`statrs`](https://docs.rs/statrs),
//! a maintained pure-Rust statistics library (the quantile is refined by
//! Newton steps on its CDF, because its inverse is only accurate to about
//! 1e-6 at large degrees of freedom). The normal CDF uses
//! [`libm`](https://docs.rs/libm)'s `erf`/`erfc` (ports of musl's), because
//! `statrs` 0.18's `erfc` has relative errors near 1e-10. No special
//! function is written here; the exact null distributions of the rank
//! statistics are counting recursions.
//!
//! # Degenerate input and deviations from scipy
//!
//! Every function validates its input and returns a [`StatsError`]; none
//! panics on user data. Where scipy returns a number for a degenerate input
//! (e.g. `p = 1` for Mann–Whitney with continuity correction on all-equal
//! samples, `t = ±inf` and `p = 0` for zero variance with a non-zero mean
//! difference, `p = 1` from the permutation test that `method='auto'` runs
//! on a few all-zero differences), so does this crate. Otherwise:
//!
//! - NaN input is an error ([`StatsError::NanInput`]); scipy returns `nan`.
//! - Empty samples are an error ([`StatsError::EmptySample`]); scipy
//!   returns `nan` with a warning.
//! - Where scipy returns `nan` because a quantity is `0 / 0` — a t-test on
//!   constant data equal to the null value, a normal approximation when
//!   all values are tied or all differences are zero, a BCa interval of a
//!   degenerate bootstrap distribution — this crate returns
//!   [`StatsError::Undefined`].
//! - Too few observations (a t-test on one value, a permutation test on
//!   one pair) give [`StatsError::TooFewObservations`]; scipy returns `nan`
//!   or raises.
//! - Paired samples of different lengths are an error
//!   ([`StatsError::LengthMismatch`]); scipy broadcasts a length-1 sample.
//! - A one-sided t interval with zero standard error keeps its infinite
//!   end; scipy computes `-inf · 0 = nan` there.
//!
//! # Quick start
//!
//! ```
//! use artist2vec_stats::{
//!     benjamini_hochberg, bootstrap_mean_ci, cohens_dz, paired_t_test, wilcoxon,
//!     Alternative, BootstrapOptions, WilcoxonOptions,
//! };
//!
//! // Per-user NDCG@10 of two models on the same 12 users.
//! let als = [0.42, 0.31, 0.55, 0.12, 0.38, 0.61, 0.27, 0.49, 0.33, 0.58, 0.21, 0.44];
//! let knn = [0.35, 0.30, 0.41, 0.15, 0.29, 0.52, 0.27, 0.40, 0.31, 0.47, 0.18, 0.36];
//!
//! // Wilcoxon signed-rank test, as scipy.stats.wilcoxon(als, knn).
//! let w = wilcoxon(&als, &knn, &WilcoxonOptions::new())?;
//! assert!(w.p_value < 0.01);
//! assert!(w.rank_biserial().unwrap() > 0.8);
//!
//! // Paired t-test with a 95 % confidence interval of the mean difference.
//! let t = paired_t_test(&als, &knn, Alternative::TwoSided)?;
//! let ci = t.confidence_interval(0.95)?;
//! assert!(ci.low > 0.0 && t.p_value < 0.01);
//! assert!(cohens_dz(&als, &knn)? > 1.0);
//!
//! // Seeded BCa bootstrap interval of one model's mean.
//! let b = bootstrap_mean_ci(&als, &BootstrapOptions::new(42).with_n_resamples(2000))?;
//! assert!(b.confidence_interval.contains(b.estimate));
//!
//! // Benjamini–Hochberg over several comparisons.
//! let q = benjamini_hochberg(&[w.p_value, 0.04, 0.3])?;
//! assert!(q.iter().all(|&v| (0.0..=1.0).contains(&v)));
//! # Ok::<(), artist2vec_stats::StatsError>(())
//! ```
#![warn(missing_docs)]

mod bootstrap;
mod common;
mod correction;
mod distributions;
mod effect_size;
mod error;
mod mann_whitney;
mod permutation;
mod rank;
mod ttest;
mod wilcoxon;

pub use bootstrap::{
    BootstrapMethod, BootstrapOptions, BootstrapResult, bootstrap_ci, bootstrap_interval,
    bootstrap_mean_ci,
};
pub use common::{Alternative, ConfidenceInterval};
pub use correction::{benjamini_hochberg, holm};
pub use effect_size::{cohens_d, cohens_dz, rank_biserial_independent, rank_biserial_paired};
pub use error::{Result, StatsError};
pub use mann_whitney::{MannWhitneyMethod, MannWhitneyOptions, MannWhitneyResult, mann_whitney_u};
pub use permutation::{
    PermutationOptions, PermutationResult, paired_permutation_test, sign_flip_test,
};
pub use ttest::{
    TTestKind, TTestResult, mean_confidence_interval, one_sample_t_test, paired_t_test,
    student_t_test, welch_t_test,
};
pub use wilcoxon::{
    WilcoxonMethod, WilcoxonOptions, WilcoxonResult, ZeroMethod, wilcoxon, wilcoxon_one_sample,
};
