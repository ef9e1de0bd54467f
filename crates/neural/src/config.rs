//! The configuration of burn skip-gram training.

use serde::{Deserialize, Serialize};

use crate::error::{NeuralError, Result};

/// How far around an artist its context reaches.
///
/// Same meaning and serde form as `artist2vec_skipgram::Window`, so the shared fields of a
/// configuration file read the same in both trainers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// Up to `n` artists on either side (word2vec's `window`).
    Fixed(usize),
    /// The whole sentence: every other artist of the session, playlist or bag is context.
    Whole,
}

/// In which order the artists of a sentence are presented to the trainer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Play order for [`Sessions`](artist2vec_core::Sessions), a bag reshuffled every epoch
    /// for [`Interactions`](artist2vec_core::Interactions).
    #[default]
    Auto,
    /// As stored: play order for sessions; first occurrence order for interactions.
    Given,
    /// Shuffled once, before training, with the configuration's seed.
    ShuffledOnce,
    /// Reshuffled at the start of every epoch (a bag of artists).
    ShuffledEachEpoch,
}

/// How a listener is scored against the artists by the trained model's
/// [`Recommender`](artist2vec_core::Recommender) implementation.
///
/// The listener's vector is always the play-share-weighted mean of the *input* vectors of the
/// artists they played; the scoring says what it is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// Dot product with each artist's input vector.
    InputDot,
    /// Cosine similarity with each artist's input vector (the notebooks' recipe).
    InputCosine,
    /// Dot product with each artist's *output* vector: the quantity the objective trains.
    #[default]
    Output,
}

/// Configuration of skip-gram with negative sampling trained with burn.
///
/// The objective and the corpus options are those of `artist2vec_skipgram::SkipGramConfig`
/// (same field names, meanings and defaults, gensim's where it has one); what differs is how the
/// objective is optimised: [`batch_size`](Self::batch_size) (center, context) pairs, each with
/// [`negative`](Self::negative) negatives, are scored at once, and one SGD step is taken with
/// the gradient of their summed loss. With `alpha` as word2vec's per-pair learning rate, that step
/// is exactly word2vec's update of every pair of the batch, all computed from the same starting
/// vectors (word2vec applies them one after another).
///
/// Every field is checked by [`validate`](Self::validate) before any work.
///
/// ```
/// use artist2vec_neural::{BurnSkipGramConfig, Window};
/// let config = BurnSkipGramConfig::new(32)
///     .with_window(Window::Whole)
///     .with_batch_size(512)
///     .with_epochs(20);
/// assert!(config.validate().is_ok());
/// assert!(BurnSkipGramConfig::new(32).with_batch_size(0).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BurnSkipGramConfig {
    /// Vector dimension (default 100).
    pub dim: usize,
    /// Context window (default `Fixed(5)`).
    pub window: Window,
    /// Draw each position's window size uniformly from `1..=window` as word2vec does
    /// (default `true`). With [`Window::Whole`] the window is the sentence length minus one.
    pub shrink_window: bool,
    /// Negative samples per positive pair (default 5); must be ≥ 1.
    pub negative: usize,
    /// Exponent of the unigram distribution negatives are drawn from (default 0.75).
    pub ns_exponent: f64,
    /// Frequent-artist subsampling threshold (default 1e-3; 0 disables it). An artist with
    /// corpus frequency `f` is kept with probability `(sqrt(f / sample) + 1) · sample / f`.
    pub sample: f64,
    /// Artists occurring fewer times in the corpus are dropped before training (default 5).
    pub min_count: u64,
    /// Initial learning rate per pair (default 0.025).
    pub alpha: f32,
    /// Final learning rate; the rate decays linearly from `alpha` to `min_alpha` with the share
    /// of the corpus processed over all epochs (default 1e-4).
    pub min_alpha: f32,
    /// Passes over the corpus (default 5).
    pub epochs: usize,
    /// (center, context) pairs per optimisation step (default 1024). Larger batches use a GPU
    /// better; on a small vocabulary they make the simultaneous updates of one row large.
    pub batch_size: usize,
    /// Order of artists within a sentence (default [`Order::Auto`]).
    pub order: Order,
    /// Seed of every random choice (default 1). The same seed, data and backend give the same
    /// vectors on the CPU backend.
    pub seed: u64,
    /// How the trained model scores listeners (default [`Scoring::Output`]).
    pub scoring: Scoring,
}

impl Default for BurnSkipGramConfig {
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
            batch_size: 1024,
            order: Order::Auto,
            seed: 1,
            scoring: Scoring::Output,
        }
    }
}

macro_rules! setter {
    ($(#[$m:meta])* $name:ident, $field:ident: $ty:ty) => {
        $(#[$m])*
        #[must_use]
        pub fn $name(mut self, $field: $ty) -> Self {
            self.$field = $field;
            self
        }
    };
}

impl BurnSkipGramConfig {
    /// The default configuration with `dim` dimensions.
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            ..Self::default()
        }
    }

    setter!(/// Sets [`dim`](Self::dim).
        with_dim, dim: usize);
    setter!(/// Sets [`window`](Self::window).
        with_window, window: Window);
    setter!(/// Sets [`shrink_window`](Self::shrink_window).
        with_shrink_window, shrink_window: bool);
    setter!(/// Sets [`negative`](Self::negative).
        with_negative, negative: usize);
    setter!(/// Sets [`ns_exponent`](Self::ns_exponent).
        with_ns_exponent, ns_exponent: f64);
    setter!(/// Sets [`sample`](Self::sample).
        with_sample, sample: f64);
    setter!(/// Sets [`min_count`](Self::min_count).
        with_min_count, min_count: u64);
    setter!(/// Sets [`alpha`](Self::alpha).
        with_alpha, alpha: f32);
    setter!(/// Sets [`min_alpha`](Self::min_alpha).
        with_min_alpha, min_alpha: f32);
    setter!(/// Sets [`epochs`](Self::epochs).
        with_epochs, epochs: usize);
    setter!(/// Sets [`batch_size`](Self::batch_size).
        with_batch_size, batch_size: usize);
    setter!(/// Sets [`order`](Self::order).
        with_order, order: Order);
    setter!(/// Sets [`seed`](Self::seed).
        with_seed, seed: u64);
    setter!(/// Sets [`scoring`](Self::scoring).
        with_scoring, scoring: Scoring);

    /// Checks every value; called first by every `fit`.
    ///
    /// # Errors
    /// [`NeuralError::Config`] naming the first bad field, its value and what is allowed.
    pub fn validate(&self) -> Result<()> {
        let bad = |field, value: String, expected| {
            Err(NeuralError::Config {
                field,
                value,
                expected,
            })
        };
        if self.dim == 0 || self.dim > 1 << 16 {
            return bad("dim", self.dim.to_string(), "1 ..= 65536");
        }
        if self.window == Window::Fixed(0) {
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
        if !(self.min_alpha.is_finite() && self.min_alpha >= 0.0 && self.min_alpha <= self.alpha) {
            return bad(
                "min_alpha",
                self.min_alpha.to_string(),
                "a number in [0, alpha]",
            );
        }
        if self.epochs == 0 || self.epochs > 100_000 {
            return bad("epochs", self.epochs.to_string(), "1 ..= 100000");
        }
        if self.batch_size == 0 || self.batch_size > 1 << 24 {
            return bad("batch_size", self.batch_size.to_string(), "1 ..= 16777216");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bad_value_is_named() {
        let d = BurnSkipGramConfig::default;
        let cases: Vec<(BurnSkipGramConfig, &str)> = vec![
            (BurnSkipGramConfig::new(0), "dim"),
            (d().with_window(Window::Fixed(0)), "window"),
            (d().with_negative(0), "negative"),
            (d().with_ns_exponent(f64::NAN), "ns_exponent"),
            (d().with_sample(1.5), "sample"),
            (d().with_sample(-0.1), "sample"),
            (d().with_min_count(0), "min_count"),
            (d().with_alpha(0.0), "alpha"),
            (d().with_alpha(f32::INFINITY), "alpha"),
            (d().with_min_alpha(0.5), "min_alpha"),
            (d().with_epochs(0), "epochs"),
            (d().with_batch_size(0), "batch_size"),
        ];
        for (c, field) in cases {
            match c.validate() {
                Err(NeuralError::Config { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        assert!(d().validate().is_ok());
        assert!(d().with_window(Window::Whole).validate().is_ok());
    }

    #[test]
    fn serde_roundtrip_and_defaults_for_missing_fields() {
        let c = BurnSkipGramConfig::new(32)
            .with_window(Window::Whole)
            .with_order(Order::ShuffledEachEpoch)
            .with_batch_size(64)
            .with_scoring(Scoring::InputCosine);
        let s = serde_json::to_string(&c).unwrap();
        let back: BurnSkipGramConfig = serde_json::from_str(&s).unwrap();
        assert_eq!(back, c);
        let partial: BurnSkipGramConfig =
            serde_json::from_str(r#"{"dim": 8, "window": {"fixed": 3}}"#).unwrap();
        assert_eq!(partial.dim, 8);
        assert_eq!(partial.window, Window::Fixed(3));
        assert_eq!(partial.batch_size, 1024);
        assert!(serde_json::from_str::<BurnSkipGramConfig>(r#"{"dims": 8}"#).is_err());
    }
}
