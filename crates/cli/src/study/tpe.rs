//! Samplers of `artist2vec tune`: random search and the Tree-structured Parzen Estimator
//! (Bergstra, Bardenet, Bengio & Kégl, *Algorithms for Hyper-Parameter Optimization*, NIPS 2011).
//!
//! TPE splits the finished trials at the γ quantile of their scores into the good ones and the
//! rest, fits one Parzen estimator per parameter to each group — l(x) to the good, g(x) to the
//! rest — draws `candidates` points from l and keeps the one that maximises l(x)/g(x)
//! (equivalently the expected improvement). As in hyperopt, parameters are modelled
//! independently; a numeric parameter's estimator is a mixture of Gaussians truncated to its
//! interval, one at each observation plus a wide prior component at the middle of the interval,
//! each with the bandwidth `max(gap to left neighbour, gap to right neighbour)` clipped to
//! `[range / min(100, n + 1), range]` (hyperopt's `adaptive_parzen_normal`); a choice's
//! estimator is its observed frequencies smoothed by one pseudo-count per value. The first
//! `startup_trials` trials are drawn at random.
//!
//! Own code rather than a crate: the TPE crates on crates.io (`tpe` 0.2, `hyperopt` 0.0.x,
//! `parzen`, `optimizer` 0.1) are young single-author 0.x crates; `tpe` is built on rand 0.8
//! (the workspace uses rand 0.9, so it would compile a second rand) and asks one parameter at a
//! time, `parzen` 0.3 needs Rust 1.88 (the workspace's MSRV is 1.85), `optimizer` brings its
//! own study/trial framework. The algorithm itself is ~200 lines over the workspace's `rand`,
//! with tests below.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::space::{Domain, Draw};

/// The settings of the TPE sampler.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TpeOptions {
    /// Trials drawn at random before the model is used.
    pub startup_trials: usize,
    /// Candidates drawn from l(x) per trial.
    pub candidates: usize,
    /// Share of the finished trials that count as good (the γ quantile).
    pub gamma: f64,
}

impl Default for TpeOptions {
    fn default() -> Self {
        TpeOptions {
            startup_trials: 10,
            candidates: 24,
            gamma: 0.25,
        }
    }
}

impl TpeOptions {
    /// Checks the settings.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.candidates == 0 || self.candidates > 100_000 {
            anyhow::bail!(
                "tpe.candidates must be between 1 and 100000, found {}",
                self.candidates
            );
        }
        if !(self.gamma > 0.0 && self.gamma < 1.0) {
            anyhow::bail!(
                "tpe.gamma must lie strictly between 0 and 1, found {}",
                self.gamma
            );
        }
        Ok(())
    }
}

/// A finished trial as the sampler sees it: its draws (one per parameter) and its score
/// (higher is better; a failed trial scores −∞).
#[derive(Debug, Clone)]
pub struct Observation {
    /// One draw per parameter, in the space's order.
    pub draws: Vec<Draw>,
    /// The score, higher is better.
    pub score: f64,
}

/// A uniform draw from every domain.
pub fn random_draws<R: Rng>(domains: &[&Domain], rng: &mut R) -> Vec<Draw> {
    domains
        .iter()
        .map(|d| match d.interval() {
            Some((a, b)) => Draw::Num(a + (b - a) * rng.random::<f64>()),
            None => Draw::Index(rng.random_range(0..d.n_choices().max(1))),
        })
        .collect()
}

/// TPE's suggestion for the next trial, given the finished ones.
pub fn tpe_draws<R: Rng>(
    domains: &[&Domain],
    history: &[Observation],
    opts: &TpeOptions,
    rng: &mut R,
) -> Vec<Draw> {
    if history.len() < opts.startup_trials.max(2) {
        return random_draws(domains, rng);
    }
    let mut order: Vec<usize> = (0..history.len()).collect();
    let key = |i: usize| {
        let s = history[i].score;
        if s.is_nan() { f64::NEG_INFINITY } else { s }
    };
    order.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
    let n_good = ((opts.gamma * history.len() as f64).ceil() as usize).clamp(1, history.len() - 1);
    let (good, bad) = order.split_at(n_good);
    let estimators: Vec<(Parzen, Parzen)> = domains
        .iter()
        .enumerate()
        .map(|(p, d)| {
            let pick =
                |ix: &[usize]| -> Vec<Draw> { ix.iter().map(|&i| history[i].draws[p]).collect() };
            (Parzen::fit(d, &pick(good)), Parzen::fit(d, &pick(bad)))
        })
        .collect();
    let mut best: Option<(f64, Vec<Draw>)> = None;
    for _ in 0..opts.candidates {
        let cand: Vec<Draw> = estimators.iter().map(|(l, _)| l.sample(rng)).collect();
        let score: f64 = estimators
            .iter()
            .zip(&cand)
            .map(|((l, g), &x)| l.log_density(x) - g.log_density(x))
            .sum();
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, cand));
        }
    }
    best.map_or_else(|| random_draws(domains, rng), |(_, c)| c)
}

/// A one-dimensional Parzen estimator.
#[derive(Debug, Clone)]
enum Parzen {
    /// Truncated Gaussian mixture on `[low, high]`: (mean, sd, weight / normaliser).
    Num {
        low: f64,
        high: f64,
        parts: Vec<(f64, f64, f64)>,
        total_weight: f64,
    },
    /// Smoothed frequencies of a choice.
    Cat(Vec<f64>),
}

impl Parzen {
    fn fit(d: &Domain, obs: &[Draw]) -> Parzen {
        match d.interval() {
            Some((low, high)) => {
                let range = (high - low).max(1e-12);
                let mut mus: Vec<f64> = obs
                    .iter()
                    .filter_map(|o| match o {
                        Draw::Num(x) if x.is_finite() => Some(x.clamp(low, high)),
                        _ => None,
                    })
                    .collect();
                let prior = 0.5 * (low + high);
                mus.push(prior);
                mus.sort_by(f64::total_cmp);
                let n = mus.len();
                let min_sd = range / (100.0f64).min(1.0 + n as f64);
                let mut parts = Vec::with_capacity(n);
                let mut prior_done = false;
                for i in 0..n {
                    let mu = mus[i];
                    let sd = if !prior_done && mu == prior {
                        prior_done = true;
                        range
                    } else {
                        let left = if i > 0 { mu - mus[i - 1] } else { mu - low };
                        let right = if i + 1 < n {
                            mus[i + 1] - mu
                        } else {
                            high - mu
                        };
                        left.max(right).clamp(min_sd, range)
                    };
                    let z = (phi((high - mu) / sd) - phi((low - mu) / sd)).max(1e-12);
                    parts.push((mu, sd, 1.0 / z));
                }
                Parzen::Num {
                    low,
                    high,
                    parts,
                    total_weight: n as f64,
                }
            }
            None => {
                let mut w = vec![1.0; d.n_choices().max(1)];
                for o in obs {
                    if let Draw::Index(i) = *o {
                        if let Some(c) = w.get_mut(i) {
                            *c += 1.0;
                        }
                    }
                }
                let s: f64 = w.iter().sum();
                Parzen::Cat(w.into_iter().map(|c| c / s).collect())
            }
        }
    }

    fn sample<R: Rng>(&self, rng: &mut R) -> Draw {
        match self {
            Parzen::Num {
                low, high, parts, ..
            } => {
                let (mu, sd, _) = parts[rng.random_range(0..parts.len())];
                for _ in 0..100 {
                    let x = mu + sd * standard_normal(rng);
                    if x >= *low && x <= *high {
                        return Draw::Num(x);
                    }
                }
                Draw::Num(mu.clamp(*low, *high))
            }
            Parzen::Cat(p) => {
                let mut u = rng.random::<f64>();
                for (i, &pi) in p.iter().enumerate() {
                    if u < pi {
                        return Draw::Index(i);
                    }
                    u -= pi;
                }
                Draw::Index(p.len() - 1)
            }
        }
    }

    fn log_density(&self, x: Draw) -> f64 {
        match (self, x) {
            (
                Parzen::Num {
                    parts,
                    total_weight,
                    ..
                },
                Draw::Num(x),
            ) => {
                let s: f64 = parts
                    .iter()
                    .map(|&(mu, sd, inv_z)| {
                        let t = (x - mu) / sd;
                        inv_z * (-0.5 * t * t).exp() / (sd * (2.0 * std::f64::consts::PI).sqrt())
                    })
                    .sum();
                (s / total_weight).max(1e-300).ln()
            }
            (Parzen::Cat(p), Draw::Index(i)) => p.get(i).copied().unwrap_or(1e-300).ln(),
            _ => f64::NEG_INFINITY,
        }
    }
}

fn standard_normal<R: Rng>(rng: &mut R) -> f64 {
    // Box–Muller; 1 − u keeps the logarithm finite.
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The standard normal CDF (Abramowitz & Stegun 7.1.26 for erf, |error| < 1.5e-7: enough for
/// the normalisers of truncated components).
fn phi(x: f64) -> f64 {
    let z = x / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z.abs());
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-z * z).exp();
    let erf = if z >= 0.0 { y } else { -y };
    0.5 * (1.0 + erf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use serde_json::Value;

    /// A 2-D problem with a narrow optimum at x = 0.8 (log scale), y = 3, and a penalty for
    /// choices other than "b".
    fn objective(d: &[Draw]) -> f64 {
        let (Draw::Num(x), Draw::Num(y), Draw::Index(c)) = (d[0], d[1], d[2]) else {
            unreachable!()
        };
        -(x - 0.8f64.ln()).powi(2) - (y - 3.0).powi(2) / 10.0 - if c == 1 { 0.0 } else { 0.5 }
    }

    /// The best score of each run, and how often "b" was drawn in the last half.
    fn search(tpe: bool, seed: u64, trials: usize) -> (f64, usize) {
        let x = Domain::Float {
            low: 0.01,
            high: 100.0,
            log: true,
        };
        let y = Domain::Float {
            low: -10.0,
            high: 10.0,
            log: false,
        };
        let c = Domain::Choice {
            values: vec![Value::from("a"), Value::from("b"), Value::from("c")],
        };
        let domains = [&x, &y, &c];
        let mut rng = StdRng::seed_from_u64(seed);
        let mut hist: Vec<Observation> = Vec::new();
        let mut b_late = 0;
        for t in 0..trials {
            let d = if tpe {
                tpe_draws(&domains, &hist, &TpeOptions::default(), &mut rng)
            } else {
                random_draws(&domains, &mut rng)
            };
            if t >= trials / 2 && d[2] == Draw::Index(1) {
                b_late += 1;
            }
            let score = objective(&d);
            hist.push(Observation { draws: d, score });
        }
        let best = hist
            .iter()
            .map(|o| o.score)
            .fold(f64::NEG_INFINITY, f64::max);
        (best, b_late)
    }

    #[test]
    fn tpe_beats_random_search_on_average() {
        let (mut t, mut r, mut tb, mut rb) = (0.0, 0.0, 0, 0);
        let seeds = 30;
        for seed in 0..seeds {
            let (a, ab) = search(true, seed, 60);
            let (b, bb) = search(false, seed, 60);
            t += a;
            r += b;
            tb += ab;
            rb += bb;
        }
        assert!(t > r, "tpe {t} vs random {r}");
        // The model concentrates on the good choice more than a uniform draw does.
        assert!(
            tb > rb,
            "tpe drew the best choice {tb} times in late trials, random {rb}"
        );
    }

    #[test]
    fn draws_are_seeded_and_in_range() {
        let x = Domain::Int {
            low: 2,
            high: 9,
            log: false,
        };
        let domains = [&x];
        let hist: Vec<Observation> = (2..=9)
            .map(|v| Observation {
                draws: vec![Draw::Num(v as f64)],
                score: -(v as f64 - 5.0).abs(),
            })
            .collect();
        let a = tpe_draws(
            &domains,
            &hist,
            &TpeOptions::default(),
            &mut StdRng::seed_from_u64(3),
        );
        let b = tpe_draws(
            &domains,
            &hist,
            &TpeOptions::default(),
            &mut StdRng::seed_from_u64(3),
        );
        assert_eq!(a, b);
        for s in 0..50 {
            let d = tpe_draws(
                &domains,
                &hist,
                &TpeOptions::default(),
                &mut StdRng::seed_from_u64(s),
            );
            let v = x.value(d[0]).as_i64().unwrap();
            assert!((2..=9).contains(&v));
        }
    }

    #[test]
    fn normal_cdf_is_accurate() {
        assert!((phi(0.0) - 0.5).abs() < 1e-7);
        assert!((phi(1.96) - 0.975_002_1).abs() < 1e-6);
        assert!((phi(-3.0) - 0.001_349_898).abs() < 1e-6);
    }
}
