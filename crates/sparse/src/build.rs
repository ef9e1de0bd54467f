use artist2vec_core::Interactions;
use sprs::CsMatI;

use crate::SparseError;

/// A CSR matrix of `f32` with `u32` column indices and `usize` row pointers.
pub type Csr = CsMatI<f32, u32, usize>;

/// Builds a CSR matrix from (row, column, value) triplets, summing duplicates; rows and columns
/// come out sorted. Runs in O(nnz + rows) with a counting sort.
///
/// # Errors
/// [`SparseError::Shape`] when the columns differ in length or an index is out of range.
pub fn from_triplets(
    n_rows: usize,
    n_cols: usize,
    rows: &[u32],
    cols: &[u32],
    vals: &[f32],
) -> Result<Csr, SparseError> {
    if rows.len() != cols.len() || rows.len() != vals.len() {
        return Err(SparseError::Shape(format!(
            "triplet columns of lengths {}, {}, {}",
            rows.len(),
            cols.len(),
            vals.len()
        )));
    }
    if let Some(r) = rows.iter().find(|&&r| r as usize >= n_rows) {
        return Err(SparseError::Shape(format!(
            "row {r} out of range ({n_rows} rows)"
        )));
    }
    if let Some(c) = cols.iter().find(|&&c| c as usize >= n_cols) {
        return Err(SparseError::Shape(format!(
            "column {c} out of range ({n_cols} columns)"
        )));
    }
    // Counting sort by row.
    let mut indptr = vec![0usize; n_rows + 1];
    for &r in rows {
        indptr[r as usize + 1] += 1;
    }
    for i in 0..n_rows {
        indptr[i + 1] += indptr[i];
    }
    let mut next = indptr.clone();
    let mut idx = vec![0u32; rows.len()];
    let mut dat = vec![0f32; rows.len()];
    for ((&r, &c), &v) in rows.iter().zip(cols).zip(vals) {
        let p = &mut next[r as usize];
        idx[*p] = c;
        dat[*p] = v;
        *p += 1;
    }
    // Sort each row by column and merge duplicates, compacting in place.
    let mut out_ptr = vec![0usize; n_rows + 1];
    let mut w = 0usize;
    let mut pairs: Vec<(u32, f32)> = Vec::new();
    for r in 0..n_rows {
        let (a, b) = (indptr[r], indptr[r + 1]);
        pairs.clear();
        pairs.extend(idx[a..b].iter().copied().zip(dat[a..b].iter().copied()));
        pairs.sort_unstable_by_key(|p| p.0);
        for &(c, v) in &pairs {
            if w > out_ptr[r] && idx[w - 1] == c {
                dat[w - 1] += v;
            } else {
                idx[w] = c;
                dat[w] = v;
                w += 1;
            }
        }
        out_ptr[r + 1] = w;
    }
    idx.truncate(w);
    dat.truncate(w);
    Ok(Csr::new((n_rows, n_cols), out_ptr, idx, dat))
}

/// The users × artists matrix of an interaction table, summing the weights of repeated pairs.
pub fn user_item(interactions: &Interactions) -> Csr {
    from_triplets(
        interactions.n_users(),
        interactions.n_items(),
        interactions.user_col(),
        interactions.item_col(),
        interactions.weight_col(),
    )
    .expect("interaction indices are within their vocabularies")
}

/// The transpose of a CSR matrix, as CSR (rows become columns), in O(nnz).
pub fn transpose(m: &Csr) -> Csr {
    let (nr, nc) = m.shape();
    let mut indptr = vec![0usize; nc + 1];
    for &c in m.indices() {
        indptr[c as usize + 1] += 1;
    }
    for i in 0..nc {
        indptr[i + 1] += indptr[i];
    }
    let mut next = indptr.clone();
    let mut idx = vec![0u32; m.nnz()];
    let mut dat = vec![0f32; m.nnz()];
    for r in 0..nr {
        let row = m.outer_view(r).expect("row in range");
        for (c, &v) in row.iter() {
            let p = &mut next[c];
            idx[*p] = r as u32;
            dat[*p] = v;
            *p += 1;
        }
    }
    Csr::new((nc, nr), indptr, idx, dat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triplets_sum_duplicates_and_sort() {
        let m = from_triplets(
            3,
            4,
            &[2, 0, 2, 0, 2],
            &[3, 1, 0, 1, 3],
            &[1.0, 2.0, 3.0, 4.0, 5.0],
        )
        .unwrap();
        assert_eq!(m.indptr().raw_storage(), &[0, 1, 1, 3]);
        assert_eq!(m.indices(), &[1, 0, 3]);
        assert_eq!(m.data(), &[6.0, 3.0, 6.0]);
        assert!(from_triplets(1, 1, &[1], &[0], &[1.0]).is_err());
        assert!(from_triplets(1, 1, &[0], &[0, 0], &[1.0]).is_err());
        let t = transpose(&m);
        assert_eq!(t.shape(), (4, 3));
        assert_eq!(t.get(3, 2), Some(&6.0));
        assert_eq!(t.get(1, 0), Some(&6.0));
        assert_eq!(transpose(&t), m);
    }
}
