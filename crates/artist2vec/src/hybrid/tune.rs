//! Tuning the hybrid's weights on a validation split: a coordinate search on NDCG@10.

use artist2vec_core::topk::top_k;
use artist2vec_core::{AnyModel, CoreError, Interactions, Observer, Progress, Query};
use rayon::prelude::*;

use super::{Normalization, normalise};

/// The list length the weights are tuned for.
const K: usize = 10;

/// Factors each positive weight is scaled by in one step of the search.
const STEPS: [f32; 7] = [0.0, 0.25, 0.5, 0.7, 1.4, 2.0, 4.0];

/// Shares of the weights' sum a zero weight is tried at.
const REVIVE: [f32; 5] = [0.05, 0.1, 0.25, 0.5, 1.0];

/// The result of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct Tuned {
    /// One weight per member, summing to 1.
    pub weights: Vec<f32>,
    /// Mean NDCG@10 of those weights over the validation listeners.
    pub ndcg: f64,
    /// Validation listeners scored (those the members know).
    pub users: usize,
}

/// One validation listener: the candidates' normalised scores by member, which candidates
/// are relevant, and the ideal DCG.
struct Prepared {
    /// `members × candidates`, member-major.
    scores: Vec<f32>,
    relevant: Vec<bool>,
    idcg: f64,
}

impl Prepared {
    fn ndcg(&self, weights: &[f32], blended: &mut Vec<f32>) -> f64 {
        let c = self.relevant.len();
        blended.clear();
        blended.resize(c, 0.0);
        for (k, &w) in weights.iter().enumerate() {
            if w == 0.0 {
                continue;
            }
            for (b, &s) in blended.iter_mut().zip(&self.scores[k * c..(k + 1) * c]) {
                *b += w * s;
            }
        }
        let mut dcg = 0.0;
        for (r, nb) in top_k(blended, K, &[]).iter().enumerate() {
            if self.relevant[nb.item as usize] {
                dcg += 1.0 / ((r + 2) as f64).log2();
            }
        }
        dcg / self.idcg
    }
}

/// Searches the weights of `members` (fitted on the validation split's training part) that
/// maximise the mean NDCG@10 over the listeners of `test`, binary relevance, training artists
/// excluded — `artist2vec evaluate`'s NDCG, with each listener's top 10 taken from the union of
/// the members' top `candidates`. Starts from the best of equal weights, each member alone and
/// `given`; then scales one weight at a time while that improves the mean.
///
/// Listeners of `test` unknown to the members (no training rows) are left out.
///
/// # Errors
/// A member's scoring error; [`CoreError::Invalid`] when no test listener is known.
pub fn tune(
    members: &[AnyModel],
    test: &Interactions,
    how: Normalization,
    candidates: usize,
    given: &[f32],
    observer: &dyn Observer,
) -> Result<Tuned, CoreError> {
    let m = members.len();
    let n_users = members[0].n_users();
    let n_items = members[0].n_items();
    let mut relevant: Vec<Vec<u32>> = vec![Vec::new(); test.n_users()];
    for (&u, &i) in test.user_col().iter().zip(test.item_col()) {
        relevant[u as usize].push(i);
    }
    let mut users = Vec::new();
    for (u, r) in relevant.iter_mut().enumerate() {
        r.sort_unstable();
        r.dedup();
        if !r.is_empty() && u < n_users {
            users.push(u as u32);
        }
    }
    if users.is_empty() {
        return Err(CoreError::Invalid(
            "validation: no listener of test.tsv has training rows".into(),
        ));
    }
    observer.progress(&Progress {
        stage: "hybrid: scoring validation listeners",
        done: 0,
        total: Some(users.len() as u64),
        value: None,
    });
    let prepared: Vec<Prepared> = users
        .par_iter()
        .map_init(
            || vec![vec![0f32; n_items]; m],
            |bufs, &u| -> Result<Prepared, CoreError> {
                let seen = members[0].seen(u)?;
                let mut cands: Vec<u32> = Vec::new();
                for (model, buf) in members.iter().zip(bufs.iter_mut()) {
                    model.score_into(&Query::User(u), buf)?;
                    normalise(buf, how);
                    cands.extend(top_k(buf, candidates, seen).iter().map(|nb| nb.item));
                }
                cands.sort_unstable();
                cands.dedup();
                let scores = bufs
                    .iter()
                    .flat_map(|b| cands.iter().map(|&i| b[i as usize]))
                    .collect();
                let rel = &relevant[u as usize];
                let relevant = cands.iter().map(|i| rel.binary_search(i).is_ok()).collect();
                let idcg = (0..rel.len().min(K))
                    .map(|r| 1.0 / ((r + 2) as f64).log2())
                    .sum();
                Ok(Prepared {
                    scores,
                    relevant,
                    idcg,
                })
            },
        )
        .collect::<Result<_, _>>()?;
    let eval = |w: &[f32]| -> f64 {
        let sum: f64 = prepared
            .par_iter()
            .map_init(Vec::new, |b, p| p.ndcg(w, b))
            .sum();
        sum / prepared.len() as f64
    };
    let mut starts = vec![vec![1.0f32; m]];
    for k in 0..m {
        let mut w = vec![0.0; m];
        w[k] = 1.0;
        starts.push(w);
    }
    if given.len() == m && given.iter().any(|&w| w > 0.0) {
        starts.push(given.to_vec());
    }
    let (mut best_w, mut best) = (starts[0].clone(), f64::NEG_INFINITY);
    for w in starts {
        let s = eval(&w);
        if s > best {
            (best_w, best) = (w, s);
        }
    }
    for round in 0..20u64 {
        let mut improved = false;
        for k in 0..m {
            let total: f32 = best_w.iter().sum();
            let trials: Vec<f32> = if best_w[k] > 0.0 {
                STEPS.iter().map(|f| best_w[k] * f).collect()
            } else {
                REVIVE.iter().map(|f| total * f).collect()
            };
            for v in trials {
                let mut w = best_w.clone();
                w[k] = v;
                if w.iter().all(|&x| x == 0.0) {
                    continue;
                }
                let s = eval(&w);
                if s > best + 1e-7 {
                    (best_w, best) = (w, s);
                    improved = true;
                }
            }
        }
        observer.progress(&Progress {
            stage: "hybrid: weight search round",
            done: round + 1,
            total: None,
            value: Some(("validation NDCG@10", best)),
        });
        if !improved {
            break;
        }
    }
    let total: f32 = best_w.iter().sum();
    let weights: Vec<f32> = best_w.iter().map(|w| w / total).collect();
    let ndcg = eval(&weights);
    Ok(Tuned {
        weights,
        ndcg,
        users: prepared.len(),
    })
}
