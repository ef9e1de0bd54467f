//! The configuration of burn skip-gram training.

use artist2vec_skipgram::{Order, Scoring, Window};
use serde::{Deserialize, Serialize};

use crate::error::{NeuralError, Result};
use crate::train::TrainingStats;

/// Configuration of skip-gram with negative sampling trained with burn.
///
/// The objective and the corpus options are those of `artist2vec_skipgram::SkipGramConfig`
/// (same field names, meanings, defaults and checks, gensim's where it has one, and the same
/// [`Window`], [`Order`] and [`Scoring`] types); what differs is how the
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
    /// Score a new listener's history (`Query::History`, in play order) from its last
    /// `history_last` plays only (default 0: the whole history). With 1, the scores are the
    /// last artist's input vector · every output vector: skip-gram's next-artist prediction,
    /// the sequence baseline of the session protocol.
    pub history_last: usize,
    /// Where training runs (default [`Device::Cpu`](crate::Device::Cpu), `"cpu"`; `"cuda"` or
    /// `"cuda:N"` for an NVIDIA GPU in a build with the `cuda` feature), checked before any
    /// work. The trained model is CPU memory either way and loads in any build.
    pub device: crate::Device,
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
            history_last: 0,
            device: crate::Device::Cpu,
        }
    }
}

// `new`, the setters and checks of the fields shared with `artist2vec_skipgram::SkipGramConfig`,
// and the `SkipGramSettings` implementation the trained model needs: one definition for both.
artist2vec_skipgram::__skipgram_config!(
    BurnSkipGramConfig,
    error = NeuralError,
    stats = TrainingStats
);

impl BurnSkipGramConfig {
    artist2vec_skipgram::__skipgram_config!(@set /// Sets [`batch_size`](Self::batch_size).
        with_batch_size, batch_size: usize);
    artist2vec_skipgram::__skipgram_config!(@set /// Sets [`device`](Self::device).
        with_device, device: crate::Device);

    /// Checks every value; called first by every `fit`.
    ///
    /// # Errors
    /// [`NeuralError::Config`] naming the first bad field, its value and what is allowed.
    pub fn validate(&self) -> Result<()> {
        self.check_shared()?;
        if self.batch_size == 0 || self.batch_size > 1 << 24 {
            return Err(NeuralError::Config {
                field: "batch_size",
                value: self.batch_size.to_string(),
                expected: "1 ..= 16777216",
            });
        }
        // The rows one step gathers (centers, contexts, negatives) and their gradients.
        crate::error::check_bytes(
            "batch_size",
            self.batch_size,
            &format!(
                "a batch of {} pairs with {} negatives of {} dimensions (gathered rows and \
                 gradients)",
                self.batch_size, self.negative, self.dim
            ),
            &[&[4, self.batch_size, self.negative + 2, self.dim]],
        )?;
        Ok(())
    }

    /// Checks, before anything is allocated, that the vector tables for `n_artists` artists
    /// (input and output, their gradients, and the copies returned) fit in
    /// [`MAX_TRAINING_BYTES`](crate::MAX_TRAINING_BYTES).
    ///
    /// # Errors
    /// [`NeuralError::OverLimit`] naming `dim`, the bytes and the limit.
    pub fn check_memory(&self, n_artists: usize) -> Result<()> {
        crate::error::check_bytes(
            "dim",
            self.dim,
            &format!(
                "the vector tables of {n_artists} artists × {} dimensions (input and output, \
                 gradients, copies)",
                self.dim
            ),
            &[&[6, n_artists, self.dim]],
        )
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
