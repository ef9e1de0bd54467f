//! The configuration of the GRU session model.

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// The training objective of [`Gru4RecConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum GruLoss {
    /// Cross-entropy of the softmax over every artist, at every step (the notebook's loss).
    #[default]
    Full,
    /// Cross-entropy of the softmax over the distinct targets of the mini-batch plus
    /// [`negatives`](Gru4RecConfig::negatives) artists drawn by popularity (`count^0.75`),
    /// shared by the batch: GRU4Rec's in-batch sampling, for large catalogues.
    Sampled,
    /// BPR-max (Hidasi & Karatzoglou 2018) over the same sampled scores as
    /// [`Sampled`](Self::Sampled): for a target score `r_t` and the scores `r_j` of the other
    /// candidates (the batch's other targets and the sampled negatives; the target itself is
    /// left out), `−ln Σ_j s_j σ(r_t − r_j) + bpreg · Σ_j s_j r_j²` with `s = softmax(r_j)`
    /// over those negatives: a pairwise ranking loss that weighs the negatives by how high
    /// they score, with a score regulariser of weight [`bpreg`](Gru4RecConfig::bpreg).
    /// Serde name `"bprmax"`.
    BprMax,
}

/// Configuration of the GRU4Rec session model ([`Gru4RecModel`](super::Gru4RecModel)).
///
/// Training is session-parallel (Hidasi et al. 2016): `batch_size` lanes each hold one
/// training session; a mini-batch advances every lane by up to `steps` plays, the GRU state is
/// carried (and cut from the gradient) from one mini-batch to the next, reset to zero when a
/// lane starts a new session, and the loss is taken at every step. With `steps` at least the
/// longest session this is one padded session per lane with back-propagation through the whole
/// session (the notebook's variant); with `steps = 1` it is the original GRU4Rec.
///
/// Defaults: the notebook's variant (embedding 128, GRU 128, one layer, cross-entropy over all
/// artists at every step, Adam with learning rate 1e-3 and weight decay 1e-4, batch 200,
/// sequences cut to their last 150 plays), 10 epochs, early stopping on MRR@20 (= MAP@20 with
/// one relevant artist) of the last 10 % of the training sessions by time, patience 3.
/// The registry's default (`artist2vec fit --model gru4rec`, fields left out of a JSON
/// configuration) is the best configuration of the planted-order study instead: learning rate
/// 0.005 decayed by 0.7 per epoch, no weight decay, `skip`, `constrained`, `repeat`, batch 50,
/// 12 epochs.
///
/// ```
/// use artist2vec_neural::{Gru4RecConfig, GruLoss};
/// let c = Gru4RecConfig::default().with_hidden(64).with_loss(GruLoss::Sampled).with_negatives(256);
/// assert!(c.validate().is_ok());
/// assert!(Gru4RecConfig::default().with_hidden(0).validate().is_err());
/// let bpr: Gru4RecConfig = serde_json::from_str(r#"{"loss": "bprmax", "negatives": 128}"#).unwrap();
/// assert_eq!((bpr.loss, bpr.bpreg), (GruLoss::BprMax, 1.0));
/// assert!(bpr.with_bpreg(-1.0).validate().is_err());
/// let skip: Gru4RecConfig = serde_json::from_str(r#"{"skip": true, "lr_decay": 0.8}"#).unwrap();
/// assert!(skip.skip && !Gru4RecConfig::default().skip);
/// assert!(skip.with_lr_decay(0.0).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Gru4RecConfig {
    /// Artist embedding size (default 128).
    pub embedding: usize,
    /// GRU hidden size (default 128).
    pub hidden: usize,
    /// Stacked GRU layers (default 1).
    pub layers: usize,
    /// Dropout on the embeddings and between layers, while training (default 0.0).
    pub dropout: f64,
    /// Adam learning rate (default 1e-3).
    pub lr: f64,
    /// Adam's L2 weight decay (default 1e-4).
    pub weight_decay: f32,
    /// The learning rate is multiplied by this after every epoch: epoch `e` (0-based) trains
    /// at `lr · lr_decay^e` (0 < d ≤ 1; default 1.0, a constant rate).
    pub lr_decay: f64,
    /// A skip connection from the current play to the output layer: the output layer reads
    /// `h + S·x` instead of `h`, where `h` is the last GRU layer's state, `x` the current play's
    /// embedding and `S` a learned `embedding × hidden` map without bias, so the scores are
    /// `W·(h + S·x) + b`. It gives the network a direct bilinear first-order path (the
    /// previous artist to its likely successors, as transition counts have) beside the
    /// recurrent state, which then only has to carry what the session adds. Default false
    /// (the notebook's network); saved models without the field load unchanged.
    pub skip: bool,
    /// Constrained embeddings (Hidasi & Czapp 2023, GRU4Rec's `constrained_embedding`): the
    /// output layer's artist vectors are the input embedding table (tied), so every artist's
    /// one vector learns from its plays as input and as target; needs `embedding == hidden`.
    /// Default false (separate output weights).
    pub constrained: bool,
    /// A repeat mechanism (RepeatNet, Ren et al. 2019, in its simplest form; music logs are
    /// mostly re-listening): the next play's distribution is the mixture
    /// `g₀ · softmax(logits)_j + g₁ · c_j / L + g₂ · [j = the current play's artist]`, where
    /// `c_j` counts artist `j` among the sequence's last `L ≤ max_len` plays and the gates
    /// `g = softmax(G·h + b)` are read from the same state `h` as the logits (a learned
    /// `hidden × 3` map). A low-rank output layer cannot hold "the same artist again" or "one of
    /// this listener's own artists" for every artist at once; the mixture can, and leaves the
    /// learned distribution as it is. With one sequence per listener (`--session-gap 0`) the
    /// counts span their earlier sessions. Needs loss `full` or `sampled`. Default false (the
    /// notebook's network); saved models without it load unchanged.
    pub repeat: bool,
    /// Passes over the training sessions (default 10).
    pub epochs: usize,
    /// Sessions trained side by side (lanes of a mini-batch; default 200).
    pub batch_size: usize,
    /// Plays each lane advances per mini-batch: the length of back-propagation through time
    /// (default 150).
    pub steps: usize,
    /// Sessions are cut to their last `max_len` plays, in training and when scoring a history
    /// (default 150).
    pub max_len: usize,
    /// The objective (default [`GruLoss::Full`]).
    pub loss: GruLoss,
    /// Popularity-sampled negatives per mini-batch for [`GruLoss::Sampled`] and
    /// [`GruLoss::BprMax`] (default 0: the batch's other targets only).
    pub negatives: usize,
    /// Weight of BPR-max's score regulariser `Σ_j softmax_j · r_j²` ([`GruLoss::BprMax`]
    /// only; ≥ 0, default 1.0).
    pub bpreg: f32,
    /// Share of the training sessions, the latest by start time, held out to choose the best
    /// epoch (default 0.1; 0 trains on every session for `epochs` and keeps the last).
    pub validation_fraction: f64,
    /// Cut-off of the validation MRR (default 20).
    pub validation_k: usize,
    /// At most this many validation sessions are scored after each epoch (default 2000).
    pub validation_sessions: usize,
    /// Stop after this many epochs without a better validation MRR (default 3; 0 = never).
    pub patience: usize,
    /// Seed of the initialisation, the session order, dropout and sampling (default 42). The
    /// same seed and data give the same model on the CPU backend (burn's CPU generator is
    /// process-wide: not while another burn model trains in the same process).
    pub seed: u64,
    /// Where training runs (default [`Device::Cpu`](crate::Device::Cpu), `"cpu"`; `"cuda"` or
    /// `"cuda:N"` for an NVIDIA GPU in a build with the `cuda` feature), checked before any
    /// work. The trained model is CPU memory either way and loads in any build.
    pub device: crate::Device,
}

impl Default for Gru4RecConfig {
    fn default() -> Self {
        Self {
            embedding: 128,
            hidden: 128,
            layers: 1,
            dropout: 0.0,
            lr: 1e-3,
            weight_decay: 1e-4,
            lr_decay: 1.0,
            skip: false,
            constrained: false,
            repeat: false,
            epochs: 10,
            batch_size: 200,
            steps: 150,
            max_len: 150,
            loss: GruLoss::Full,
            negatives: 0,
            bpreg: 1.0,
            validation_fraction: 0.1,
            validation_k: 20,
            validation_sessions: 2000,
            patience: 3,
            seed: 42,
            device: crate::Device::Cpu,
        }
    }
}

macro_rules! setters {
    ($($name:ident, $field:ident: $ty:ty;)*) => {
        $(
            #[doc = concat!("Sets [`", stringify!($field), "`](Self::", stringify!($field), ").")]
            #[must_use]
            pub fn $name(mut self, $field: $ty) -> Self {
                self.$field = $field;
                self
            }
        )*
    };
}

impl Gru4RecConfig {
    setters! {
        with_embedding, embedding: usize;
        with_hidden, hidden: usize;
        with_layers, layers: usize;
        with_dropout, dropout: f64;
        with_lr, lr: f64;
        with_weight_decay, weight_decay: f32;
        with_lr_decay, lr_decay: f64;
        with_skip, skip: bool;
        with_constrained, constrained: bool;
        with_repeat, repeat: bool;
        with_epochs, epochs: usize;
        with_batch_size, batch_size: usize;
        with_steps, steps: usize;
        with_max_len, max_len: usize;
        with_loss, loss: GruLoss;
        with_negatives, negatives: usize;
        with_bpreg, bpreg: f32;
        with_validation_fraction, validation_fraction: f64;
        with_validation_k, validation_k: usize;
        with_validation_sessions, validation_sessions: usize;
        with_patience, patience: usize;
        with_seed, seed: u64;
        with_device, device: crate::Device;
    }

    /// Checks every value; called first by every fit.
    ///
    /// # Errors
    /// [`NeuralError::Config`](crate::NeuralError::Config) naming the first bad field, its value and what is allowed.
    pub fn validate(&self) -> Result<()> {
        use crate::error::bad_config as bad;
        const SIZE: usize = 1 << 14;
        const MAX: usize = 1 << 24;
        if self.embedding == 0 || self.embedding > SIZE {
            return bad("embedding", self.embedding, "1 ..= 16384");
        }
        if self.hidden == 0 || self.hidden > SIZE {
            return bad("hidden", self.hidden, "1 ..= 16384");
        }
        if self.layers == 0 || self.layers > 16 {
            return bad("layers", self.layers, "1 ..= 16");
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad("dropout", self.dropout, "0 <= p < 1");
        }
        if !(self.lr.is_finite() && self.lr > 0.0 && self.lr <= 10.0) {
            return bad("lr", self.lr, "a number in (0, 10]");
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return bad("weight_decay", self.weight_decay, "a finite number >= 0");
        }
        if !(self.lr_decay.is_finite() && self.lr_decay > 0.0 && self.lr_decay <= 1.0) {
            return bad("lr_decay", self.lr_decay, "a number in (0, 1]");
        }
        if self.constrained && self.embedding != self.hidden {
            return bad(
                "constrained",
                self.constrained,
                "false unless embedding == hidden (the output layer reuses the embeddings)",
            );
        }
        if self.repeat && self.loss == GruLoss::BprMax {
            return bad(
                "repeat",
                self.repeat,
                "false with loss bprmax (the mixture needs a softmax: loss full or sampled)",
            );
        }
        if self.epochs == 0 || self.epochs > 100_000 {
            return bad("epochs", self.epochs, "1 ..= 100000");
        }
        if self.batch_size == 0 || self.batch_size > 1 << 16 {
            return bad("batch_size", self.batch_size, "1 ..= 65536");
        }
        if self.steps == 0 || self.steps > SIZE {
            return bad("steps", self.steps, "1 ..= 16384");
        }
        if self.batch_size * self.steps > MAX {
            return bad(
                "steps",
                self.steps,
                "batch_size × steps at most 16777216 positions",
            );
        }
        if self.max_len < 2 || self.max_len > MAX {
            return bad("max_len", self.max_len, "2 ..= 16777216");
        }
        if self.negatives > MAX {
            return bad("negatives", self.negatives, "0 ..= 16777216");
        }
        if !(self.bpreg.is_finite() && (0.0..=1e6).contains(&self.bpreg)) {
            return bad("bpreg", self.bpreg, "a number in [0, 1e6]");
        }
        if !(0.0..1.0).contains(&self.validation_fraction) {
            return bad(
                "validation_fraction",
                self.validation_fraction,
                "0 <= f < 1",
            );
        }
        if self.validation_k == 0 || self.validation_k > MAX {
            return bad("validation_k", self.validation_k, "1 ..= 16777216");
        }
        if self.validation_sessions == 0 || self.validation_sessions > MAX {
            return bad(
                "validation_sessions",
                self.validation_sessions,
                "1 ..= 16777216",
            );
        }
        Ok(())
    }
}
