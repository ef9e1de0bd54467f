use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{Csr, SparseError};

/// How much one co-occurring pair of plays adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PairWeight {
    /// 1 per pair.
    #[default]
    Count,
    /// `1 / distance` in plays (word2vec-style context weighting).
    InverseDistance,
}

/// Settings of [`cooccurrence`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CooccurrenceConfig {
    /// Plays on either side that count as co-occurring; `None` = the whole session.
    pub window: Option<usize>,
    /// Count a pair of artists at most once per session (within the window).
    pub distinct_per_session: bool,
    /// Count an artist with itself (repeated plays) on the diagonal.
    pub include_self: bool,
    /// Weight of each pair of plays.
    pub pair_weight: PairWeight,
}

impl Default for CooccurrenceConfig {
    /// Whole sessions, each pair of artists once per session, no diagonal.
    fn default() -> Self {
        Self {
            window: None,
            distinct_per_session: true,
            include_self: false,
            pair_weight: PairWeight::Count,
        }
    }
}

/// Artist × artist co-occurrence counts over sessions given in compressed form (session `s` is
/// `items[offsets[s]..offsets[s+1]]`, the layout of [`artist2vec_core::Sessions`]).
///
/// The result is symmetric. It is computed row by row from an inverted index (artist → plays),
/// in parallel, with one dense accumulator per thread — memory is the output plus
/// O(plays + threads × artists), never a dense artists × artists matrix.
///
/// # Errors
/// [`SparseError::Shape`] when the offsets are not a valid partition of `items` or an artist
/// index is `>= n_items`.
pub fn cooccurrence(
    offsets: &[usize],
    items: &[u32],
    n_items: usize,
    config: &CooccurrenceConfig,
) -> Result<Csr, SparseError> {
    if offsets.first() != Some(&0)
        || offsets.last() != Some(&items.len())
        || offsets.windows(2).any(|w| w[0] > w[1])
    {
        return Err(SparseError::Shape(
            "session offsets must start at 0, end at the number of plays and never decrease".into(),
        ));
    }
    if let Some(&bad) = items.iter().find(|&&i| i as usize >= n_items) {
        return Err(SparseError::Shape(format!(
            "artist {bad} out of range ({n_items} artists)"
        )));
    }
    if items.len() >= u32::MAX as usize || offsets.len() >= u32::MAX as usize {
        return Err(SparseError::Shape(
            "more than 2^32 plays or sessions".into(),
        ));
    }
    let n_sessions = offsets.len() - 1;
    // session of each play
    let mut session_of = vec![0u32; items.len()];
    for s in 0..n_sessions {
        session_of[offsets[s]..offsets[s + 1]].fill(s as u32);
    }
    // inverted index artist -> play positions (ascending)
    let mut occ_ptr = vec![0usize; n_items + 1];
    for &i in items {
        occ_ptr[i as usize + 1] += 1;
    }
    for i in 0..n_items {
        occ_ptr[i + 1] += occ_ptr[i];
    }
    let mut next = occ_ptr.clone();
    let mut occ = vec![0u32; items.len()];
    for (p, &i) in items.iter().enumerate() {
        occ[next[i as usize]] = p as u32;
        next[i as usize] += 1;
    }
    drop(next);

    let window = config.window.unwrap_or(usize::MAX);
    let rows: Vec<(Vec<u32>, Vec<f32>)> = (0..n_items)
        .into_par_iter()
        .map_init(
            || {
                (
                    vec![0f32; n_items],
                    vec![u32::MAX; n_items],
                    Vec::<u32>::new(),
                )
            },
            |(acc, stamp, touched), a| {
                for &p in &occ[occ_ptr[a]..occ_ptr[a + 1]] {
                    let p = p as usize;
                    let s = session_of[p] as usize;
                    let lo = offsets[s].max(p.saturating_sub(window));
                    let hi = offsets[s + 1].min(p.saturating_add(window).saturating_add(1));
                    for q in lo..hi {
                        if q == p {
                            continue;
                        }
                        let b = items[q] as usize;
                        if b == a && !config.include_self {
                            continue;
                        }
                        if config.distinct_per_session {
                            if stamp[b] == s as u32 {
                                continue;
                            }
                            stamp[b] = s as u32;
                        }
                        let w = match config.pair_weight {
                            PairWeight::Count => 1.0,
                            PairWeight::InverseDistance => 1.0 / q.abs_diff(p) as f32,
                        };
                        if acc[b] == 0.0 {
                            touched.push(b as u32);
                        }
                        acc[b] += w;
                    }
                }
                touched.sort_unstable();
                let vals: Vec<f32> = touched.iter().map(|&b| acc[b as usize]).collect();
                for &b in touched.iter() {
                    acc[b as usize] = 0.0;
                    stamp[b as usize] = u32::MAX;
                }
                (std::mem::take(touched), vals)
            },
        )
        .collect();
    let nnz: usize = rows.iter().map(|r| r.0.len()).sum();
    let mut indptr = Vec::with_capacity(n_items + 1);
    let mut idx = Vec::with_capacity(nnz);
    let mut dat = Vec::with_capacity(nnz);
    indptr.push(0);
    for (i, v) in rows {
        idx.extend_from_slice(&i);
        dat.extend_from_slice(&v);
        indptr.push(idx.len());
    }
    Ok(Csr::new((n_items, n_items), indptr, idx, dat))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force over all pairs of plays.
    fn brute(offsets: &[usize], items: &[u32], n: usize, c: &CooccurrenceConfig) -> Vec<Vec<f32>> {
        let mut m = vec![vec![0f32; n]; n];
        for s in 0..offsets.len() - 1 {
            let sess = &items[offsets[s]..offsets[s + 1]];
            let mut seen = std::collections::HashSet::new();
            for p in 0..sess.len() {
                for q in 0..sess.len() {
                    let d = p.abs_diff(q);
                    if p == q || d > c.window.unwrap_or(usize::MAX) {
                        continue;
                    }
                    let (a, b) = (sess[p] as usize, sess[q] as usize);
                    if a == b && !c.include_self {
                        continue;
                    }
                    if c.distinct_per_session && !seen.insert((a, b)) {
                        continue;
                    }
                    m[a][b] += match c.pair_weight {
                        PairWeight::Count => 1.0,
                        PairWeight::InverseDistance => 1.0 / d as f32,
                    };
                }
            }
        }
        m
    }

    #[test]
    fn matches_brute_force_on_random_sessions() {
        let mut state = 99u64;
        let mut rnd = |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        let n = 13;
        let mut offsets = vec![0];
        let mut items = Vec::new();
        for _ in 0..60 {
            let len = rnd(9) as usize;
            for _ in 0..len {
                items.push(rnd(n as u64) as u32);
            }
            offsets.push(items.len());
        }
        for window in [None, Some(1), Some(3)] {
            for distinct in [false, true] {
                for include_self in [false, true] {
                    for pair_weight in [PairWeight::Count, PairWeight::InverseDistance] {
                        let c = CooccurrenceConfig {
                            window,
                            distinct_per_session: distinct,
                            include_self,
                            pair_weight,
                        };
                        let got = cooccurrence(&offsets, &items, n, &c).unwrap();
                        let want = brute(&offsets, &items, n, &c);
                        for a in 0..n {
                            for b in 0..n {
                                let g = *got.get(a, b).unwrap_or(&0.0);
                                assert!(
                                    (g - want[a][b]).abs() < 1e-4,
                                    "{c:?} ({a},{b}): {g} vs {}",
                                    want[a][b]
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn bad_input_is_refused() {
        let c = CooccurrenceConfig::default();
        assert!(cooccurrence(&[0, 2], &[0, 5], 3, &c).is_err());
        assert!(cooccurrence(&[0, 3], &[0, 1], 3, &c).is_err());
        assert!(cooccurrence(&[1, 2], &[0, 1], 3, &c).is_err());
    }
}
