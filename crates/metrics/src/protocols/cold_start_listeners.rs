//! Protocol 4b: cold-start artists recommended to their listeners
//! ([`cold_start_listeners`]).

use std::collections::{BTreeMap, HashSet};

use artist2vec_core::{Interactions, Query, Recommender};
use rayon::prelude::*;

use super::ProtocolScores;
use super::scores::{check_k, core};
use crate::batch::Scores;
use crate::error::{MetricsError, Result};
use crate::ranking::Metric;

/// Protocol 4b: artists held out of training entirely (those with rows in `test` and none in
/// `train`, as `cold_start_artists` splits them) are ranked for each test listener who played
/// them. The model scores the listener's *training* history ([`Query::History`], so a model
/// sees nothing of the test rows); only the cold artists are ranked (the model's scores of the
/// other artists are ignored), ties broken by artist index, non-finite scores last. The
/// relevant artists are the listener's cold artists in `test`. Per listener: MAP@k for each k
/// of `ks` (normalised by min(k, |R|)). Listeners without training rows are counted in
/// `skipped`.
///
/// The model's artist indices must extend `train`'s (a content model may add artists after
/// them); it must know at least `max(train.n_items(), test.n_items())` artists.
///
/// # Errors
/// [`MetricsError::InvalidK`] for an empty `ks` or a k of 0; [`MetricsError::EmptyInput`] if
/// no cold artist has a listener with training rows; [`MetricsError::Model`] for a model with
/// fewer artists than the data, and for the model's own errors.
pub fn cold_start_listeners<R: Recommender + Sync + ?Sized>(
    model: &R,
    train: &Interactions,
    test: &Interactions,
    ks: &[usize],
) -> Result<ProtocolScores> {
    if ks.is_empty() {
        return Err(MetricsError::InvalidK(0));
    }
    for &k in ks {
        check_k(k)?;
    }
    let n_items = train.n_items().max(test.n_items());
    if model.n_items() < n_items {
        return Err(core(artist2vec_core::CoreError::Shape(format!(
            "the model knows {} artists, the data {n_items}",
            model.n_items()
        ))));
    }
    let mut warm = vec![false; n_items];
    let mut history: BTreeMap<u32, BTreeMap<u32, f32>> = BTreeMap::new();
    for r in train.iter() {
        warm[r.item as usize] = true;
        *history
            .entry(r.user)
            .or_default()
            .entry(r.item)
            .or_default() += r.weight;
    }
    let mut relevant: BTreeMap<u32, HashSet<u32>> = BTreeMap::new();
    for r in test.iter() {
        if !warm[r.item as usize] {
            relevant.entry(r.user).or_default().insert(r.item);
        }
    }
    let mut cold: Vec<u32> = relevant.values().flatten().copied().collect();
    cold.sort_unstable();
    cold.dedup();
    let mut units = Vec::new();
    let mut rel = Vec::new();
    let mut queries: Vec<Vec<(u32, f32)>> = Vec::new();
    let mut no_history = 0usize;
    for (u, r) in relevant {
        match history.get(&u) {
            Some(h) => {
                units.push(u);
                rel.push(r);
                queries.push(h.iter().map(|(&i, &w)| (i, w)).collect());
            }
            None => no_history += 1,
        }
    }
    if units.is_empty() {
        return Err(MetricsError::EmptyInput {
            what: "set of listeners of cold-start artists with training rows",
            origin: None,
        });
    }
    let k_max = ks.iter().copied().max().unwrap_or(1);
    let n_model = model.n_items();
    let lists: Vec<Vec<u32>> = queries
        .par_iter()
        .map_init(
            || vec![0f32; n_model],
            |scores, h| {
                model.score_into(&Query::History(h), scores)?;
                let mut ranked: Vec<(f32, u32)> = cold
                    .iter()
                    .map(|&c| {
                        let s = scores[c as usize];
                        (if s.is_finite() { s } else { f32::NEG_INFINITY }, c)
                    })
                    .collect();
                ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                Ok(ranked.into_iter().take(k_max).map(|p| p.1).collect())
            },
        )
        .collect::<std::result::Result<_, artist2vec_core::CoreError>>()
        .map_err(core)?;
    let metrics = ks
        .iter()
        .map(|&k| {
            (
                Metric::Map.key(k),
                Scores {
                    ids: units.clone(),
                    values: lists
                        .iter()
                        .zip(&rel)
                        .map(|(l, r)| Metric::Map.score(l, r, k))
                        .collect(),
                },
            )
        })
        .collect();
    Ok(ProtocolScores {
        unit: "user".into(),
        metrics,
        skipped: vec![(
            "listeners of cold artists without training rows".into(),
            no_history,
        )],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use artist2vec_core::{CoreError, Vocabulary};

    /// Scores artist `i` by `prefs[i]` for every query.
    struct Fixed(Vec<f32>);
    impl Recommender for Fixed {
        fn n_items(&self) -> usize {
            self.0.len()
        }
        fn n_users(&self) -> usize {
            2
        }
        fn score_into(&self, _q: &Query<'_>, s: &mut [f32]) -> std::result::Result<(), CoreError> {
            s.copy_from_slice(&self.0);
            Ok(())
        }
        fn seen(&self, _u: u32) -> std::result::Result<&[u32], CoreError> {
            Ok(&[])
        }
    }

    #[test]
    fn ranks_only_the_cold_artists_for_their_listeners() {
        let v = |n: usize| Vocabulary::from_ids((0..n).map(|i| i.to_string())).unwrap();
        let mut train = Interactions::new(v(3), v(5), false);
        train.push(0, 0, 1.0, None);
        train.push(1, 1, 1.0, None);
        let mut test = Interactions::new(v(3), v(5), false);
        test.push(0, 3, 1.0, None); // artists 3 and 4 are cold
        test.push(1, 4, 1.0, None);
        test.push(2, 4, 1.0, None); // user 2 has no training rows: skipped
        // Warm artist 2 scores highest but is not a candidate; among cold ones 3 beats 4.
        let s = cold_start_listeners(
            &Fixed(vec![0.0, 0.0, 9.0, 2.0, 1.0]),
            &train,
            &test,
            &[1, 2],
        )
        .unwrap();
        assert_eq!(s.units(), &[0, 1]);
        assert_eq!(s.get("map@1").unwrap().values, vec![1.0, 0.0]);
        assert_eq!(s.get("map@2").unwrap().values, vec![1.0, 0.5]);
        assert_eq!(s.total_skipped(), 1);
        assert!(cold_start_listeners(&Fixed(vec![0.0; 4]), &train, &test, &[1]).is_err());
        assert!(cold_start_listeners(&Fixed(vec![0.0; 5]), &train, &test, &[]).is_err());
    }
}
