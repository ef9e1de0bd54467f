//! The fitted GRU session model: its weights in plain CPU memory (whatever backend trained
//! it), the GRU run step by step over a listener's plays, persistence.

use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::persist::{DecodeError, Persist};
use artist2vec_core::{
    CoreError, Embeddings, Model, Query, Recommender, SimilarArtists, Vocabulary, check_query,
};
use serde::{Deserialize, Serialize};

use super::Gru4RecConfig;
use crate::recurrent::{self, GruLayer, Lists};

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
    /// The skip connection ([`Gru4RecConfig::skip`]): `[embedding, hidden]`, the current
    /// play's embedding `x` adds `Σ_k x_k · skip[k, ·]` to the last layer's state.
    pub skip: Option<Vec<f32>>,
    /// The repeat mechanism's gates ([`Gru4RecConfig::repeat`]): `[hidden, 3]` (burn's
    /// `[input, output]` layout) then the 3 biases; gates (explore, copy, current again).
    pub repeat: Option<Vec<f32>>,
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
        match &weights.skip {
            Some(s) if !config.skip || s.len() != e * h => {
                return bad("skip connection does not match the configuration");
            }
            None if config.skip => return bad("skip connection missing"),
            _ => {}
        }
        match &weights.repeat {
            Some(r) if !config.repeat || r.len() != 3 * h + 3 => {
                return bad("repeat gates do not match the configuration");
            }
            None if config.repeat => return bad("repeat gates missing"),
            _ => {}
        }
        if weights.layers.len() != config.layers {
            return bad("layer count differs from the configuration");
        }
        for (l, layer) in weights.layers.iter().enumerate() {
            let d_in = if l == 0 { e } else { h };
            if !layer.fits(d_in, h) {
                return bad("a GRU layer's weights do not match the sizes");
            }
        }
        let all = weights
            .embedding
            .iter()
            .chain(&weights.output)
            .chain(&weights.output_bias)
            .chain(weights.skip.iter().flatten())
            .chain(weights.repeat.iter().flatten())
            .chain(weights.layers.iter().flat_map(GruLayer::values));
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

    /// The repeat mechanism's gates (explore, copy from the sequence, the current artist
    /// again; they sum to 1) after `plays`, when the model has the mechanism
    /// ([`Gru4RecConfig::repeat`]).
    pub fn repeat_gates(&self, plays: &[u32]) -> Option<[f32; 3]> {
        self.weights
            .repeat
            .as_ref()
            .map(|r| self.gates(r, &self.output_input(plays)))
    }

    /// The gates `softmax(G·h + b)` of the repeat mechanism's weights `r`.
    fn gates(&self, r: &[f32], h: &[f32]) -> [f32; 3] {
        let hd = self.config.hidden;
        let mut g = [r[3 * hd], r[3 * hd + 1], r[3 * hd + 2]];
        for (k, &x) in h.iter().enumerate() {
            for (c, gc) in g.iter_mut().enumerate() {
                *gc += x * r[k * 3 + c];
            }
        }
        let top = g.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for gc in &mut g {
            *gc = (*gc - top).exp();
            sum += *gc;
        }
        g.map(|gc| gc / sum)
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
        let x = &self.weights.embedding[item as usize * e..(item as usize + 1) * e];
        recurrent::step(&self.weights.layers, x, state, buf);
    }

    fn buffers(&self) -> [Vec<f32>; 6] {
        recurrent::buffers(self.config.hidden)
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

    /// The output layer's input after `plays` (their last `max_len`), from a zero state: the
    /// last layer's state, plus the skip connection's map of the last play's embedding.
    fn output_input(&self, plays: &[u32]) -> Vec<f32> {
        let mut h = self.hidden_state(plays);
        if let Some(&last) = plays.last() {
            self.add_skip(last, &mut h);
        }
        h
    }

    /// Adds the skip connection's map of `item`'s embedding to `h` (nothing without one).
    fn add_skip(&self, item: u32, h: &mut [f32]) {
        let Some(skip) = &self.weights.skip else {
            return;
        };
        let (e, hd) = (self.config.embedding, self.config.hidden);
        let x = &self.weights.embedding[item as usize * e..(item as usize + 1) * e];
        for (k, &xk) in x.iter().enumerate() {
            for (o, &w) in h.iter_mut().zip(&skip[k * hd..(k + 1) * hd]) {
                *o += xk * w;
            }
        }
    }

    /// Next-play scores of every artist from the output layer's input.
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

    /// The next-play scores after `plays` from the output layer's input `h`: the logits, or
    /// with the repeat mechanism ([`Gru4RecConfig::repeat`]) the mixture's probabilities
    /// `g₀ · softmax(logits) + g₁ · c_j / L + g₂ · [j = last play]` over the last `L ≤
    /// max_len` plays. Artists without training plays score `-inf` either way.
    fn next_scores(&self, plays: &[u32], h: &[f32], scores: &mut [f32]) {
        self.logits(h, scores);
        let (Some(r), Some(&last)) = (&self.weights.repeat, plays.last()) else {
            return;
        };
        let [explore, copy, again] = self.gates(r, h);
        let top = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0f64;
        for s in scores.iter_mut().filter(|s| s.is_finite()) {
            *s = (*s - top).exp();
            sum += f64::from(*s);
        }
        let scale = explore / sum.max(f64::MIN_POSITIVE) as f32;
        for s in scores.iter_mut().filter(|s| s.is_finite()) {
            *s *= scale;
        }
        let window = &plays[plays.len().saturating_sub(self.config.max_len)..];
        let share = copy / window.len() as f32;
        for &a in window {
            if scores[a as usize].is_finite() {
                scores[a as usize] += share;
            }
        }
        if scores[last as usize].is_finite() {
            scores[last as usize] += again;
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
                let mut h = state[state.len() - 1].clone();
                self.add_skip(s[t], &mut h);
                self.next_scores(&s[..=t], &h, &mut scores);
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
        let history: Vec<u32>;
        let plays = match query {
            Query::User(u) => self.recent.get(*u),
            Query::History(h) => {
                history = h.iter().filter(|p| p.1 > 0.0).map(|p| p.0).collect();
                &history
            }
        };
        self.next_scores(plays, &self.output_input(plays), scores);
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
/// (offsets, artists) and the statistics as JSON, then, only when the configuration has
/// [`skip`](Gru4RecConfig::skip), the skip connection's weights, and only with
/// [`repeat`](Gru4RecConfig::repeat), the repeat mechanism's gate weights (files without them, and every
/// file written before the options existed, end with the statistics). The sizes come from the
/// configuration.
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
            l.encode(e);
        }
        e.f32s(&self.weights.output);
        e.f32s(&self.weights.output_bias);
        e.u32s(&self.listeners);
        self.seen.encode(e);
        self.recent.encode(e);
        e.str(&serde_json::to_string(&self.stats).unwrap_or_else(|_| "null".to_owned()));
        if let Some(s) = &self.weights.skip {
            e.f32s(s);
        }
        if let Some(r) = &self.weights.repeat {
            e.f32s(r);
        }
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
            layers.push(GruLayer::decode(d)?);
        }
        let output = d.f32s()?;
        let output_bias = d.f32s()?;
        let listeners = d.u32s()?;
        let seen = Lists::decode(d, users.len(), items.len())?;
        let recent = Lists::decode(d, users.len(), items.len())?;
        let stats: Gru4RecStats = serde_json::from_str(&d.str()?)
            .map_err(|e| DecodeError(format!("bad statistics JSON: {e}")))?;
        let skip = if config.skip { Some(d.f32s()?) } else { None };
        let repeat = if config.repeat { Some(d.f32s()?) } else { None };
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
            skip,
            repeat,
        };
        Gru4RecModel::new(
            config, users, items, weights, listeners, seen, recent, stats,
        )
        .map_err(|e| DecodeError(format!("inconsistent payload: {e}")))
    }
}
