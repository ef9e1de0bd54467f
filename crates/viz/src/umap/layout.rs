//! The curve of the low-dimensional similarities and the SGD of the layout.

use super::{FuzzyGraph, UmapConfig};

/// A small seeded generator (SplitMix64): the same stream on every platform.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed ^ 0x5851_F42D_4C95_7F2D)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }
}

/// The `a`, `b` of the map's similarity curve `1 / (1 + a·d^{2b})`, fitted by least squares
/// (Levenberg–Marquardt) to `1` below `min_dist` and `exp(−(d − min_dist) / spread)` above, on
/// 300 points of `[0, 3·spread]`, as umap-learn's `find_ab_params`. For the defaults
/// (`spread = 1`, `min_dist = 0.1`) this gives `a ≈ 1.577`, `b ≈ 0.895`.
pub fn fit_ab(spread: f32, min_dist: f32) -> (f32, f32) {
    let (spread, min_dist) = (f64::from(spread), f64::from(min_dist));
    let xs: Vec<f64> = (0..300).map(|i| 3.0 * spread * i as f64 / 299.0).collect();
    let ys: Vec<f64> = xs
        .iter()
        .map(|&x| {
            if x < min_dist {
                1.0
            } else {
                (-(x - min_dist) / spread).exp()
            }
        })
        .collect();
    let loss = |a: f64, b: f64| -> f64 {
        xs.iter()
            .zip(&ys)
            .map(|(&x, &y)| {
                let f = 1.0 / (1.0 + a * x.powf(2.0 * b));
                (f - y) * (f - y)
            })
            .sum()
    };
    let (mut a, mut b) = (1.0f64, 1.0f64);
    let mut lambda = 1e-3;
    let mut cur = loss(a, b);
    for _ in 0..500 {
        // Normal equations of the Gauss–Newton step.
        let (mut jaa, mut jab, mut jbb, mut ga, mut gb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (&x, &y) in xs.iter().zip(&ys) {
            if x <= 0.0 {
                continue;
            }
            let u = x.powf(2.0 * b);
            let den = 1.0 + a * u;
            let f = 1.0 / den;
            let da = -u / (den * den);
            let db = -a * u * 2.0 * x.ln() / (den * den);
            let r = f - y;
            jaa += da * da;
            jab += da * db;
            jbb += db * db;
            ga += da * r;
            gb += db * r;
        }
        let (maa, mbb) = (jaa * (1.0 + lambda), jbb * (1.0 + lambda));
        let det = maa * mbb - jab * jab;
        if det.abs() < 1e-300 {
            break;
        }
        let step_a = -(mbb * ga - jab * gb) / det;
        let step_b = -(maa * gb - jab * ga) / det;
        let (na, nb) = (a + step_a, b + step_b);
        if na > 0.0 && nb > 0.0 && loss(na, nb) < cur {
            let improved = cur - loss(na, nb);
            a = na;
            b = nb;
            cur = loss(a, b);
            lambda = (lambda / 10.0).max(1e-12);
            if improved < 1e-15 {
                break;
            }
        } else {
            lambda *= 10.0;
            if lambda > 1e12 {
                break;
            }
        }
    }
    (a as f32, b as f32)
}

fn clip(v: f32) -> f32 {
    v.clamp(-4.0, 4.0)
}

/// umap-learn's `optimize_layout_euclidean` in two dimensions, one edge at a time in a fixed
/// order (deterministic): every edge is sampled in proportion to its weight, pulling both ends
/// together, followed by `negative_sample_rate` repulsions from random points.
pub(crate) fn optimize(
    coords: &mut [f32],
    graph: &FuzzyGraph,
    a: f32,
    b: f32,
    config: &UmapConfig,
    rng: &mut SplitMix64,
) {
    let n = graph.n;
    let n_epochs = config.epochs_for(n);
    let max_w = graph.weights.iter().copied().fold(0f32, f32::max);
    if max_w <= 0.0 || n == 0 {
        return;
    }
    // Edges too weak to be sampled once in n_epochs are dropped (umap-learn does the same).
    let keep: Vec<usize> = (0..graph.weights.len())
        .filter(|&e| graph.weights[e] >= max_w / n_epochs as f32)
        .collect();
    let heads: Vec<usize> = keep.iter().map(|&e| graph.heads[e] as usize).collect();
    let tails: Vec<usize> = keep.iter().map(|&e| graph.tails[e] as usize).collect();
    let eps: Vec<f32> = keep.iter().map(|&e| max_w / graph.weights[e]).collect();
    let neg_rate = config.negative_sample_rate as f32;
    let eps_neg: Vec<f32> = eps
        .iter()
        .map(|&e| {
            if neg_rate > 0.0 {
                e / neg_rate
            } else {
                f32::INFINITY
            }
        })
        .collect();
    let mut next = eps.clone();
    let mut next_neg = eps_neg.clone();
    let gamma = config.repulsion_strength;
    for epoch in 0..n_epochs {
        let t = epoch as f32;
        let alpha = config.learning_rate * (1.0 - t / n_epochs as f32);
        for e in 0..heads.len() {
            if next[e] > t {
                continue;
            }
            let (j, k) = (heads[e], tails[e]);
            let (dx, dy) = (
                coords[2 * j] - coords[2 * k],
                coords[2 * j + 1] - coords[2 * k + 1],
            );
            let d2 = dx * dx + dy * dy;
            if d2 > 0.0 {
                let coeff = -2.0 * a * b * d2.powf(b - 1.0) / (a * d2.powf(b) + 1.0);
                let (gx, gy) = (clip(coeff * dx) * alpha, clip(coeff * dy) * alpha);
                coords[2 * j] += gx;
                coords[2 * j + 1] += gy;
                coords[2 * k] -= gx;
                coords[2 * k + 1] -= gy;
            }
            next[e] += eps[e];
            let n_neg = if eps_neg[e].is_finite() {
                ((t - next_neg[e]) / eps_neg[e]).max(0.0) as usize
            } else {
                0
            };
            for _ in 0..n_neg {
                let k = rng.below(n);
                if k == j {
                    continue;
                }
                let (dx, dy) = (
                    coords[2 * j] - coords[2 * k],
                    coords[2 * j + 1] - coords[2 * k + 1],
                );
                let d2 = dx * dx + dy * dy;
                if d2 > 0.0 {
                    let coeff = 2.0 * gamma * b / ((0.001 + d2) * (a * d2.powf(b) + 1.0));
                    coords[2 * j] += clip(coeff * dx) * alpha;
                    coords[2 * j + 1] += clip(coeff * dy) * alpha;
                }
            }
            next_neg[e] += n_neg as f32 * eps_neg[e];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ab_matches_umap_learn_for_the_defaults() {
        let (a, b) = fit_ab(1.0, 0.1);
        assert!((a - 1.577).abs() < 0.01, "a = {a}");
        assert!((b - 0.895).abs() < 0.01, "b = {b}");
        // umap-learn: min_dist 0.5 gives a ≈ 0.583, b ≈ 1.334.
        let (a, b) = fit_ab(1.0, 0.5);
        assert!((a - 0.583).abs() < 0.01, "a = {a}");
        assert!((b - 1.334).abs() < 0.01, "b = {b}");
    }

    #[test]
    fn below_is_in_range_and_seeded() {
        let mut r = SplitMix64::new(3);
        let v: Vec<usize> = (0..1000).map(|_| r.below(7)).collect();
        assert!(v.iter().all(|&x| x < 7));
        assert!((0..7).all(|x| v.contains(&x)));
        let mut s = SplitMix64::new(3);
        assert_eq!(v, (0..1000).map(|_| s.below(7)).collect::<Vec<_>>());
    }
}
