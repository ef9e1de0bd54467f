//! The configuration of the YouTube-DNN cold-start model.

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// Configuration of the YouTube-DNN model ([`YoutubeDnnModel`](super::YoutubeDnnModel)), the
/// seed notebook's deep candidate-generation network adapted to artists with content.
///
/// Each step of a listener's history in play order is the artist's id embedding
/// ([`embedding`](Self::embedding) values; an *unknown* row for an artist without training
/// plays) concatenated with its content features (its TF-IDF tag row projected onto the top
/// [`content_dims`](Self::content_dims) right singular vectors of the artists' TF-IDF matrix,
/// a truncated SVD computed at fit time), then a dense layer with ReLU
/// ([`dense`](Self::dense) units), dropout ([`dropout`](Self::dropout)), a GRU
/// ([`hidden`](Self::hidden) units) and a softmax over the [`top_n`](Self::top_n) most played
/// artists, predicting the next artist at every step. AdaGrad, mini-batches of
/// [`batch_size`](Self::batch_size) sequences.
///
/// Defaults: embedding 64, content 32 dimensions, dense 64, GRU 64, dropout 0.1, id dropout
/// 0.25, top 1,000 artists, AdaGrad with learning rate 0.1, batch 1,000, histories cut into
/// windows of 50 plays, 10 epochs, seed 42.
///
/// ```
/// use artist2vec_neural::YoutubeDnnConfig;
/// let c: YoutubeDnnConfig = serde_json::from_str(r#"{"top_n": 500, "epochs": 3}"#).unwrap();
/// assert_eq!((c.top_n, c.epochs, c.embedding), (500, 3, 64));
/// assert!(c.validate().is_ok());
/// assert!(YoutubeDnnConfig::default().with_top_n(0).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct YoutubeDnnConfig {
    /// Size of the artist id embedding (default 64).
    pub embedding: usize,
    /// Content features per artist: the rank of the truncated SVD of the TF-IDF tag matrix
    /// (default 32; fewer when there are fewer tags or tagged artists).
    pub content_dims: usize,
    /// Units of the dense ReLU layer before the GRU (default 64).
    pub dense: usize,
    /// GRU hidden size (default 64).
    pub hidden: usize,
    /// Dropout on the GRU's input while training (default 0.1).
    pub dropout: f64,
    /// Probability that a training step sees the unknown id instead of the artist's own (its
    /// content features unchanged), so that the network learns to read content alone: that is
    /// what an artist without plays gets (default 0.25).
    pub id_dropout: f64,
    /// The softmax covers the `top_n` most played training artists (default 1000).
    pub top_n: usize,
    /// Scores of the artists outside the top `top_n` (default true): `true` gives each the
    /// expected logit of the artists the model predicts after it (`Σ_k p(k | [a]) · logit_k`,
    /// so that cold artists can be ranked for a listener); `false` gives them `-inf` (the
    /// notebook's model ranks only the top artists). An expected logit never exceeds the
    /// listener's best top-artist logit, so in a full-catalogue list the top artists come
    /// first; this ranks cold artists among themselves (the cold-start protocol).
    pub rank_outside: bool,
    /// AdaGrad learning rate (default 0.1).
    pub lr: f64,
    /// Passes over the training histories (default 10).
    pub epochs: usize,
    /// Sequences per mini-batch (default 1000).
    pub batch_size: usize,
    /// Histories are cut into windows of `max_len` inputs (each followed by its next artist);
    /// a listener's last `max_len` plays are read when scoring (default 50).
    pub max_len: usize,
    /// Power iterations of the truncated SVD (default 8).
    pub svd_iterations: usize,
    /// Seed of the initialisation, the SVD, the order, dropout and id dropout (default 42).
    pub seed: u64,
    /// Where training runs (default [`Device::Cpu`](crate::Device::Cpu), `"cpu"`; `"cuda"` or
    /// `"cuda:N"` for an NVIDIA GPU in a build with the `cuda` feature), checked before any
    /// work. The trained model is CPU memory either way and loads in any build.
    pub device: crate::Device,
}

impl Default for YoutubeDnnConfig {
    fn default() -> Self {
        Self {
            embedding: 64,
            content_dims: 32,
            dense: 64,
            hidden: 64,
            dropout: 0.1,
            id_dropout: 0.25,
            top_n: 1000,
            rank_outside: true,
            lr: 0.1,
            epochs: 10,
            batch_size: 1000,
            max_len: 50,
            svd_iterations: 8,
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

impl YoutubeDnnConfig {
    setters! {
        with_embedding, embedding: usize;
        with_content_dims, content_dims: usize;
        with_dense, dense: usize;
        with_hidden, hidden: usize;
        with_dropout, dropout: f64;
        with_id_dropout, id_dropout: f64;
        with_top_n, top_n: usize;
        with_rank_outside, rank_outside: bool;
        with_lr, lr: f64;
        with_epochs, epochs: usize;
        with_batch_size, batch_size: usize;
        with_max_len, max_len: usize;
        with_svd_iterations, svd_iterations: usize;
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
        for (field, v) in [
            ("embedding", self.embedding),
            ("content_dims", self.content_dims),
            ("dense", self.dense),
            ("hidden", self.hidden),
        ] {
            if v == 0 || v > SIZE {
                return bad(field, v, "1 ..= 16384");
            }
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad("dropout", self.dropout, "0 <= p < 1");
        }
        if !(0.0..1.0).contains(&self.id_dropout) {
            return bad("id_dropout", self.id_dropout, "0 <= p < 1");
        }
        if self.top_n == 0 || self.top_n > MAX {
            return bad("top_n", self.top_n, "1 ..= 16777216");
        }
        if !(self.lr.is_finite() && self.lr > 0.0 && self.lr <= 10.0) {
            return bad("lr", self.lr, "a number in (0, 10]");
        }
        if self.epochs == 0 || self.epochs > 100_000 {
            return bad("epochs", self.epochs, "1 ..= 100000");
        }
        if self.batch_size == 0 || self.batch_size > 1 << 16 {
            return bad("batch_size", self.batch_size, "1 ..= 65536");
        }
        if self.max_len == 0 || self.max_len > SIZE {
            return bad("max_len", self.max_len, "1 ..= 16384");
        }
        if self.batch_size * self.max_len > MAX {
            return bad(
                "max_len",
                self.max_len,
                "batch_size × max_len at most 16777216 positions",
            );
        }
        if self.svd_iterations == 0 || self.svd_iterations > 1000 {
            return bad("svd_iterations", self.svd_iterations, "1 ..= 1000");
        }
        Ok(())
    }
}
