//! Ranking metrics of one ranked list against one user's relevance judgments.
//!
//! Every function takes the ranked list best-first (`ranked[0]` is rank 1), the relevance
//! judgments and the cut-off `k`; only `ranked[..k]` is read. The definitions are those of
//! `evaluate.py`, ranx and trec_eval (they agree where they overlap); see each function.
//!
//! * A list shorter than `k` is not padded: missing positions are misses, and precision still
//!   divides by `k`.
//! * A repeated item counts once: a later occurrence keeps its position but earns nothing
//!   (evaluators that deduplicate first, such as `evaluate.py`, never hand over repeats).
//! * Metrics normalised by the relevant set (recall, MAP, AP, NDCG) are undefined for a user
//!   without relevant items and return NaN rather than a silent 0; the batch helpers in
//!   [`crate::batch`] refuse such users with [`MetricsError::NoRelevantItems`].
//!
//! # Panics
//!
//! Every function panics when `k == 0` (no metric is defined at a cut-off of zero); the batch
//! helpers return [`MetricsError::InvalidK`] instead.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::{MetricsError, Result};
use crate::numeric::pairwise_sum;
use crate::relevance::Relevance;

/// How a relevance grade turns into gain for NDCG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Gain {
    /// gain = grade (Järvelin & Kekäläinen; ranx `ndcg`, trec_eval `ndcg_cut`).
    #[default]
    Linear,
    /// gain = 2^grade − 1 (Burges et al.; ranx `ndcg_burges`).
    Exponential,
}

impl Gain {
    /// The gain of an item with relevance `grade` (0 for non-relevant items).
    #[inline]
    pub fn apply(self, grade: f64) -> f64 {
        match self {
            Gain::Linear => grade,
            Gain::Exponential => grade.exp2() - 1.0,
        }
    }
}

#[inline]
#[track_caller]
fn check_k(k: usize) {
    assert!(k > 0, "a ranking metric needs k >= 1");
}

/// Iterates over the 0-based positions in `ranked[..k]` that hold a relevant item for the first
/// time (a repeat of an earlier item is skipped).
fn hit_positions<'a, R: Relevance + ?Sized>(
    ranked: &'a [u32],
    relevant: &'a R,
    k: usize,
) -> impl Iterator<Item = usize> + 'a {
    let top = &ranked[..ranked.len().min(k)];
    top.iter().enumerate().filter_map(move |(i, &item)| {
        (relevant.is_relevant(item) && !top[..i].contains(&item)).then_some(i)
    })
}

/// The number of relevant items among the first `k` (each item counted once).
///
/// # Panics
///
/// If `k == 0`.
///
/// ```
/// use std::collections::HashSet;
/// use artist2vec_metrics::hits_at_k;
/// let relevant: HashSet<u32> = [1, 2].into();
/// assert_eq!(hits_at_k(&[2, 9, 1], &relevant, 2), 1);
/// ```
#[track_caller]
pub fn hits_at_k<R: Relevance + ?Sized>(ranked: &[u32], relevant: &R, k: usize) -> usize {
    check_k(k);
    hit_positions(ranked, relevant, k).count()
}

/// precision@k = hits@k / k — always `k` in the denominator, even for shorter lists.
///
/// # Panics
///
/// If `k == 0`.
///
/// ```
/// use std::collections::HashSet;
/// use artist2vec_metrics::precision_at_k;
/// let relevant: HashSet<u32> = [1, 2].into();
/// assert_eq!(precision_at_k(&[2, 9], &relevant, 4), 0.25);
/// ```
#[track_caller]
pub fn precision_at_k<R: Relevance + ?Sized>(ranked: &[u32], relevant: &R, k: usize) -> f64 {
    hits_at_k(ranked, relevant, k) as f64 / k as f64
}

/// recall@k = hits@k / |R|; NaN when the user has no relevant item.
///
/// # Panics
///
/// If `k == 0`.
///
/// ```
/// use std::collections::HashSet;
/// use artist2vec_metrics::recall_at_k;
/// let relevant: HashSet<u32> = [1, 2, 3, 4].into();
/// assert_eq!(recall_at_k(&[2, 9, 1], &relevant, 10), 0.5);
/// ```
#[track_caller]
pub fn recall_at_k<R: Relevance + ?Sized>(ranked: &[u32], relevant: &R, k: usize) -> f64 {
    let hits = hits_at_k(ranked, relevant, k);
    match relevant.num_relevant() {
        0 => f64::NAN,
        n => hits as f64 / n as f64,
    }
}

/// Sum over hit positions i (0-based) of precision@(i+1): the numerator shared by MAP and AP.
fn ap_numerator<R: Relevance + ?Sized>(ranked: &[u32], relevant: &R, k: usize) -> f64 {
    let mut hits = 0usize;
    let mut sum = 0.0;
    for i in hit_positions(ranked, relevant, k) {
        hits += 1;
        sum += hits as f64 / (i + 1) as f64;
    }
    sum
}

/// Average precision at k normalised by min(k, |R|) — the per-user term of `map@k` in
/// `evaluate.py` (and of MAP@k in most recommender papers). A perfect list scores 1 even when the
/// user has more than `k` relevant items. NaN when the user has no relevant item.
///
/// `AP = (Σ_{i < k, ranked[i] ∈ R} hits@(i+1) / (i+1)) / min(k, |R|)`.
///
/// # Panics
///
/// If `k == 0`.
///
/// ```
/// use std::collections::HashSet;
/// use artist2vec_metrics::map_at_k;
/// let relevant: HashSet<u32> = [1, 2, 3].into();
/// // Within k = 2 only rank 1 hits: (1/1) / min(2, 3).
/// assert_eq!(map_at_k(&[1, 9, 2], &relevant, 2), 0.5);
/// ```
#[track_caller]
pub fn map_at_k<R: Relevance + ?Sized>(ranked: &[u32], relevant: &R, k: usize) -> f64 {
    check_k(k);
    match relevant.num_relevant() {
        0 => f64::NAN,
        n => ap_numerator(ranked, relevant, k) / k.min(n) as f64,
    }
}

/// Average precision at k normalised by |R| — `ap_allrel@k` in `evaluate.py`, ranx's `map@k` and
/// trec_eval's `map_cut_k`. A user with more than `k` relevant items cannot reach 1.
/// NaN when the user has no relevant item.
///
/// # Panics
///
/// If `k == 0`.
///
/// ```
/// use std::collections::HashSet;
/// use artist2vec_metrics::ap_allrel_at_k;
/// let relevant: HashSet<u32> = [1, 2, 3, 4].into();
/// assert_eq!(ap_allrel_at_k(&[1, 2], &relevant, 2), 0.5);
/// ```
#[track_caller]
pub fn ap_allrel_at_k<R: Relevance + ?Sized>(ranked: &[u32], relevant: &R, k: usize) -> f64 {
    check_k(k);
    match relevant.num_relevant() {
        0 => f64::NAN,
        n => ap_numerator(ranked, relevant, k) / n as f64,
    }
}

/// NDCG@k = DCG@k / IDCG@k with `DCG = Σ_{i < k} gain(grade(ranked[i])) / log2(i + 2)` and IDCG
/// the DCG of the best possible list (the min(k, |R|) highest grades in decreasing order).
///
/// With a set (binary relevance) both gains give binary NDCG, `ndcg@k` of `evaluate.py`.
/// The ideal DCG is summed in numpy's pairwise order (as `evaluate.py` does), the DCG left to
/// right. NaN when the user has no relevant item.
///
/// # Panics
///
/// If `k == 0`.
///
/// ```
/// use std::collections::BTreeMap;
/// use artist2vec_metrics::{ndcg_at_k, Gain};
/// let grades: BTreeMap<u32, f64> = [(1, 3.0), (2, 1.0)].into();
/// assert_eq!(ndcg_at_k(&[1, 2], &grades, 10, Gain::Linear), 1.0);
/// let swapped = ndcg_at_k(&[2, 1], &grades, 10, Gain::Exponential);
/// assert!(swapped < ndcg_at_k(&[2, 1], &grades, 10, Gain::Linear));
/// ```
#[track_caller]
pub fn ndcg_at_k<R: Relevance + ?Sized>(ranked: &[u32], relevant: &R, k: usize, gain: Gain) -> f64 {
    check_k(k);
    let mut grades = relevant.relevant_grades();
    if grades.is_empty() {
        return f64::NAN;
    }
    let mut dcg = 0.0;
    for i in hit_positions(ranked, relevant, k) {
        dcg += gain.apply(relevant.grade(ranked[i])) / ((i + 2) as f64).log2();
    }
    grades.sort_unstable_by(|a, b| b.total_cmp(a));
    grades.truncate(k);
    let ideal: Vec<f64> = grades
        .iter()
        .enumerate()
        .map(|(i, &g)| gain.apply(g) / ((i + 2) as f64).log2())
        .collect();
    dcg / pairwise_sum(&ideal)
}

/// hit rate@k: 1 when at least one of the first `k` items is relevant, else 0.
///
/// # Panics
///
/// If `k == 0`.
///
/// ```
/// use std::collections::HashSet;
/// use artist2vec_metrics::hit_rate_at_k;
/// let relevant: HashSet<u32> = [7].into();
/// assert_eq!(hit_rate_at_k(&[1, 7], &relevant, 2), 1.0);
/// assert_eq!(hit_rate_at_k(&[1, 7], &relevant, 1), 0.0);
/// ```
#[track_caller]
pub fn hit_rate_at_k<R: Relevance + ?Sized>(ranked: &[u32], relevant: &R, k: usize) -> f64 {
    check_k(k);
    if hit_positions(ranked, relevant, k).next().is_some() {
        1.0
    } else {
        0.0
    }
}

/// MRR@k term: 1 / rank of the first relevant item among the first `k`, 0 when there is none.
///
/// # Panics
///
/// If `k == 0`.
///
/// ```
/// use std::collections::HashSet;
/// use artist2vec_metrics::mrr_at_k;
/// let relevant: HashSet<u32> = [7].into();
/// assert_eq!(mrr_at_k(&[1, 2, 7], &relevant, 5), 1.0 / 3.0);
/// ```
#[track_caller]
pub fn mrr_at_k<R: Relevance + ?Sized>(ranked: &[u32], relevant: &R, k: usize) -> f64 {
    check_k(k);
    hit_positions(ranked, relevant, k)
        .next()
        .map_or(0.0, |i| 1.0 / (i + 1) as f64)
}

/// A ranking metric, for the batch helpers and for naming columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// [`precision_at_k`].
    Precision,
    /// [`recall_at_k`].
    Recall,
    /// [`ndcg_at_k`] with the given gain.
    Ndcg(Gain),
    /// [`map_at_k`] (normalised by min(k, |R|)).
    Map,
    /// [`ap_allrel_at_k`] (normalised by |R|).
    ApAllRel,
    /// [`hit_rate_at_k`].
    HitRate,
    /// [`mrr_at_k`].
    Mrr,
}

impl Metric {
    /// Every metric, NDCG once per [`Gain`]: the one list that names are parsed against
    /// ([`from_name`](Self::from_name), [`parse_key`](Self::parse_key)).
    pub const ALL: [Metric; 8] = [
        Metric::Precision,
        Metric::Recall,
        Metric::Ndcg(Gain::Linear),
        Metric::Ndcg(Gain::Exponential),
        Metric::Map,
        Metric::ApAllRel,
        Metric::HitRate,
        Metric::Mrr,
    ];

    /// The seven metrics of `evaluate.py`, in its order (binary NDCG as linear gain): [`ALL`]
    /// without exponential-gain NDCG.
    ///
    /// [`ALL`]: Self::ALL
    pub const EVALUATE_PY: [Metric; 7] = [
        Metric::Precision,
        Metric::Recall,
        Metric::Ndcg(Gain::Linear),
        Metric::Map,
        Metric::ApAllRel,
        Metric::HitRate,
        Metric::Mrr,
    ];

    /// The metric's name as `evaluate.py` and ranx spell it: `precision`, `recall`, `ndcg`
    /// (linear gain), `ndcg_burges` (exponential gain), `map`, `ap_allrel`, `hit_rate`, `mrr`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Precision => "precision",
            Metric::Recall => "recall",
            Metric::Ndcg(Gain::Linear) => "ndcg",
            Metric::Ndcg(Gain::Exponential) => "ndcg_burges",
            Metric::Map => "map",
            Metric::ApAllRel => "ap_allrel",
            Metric::HitRate => "hit_rate",
            Metric::Mrr => "mrr",
        }
    }

    /// The metric whose [`name`](Self::name) is `name`, if any (one of [`ALL`](Self::ALL)).
    pub fn from_name(name: &str) -> Option<Metric> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The key of this metric at cut-off `k` in evaluation JSON files, e.g. `ndcg@10`.
    pub fn key(self, k: usize) -> String {
        format!("{}@{}", self.name(), k)
    }

    /// The metric and cut-off of a key written by [`key`](Self::key) (`name@k`), if `name` is
    /// one of [`ALL`](Self::ALL) and `k` a number.
    ///
    /// ```
    /// use artist2vec_metrics::{Gain, Metric};
    /// assert_eq!(Metric::parse_key("ndcg@10"), Some((Metric::Ndcg(Gain::Linear), 10)));
    /// assert_eq!(Metric::parse_key("hit_rate@1"), Some((Metric::HitRate, 1)));
    /// assert_eq!(Metric::parse_key("accuracy"), None);
    /// ```
    pub fn parse_key(key: &str) -> Option<(Metric, usize)> {
        let (name, k) = key.rsplit_once('@')?;
        Some((Self::from_name(name)?, k.parse().ok()?))
    }

    /// The names of [`ALL`](Self::ALL), comma-separated, for messages and help texts.
    pub fn names() -> String {
        Self::ALL.map(Metric::name).join(", ")
    }

    /// Whether the metric is undefined (NaN) for a user without relevant items.
    pub fn needs_relevant(self) -> bool {
        matches!(
            self,
            Metric::Recall | Metric::Ndcg(_) | Metric::Map | Metric::ApAllRel
        )
    }

    /// The metric's value for one ranked list.
    ///
    /// # Panics
    ///
    /// If `k == 0`.
    #[track_caller]
    pub fn score<R: Relevance + ?Sized>(self, ranked: &[u32], relevant: &R, k: usize) -> f64 {
        match self {
            Metric::Precision => precision_at_k(ranked, relevant, k),
            Metric::Recall => recall_at_k(ranked, relevant, k),
            Metric::Ndcg(gain) => ndcg_at_k(ranked, relevant, k, gain),
            Metric::Map => map_at_k(ranked, relevant, k),
            Metric::ApAllRel => ap_allrel_at_k(ranked, relevant, k),
            Metric::HitRate => hit_rate_at_k(ranked, relevant, k),
            Metric::Mrr => mrr_at_k(ranked, relevant, k),
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Orders scored items best-first: by decreasing score, ties in input order (a stable sort, the
/// rule `evaluate.py` applies to equal ranks and ranx to equal scores of short runs).
///
/// # Errors
///
/// [`MetricsError::NonFinite`] if a score is NaN (NaN has no place in a ranking). Infinite
/// scores are ordered as usual.
///
/// ```
/// use artist2vec_metrics::rank_by_score;
/// assert_eq!(rank_by_score(&[(4, 0.5), (2, 0.9), (7, 0.5)])?, vec![2, 4, 7]);
/// # Ok::<(), artist2vec_metrics::MetricsError>(())
/// ```
pub fn rank_by_score(scored: &[(u32, f64)]) -> Result<Vec<u32>> {
    if let Some(&(item, _)) = scored.iter().find(|(_, s)| s.is_nan()) {
        return Err(MetricsError::NonFinite {
            what: "scores",
            detail: format!("item {item} has a NaN score"),
        });
    }
    let mut order: Vec<(u32, f64)> = scored.to_vec();
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(order.into_iter().map(|(item, _)| item).collect())
}

/// Catalogue coverage of a set of recommendation lists.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// Distinct items in the union of all lists (each cut to `k`).
    pub covered: usize,
    /// Size of the catalogue.
    pub catalogue: usize,
    /// `covered / catalogue`.
    pub ratio: f64,
}

/// Catalogue coverage@k: the number of distinct items in the union of all lists cut to `k`,
/// divided by the catalogue size (`coverage@K` of `evaluate.py`, whose catalogue is the set of
/// items in the training data). Items outside the catalogue still count as covered, as there.
///
/// # Errors
///
/// [`MetricsError::InvalidK`] if `k == 0`; [`MetricsError::EmptyInput`] if `catalogue_size == 0`.
///
/// ```
/// use artist2vec_metrics::catalogue_coverage;
/// let lists = [vec![1, 2, 3], vec![2, 4]];
/// let c = catalogue_coverage(&lists, 2, 10)?;
/// assert_eq!((c.covered, c.ratio), (3, 0.3)); // {1, 2} ∪ {2, 4}
/// # Ok::<(), artist2vec_metrics::MetricsError>(())
/// ```
pub fn catalogue_coverage<L: AsRef<[u32]>>(
    lists: impl IntoIterator<Item = L>,
    k: usize,
    catalogue_size: usize,
) -> Result<Coverage> {
    if k == 0 {
        return Err(MetricsError::InvalidK(k));
    }
    if catalogue_size == 0 {
        return Err(MetricsError::EmptyInput {
            what: "catalogue",
            origin: None,
        });
    }
    let mut seen = HashSet::new();
    for list in lists {
        let list = list.as_ref();
        seen.extend(list[..list.len().min(k)].iter().copied());
    }
    Ok(Coverage {
        covered: seen.len(),
        catalogue: catalogue_size,
        ratio: seen.len() as f64 / catalogue_size as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    fn set(items: &[u32]) -> HashSet<u32> {
        items.iter().copied().collect()
    }

    #[test]
    fn hand_computed_binary_values() {
        let r = set(&[1, 3, 5, 7]);
        let ranked = [1, 2, 3, 4, 5];
        let k = 5;
        assert_eq!(hits_at_k(&ranked, &r, k), 3);
        assert_eq!(precision_at_k(&ranked, &r, k), 0.6);
        assert_eq!(recall_at_k(&ranked, &r, k), 0.75);
        let num = 1.0 + 2.0 / 3.0 + 3.0 / 5.0;
        assert!((map_at_k(&ranked, &r, k) - num / 4.0).abs() < 1e-15);
        assert!((ap_allrel_at_k(&ranked, &r, k) - num / 4.0).abs() < 1e-15);
        // k = 3 < |R|: map divides by 3, ap_allrel by 4.
        let num3 = 1.0 + 2.0 / 3.0;
        assert!((map_at_k(&ranked, &r, 3) - num3 / 3.0).abs() < 1e-15);
        assert!((ap_allrel_at_k(&ranked, &r, 3) - num3 / 4.0).abs() < 1e-15);
        let d = |i: usize| 1.0 / ((i + 2) as f64).log2();
        let ndcg = (d(0) + d(2) + d(4)) / (d(0) + d(1) + d(2) + d(3));
        assert!((ndcg_at_k(&ranked, &r, k, Gain::Linear) - ndcg).abs() < 1e-15);
        assert_eq!(hit_rate_at_k(&ranked, &r, k), 1.0);
        assert_eq!(mrr_at_k(&[2, 4, 3], &r, k), 1.0 / 3.0);
        assert_eq!(mrr_at_k(&[2, 4, 3], &r, 2), 0.0);
    }

    #[test]
    fn short_lists_are_not_padded_and_empty_lists_score_zero() {
        let r = set(&[1]);
        assert_eq!(precision_at_k(&[1], &r, 10), 0.1);
        assert_eq!(map_at_k(&[1], &r, 10), 1.0);
        for m in Metric::EVALUATE_PY {
            assert_eq!(m.score(&[], &r, 10), 0.0, "{m}");
        }
    }

    #[test]
    fn repeats_count_once() {
        let r = set(&[1, 2]);
        assert_eq!(hits_at_k(&[1, 1, 1], &r, 3), 1);
        assert_eq!(recall_at_k(&[1, 1], &r, 3), 0.5);
        assert!(ndcg_at_k(&[1, 1], &r, 2, Gain::Linear) < 1.0);
    }

    #[test]
    fn no_relevant_items_is_nan_not_zero() {
        let r: HashSet<u32> = HashSet::new();
        assert!(recall_at_k(&[1], &r, 1).is_nan());
        assert!(map_at_k(&[1], &r, 1).is_nan());
        assert!(ap_allrel_at_k(&[1], &r, 1).is_nan());
        assert!(ndcg_at_k(&[1], &r, 1, Gain::Linear).is_nan());
        assert_eq!(precision_at_k(&[1], &r, 1), 0.0);
        for m in Metric::EVALUATE_PY {
            assert_eq!(m.needs_relevant(), m.score(&[1], &r, 1).is_nan(), "{m}");
        }
    }

    #[test]
    #[should_panic(expected = "k >= 1")]
    fn zero_k_panics() {
        precision_at_k(&[1], &set(&[1]), 0);
    }

    #[test]
    fn graded_ndcg_uses_the_chosen_gain() {
        let g: BTreeMap<u32, f64> = [(1, 3.0), (2, 1.0), (3, 0.0)].into();
        let ranked = [2, 3, 1];
        let d = |i: usize| ((i + 2) as f64).log2();
        let lin = (1.0 / d(0) + 3.0 / d(2)) / (3.0 / d(0) + 1.0 / d(1));
        let exp = (1.0 / d(0) + 7.0 / d(2)) / (7.0 / d(0) + 1.0 / d(1));
        assert!((ndcg_at_k(&ranked, &g, 3, Gain::Linear) - lin).abs() < 1e-15);
        assert!((ndcg_at_k(&ranked, &g, 3, Gain::Exponential) - exp).abs() < 1e-15);
        // Binary view of the same judgments: three positions, two relevant.
        assert_eq!(hits_at_k(&ranked, &g, 3), 2);
    }

    #[test]
    fn metric_names_round_trip() {
        for m in Metric::ALL {
            assert_eq!(Metric::from_name(m.name()), Some(m));
            assert_eq!(Metric::parse_key(&m.key(20)), Some((m, 20)));
        }
        assert!(Metric::EVALUATE_PY.iter().all(|m| Metric::ALL.contains(m)));
        assert_eq!(Metric::Ndcg(Gain::Linear).key(10), "ndcg@10");
        assert_eq!(Metric::from_name("nope"), None);
        assert_eq!(Metric::parse_key("ndcg@"), None);
        assert_eq!(Metric::parse_key("ndcg10"), None);
        assert!(Metric::names().starts_with("precision, recall, ndcg, ndcg_burges"));
    }

    #[test]
    fn rank_by_score_is_stable_and_refuses_nan() {
        let ranked = rank_by_score(&[(5, 1.0), (3, 2.0), (9, 1.0), (1, f64::INFINITY)]).unwrap();
        assert_eq!(ranked, vec![1, 3, 5, 9]);
        assert!(matches!(
            rank_by_score(&[(1, f64::NAN)]),
            Err(MetricsError::NonFinite { .. })
        ));
    }

    #[test]
    fn coverage_counts_distinct_items_within_k() {
        let c = catalogue_coverage([&[1u32, 2][..], &[2, 3, 4][..]], 2, 8).unwrap();
        assert_eq!(c.covered, 3);
        assert_eq!(c.ratio, 3.0 / 8.0);
        assert!(catalogue_coverage([&[1u32][..]], 0, 8).is_err());
        assert!(catalogue_coverage([&[1u32][..]], 1, 0).is_err());
    }
}
