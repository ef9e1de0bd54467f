//! Per-user score vectors and the helpers that compute them for a whole run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{MetricsError, Result};
use crate::numeric;
use crate::ranking::Metric;
use crate::relevance::Relevance;

/// One value per evaluated unit (user, query or sequence), aligned with their ids.
///
/// This is what statistical tests consume: two models evaluated on the same users give two
/// `Scores` with equal `ids`, ready for a paired test. The mean is one call away.
///
/// ```
/// use artist2vec_metrics::Scores;
/// let s = Scores::new(vec![1, 2], vec![0.5, 1.0])?;
/// assert_eq!(s.mean(), 0.75);
/// assert_eq!(s.get(2), Some(1.0));
/// # Ok::<(), artist2vec_metrics::MetricsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Scores {
    /// The unit ids: user ids (ascending) for per-user metrics, sequence indices for
    /// per-sequence metrics.
    pub ids: Vec<u32>,
    /// `values[i]` is the score of `ids[i]`.
    pub values: Vec<f64>,
}

impl Scores {
    /// Pairs `ids` with `values`.
    ///
    /// # Errors
    ///
    /// [`MetricsError::Shape`] if the lengths differ.
    pub fn new(ids: Vec<u32>, values: Vec<f64>) -> Result<Self> {
        if ids.len() != values.len() {
            return Err(MetricsError::Shape(format!(
                "{} ids but {} values",
                ids.len(),
                values.len()
            )));
        }
        Ok(Scores { ids, values })
    }

    /// The plain mean over all units, summed in numpy's pairwise order so that it equals
    /// `numpy.mean` bit for bit. NaN when there are no units (this crate never produces such a
    /// `Scores`; it refuses to evaluate nobody).
    pub fn mean(&self) -> f64 {
        numeric::mean(&self.values)
    }

    /// The number of units.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are no units.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value of unit `id`, if present.
    pub fn get(&self, id: u32) -> Option<f64> {
        let pos = if self.ids.is_sorted() {
            self.ids.binary_search(&id).ok()
        } else {
            self.ids.iter().position(|&u| u == id)
        };
        pos.map(|p| self.values[p])
    }

    /// `(id, value)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.ids.iter().copied().zip(self.values.iter().copied())
    }
}

/// Computes one metric for every user of `qrels` (in ascending user order).
///
/// A user of `qrels` without an entry in `run` has an empty list and scores 0 on every metric;
/// entries of `run` for users not in `qrels` are ignored (as in `evaluate.py`).
///
/// # Errors
///
/// [`MetricsError::InvalidK`] if `k == 0`; [`MetricsError::EmptyInput`] if `qrels` is empty;
/// [`MetricsError::NoRelevantItems`] if a user's judgments hold no relevant item and the metric
/// needs one (recall, MAP, AP, NDCG).
///
/// ```
/// use std::collections::{BTreeMap, HashSet};
/// use artist2vec_metrics::{per_user, Metric};
/// let qrels: BTreeMap<u32, HashSet<u32>> = [(1, [10].into()), (2, [20].into())].into();
/// let run: BTreeMap<u32, Vec<u32>> = [(1, vec![10, 11])].into();
/// let p = per_user(Metric::HitRate, &run, &qrels, 2)?;
/// assert_eq!((p.ids, p.values), (vec![1, 2], vec![1.0, 0.0]));
/// # Ok::<(), artist2vec_metrics::MetricsError>(())
/// ```
pub fn per_user<R: Relevance, L: AsRef<[u32]>>(
    metric: Metric,
    run: &BTreeMap<u32, L>,
    qrels: &BTreeMap<u32, R>,
    k: usize,
) -> Result<Scores> {
    Ok(evaluate_run(&[metric], run, qrels, k)?
        .pop()
        .expect("one metric asked, one returned"))
}

/// Computes several metrics for every user of `qrels`; the result is aligned with `metrics`.
///
/// Same rules as [`per_user`].
///
/// # Errors
///
/// As [`per_user`].
pub fn evaluate_run<R: Relevance, L: AsRef<[u32]>>(
    metrics: &[Metric],
    run: &BTreeMap<u32, L>,
    qrels: &BTreeMap<u32, R>,
    k: usize,
) -> Result<Vec<Scores>> {
    if k == 0 {
        return Err(MetricsError::InvalidK(k));
    }
    if qrels.is_empty() {
        return Err(MetricsError::EmptyInput {
            what: "relevance judgments (qrels)",
            origin: None,
        });
    }
    let needs_relevant = metrics.iter().any(|m| m.needs_relevant());
    let ids: Vec<u32> = qrels.keys().copied().collect();
    let mut out: Vec<Scores> = metrics
        .iter()
        .map(|_| Scores {
            ids: ids.clone(),
            values: Vec::with_capacity(ids.len()),
        })
        .collect();
    for (&user, rel) in qrels {
        if needs_relevant && rel.num_relevant() == 0 {
            return Err(MetricsError::NoRelevantItems { user });
        }
        let ranked: &[u32] = run.get(&user).map_or(&[], |l| l.as_ref());
        for (m, scores) in metrics.iter().zip(out.iter_mut()) {
            scores.values.push(m.score(ranked, rel, k));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn users_come_from_qrels_and_missing_runs_score_zero() {
        let qrels: BTreeMap<u32, HashSet<u32>> =
            [(5, [1, 2].into()), (3, [9].into())].into_iter().collect();
        let run: BTreeMap<u32, Vec<u32>> = [(5, vec![2, 1]), (8, vec![1])].into_iter().collect();
        let all = evaluate_run(&Metric::EVALUATE_PY, &run, &qrels, 2).unwrap();
        for s in &all {
            assert_eq!(s.ids, vec![3, 5]);
            assert_eq!(s.values[0], 0.0);
        }
        assert_eq!(all[0].values[1], 1.0); // precision@2 of user 5
        assert_eq!(all[0].mean(), 0.5);
    }

    #[test]
    fn refuses_degenerate_input() {
        let empty: BTreeMap<u32, HashSet<u32>> = BTreeMap::new();
        let run: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        assert!(matches!(
            per_user(Metric::Precision, &run, &empty, 1),
            Err(MetricsError::EmptyInput { .. })
        ));
        let qrels: BTreeMap<u32, HashSet<u32>> = [(1, HashSet::new())].into();
        assert!(matches!(
            per_user(Metric::Recall, &run, &qrels, 1),
            Err(MetricsError::NoRelevantItems { user: 1 })
        ));
        // Precision is defined without relevant items.
        assert_eq!(
            per_user(Metric::Precision, &run, &qrels, 1).unwrap().values,
            vec![0.0]
        );
        assert!(matches!(
            per_user(Metric::Precision, &run, &qrels, 0),
            Err(MetricsError::InvalidK(0))
        ));
    }

    #[test]
    fn scores_lookup_and_shape_check() {
        let s = Scores::new(vec![4, 2], vec![1.0, 2.0]).unwrap();
        assert_eq!(s.get(2), Some(2.0));
        assert_eq!(s.get(3), None);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![(4, 1.0), (2, 2.0)]);
        assert!(Scores::new(vec![1], vec![]).is_err());
    }
}
