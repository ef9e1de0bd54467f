//! Scoring a fitted model on a held-out split: the `evaluate.py` protocol (top-k from the
//! model with training artists excluded, binary relevance, every test user counted, users the
//! model cannot rank score 0), computed in memory with the metrics crate's per-list functions,
//! and the notebooks' metric variants by name.

use std::collections::HashSet;

use anyhow::{Result, bail};
use artist2vec::core::{AnyModel, Interactions, Recommender};
use artist2vec::metrics::{Metric, Scores, hits_at_k, precision_at_k};

/// A metric by name: a standard one of the metrics crate (`ndcg@10`, `precision@1`, …) or a
/// notebook variant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetricSpec {
    /// A metric of [`Metric::ALL`] at cut-off k.
    Standard(Metric, usize),
    /// Notebook 000's "MAP@k": the mean of P@1, …, P@k.
    MeanPrecision(usize),
    /// Notebook 002's hit rate: hits in the top k / min(k, |R|).
    HitsOverMin(usize),
}

impl MetricSpec {
    /// The names of the variants, for messages.
    pub const VARIANTS: &'static str = "map_nb000 (notebook 000's MAP: mean of P@1..P@k), \
        ndcg_nb000 (notebook 000's NDCG: binary, ideal DCG over min(k, |R|) items — the same \
        as ndcg here), hits_nb002 (notebook 002's hits / min(k, |R|))";

    /// Parses `name@k`.
    pub fn parse(key: &str) -> Result<MetricSpec> {
        let bad = || {
            anyhow::anyhow!(
                "metric {key:?}: expected NAME@K with NAME one of {} or a notebook variant: {}",
                Metric::names(),
                Self::VARIANTS
            )
        };
        let (name, k) = key.rsplit_once('@').ok_or_else(bad)?;
        let k: usize = k.parse().map_err(|_| bad())?;
        if k == 0 || k > 100_000 {
            bail!("metric {key:?}: the cut-off must be between 1 and 100000");
        }
        Ok(match name {
            "map_nb000" => MetricSpec::MeanPrecision(k),
            "ndcg_nb000" => {
                MetricSpec::Standard(Metric::Ndcg(artist2vec::metrics::Gain::Linear), k)
            }
            "hits_nb002" => MetricSpec::HitsOverMin(k),
            _ => MetricSpec::Standard(Metric::from_name(name).ok_or_else(bad)?, k),
        })
    }

    /// The cut-off.
    pub fn k(self) -> usize {
        match self {
            MetricSpec::Standard(_, k)
            | MetricSpec::MeanPrecision(k)
            | MetricSpec::HitsOverMin(k) => k,
        }
    }

    /// The definition, for reports.
    pub fn definition(self) -> String {
        match self {
            MetricSpec::Standard(m @ Metric::Ndcg(_), k) => format!(
                "{} (standard, binary relevance; the ideal DCG counts min({k}, |R|) relevant items, \
                 which is also notebook 000's definition)",
                m.key(k)
            ),
            MetricSpec::Standard(m, k) => format!("{} (standard, binary relevance)", m.key(k)),
            MetricSpec::MeanPrecision(k) => {
                format!("mean of P@1..P@{k} (notebook 000's \"MAP@{k}\"; not the standard AP)")
            }
            MetricSpec::HitsOverMin(k) => {
                format!("hits in the top {k} / min({k}, |R|) (notebook 002's hit rate)")
            }
        }
    }

    /// The value for one ranked list.
    pub fn score(self, ranked: &[u32], relevant: &HashSet<u32>) -> f64 {
        match self {
            MetricSpec::Standard(m, k) => m.score(ranked, relevant, k),
            MetricSpec::MeanPrecision(k) => {
                (1..=k)
                    .map(|j| precision_at_k(ranked, relevant, j))
                    .sum::<f64>()
                    / k as f64
            }
            MetricSpec::HitsOverMin(k) => {
                let d = k.min(relevant.len());
                if d == 0 {
                    f64::NAN
                } else {
                    hits_at_k(ranked, relevant, k) as f64 / d as f64
                }
            }
        }
    }
}

/// The test side of a holdout, in the training vocabulary.
pub struct Holdout {
    /// Per test user (in the test file's order of user index): the model's user index, if known.
    pub users: Vec<Option<u32>>,
    /// Per test user: the relevant artists as training artist indices; artists unknown to
    /// training get indices at or above the number of training artists (never recommended,
    /// counted in |R|).
    pub relevant: Vec<HashSet<u32>>,
    /// Per test user: their id.
    pub ids: Vec<String>,
}

impl Holdout {
    /// Maps `test` onto `train`'s vocabularies by id.
    pub fn new(train: &Interactions, test: &Interactions) -> Result<Holdout> {
        let n_items = train.items.len() as u32;
        let mut unknown: std::collections::HashMap<&str, u32> = Default::default();
        let mut rel: Vec<HashSet<u32>> = vec![HashSet::new(); test.users.len()];
        for r in test.iter() {
            let id = test.items.id(r.item);
            let ix = match train.items.get(id) {
                Some(i) => i,
                None => {
                    let next = n_items + unknown.len() as u32;
                    *unknown.entry(id).or_insert(next)
                }
            };
            rel[r.user as usize].insert(ix);
        }
        let mut h = Holdout {
            users: Vec::new(),
            relevant: Vec::new(),
            ids: Vec::new(),
        };
        for (u, r) in rel.into_iter().enumerate() {
            if r.is_empty() {
                continue;
            }
            let id = test.users.id(u as u32);
            h.users.push(train.users.get(id));
            h.relevant.push(r);
            h.ids.push(id.to_owned());
        }
        if h.users.is_empty() {
            bail!("the test split has no rows");
        }
        Ok(h)
    }

    /// The number of evaluated users.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Per-user scores of `model` on every metric (units: the test users' positions).
    pub fn scores(&self, model: &AnyModel, metrics: &[MetricSpec]) -> Result<Vec<Scores>> {
        let kmax = metrics
            .iter()
            .map(|m| m.k())
            .max()
            .unwrap_or(10)
            .min(model.n_items().max(1));
        let known: Vec<u32> = self.users.iter().flatten().copied().collect();
        let lists = model.recommend_users(&known, kmax, true)?;
        let mut it = lists.into_iter();
        let mut out: Vec<Scores> = metrics.iter().map(|_| Scores::default()).collect();
        for (pos, (u, rel)) in self.users.iter().zip(&self.relevant).enumerate() {
            let ranked: Vec<u32> = match u {
                Some(_) => it
                    .next()
                    .map(|l| l.iter().map(|n| n.item).collect())
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            for (m, s) in metrics.iter().zip(out.iter_mut()) {
                s.ids.push(pos as u32);
                s.values.push(m.score(&ranked, rel));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_follow_the_notebooks() {
        let rel: HashSet<u32> = [1, 2].into();
        let ranked = [1, 5, 2];
        let m = MetricSpec::parse("map_nb000@3").unwrap();
        let want = (1.0 + 0.5 + 2.0 / 3.0) / 3.0;
        assert!((m.score(&ranked, &rel) - want).abs() < 1e-12);
        let h = MetricSpec::parse("hits_nb002@1").unwrap();
        assert_eq!(h.score(&ranked, &rel), 1.0);
        let h3 = MetricSpec::parse("hits_nb002@3").unwrap();
        assert_eq!(h3.score(&ranked, &rel), 1.0);
        assert_eq!(MetricSpec::parse("ndcg@10").unwrap().k(), 10);
        for bad in ["ndcg", "ndcg@0", "nope@3", "ndcg@x"] {
            assert!(MetricSpec::parse(bad).is_err(), "{bad}");
        }
    }
}
