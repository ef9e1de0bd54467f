//! Next-item metrics for sequences (sessions, playlists): at every step a model ranks the
//! catalogue and the item that actually came next is the single relevant one.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::batch::Scores;
use crate::error::{MetricsError, Result};

/// Rank (1-based) of `target` among the first `k` items of `ranked`, if it is there.
fn rank_of(ranked: &[u32], target: u32, k: usize) -> Option<usize> {
    ranked[..ranked.len().min(k)]
        .iter()
        .position(|&i| i == target)
        .map(|p| p + 1)
}

/// The next-item scores of one sequence: means over its prediction steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NextItemScores {
    /// Fraction of steps whose top-ranked item is the next item (HR@1).
    pub accuracy: f64,
    /// Fraction of steps with the next item among the first `k` (HR@k).
    pub hit_rate: f64,
    /// Mean over steps of 1 / rank of the next item within the first `k` (0 when absent): MRR@k.
    pub mrr: f64,
    /// The number of prediction steps.
    pub steps: usize,
}

/// Scores one sequence from its prediction steps: `predictions[t]` is the ranked list (best
/// first) predicted for step `t`, whose true next item is `targets[t]`.
///
/// # Errors
///
/// [`MetricsError::InvalidK`] if `k == 0`; [`MetricsError::Shape`] if `targets` and
/// `predictions` differ in length; [`MetricsError::EmptySequence`] (sequence 0) if there are no
/// steps.
///
/// ```
/// use artist2vec_metrics::next_item;
/// let s = next_item(&[5, 6], &[vec![5, 1], vec![1, 6]], 2)?;
/// assert_eq!((s.accuracy, s.hit_rate, s.mrr), (0.5, 1.0, 0.75));
/// # Ok::<(), artist2vec_metrics::MetricsError>(())
/// ```
pub fn next_item<L: AsRef<[u32]>>(
    targets: &[u32],
    predictions: &[L],
    k: usize,
) -> Result<NextItemScores> {
    if k == 0 {
        return Err(MetricsError::InvalidK(k));
    }
    if targets.len() != predictions.len() {
        return Err(MetricsError::Shape(format!(
            "{} targets but {} prediction lists",
            targets.len(),
            predictions.len()
        )));
    }
    if targets.is_empty() {
        return Err(MetricsError::EmptySequence { sequence: 0 });
    }
    let (mut top1, mut hits, mut rr) = (0usize, 0usize, 0.0f64);
    for (&target, ranked) in targets.iter().zip(predictions) {
        if let Some(rank) = rank_of(ranked.as_ref(), target, k) {
            hits += 1;
            rr += 1.0 / rank as f64;
            if rank == 1 {
                top1 += 1;
            }
        }
    }
    let n = targets.len() as f64;
    Ok(NextItemScores {
        accuracy: top1 as f64 / n,
        hit_rate: hits as f64 / n,
        mrr: rr / n,
        steps: targets.len(),
    })
}

/// Per-sequence next-item scores of a collection of sequences, ids = sequence indices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextItemPerSequence {
    /// HR@1 per sequence.
    pub accuracy: Scores,
    /// HR@k per sequence.
    pub hit_rate: Scores,
    /// MRR@k per sequence.
    pub mrr: Scores,
    /// Prediction steps per sequence.
    pub steps: Vec<usize>,
}

/// Evaluates next-item prediction over many sequences in parallel: for every sequence
/// `s = [a0, a1, …, an]` and every step `t < n`, `predict(&s[..=t])` ranks items for the position
/// after `a_t` and `a_{t+1}` is the target. Each sequence's score is the mean over its steps, so
/// long sequences do not outweigh short ones.
///
/// To remove repeats (as protocol 2 does) or to mask items, do it in the sequence or in `predict`.
///
/// # Errors
///
/// [`MetricsError::InvalidK`] if `k == 0`; [`MetricsError::EmptyInput`] if there are no
/// sequences; [`MetricsError::EmptySequence`] for a sequence of fewer than two items (nothing to
/// predict).
///
/// ```
/// use artist2vec_metrics::next_item_per_sequence;
/// // A model that always predicts "previous item + 1".
/// let seqs = vec![vec![1, 2, 3], vec![7, 9]];
/// let r = next_item_per_sequence(&seqs, 1, |prefix: &[u32]| vec![prefix[prefix.len() - 1] + 1])?;
/// assert_eq!(r.accuracy.values, vec![1.0, 0.0]);
/// assert_eq!(r.accuracy.mean(), 0.5);
/// # Ok::<(), artist2vec_metrics::MetricsError>(())
/// ```
pub fn next_item_per_sequence<S, F>(
    sequences: &[S],
    k: usize,
    predict: F,
) -> Result<NextItemPerSequence>
where
    S: AsRef<[u32]> + Sync,
    F: Fn(&[u32]) -> Vec<u32> + Sync,
{
    if k == 0 {
        return Err(MetricsError::InvalidK(k));
    }
    if sequences.is_empty() {
        return Err(MetricsError::EmptyInput {
            what: "sequence collection",
            origin: None,
        });
    }
    if let Some(bad) = sequences.iter().position(|s| s.as_ref().len() < 2) {
        return Err(MetricsError::EmptySequence { sequence: bad });
    }
    let per: Vec<NextItemScores> = sequences
        .par_iter()
        .map(|s| {
            let s = s.as_ref();
            let preds: Vec<Vec<u32>> = (0..s.len() - 1).map(|t| predict(&s[..=t])).collect();
            next_item(&s[1..], &preds, k)
        })
        .collect::<Result<_>>()?;
    let ids: Vec<u32> = (0..sequences.len() as u32).collect();
    let col = |f: fn(&NextItemScores) -> f64| Scores {
        ids: ids.clone(),
        values: per.iter().map(f).collect(),
    };
    Ok(NextItemPerSequence {
        accuracy: col(|s| s.accuracy),
        hit_rate: col(|s| s.hit_rate),
        mrr: col(|s| s.mrr),
        steps: per.iter().map(|s| s.steps).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_metrics_by_hand() {
        let s = next_item(&[1, 2, 3], &[vec![1], vec![9, 8, 2], vec![]], 3).unwrap();
        assert_eq!(s.steps, 3);
        assert_eq!(s.accuracy, 1.0 / 3.0);
        assert_eq!(s.hit_rate, 2.0 / 3.0);
        assert_eq!(s.mrr, (1.0 + 1.0 / 3.0) / 3.0);
        // The hit at rank 3 falls outside k = 2.
        let s2 = next_item(&[1, 2, 3], &[vec![1], vec![9, 8, 2], vec![]], 2).unwrap();
        assert_eq!(s2.hit_rate, 1.0 / 3.0);
    }

    #[test]
    fn refuses_bad_shapes() {
        assert!(matches!(
            next_item::<Vec<u32>>(&[1], &[], 1),
            Err(MetricsError::Shape(_))
        ));
        assert!(matches!(
            next_item::<Vec<u32>>(&[], &[], 1),
            Err(MetricsError::EmptySequence { .. })
        ));
        assert!(matches!(
            next_item(&[1], &[vec![1]], 0),
            Err(MetricsError::InvalidK(0))
        ));
        let seqs = vec![vec![1, 2], vec![3]];
        assert!(matches!(
            next_item_per_sequence(&seqs, 1, |_: &[u32]| vec![]),
            Err(MetricsError::EmptySequence { sequence: 1 })
        ));
    }

    #[test]
    fn per_sequence_means_weigh_sequences_equally() {
        // Oracle on the first sequence (4 steps), always wrong on the second (1 step).
        let seqs: Vec<Vec<u32>> = vec![vec![0, 1, 2, 3, 4], vec![10, 20]];
        let r = next_item_per_sequence(&seqs, 5, |p: &[u32]| {
            let last = *p.last().unwrap();
            if last < 10 { vec![last + 1] } else { vec![0] }
        })
        .unwrap();
        assert_eq!(r.steps, vec![4, 1]);
        assert_eq!(r.hit_rate.values, vec![1.0, 0.0]);
        assert_eq!(r.mrr.mean(), 0.5);
        assert_eq!(r.accuracy.ids, vec![0, 1]);
    }
}
