//! Protocol 5: session next-item at every step, the history so far as the query
//! ([`session_next_item`]).

use std::sync::Mutex;

use artist2vec_core::{CoreError, Query, Recommender};
use serde::{Deserialize, Serialize};

use super::ProtocolScores;
use super::scores::{check_k, core};
use super::sequences::{prepare_sequences, with_ids};
use crate::batch::Scores;
use crate::error::Result;
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
