//! Sequences for protocols 2 and 5: repeats removed ([`distinct_in_order`]), artists unknown to
//! the model dropped, and sequences too short to evaluate counted.

use std::collections::HashSet;

use artist2vec_core::CoreError;

use super::scores::core;
use crate::batch::Scores;
use crate::error::{MetricsError, Result};

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

/// Sequences ready for evaluation: (unit ids, sequences, skipped counts by reason).
pub(super) type Prepared = (Vec<u32>, Vec<Vec<u32>>, Vec<(String, usize)>);

/// Prepares sequences: repeats removed if asked, artists outside `known` dropped, sequences of
/// fewer than two artists counted and left out.
pub(super) fn prepare_sequences<S: AsRef<[u32]>>(
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

pub(super) fn with_ids(mut s: Scores, ids: &[u32]) -> Scores {
    s.ids = ids.to_vec();
    s
}
