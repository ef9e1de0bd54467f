//! Relevance judgments: which items are relevant to a user, and how much.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::BuildHasher;

/// The relevance judgments of one user (one query): a binary set or graded grades.
///
/// An item is *relevant* when its grade is greater than zero; binary metrics (precision, recall,
/// MAP, hit rate, MRR) only ask whether it is, NDCG also uses the grade. Sets give every member
/// grade 1, so NDCG on a set is binary NDCG.
///
/// Grades are expected to be finite; a NaN grade makes NDCG NaN. ranx and trec_eval count an item
/// as relevant from grade 1 upwards (`rel_lvl = 1`); for integer grades that is the same rule.
///
/// Implemented for `HashSet<u32>`, `BTreeSet<u32>` (binary) and `HashMap<u32, f64>`,
/// `BTreeMap<u32, f64>`, `HashMap<u32, u32>`, `BTreeMap<u32, u32>` (graded).
pub trait Relevance {
    /// The grade of `item`: greater than zero when relevant, `0.0` (or less) when not.
    fn grade(&self, item: u32) -> f64;

    /// Whether `item` is relevant (its grade is greater than zero).
    fn is_relevant(&self, item: u32) -> bool {
        self.grade(item) > 0.0
    }

    /// The number of relevant items, |R|.
    fn num_relevant(&self) -> usize;

    /// The grades of all relevant items, in any order (used for the ideal DCG).
    fn relevant_grades(&self) -> Vec<f64>;
}

impl<S: BuildHasher> Relevance for HashSet<u32, S> {
    fn grade(&self, item: u32) -> f64 {
        if self.contains(&item) { 1.0 } else { 0.0 }
    }
    fn is_relevant(&self, item: u32) -> bool {
        self.contains(&item)
    }
    fn num_relevant(&self) -> usize {
        self.len()
    }
    fn relevant_grades(&self) -> Vec<f64> {
        vec![1.0; self.len()]
    }
}

impl Relevance for BTreeSet<u32> {
    fn grade(&self, item: u32) -> f64 {
        if self.contains(&item) { 1.0 } else { 0.0 }
    }
    fn is_relevant(&self, item: u32) -> bool {
        self.contains(&item)
    }
    fn num_relevant(&self) -> usize {
        self.len()
    }
    fn relevant_grades(&self) -> Vec<f64> {
        vec![1.0; self.len()]
    }
}

macro_rules! graded_map {
    ($map:ty $(, $gen:ident : $bound:path)?) => {
        impl$(<$gen: $bound>)? Relevance for $map {
            fn grade(&self, item: u32) -> f64 {
                self.get(&item).map_or(0.0, |&g| g as f64)
            }
            fn num_relevant(&self) -> usize {
                self.values().filter(|&&g| (g as f64) > 0.0).count()
            }
            fn relevant_grades(&self) -> Vec<f64> {
                self.values()
                    .map(|&g| g as f64)
                    .filter(|&g| g > 0.0)
                    .collect()
            }
        }
    };
}

graded_map!(HashMap<u32, f64, S>, S: BuildHasher);
graded_map!(BTreeMap<u32, f64>);
graded_map!(HashMap<u32, u32, S>, S: BuildHasher);
graded_map!(BTreeMap<u32, u32>);

impl<R: Relevance + ?Sized> Relevance for &R {
    fn grade(&self, item: u32) -> f64 {
        (**self).grade(item)
    }
    fn is_relevant(&self, item: u32) -> bool {
        (**self).is_relevant(item)
    }
    fn num_relevant(&self) -> usize {
        (**self).num_relevant()
    }
    fn relevant_grades(&self) -> Vec<f64> {
        (**self).relevant_grades()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_binary_and_maps_graded() {
        let set: HashSet<u32> = [3, 5].into_iter().collect();
        assert_eq!(set.grade(3), 1.0);
        assert_eq!(set.grade(4), 0.0);
        assert_eq!(set.num_relevant(), 2);

        let map: BTreeMap<u32, f64> = [(1, 3.0), (2, 0.0), (7, 0.5)].into_iter().collect();
        assert_eq!(map.grade(1), 3.0);
        assert!(!map.is_relevant(2));
        assert!(map.is_relevant(7));
        assert_eq!(map.num_relevant(), 2);
        let mut g = map.relevant_grades();
        g.sort_by(f64::total_cmp);
        assert_eq!(g, vec![0.5, 3.0]);

        let counts: HashMap<u32, u32> = [(9, 4)].into_iter().collect();
        fn via<R: Relevance>(r: R) -> f64 {
            r.grade(9)
        }
        assert_eq!(via(&counts), 4.0);
    }
}
