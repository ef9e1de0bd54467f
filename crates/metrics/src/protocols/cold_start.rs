//! Protocol 4: cold-start artists, their neighbours from content alone, judged by shared
//! listeners ([`cold_start`]).

use std::collections::{BTreeMap, HashSet};

use artist2vec_core::{Interactions, SimilarArtists};

use super::ProtocolScores;
use super::scores::{check_k, core};
use crate::batch::Scores;
use crate::error::{MetricsError, Result};
use crate::ranking::{Gain, Metric};

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
