//! Protocols 1 and 3: held-out interactions of known users, ranked from the users' vectors —
//! the global time split with graded relevance ([`time_split`]) and one hidden top artist per
//! user ([`hidden_artist`]), both through [`holdout`].

use std::collections::{BTreeMap, HashMap};

use artist2vec_core::{CoreError, Interactions, Recommender};
use serde::{Deserialize, Serialize};

use super::ProtocolScores;
use super::scores::{check_k, core};
use crate::batch::Scores;
use crate::error::{MetricsError, Result};
use crate::ranking::{Gain, Metric};

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
