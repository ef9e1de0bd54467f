use artist2vec_core::Neighbor;
use artist2vec_core::topk::TopK;
use rayon::prelude::*;

use crate::{Csr, transpose};

/// The `k` largest stored entries of row `r`, best first (ties: lower column first).
///
/// # Panics
/// When `r` is out of range.
pub fn row_top_k(m: &Csr, r: usize, k: usize) -> Vec<Neighbor> {
    let row = m.outer_view(r).expect("row in range");
    let mut top = TopK::new(k);
    for (c, &v) in row.iter() {
        top.push(c as u32, v);
    }
    top.into_sorted()
}

/// Keeps the `k` largest stored entries of every row (in parallel); the result is CSR with
/// columns sorted ascending within each row.
pub fn top_k_rows(m: &Csr, k: usize) -> Csr {
    let rows: Vec<Vec<Neighbor>> = (0..m.rows())
        .into_par_iter()
        .map(|r| row_top_k(m, r, k))
        .collect();
    from_rows(m.shape(), rows)
}

/// For every row `i` of `m` (rows = objects, columns = features), the `k` rows `j ≠ i` (unless
/// `include_self`) with the largest dot product `m[i]·m[j]` — the top-k of the sparse Gram
/// matrix `m·mᵀ`, without forming it. Normalise rows to unit L2 norm first to get cosine
/// similarity. Zero similarities are never listed. Runs in parallel over rows with one dense
/// accumulator per thread.
pub fn gram_top_k(m: &Csr, k: usize, include_self: bool) -> Csr {
    let t = transpose(m);
    let n = m.rows();
    let rows: Vec<Vec<Neighbor>> = (0..n)
        .into_par_iter()
        .map_init(
            || (vec![0f32; n], Vec::<u32>::new()),
            |(acc, touched), i| {
                let row = m.outer_view(i).expect("row in range");
                for (f, &v) in row.iter() {
                    let col = t.outer_view(f).expect("feature in range");
                    for (j, &w) in col.iter() {
                        if acc[j] == 0.0 {
                            touched.push(j as u32);
                        }
                        acc[j] += v * w;
                    }
                }
                let mut top = TopK::new(k);
                for &j in touched.iter() {
                    let s = acc[j as usize];
                    acc[j as usize] = 0.0;
                    if (j as usize != i || include_self) && s != 0.0 {
                        top.push(j, s);
                    }
                }
                touched.clear();
                top.into_sorted()
            },
        )
        .collect();
    from_rows((n, n), rows)
}

/// The CSR matrix of `shape` whose row `r` holds the (column, value) pairs of `rows[r]`, in any
/// order (they are sorted by column).
///
/// # Panics
/// When a column is out of range or repeated within a row.
pub fn from_rows(shape: (usize, usize), rows: Vec<Vec<Neighbor>>) -> Csr {
    let mut indptr = Vec::with_capacity(rows.len() + 1);
    let nnz = rows.iter().map(Vec::len).sum();
    let mut idx = Vec::with_capacity(nnz);
    let mut dat = Vec::with_capacity(nnz);
    indptr.push(0);
    for mut r in rows {
        r.sort_unstable_by_key(|n| n.item);
        idx.extend(r.iter().map(|n| n.item));
        dat.extend(r.iter().map(|n| n.score));
        indptr.push(idx.len());
    }
    Csr::new(shape, indptr, idx, dat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Norm, from_triplets, normalize_rows};

    fn random(nr: usize, nc: usize, density: u64, seed: u64) -> Csr {
        let mut s = seed;
        let (mut r, mut c, mut v) = (vec![], vec![], vec![]);
        for i in 0..nr {
            for j in 0..nc {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if (s >> 33) % 100 < density {
                    r.push(i as u32);
                    c.push(j as u32);
                    v.push(1.0 + ((s >> 20) % 7) as f32);
                }
            }
        }
        from_triplets(nr, nc, &r, &c, &v).unwrap()
    }

    #[test]
    fn gram_top_k_matches_dense_brute_force() {
        let mut m = random(40, 25, 15, 3);
        normalize_rows(&mut m, Norm::L2);
        let k = 5;
        let got = gram_top_k(&m, k, false);
        let dense =
            |r: usize| -> Vec<f32> { (0..25).map(|c| *m.get(r, c).unwrap_or(&0.0)).collect() };
        for i in 0..40 {
            let a = dense(i);
            let mut sims: Vec<(u32, f32)> = (0..40)
                .filter(|&j| j != i)
                .map(|j| {
                    (
                        j as u32,
                        a.iter().zip(dense(j)).map(|(x, y)| x * y).sum::<f32>(),
                    )
                })
                .filter(|p| p.1 != 0.0)
                .collect();
            sims.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            sims.truncate(k);
            let row = row_top_k(&got, i, k);
            assert_eq!(row.len(), sims.len(), "row {i}");
            for (g, w) in row.iter().zip(&sims) {
                assert!((g.score - w.1).abs() < 1e-5, "row {i}: {g:?} vs {w:?}");
            }
        }
    }

    #[test]
    fn top_k_rows_keeps_largest() {
        let m = from_triplets(2, 5, &[0, 0, 0, 1], &[0, 2, 4, 1], &[1.0, 3.0, 2.0, 9.0]).unwrap();
        let t = top_k_rows(&m, 2);
        assert_eq!(t.get(0, 0), None);
        assert_eq!(t.get(0, 2), Some(&3.0));
        assert_eq!(t.get(0, 4), Some(&2.0));
        assert_eq!(
            row_top_k(&m, 1, 3),
            vec![Neighbor {
                item: 1,
                score: 9.0
            }]
        );
    }
}
