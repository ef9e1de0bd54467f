use serde::{Deserialize, Serialize};

use crate::error::{Result, SkipGramError};

/// The most bytes the `f32` vector tables of a skip-gram model (input and output vectors, and
/// whatever copies a trainer keeps) may take while training: 16 GiB, as the factor models'
/// `MAX_MODEL_BYTES`.
pub const MAX_TABLE_BYTES: u64 = 16 << 30;

/// Checks, before anything is allocated, that `tables` tables of `n_artists × dim` `f32` fit in
/// [`MAX_TABLE_BYTES`] (overflow-safe). The error is the limit as text, for the caller's typed
/// error naming `dim`.
///
/// ```
/// use artist2vec_skipgram::check_table_bytes;
/// assert!(check_table_bytes(100, 17_632, 2).is_ok());
/// let msg = check_table_bytes(65_536, 40_000, 2).unwrap_err();
/// assert!(msg.contains("20971520000 bytes") && msg.contains("17179869184"), "{msg}");
/// ```
///
/// # Errors
/// The limit, the size asked for and the artists it is for.
pub fn check_table_bytes(
    dim: usize,
    n_artists: usize,
    tables: u32,
) -> std::result::Result<(), String> {
    let bytes = (n_artists as u128)
        .checked_mul(dim as u128)
        .and_then(|n| n.checked_mul(4 * u128::from(tables)));
    let limit = u128::from(MAX_TABLE_BYTES);
    match bytes {
        Some(b) if b <= limit => Ok(()),
        b => Err(format!(
            "{tables} vector tables of {n_artists} artists × {dim} dimensions would take {} \
             bytes, over the limit of {limit} bytes (16 GiB)",
            b.map_or_else(|| "more than 2^128".to_string(), |b| b.to_string())
        )),
    }
}

/// How far around an artist its context reaches.
///
/// In JSON: `{"fixed": 5}` or `"whole"`, as written; a bare number (`5`) reads as `fixed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", from = "WindowJson")]
pub enum Window {
    /// Up to `n` artists on either side (word2vec's `window`).
    Fixed(usize),
    /// The whole sentence: every other artist of the session, playlist or bag is context.
    Whole,
}

/// What a [`Window`] reads from: its own form or a bare number.
#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "a window: a number, {\"fixed\": n} or \"whole\""
)]
enum WindowJson {
    Size(usize),
    Tagged(WindowTagged),
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum WindowTagged {
    Fixed(usize),
    Whole,
}

impl From<WindowJson> for Window {
    fn from(w: WindowJson) -> Self {
        match w {
            WindowJson::Size(n) | WindowJson::Tagged(WindowTagged::Fixed(n)) => Window::Fixed(n),
            WindowJson::Tagged(WindowTagged::Whole) => Window::Whole,
        }
    }
}

/// In which order the artists of a sentence are presented to the trainer.
///
/// Order matters only through the window: with [`Window::Whole`] and no shrinking, every
/// order gives the same pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Play order for [`Sessions`](artist2vec_core::Sessions), a bag reshuffled every epoch
    /// for [`Interactions`](artist2vec_core::Interactions).
    #[default]
    Auto,
    /// As stored: play order for sessions; row order (first occurrence) for interactions.
    Given,
    /// Shuffled once, before training, with the configuration's seed (the reference gensim
    /// recipe for hetrec: one shuffled sentence per user).
    ShuffledOnce,
    /// Reshuffled at the start of every epoch (a bag of artists).
    ShuffledEachEpoch,
}

impl Order {
    /// What this order means for data whose sentences are bags (`bags`) or sequences:
    /// `(seed to shuffle each sentence once with, reshuffle every epoch)`.
    ///
    /// ```
    /// use artist2vec_skipgram::Order;
    /// assert_eq!(Order::Auto.resolve(7, true), (None, true));
    /// assert_eq!(Order::Auto.resolve(7, false), (None, false));
    /// assert_eq!(Order::ShuffledOnce.resolve(7, false), (Some(7), false));
    /// ```
    pub fn resolve(self, seed: u64, bags: bool) -> (Option<u64>, bool) {
        match self {
            Order::Auto if bags => (None, true),
            Order::Auto | Order::Given => (None, false),
            Order::ShuffledOnce => (Some(seed), false),
            Order::ShuffledEachEpoch => (None, true),
        }
    }
}

/// How the logistic function is evaluated in the training loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Sigmoid {
    /// A 1024-entry table over `[-6, 6]`; a target whose logit lies outside is skipped, as
    /// gensim does (fast, error below 0.003 inside). Skipping saturated targets leaves popular
    /// artists that are drawn as negatives but truly co-occur alone, which measurably helps
    /// output-vector recommendation (hetrec NDCG@10).
    #[default]
    Table,
    /// The same table, saturating to 0 or 1 outside `[-6, 6]` so that a wrongly saturated
    /// target still gets the full gradient (word2vec.c's behaviour).
    TableClipped,
    /// `1 / (1 + exp(-x))` computed exactly in `f32`, never skipped: slower, used by gradient
    /// tests.
    Exact,
}

/// How a listener is scored against the artists.
///
/// The listener's vector is always the play-share-weighted mean of the *input* vectors of the
/// artists they played (the notebooks' recipe); the scoring says what it is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// Dot product with each artist's input vector.
    InputDot,
    /// Cosine similarity with each artist's input vector (the notebooks' recipe).
    InputCosine,
    /// Dot product with each artist's *output* vector (`syn1neg`): the quantity the skip-gram
    /// objective actually trains, and by far the better recommender (hetrec NDCG@10 0.20 vs 0.04).
    #[default]
    Output,
}

/// Configuration of skip-gram with negative sampling (item2vec).
///
/// Defaults follow gensim 4's `Word2Vec(sg=1, hs=0)` except where noted. Every field is checked
/// by [`validate`](SkipGramConfig::validate) before any work.
///
/// ```
/// use artist2vec_skipgram::{SkipGramConfig, Window, Scoring};
/// let config = SkipGramConfig::new(64)
///     .with_window(Window::Fixed(50))
///     .with_epochs(50)
///     .with_sample(0.0)
///     .with_scoring(Scoring::Output);
/// assert!(config.validate().is_ok());
/// assert!(SkipGramConfig::new(0).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SkipGramConfig {
    /// Vector dimension (default 100, gensim's `vector_size`).
    pub dim: usize,
    /// Context window (default `Fixed(5)`).
    pub window: Window,
    /// Draw each position's window size uniformly from `1..=window` as word2vec does
    /// (default `true`, gensim's `shrink_windows`).
    pub shrink_window: bool,
    /// Negative samples per positive pair (default 5); must be ≥ 1.
    pub negative: usize,
    /// Exponent of the unigram distribution negatives are drawn from (default 0.75).
    pub ns_exponent: f64,
    /// Frequent-artist subsampling threshold (default 1e-3; 0 disables it). An artist with
    /// corpus frequency `f` is kept with probability `(sqrt(f / sample) + 1) · sample / f`,
    /// word2vec's formula as implemented by gensim.
    pub sample: f64,
    /// Artists occurring fewer times in the corpus are dropped before training
    /// (default 5, gensim's default; 1 keeps every artist).
    pub min_count: u64,
    /// Initial learning rate (default 0.025).
    pub alpha: f32,
    /// Final learning rate; the rate decays linearly from `alpha` to `min_alpha` over all
    /// epochs (default 1e-4).
    pub min_alpha: f32,
    /// Passes over the corpus (default 5).
    pub epochs: usize,
    /// Order of artists within a sentence (default [`Order::Auto`]).
    pub order: Order,
    /// Worker threads; 0 = all available cores (default 0). With 1 thread training is
    /// bit-reproducible; with more it is lock-free ("Hogwild") and not.
    pub threads: usize,
    /// Seed of every random choice (default 1, gensim's default).
    pub seed: u64,
    /// Evaluation of the logistic function (default [`Sigmoid::Table`]).
    pub sigmoid: Sigmoid,
    /// How the trained model scores listeners (default [`Scoring::Output`]).
    pub scoring: Scoring,
    /// Draw one set of negatives per centre artist and share it across the whole context
    /// window, applying the window's updates together as a minibatch (Ji et al. 2016,
    /// "Parallelizing Word2Vec in Shared and Distributed Memory"). Same objective and the same
    /// number of updates, but the output rows of a window stay in cache: much faster on large
    /// vocabularies. Default `false`: word2vec's exact per-pair update order.
    pub shared_negatives: bool,
    /// Score a new listener's history (`Query::History`, in play order) from its last
    /// `history_last` plays only (default 0: the whole history). With 1, the scores are the
    /// last artist's input vector · every output vector: skip-gram's next-artist prediction,
    /// the sequence baseline of the session protocol.
    pub history_last: usize,
}

impl Default for SkipGramConfig {
    fn default() -> Self {
        Self {
            dim: 100,
            window: Window::Fixed(5),
            shrink_window: true,
            negative: 5,
            ns_exponent: 0.75,
            sample: 1e-3,
            min_count: 5,
            alpha: 0.025,
            min_alpha: 1e-4,
            epochs: 5,
            order: Order::Auto,
            threads: 0,
            seed: 1,
            sigmoid: Sigmoid::Table,
            scoring: Scoring::Output,
            shared_negatives: false,
            history_last: 0,
        }
    }
}

/// Writes what every skip-gram trainer's configuration shares, for a configuration struct with
/// the shared fields (`dim`, `window`, `shrink_window`, `negative`, `ns_exponent`, `sample`,
/// `min_count`, `alpha`, `min_alpha`, `epochs`, `order`, `seed`, `scoring`, `history_last`) and a
/// `Default`:
/// `new(dim)`, their `with_*` setters, a private `check_shared` that validates them (returning
/// the error type's `Config { field, value, expected }` variant) and the
/// [`SkipGramSettings`](crate::SkipGramSettings) implementation. `@set` writes one more setter.
///
/// Used by [`SkipGramConfig`] and by `artist2vec-neural`'s `BurnSkipGramConfig`, so that the two
/// trainers' shared options have one definition; not meant for other crates.
#[doc(hidden)]
#[macro_export]
macro_rules! __skipgram_config {
    (@set $(#[$m:meta])* $name:ident, $field:ident: $ty:ty) => {
        $(#[$m])*
        #[must_use]
        pub fn $name(mut self, $field: $ty) -> Self {
            self.$field = $field;
            self
        }
    };
    ($config:ident, error = $err:ident, stats = $stats:ty) => {
        impl $config {
            /// The default configuration with `dim` dimensions.
            pub fn new(dim: usize) -> Self {
                Self {
                    dim,
                    ..Self::default()
                }
            }

            $crate::__skipgram_config!(@set /// Sets [`dim`](Self::dim).
                with_dim, dim: usize);
            $crate::__skipgram_config!(@set /// Sets [`window`](Self::window).
                with_window, window: $crate::Window);
            $crate::__skipgram_config!(@set /// Sets [`shrink_window`](Self::shrink_window).
                with_shrink_window, shrink_window: bool);
            $crate::__skipgram_config!(@set /// Sets [`negative`](Self::negative).
                with_negative, negative: usize);
            $crate::__skipgram_config!(@set /// Sets [`ns_exponent`](Self::ns_exponent).
                with_ns_exponent, ns_exponent: f64);
            $crate::__skipgram_config!(@set /// Sets [`sample`](Self::sample).
                with_sample, sample: f64);
            $crate::__skipgram_config!(@set /// Sets [`min_count`](Self::min_count).
                with_min_count, min_count: u64);
            $crate::__skipgram_config!(@set /// Sets [`alpha`](Self::alpha).
                with_alpha, alpha: f32);
            $crate::__skipgram_config!(@set /// Sets [`min_alpha`](Self::min_alpha).
                with_min_alpha, min_alpha: f32);
            $crate::__skipgram_config!(@set /// Sets [`epochs`](Self::epochs).
                with_epochs, epochs: usize);
            $crate::__skipgram_config!(@set /// Sets [`order`](Self::order).
                with_order, order: $crate::Order);
            $crate::__skipgram_config!(@set /// Sets [`seed`](Self::seed).
                with_seed, seed: u64);
            $crate::__skipgram_config!(@set /// Sets [`scoring`](Self::scoring).
                with_scoring, scoring: $crate::Scoring);
            $crate::__skipgram_config!(@set /// Sets [`history_last`](Self::history_last).
                with_history_last, history_last: usize);

            /// Checks the fields every skip-gram trainer shares, in declaration order.
            fn check_shared(&self) -> ::std::result::Result<(), $err> {
                let bad = |field, value: String, expected| {
                    Err($err::Config {
                        field,
                        value,
                        expected,
                    })
                };
                if self.dim == 0 || self.dim > 1 << 16 {
                    return bad("dim", self.dim.to_string(), "1 ..= 65536");
                }
                if self.window == $crate::Window::Fixed(0) {
                    return bad("window", "Fixed(0)".into(), "Fixed(n) with n ≥ 1, or Whole");
                }
                if self.negative == 0 || self.negative > 1000 {
                    return bad("negative", self.negative.to_string(), "1 ..= 1000");
                }
                if !self.ns_exponent.is_finite() || self.ns_exponent.abs() > 10.0 {
                    return bad(
                        "ns_exponent",
                        self.ns_exponent.to_string(),
                        "a finite number in [-10, 10] (0.75 is word2vec's)",
                    );
                }
                if !(self.sample.is_finite() && (0.0..1.0).contains(&self.sample)) {
                    return bad("sample", self.sample.to_string(), "0 (off) or in (0, 1)");
                }
                if self.min_count == 0 {
                    return bad("min_count", "0".into(), "≥ 1");
                }
                if !(self.alpha.is_finite() && self.alpha > 0.0 && self.alpha <= 10.0) {
                    return bad("alpha", self.alpha.to_string(), "a number in (0, 10]");
                }
                if !(self.min_alpha.is_finite()
                    && self.min_alpha >= 0.0
                    && self.min_alpha <= self.alpha)
                {
                    return bad(
                        "min_alpha",
                        self.min_alpha.to_string(),
                        "a number in [0, alpha]",
                    );
                }
                if self.epochs == 0 || self.epochs > 100_000 {
                    return bad("epochs", self.epochs.to_string(), "1 ..= 100000");
                }
                Ok(())
            }
        }

        impl $crate::SkipGramSettings for $config {
            type Stats = $stats;

            fn dim(&self) -> usize {
                self.dim
            }

            fn min_count(&self) -> u64 {
                self.min_count
            }

            fn scoring(&self) -> $crate::Scoring {
                self.scoring
            }

            fn set_scoring(&mut self, scoring: $crate::Scoring) {
                self.scoring = scoring;
            }

            fn history_last(&self) -> usize {
                self.history_last
            }
        }
    };
}

crate::__skipgram_config!(
    SkipGramConfig,
    error = SkipGramError,
    stats = crate::TrainingStats
);

impl SkipGramConfig {
    crate::__skipgram_config!(@set /// Sets [`threads`](Self::threads).
        with_threads, threads: usize);
    crate::__skipgram_config!(@set /// Sets [`sigmoid`](Self::sigmoid).
        with_sigmoid, sigmoid: Sigmoid);
    crate::__skipgram_config!(@set /// Sets [`shared_negatives`](Self::shared_negatives).
        with_shared_negatives, shared_negatives: bool);

    /// Checks every value; called first by `fit`.
    ///
    /// # Errors
    /// [`SkipGramError::Config`] naming the first bad field, its value and what is allowed.
    pub fn validate(&self) -> Result<()> {
        self.check_shared()?;
        if self.threads > 4096 {
            return Err(SkipGramError::Config {
                field: "threads",
                value: self.threads.to_string(),
                expected: "0 (all cores) ..= 4096",
            });
        }
        Ok(())
    }

    /// The number of worker threads training will use.
    pub fn effective_threads(&self) -> usize {
        if self.threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            self.threads
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_reads_a_bare_number_or_its_own_form() {
        let read = |s: &str| serde_json::from_str::<Window>(s);
        assert_eq!(read("5").unwrap(), Window::Fixed(5));
        assert_eq!(read(r#"{"fixed": 7}"#).unwrap(), Window::Fixed(7));
        assert_eq!(read(r#""whole""#).unwrap(), Window::Whole);
        for w in [Window::Fixed(3), Window::Whole] {
            assert_eq!(read(&serde_json::to_string(&w).unwrap()).unwrap(), w);
        }
        let err = read("-1").unwrap_err().to_string();
        assert!(err.contains("a window"), "{err}");
        assert!(read(r#""half""#).is_err());
    }

    #[test]
    fn each_bad_value_is_named() {
        let cases: Vec<(SkipGramConfig, &str)> = vec![
            (SkipGramConfig::new(0), "dim"),
            (
                SkipGramConfig::default().with_window(Window::Fixed(0)),
                "window",
            ),
            (SkipGramConfig::default().with_negative(0), "negative"),
            (
                SkipGramConfig::default().with_ns_exponent(f64::NAN),
                "ns_exponent",
            ),
            (SkipGramConfig::default().with_sample(1.5), "sample"),
            (SkipGramConfig::default().with_sample(-0.1), "sample"),
            (SkipGramConfig::default().with_min_count(0), "min_count"),
            (SkipGramConfig::default().with_alpha(0.0), "alpha"),
            (SkipGramConfig::default().with_alpha(f32::INFINITY), "alpha"),
            (SkipGramConfig::default().with_min_alpha(0.5), "min_alpha"),
            (SkipGramConfig::default().with_epochs(0), "epochs"),
            (SkipGramConfig::default().with_threads(10_000), "threads"),
        ];
        for (c, field) in cases {
            match c.validate() {
                Err(SkipGramError::Config { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        assert!(SkipGramConfig::default().validate().is_ok());
        assert!(
            SkipGramConfig::default()
                .with_window(Window::Whole)
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn serde_roundtrip_and_defaults_for_missing_fields() {
        let c = SkipGramConfig::new(32)
            .with_window(Window::Whole)
            .with_order(Order::ShuffledEachEpoch)
            .with_scoring(Scoring::InputCosine);
        let s = serde_json::to_string(&c).unwrap();
        let back: SkipGramConfig = serde_json::from_str(&s).unwrap();
        assert_eq!(back, c);
        let partial: SkipGramConfig =
            serde_json::from_str(r#"{"dim": 8, "window": {"fixed": 3}}"#).unwrap();
        assert_eq!(partial.dim, 8);
        assert_eq!(partial.window, Window::Fixed(3));
        assert_eq!(partial.negative, 5);
        assert!(serde_json::from_str::<SkipGramConfig>(r#"{"dims": 8}"#).is_err());
    }
}
