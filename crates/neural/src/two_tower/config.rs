//! The configuration of the two-tower model.

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// The training objective of [`TwoTowerConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Loss {
    /// Sampled softmax over the batch's targets and [`negatives`](TwoTowerConfig::negatives)
    /// shared samples: for example `b`, `−ln softmax(ℓ_b)[b]` with logits
    /// `ℓ_bc = s(u_b, v_c) / temperature − ln E[n_c]`, where `E[n_c]` is the expected number of
    /// times artist `c` is among a batch's candidates (the log-Q correction, off with
    /// [`logq`](TwoTowerConfig::logq) `false`). Candidates that are artists of the listener's
    /// own profile, other than the target, are left out (accidental hits).
    #[default]
    Softmax,
    /// The seed notebook's objective, PyTorch's `CosineEmbeddingLoss`: for the target (label +1)
    /// `1 − cos(u, v⁺)`, for each of [`negatives`](TwoTowerConfig::negatives) sampled artists
    /// (label −1) `max(0, cos(u, v⁻) − margin)`, averaged over all pairs.
    Cosine,
}

/// How a user tower vector is scored against an artist vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Score {
    /// Dot product.
    #[default]
    Dot,
    /// Cosine of the two vectors.
    Cosine,
}

/// How a play count becomes a weight in the user tower's mean of artist embeddings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum HistoryWeight {
    /// `ln(1 + count)`: a favourite counts more, not a thousand times more.
    #[default]
    Log1p,
    /// Every artist of the history alike.
    Binary,
    /// The play count itself.
    Count,
}

impl HistoryWeight {
    /// The weight of an artist played `count` times (0 for a count ≤ 0).
    #[inline]
    pub fn apply(self, count: f32) -> f32 {
        if count <= 0.0 {
            return 0.0;
        }
        match self {
            HistoryWeight::Log1p => count.ln_1p(),
            HistoryWeight::Binary => 1.0,
            HistoryWeight::Count => count,
        }
    }
}

/// Configuration of the two-tower model ([`TwoTowerModel`](crate::TwoTowerModel)).
///
/// The **user tower** reads a listener's history: the weighted mean
/// ([`history_weight`](Self::history_weight)) of the history's artist embeddings, then, with
/// [`user_layers`](Self::user_layers), a residual MLP, and with
/// [`user_embedding`](Self::user_embedding) a learned vector per training user. Without the
/// user embedding a new listener needs no retraining: their history is their vector. The
/// **artist tower** is an artist id embedding, plus a linear map of content features when
/// they are given ([`fit_on`](Self::fit_on)).
///
/// Training examples are leave-one-out: each epoch, every artist of every user with at least
/// two artists (or [`targets_per_user`](Self::targets_per_user) of them) is once the target,
/// and the user tower reads the rest of that user's history. The tables are trained with Adam
/// on the rows a batch touches (lazy Adam), the MLP with dense Adam.
///
/// The defaults are the settings that won on hetrec-seed42-val (docs/results.md): 64
/// dimensions, the log-Q corrected in-batch softmax over batches of 512, dot-product scores,
/// Adam at 0.005 with decoupled weight decay 0.5, 14 epochs.
///
/// Every field is checked by [`validate`](Self::validate) before any work.
///
/// ```
/// use artist2vec_neural::{Loss, TwoTowerConfig};
/// let config = TwoTowerConfig::new(32).with_loss(Loss::Cosine).with_negatives(10);
/// assert!(config.validate().is_ok());
/// assert!(TwoTowerConfig::new(32).with_batch_size(1).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TwoTowerConfig {
    /// Dimension of the artist embeddings and of both towers' outputs (default 64).
    pub dim: usize,
    /// Hidden layer sizes of the residual MLP on the user tower, `u + W·relu(…)`, its last
    /// layer initialised to zero so training starts from the plain mean (default none).
    pub user_layers: Vec<usize>,
    /// Add a learned vector per training user to the user tower (default `false`). New
    /// listeners get none, so their scores come from the history alone.
    pub user_embedding: bool,
    /// Weight of an artist in the history mean (default [`HistoryWeight::Log1p`]).
    pub history_weight: HistoryWeight,
    /// At most this many artists of a history enter one training example, a random subset of
    /// longer histories (default 200). Scoring reads the whole history.
    pub max_history: usize,
    /// Probability of dropping each artist of a training example's history (default 0), so
    /// the model learns from partial histories; one artist is always kept.
    pub history_dropout: f32,
    /// Targets drawn per user and epoch, without replacement; 0: every artist of the user
    /// (default 0).
    pub targets_per_user: usize,
    /// The objective (default [`Loss::Softmax`]).
    pub loss: Loss,
    /// Softmax temperature: scores are divided by it (default 1). Ignored by the cosine loss.
    pub temperature: f32,
    /// Subtract `ln E[n_c]` from each softmax logit (the log-Q popularity correction of
    /// sampled softmax; default `true`). Without it, popular artists, which are candidates more
    /// often, are pushed down more often.
    pub logq: bool,
    /// Sampled negatives: with the softmax loss, extra candidates shared by the whole batch
    /// besides its targets; with the cosine loss, negatives per example (default 0; the cosine
    /// loss needs at least 1).
    pub negatives: usize,
    /// Negatives are drawn with probability proportional to an artist's listener count to this
    /// power (default 0: uniformly over the trained artists).
    pub ns_exponent: f64,
    /// Margin of the cosine loss for negatives (default 0, PyTorch's).
    pub margin: f32,
    /// Score of a user vector against an artist vector, in training and recommendation
    /// (default [`Score::Dot`]).
    pub score: Score,
    /// Learn an offset per artist added to its softmax logit (default `false`): popularity
    /// gets a parameter of its own instead of living in the vectors' lengths. A listener's
    /// score of an artist is then `s(u, v) / temperature + offset`. Softmax loss only.
    pub artist_bias: bool,
    /// Hide the listener's other artists from the softmax candidates (default `true`): they
    /// are positives of that listener, not negatives.
    pub mask_seen: bool,
    /// Adam's learning rate (default 0.005).
    pub lr: f32,
    /// Decoupled weight decay (AdamW): a step also shrinks the rows and weights it touches by
    /// `lr · weight_decay` of their value (default 0.5). An L2 term in the gradient would be
    /// rescaled by Adam and swamp the rare rows.
    pub weight_decay: f32,
    /// Standard deviation of the normal initialisation of the embeddings (default 0.02).
    pub init_std: f32,
    /// Training examples per step (default 512); at least 2 for in-batch candidates.
    pub batch_size: usize,
    /// Passes over the examples (default 14).
    pub epochs: usize,
    /// With a validation set: stop after this many epochs without a better validation NDCG
    /// (0: run every epoch); the best epoch's model is kept either way (default 3).
    pub patience: usize,
    /// Cut-off of the validation NDCG (default 10).
    pub validation_k: usize,
    /// Seed of every random choice (default 42). The same seed, data and backend give the
    /// same vectors on the CPU backend.
    pub seed: u64,
    /// Where training runs (default [`Device::Cpu`](crate::Device::Cpu), `"cpu"`; `"cuda"` or
    /// `"cuda:N"` for an NVIDIA GPU in a build with the `cuda` feature), checked before any
    /// work. The trained model is CPU memory either way and loads in any build.
    pub device: crate::Device,
}

impl Default for TwoTowerConfig {
    fn default() -> Self {
        Self {
            dim: 64,
            user_layers: Vec::new(),
            user_embedding: false,
            history_weight: HistoryWeight::Log1p,
            max_history: 200,
            history_dropout: 0.0,
            targets_per_user: 0,
            loss: Loss::Softmax,
            temperature: 1.0,
            logq: true,
            negatives: 0,
            ns_exponent: 0.0,
            margin: 0.0,
            score: Score::Dot,
            artist_bias: false,
            mask_seen: true,
            lr: 0.005,
            weight_decay: 0.5,
            init_std: 0.02,
            batch_size: 512,
            epochs: 14,
            patience: 3,
            validation_k: 10,
            seed: 42,
            device: crate::Device::Cpu,
        }
    }
}

macro_rules! setters {
    ($($name:ident, $field:ident: $ty:ty;)*) => {
        $(artist2vec_skipgram::__skipgram_config!(@set
            #[doc = concat!("Sets [`", stringify!($field), "`](Self::", stringify!($field), ").")]
            $name, $field: $ty);)*
    };
}

impl TwoTowerConfig {
    /// The default configuration with `dim` dimensions.
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            ..Self::default()
        }
    }

    setters! {
        with_dim, dim: usize;
        with_user_layers, user_layers: Vec<usize>;
        with_user_embedding, user_embedding: bool;
        with_history_weight, history_weight: HistoryWeight;
        with_max_history, max_history: usize;
        with_history_dropout, history_dropout: f32;
        with_targets_per_user, targets_per_user: usize;
        with_loss, loss: Loss;
        with_temperature, temperature: f32;
        with_logq, logq: bool;
        with_negatives, negatives: usize;
        with_ns_exponent, ns_exponent: f64;
        with_margin, margin: f32;
        with_score, score: Score;
        with_artist_bias, artist_bias: bool;
        with_mask_seen, mask_seen: bool;
        with_lr, lr: f32;
        with_weight_decay, weight_decay: f32;
        with_init_std, init_std: f32;
        with_batch_size, batch_size: usize;
        with_epochs, epochs: usize;
        with_patience, patience: usize;
        with_validation_k, validation_k: usize;
        with_seed, seed: u64;
        with_device, device: crate::Device;
    }

    /// Checks every value; called first by every `fit`.
    ///
    /// # Errors
    /// [`NeuralError::Config`](crate::NeuralError::Config) naming the first bad field, its value and what is allowed.
    pub fn validate(&self) -> Result<()> {
        use crate::error::bad_config as bad;
        const MAX: usize = 1 << 24;
        let positive = |x: f32| x.is_finite() && x > 0.0;
        if self.dim == 0 || self.dim > 1 << 16 {
            return bad("dim", self.dim, "1 ..= 65536");
        }
        if let Some(&h) = self.user_layers.iter().find(|&&h| h == 0 || h > 1 << 16) {
            return bad("user_layers", h, "hidden sizes in 1 ..= 65536");
        }
        if self.max_history == 0 || self.max_history > MAX {
            return bad("max_history", self.max_history, "1 ..= 16777216");
        }
        if !(0.0..1.0).contains(&self.history_dropout) {
            return bad("history_dropout", self.history_dropout, "0 <= p < 1");
        }
        if !positive(self.temperature) {
            return bad("temperature", self.temperature, "a finite number > 0");
        }
        if self.negatives > MAX {
            return bad("negatives", self.negatives, "0 ..= 16777216");
        }
        if self.loss == Loss::Cosine && self.negatives == 0 {
            return bad("negatives", 0, "at least 1 with the cosine loss");
        }
        if self.loss == Loss::Cosine && self.artist_bias {
            return bad(
                "artist_bias",
                true,
                "false with the cosine loss (offsets are logits)",
            );
        }
        if !self.ns_exponent.is_finite() {
            return bad("ns_exponent", self.ns_exponent, "a finite number");
        }
        if !(-1.0..=1.0).contains(&self.margin) {
            return bad("margin", self.margin, "-1 ..= 1");
        }
        if !positive(self.lr) {
            return bad("lr", self.lr, "a finite number > 0");
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return bad("weight_decay", self.weight_decay, "a finite number >= 0");
        }
        if !positive(self.init_std) {
            return bad("init_std", self.init_std, "a finite number > 0");
        }
        if self.batch_size < 2 || self.batch_size > MAX {
            return bad("batch_size", self.batch_size, "2 ..= 16777216");
        }
        if self.epochs == 0 || self.epochs > 1 << 20 {
            return bad("epochs", self.epochs, "1 ..= 1048576");
        }
        if self.validation_k == 0 || self.validation_k > MAX {
            return bad("validation_k", self.validation_k, "1 ..= 16777216");
        }
        if self.targets_per_user > MAX {
            return bad(
                "targets_per_user",
                self.targets_per_user,
                "0 (all) ..= 16777216",
            );
        }
        if self.user_layers.len() > 64 {
            return bad(
                "user_layers",
                format!("{} layers", self.user_layers.len()),
                "at most 64 hidden layers",
            );
        }
        Ok(())
    }

    /// Checks, before anything is allocated, that the parameters for `n_users` listeners and
    /// `n_artists` artists (with their gradients and Adam's two moments) and the tensors of one
    /// batch fit in [`MAX_TRAINING_BYTES`](crate::MAX_TRAINING_BYTES); a history is never
    /// longer than the catalogue, so `max_history` counts up to `n_artists`.
    ///
    /// # Errors
    /// [`NeuralError::OverLimit`](crate::NeuralError::OverLimit) naming the field (`dim`, `user_layers` or `batch_size`), the
    /// bytes and the limit.
    pub fn check_memory(&self, n_users: usize, n_artists: usize) -> Result<()> {
        use crate::error::check_bytes;
        let d = self.dim;
        let tables = [
            [4, n_artists, d + 1],
            [4, if self.user_embedding { n_users } else { 0 }, d],
        ];
        check_bytes(
            "dim",
            d,
            &format!(
                "the embedding tables of {n_artists} artists and {n_users} listeners × {d} \
                 dimensions (with gradients and Adam's moments)"
            ),
            &[&tables[0], &tables[1]],
        )?;
        let mut layers: Vec<[usize; 3]> = Vec::new();
        let mut prev = d;
        for &h in self.user_layers.iter().chain([&d]) {
            layers.push([4, prev + 1, h]);
            prev = h;
        }
        let refs: Vec<&[usize]> = layers.iter().map(|l| &l[..]).collect();
        check_bytes(
            "user_layers",
            format!("{:?}", self.user_layers),
            "the user tower's weights (with gradients and Adam's moments)",
            &refs,
        )?;
        let (b, neg) = (self.batch_size, self.negatives);
        let widest = self.user_layers.iter().copied().max().unwrap_or(0).max(d);
        let history = self.max_history.min(n_artists.max(1));
        check_bytes(
            "batch_size",
            b,
            &format!(
                "one batch of {b} listeners ({neg} negatives, histories up to {history} artists, \
                 {d} dimensions) with its gradients"
            ),
            &[
                &[4, b, b + neg],
                &[4, b, 1 + neg, d],
                &[4, b, history, d],
                &[4, b, self.user_layers.len() + 1, widest],
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NeuralError;

    #[test]
    fn sizes_over_the_byte_limit_are_refused_before_allocation() {
        let d = TwoTowerConfig::default;
        assert!(
            d().check_memory(100_000, 1_000_000).is_ok(),
            "the defaults fit"
        );
        let field = |c: TwoTowerConfig, users, artists| match c.check_memory(users, artists) {
            Err(NeuralError::OverLimit { field, limit, .. }) => {
                assert!(limit.contains("17179869184"), "{limit}");
                field
            }
            other => panic!("expected OverLimit, got {other:?}"),
        };
        assert_eq!(field(TwoTowerConfig::new(65_536), 10, 33_000), "dim");
        assert_eq!(
            field(d().with_user_embedding(true).with_dim(4096), 1 << 20, 10),
            "dim"
        );
        assert_eq!(
            field(d().with_user_layers(vec![65_536; 6]), 10, 10),
            "user_layers"
        );
        assert_eq!(
            field(d().with_batch_size(1 << 24).with_negatives(1 << 24), 10, 10),
            "batch_size"
        );
        // A huge max_history counts only up to the catalogue.
        assert!(d().with_max_history(1 << 24).check_memory(10, 500).is_ok());
        assert!(matches!(
            d().with_user_layers(vec![8; 65]).validate(),
            Err(NeuralError::Config {
                field: "user_layers",
                ..
            })
        ));
        for c in [
            d().with_validation_k(1 << 25),
            d().with_targets_per_user(1 << 25),
        ] {
            assert!(
                matches!(c.validate(), Err(NeuralError::Config { .. })),
                "{c:?}"
            );
        }
    }

    #[test]
    fn each_bad_value_is_named() {
        let d = TwoTowerConfig::default;
        let cases: Vec<(TwoTowerConfig, &str)> = vec![
            (TwoTowerConfig::new(0), "dim"),
            (d().with_user_layers(vec![8, 0]), "user_layers"),
            (d().with_max_history(0), "max_history"),
            (d().with_history_dropout(1.0), "history_dropout"),
            (d().with_history_dropout(f32::NAN), "history_dropout"),
            (d().with_temperature(0.0), "temperature"),
            (d().with_loss(Loss::Cosine), "negatives"),
            (
                d().with_loss(Loss::Cosine)
                    .with_negatives(2)
                    .with_artist_bias(true),
                "artist_bias",
            ),
            (d().with_ns_exponent(f64::INFINITY), "ns_exponent"),
            (d().with_margin(2.0), "margin"),
            (d().with_lr(f32::NAN), "lr"),
            (d().with_lr(-1.0), "lr"),
            (d().with_weight_decay(-0.1), "weight_decay"),
            (d().with_init_std(0.0), "init_std"),
            (d().with_batch_size(1), "batch_size"),
            (d().with_epochs(0), "epochs"),
            (d().with_validation_k(0), "validation_k"),
        ];
        for (c, field) in cases {
            match c.validate() {
                Err(NeuralError::Config { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        assert!(d().validate().is_ok());
        assert!(
            d().with_loss(Loss::Cosine)
                .with_negatives(5)
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn serde_names_and_defaults_for_missing_fields() {
        let c: TwoTowerConfig = serde_json::from_str(
            r#"{"loss": "cosine", "negatives": 4, "score": "cosine", "history_weight": "binary"}"#,
        )
        .unwrap();
        assert_eq!(c.loss, Loss::Cosine);
        assert_eq!(c.score, Score::Cosine);
        assert_eq!(c.history_weight, HistoryWeight::Binary);
        assert_eq!(c.dim, 64);
        let back: TwoTowerConfig =
            serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
        assert!(serde_json::from_str::<TwoTowerConfig>(r#"{"dims": 8}"#).is_err());
        assert!(serde_json::from_str::<TwoTowerConfig>(r#"{"loss": "bpr"}"#).is_err());
    }

    #[test]
    fn history_weights() {
        assert_eq!(HistoryWeight::Log1p.apply(0.0), 0.0);
        assert!((HistoryWeight::Log1p.apply(std::f32::consts::E - 1.0) - 1.0).abs() < 1e-6);
        assert_eq!(HistoryWeight::Binary.apply(7.0), 1.0);
        assert_eq!(HistoryWeight::Count.apply(7.0), 7.0);
        assert_eq!(HistoryWeight::Count.apply(-1.0), 0.0);
    }
}
