//! The subsample–retrain driver: seeded subsamples of units ([`SubsampleConfig`]), one model
//! fit and protocol run per subsample, one mean per run and model ([`SubsampleRuns`]).

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::ProtocolScores;
use crate::error::{MetricsError, Result};

/// How many seeded subsamples of units (users or sessions) to draw, and how large.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SubsampleConfig {
    /// Number of runs R.
    pub runs: usize,
    /// Fraction of the units in each subsample, in (0, 1]; each subsample has
    /// `max(1, round(fraction · n))` units.
    pub fraction: f64,
    /// Seed of the draws; run `r` uses its own stream derived from it.
    pub seed: u64,
}

impl SubsampleConfig {
    /// `runs` subsamples of `fraction` of the units, seed 0.
    pub fn new(runs: usize, fraction: f64) -> Self {
        Self {
            runs,
            fraction,
            seed: 0,
        }
    }

    /// The first notebook's design: 5 subsamples of 50 % (then Mann–Whitney U on the 5 means).
    pub fn five_halves() -> Self {
        Self::new(5, 0.5)
    }

    /// The third notebook's design: 30 subsamples of 10 % (then a two-sample t-test).
    pub fn thirty_tenths() -> Self {
        Self::new(30, 0.1)
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the values.
    ///
    /// # Errors
    /// [`MetricsError::InvalidConfig`] for zero runs or a fraction outside (0, 1].
    pub fn validate(&self) -> Result<()> {
        if self.runs == 0 {
            return Err(MetricsError::InvalidConfig {
                name: "runs",
                value: "0".into(),
                reason: "at least one subsample is needed",
            });
        }
        if !(self.fraction > 0.0 && self.fraction <= 1.0) {
            return Err(MetricsError::InvalidConfig {
                name: "fraction",
                value: self.fraction.to_string(),
                reason: "must be in (0, 1]",
            });
        }
        Ok(())
    }

    /// The `runs` subsamples of `units`, each sorted ascending. The same seed, units and
    /// settings give the same subsamples on every machine.
    ///
    /// # Errors
    /// As [`validate`](Self::validate); [`MetricsError::EmptyInput`] for no units.
    pub fn draw(&self, units: &[u32]) -> Result<Vec<Vec<u32>>> {
        self.validate()?;
        if units.is_empty() {
            return Err(MetricsError::EmptyInput {
                what: "unit list",
                origin: Some("subsampling".into()),
            });
        }
        let size = ((self.fraction * units.len() as f64).round() as usize).clamp(1, units.len());
        Ok((0..self.runs)
            .map(|run| {
                let stream = self
                    .seed
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    .wrapping_add(run as u64);
                let mut rng = StdRng::seed_from_u64(stream);
                let mut v = units.to_vec();
                v.shuffle(&mut rng);
                v.truncate(size);
                v.sort_unstable();
                v
            })
            .collect())
    }
}

/// The per-run means of every model and metric from [`subsample_retrain`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubsampleRuns {
    /// The settings used.
    pub config: SubsampleConfig,
    /// Units per subsample.
    pub subsample_size: usize,
    /// `model → metric → one mean per run` (in run order).
    pub means: BTreeMap<String, BTreeMap<String, Vec<f64>>>,
}

impl SubsampleRuns {
    /// The per-run means of `metric` for `model`, ready for `mann_whitney_u` or a t-test.
    pub fn means(&self, model: &str, metric: &str) -> Option<&[f64]> {
        self.means.get(model)?.get(metric).map(Vec::as_slice)
    }

    /// The mean over runs of the per-run means of `metric` for `model`.
    pub fn grand_mean(&self, model: &str, metric: &str) -> Option<f64> {
        self.means(model, metric).map(crate::numeric::mean)
    }
}

/// The subsample–retrain driver: draws `config.runs` seeded subsamples of `units` (users or
/// sessions) and, for every run and every model, calls `evaluate(model, run, subsample)` — which
/// fits the model on that subsample's training data and runs a protocol on its test data —
/// keeping the mean of each metric. The per-run means of two models are the samples the
/// notebooks compared with Mann–Whitney U (5 × 50 %) or a two-sample t-test (30 × 10 %).
///
/// Runs are sequential (each fit uses all cores itself); the subsamples are the same for every
/// model, so the runs can also be compared pairwise.
///
/// # Errors
/// A bad configuration or empty `units` (converted into `E`), or the first error of `evaluate`.
pub fn subsample_retrain<E, F>(
    units: &[u32],
    config: &SubsampleConfig,
    models: &[&str],
    mut evaluate: F,
) -> std::result::Result<SubsampleRuns, E>
where
    E: From<MetricsError>,
    F: FnMut(&str, usize, &[u32]) -> std::result::Result<ProtocolScores, E>,
{
    if models.is_empty() {
        return Err(MetricsError::EmptyInput {
            what: "model list",
            origin: Some("subsample_retrain".into()),
        }
        .into());
    }
    let subsets = config.draw(units)?;
    let mut means: BTreeMap<String, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
    for (run, subset) in subsets.iter().enumerate() {
        for &model in models {
            let scores = evaluate(model, run, subset)?;
            let entry = means.entry(model.to_string()).or_default();
            for (key, mean) in scores.means() {
                entry.entry(key).or_default().push(mean);
            }
        }
    }
    Ok(SubsampleRuns {
        config: *config,
        subsample_size: subsets[0].len(),
        means,
    })
}
