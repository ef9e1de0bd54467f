//! The fitted two-tower model: scoring on the CPU, the shared traits, and saving.

use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::persist::{DecodeError, Persist};
use artist2vec_core::{
    ArtistVectors, CoreError, Embeddings, Model, Neighbor, Query, Recommender, SimilarArtists,
    Similarity, Vocabulary, check_query, dot,
};
use artist2vec_skipgram::UserProfiles;
use serde::{Deserialize, Serialize};

use super::config::{Score, TwoTowerConfig};
use super::towers::{Dense, UserTower, cosine};

/// What a two-tower training run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TwoTowerStats {
    /// Mean loss per example, one value per epoch run.
    pub epoch_loss: Vec<f64>,
    /// Validation NDCG@`validation_k` after each epoch (empty without a validation set).
    pub validation: Vec<f64>,
    /// The epoch (1-based) whose parameters the model holds: the best validation epoch, or
    /// the last one without validation.
    pub best_epoch: usize,
    /// Training examples per epoch (the last epoch's).
    pub examples: u64,
    /// Optimisation steps over all epochs.
    pub batches: u64,
    /// Wall-clock seconds of training (validation included).
    pub seconds: f64,
    /// The burn backend and device, as burn names them.
    pub backend: String,
}

/// A two-tower model ([`TwoTowerConfig`]): the artist tower's vector for every artist and the
/// user tower that turns a listening history into a vector, both plain CPU memory whatever
/// backend trained them.
///
/// A listener — a training user ([`Query::User`], from their training profile) or a new one
/// ([`Query::History`], without retraining) — is scored against every artist by dot product
/// or cosine ([`score`](TwoTowerConfig::score)). Artists without a vector (no training
/// listener and no content features) score `-inf` and are never similar to anything; a
/// history without a trained artist gets popularity (`ln(1 + listeners)`). Similar artists are
/// the nearest artist vectors by cosine.
#[derive(Debug, Clone)]
pub struct TwoTowerModel {
    config: TwoTowerConfig,
    users: Vocabulary,
    artists: Embeddings,
    tower: UserTower,
    /// Learned logit offsets per artist ([`artist_bias`](TwoTowerConfig::artist_bias)).
    bias: Option<Vec<f32>>,
    listeners: Vec<u32>,
    trained: Vec<bool>,
    profiles: UserProfiles,
    stats: TwoTowerStats,
}

impl TwoTowerModel {
    /// Checks the sizes of every part.
    pub(crate) fn new(
        config: TwoTowerConfig,
        users: Vocabulary,
        artists: Embeddings,
        tower: UserTower,
        bias: Option<Vec<f32>>,
        trained: Vec<bool>,
        profiles: UserProfiles,
        stats: TwoTowerStats,
    ) -> Result<Self, CoreError> {
        let (n, d) = (artists.len(), artists.dim());
        let layers_fit = tower
            .layers
            .iter()
            .all(|l| l.weight.len() == l.input * l.output && l.bias.len() == l.output)
            && tower.layers.first().is_none_or(|l| l.input == d)
            && tower.layers.last().is_none_or(|l| l.output == d)
            && tower.layers.windows(2).all(|w| w[0].output == w[1].input);
        if d != config.dim
            || tower.dim != d
            || tower.history.len() != n * d
            || tower
                .users
                .as_ref()
                .is_some_and(|u| u.len() != users.len() * d)
            || bias.as_ref().is_some_and(|b| b.len() != n)
            || !layers_fit
            || trained.len() != n
            || profiles.n_users() != users.len()
            || profiles.items().iter().any(|&i| i as usize >= n)
        {
            return Err(CoreError::Shape(format!(
                "two-tower model: {n} artists of dimension {d} (configured {}), {} history \
                 values, {} trained flags, {} profiles for {} users, layers {:?}",
                config.dim,
                tower.history.len(),
                trained.len(),
                profiles.n_users(),
                users.len(),
                tower
                    .layers
                    .iter()
                    .map(|l| (l.input, l.output))
                    .collect::<Vec<_>>()
            )));
        }
        let all = tower
            .history
            .iter()
            .chain(tower.users.iter().flatten())
            .chain(bias.iter().flatten())
            .chain(
                tower
                    .layers
                    .iter()
                    .flat_map(|l| l.weight.iter().chain(&l.bias)),
            );
        if let Some(x) = all.into_iter().find(|x| !x.is_finite()) {
            return Err(CoreError::Invalid(format!(
                "non-finite value {x} in the user tower"
            )));
        }
        let mut listeners = vec![0u32; n];
        for &i in profiles.items() {
            listeners[i as usize] += 1;
        }
        Ok(Self {
            config,
            users,
            artists,
            tower,
            bias,
            listeners,
            trained,
            profiles,
            stats,
        })
    }

    pub(crate) fn set_stats(&mut self, stats: TwoTowerStats) {
        self.stats = stats;
    }

    /// The configuration it was trained with.
    pub fn config(&self) -> &TwoTowerConfig {
        &self.config
    }

    /// What training did.
    pub fn stats(&self) -> &TwoTowerStats {
        &self.stats
    }

    /// The vector dimension.
    pub fn dim(&self) -> usize {
        self.artists.dim()
    }

    /// The training users.
    pub fn users(&self) -> &Vocabulary {
        &self.users
    }

    /// The artists.
    pub fn artists(&self) -> &Vocabulary {
        self.artists.vocab()
    }

    /// The training users' profiles (artists and summed weights).
    pub fn profiles(&self) -> &UserProfiles {
        &self.profiles
    }

    /// The artist tower's vector of every artist (zero rows for artists without a vector).
    pub fn artist_vectors(&self) -> &Embeddings {
        &self.artists
    }

    /// The user tower's artist embeddings (the vectors a history is averaged over),
    /// row-major `[n_artists, dim]`.
    pub fn history_vectors(&self) -> &[f32] {
        &self.tower.history
    }

    /// The learned logit offset of every artist, when the model has them
    /// ([`artist_bias`](TwoTowerConfig::artist_bias)).
    pub fn artist_bias(&self) -> Option<&[f32]> {
        self.bias.as_deref()
    }

    /// Whether `artist` has a vector (training listeners or content features).
    pub fn is_trained(&self, artist: u32) -> bool {
        self.trained.get(artist as usize).copied().unwrap_or(false)
    }

    /// A listener's vector from the user tower; `None` when their history holds no artist
    /// with a training listener (or only zero weights).
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown user or artist;
    /// [`CoreError::Invalid`] for a weight that is not a finite number `>= 0`
    /// ([`check_query`]).
    pub fn user_vector(&self, query: &Query<'_>) -> Result<Option<Vec<f32>>, CoreError> {
        check_query(query, self.users.len(), self.artists.len())?;
        let weight = self.config.history_weight;
        // Only artists with listeners were ever read by the user tower in training.
        let usable = |i: u32| self.listeners[i as usize] > 0;
        let (pairs, user): (Vec<(u32, f32)>, Option<u32>) = match query {
            Query::User(u) => {
                let (items, weights) = self.profiles.get(*u)?;
                let h = items
                    .iter()
                    .zip(weights)
                    .filter(|(i, _)| usable(**i))
                    .map(|(&i, &w)| (i, weight.apply(w)))
                    .collect();
                (h, Some(*u))
            }
            Query::History(h) => {
                // Repeated artists add up, as in a training profile.
                let mut sorted: Vec<(u32, f32)> =
                    h.iter().copied().filter(|&(i, _)| usable(i)).collect();
                sorted.sort_unstable_by_key(|p| p.0);
                let mut merged: Vec<(u32, f32)> = Vec::with_capacity(sorted.len());
                for (i, w) in sorted {
                    match merged.last_mut() {
                        Some(last) if last.0 == i => last.1 += w,
                        _ => merged.push((i, w)),
                    }
                }
                let h = merged
                    .into_iter()
                    .map(|(i, w)| (i, weight.apply(w)))
                    .collect();
                (h, None)
            }
        };
        Ok(self.tower.user_vector(&pairs, user))
    }

    /// [`SimilarArtists::similar`] among the artists for which `keep` holds.
    ///
    /// # Errors
    /// As [`SimilarArtists::similar`].
    pub fn similar_excluding(
        &self,
        artist: u32,
        k: usize,
        keep: &dyn Fn(u32) -> bool,
    ) -> Result<Vec<Neighbor>, CoreError> {
        let row = self.check_trained(artist)?;
        let exclude: Vec<u32> = (0..self.artists.len() as u32)
            .filter(|&j| j == artist || !self.is_trained(j) || !keep(j))
            .collect();
        Ok(self
            .artists
            .nearest_to_vector(row, k, Similarity::Cosine, &exclude))
    }

    fn check_trained(&self, artist: u32) -> Result<&[f32], CoreError> {
        let row = self.artists.row(artist)?;
        if self.is_trained(artist) {
            return Ok(row);
        }
        Err(CoreError::Invalid(format!(
            "artist {:?} has no vector: no training listener and no content features",
            self.artists.vocab().id(artist)
        )))
    }

    fn untrained(&self) -> Vec<u32> {
        (0..self.artists.len() as u32)
            .filter(|&j| !self.is_trained(j))
            .collect()
    }
}

impl Recommender for TwoTowerModel {
    fn n_items(&self) -> usize {
        self.artists.len()
    }

    fn n_users(&self) -> usize {
        self.users.len()
    }

    /// The user tower's vector against every artist vector, by the model's
    /// [`Score`] (divided by the temperature, plus the artist's offset, when the model learned
    /// offsets); popularity for a history without a trained artist; `-inf` for artists
    /// without a vector.
    fn score_into(&self, query: &Query<'_>, scores: &mut [f32]) -> Result<(), CoreError> {
        if scores.len() != self.n_items() {
            return Err(CoreError::Shape(format!(
                "score buffer of length {} for {} artists",
                scores.len(),
                self.n_items()
            )));
        }
        let Some(u) = self.user_vector(query)? else {
            for (i, s) in scores.iter_mut().enumerate() {
                *s = if self.trained[i] {
                    (self.listeners[i] as f32).ln_1p()
                } else {
                    f32::NEG_INFINITY
                };
            }
            return Ok(());
        };
        let d = self.dim();
        let un = dot(&u, &u).sqrt();
        let norms = self.artists.norms();
        let rows = self.artists.as_slice().chunks_exact(d);
        let inv_t = 1.0 / self.config.temperature;
        for (i, (s, row)) in scores.iter_mut().zip(rows).enumerate() {
            *s = if !self.trained[i] {
                f32::NEG_INFINITY
            } else {
                let x = match self.config.score {
                    Score::Dot => dot(&u, row),
                    Score::Cosine => cosine(&u, un, row, norms[i]),
                };
                match &self.bias {
                    Some(b) => x * inv_t + b[i],
                    None => x,
                }
            };
        }
        Ok(())
    }

    fn seen(&self, user: u32) -> Result<&[u32], CoreError> {
        Ok(self.profiles.get(user)?.0)
    }
}

impl SimilarArtists for TwoTowerModel {
    /// The `k` artists whose vectors are closest to `artist`'s by cosine.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown artist; [`CoreError::Invalid`] for an
    /// artist without a vector.
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<Neighbor>, CoreError> {
        self.similar_excluding(artist, k, &|_| true)
    }

    fn similar_batch(&self, artists: &[u32], k: usize) -> Result<Vec<Vec<Neighbor>>, CoreError> {
        for &a in artists {
            self.check_trained(a)?;
        }
        self.artists
            .similar_batch_excluding(artists, k, Similarity::Cosine, &self.untrained())
    }
}

impl ArtistVectors for TwoTowerModel {
    /// The artist tower's vectors.
    fn artist_vectors(&self) -> &Embeddings {
        &self.artists
    }
}

impl Model for TwoTowerModel {
    artist2vec_core::model_persistence!();

    fn users(&self) -> &Vocabulary {
        &self.users
    }

    fn items(&self) -> &Vocabulary {
        self.artists.vocab()
    }

    fn listeners(&self) -> Vec<u32> {
        self.listeners.clone()
    }

    fn artist_vectors(&self) -> Option<&Embeddings> {
        Some(&self.artists)
    }

    fn similarity(&self) -> Option<&(dyn SimilarArtists + Sync)> {
        Some(self)
    }

    fn similar_where(
        &self,
        artist: u32,
        k: usize,
        keep: &dyn Fn(u32) -> bool,
    ) -> Result<Vec<Neighbor>, CoreError> {
        self.similar_excluding(artist, k, keep)
    }
}

/// Payload (format 1): the artist and user vocabularies, the dimension, the artist vectors,
/// the user tower's artist embeddings, the per-user vectors and the artist offsets (each a
/// flag, then the values), the layers (count, then input and output sizes, weights and bias of each), the artists without
/// a vector, the user profiles (offsets, artists, weights) and the statistics as JSON.
impl Persist for TwoTowerModel {
    const KIND: &'static str = "two-tower";
    const VERSION: u32 = 1;
    type Config = TwoTowerConfig;

    fn config(&self) -> &TwoTowerConfig {
        &self.config
    }

    fn check_config(config: &TwoTowerConfig) -> Result<(), String> {
        config.validate().map_err(|e| e.to_string())
    }

    fn encode(&self, e: &mut Encoder) {
        self.artists.vocab().encode(e);
        self.users.encode(e);
        e.u64(self.dim() as u64);
        e.f32s(self.artists.as_slice());
        e.f32s(&self.tower.history);
        for part in [&self.tower.users, &self.bias] {
            match part {
                Some(v) => {
                    e.u32(1);
                    e.f32s(v);
                }
                None => e.u32(0),
            }
        }
        e.u64(self.tower.layers.len() as u64);
        for l in &self.tower.layers {
            e.u64(l.input as u64);
            e.u64(l.output as u64);
            e.f32s(&l.weight);
            e.f32s(&l.bias);
        }
        e.u32s(&self.untrained());
        let offsets: Vec<u64> = self.profiles.offsets().iter().map(|&o| o as u64).collect();
        e.u64s(&offsets);
        e.u32s(self.profiles.items());
        e.f32s(self.profiles.weights());
        e.str(&serde_json::to_string(&self.stats).unwrap_or_else(|_| "null".to_owned()));
    }

    fn decode(
        config: TwoTowerConfig,
        _version: u32,
        d: &mut Decoder<'_>,
    ) -> Result<Self, DecodeError> {
        let t = |what: &str| DecodeError(format!("cannot read {what}"));
        let items = Vocabulary::decode(d).map_err(|e| t(&format!("artist vocabulary: {e}")))?;
        let users = Vocabulary::decode(d).map_err(|e| t(&format!("user vocabulary: {e}")))?;
        let dim = d.u64().map_err(|_| t("dimension"))? as usize;
        let artists = d.f32s().map_err(|_| t("artist vectors"))?;
        let history = d.f32s().map_err(|_| t("history vectors"))?;
        let mut optional = |what: &str| match d.u32().map_err(|_| t(what))? {
            0 => Ok(None),
            1 => Ok(Some(d.f32s().map_err(|_| t(what))?)),
            f => Err(DecodeError(format!("bad flag {f} of the {what}"))),
        };
        let user_table = optional("user vectors")?;
        let bias = optional("artist offsets")?;
        let n_layers = d.u64().map_err(|_| t("layer count"))?;
        // Every layer takes at least 32 bytes (two sizes, two length prefixes).
        if n_layers > (d.remaining() / 32) as u64 {
            return Err(t("layers"));
        }
        let mut layers = Vec::with_capacity(n_layers as usize);
        for _ in 0..n_layers {
            let input = d.u64().map_err(|_| t("layer input size"))? as usize;
            let output = d.u64().map_err(|_| t("layer output size"))? as usize;
            let weight = d.f32s().map_err(|_| t("layer weights"))?;
            let bias = d.f32s().map_err(|_| t("layer bias"))?;
            layers.push(Dense {
                input,
                output,
                weight,
                bias,
            });
        }
        let untrained = d.u32s().map_err(|_| t("artists without a vector"))?;
        let offsets: Vec<usize> = d
            .u64s()
            .map_err(|_| t("profile offsets"))?
            .into_iter()
            .map(|o| o as usize)
            .collect();
        let profile_items = d.u32s().map_err(|_| t("profile artists"))?;
        let profile_weights = d.f32s().map_err(|_| t("profile weights"))?;
        let stats: TwoTowerStats = serde_json::from_str(&d.str().map_err(|_| t("statistics"))?)
            .map_err(|e| DecodeError(format!("bad statistics JSON: {e}")))?;
        let inconsistent = |e: CoreError| DecodeError(format!("inconsistent payload: {e}"));
        let n = items.len();
        let mut trained = vec![true; n];
        for &j in &untrained {
            *trained
                .get_mut(j as usize)
                .ok_or_else(|| DecodeError(format!("artist {j} out of range")))? = false;
        }
        let profiles = UserProfiles::from_parts(offsets, profile_items, profile_weights, n)
            .map_err(inconsistent)?;
        let artists = Embeddings::new(items, dim, artists).map_err(inconsistent)?;
        let tower = UserTower {
            dim,
            history,
            users: user_table,
            layers,
        };
        TwoTowerModel::new(
            config, users, artists, tower, bias, trained, profiles, stats,
        )
        .map_err(inconsistent)
    }
}
