//! The k-nearest-neighbour graph UMAP starts from: exact cosine neighbours of artist vectors,
//! or a model's own similar-artist lists for models without vectors.

use artist2vec_core::{Embeddings, SimilarArtists, Similarity};

use crate::VizError;

/// Every point's `k` nearest neighbours (itself excluded) with their distances, row-major:
/// neighbour `j` of point `i` is `indices[i * k + j]` at `distances[i * k + j]`, nearest first.
/// A missing neighbour (a point with fewer than `k` others) is `u32::MAX` at distance
/// `f32::INFINITY`.
#[derive(Debug, Clone, PartialEq)]
pub struct KnnGraph {
    n: usize,
    k: usize,
    indices: Vec<u32>,
    distances: Vec<f32>,
}

impl KnnGraph {
    /// A graph from its columns.
    ///
    /// # Errors
    /// [`VizError::Invalid`] when `k == 0`, the lengths are not `n * k`, an index is out of
    /// range or points at the row itself, or a distance is negative or NaN.
    pub fn new(
        n: usize,
        k: usize,
        indices: Vec<u32>,
        distances: Vec<f32>,
    ) -> Result<Self, VizError> {
        if k == 0 {
            return Err(VizError::Invalid("k must be at least 1".into()));
        }
        let len = n
            .checked_mul(k)
            .ok_or_else(|| VizError::Invalid(format!("{n} points × {k} neighbours overflows")))?;
        if indices.len() != len || distances.len() != len {
            return Err(VizError::Invalid(format!(
                "{} indices and {} distances for {n} points × {k} neighbours",
                indices.len(),
                distances.len()
            )));
        }
        for (p, (&j, &d)) in indices.iter().zip(&distances).enumerate() {
            let i = p / k;
            if j == u32::MAX {
                continue;
            }
            if j as usize >= n || j as usize == i {
                return Err(VizError::Invalid(format!(
                    "neighbour {} of point {i} is {j} (points are 0..{n}, itself excluded)",
                    p % k
                )));
            }
            if d.is_nan() || d < 0.0 {
                return Err(VizError::Invalid(format!(
                    "distance {d} from point {i} to {j} (distances are >= 0)"
                )));
            }
        }
        Ok(Self {
            n,
            k,
            indices,
            distances,
        })
    }

    /// Exact cosine neighbours of the rows of `table`: distance `1 − cos`, in `[0, 2]` (a zero
    /// vector is at distance 1 from everything). Uses the blocked scan of
    /// [`Embeddings::similar_batch`].
    ///
    /// # Errors
    /// [`VizError::Invalid`] for `k == 0` or fewer than two rows.
    pub fn from_embeddings(table: &Embeddings, k: usize) -> Result<Self, VizError> {
        let n = table.len();
        check_k(n, k)?;
        let all: Vec<u32> = (0..n as u32).collect();
        let lists = table.similar_batch(&all, k, Similarity::Cosine)?;
        let to_distance = |s: f32| (1.0 - s).clamp(0.0, 2.0);
        Ok(Self::from_lists(n, k, &lists, to_distance))
    }

    /// The neighbour lists of a model without vectors (item-kNN, EASE, RP3beta, …), from
    /// [`SimilarArtists::similar_batch`]. Scores of such models have no common scale, so each
    /// list is turned into distances relative to its own best score `s₁`:
    /// `d = (s₁ − s) / |s₁|` (`d = s₁ − s` when `s₁ = 0`). UMAP's calibration subtracts the
    /// nearest distance and rescales every row anyway, so only the shape of each list matters.
    ///
    /// # Errors
    /// [`VizError::Invalid`] for `k == 0` or fewer than two points; the model's error (e.g.
    /// no similarity at all).
    pub fn from_similar<S: SimilarArtists + Sync + ?Sized>(
        model: &S,
        n: usize,
        k: usize,
    ) -> Result<Self, VizError> {
        check_k(n, k)?;
        let all: Vec<u32> = (0..n as u32).collect();
        let lists = model.similar_batch(&all, k)?;
        Ok(Self::from_scored_lists(n, k, &lists))
    }

    /// [`from_similar`](Self::from_similar) from lists already fetched: `lists[i]` holds point
    /// `i`'s neighbours (indices into `0..n`) with model scores, best first.
    pub fn from_scored_lists(n: usize, k: usize, lists: &[Vec<artist2vec_core::Neighbor>]) -> Self {
        let mut indices = vec![u32::MAX; n * k];
        let mut distances = vec![f32::INFINITY; n * k];
        for (i, list) in lists.iter().enumerate() {
            let list: Vec<_> = list
                .iter()
                .filter(|nb| {
                    nb.score.is_finite() && nb.item as usize != i && (nb.item as usize) < n
                })
                .take(k)
                .collect();
            let Some(best) = list.first().map(|nb| nb.score) else {
                continue;
            };
            let scale = if best != 0.0 { best.abs() } else { 1.0 };
            for (j, nb) in list.iter().enumerate() {
                indices[i * k + j] = nb.item;
                distances[i * k + j] = ((best - nb.score) / scale).max(0.0);
            }
        }
        Self {
            n,
            k,
            indices,
            distances,
        }
    }

    fn from_lists(
        n: usize,
        k: usize,
        lists: &[Vec<artist2vec_core::Neighbor>],
        to_distance: impl Fn(f32) -> f32,
    ) -> Self {
        let mut indices = vec![u32::MAX; n * k];
        let mut distances = vec![f32::INFINITY; n * k];
        for (i, list) in lists.iter().enumerate() {
            for (j, nb) in list.iter().take(k).enumerate() {
                indices[i * k + j] = nb.item;
                distances[i * k + j] = if nb.score.is_nan() {
                    2.0
                } else {
                    to_distance(nb.score)
                };
            }
        }
        Self {
            n,
            k,
            indices,
            distances,
        }
    }

    /// Number of points.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Neighbours per point.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Point `i`'s neighbours (indices, distances), nearest first; missing ones are
    /// `u32::MAX` at infinite distance.
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let r = i * self.k..(i + 1) * self.k;
        (&self.indices[r.clone()], &self.distances[r])
    }
}

fn check_k(n: usize, k: usize) -> Result<(), VizError> {
    if n < 2 {
        return Err(VizError::Invalid(format!(
            "a map needs at least 2 artists, found {n}"
        )));
    }
    if k == 0 || k >= n {
        return Err(VizError::Invalid(format!(
            "neighbours per artist must be in 1..{n} for {n} artists, found {k}"
        )));
    }
    Ok(())
}
