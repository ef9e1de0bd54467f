//! Seeded randomness of the generator: independent streams derived from the seed (SplitMix64),
//! weighted sampling, exact apportioning, and exponential and normal variates.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// SplitMix64 step: derives independent seeds.
pub(in crate::synth) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(in crate::synth) fn rng_for(seed: u64, stream: u64, index: u64) -> StdRng {
    StdRng::seed_from_u64(mix(mix(seed ^ mix(stream)) ^ index))
}

/// Splits `total` into `weights.len()` parts proportional to `weights`, each at least `min`
/// (exact sum), the rounding remainder going to random parts.
pub(in crate::synth) fn apportion(
    total: usize,
    weights: &[f64],
    min: usize,
    rng: &mut StdRng,
) -> Vec<usize> {
    let n = weights.len();
    let extra = total - min * n;
    let sum: f64 = weights.iter().sum();
    let mut out: Vec<usize> = weights
        .iter()
        .map(|w| min + ((extra as f64) * w / sum).floor() as usize)
        .collect();
    let mut given: usize = out.iter().sum();
    // The floor leaves at most n units; give them to random parts, weighted.
    let cum = cumulative(weights);
    while given < total {
        out[sample(&cum, rng)] += 1;
        given += 1;
    }
    out
}

pub(in crate::synth) fn cumulative(w: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    w.iter()
        .map(|x| {
            acc += x;
            acc
        })
        .collect()
}

pub(in crate::synth) fn sample(cum: &[f64], rng: &mut StdRng) -> usize {
    let total = *cum.last().expect("non-empty");
    let x = rng.random::<f64>() * total;
    cum.partition_point(|&c| c <= x).min(cum.len() - 1)
}

/// Standard exponential variate.
pub(in crate::synth) fn exp1(rng: &mut StdRng) -> f64 {
    -(1.0 - rng.random::<f64>()).ln()
}

/// Standard normal variate (Box–Muller).
pub(in crate::synth) fn normal(rng: &mut StdRng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
