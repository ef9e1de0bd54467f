//! The fitted GRU session model: its weights in plain CPU memory (whatever backend trained
//! it), the GRU run step by step over a listener's plays, persistence.

use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::persist::{DecodeError, Persist};
use artist2vec_core::{
    CoreError, Embeddings, Model, Query, Recommender, SimilarArtists, Vocabulary, check_query,
};
use serde::{Deserialize, Serialize};

use super::Gru4RecConfig;

/// One affine map `x · W + b` with `W` row-major `[input, output]`.
pub(crate) type Affine = (Vec<f32>, Vec<f32>);

/// One GRU layer: the update, reset and new gates, each an input map and a hidden map.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GruLayer {
    pub d_input: usize,
    pub gates: [(Affine, Affine); 3],
}

/// Every weight of the network.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GruWeights {
    /// `[artists, embedding]`.
    pub embedding: Vec<f32>,
    pub layers: Vec<GruLayer>,
    /// `[artists, hidden]`: one row per artist.
    pub output: Vec<f32>,
    /// `[artists]`.
    pub output_bias: Vec<f32>,
}

/// What training reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Gru4RecStats {
    /// Mean loss per position of each epoch.
    pub epoch_loss: Vec<f64>,
    /// Wall-clock seconds of each epoch's training (validation not included).
    pub epoch_seconds: Vec<f64>,
    /// Validation MRR@k (= MAP@k with one relevant artist) after each epoch (empty without
    /// validation).
    pub validation: Vec<f64>,
    /// The epoch (1-based) whose weights the model holds: the best validation epoch, or the
    /// last one without validation.
    pub best_epoch: usize,
    /// Training positions (predicted next plays) per epoch.
    pub positions: u64,
    /// Training and validation sessions.
    pub sessions: (usize, usize),
    /// Wall-clock seconds of the whole fit.
    pub seconds: f64,
    /// The burn backend and device, as burn names them.
    pub backend: String,
}

/// Lists per user: user `u`'s are `items[offsets[u]..offsets[u + 1]]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Lists {
    pub offsets: Vec<u64>,
    pub items: Vec<u32>,
}

impl Lists {
    pub fn from_vecs(v: Vec<Vec<u32>>) -> Self {
        let mut out = Lists {
            offsets: vec![0],
            items: Vec::new(),
        };
        for l in v {
            out.items.extend(l);
            out.offsets.push(out.items.len() as u64);
        }
        out
    }

    fn get(&self, u: u32) -> &[u32] {
        let (a, b) = (self.offsets[u as usize], self.offsets[u as usize + 1]);
        &self.items[a as usize..b as usize]
    }

    fn encode(&self, e: &mut Encoder) {
        e.u64s(&self.offsets);
        e.u32s(&self.items);
    }

    fn decode(d: &mut Decoder<'_>, n_users: usize, n_items: usize) -> Result<Self, DecodeError> {
        let offsets = d.u64s()?;
        let items = d.u32s()?;
        let ok = offsets.len() == n_users + 1
            && offsets.first() == Some(&0)
            && offsets.windows(2).all(|w| w[0] <= w[1])
            && offsets.last() == Some(&(items.len() as u64))
            && items.iter().all(|&i| (i as usize) < n_items);
        if !ok {
            return Err(DecodeError(
                "per-user lists do not match the users and artists".into(),
            ));
        }
        Ok(Lists { offsets, items })
    }
}

/// A fitted GRU4Rec model ([`Gru4RecConfig`]).
///
/// A listener's plays in order — a new listener's [`Query::History`] (weights are checked,
/// not used; the last [`max_len`](Gru4RecConfig::max_len) plays are read) or a training
/// user's last training plays ([`Query::User`]) — run through the GRU from a zero state; the
/// scores are the output layer's logits for the next play. Artists without training plays
/// score `-inf`. Similar artists are the nearest input embeddings by cosine.
#[derive(Debug, Clone)]
pub struct Gru4RecModel {
    config: Gru4RecConfig,
    users: Vocabulary,
    vectors: Embeddings,
    weights: GruWeights,
    listeners: Vec<u32>,
    seen: Lists,
    recent: Lists,
    stats: Gru4RecStats,
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// `out = b + x · W` for `W` row-major `[x.len(), out.len()]`.
fn affine(x: &[f32], (w, b): &Affine, out: &mut [f32]) {
    out.copy_from_slice(b);
    let h = out.len();
    for (i, &xi) in x.iter().enumerate() {
        if xi != 0.0 {
            for (o, &wv) in out.iter_mut().zip(&w[i * h..(i + 1) * h]) {
                *o += xi * wv;
            }
        }
    }
}

impl Gru4RecModel {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        config: Gru4RecConfig,
        users: Vocabulary,
        items: Vocabulary,
        weights: GruWeights,
        listeners: Vec<u32>,
        seen: Lists,
        recent: Lists,
        stats: Gru4RecStats,
    ) -> Result<Self, CoreError> {
        let (n, e, h) = (items.len(), config.embedding, config.hidden);
        let bad = |what: &str| Err(CoreError::Shape(format!("gru4rec: {what}")));
        if weights.output.len() != n * h || weights.output_bias.len() != n {
            return bad("output layer does not match the artists");
        }
        if listeners.len() != n || seen.offsets.len() != users.len() + 1 {
            return bad("listeners or seen lists do not match the vocabularies");
        }
        if recent.offsets.len() != users.len() + 1 {
            return bad("recent plays do not match the users");
        }
        if weights.layers.len() != config.layers {
            return bad("layer count differs from the configuration");
        }
        for (l, layer) in weights.layers.iter().enumerate() {
            let d_in = if l == 0 { e } else { h };
            let ok = layer.d_input == d_in
                && layer.gates.iter().all(|(i, hh)| {
                    i.0.len() == d_in * h
                        && i.1.len() == h
                        && hh.0.len() == h * h
                        && hh.1.len() == h
                });
            if !ok {
                return bad("a GRU layer's weights do not match the sizes");
            }
        }
        let all = weights
            .embedding
            .iter()
            .chain(&weights.output)
            .chain(&weights.output_bias)
            .chain(weights.layers.iter().flat_map(|l| {
                l.gates
                    .iter()
                    .flat_map(|(i, hh)| i.0.iter().chain(&i.1).chain(&hh.0).chain(&hh.1))
            }));
        if let Some(v) = all.into_iter().find(|v| !v.is_finite()) {
            return Err(CoreError::Invalid(format!(
                "gru4rec: non-finite weight {v}"
            )));
        }
        let vectors = Embeddings::new(items, e, weights.embedding.clone())?;
        Ok(Self {
            config,
            users,
            vectors,
            weights,
            listeners,
            seen,
            recent,
            stats,
        })
    }

    /// The configuration it was trained with.
    pub fn config(&self) -> &Gru4RecConfig {
        &self.config
    }

    /// What training reported.
    pub fn stats(&self) -> &Gru4RecStats {
        &self.stats
    }

    pub(crate) fn set_stats(&mut self, stats: Gru4RecStats) {
        self.stats = stats;
    }

    /// Zero states, one per layer.
    fn zero_state(&self) -> Vec<Vec<f32>> {
        vec![vec![0.0; self.config.hidden]; self.config.layers]
    }

    /// Advances the states by one play of `item`.
    fn step(&self, item: u32, state: &mut [Vec<f32>], buf: &mut [Vec<f32>; 6]) {
        let e = self.config.embedding;
        let mut x: Vec<f32> =
            self.weights.embedding[item as usize * e..(item as usize + 1) * e].to_vec();
        for (layer, h) in self.weights.layers.iter().zip(state.iter_mut()) {
            let [zi, zh, ri, rh, ni, nh] = &mut *buf;
            affine(&x, &layer.gates[0].0, zi);
            affine(h, &layer.gates[0].1, zh);
            affine(&x, &layer.gates[1].0, ri);
            affine(h, &layer.gates[1].1, rh);
            affine(&x, &layer.gates[2].0, ni);
            affine(h, &layer.gates[2].1, nh);
            for k in 0..h.len() {
                let z = sigmoid(zi[k] + zh[k]);
                let r = sigmoid(ri[k] + rh[k]);
                let n = (ni[k] + r * nh[k]).tanh();
                h[k] = (1.0 - z) * n + z * h[k];
            }
            x.clear();
            x.extend_from_slice(h);
        }
    }

    fn buffers(&self) -> [Vec<f32>; 6] {
        std::array::from_fn(|_| vec![0.0; self.config.hidden])
    }

    /// The last layer's state after `plays` (their last `max_len`), from a zero state.
    pub fn hidden_state(&self, plays: &[u32]) -> Vec<f32> {
        let mut state = self.zero_state();
        let mut buf = self.buffers();
        let start = plays.len().saturating_sub(self.config.max_len);
        for &a in &plays[start..] {
            self.step(a, &mut state, &mut buf);
        }
        state.pop().unwrap_or_default()
    }

    /// Next-play scores of every artist from a last-layer state.
    fn logits(&self, h: &[f32], scores: &mut [f32]) {
        let hd = self.config.hidden;
        for (j, s) in scores.iter_mut().enumerate() {
            *s = if self.listeners[j] == 0 {
                f32::NEG_INFINITY
            } else {
                let row = &self.weights.output[j * hd..(j + 1) * hd];
                self.weights.output_bias[j] + row.iter().zip(h).map(|(a, b)| a * b).sum::<f32>()
            };
        }
    }

    /// Mean over `sessions` of the mean over their steps of 1 / rank of the next play within
    /// the top `k` (0 beyond): MRR@k, the per-session mean of the session protocol.
    pub fn next_play_mrr(&self, sessions: &[Vec<u32>], k: usize) -> f64 {
        let mut scores = vec![0f32; self.n_items()];
        let mut buf = self.buffers();
        let mut total = 0.0;
        let mut counted = 0usize;
        for s in sessions.iter().filter(|s| s.len() >= 2) {
            let mut state = self.zero_state();
            let mut rr = 0.0;
            for t in 0..s.len() - 1 {
                self.step(s[t], &mut state, &mut buf);
                self.logits(&state[state.len() - 1], &mut scores);
                let target = scores[s[t + 1] as usize];
                let rank = 1 + scores.iter().filter(|&&v| v > target).count();
                if rank <= k && target.is_finite() {
                    rr += 1.0 / rank as f64;
                }
            }
            total += rr / (s.len() - 1) as f64;
            counted += 1;
        }
        if counted == 0 {
            0.0
        } else {
            total / counted as f64
        }
    }
}

impl Recommender for Gru4RecModel {
    fn n_items(&self) -> usize {
        self.listeners.len()
    }

    fn n_users(&self) -> usize {
        self.users.len()
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
            Query::User(u) => self.hidden_state(self.recent.get(*u)),
            Query::History(h) => {
                let plays: Vec<u32> = h.iter().filter(|p| p.1 > 0.0).map(|p| p.0).collect();
                self.hidden_state(&plays)
            }
        };
        self.logits(&h, scores);
        Ok(())
    }

    fn seen(&self, user: u32) -> Result<&[u32], CoreError> {
        if user as usize >= self.users.len() {
            return Err(CoreError::IndexOutOfRange {
                kind: "user",
                index: user as usize,
                len: self.users.len(),
            });
        }
        Ok(self.seen.get(user))
    }
}

impl SimilarArtists for Gru4RecModel {
    /// Cosine of the input embeddings.
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<artist2vec_core::Neighbor>, CoreError> {
        self.vectors
            .similar(artist, k, artist2vec_core::Similarity::Cosine)
    }
}

impl Model for Gru4RecModel {
    artist2vec_core::model_persistence!();

    fn users(&self) -> &Vocabulary {
        &self.users
    }

    fn items(&self) -> &Vocabulary {
        self.vectors.vocab()
    }

    fn listeners(&self) -> Vec<u32> {
        self.listeners.clone()
    }

    fn artist_vectors(&self) -> Option<&Embeddings> {
        Some(&self.vectors)
    }

    fn similarity(&self) -> Option<&(dyn SimilarArtists + Sync)> {
        Some(self)
    }
}

/// Payload (format 1): artist and user vocabularies, the embedding table, per layer its input
/// size and the six weight/bias pairs (update, reset, new gate; input then hidden map), the
/// output rows and bias, the listeners per artist, the users' seen artists and last plays
/// (offsets, artists) and the statistics as JSON. The sizes come from the configuration.
impl Persist for Gru4RecModel {
    const KIND: &'static str = "gru4rec";
    const VERSION: u32 = 1;
    type Config = Gru4RecConfig;

    fn config(&self) -> &Gru4RecConfig {
        &self.config
    }

    fn check_config(config: &Gru4RecConfig) -> Result<(), String> {
        config.validate().map_err(|e| e.to_string())
    }

    fn encode(&self, e: &mut Encoder) {
        self.vectors.vocab().encode(e);
        self.users.encode(e);
        e.f32s(&self.weights.embedding);
        for l in &self.weights.layers {
            e.u64(l.d_input as u64);
            for (i, h) in &l.gates {
                for part in [&i.0, &i.1, &h.0, &h.1] {
                    e.f32s(part);
                }
            }
        }
        e.f32s(&self.weights.output);
        e.f32s(&self.weights.output_bias);
        e.u32s(&self.listeners);
        self.seen.encode(e);
        self.recent.encode(e);
        e.str(&serde_json::to_string(&self.stats).unwrap_or_else(|_| "null".to_owned()));
    }

    fn decode(
        config: Gru4RecConfig,
        _version: u32,
        d: &mut Decoder<'_>,
    ) -> Result<Self, DecodeError> {
        let items = Vocabulary::decode(d)?;
        let users = Vocabulary::decode(d)?;
        let embedding = d.f32s()?;
        let mut layers = Vec::with_capacity(config.layers);
        for _ in 0..config.layers {
            let d_input = d.u64()? as usize;
            let mut gate = || -> Result<(Affine, Affine), DecodeError> {
                Ok(((d.f32s()?, d.f32s()?), (d.f32s()?, d.f32s()?)))
            };
            let gates = [gate()?, gate()?, gate()?];
            layers.push(GruLayer { d_input, gates });
        }
        let output = d.f32s()?;
        let output_bias = d.f32s()?;
        let listeners = d.u32s()?;
        let seen = Lists::decode(d, users.len(), items.len())?;
        let recent = Lists::decode(d, users.len(), items.len())?;
        let stats: Gru4RecStats = serde_json::from_str(&d.str()?)
            .map_err(|e| DecodeError(format!("bad statistics JSON: {e}")))?;
        if embedding.len() != items.len() * config.embedding {
            return Err(DecodeError(
                "embedding table does not match the artists".into(),
            ));
        }
        let weights = GruWeights {
            embedding,
            layers,
            output,
            output_bias,
        };
        Gru4RecModel::new(
            config, users, items, weights, listeners, seen, recent, stats,
        )
        .map_err(|e| DecodeError(format!("inconsistent payload: {e}")))
    }
}
