//! UMAP (McInnes, Healy & Melville 2018), written for this crate: fuzzy simplicial set from a
//! k-nearest-neighbour graph with the σ/ρ calibration of umap-learn, PCA or random
//! initialisation, and umap-learn's SGD with negative sampling. Seeded and single-threaded in
//! the layout step, so the same input and seed give the same map bit for bit.
//!
//! Why not a crate: `umap-rs` wants `ndarray`, an external kNN and initialisation and panics on
//! bad input; `annembed` pulls LAPACK/BLAS through `ndarray-linalg`; `fast-umap` is a
//! parametric variant on burn; `rag-umap` is a 0.0.0 placeholder. The algorithm is a few
//! hundred lines, all of it below.

mod layout;

use crate::{KnnGraph, VizError};

pub use layout::fit_ab;

/// Settings of [`Umap`]. The defaults are umap-learn's.
#[derive(Debug, Clone, PartialEq)]
pub struct UmapConfig {
    /// Size of the local neighbourhood, counting the point itself as umap-learn does: the kNN
    /// graph should hold `n_neighbors - 1` neighbours per point (default 15).
    pub n_neighbors: usize,
    /// Smallest distance between points in the map (default 0.1).
    pub min_dist: f32,
    /// Scale of the map's distances (default 1.0).
    pub spread: f32,
    /// SGD epochs; `None`: 500 up to 10,000 points, 200 above (umap-learn's rule).
    pub n_epochs: Option<usize>,
    /// Negative samples per positive one (default 5).
    pub negative_sample_rate: usize,
    /// Weight of the repulsive term (default 1.0).
    pub repulsion_strength: f32,
    /// Initial learning rate (default 1.0).
    pub learning_rate: f32,
    /// Seed of the initialisation noise and the negative samples (default 42).
    pub seed: u64,
}

impl Default for UmapConfig {
    fn default() -> Self {
        Self {
            n_neighbors: 15,
            min_dist: 0.1,
            spread: 1.0,
            n_epochs: None,
            negative_sample_rate: 5,
            repulsion_strength: 1.0,
            learning_rate: 1.0,
            seed: 42,
        }
    }
}

impl UmapConfig {
    /// Checks every value.
    ///
    /// # Errors
    /// [`VizError::Invalid`] naming the first bad value.
    pub fn validate(&self) -> Result<(), VizError> {
        let bad = |m: String| Err(VizError::Invalid(m));
        if self.n_neighbors < 2 {
            return bad(format!(
                "n_neighbors must be >= 2, found {}",
                self.n_neighbors
            ));
        }
        if !(self.spread.is_finite() && self.spread > 0.0) {
            return bad(format!("spread must be > 0, found {}", self.spread));
        }
        if !(self.min_dist.is_finite() && self.min_dist >= 0.0 && self.min_dist <= self.spread) {
            return bad(format!(
                "min_dist must be in [0, spread = {}], found {}",
                self.spread, self.min_dist
            ));
        }
        if let Some(e) = self.n_epochs {
            if e == 0 || e > 100_000 {
                return bad(format!("n_epochs must be in 1..=100000, found {e}"));
            }
        }
        if self.negative_sample_rate > 1000 {
            return bad(format!(
                "negative_sample_rate must be <= 1000, found {}",
                self.negative_sample_rate
            ));
        }
        if !(self.repulsion_strength.is_finite() && self.repulsion_strength >= 0.0) {
            return bad(format!(
                "repulsion_strength must be >= 0, found {}",
                self.repulsion_strength
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad(format!(
                "learning_rate must be > 0, found {}",
                self.learning_rate
            ));
        }
        Ok(())
    }

    /// The epochs used for `n` points.
    pub fn epochs_for(&self, n: usize) -> usize {
        self.n_epochs.unwrap_or(if n <= 10_000 { 500 } else { 200 })
    }
}

/// The symmetric fuzzy graph: undirected edges stored in both directions (as umap-learn's COO
/// matrix), with their membership strengths in `(0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FuzzyGraph {
    /// Number of points.
    pub n: usize,
    /// Edge sources.
    pub heads: Vec<u32>,
    /// Edge targets.
    pub tails: Vec<u32>,
    /// Membership strengths.
    pub weights: Vec<f32>,
}

/// Per point, the distance to its nearest neighbour (ρ) and the bandwidth σ such that
/// `Σⱼ exp(−max(0, dⱼ − ρ) / σ) = log₂(n_neighbors)` (binary search as umap-learn's
/// `smooth_knn_dist`, with `local_connectivity = 1`).
pub fn smooth_knn_dist(graph: &KnnGraph, n_neighbors: usize) -> (Vec<f32>, Vec<f32>) {
    const TOLERANCE: f64 = 1e-5;
    const MIN_K_DIST_SCALE: f64 = 1e-3;
    let target = (n_neighbors as f64).log2();
    let finite = |d: &f32| d.is_finite();
    let (mut total, mut count) = (0f64, 0usize);
    for i in 0..graph.n() {
        for &d in graph.row(i).1.iter().filter(|d| finite(d)) {
            total += f64::from(d);
            count += 1;
        }
    }
    let mean_all = if count > 0 { total / count as f64 } else { 0.0 };
    let mut rhos = vec![0f32; graph.n()];
    let mut sigmas = vec![1f32; graph.n()];
    for i in 0..graph.n() {
        let dists: Vec<f64> = graph
            .row(i)
            .1
            .iter()
            .filter(|d| finite(d))
            .map(|&d| f64::from(d))
            .collect();
        let rho = dists.iter().copied().find(|&d| d > 0.0).unwrap_or(0.0);
        let (mut lo, mut hi, mut mid) = (0f64, f64::INFINITY, 1f64);
        for _ in 0..64 {
            let psum: f64 = dists
                .iter()
                .map(|&d| {
                    let e = d - rho;
                    if e > 0.0 { (-e / mid).exp() } else { 1.0 }
                })
                .sum();
            if (psum - target).abs() < TOLERANCE {
                break;
            }
            if psum > target {
                hi = mid;
                mid = (lo + hi) / 2.0;
            } else {
                lo = mid;
                mid = if hi.is_infinite() {
                    mid * 2.0
                } else {
                    (lo + hi) / 2.0
                };
            }
        }
        let mean_i = if dists.is_empty() {
            0.0
        } else {
            dists.iter().sum::<f64>() / dists.len() as f64
        };
        let floor = MIN_K_DIST_SCALE * if rho > 0.0 { mean_i } else { mean_all };
        rhos[i] = rho as f32;
        sigmas[i] = mid.max(floor).max(f64::MIN_POSITIVE) as f32;
    }
    (rhos, sigmas)
}

/// The fuzzy simplicial set of a kNN graph: `wᵢⱼ = exp(−max(0, dᵢⱼ − ρᵢ) / σᵢ)`, symmetrised by
/// the fuzzy union `w + wᵀ − w ∘ wᵀ`.
pub fn fuzzy_simplicial_set(graph: &KnnGraph, n_neighbors: usize) -> FuzzyGraph {
    let (rhos, sigmas) = smooth_knn_dist(graph, n_neighbors);
    // (low, high, weight, direction): direction 0 is low → high.
    let mut directed: Vec<(u32, u32, f32, u8)> = Vec::with_capacity(graph.n() * graph.k());
    for i in 0..graph.n() {
        let (idx, dist) = graph.row(i);
        for (&j, &d) in idx.iter().zip(dist) {
            if j == u32::MAX || !d.is_finite() {
                continue;
            }
            let e = d - rhos[i];
            let w = if e > 0.0 { (-e / sigmas[i]).exp() } else { 1.0 };
            if w <= 0.0 {
                continue;
            }
            let (lo, hi, dir) = if (i as u32) < j {
                (i as u32, j, 0)
            } else {
                (j, i as u32, 1)
            };
            directed.push((lo, hi, w, dir));
        }
    }
    directed.sort_unstable_by(|a, b| (a.0, a.1, a.3).cmp(&(b.0, b.1, b.3)));
    let mut heads = Vec::with_capacity(directed.len() * 2);
    let mut tails = Vec::with_capacity(directed.len() * 2);
    let mut weights = Vec::with_capacity(directed.len() * 2);
    let mut p = 0;
    while p < directed.len() {
        let (lo, hi, _, _) = directed[p];
        let mut a = 0f32;
        let mut b = 0f32;
        let mut q = p;
        while q < directed.len() && directed[q].0 == lo && directed[q].1 == hi {
            if directed[q].3 == 0 {
                a = directed[q].2
            } else {
                b = directed[q].2
            }
            q += 1;
        }
        let s = a + b - a * b;
        for (h, t) in [(lo, hi), (hi, lo)] {
            heads.push(h);
            tails.push(t);
            weights.push(s);
        }
        p = q;
    }
    FuzzyGraph {
        n: graph.n(),
        heads,
        tails,
        weights,
    }
}

/// Where the layout starts.
#[derive(Debug, Clone, PartialEq)]
pub enum Init {
    /// Given coordinates, `2 × n` values `[x₀, y₀, x₁, y₁, …]`.
    Given(Vec<f32>),
    /// Uniform in `[0, 10]²`, from the seed.
    Random,
}

/// A UMAP projection to two dimensions.
#[derive(Debug, Clone, Default)]
pub struct Umap {
    /// The settings.
    pub config: UmapConfig,
}

impl Umap {
    /// UMAP with these settings.
    pub fn new(config: UmapConfig) -> Self {
        Self { config }
    }

    /// Lays out the points of `graph` in two dimensions: `2 × n` values
    /// `[x₀, y₀, x₁, y₁, …]`. The initial coordinates are rescaled to `[0, 10]²` and jittered
    /// by `1e-4` (seeded), as umap-learn does.
    ///
    /// # Errors
    /// [`VizError::Invalid`] for a bad setting or an initialisation of the wrong length.
    pub fn fit(&self, graph: &KnnGraph, init: Init) -> Result<Vec<f32>, VizError> {
        self.config.validate()?;
        let n = graph.n();
        let mut rng = layout::SplitMix64::new(self.config.seed);
        let mut coords = match init {
            Init::Given(v) => {
                if v.len() != 2 * n || v.iter().any(|x| !x.is_finite()) {
                    return Err(VizError::Invalid(format!(
                        "initial coordinates: expected {} finite values for {n} points, found {}",
                        2 * n,
                        v.len()
                    )));
                }
                v
            }
            Init::Random => (0..2 * n).map(|_| rng.unit() * 10.0).collect(),
        };
        normalise_to_box(&mut coords, 10.0);
        for c in coords.iter_mut() {
            *c += (rng.unit() - 0.5) * 2e-4;
        }
        let fuzzy = fuzzy_simplicial_set(graph, self.config.n_neighbors);
        let (a, b) = fit_ab(self.config.spread, self.config.min_dist);
        layout::optimize(&mut coords, &fuzzy, a, b, &self.config, &mut rng);
        Ok(coords)
    }
}

/// Rescales each axis of `[x₀, y₀, …]` to `[0, size]` (an axis without spread goes to 0).
pub fn normalise_to_box(coords: &mut [f32], size: f32) {
    for axis in 0..2 {
        let vals = coords.iter().skip(axis).step_by(2);
        let (lo, hi) = vals.fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
        let span = hi - lo;
        for v in coords.iter_mut().skip(axis).step_by(2) {
            *v = if span > 0.0 {
                (*v - lo) / span * size
            } else {
                0.0
            };
        }
    }
}

/// The first two principal components of the unit-length rows of a `n × dim` matrix, as
/// `[x₀, y₀, …]`: the deterministic initialisation for maps of vectors compared by cosine.
/// Power iteration on the `dim × dim` covariance with deflation; rows of zeros stay at the
/// centre.
///
/// # Errors
/// [`VizError::Invalid`] when `data.len() != n * dim` or `dim == 0`.
pub fn pca_init(data: &[f32], n: usize, dim: usize) -> Result<Vec<f32>, VizError> {
    if dim == 0 || Some(data.len()) != n.checked_mul(dim) {
        return Err(VizError::Invalid(format!(
            "{} values for {n} rows of dimension {dim}",
            data.len()
        )));
    }
    let unit: Vec<f64> = data
        .chunks_exact(dim)
        .flat_map(|r| {
            let norm = r
                .iter()
                .map(|&v| f64::from(v) * f64::from(v))
                .sum::<f64>()
                .sqrt();
            r.iter()
                .map(move |&v| if norm > 0.0 { f64::from(v) / norm } else { 0.0 })
        })
        .collect();
    let mut mean = vec![0f64; dim];
    for r in unit.chunks_exact(dim) {
        for (m, v) in mean.iter_mut().zip(r) {
            *m += v;
        }
    }
    for m in mean.iter_mut() {
        *m /= n.max(1) as f64;
    }
    let mut cov = vec![0f64; dim * dim];
    for r in unit.chunks_exact(dim) {
        for a in 0..dim {
            let va = r[a] - mean[a];
            if va == 0.0 {
                continue;
            }
            for b in 0..dim {
                cov[a * dim + b] += va * (r[b] - mean[b]);
            }
        }
    }
    let mut components: Vec<Vec<f64>> = Vec::new();
    for c in 0..2 {
        // A fixed, non-degenerate start.
        let mut v: Vec<f64> = (0..dim)
            .map(|i| 1.0 + ((i * 7 + c * 3) % 11) as f64 / 10.0)
            .collect();
        for _ in 0..300 {
            let mut w = vec![0f64; dim];
            for a in 0..dim {
                w[a] = (0..dim).map(|b| cov[a * dim + b] * v[b]).sum();
            }
            for prev in &components {
                let p: f64 = w.iter().zip(prev).map(|(x, y)| x * y).sum();
                for (x, y) in w.iter_mut().zip(prev) {
                    *x -= p * y;
                }
            }
            let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm == 0.0 {
                break;
            }
            for x in w.iter_mut() {
                *x /= norm;
            }
            v = w;
        }
        // Sign convention: largest coordinate positive, so the map does not flip at random.
        let big = v
            .iter()
            .copied()
            .fold(0f64, |m, x| if x.abs() > m.abs() { x } else { m });
        if big < 0.0 {
            v.iter_mut().for_each(|x| *x = -*x);
        }
        components.push(v);
    }
    let mut out = Vec::with_capacity(2 * n);
    for r in unit.chunks_exact(dim) {
        for comp in &components {
            let p: f64 = r
                .iter()
                .zip(&mean)
                .zip(comp)
                .map(|((x, m), c)| (x - m) * c)
                .sum();
            out.push(p as f32);
        }
    }
    Ok(out)
}
