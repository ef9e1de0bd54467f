//! The hybrid: a weighted blend of the normalised scores of other registered models.
//!
//! Each member is any family of [`member_registry`] (every model of the workspace but the hybrid
//! itself), fitted on the same rows with its own configuration. For a listener, every member
//! scores the whole catalogue ([`Recommender::score_into`]: a training user from their profile, a
//! new listener folded in from their history), the scores are normalised per listener
//! ([`Normalization`]: z-score by default, so that a model whose scores spread wider does not
//! dominate), and the hybrid's score is the weighted sum. Similar artists blend the members'
//! similarity lists the same way.
//!
//! The weights come from the configuration, or — when `fit` is given a validation split
//! (`validation`, `artist2vec fit --validation DIR`) — from a coordinate search that maximises
//! NDCG@10 on it: the members are fitted on the split's `train.tsv`, every listener of its
//! `test.tsv` is scored, and each weight in turn is scaled (×0, ¼, ½, 0.7, 1.4, 2, 4) while the
//! validation NDCG@10 rises; then the members are refitted on the training data with those
//! weights. A member whose tuned weight is 0 is left out of the model.
//!
//! The hybrid lives in the umbrella crate because its members may come from any crate
//! (`artist2vec-models`, `artist2vec-skipgram`, `artist2vec-neural`): only here is the full
//! registry visible, both to fit the members and to load them back from the hybrid's file, which
//! holds every member's own model file (kind, configuration, payload, checksum) inside its
//! payload.

mod tune;

use std::path::{Path, PathBuf};

use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::persist::{DecodeError, Persist};
use artist2vec_core::registry::BoxError;
use artist2vec_core::topk::top_k;
use artist2vec_core::{
    AnyModel, CoreError, Interactions, Model, Neighbor, Observer, Query, Recommender, Registered,
    Registry, SimilarArtists, TrainingData, Vocabulary, check_query,
};
use serde::{Deserialize, Serialize};

pub use tune::Tuned;

/// The most members a hybrid holds.
pub const MAX_MEMBERS: usize = 8;

/// Every model family the hybrid can blend: [`crate::registry`] without the hybrid.
pub fn member_registry() -> Registry {
    let mut r = artist2vec_models::registry();
    r.register::<artist2vec_skipgram::SkipGramConfig>();
    #[cfg(feature = "neural")]
    r.extend(artist2vec_neural::registry());
    r
}

/// One member of a hybrid: a registered model, its configuration and its weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Registry name or alias of the member's family (`"als"`, `"ease"`, `"two-tower"`, …).
    pub model: String,
    /// The member's configuration; fields left out take that family's defaults (`{}`: all).
    #[serde(default)]
    pub config: serde_json::Map<String, serde_json::Value>,
    /// Weight of its normalised scores (>= 0). Default 1.
    #[serde(default = "one")]
    pub weight: f32,
}

fn one() -> f32 {
    1.0
}

impl Member {
    /// A member with the family's default configuration.
    pub fn new(model: &str, weight: f32) -> Self {
        Self {
            model: model.to_owned(),
            config: serde_json::Map::new(),
            weight,
        }
    }

    fn config_json(&self) -> String {
        serde_json::Value::Object(self.config.clone()).to_string()
    }
}

/// How each member's scores for one listener are put on one scale before they are weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Normalization {
    /// `(s − mean) / standard deviation` over the catalogue (default).
    #[default]
    Zscore,
    /// `(s − min) / (max − min)` over the catalogue.
    Minmax,
}

/// Configuration of the hybrid (`hybrid` in the registry).
///
/// The defaults are the members that score best on hetrec-seed42 alone — two-tower, ALS and EASE
/// (ALS and EASE in a build without the `neural` feature), each with its registry defaults — with
/// the weights the coordinate search found on hetrec-seed42-val (see docs/results.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HybridConfig {
    /// The members, at most [`MAX_MEMBERS`], at least one with a positive weight.
    pub members: Vec<Member>,
    /// Per-listener normalisation of each member's scores. Default z-score.
    pub normalization: Normalization,
    /// A validation split (a directory with `train.tsv` and `test.tsv`, as
    /// `artist2vec split` writes them) to tune the weights on; `None`: the weights given.
    pub validation: Option<PathBuf>,
    /// Candidates per member and listener during tuning (1–10,000): the listener's blended top
    /// 10 is taken from the union of each member's top `candidates`. Default 200.
    pub candidates: usize,
    /// Written by `fit` when it tuned: NDCG@10 of the tuned weights on the validation split.
    pub validation_ndcg: Option<f64>,
}

impl Default for HybridConfig {
    fn default() -> Self {
        Self {
            members: default_members(),
            normalization: Normalization::Zscore,
            validation: None,
            candidates: 200,
            validation_ndcg: None,
        }
    }
}

/// The default members and their weights, tuned on hetrec-seed42-val (`artist2vec fit --model
/// hybrid --validation …/hetrec-seed42-val`, z-scores, 200 candidates): validation NDCG@10 0.1959
/// with the burn two-tower model (two-tower alone 0.1883), 0.1901 with ALS and EASE only (ALS
/// alone 0.1875). z-scores of the members spread differently, so the weights are not shares of
/// influence: EASE's small weight still moves ties among the two-tower's and ALS's top artists.
fn default_members() -> Vec<Member> {
    #[cfg(feature = "neural")]
    {
        vec![
            Member::new("two-tower", 0.819),
            Member::new("als", 0.154),
            Member::new("ease", 0.027),
        ]
    }
    #[cfg(not(feature = "neural"))]
    {
        vec![Member::new("als", 0.848), Member::new("ease", 0.152)]
    }
}

impl HybridConfig {
    /// Checks every value, the members' names and their configurations.
    ///
    /// # Errors
    /// A message naming the first bad value.
    pub fn check(&self) -> Result<(), String> {
        if self.members.is_empty() {
            return Err("members: at least one member is needed".into());
        }
        if self.members.len() > MAX_MEMBERS {
            return Err(format!(
                "members: {} given, at most {MAX_MEMBERS}",
                self.members.len()
            ));
        }
        let registry = member_registry();
        for (i, m) in self.members.iter().enumerate() {
            if !(m.weight.is_finite() && m.weight >= 0.0) {
                return Err(format!(
                    "members[{i}] ({}): weight {} (finite and >= 0 expected)",
                    m.model, m.weight
                ));
            }
            let family = registry.get(&m.model).map_err(|e| {
                if m.model.trim().eq_ignore_ascii_case(HybridConfig::NAME) {
                    format!("members[{i}]: a hybrid cannot be a member of a hybrid")
                } else {
                    format!("members[{i}]: {e}")
                }
            })?;
            family
                .check_config_json(&m.config_json())
                .map_err(|e| format!("members[{i}] ({}): {e}", m.model))?;
        }
        if self.validation.is_none() && self.members.iter().all(|m| m.weight == 0.0) {
            return Err("members: every weight is 0; give one a positive weight".into());
        }
        if !(1..=10_000).contains(&self.candidates) {
            return Err(format!(
                "candidates: {} (1 to 10,000 expected)",
                self.candidates
            ));
        }
        match self.validation_ndcg {
            Some(v) if !(0.0..=1.0).contains(&v) => {
                return Err(format!("validation_ndcg: {v} (0 to 1 expected)"));
            }
            _ => {}
        }
        Ok(())
    }
}

/// A fitted hybrid: its members (those with a positive weight) and their weights.
#[derive(Debug)]
pub struct Hybrid {
    config: HybridConfig,
    members: Vec<AnyModel>,
    weights: Vec<f32>,
}

impl Hybrid {
    /// The fitted members, in the configuration's order (zero-weight members left out).
    pub fn members(&self) -> &[AnyModel] {
        &self.members
    }

    /// The members' weights.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// The configuration (with the tuned weights after a fit with a validation split).
    pub fn config(&self) -> &HybridConfig {
        &self.config
    }

    fn new(config: HybridConfig, members: Vec<AnyModel>) -> Result<Self, String> {
        let weights: Vec<f32> = config
            .members
            .iter()
            .map(|m| m.weight)
            .filter(|&w| w > 0.0)
            .collect();
        if weights.len() != members.len() {
            return Err(format!(
                "{} members with a positive weight in the configuration, {} models",
                weights.len(),
                members.len()
            ));
        }
        same_vocabularies(&members)?;
        Ok(Self {
            config,
            members,
            weights,
        })
    }
}

/// Checks that all members know the same users and artists, in the same order.
fn same_vocabularies(members: &[AnyModel]) -> Result<(), String> {
    let Some(first) = members.first() else {
        return Err("no member with a positive weight".into());
    };
    for m in &members[1..] {
        if m.users().ids() != first.users().ids() || m.items().ids() != first.items().ids() {
            return Err(format!(
                "the {} member knows {} users × {} artists, the {} member {} × {}: members must \
                 be fitted on the same rows",
                m.kind(),
                m.n_users(),
                m.n_items(),
                first.kind(),
                first.n_users(),
                first.n_items()
            ));
        }
    }
    Ok(())
}

/// Normalises one listener's scores in place. Scores that are not finite (an artist a member
/// cannot score) count as that member's lowest finite score; all equal scores become 0.
pub fn normalise(scores: &mut [f32], how: Normalization) {
    let (mut n, mut sum, mut lo, mut hi) = (0usize, 0f64, f32::INFINITY, f32::NEG_INFINITY);
    for &s in scores.iter() {
        if s.is_finite() {
            n += 1;
            sum += f64::from(s);
            lo = lo.min(s);
            hi = hi.max(s);
        }
    }
    if n == 0 || hi <= lo {
        scores.fill(0.0);
        return;
    }
    let (shift, scale) = match how {
        Normalization::Zscore => {
            let mean = sum / n as f64;
            let mut ss = 0f64;
            for &s in scores.iter().filter(|s| s.is_finite()) {
                let d = f64::from(s) - mean;
                ss += d * d;
            }
            let sd = (ss / n as f64).sqrt();
            (mean, if sd > 0.0 { 1.0 / sd } else { 0.0 })
        }
        Normalization::Minmax => (f64::from(lo), 1.0 / (f64::from(hi) - f64::from(lo))),
    };
    let floor = ((f64::from(lo) - shift) * scale) as f32;
    for s in scores.iter_mut() {
        *s = if s.is_finite() {
            ((f64::from(*s) - shift) * scale) as f32
        } else {
            floor
        };
    }
}

impl Recommender for Hybrid {
    fn n_items(&self) -> usize {
        self.members[0].n_items()
    }

    fn n_users(&self) -> usize {
        self.members[0].n_users()
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
        scores.fill(0.0);
        let mut buf = vec![0f32; scores.len()];
        for (m, &w) in self.members.iter().zip(&self.weights) {
            m.score_into(query, &mut buf)?;
            normalise(&mut buf, self.config.normalization);
            for (s, &b) in scores.iter_mut().zip(&buf) {
                *s += w * b;
            }
        }
        Ok(())
    }

    fn seen(&self, user: u32) -> Result<&[u32], CoreError> {
        self.members[0].seen(user)
    }
}

impl SimilarArtists for Hybrid {
    /// Blends the members' similarity lists over the whole catalogue, normalised like the
    /// scores (an artist missing from a member's list counts as that member's least similar);
    /// members without a notion of similarity (popularity) are left out.
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<Neighbor>, CoreError> {
        let n = self.n_items();
        if artist as usize >= n {
            return Err(CoreError::IndexOutOfRange {
                kind: "artist",
                index: artist as usize,
                len: n,
            });
        }
        let mut total = vec![0f32; n];
        let mut buf = vec![0f32; n];
        let mut used = 0;
        for (m, &w) in self.members.iter().zip(&self.weights) {
            let Some(sim) = m.similarity() else { continue };
            let list = sim.similar(artist, n)?;
            if list.is_empty() {
                continue;
            }
            buf.fill(f32::NAN);
            for nb in &list {
                buf[nb.item as usize] = nb.score;
            }
            normalise(&mut buf, self.config.normalization);
            for (t, &b) in total.iter_mut().zip(&buf) {
                *t += w * b;
            }
            used += 1;
        }
        if used == 0 {
            return Err(CoreError::Invalid(format!(
                "none of the hybrid's members ({}) has a similar-artist list for artist {artist}",
                self.members
                    .iter()
                    .map(|m| m.kind())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(top_k(&total, k, &[artist]))
    }
}

impl Persist for Hybrid {
    const KIND: &'static str = "hybrid";
    const VERSION: u32 = 1;
    type Config = HybridConfig;

    fn config(&self) -> &HybridConfig {
        &self.config
    }

    fn check_config(config: &HybridConfig) -> Result<(), String> {
        config.check()
    }

    /// The number of members, then each member's whole model file (length-prefixed).
    fn encode(&self, e: &mut Encoder) {
        e.u64(self.members.len() as u64);
        for m in &self.members {
            // A member's configuration always serialises: it was checked when it was fitted.
            let bytes = m.to_bytes().unwrap_or_default();
            e.u64(bytes.len() as u64);
            e.buf.extend_from_slice(&bytes);
        }
    }

    fn decode(config: HybridConfig, _v: u32, d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let n = d.u64()?;
        let expected = config.members.iter().filter(|m| m.weight > 0.0).count();
        if n != expected as u64 {
            return Err(DecodeError(format!(
                "{n} members stored, the configuration has {expected} with a positive weight"
            )));
        }
        let registry = member_registry();
        let mut members = Vec::with_capacity(expected);
        let mut wanted = config.members.iter().filter(|m| m.weight > 0.0);
        for i in 0..expected {
            let len = d.u64()?;
            if len > d.remaining() as u64 {
                return Err(DecodeError(format!(
                    "member {i}: {len} bytes announced, {} left",
                    d.remaining()
                )));
            }
            let bytes = d.bytes(len as usize)?;
            let origin = PathBuf::from(format!("<hybrid member {i}>"));
            let model = registry.load_bytes(bytes, &origin)?;
            let want = wanted.next().map(|m| m.model.as_str()).unwrap_or_default();
            let family = registry.get(want)?;
            if family.file_kind() != model.kind() {
                return Err(DecodeError(format!(
                    "member {i} is a {} model, the configuration names {want}",
                    model.kind()
                )));
            }
            members.push(model);
        }
        Hybrid::new(config, members).map_err(DecodeError)
    }
}

impl Model for Hybrid {
    artist2vec_core::model_persistence!();

    fn users(&self) -> &Vocabulary {
        self.members[0].users()
    }

    fn items(&self) -> &Vocabulary {
        self.members[0].items()
    }

    fn listeners(&self) -> Vec<u32> {
        self.members[0].listeners()
    }

    fn similarity(&self) -> Option<&(dyn SimilarArtists + Sync)> {
        Some(self)
    }

    fn folds_in(&self) -> bool {
        self.members.iter().all(|m| m.folds_in())
    }
}

/// Fits each member with a positive weight on `data`.
fn fit_members(
    registry: &Registry,
    members: &[Member],
    data: &TrainingData<'_>,
    observer: &dyn Observer,
) -> Result<Vec<AnyModel>, CoreError> {
    members
        .iter()
        .filter(|m| m.weight > 0.0)
        .map(|m| registry.fit(&m.model, Some(&m.config_json()), data, observer))
        .collect()
}

/// Reads a validation split: `train.tsv`, then `test.tsv` over the same vocabularies (ids only
/// the test part has are appended, so they can never be recommended).
fn read_validation(dir: &Path) -> Result<(Interactions, Interactions), BoxError> {
    use artist2vec_data::split::read_tsv_into;
    if !dir.is_dir() {
        return Err(format!(
            "validation {}: expected a directory with train.tsv and test.tsv",
            dir.display()
        )
        .into());
    }
    let mut train = Interactions::default();
    read_tsv_into(&dir.join("train.tsv"), &mut train)?;
    if train.is_empty() {
        return Err(format!("{}: no training rows", dir.join("train.tsv").display()).into());
    }
    let mut test = Interactions::new(train.users.clone(), train.items.clone(), false);
    read_tsv_into(&dir.join("test.tsv"), &mut test)?;
    if test.is_empty() {
        return Err(format!("{}: no test rows", dir.join("test.tsv").display()).into());
    }
    Ok((train, test))
}

impl Registered for HybridConfig {
    type Model = Hybrid;
    const NAME: &'static str = "hybrid";
    const ALIASES: &'static [&'static str] = &["blend", "ensemble"];
    const DESCRIPTION: &'static str =
        "weighted blend of other models' normalised scores, weights tuned on a validation split";

    fn registry_default() -> Self {
        Self::default()
    }

    fn fit_data(
        &self,
        data: &TrainingData<'_>,
        observer: &dyn Observer,
    ) -> Result<Hybrid, BoxError> {
        let registry = member_registry();
        let mut config = self.clone();
        if let Some(dir) = &self.validation {
            let (train, test) = read_validation(dir)?;
            // Every member takes part in the search, even one given weight 0.
            let mut all = config.members.clone();
            for m in &mut all {
                m.weight = 1.0;
            }
            let fitted = fit_members(&registry, &all, &TrainingData::new(&train), observer)?;
            same_vocabularies(&fitted)?;
            let given: Vec<f32> = config.members.iter().map(|m| m.weight).collect();
            let tuned = tune::tune(
                &fitted,
                &test,
                config.normalization,
                config.candidates,
                &given,
                observer,
            )?;
            for (m, &w) in config.members.iter_mut().zip(&tuned.weights) {
                m.weight = w;
            }
            config.members.retain(|m| m.weight > 0.0);
            config.validation_ndcg = Some(tuned.ndcg);
        }
        let members = fit_members(&registry, &config.members, data, observer)?;
        Ok(Hybrid::new(config, members)?)
    }
}

#[cfg(test)]
mod tests;
