use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::topk::{Neighbor, TopK};
use crate::{CoreError, Vocabulary};

/// How two vectors are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Similarity {
    /// Cosine similarity (dot product of unit vectors); zero vectors score 0.
    #[default]
    Cosine,
    /// Plain dot product.
    Dot,
}

/// A table of artist vectors: `len × dim` row-major `f32`, one row per vocabulary entry.
///
/// Everything downstream of training (similar artists, export, plots, metrics) sees this type,
/// whatever model produced it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Embeddings {
    vocab: Vocabulary,
    dim: usize,
    data: Vec<f32>,
    #[serde(skip)]
    norms: Vec<f32>,
}

/// Rows scanned per parallel task in similarity queries.
const CHUNK: usize = 4096;

impl Embeddings {
    /// A table from a vocabulary and its row-major data.
    ///
    /// # Errors
    /// [`CoreError::Shape`] when `data.len() != vocab.len() * dim` or `dim == 0`;
    /// [`CoreError::Invalid`] when a value is not finite.
    pub fn new(vocab: Vocabulary, dim: usize, data: Vec<f32>) -> Result<Self, CoreError> {
        if dim == 0 {
            return Err(CoreError::Shape("embedding dimension must be > 0".into()));
        }
        if data.len() != vocab.len() * dim {
            return Err(CoreError::Shape(format!(
                "{} values for {} rows of dimension {dim}",
                data.len(),
                vocab.len()
            )));
        }
        if let Some(pos) = data.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::Invalid(format!(
                "non-finite value {} in row {} ({})",
                data[pos],
                pos / dim,
                vocab.id((pos / dim) as u32)
            )));
        }
        let mut e = Self {
            vocab,
            dim,
            data,
            norms: Vec::new(),
        };
        e.compute_norms();
        Ok(e)
    }

    fn compute_norms(&mut self) {
        self.norms = self
            .data
            .chunks_exact(self.dim)
            .map(|r| dot(r, r).sqrt())
            .collect();
    }

    /// Restores derived state after deserialisation (index of the vocabulary, row norms).
    pub fn rebuild(&mut self) {
        self.vocab.rebuild_index();
        self.compute_norms();
    }

    /// The vocabulary (artist ids and names).
    pub fn vocab(&self) -> &Vocabulary {
        &self.vocab
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.vocab.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.vocab.is_empty()
    }

    /// All values, row-major.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    /// Row `ix`.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for a bad index.
    pub fn row(&self, ix: u32) -> Result<&[f32], CoreError> {
        let i = ix as usize;
        if i >= self.len() {
            return Err(CoreError::IndexOutOfRange {
                kind: "artist",
                index: i,
                len: self.len(),
            });
        }
        Ok(&self.data[i * self.dim..(i + 1) * self.dim])
    }

    /// The Euclidean norm of each row.
    pub fn norms(&self) -> &[f32] {
        &self.norms
    }

    /// The `k` rows most similar to row `ix`, best first, the query itself excluded.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for a bad index.
    pub fn similar(&self, ix: u32, k: usize, sim: Similarity) -> Result<Vec<Neighbor>, CoreError> {
        let q = self.row(ix)?.to_vec();
        Ok(self.nearest_to_vector(&q, k, sim, &[ix]))
    }

    /// [`similar`](Self::similar) for many artists at once, with the same results (bit for
    /// bit): queries are processed in blocks so that every row of the table is read once per
    /// block rather than once per query, in parallel over blocks. This is what evaluations that
    /// ask for the neighbours of thousands of artists should call.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for a bad index.
    pub fn similar_batch(
        &self,
        queries: &[u32],
        k: usize,
        sim: Similarity,
    ) -> Result<Vec<Vec<Neighbor>>, CoreError> {
        self.similar_batch_excluding(queries, k, sim, &[])
    }

    /// [`similar_batch`](Self::similar_batch) with the rows whose indices are in `exclude`
    /// (sorted ascending) left out of every list, as [`nearest_to_vector`](Self::nearest_to_vector)
    /// leaves them out (e.g. artists without a trained vector).
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for a bad query index.
    pub fn similar_batch_excluding(
        &self,
        queries: &[u32],
        k: usize,
        sim: Similarity,
        exclude: &[u32],
    ) -> Result<Vec<Vec<Neighbor>>, CoreError> {
        for &q in queries {
            self.row(q)?;
        }
        const BLOCK: usize = 16;
        let dim = self.dim;
        let blocks: Vec<Vec<Vec<Neighbor>>> = queries
            .par_chunks(BLOCK)
            .map(|block| {
                let qn: Vec<f32> = block
                    .iter()
                    .map(|&q| match sim {
                        Similarity::Cosine => {
                            let row = &self.data[q as usize * dim..(q as usize + 1) * dim];
                            let n = dot(row, row).sqrt();
                            if n > 0.0 { 1.0 / n } else { 0.0 }
                        }
                        Similarity::Dot => 1.0,
                    })
                    .collect();
                let mut tops: Vec<TopK> = block.iter().map(|_| TopK::new(k)).collect();
                for (r, row) in self.data.chunks_exact(dim).enumerate() {
                    let item = r as u32;
                    if exclude.binary_search(&item).is_ok() {
                        continue;
                    }
                    for (j, &q) in block.iter().enumerate() {
                        if q == item {
                            continue;
                        }
                        let query = &self.data[q as usize * dim..(q as usize + 1) * dim];
                        let mut s = dot(query, row);
                        if sim == Similarity::Cosine {
                            let n = self.norms[r];
                            s = if n > 0.0 { s * qn[j] / n } else { 0.0 };
                        }
                        tops[j].push(item, s);
                    }
                }
                tops.into_iter().map(TopK::into_sorted).collect()
            })
            .collect();
        Ok(blocks.into_iter().flatten().collect())
    }

    /// Like [`similar`](Self::similar), looking the artist up by external id or display name.
    ///
    /// # Errors
    /// [`CoreError::UnknownId`] when no artist has that id or name.
    pub fn similar_by_id(
        &self,
        id_or_name: &str,
        k: usize,
        sim: Similarity,
    ) -> Result<Vec<Neighbor>, CoreError> {
        let ix = match self.vocab.get(id_or_name) {
            Some(ix) => ix,
            None => self.vocab.find(id_or_name)?,
        };
        self.similar(ix, k, sim)
    }

    /// The `k` rows most similar to an arbitrary query vector, best first, skipping the sorted
    /// indices in `exclude`. Scans all rows in parallel.
    ///
    /// # Panics
    /// When `query.len() != self.dim()`.
    pub fn nearest_to_vector(
        &self,
        query: &[f32],
        k: usize,
        sim: Similarity,
        exclude: &[u32],
    ) -> Vec<Neighbor> {
        assert_eq!(query.len(), self.dim, "query dimension");
        let qn = match sim {
            Similarity::Cosine => {
                let n = dot(query, query).sqrt();
                if n > 0.0 { 1.0 / n } else { 0.0 }
            }
            Similarity::Dot => 1.0,
        };
        let dim = self.dim;
        let partial: Vec<Vec<Neighbor>> = self
            .data
            .par_chunks(CHUNK * dim)
            .enumerate()
            .map(|(c, block)| {
                let base = c * CHUNK;
                let mut top = TopK::new(k);
                for (r, row) in block.chunks_exact(dim).enumerate() {
                    let item = (base + r) as u32;
                    if exclude.binary_search(&item).is_ok() {
                        continue;
                    }
                    let mut s = dot(query, row);
                    if sim == Similarity::Cosine {
                        let n = self.norms[base + r];
                        s = if n > 0.0 { s * qn / n } else { 0.0 };
                    }
                    top.push(item, s);
                }
                top.into_sorted()
            })
            .collect();
        let mut top = TopK::new(k);
        for n in partial.into_iter().flatten() {
            top.push(n.item, n.score);
        }
        top.into_sorted()
    }

    /// Consumes the table, returning its vocabulary, dimension and data.
    pub fn into_parts(self) -> (Vocabulary, usize, Vec<f32>) {
        (self.vocab, self.dim, self.data)
    }
}

/// Dot product written so that the compiler vectorises it (eight independent accumulators).
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; 8];
    let chunks = n / 8;
    for c in 0..chunks {
        let (x, y) = (&a[c * 8..c * 8 + 8], &b[c * 8..c * 8 + 8]);
        for j in 0..8 {
            acc[j] += x[j] * y[j];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for i in chunks * 8..n {
        s += a[i] * b[i];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn table(rows: &[[f32; 3]]) -> Embeddings {
        let vocab = Vocabulary::from_ids((0..rows.len()).map(|i| format!("a{i}"))).unwrap();
        Embeddings::new(vocab, 3, rows.iter().flatten().copied().collect()).unwrap()
    }

    #[test]
    fn shape_and_finiteness_are_checked() {
        let v = Vocabulary::from_ids(["a", "b"]).unwrap();
        assert!(matches!(
            Embeddings::new(v.clone(), 2, vec![0.0; 3]),
            Err(CoreError::Shape(_))
        ));
        assert!(matches!(
            Embeddings::new(v, 1, vec![0.0, f32::NAN]),
            Err(CoreError::Invalid(_))
        ));
    }

    #[test]
    fn similar_matches_brute_force_and_excludes_query() {
        let mut rows = Vec::new();
        let mut s = 7u64;
        for _ in 0..9000 {
            let mut r = [0f32; 3];
            for v in &mut r {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
                *v = ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5;
            }
            rows.push(r);
        }
        let t = table(&rows);
        for sim in [Similarity::Cosine, Similarity::Dot] {
            let got = t.similar(17, 5, sim).unwrap();
            let q = rows[17];
            let mut brute: Vec<(u32, f32)> = rows
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != 17)
                .map(|(i, r)| {
                    let d = dot(&q, r);
                    let s = match sim {
                        Similarity::Dot => d,
                        Similarity::Cosine => d / (dot(&q, &q).sqrt() * dot(r, r).sqrt()),
                    };
                    (i as u32, s)
                })
                .collect();
            brute.sort_by(|a, b| b.1.total_cmp(&a.1));
            assert_eq!(got.len(), 5);
            for (g, b) in got.iter().zip(&brute) {
                assert_eq!(g.item, b.0);
                assert_relative_eq!(g.score, b.1, epsilon = 1e-5);
            }
            assert!(got.iter().all(|n| n.item != 17));
        }
    }

    #[test]
    fn similar_batch_equals_one_query_at_a_time() {
        let rows: Vec<[f32; 3]> = (0..300)
            .map(|i| {
                let x = i as f32;
                [
                    (x * 0.37).sin(),
                    (x * 0.11).cos(),
                    if i % 7 == 0 { 0.0 } else { x.sqrt() },
                ]
            })
            .chain(std::iter::once([0.0, 0.0, 0.0]))
            .collect();
        let t = table(&rows);
        let queries: Vec<u32> = (0..301).step_by(3).chain([300, 5, 5]).collect();
        let exclude = [2, 4, 9, 10, 300];
        for sim in [Similarity::Cosine, Similarity::Dot] {
            let batch = t.similar_batch(&queries, 7, sim).unwrap();
            assert_eq!(batch.len(), queries.len());
            for (&q, got) in queries.iter().zip(&batch) {
                assert_eq!(got, &t.similar(q, 7, sim).unwrap());
            }
            // Excluding rows: the lists of `nearest_to_vector` with the query added to them.
            let batch = t
                .similar_batch_excluding(&queries, 7, sim, &exclude)
                .unwrap();
            for (&q, got) in queries.iter().zip(&batch) {
                let mut ex = exclude.to_vec();
                if let Err(pos) = ex.binary_search(&q) {
                    ex.insert(pos, q);
                }
                let want = t.nearest_to_vector(t.row(q).unwrap(), 7, sim, &ex);
                assert_eq!(got, &want, "{sim:?} {q}");
                assert!(got.iter().all(|n| !exclude.contains(&n.item)));
            }
        }
        assert!(matches!(
            t.similar_batch(&[1, 301], 2, Similarity::Cosine),
            Err(CoreError::IndexOutOfRange { .. })
        ));
        assert!(
            t.similar_batch(&[], 2, Similarity::Cosine)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn unknown_artist_is_an_error() {
        let t = table(&[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]);
        assert!(matches!(
            t.similar_by_id("nope", 1, Similarity::Cosine),
            Err(CoreError::UnknownId { .. })
        ));
        assert!(matches!(
            t.similar(5, 1, Similarity::Cosine),
            Err(CoreError::IndexOutOfRange { .. })
        ));
    }
}
