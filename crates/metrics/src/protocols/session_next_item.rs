//! Protocol 5: session next-item at every step, the history so far as the query
//! ([`session_next_item`]).

use std::sync::Mutex;

use rayon::prelude::*;

use artist2vec_core::{CoreError, Query, Recommender};
use serde::{Deserialize, Serialize};

use super::ProtocolScores;
use super::scores::{check_k, core};
use super::sequences::{prepare_sequences, with_ids};
use crate::batch::Scores;
use crate::error::{MetricsError, Result};
use crate::ranking::Metric;
use crate::sequence::next_item_per_sequence;

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
/// As [`next_artist`](super::next_artist); the model's errors as [`MetricsError::Model`](crate::MetricsError::Model).
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
            (Metric::Map.key(k), with_ids(r.mrr, &ids)),
            (Metric::Precision.key(k), precision),
            (Metric::HitRate.key(k), with_ids(r.hit_rate, &ids)),
            ("accuracy".into(), with_ids(r.accuracy, &ids)),
        ],
        skipped,
    })
}

/// Protocol 5 at several cut-offs in one pass: like [`session_next_item`] with
/// `k = max(cutoffs)`, every step's list computed once, and per sequence, for every cut-off
/// `c`, `map@c` (= `mrr@c`: 1 / rank within the top `c`, one relevant artist), `mrr@c`,
/// `precision@c` (hit / c) and `hit_rate@c` — the table of the GRU4Rec notebook (MAP@20,
/// P@1/5/10/20, HR@20, MRR@20). `config.k` is ignored.
///
/// # Errors
/// As [`session_next_item`]; [`MetricsError::InvalidK`](crate::MetricsError::InvalidK) for no
/// cut-off or a cut-off of 0.
pub fn session_next_item_at<R: Recommender + ?Sized, S: AsRef<[u32]>>(
    model: &R,
    sequences: &[S],
    trained: Option<&[bool]>,
    config: &SessionNextItemConfig,
    cutoffs: &[usize],
) -> Result<ProtocolScores> {
    let no_context: Vec<[u32; 0]> = vec![[]; sequences.len()];
    session_next_item_in_context(model, sequences, &no_context, trained, config, cutoffs)
}

/// Protocol 5 with the listener's earlier plays as context: like [`session_next_item_at`]
/// (the same steps, units and metrics), but at step `t` of sequence `i` the query is
/// `contexts[i]` followed by `a0..=at`, so a model can use what the listener played before
/// the session (their earlier sessions) as well as the session so far. Only the steps of
/// the sequence itself are scored; the context is never a target. Context plays of artists
/// outside `trained` are dropped like the sequence's; `config.remove_repeats` applies to the
/// sequences only. Models that read only the last play or the last few (Markov, last-n
/// co-occurrence) score exactly as without context, as long as the session has those plays.
///
/// # Errors
/// As [`session_next_item_at`];
/// [`MetricsError::Shape`](crate::MetricsError::Shape) when `contexts` and `sequences` differ
/// in length; a context artist outside the model as
/// [`MetricsError::Model`](crate::MetricsError::Model).
pub fn session_next_item_in_context<R, S, C>(
    model: &R,
    sequences: &[S],
    contexts: &[C],
    trained: Option<&[bool]>,
    config: &SessionNextItemConfig,
    cutoffs: &[usize],
) -> Result<ProtocolScores>
where
    R: Recommender + ?Sized,
    S: AsRef<[u32]>,
    C: AsRef<[u32]>,
{
    let k = cutoffs.iter().copied().max().unwrap_or(0);
    check_k(k)?;
    if let Some(&c) = cutoffs.iter().find(|&&c| c == 0) {
        check_k(c)?;
    }
    if contexts.len() != sequences.len() {
        return Err(MetricsError::Shape(format!(
            "{} contexts for {} sequences: expected one context per sequence",
            contexts.len(),
            sequences.len()
        )));
    }
    let (ids, seqs, skipped) =
        prepare_sequences(sequences, config.remove_repeats, trained, model.n_items())?;
    let n_items = model.n_items();
    // The context of each kept sequence, masked like the sequences.
    let mut masked: Vec<Vec<(u32, f32)>> = Vec::with_capacity(ids.len());
    for &i in &ids {
        let c = contexts[i as usize].as_ref();
        if let Some(&a) = c.iter().find(|&&a| a as usize >= n_items) {
            return Err(core(CoreError::IndexOutOfRange {
                kind: "artist",
                index: a as usize,
                len: n_items,
            }));
        }
        masked.push(
            c.iter()
                .copied()
                .filter(|&a| trained.is_none_or(|m| m.get(a as usize).copied().unwrap_or(false)))
                .map(|a| (a, 1.0))
                .collect(),
        );
    }
    // Per sequence, the rank (1-based, 0 = beyond k) of the next artist at every step.
    let ranks: Vec<Vec<usize>> = seqs
        .par_iter()
        .enumerate()
        .map(|(j, s)| {
            let mut history = masked[j].clone();
            let before = history.len();
            (0..s.len() - 1)
                .map(|t| {
                    history.truncate(before);
                    history.extend(s[..=t].iter().map(|&a| (a, 1.0)));
                    let list =
                        model.recommend(&Query::History(&history), k, config.exclude_history)?;
                    Ok(list
                        .iter()
                        .position(|n| n.item == s[t + 1])
                        .map_or(0, |p| p + 1))
                })
                .collect::<std::result::Result<Vec<usize>, CoreError>>()
        })
        .collect::<std::result::Result<_, CoreError>>()
        .map_err(core)?;
    let per = |f: &dyn Fn(usize) -> f64| Scores {
        ids: ids.clone(),
        values: ranks
            .iter()
            .map(|r| r.iter().map(|&x| f(x)).sum::<f64>() / r.len() as f64)
            .collect(),
    };
    let mut metrics = Vec::new();
    let mut sorted = cutoffs.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    for &c in &sorted {
        let rr = move |r: usize| if r > 0 && r <= c { 1.0 / r as f64 } else { 0.0 };
        let hit = move |r: usize| if r > 0 && r <= c { 1.0 } else { 0.0 };
        metrics.push((Metric::Map.key(c), per(&rr)));
        metrics.push((Metric::Mrr.key(c), per(&rr)));
        metrics.push((Metric::Precision.key(c), per(&|r| hit(r) / c as f64)));
        metrics.push((Metric::HitRate.key(c), per(&hit)));
    }
    Ok(ProtocolScores {
        unit: "sequence".into(),
        metrics,
        skipped,
    })
}
