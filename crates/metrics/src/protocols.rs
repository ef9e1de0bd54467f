//! The five evaluation protocols of the seed notebooks (`DESIGN.md`), each a function that scores
//! any model implementing the shared traits of `artist2vec-core` ([`Recommender`],
//! [`SimilarArtists`]) and returns **per-unit** scores ([`ProtocolScores`]: one [`Scores`] per
//! metric, over users, sequences or artists) for the statistical tests of `artist2vec-stats`;
//! and the **subsample–retrain driver** ([`subsample_retrain`]) the notebooks used to get several
//! independent estimates of each model's mean.
//!
//! | # | protocol | function | unit | metrics |
//! |---|---|---|---|---|
//! | 1 | global time split, graded relevance, users' vectors | [`time_split`] | user | precision@1, precision@10, map@20, ndcg@20 (gain = play count) |
//! | 2 | next artist in a session or playlist, repeats removed, nearest neighbour | [`next_artist`] | sequence | accuracy, hit_rate@k, mrr@k |
//! | 3 | hide one of each user's top-6 artists | [`hidden_artist`] | user | hit_rate@10 |
//! | 4 | cold-start artists, vectors from content only | [`cold_start`] | cold artist | map@k, precision@k, ndcg@k |
//! | 5 | session next-item at every step | [`session_next_item`] | sequence | map@20, precision@20, hit_rate@20, accuracy |
//!
//! The splits themselves (global time split at the 60th/80th percentiles, hide one of the top
//! n, cold-start artists, …) are made by `artist2vec-data`'s `split` module; these functions take
//! their train/test tables in the dense index space of the model.
//!
//! ```
//! use artist2vec_core::{CoreError, Interactions, Query, Recommender, Vocabulary};
//! use artist2vec_metrics::protocols::{hidden_artist, subsample_retrain, SubsampleConfig};
//!
//! /// Recommends artists by global popularity (a fixed score per artist).
//! struct Pop { pop: Vec<f32>, seen: Vec<Vec<u32>> }
//! impl Recommender for Pop {
//!     fn n_items(&self) -> usize { self.pop.len() }
//!     fn n_users(&self) -> usize { self.seen.len() }
//!     fn score_into(&self, _: &Query<'_>, s: &mut [f32]) -> Result<(), CoreError> {
//!         s.copy_from_slice(&self.pop);
//!         Ok(())
//!     }
//!     fn seen(&self, u: u32) -> Result<&[u32], CoreError> { Ok(&self.seen[u as usize]) }
//! }
//!
//! let vocab = |n: usize| Vocabulary::from_ids((0..n).map(|i| i.to_string())).unwrap();
//! // Two users; each had one of their artists hidden: user 0 artist 3, user 1 artist 0.
//! let mut test = Interactions::new(vocab(2), vocab(4), false);
//! test.push(0, 3, 1.0, None);
//! test.push(1, 0, 1.0, None);
//! let model = Pop { pop: vec![0.1, 0.2, 0.3, 0.4], seen: vec![vec![1], vec![3, 2]] };
//! let s = hidden_artist(&model, &test, 1)?;
//! // User 0 gets artist 3 first (a hit); user 1 gets artist 1 (artists 3 and 2 are seen).
//! assert_eq!(s.get("hit_rate@1").unwrap().values, vec![1.0, 0.0]);
//!
//! // The driver: 3 seeded half-size subsamples of the users, one mean per run and model.
//! let runs = subsample_retrain(&[0, 1], &SubsampleConfig::new(3, 0.5).with_seed(7), &["pop"],
//!     |_model, _run, users| {
//!         let mut t = test.clone();
//!         t.retain(|r| users.binary_search(&r.user).is_ok());
//!         hidden_artist(&model, &t, 1)
//!     })?;
//! assert_eq!(runs.means("pop", "hit_rate@1").unwrap().len(), 3);
//! # Ok::<(), artist2vec_metrics::MetricsError>(())
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use artist2vec_core::{CoreError, Interactions, Neighbor, Query, Recommender, SimilarArtists};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::batch::Scores;
use crate::error::{MetricsError, Result};
use crate::ranking::{Gain, Metric};
use crate::sequence::next_item_per_sequence;

/// The per-unit scores of one protocol run: one [`Scores`] per metric, all over the same units
/// (in the same order), plus what was left out and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtocolScores {
    /// What a unit is: `user`, `sequence` or `artist`.
    pub unit: String,
    /// `(key, per-unit scores)`, keys such as `ndcg@20`, in the protocol's order.
    pub metrics: Vec<(String, Scores)>,
    /// Units left out, by reason (e.g. sequences shorter than two artists after removing
    /// repeats). Nothing is dropped without being counted here.
    pub skipped: Vec<(String, usize)>,
}

impl ProtocolScores {
    /// The per-unit scores of metric `key` (e.g. `"hit_rate@10"`).
    pub fn get(&self, key: &str) -> Option<&Scores> {
        self.metrics.iter().find(|(k, _)| k == key).map(|(_, s)| s)
    }

    /// The mean of metric `key` over the units.
    pub fn mean(&self, key: &str) -> Option<f64> {
        self.get(key).map(Scores::mean)
    }

    /// `(key, mean)` for every metric, in order.
    pub fn means(&self) -> Vec<(String, f64)> {
        self.metrics
            .iter()
            .map(|(k, s)| (k.clone(), s.mean()))
            .collect()
    }

    /// The evaluated unit ids (the same for every metric).
    pub fn units(&self) -> &[u32] {
        match self.metrics.first() {
            Some((_, s)) => &s.ids,
            None => &[],
        }
    }

    /// The number of units left out, all reasons together.
    pub fn total_skipped(&self) -> usize {
        self.skipped.iter().map(|(_, n)| n).sum()
    }
}

fn core(e: CoreError) -> MetricsError {
    MetricsError::Model(e)
}

fn check_k(k: usize) -> Result<()> {
    if k == 0 {
        Err(MetricsError::InvalidK(k))
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Protocols 1 and 3: held-out interactions of known users.
// ---------------------------------------------------------------------------------------------

/// What [`holdout`] measures: metrics at cut-offs, and whether the artists a user had in
/// training may be recommended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutConfig {
    /// `(metric, k)` pairs, scored in this order; the key of each is [`Metric::key`].
    pub metrics: Vec<(Metric, usize)>,
    /// Leave each user's training artists out of the recommendations.
    pub exclude_seen: bool,
}

impl HoldoutConfig {
    /// Protocol 1 (global time split): precision@1, precision@10, MAP@20 and NDCG@20 with the
    /// test play counts as grades (linear gain). Training artists are **not** excluded: in music,
    /// most of what a listener plays next period is what they played before, and the notebooks
    /// scored those plays.
    pub fn time_split() -> Self {
        Self {
            metrics: vec![
                (Metric::Precision, 1),
                (Metric::Precision, 10),
                (Metric::Map, 20),
                (Metric::Ndcg(Gain::Linear), 20),
            ],
            exclude_seen: false,
        }
    }

    /// Protocol 3 (hide one of the top-6 artists): hit rate@k with training artists excluded
    /// (the notebooks used k = 10).
    pub fn hidden_artist(k: usize) -> Self {
        Self {
            metrics: vec![(Metric::HitRate, k)],
            exclude_seen: true,
        }
    }
}

/// Scores the held-out interactions `test` of users the model was trained on: every user with a
/// test row gets `model.recommend(User(u), max k, exclude_seen)`, judged against their test
/// artists graded by the summed test weight (play count). Units are the test users, ascending.
///
/// # Errors
/// [`MetricsError::InvalidK`] for a zero cut-off; [`MetricsError::EmptyInput`] if `test` has no
/// rows or the configuration no metrics; [`MetricsError::Model`] for a test user or artist
/// outside the model's index range.
pub fn holdout<R: Recommender + ?Sized>(
    model: &R,
    test: &Interactions,
    config: &HoldoutConfig,
) -> Result<ProtocolScores> {
    if config.metrics.is_empty() {
        return Err(MetricsError::EmptyInput {
            what: "metric list",
            origin: Some("holdout protocol".into()),
        });
    }
    for &(_, k) in &config.metrics {
        check_k(k)?;
    }
    if test.is_empty() {
        return Err(MetricsError::EmptyInput {
            what: "test set",
            origin: Some("holdout protocol".into()),
        });
    }
    let mut graded: BTreeMap<u32, HashMap<u32, f64>> = BTreeMap::new();
    for r in test.iter() {
        if r.item as usize >= model.n_items() {
            return Err(core(CoreError::IndexOutOfRange {
                kind: "artist",
                index: r.item as usize,
                len: model.n_items(),
            }));
        }
        *graded
            .entry(r.user)
            .or_default()
            .entry(r.item)
            .or_insert(0.0) += f64::from(r.weight);
    }
    let users: Vec<u32> = graded.keys().copied().collect();
    let kmax = config.metrics.iter().map(|m| m.1).max().unwrap_or(1);
    let recs = model
        .recommend_users(&users, kmax, config.exclude_seen)
        .map_err(core)?;
    let metrics = config
        .metrics
        .iter()
        .map(|&(metric, k)| {
            let values = users
                .iter()
                .zip(&recs)
                .map(|(u, list)| {
                    let ranked: Vec<u32> = list.iter().map(|n| n.item).collect();
                    metric.score(&ranked, &graded[u], k)
                })
                .collect();
            (
                metric.key(k),
                Scores {
                    ids: users.clone(),
                    values,
                },
            )
        })
        .collect();
    Ok(ProtocolScores {
        unit: "user".into(),
        metrics,
        skipped: Vec::new(),
    })
}

/// Protocol 1: the global time split ([`HoldoutConfig::time_split`]). `test` holds the plays of
/// the test period (one row per play, or per-artist counts); the model was trained on the
/// training period with the same user and artist indices.
///
/// # Errors
/// As [`holdout`].
pub fn time_split<R: Recommender + ?Sized>(
    model: &R,
    test: &Interactions,
) -> Result<ProtocolScores> {
    holdout(model, test, &HoldoutConfig::time_split())
}

/// Protocol 3: each user's hidden artist (from `hide_one_of_top_n`) against the top `k` of the
/// user's recommendations, training artists excluded; hit rate@k per user.
///
/// # Errors
/// As [`holdout`].
pub fn hidden_artist<R: Recommender + ?Sized>(
    model: &R,
    test: &Interactions,
    k: usize,
) -> Result<ProtocolScores> {
    holdout(model, test, &HoldoutConfig::hidden_artist(k))
}

// ---------------------------------------------------------------------------------------------
// Protocols 2 and 5: sequences.
// ---------------------------------------------------------------------------------------------

/// The distinct artists of `sequence` in order of first appearance (the notebooks' "repeats
/// removed").
///
/// ```
/// assert_eq!(artist2vec_metrics::protocols::distinct_in_order(&[3, 1, 3, 2, 1]), vec![3, 1, 2]);
/// ```
pub fn distinct_in_order(sequence: &[u32]) -> Vec<u32> {
    let mut seen = HashSet::with_capacity(sequence.len());
    sequence
        .iter()
        .copied()
        .filter(|a| seen.insert(*a))
        .collect()
}

/// Settings of [`next_artist`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NextArtistConfig {
    /// How many neighbours of artist n are listed (hit rate and MRR at this cut-off; accuracy
    /// is always the first neighbour).
    pub k: usize,
    /// Remove repeated artists from each sequence first (keep the first appearance).
    pub remove_repeats: bool,
}

impl Default for NextArtistConfig {
    /// The notebook's protocol: the nearest neighbour only, repeats removed.
    fn default() -> Self {
        Self {
            k: 1,
            remove_repeats: true,
        }
    }
}

/// Sequences ready for evaluation: (unit ids, sequences, skipped counts by reason).
type Prepared = (Vec<u32>, Vec<Vec<u32>>, Vec<(String, usize)>);

/// Prepares sequences: repeats removed if asked, artists outside `known` dropped, sequences of
/// fewer than two artists counted and left out.
fn prepare_sequences<S: AsRef<[u32]>>(
    sequences: &[S],
    remove_repeats: bool,
    known: Option<&[bool]>,
    n_items: usize,
) -> Result<Prepared> {
    if sequences.is_empty() {
        return Err(MetricsError::EmptyInput {
            what: "sequence collection",
            origin: None,
        });
    }
    let (mut ids, mut kept) = (Vec::new(), Vec::new());
    let (mut short, mut unknown_plays) = (0usize, 0usize);
    for (i, s) in sequences.iter().enumerate() {
        let s = s.as_ref();
        if let Some(&a) = s.iter().find(|&&a| a as usize >= n_items) {
            return Err(core(CoreError::IndexOutOfRange {
                kind: "artist",
                index: a as usize,
                len: n_items,
            }));
        }
        let mut v: Vec<u32> = match known {
            Some(mask) => s
                .iter()
                .copied()
                .filter(|&a| mask.get(a as usize).copied().unwrap_or(false))
                .collect(),
            None => s.to_vec(),
        };
        unknown_plays += s.len() - v.len();
        if remove_repeats {
            v = distinct_in_order(&v);
        }
        if v.len() < 2 {
            short += 1;
        } else {
            ids.push(i as u32);
            kept.push(v);
        }
    }
    let mut skipped = vec![(
        "sequences with fewer than 2 artists to evaluate".to_string(),
        short,
    )];
    if known.is_some() {
        skipped.push((
            "plays of artists not seen in training (removed from sequences)".to_string(),
            unknown_plays,
        ));
    }
    if kept.is_empty() {
        return Err(MetricsError::EmptyInput {
            what: "set of sequences with at least 2 artists",
            origin: None,
        });
    }
    Ok((ids, kept, skipped))
}

fn with_ids(mut s: Scores, ids: &[u32]) -> Scores {
    s.ids = ids.to_vec();
    s
}

/// Protocol 2: within each sequence (a session or playlist; repeated artists removed by default),
/// predict artist n+1 as the nearest neighbour of artist n (`model.similar(n, k)`), and score
/// each sequence by its share of correct predictions (accuracy), hit rate@k and MRR@k. Units are
/// the indices of the input sequences; sequences with fewer than two distinct artists are counted
/// in `skipped`.
///
/// The neighbours of every distinct query artist are computed once, in parallel, so 8,000
/// playlists take a fraction of a second (the notebook took 48 minutes).
///
/// # Errors
/// [`MetricsError::InvalidK`], [`MetricsError::EmptyInput`] when no sequence has two artists, and
/// the model's errors as [`MetricsError::Model`] (e.g. an artist outside its vocabulary, whose
/// size is `n_items`) — except [`CoreError::Invalid`] ("no vector for this artist"), which makes
/// that artist's steps misses and is counted in `skipped`.
pub fn next_artist<M: SimilarArtists + Sync + ?Sized, S: AsRef<[u32]>>(
    model: &M,
    sequences: &[S],
    n_items: usize,
    config: &NextArtistConfig,
) -> Result<ProtocolScores> {
    check_k(config.k)?;
    let (ids, seqs, skipped) = prepare_sequences(sequences, config.remove_repeats, None, n_items)?;
    let mut asked = vec![false; n_items];
    for s in &seqs {
        for &a in &s[..s.len() - 1] {
            asked[a as usize] = true;
        }
    }
    let queries: Vec<u32> = (0..n_items as u32).filter(|&a| asked[a as usize]).collect();
    // An artist the model has no vector for (e.g. below skip-gram's min_count) predicts
    // nothing: its steps are misses, and such artists are counted.
    // Batched calls over chunks of queries (models backed by vector tables scan them once per
    // block of queries); a chunk in which some artist has no vector is asked one artist at a
    // time, so one such artist does not slow down the rest.
    let items = |v: Vec<Neighbor>| v.into_iter().map(|n| n.item).collect::<Vec<u32>>();
    let mut lists: Vec<Option<Vec<u32>>> = Vec::with_capacity(queries.len());
    for chunk in queries.chunks(512) {
        match model.similar_batch(chunk, config.k) {
            Ok(all) => lists.extend(all.into_iter().map(|v| Some(items(v)))),
            Err(CoreError::Invalid(_)) => {
                let one: Vec<Option<Vec<u32>>> = chunk
                    .par_iter()
                    .map(|&a| match model.similar(a, config.k) {
                        Ok(v) => Ok(Some(items(v))),
                        Err(CoreError::Invalid(_)) => Ok(None),
                        Err(e) => Err(e),
                    })
                    .collect::<std::result::Result<_, CoreError>>()
                    .map_err(core)?;
                lists.extend(one);
            }
            Err(e) => return Err(core(e)),
        }
    }
    let mut table: Vec<&[u32]> = vec![&[]; n_items];
    let mut no_vector = 0usize;
    for (&a, l) in queries.iter().zip(&lists) {
        match l {
            Some(l) => table[a as usize] = l,
            None => no_vector += 1,
        }
    }
    let mut skipped = skipped;
    skipped.push((
        "query artists without a vector in the model (their steps count as misses)".into(),
        no_vector,
    ));
    let r = next_item_per_sequence(&seqs, config.k, |prefix: &[u32]| {
        table[prefix[prefix.len() - 1] as usize].to_vec()
    })?;
    Ok(ProtocolScores {
        unit: "sequence".into(),
        metrics: vec![
            ("accuracy".into(), with_ids(r.accuracy, &ids)),
            (format!("hit_rate@{}", config.k), with_ids(r.hit_rate, &ids)),
            (format!("mrr@{}", config.k), with_ids(r.mrr, &ids)),
        ],
        skipped,
    })
}

/// Settings of [`session_next_item`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SessionNextItemConfig {
    /// Cut-off of MAP, precision and hit rate (the notebooks: 20).
    pub k: usize,
    /// Leave the artists already in the session prefix out of each step's recommendations.
    pub exclude_history: bool,
    /// Remove repeated artists from each sequence first.
    pub remove_repeats: bool,
}

impl Default for SessionNextItemConfig {
    /// k = 20, history not excluded, repeats kept (the GRU protocol predicts every next play).
    fn default() -> Self {
        Self {
            k: 20,
            exclude_history: false,
            remove_repeats: false,
        }
    }
}

/// Protocol 5: session next-item at every step. For each test sequence `[a0, …, an]` and each
/// step `t < n`, the model is asked for the top `k` given the history `a0..=at` (as
/// [`Query::History`], in play order, weight 1 per play) and `a(t+1)` is the one relevant
/// artist. Per sequence, the mean over its steps of: AP@k (with one relevant item, 1/rank within
/// the top k: `map@k`), precision@k (hit / k), hit rate@k and accuracy (hit at rank 1).
///
/// Artists not seen in training are masked out of the sequences first when `trained` is given
/// (`trained[a]` = artist `a` had training data), as session-based evaluations do: a model cannot
/// predict what it never saw. Units are the indices of the input sequences.
///
/// # Errors
/// As [`next_artist`]; the model's errors as [`MetricsError::Model`].
pub fn session_next_item<R: Recommender + ?Sized, S: AsRef<[u32]>>(
    model: &R,
    sequences: &[S],
    trained: Option<&[bool]>,
    config: &SessionNextItemConfig,
) -> Result<ProtocolScores> {
    check_k(config.k)?;
    let (ids, seqs, skipped) =
        prepare_sequences(sequences, config.remove_repeats, trained, model.n_items())?;
    let failure: Mutex<Option<CoreError>> = Mutex::new(None);
    let r = next_item_per_sequence(&seqs, config.k, |prefix: &[u32]| {
        let history: Vec<(u32, f32)> = prefix.iter().map(|&a| (a, 1.0)).collect();
        match model.recommend(&Query::History(&history), config.k, config.exclude_history) {
            Ok(list) => list.into_iter().map(|n| n.item).collect(),
            Err(e) => {
                failure
                    .lock()
                    .expect("no panics hold this lock")
                    .get_or_insert(e);
                Vec::new()
            }
        }
    })?;
    if let Some(e) = failure.into_inner().expect("no panics hold this lock") {
        return Err(core(e));
    }
    let k = config.k;
    let precision = Scores {
        ids: ids.clone(),
        values: r.hit_rate.values.iter().map(|h| h / k as f64).collect(),
    };
    Ok(ProtocolScores {
        unit: "sequence".into(),
        metrics: vec![
            (format!("map@{k}"), with_ids(r.mrr, &ids)),
            (format!("precision@{k}"), precision),
            (format!("hit_rate@{k}"), with_ids(r.hit_rate, &ids)),
            ("accuracy".into(), with_ids(r.accuracy, &ids)),
        ],
        skipped,
    })
}

// ---------------------------------------------------------------------------------------------
// Protocol 4: cold-start artists.
// ---------------------------------------------------------------------------------------------

/// Protocol 4: artists unseen in training (those with rows in `test` and none in `train`, as
/// `cold_start_artists` splits them) get their neighbours from a content model alone (e.g.
/// tag vectors); each cold artist's top `k` *warm* neighbours (artists with training data) are
/// judged against the warm artists that share at least one listener with it (its test listeners'
/// training artists). Scores per cold artist: MAP@k (normalised by min(k, |R|)), precision@k and
/// binary NDCG@k. Cold artists none of whose listeners has training data are counted in
/// `skipped`.
///
/// # Errors
/// [`MetricsError::InvalidK`]; [`MetricsError::EmptyInput`] if there is no cold artist with a
/// relevant warm artist; the content model's errors as [`MetricsError::Model`].
pub fn cold_start<M: SimilarArtists + Sync + ?Sized>(
    content: &M,
    train: &Interactions,
    test: &Interactions,
    k: usize,
) -> Result<ProtocolScores> {
    check_k(k)?;
    let n_items = train.n_items().max(test.n_items());
    let mut warm = vec![false; n_items];
    let mut by_user: BTreeMap<u32, HashSet<u32>> = BTreeMap::new();
    for r in train.iter() {
        warm[r.item as usize] = true;
        by_user.entry(r.user).or_default().insert(r.item);
    }
    let mut listeners: BTreeMap<u32, HashSet<u32>> = BTreeMap::new();
    for r in test.iter() {
        if !warm[r.item as usize] {
            listeners.entry(r.item).or_default().insert(r.user);
        }
    }
    if listeners.is_empty() {
        return Err(MetricsError::EmptyInput {
            what: "set of cold-start artists (test artists without training rows)",
            origin: None,
        });
    }
    let n_cold = listeners.len();
    let mut units = Vec::new();
    let mut relevant = Vec::new();
    let mut no_relevant = 0usize;
    for (&c, users) in &listeners {
        let rel: HashSet<u32> = users
            .iter()
            .filter_map(|u| by_user.get(u))
            .flatten()
            .copied()
            .collect();
        if rel.is_empty() {
            no_relevant += 1;
        } else {
            units.push(c);
            relevant.push(rel);
        }
    }
    if units.is_empty() {
        return Err(MetricsError::EmptyInput {
            what: "set of cold-start artists with a listener who has training data",
            origin: None,
        });
    }
    // Ask for enough neighbours that k warm ones remain after dropping the cold ones.
    let lists: Vec<Vec<u32>> = content
        .similar_batch(&units, k + n_cold)
        .map_err(core)?
        .into_iter()
        .map(|v| {
            v.into_iter()
                .map(|n| n.item)
                .filter(|&a| (a as usize) < n_items && warm[a as usize])
                .take(k)
                .collect()
        })
        .collect();
    let column = |metric: Metric| Scores {
        ids: units.clone(),
        values: lists
            .iter()
            .zip(&relevant)
            .map(|(l, r)| metric.score(l, r, k))
            .collect(),
    };
    Ok(ProtocolScores {
        unit: "artist".into(),
        metrics: vec![
            (Metric::Map.key(k), column(Metric::Map)),
            (Metric::Precision.key(k), column(Metric::Precision)),
            (
                Metric::Ndcg(Gain::Linear).key(k),
                column(Metric::Ndcg(Gain::Linear)),
            ),
        ],
        skipped: vec![(
            "cold artists none of whose listeners has training data".into(),
            no_relevant,
        )],
    })
}

// ---------------------------------------------------------------------------------------------
// The subsample–retrain driver.
// ---------------------------------------------------------------------------------------------

/// How many seeded subsamples of units (users or sessions) to draw, and how large.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SubsampleConfig {
    /// Number of runs R.
    pub runs: usize,
    /// Fraction of the units in each subsample, in (0, 1]; each subsample has
    /// `max(1, round(fraction · n))` units.
    pub fraction: f64,
    /// Seed of the draws; run `r` uses its own stream derived from it.
    pub seed: u64,
}

impl SubsampleConfig {
    /// `runs` subsamples of `fraction` of the units, seed 0.
    pub fn new(runs: usize, fraction: f64) -> Self {
        Self {
            runs,
            fraction,
            seed: 0,
        }
    }

    /// The first notebook's design: 5 subsamples of 50 % (then Mann–Whitney U on the 5 means).
    pub fn five_halves() -> Self {
        Self::new(5, 0.5)
    }

    /// The third notebook's design: 30 subsamples of 10 % (then a two-sample t-test).
    pub fn thirty_tenths() -> Self {
        Self::new(30, 0.1)
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the values.
    ///
    /// # Errors
    /// [`MetricsError::InvalidConfig`] for zero runs or a fraction outside (0, 1].
    pub fn validate(&self) -> Result<()> {
        if self.runs == 0 {
            return Err(MetricsError::InvalidConfig {
                name: "runs",
                value: "0".into(),
                reason: "at least one subsample is needed",
            });
        }
        if !(self.fraction > 0.0 && self.fraction <= 1.0) {
            return Err(MetricsError::InvalidConfig {
                name: "fraction",
                value: self.fraction.to_string(),
                reason: "must be in (0, 1]",
            });
        }
        Ok(())
    }

    /// The `runs` subsamples of `units`, each sorted ascending. The same seed, units and
    /// settings give the same subsamples on every machine.
    ///
    /// # Errors
    /// As [`validate`](Self::validate); [`MetricsError::EmptyInput`] for no units.
    pub fn draw(&self, units: &[u32]) -> Result<Vec<Vec<u32>>> {
        self.validate()?;
        if units.is_empty() {
            return Err(MetricsError::EmptyInput {
                what: "unit list",
                origin: Some("subsampling".into()),
            });
        }
        let size = ((self.fraction * units.len() as f64).round() as usize).clamp(1, units.len());
        Ok((0..self.runs)
            .map(|run| {
                let stream = self
                    .seed
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    .wrapping_add(run as u64);
                let mut rng = StdRng::seed_from_u64(stream);
                let mut v = units.to_vec();
                v.shuffle(&mut rng);
                v.truncate(size);
                v.sort_unstable();
                v
            })
            .collect())
    }
}

/// The per-run means of every model and metric from [`subsample_retrain`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubsampleRuns {
    /// The settings used.
    pub config: SubsampleConfig,
    /// Units per subsample.
    pub subsample_size: usize,
    /// `model → metric → one mean per run` (in run order).
    pub means: BTreeMap<String, BTreeMap<String, Vec<f64>>>,
}

impl SubsampleRuns {
    /// The per-run means of `metric` for `model`, ready for `mann_whitney_u` or a t-test.
    pub fn means(&self, model: &str, metric: &str) -> Option<&[f64]> {
        self.means.get(model)?.get(metric).map(Vec::as_slice)
    }

    /// The mean over runs of the per-run means of `metric` for `model`.
    pub fn grand_mean(&self, model: &str, metric: &str) -> Option<f64> {
        self.means(model, metric).map(crate::numeric::mean)
    }
}

/// The subsample–retrain driver: draws `config.runs` seeded subsamples of `units` (users or
/// sessions) and, for every run and every model, calls `evaluate(model, run, subsample)` — which
/// fits the model on that subsample's training data and runs a protocol on its test data —
/// keeping the mean of each metric. The per-run means of two models are the samples the
/// notebooks compared with Mann–Whitney U (5 × 50 %) or a two-sample t-test (30 × 10 %).
///
/// Runs are sequential (each fit uses all cores itself); the subsamples are the same for every
/// model, so the runs can also be compared pairwise.
///
/// # Errors
/// A bad configuration or empty `units` (converted into `E`), or the first error of `evaluate`.
pub fn subsample_retrain<E, F>(
    units: &[u32],
    config: &SubsampleConfig,
    models: &[&str],
    mut evaluate: F,
) -> std::result::Result<SubsampleRuns, E>
where
    E: From<MetricsError>,
    F: FnMut(&str, usize, &[u32]) -> std::result::Result<ProtocolScores, E>,
{
    if models.is_empty() {
        return Err(MetricsError::EmptyInput {
            what: "model list",
            origin: Some("subsample_retrain".into()),
        }
        .into());
    }
    let subsets = config.draw(units)?;
    let mut means: BTreeMap<String, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
    for (run, subset) in subsets.iter().enumerate() {
        for &model in models {
            let scores = evaluate(model, run, subset)?;
            let entry = means.entry(model.to_string()).or_default();
            for (key, mean) in scores.means() {
                entry.entry(key).or_default().push(mean);
            }
        }
    }
    Ok(SubsampleRuns {
        config: *config,
        subsample_size: subsets[0].len(),
        means,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use artist2vec_core::Vocabulary;

    fn vocab(n: usize) -> Vocabulary {
        Vocabulary::from_ids((0..n).map(|i| i.to_string())).unwrap()
    }

    /// Scores artist i as `taste[u][i]` for known users, and for a history the next index after
    /// the last artist highest ("a → a + 1").
    struct Table {
        taste: Vec<Vec<f32>>,
        seen: Vec<Vec<u32>>,
        n: usize,
    }

    impl Recommender for Table {
        fn n_items(&self) -> usize {
            self.n
        }
        fn n_users(&self) -> usize {
            self.taste.len()
        }
        fn score_into(&self, q: &Query<'_>, s: &mut [f32]) -> std::result::Result<(), CoreError> {
            match q {
                Query::User(u) => s.copy_from_slice(&self.taste[*u as usize]),
                Query::History(h) => {
                    let last = h.last().unwrap().0 as usize;
                    for (i, v) in s.iter_mut().enumerate() {
                        *v = if i == (last + 1) % self.n { 1.0 } else { 0.0 };
                    }
                }
            }
            Ok(())
        }
        fn seen(&self, u: u32) -> std::result::Result<&[u32], CoreError> {
            Ok(&self.seen[u as usize])
        }
    }

    /// Similar artists: a → a+1, a+2, … (mod n).
    struct Ring(u32);
    impl SimilarArtists for Ring {
        fn similar(&self, a: u32, k: usize) -> std::result::Result<Vec<Neighbor>, CoreError> {
            if a >= self.0 {
                return Err(CoreError::IndexOutOfRange {
                    kind: "artist",
                    index: a as usize,
                    len: self.0 as usize,
                });
            }
            Ok((1..=k as u32)
                .map(|d| Neighbor {
                    item: (a + d) % self.0,
                    score: 1.0 / d as f32,
                })
                .collect())
        }
    }

    #[test]
    fn time_split_grades_by_play_count() {
        // User 0 ranks 2 > 1 > 0 > 3; test plays: artist 1 ×3, artist 3 ×1.
        let model = Table {
            taste: vec![vec![0.2, 0.5, 0.9, 0.1], vec![0.9, 0.5, 0.2, 0.1]],
            seen: vec![vec![2], vec![]],
            n: 4,
        };
        let mut test = Interactions::new(vocab(2), vocab(4), false);
        for _ in 0..3 {
            test.push(0, 1, 1.0, None);
        }
        test.push(0, 3, 1.0, None);
        test.push(1, 0, 2.0, None);
        let s = time_split(&model, &test).unwrap();
        assert_eq!(s.units(), &[0, 1]);
        // Seen artists are not excluded: user 0's list is [2, 1, 0, 3].
        assert_eq!(s.get("precision@1").unwrap().values, vec![0.0, 1.0]);
        assert_eq!(s.get("precision@10").unwrap().values, vec![0.2, 0.1]);
        // AP@20 user 0: hits at ranks 2 and 4: (1/2 + 2/4) / min(20, 2) = 0.5.
        assert_eq!(s.get("map@20").unwrap().values[0], 0.5);
        // NDCG@20 user 0, gains 3 (rank 2) and 1 (rank 4); ideal 3, 1 at ranks 1, 2.
        let dcg = 3.0 / 3f64.log2() + 1.0 / 5f64.log2();
        let idcg = 3.0 + 1.0 / 3f64.log2();
        assert!((s.get("ndcg@20").unwrap().values[0] - dcg / idcg).abs() < 1e-12);
        assert_eq!(s.get("ndcg@20").unwrap().values[1], 1.0);
        assert_eq!(s.mean("precision@1"), Some(0.5));
    }

    #[test]
    fn hidden_artist_excludes_seen_and_checks_range() {
        let model = Table {
            taste: vec![vec![0.2, 0.5, 0.9, 0.1]],
            seen: vec![vec![2]],
            n: 4,
        };
        let mut test = Interactions::new(vocab(1), vocab(4), false);
        test.push(0, 1, 1.0, None);
        let s = hidden_artist(&model, &test, 1).unwrap();
        assert_eq!(s.get("hit_rate@1").unwrap().values, vec![1.0]);
        let mut bad = Interactions::new(vocab(2), vocab(4), false);
        bad.push(1, 1, 1.0, None);
        assert!(matches!(
            hidden_artist(&model, &bad, 1),
            Err(MetricsError::Model(CoreError::IndexOutOfRange {
                kind: "user",
                ..
            }))
        ));
        let empty = Interactions::new(vocab(1), vocab(4), false);
        assert!(matches!(
            hidden_artist(&model, &empty, 1),
            Err(MetricsError::EmptyInput { .. })
        ));
        assert!(matches!(
            hidden_artist(&model, &test, 0),
            Err(MetricsError::InvalidK(0))
        ));
    }

    #[test]
    fn next_artist_removes_repeats_and_counts_short_sequences() {
        let seqs = vec![
            vec![0, 1, 1, 2, 5], // distinct 0 1 2 5: steps 0→1 ✓, 1→2 ✓, 2→5 ✗
            vec![3, 3],          // one distinct artist: skipped
            vec![4, 0],          // 4→0: ring of 6 predicts 5 ✗ (k = 1), within top 2 ✓
        ];
        let s = next_artist(&Ring(6), &seqs, 6, &NextArtistConfig::default()).unwrap();
        assert_eq!(s.units(), &[0, 2]);
        assert_eq!(s.get("accuracy").unwrap().values, vec![2.0 / 3.0, 0.0]);
        assert_eq!(s.skipped[0].1, 1);
        assert_eq!(s.skipped[1].1, 0);
        let s2 = next_artist(
            &Ring(6),
            &seqs,
            6,
            &NextArtistConfig {
                k: 2,
                remove_repeats: true,
            },
        )
        .unwrap();
        assert_eq!(s2.get("hit_rate@2").unwrap().values, vec![2.0 / 3.0, 1.0]);
        assert_eq!(s2.get("mrr@2").unwrap().values, vec![2.0 / 3.0, 0.5]);
        // With repeats kept, 1→1 is a step (and a miss).
        let s3 = next_artist(
            &Ring(6),
            &seqs,
            6,
            &NextArtistConfig {
                k: 1,
                remove_repeats: false,
            },
        )
        .unwrap();
        assert_eq!(s3.get("accuracy").unwrap().values[0], 0.5);
        assert_eq!(s3.units(), &[0, 1, 2]);
        // Artist outside the catalogue.
        assert!(matches!(
            next_artist(&Ring(6), &[vec![0, 9]], 6, &NextArtistConfig::default()),
            Err(MetricsError::Model(_))
        ));
    }

    #[test]
    fn session_next_item_masks_unknown_artists() {
        let model = Table {
            taste: vec![],
            seen: vec![],
            n: 5,
        };
        // a → a+1 is the model's belief. Sequence [0, 1, 3, 4] with 3 unknown → [0, 1, 4]:
        // steps 0→1 hit at rank 1, 1→4: predicts 2 first; 4 scores 0 like the rest.
        let known = [true, true, true, false, true];
        let cfg = SessionNextItemConfig {
            k: 1,
            ..Default::default()
        };
        let s =
            session_next_item(&model, &[vec![0, 1, 3, 4], vec![3, 2]], Some(&known), &cfg).unwrap();
        assert_eq!(s.units(), &[0]);
        assert_eq!(s.get("map@1").unwrap().values, vec![0.5]);
        assert_eq!(s.get("precision@1").unwrap().values, vec![0.5]);
        assert_eq!(s.get("accuracy").unwrap().values, vec![0.5]);
        assert_eq!(
            s.skipped,
            vec![
                ("sequences with fewer than 2 artists to evaluate".into(), 1),
                (
                    "plays of artists not seen in training (removed from sequences)".into(),
                    2
                )
            ]
        );
        // Without a mask every step of a → a + 1 is a hit at rank 1.
        let s = session_next_item(
            &model,
            &[vec![0, 1, 2]],
            None,
            &SessionNextItemConfig {
                k: 20,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(s.get("map@20").unwrap().values, vec![1.0]);
        assert_eq!(s.get("precision@20").unwrap().values, vec![1.0 / 20.0]);
    }

    #[test]
    fn cold_start_judges_warm_neighbours_by_shared_listeners() {
        // Artists 0..6; artist 5 is cold (test only). Its test listeners are users 0 and 1,
        // who played 0, 1 (user 0) and 4 (user 1) in training. User 2 listens to cold artist 3
        // but has no training data.
        let mut train = Interactions::new(vocab(3), vocab(6), false);
        for (u, a) in [(0, 0), (0, 1), (1, 4), (1, 0)] {
            train.push(u, a, 1.0, None);
        }
        let mut test = Interactions::new(vocab(3), vocab(6), false);
        for (u, a) in [(0, 5), (1, 5), (2, 3), (0, 1)] {
            test.push(u, a, 1.0, None);
        }
        // Ring(6) from 5: 0, 1, 2, 3, 4 → warm only (0, 1, 4 are warm; 2, 3 are not): 0, 1, 4.
        let s = cold_start(&Ring(6), &train, &test, 2).unwrap();
        assert_eq!(s.units(), &[5]);
        // Top 2 warm: [0, 1], relevant {0, 1, 4}: AP = (1 + 1) / min(2, 3) = 1.
        assert_eq!(s.get("map@2").unwrap().values, vec![1.0]);
        assert_eq!(s.get("precision@2").unwrap().values, vec![1.0]);
        assert_eq!(s.skipped[0].1, 1);
        let empty = Interactions::new(vocab(3), vocab(6), false);
        assert!(cold_start(&Ring(6), &train, &empty, 2).is_err());
    }

    #[test]
    fn subsamples_are_seeded_sized_and_distinct() {
        let units: Vec<u32> = (0..100).collect();
        let cfg = SubsampleConfig::five_halves().with_seed(3);
        let a = cfg.draw(&units).unwrap();
        assert_eq!(a, cfg.draw(&units).unwrap());
        assert_eq!(a.len(), 5);
        assert!(
            a.iter()
                .all(|s| s.len() == 50 && s.windows(2).all(|w| w[0] < w[1]))
        );
        assert_ne!(a[0], a[1]);
        assert_ne!(a, cfg.with_seed(4).draw(&units).unwrap());
        assert_eq!(
            SubsampleConfig::thirty_tenths().draw(&units).unwrap()[0].len(),
            10
        );
        assert_eq!(
            SubsampleConfig::new(1, 0.001).draw(&units).unwrap()[0].len(),
            1
        );
        assert!(SubsampleConfig::new(0, 0.5).draw(&units).is_err());
        assert!(SubsampleConfig::new(2, 1.5).draw(&units).is_err());
        assert!(SubsampleConfig::new(2, f64::NAN).draw(&units).is_err());
        assert!(SubsampleConfig::new(2, 0.5).draw(&[]).is_err());
    }

    #[test]
    fn driver_keeps_one_mean_per_run_and_model() {
        let units: Vec<u32> = (0..10).collect();
        let cfg = SubsampleConfig::new(4, 0.3).with_seed(1);
        let runs = subsample_retrain(&units, &cfg, &["a", "b"], |model, run, subset| {
            assert_eq!(subset.len(), 3);
            let v = if model == "a" { run as f64 } else { 1.0 };
            Ok::<_, MetricsError>(ProtocolScores {
                unit: "user".into(),
                metrics: vec![(
                    "m".into(),
                    Scores {
                        ids: subset.to_vec(),
                        values: vec![v; subset.len()],
                    },
                )],
                skipped: vec![],
            })
        })
        .unwrap();
        assert_eq!(runs.means("a", "m").unwrap(), &[0.0, 1.0, 2.0, 3.0]);
        assert_eq!(runs.means("b", "m").unwrap(), &[1.0; 4]);
        assert_eq!(runs.grand_mean("a", "m"), Some(1.5));
        assert_eq!(runs.subsample_size, 3);
        assert!(runs.means("c", "m").is_none());
        let failed = subsample_retrain(&units, &cfg, &["a"], |_, run, _| {
            if run == 2 {
                Err(MetricsError::InvalidK(0))
            } else {
                Ok(ProtocolScores {
                    unit: "user".into(),
                    metrics: vec![],
                    skipped: vec![],
                })
            }
        });
        assert!(matches!(failed, Err(MetricsError::InvalidK(0))));
    }
}
