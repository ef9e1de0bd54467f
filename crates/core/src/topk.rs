//! Exact top-k selection over a score vector.
//!
//! Ties are broken deterministically (lower index first) and NaN scores are never selected, so the
//! same scores always give the same list.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};

/// One result of a similarity or recommendation query: a dense artist index and its score,
/// best first in every list this workspace returns.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Neighbor {
    /// Dense artist index.
    pub item: u32,
    /// Similarity or score (higher is better).
    pub score: f32,
}

/// Heap entry ordered so that the *worst* candidate is at the top of a max-heap.
#[derive(Clone, Copy)]
struct Worst(Neighbor);

impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        // "Greater" = worse: lower score, or equal score and higher index.
        other
            .0
            .score
            .total_cmp(&self.0.score)
            .then(self.0.item.cmp(&other.0.item))
    }
}

/// Whether `a` ranks before `b` (higher score, then lower index).
#[inline]
pub fn better(a: &Neighbor, b: &Neighbor) -> bool {
    match a.score.total_cmp(&b.score) {
        Ordering::Greater => true,
        Ordering::Less => false,
        Ordering::Equal => a.item < b.item,
    }
}

/// A bounded collector of the `k` best (score, index) pairs.
pub struct TopK {
    k: usize,
    heap: BinaryHeap<Worst>,
}

impl TopK {
    /// A collector that keeps at most `k` entries.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            // A capacity hint only (the heap grows as needed): a huge `k` allocates nothing up front.
            heap: BinaryHeap::with_capacity(k.saturating_add(1).min(1 << 12)),
        }
    }

    /// Offers a candidate; NaN scores are ignored.
    #[inline]
    pub fn push(&mut self, item: u32, score: f32) {
        if self.k == 0 || score.is_nan() {
            return;
        }
        let cand = Neighbor { item, score };
        if self.heap.len() < self.k {
            self.heap.push(Worst(cand));
        } else if let Some(top) = self.heap.peek() {
            if better(&cand, &top.0) {
                self.heap.pop();
                self.heap.push(Worst(cand));
            }
        }
    }

    /// The score a candidate must beat to enter a full collector.
    #[inline]
    pub fn threshold(&self) -> Option<f32> {
        if self.heap.len() < self.k {
            None
        } else {
            self.heap.peek().map(|w| w.0.score)
        }
    }

    /// The kept entries, best first.
    pub fn into_sorted(self) -> Vec<Neighbor> {
        // BinaryHeap::into_sorted_vec sorts ascending by Ord, i.e. best first for `Worst`.
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|w| w.0)
            .collect()
    }
}

/// The `k` best entries of `scores`, best first, skipping the indices in `exclude`
/// (which must be sorted ascending) and NaN scores.
pub fn top_k(scores: &[f32], k: usize, exclude: &[u32]) -> Vec<Neighbor> {
    // No list is longer than the scores: a huge `k` allocates nothing more.
    let mut top = TopK::new(k.min(scores.len()));
    let mut ex = exclude.iter().peekable();
    for (i, &s) in scores.iter().enumerate() {
        let i = i as u32;
        while let Some(&&e) = ex.peek() {
            if e < i {
                ex.next();
            } else {
                break;
            }
        }
        if ex.peek() == Some(&&i) {
            continue;
        }
        if let Some(t) = top.threshold() {
            if s < t {
                continue;
            }
        }
        top.push(i, s);
    }
    top.into_sorted()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(scores: &[f32], k: usize, exclude: &[u32]) -> Vec<Neighbor> {
        let mut v: Vec<Neighbor> = scores
            .iter()
            .enumerate()
            .filter(|(i, s)| !exclude.contains(&(*i as u32)) && !s.is_nan())
            .map(|(i, &s)| Neighbor {
                item: i as u32,
                score: s,
            })
            .collect();
        v.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));
        v.truncate(k);
        v
    }

    #[test]
    fn matches_brute_force_with_ties_nan_and_exclusions() {
        let mut state = 12345u64;
        for round in 0..200 {
            let n = 1 + round % 37;
            let scores: Vec<f32> = (0..n)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let v = ((state >> 33) % 7) as f32; // many ties
                    if v == 6.0 { f32::NAN } else { v }
                })
                .collect();
            let exclude: Vec<u32> = (0..n as u32).filter(|i| i % 5 == 1).collect();
            for k in [0, 1, 3, 10, 50] {
                assert_eq!(top_k(&scores, k, &exclude), brute(&scores, k, &exclude));
            }
        }
    }
}
