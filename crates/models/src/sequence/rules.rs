//! The configurations of the sequence baselines and the matrices they learn.

use artist2vec_core::Sessions;
use artist2vec_sparse::{Csr, Norm, from_triplets, gram_top_k, normalize_rows};
use serde::{Deserialize, Serialize};

use super::{MAX_WINDOW, SessionRule};
use crate::error::MAX_NEIGHBOURS;
use crate::{ModelError, Result};

/// Pairs gathered before they are merged into the matrix (bounds the memory of a fit).
const CHUNK_PAIRS: usize = 1 << 22;

/// Sums `m[a][b] += 1` over the pairs `pairs_of` yields for every session, a chunk of pairs at a
/// time, so the memory stays proportional to the matrix, not to the number of pairs.
fn count_pairs(
    sessions: &Sessions,
    n: usize,
    mut pairs_of: impl FnMut(&[u32], &mut Vec<(u32, u32)>),
) -> Result<Csr> {
    let mut acc = Csr::zero((n, n));
    let mut buf: Vec<(u32, u32)> = Vec::new();
    // Merges the pairs into the matrix: its entries and the pairs as triplets, summed.
    let flush = |buf: &mut Vec<(u32, u32)>, acc: &mut Csr| -> Result<()> {
        let ptr = acc.indptr().into_raw_storage();
        let mut rows: Vec<u32> = Vec::with_capacity(acc.nnz() + buf.len());
        for r in 0..n {
            rows.extend(std::iter::repeat_n(r as u32, ptr[r + 1] - ptr[r]));
        }
        let mut cols: Vec<u32> = acc.indices().to_vec();
        let mut vals: Vec<f32> = acc.data().to_vec();
        rows.extend(buf.iter().map(|p| p.0));
        cols.extend(buf.iter().map(|p| p.1));
        vals.resize(rows.len(), 1.0);
        *acc = from_triplets(n, n, &rows, &cols, &vals)?;
        buf.clear();
        Ok(())
    };
    for s in sessions.iter() {
        pairs_of(s.items, &mut buf);
        if buf.len() >= CHUNK_PAIRS {
            flush(&mut buf, &mut acc)?;
        }
    }
    if !buf.is_empty() {
        flush(&mut buf, &mut acc)?;
    }
    Ok(acc)
}

/// First-order Markov counts ([`Markov`](super::Markov)): the score of `b` after a history
/// ending in `a` is the number of training plays of `b` straight after `a` in a session.
/// Nothing to set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarkovConfig {}

impl SessionRule for MarkovConfig {
    const KIND: &'static str = "markov";

    fn validate(&self) -> Result<()> {
        Ok(())
    }

    fn build(&self, sessions: &Sessions, n: usize) -> Result<Csr> {
        count_pairs(sessions, n, |s, out| {
            out.extend(s.windows(2).map(|w| (w[0], w[1])));
        })
    }

    fn window(&self) -> usize {
        1
    }
}

/// Co-occurrence within the last `window` artists ([`SessionCooc`](super::SessionCooc)):
/// `m[a][b]` counts the pairs of plays of `a` and `b` at most `window` plays apart in a
/// session (both orders); a history's score is the sum of the rows of its last `window`
/// artists, weighted `1 / (1 + back)` when `decay` is on.
///
/// Default: window 5 (the "last-5 co-occurrence" baseline), decay on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionCoocConfig {
    /// Plays apart that still co-occur, and the last plays scored (1 ..= 1000; default 5).
    pub window: usize,
    /// Weigh the history's plays by `1 / (1 + steps back)` (default `true`), else equally.
    pub decay: bool,
}

impl Default for SessionCoocConfig {
    fn default() -> Self {
        Self {
            window: 5,
            decay: true,
        }
    }
}

impl SessionRule for SessionCoocConfig {
    const KIND: &'static str = "session-cooc";

    fn validate(&self) -> Result<()> {
        check_window(Self::KIND, "window", self.window)
    }

    fn build(&self, sessions: &Sessions, n: usize) -> Result<Csr> {
        let w = self.window;
        count_pairs(sessions, n, |s, out| {
            for i in 0..s.len() {
                for j in i + 1..s.len().min(i + w + 1) {
                    out.push((s[i], s[j]));
                    out.push((s[j], s[i]));
                }
            }
        })
    }

    fn window(&self) -> usize {
        self.window
    }

    fn decay(&self) -> bool {
        self.decay
    }
}

/// Item-kNN on sessions ([`SessionKnn`](super::SessionKnn)), GRU4Rec's item-kNN baseline:
/// every artist is the binary vector of the training sessions it is played in; `m[a]` holds
/// its `neighbours` most cosine-similar artists; a history's score is the sum of the rows of
/// its last `last` artists, weighted `1 / (1 + back)`.
///
/// Default: 100 neighbours, the last artist only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionKnnConfig {
    /// Neighbours kept per artist (default 100).
    pub neighbours: usize,
    /// Last plays of the history scored (1 ..= 1000; default 1).
    pub last: usize,
}

impl Default for SessionKnnConfig {
    fn default() -> Self {
        Self {
            neighbours: 100,
            last: 1,
        }
    }
}

impl SessionRule for SessionKnnConfig {
    const KIND: &'static str = "session-knn";

    fn validate(&self) -> Result<()> {
        if self.neighbours == 0 {
            return Err(ModelError::invalid(
                Self::KIND,
                "neighbours",
                0,
                "at least 1",
            ));
        }
        if self.neighbours > MAX_NEIGHBOURS {
            return Err(ModelError::OverLimit {
                model: Self::KIND,
                param: "neighbours",
                value: self.neighbours.to_string(),
                limit: format!("at most {MAX_NEIGHBOURS}"),
            });
        }
        check_window(Self::KIND, "last", self.last)
    }

    fn build(&self, sessions: &Sessions, n: usize) -> Result<Csr> {
        // Artists × sessions, binary, rows of unit length.
        let (mut rows, mut cols) = (Vec::new(), Vec::new());
        for s in sessions.iter() {
            let mut v = s.items.to_vec();
            v.sort_unstable();
            v.dedup();
            rows.extend_from_slice(&v);
            cols.extend(std::iter::repeat_n(s.index as u32, v.len()));
        }
        let mut m = from_triplets(n, sessions.len(), &rows, &cols, &vec![1.0; rows.len()])?;
        normalize_rows(&mut m, Norm::L2);
        Ok(gram_top_k(&m, self.neighbours.min(n), false))
    }

    fn window(&self) -> usize {
        self.last
    }
}

fn check_window(model: &'static str, param: &'static str, w: usize) -> Result<()> {
    if w == 0 {
        return Err(ModelError::invalid(model, param, 0, "at least 1"));
    }
    if w > MAX_WINDOW {
        return Err(ModelError::OverLimit {
            model,
            param,
            value: w.to_string(),
            limit: format!("at most {MAX_WINDOW}"),
        });
    }
    Ok(())
}
