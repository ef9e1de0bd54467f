//! What every protocol returns, [`ProtocolScores`] (per-unit scores per metric, and what was
//! left out), and the small checks the protocols share.

use artist2vec_core::CoreError;
use serde::{Deserialize, Serialize};

use crate::batch::Scores;
use crate::error::{MetricsError, Result};

/// The per-unit scores of one protocol run: one [`Scores`] per metric, all over the same units
/// (in the same order), plus what was left out and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtocolScores {
    /// What a unit is: `user`, `sequence` or `artist`.
    pub unit: String,
    /// `(key, per-unit scores)`, keys such as `ndcg@20`, in the protocol's order.
    pub metrics: Vec<(String, Scores)>,
    /// Units left out, by reason (e.g. sequences shorter than two artists after removing
    /// repeats). Nothing is dropped without being counted here.
    pub skipped: Vec<(String, usize)>,
}

impl ProtocolScores {
    /// The per-unit scores of metric `key` (e.g. `"hit_rate@10"`).
    pub fn get(&self, key: &str) -> Option<&Scores> {
        self.metrics.iter().find(|(k, _)| k == key).map(|(_, s)| s)
    }

    /// The mean of metric `key` over the units.
    pub fn mean(&self, key: &str) -> Option<f64> {
        self.get(key).map(Scores::mean)
    }

    /// `(key, mean)` for every metric, in order.
    pub fn means(&self) -> Vec<(String, f64)> {
        self.metrics
            .iter()
            .map(|(k, s)| (k.clone(), s.mean()))
            .collect()
    }

    /// The evaluated unit ids (the same for every metric).
    pub fn units(&self) -> &[u32] {
        match self.metrics.first() {
            Some((_, s)) => &s.ids,
            None => &[],
        }
    }

    /// The number of units left out, all reasons together.
    pub fn total_skipped(&self) -> usize {
        self.skipped.iter().map(|(_, n)| n).sum()
    }
}

pub(super) fn core(e: CoreError) -> MetricsError {
    MetricsError::Model(e)
}

pub(super) fn check_k(k: usize) -> Result<()> {
    if k == 0 {
        Err(MetricsError::InvalidK(k))
    } else {
        Ok(())
    }
}
