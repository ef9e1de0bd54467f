//! The fitted YouTube-DNN model: its weights and content table in plain CPU memory (whatever
//! backend trained it), the network run step by step over a listener's artists with the
//! shared CPU GRU (`crate::recurrent`), persistence.

use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::persist::{DecodeError, Persist};
use artist2vec_core::topk::top_k;
use artist2vec_core::{
    CoreError, Model, Neighbor, Query, Recommender, SimilarArtists, Vocabulary, check_query,
};
use serde::{Deserialize, Serialize};

use super::YoutubeDnnConfig;
use crate::recurrent::{self, Affine, GruLayer, Lists, affine};

/// Every weight of the network.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct YtWeights {
    /// `[training artists + 1, embedding]`: the last row is the unknown id.
    pub ids: Vec<f32>,
    /// `[embedding + content dims, dense]` and `[dense]`.
    pub dense: Affine,
    pub gru: GruLayer,
    /// `[top_n, hidden]`: one row per top artist.
    pub output: Vec<f32>,
    /// `[top_n]`.
    pub output_bias: Vec<f32>,
}

/// What training reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct YoutubeDnnStats {
    /// Mean loss per position of each epoch.
    pub epoch_loss: Vec<f64>,
    /// Wall-clock seconds of each epoch.
    pub epoch_seconds: Vec<f64>,
    /// Training sequences (history windows) and positions (predicted next artists in the top
    /// artists) per epoch.
    pub sequences: usize,
    /// Positions per epoch.
    pub positions: u64,
    /// Artists in the softmax (`top_n`, or fewer artists with plays).
    pub top_n: usize,
    /// Content dimensions kept (the rank of the truncated SVD).
    pub content_dims: usize,
    /// Singular values of those dimensions.
    pub singular_values: Vec<f64>,
    /// Artists with tags, among the model's artists.
    pub tagged: usize,
    /// `"plays"`: histories in play order (sessions); `"count"`: each listener's artists by
    /// decreasing play count (no sessions).
    pub history_order: String,
    /// Wall-clock seconds of the whole fit.
    pub seconds: f64,
    /// The burn backend and device, as burn names them.
    pub backend: String,
}

/// The parts of a fitted model, as training or decoding assembles them.
#[derive(Debug, Clone)]
pub(crate) struct Parts {
    pub config: YoutubeDnnConfig,
    pub users: Vocabulary,
    /// The training artists, then the artists only the content named.
    pub items: Vocabulary,
    /// Training artists (the id table has one more row, the unknown id).
    pub n_train: usize,
    pub listeners: Vec<u32>,
    pub seen: Lists,
    pub recent: Lists,
    /// Histories by decreasing play count rather than in play order.
    pub by_count: bool,
    /// The top artists, in softmax order.
    pub top: Vec<u32>,
    pub dims: usize,
    /// `[items, dims]`.
    pub content: Vec<f32>,
    pub weights: YtWeights,
    pub stats: YoutubeDnnStats,
}

/// A fitted YouTube-DNN model ([`YoutubeDnnConfig`]).
///
/// A listener's artists — a new listener's [`Query::History`] or a training user's training
/// history ([`Query::User`]) — run through the network from a zero state, in play order when
/// it was trained on sessions, else by decreasing weight (as it was trained); the scores of
/// the top artists are the softmax logits for the next artist. Every other artist scores
/// [`rank_outside`](YoutubeDnnConfig::rank_outside)'s way: the expected logit of the artists
/// the model predicts after it, or `-inf`.
///
/// An artist without training plays (a cold-start artist: one that only the content names, or
/// a training artist without rows) steps in with the unknown id and its own content features,
/// so [`similar`](SimilarArtists::similar) — the top artists predicted after a history of just
/// that artist — works for any artist with tags, the moment it has them.
#[derive(Debug, Clone)]
pub struct YoutubeDnnModel {
    p: Parts,
    /// Softmax slot of each artist (`u32::MAX` outside the top).
    slot: Vec<u32>,
    /// Per artist outside the top: the expected output row and bias (`hidden + 1` values);
    /// empty without `rank_outside`.
    outside: Vec<f32>,
}

impl YoutubeDnnModel {
    pub(crate) fn new(p: Parts) -> Result<Self, CoreError> {
        let c = &p.config;
        let (n, e, d, h) = (p.items.len(), c.embedding, p.dims, c.hidden);
        let w = &p.weights;
        let top_n = p.top.len();
        let bad = |what: &str| Err(CoreError::Shape(format!("youtube-dnn: {what}")));
        if p.n_train > n || p.listeners.len() != n {
            return bad("listeners do not match the artists");
        }
        if p.seen.offsets.len() != p.users.len() + 1 || p.recent.offsets.len() != p.users.len() + 1
        {
            return bad("per-user lists do not match the users");
        }
        if top_n == 0 || p.top.iter().any(|&a| a as usize >= p.n_train) {
            return bad("top artists outside the training artists");
        }
        if d > 1 << 14 || n.checked_mul(d) != Some(p.content.len()) {
            return bad("content table does not match the artists");
        }
        if w.ids.len() != (p.n_train + 1) * e {
            return bad("id table does not match the training artists");
        }
        if w.dense.0.len() != (e + d) * c.dense || w.dense.1.len() != c.dense {
            return bad("dense layer does not match the sizes");
        }
        if !w.gru.fits(c.dense, h) {
            return bad("GRU weights do not match the sizes");
        }
        if w.output.len() != top_n * h || w.output_bias.len() != top_n {
            return bad("output layer does not match the top artists");
        }
        let all = w
            .ids
            .iter()
            .chain(&w.dense.0)
            .chain(&w.dense.1)
            .chain(w.gru.values())
            .chain(&w.output)
            .chain(&w.output_bias)
            .chain(&p.content);
        if let Some(v) = all.into_iter().find(|v| !v.is_finite()) {
            return Err(CoreError::Invalid(format!(
                "youtube-dnn: non-finite weight {v}"
            )));
        }
        let mut slot = vec![u32::MAX; n];
        for (s, &a) in p.top.iter().enumerate() {
            if slot[a as usize] != u32::MAX {
                return bad("an artist appears twice among the top artists");
            }
            slot[a as usize] = s as u32;
        }
        let mut model = Self {
            p,
            slot,
            outside: Vec::new(),
        };
        if model.p.config.rank_outside {
            model.outside = model.expected_rows();
        }
        Ok(model)
    }

    /// The configuration it was trained with.
    pub fn config(&self) -> &YoutubeDnnConfig {
        &self.p.config
    }

    /// What training reported.
    pub fn stats(&self) -> &YoutubeDnnStats {
        &self.p.stats
    }

    /// The artists of the softmax, most played first.
    pub fn top_artists(&self) -> &[u32] {
        &self.p.top
    }

    /// The artists without training plays (cold: they step in with the unknown id).
    pub fn cold_artists(&self) -> Vec<u32> {
        (0..self.p.listeners.len() as u32)
            .filter(|&a| self.p.listeners[a as usize] == 0)
            .collect()
    }

    /// The GRU input of artist `a`: ReLU(dense(id embedding ⊕ content features)).
    fn input(&self, a: u32) -> Vec<f32> {
        let (e, d) = (self.p.config.embedding, self.p.dims);
        let a = a as usize;
        let row = if a < self.p.n_train && self.p.listeners[a] > 0 {
            a
        } else {
            self.p.n_train
        };
        let mut x = Vec::with_capacity(e + d);
        x.extend_from_slice(&self.p.weights.ids[row * e..][..e]);
        x.extend_from_slice(&self.p.content[a * d..][..d]);
        let mut out = vec![0f32; self.p.config.dense];
        affine(&x, &self.p.weights.dense, &mut out);
        out.iter_mut().for_each(|v| *v = v.max(0.0));
        out
    }

    /// The GRU state after `artists`, from a zero state.
    pub fn hidden_state(&self, artists: &[u32]) -> Vec<f32> {
        let layers = std::slice::from_ref(&self.p.weights.gru);
        let mut state = vec![vec![0f32; self.p.config.hidden]];
        let mut buf = recurrent::buffers(self.p.config.hidden);
        for &a in artists {
            recurrent::step(layers, &self.input(a), &mut state, &mut buf);
        }
        state.pop().unwrap_or_default()
    }

    /// The logits of the top artists (in softmax order) after state `h`.
    fn top_logits(&self, h: &[f32]) -> Vec<f32> {
        let hd = self.p.config.hidden;
        self.p
            .weights
            .output
            .chunks_exact(hd)
            .zip(&self.p.weights.output_bias)
            .map(|(row, &b)| b + row.iter().zip(h).map(|(w, x)| w * x).sum::<f32>())
            .collect()
    }

    /// For every artist outside the top, the softmax-weighted mean output row and bias of the
    /// top artists predicted after it (`hidden + 1` values each; zeros for the top artists).
    fn expected_rows(&self) -> Vec<f32> {
        let hd = self.p.config.hidden;
        let n = self.p.items.len();
        let mut out = vec![0f32; n * (hd + 1)];
        for a in 0..n {
            if self.slot[a] != u32::MAX {
                continue;
            }
            let logits = self.top_logits(&self.hidden_state(&[a as u32]));
            let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let exp: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
            let z: f32 = exp.iter().sum();
            let row = &mut out[a * (hd + 1)..][..hd + 1];
            for ((p, w), &b) in exp
                .iter()
                .zip(self.p.weights.output.chunks_exact(hd))
                .zip(&self.p.weights.output_bias)
            {
                let p = p / z;
                row[..hd].iter_mut().zip(w).for_each(|(r, &w)| *r += p * w);
                row[hd] += p * b;
            }
        }
        out
    }

    /// The artists of a history in the order the model reads them (positive weights only):
    /// as given for a model trained in play order (the last `max_len`), by decreasing weight
    /// for one trained on play counts (the first `max_len`).
    fn order_history(&self, h: &[(u32, f32)]) -> Vec<u32> {
        let max_len = self.p.config.max_len;
        let mut pairs: Vec<(u32, f32)> = h.iter().copied().filter(|p| p.1 > 0.0).collect();
        if self.p.by_count {
            pairs.sort_by(|a, b| b.1.total_cmp(&a.1));
            pairs.truncate(max_len);
        } else {
            pairs.drain(..pairs.len().saturating_sub(max_len));
        }
        pairs.into_iter().map(|p| p.0).collect()
    }
}

impl Recommender for YoutubeDnnModel {
    fn n_items(&self) -> usize {
        self.p.items.len()
    }

    fn n_users(&self) -> usize {
        self.p.users.len()
    }

    fn score_into(&self, query: &Query<'_>, scores: &mut [f32]) -> Result<(), CoreError> {
        check_query(query, self.n_users(), self.n_items())?;
        if scores.len() != self.n_items() {
            return Err(CoreError::Shape(format!(
                "score buffer of length {} for {} artists",
                scores.len(),
                self.n_items()
            )));
        }
        let h = match query {
            Query::User(u) => self.hidden_state(self.p.recent.get(*u)),
            Query::History(h) => self.hidden_state(&self.order_history(h)),
        };
        let top = self.top_logits(&h);
        let hd = self.p.config.hidden;
        for (a, s) in scores.iter_mut().enumerate() {
            *s = match self.slot[a] {
                u32::MAX if self.outside.is_empty() => f32::NEG_INFINITY,
                u32::MAX => {
                    let row = &self.outside[a * (hd + 1)..][..hd + 1];
                    row[hd] + row[..hd].iter().zip(&h).map(|(w, x)| w * x).sum::<f32>()
                }
                slot => top[slot as usize],
            };
        }
        Ok(())
    }

    fn seen(&self, user: u32) -> Result<&[u32], CoreError> {
        if user as usize >= self.p.users.len() {
            return Err(CoreError::IndexOutOfRange {
                kind: "user",
                index: user as usize,
                len: self.p.users.len(),
            });
        }
        Ok(self.p.seen.get(user))
    }
}

impl SimilarArtists for YoutubeDnnModel {
    /// The top artists the model predicts after a history of just `artist`, best first
    /// (scores: their logits): for an artist without plays, from its content features and the
    /// unknown id.
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<Neighbor>, CoreError> {
        if artist as usize >= self.n_items() {
            return Err(CoreError::IndexOutOfRange {
                kind: "artist",
                index: artist as usize,
                len: self.n_items(),
            });
        }
        let logits = self.top_logits(&self.hidden_state(&[artist]));
        let exclude: Vec<u32> = match self.slot[artist as usize] {
            u32::MAX => Vec::new(),
            s => vec![s],
        };
        Ok(top_k(&logits, k, &exclude)
            .into_iter()
            .map(|nb| Neighbor {
                item: self.p.top[nb.item as usize],
                score: nb.score,
            })
            .collect())
    }
}

impl Model for YoutubeDnnModel {
    artist2vec_core::model_persistence!();

    fn users(&self) -> &Vocabulary {
        &self.p.users
    }

    fn items(&self) -> &Vocabulary {
        &self.p.items
    }

    fn listeners(&self) -> Vec<u32> {
        self.p.listeners.clone()
    }

    fn similarity(&self) -> Option<&(dyn SimilarArtists + Sync)> {
        Some(self)
    }
}

/// Payload (format 1): artist and user vocabularies, the number of training artists, the
/// listeners per artist, the users' seen artists and histories (offsets, artists), the
/// history order (1: by count), the top artists, the content dimensions and table, the id
/// table, the dense layer (weights, bias), the GRU layer (input size, six weight/bias pairs),
/// the output rows and bias, and the statistics as JSON. The other sizes come from the
/// configuration.
impl Persist for YoutubeDnnModel {
    const KIND: &'static str = "youtube-dnn";
    const VERSION: u32 = 1;
    type Config = YoutubeDnnConfig;

    fn config(&self) -> &YoutubeDnnConfig {
        &self.p.config
    }

    fn check_config(config: &YoutubeDnnConfig) -> Result<(), String> {
        config.validate().map_err(|e| e.to_string())
    }

    fn encode(&self, e: &mut Encoder) {
        let p = &self.p;
        p.items.encode(e);
        p.users.encode(e);
        e.u64(p.n_train as u64);
        e.u32s(&p.listeners);
        p.seen.encode(e);
        p.recent.encode(e);
        e.u64(u64::from(p.by_count));
        e.u32s(&p.top);
        e.u64(p.dims as u64);
        e.f32s(&p.content);
        e.f32s(&p.weights.ids);
        e.f32s(&p.weights.dense.0);
        e.f32s(&p.weights.dense.1);
        p.weights.gru.encode(e);
        e.f32s(&p.weights.output);
        e.f32s(&p.weights.output_bias);
        e.str(&serde_json::to_string(&p.stats).unwrap_or_else(|_| "null".to_owned()));
    }

    fn decode(
        config: YoutubeDnnConfig,
        _version: u32,
        d: &mut Decoder<'_>,
    ) -> Result<Self, DecodeError> {
        let items = Vocabulary::decode(d)?;
        let users = Vocabulary::decode(d)?;
        let n_train = d.u64()? as usize;
        let listeners = d.u32s()?;
        let seen = Lists::decode(d, users.len(), items.len())?;
        let recent = Lists::decode(d, users.len(), items.len())?;
        let by_count = match d.u64()? {
            0 => false,
            1 => true,
            v => return Err(DecodeError(format!("bad history order {v}"))),
        };
        let top = d.u32s()?;
        let dims = d.u64()? as usize;
        let content = d.f32s()?;
        let ids = d.f32s()?;
        let dense = (d.f32s()?, d.f32s()?);
        let gru = GruLayer::decode(d)?;
        let output = d.f32s()?;
        let output_bias = d.f32s()?;
        let stats: YoutubeDnnStats = serde_json::from_str(&d.str()?)
            .map_err(|e| DecodeError(format!("bad statistics JSON: {e}")))?;
        YoutubeDnnModel::new(Parts {
            config,
            users,
            items,
            n_train,
            listeners,
            seen,
            recent,
            by_count,
            top,
            dims,
            content,
            weights: YtWeights {
                ids,
                dense,
                gru,
                output,
                output_bias,
            },
            stats,
        })
        .map_err(|e| DecodeError(format!("inconsistent payload: {e}")))
    }
}
