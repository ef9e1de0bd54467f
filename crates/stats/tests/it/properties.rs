//! Properties that do not need scipy: coverage and determinism of the
//! seeded procedures, and brute-force checks of the exact distributions.

use artist2vec_stats::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp, Normal};

fn normal_sample(rng: &mut StdRng, n: usize, mean: f64, sd: f64) -> Vec<f64> {
    let dist = Normal::new(mean, sd).unwrap();
    (0..n).map(|_| dist.sample(rng)).collect()
}

#[test]
fn bootstrap_intervals_cover_the_true_mean_about_95_percent_of_the_time() {
    // 300 samples of N(1, 2²), n = 40; 95 % intervals of the mean.
    let mut rng = StdRng::seed_from_u64(2024);
    let reps = 300;
    let mut covered = [0_usize; 2];
    for rep in 0..reps {
        let x = normal_sample(&mut rng, 40, 1.0, 2.0);
        for (k, method) in [BootstrapMethod::Percentile, BootstrapMethod::Bca]
            .into_iter()
            .enumerate()
        {
            let opts = BootstrapOptions::new(rep as u64)
                .with_method(method)
                .with_n_resamples(999);
            let res = bootstrap_mean_ci(&x, &opts).unwrap();
            if res.confidence_interval.contains(1.0) {
                covered[k] += 1;
            }
        }
    }
    for (k, name) in ["percentile", "BCa"].iter().enumerate() {
        let coverage = covered[k] as f64 / reps as f64;
        // Nominal 0.95; the bootstrap undercovers slightly at n = 40 and the
        // binomial standard error of the estimate is about 0.013.
        assert!(
            (0.89..=0.99).contains(&coverage),
            "{name} coverage {coverage}"
        );
    }
}

#[test]
fn bca_equals_percentile_approximately_on_symmetric_data() {
    let mut rng = StdRng::seed_from_u64(5);
    let x = normal_sample(&mut rng, 400, 0.0, 1.0);
    let opts = BootstrapOptions::new(9).with_n_resamples(4999);
    let pct = bootstrap_mean_ci(&x, &opts.with_method(BootstrapMethod::Percentile)).unwrap();
    let bca = bootstrap_mean_ci(&x, &opts.with_method(BootstrapMethod::Bca)).unwrap();
    let width = pct.confidence_interval.width();
    assert!((pct.confidence_interval.low - bca.confidence_interval.low).abs() < 0.05 * width);
    assert!((pct.confidence_interval.high - bca.confidence_interval.high).abs() < 0.05 * width);
    // And both agree with the t interval of the mean.
    let t = mean_confidence_interval(&x, 0.95).unwrap();
    assert!((t.low - pct.confidence_interval.low).abs() < 0.05 * width);
    assert!((t.high - pct.confidence_interval.high).abs() < 0.05 * width);
    // The bootstrap standard error is close to s / sqrt(n).
    let se_t = (t.high - t.low) / (2.0 * 1.966);
    assert!((pct.standard_error / se_t - 1.0).abs() < 0.05);
}

#[test]
fn bca_shifts_the_interval_of_a_skewed_statistic() {
    // Exponential data: the mean's sampling distribution is right-skewed, so
    // BCa moves both ends up relative to the percentile interval.
    let mut rng = StdRng::seed_from_u64(77);
    let exp = Exp::new(1.0).unwrap();
    let x: Vec<f64> = (0..30).map(|_| exp.sample(&mut rng)).collect();
    let opts = BootstrapOptions::new(1).with_n_resamples(9999);
    let pct = bootstrap_mean_ci(&x, &opts.with_method(BootstrapMethod::Percentile)).unwrap();
    let bca = bootstrap_mean_ci(&x, &opts).unwrap();
    assert!(bca.confidence_interval.low > pct.confidence_interval.low);
    assert!(bca.confidence_interval.high > pct.confidence_interval.high);
}

#[test]
fn closure_statistics_are_seeded() {
    let x: Vec<f64> = (0..50).map(|i| ((i * 7919) % 101) as f64 / 10.0).collect();
    let trimmed_mean = |s: &[f64]| {
        let mut v = s.to_vec();
        v.sort_by(f64::total_cmp);
        let k = v.len() / 10;
        let kept = &v[k..v.len() - k];
        kept.iter().sum::<f64>() / kept.len() as f64
    };
    let opts = BootstrapOptions::new(123).with_n_resamples(2000);
    let a = bootstrap_ci(&x, trimmed_mean, &opts).unwrap();
    let b = bootstrap_ci(&x, trimmed_mean, &opts).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.seed, 123);
    let c = bootstrap_ci(&x, trimmed_mean, &opts.with_seed(124)).unwrap();
    assert_ne!(a.confidence_interval, c.confidence_interval);
}

#[test]
fn monte_carlo_permutation_approaches_the_exact_test() {
    let mut rng = StdRng::seed_from_u64(3);
    let x = normal_sample(&mut rng, 18, 0.3, 1.0);
    let y = normal_sample(&mut rng, 18, 0.0, 1.0);
    let exact_opts = PermutationOptions::new(0).with_n_resamples(1 << 18);
    for alternative in [
        Alternative::TwoSided,
        Alternative::Less,
        Alternative::Greater,
    ] {
        let exact =
            paired_permutation_test(&x, &y, &exact_opts.with_alternative(alternative)).unwrap();
        assert!(exact.exact);
        let mc_opts = PermutationOptions::new(99)
            .with_n_resamples(40_000)
            .with_alternative(alternative);
        let mc = paired_permutation_test(&x, &y, &mc_opts).unwrap();
        assert!(!mc.exact);
        assert!(mc.p_value > 0.0);
        // 4 binomial standard errors at p = 0.5 and 40 000 draws is 0.01.
        assert!(
            (mc.p_value - exact.p_value).abs() < 0.02,
            "{alternative:?}: {} vs {}",
            mc.p_value,
            exact.p_value
        );
        assert_eq!(mc, paired_permutation_test(&x, &y, &mc_opts).unwrap());
    }
}

/// All subsets of `0..n` with `k` elements, as bit masks.
fn subsets(n: usize, k: usize) -> impl Iterator<Item = u32> {
    (0_u32..(1 << n)).filter(move |m| m.count_ones() as usize == k)
}

#[test]
fn exact_mann_whitney_equals_brute_force_enumeration() {
    let mut rng = StdRng::seed_from_u64(11);
    for &(n1, n2) in &[(1, 4), (3, 4), (5, 5), (2, 9), (6, 7)] {
        // Untied data.
        let pooled: Vec<f64> = (0..n1 + n2)
            .map(|i| i as f64 + rng.random::<f64>() * 0.5)
            .collect();
        let mut order: Vec<usize> = (0..n1 + n2).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        let x: Vec<f64> = order[..n1].iter().map(|&i| pooled[i]).collect();
        let y: Vec<f64> = order[n1..].iter().map(|&i| pooled[i]).collect();
        let u_of = |xs: &[f64], ys: &[f64]| -> usize {
            xs.iter()
                .map(|a| ys.iter().filter(|&b| a > b).count())
                .sum()
        };
        let observed = u_of(&x, &y);
        let mut us = Vec::new();
        for mask in subsets(n1 + n2, n1) {
            let (mut xs, mut ys) = (Vec::new(), Vec::new());
            for (i, &v) in pooled.iter().enumerate() {
                if mask >> i & 1 == 1 {
                    xs.push(v)
                } else {
                    ys.push(v)
                }
            }
            us.push(u_of(&xs, &ys));
        }
        let total = us.len() as f64;
        let ge = us.iter().filter(|&&u| u >= observed).count() as f64 / total;
        let le = us.iter().filter(|&&u| u <= observed).count() as f64 / total;
        let expected = [
            (Alternative::Greater, ge),
            (Alternative::Less, le),
            (Alternative::TwoSided, (2.0 * ge.min(le)).min(1.0)),
        ];
        for (alternative, p) in expected {
            let opts = MannWhitneyOptions::new()
                .with_method(MannWhitneyMethod::Exact)
                .with_alternative(alternative);
            let r = mann_whitney_u(&x, &y, &opts).unwrap();
            assert_eq!(r.statistic, observed as f64);
            assert!(
                (r.p_value - p).abs() < 1e-14,
                "{n1}x{n2} {alternative:?}: {} vs {p}",
                r.p_value
            );
        }
    }
}

#[test]
fn wilcoxon_permutation_equals_brute_force_sign_flips() {
    // Ties and zeros; every zero method. R+ recomputed for each of the 2^n
    // sign patterns from the ranks of |d|, which sign flips do not change.
    let d = [0.0, 1.0, -1.0, 2.0, 2.0, -3.0, 0.0, 4.5, -4.5, 6.0, 7.0];
    for zero_method in [ZeroMethod::Wilcox, ZeroMethod::Pratt, ZeroMethod::Zsplit] {
        let base = WilcoxonOptions::new()
            .with_zero_method(zero_method)
            .with_method(WilcoxonMethod::Permutation);
        let observed = wilcoxon_one_sample(&d, &base).unwrap().r_plus;
        let mut null = Vec::new();
        for mask in 0_u32..(1 << d.len()) {
            let flipped: Vec<f64> = d
                .iter()
                .enumerate()
                .map(|(i, &v)| if mask >> i & 1 == 1 { -v } else { v })
                .collect();
            null.push(wilcoxon_one_sample(&flipped, &base).unwrap().r_plus);
        }
        let total = null.len() as f64;
        let ge = null.iter().filter(|&&r| r >= observed).count() as f64 / total;
        let le = null.iter().filter(|&&r| r <= observed).count() as f64 / total;
        for (alternative, p) in [
            (Alternative::Greater, ge),
            (Alternative::Less, le),
            (Alternative::TwoSided, (2.0 * ge.min(le)).min(1.0)),
        ] {
            let r = wilcoxon_one_sample(&d, &base.with_alternative(alternative)).unwrap();
            assert!(
                (r.p_value - p).abs() < 1e-14,
                "{zero_method:?} {alternative:?}: {} vs {p}",
                r.p_value
            );
        }
    }
}

#[test]
fn p_values_are_roughly_uniform_under_the_null() {
    let mut rng = StdRng::seed_from_u64(8);
    let reps = 400;
    let mut rejections = [0_usize; 5];
    for _ in 0..reps {
        let x = normal_sample(&mut rng, 30, 0.0, 1.0);
        let y = normal_sample(&mut rng, 30, 0.0, 1.0);
        let ps = [
            mann_whitney_u(&x, &y, &MannWhitneyOptions::new())
                .unwrap()
                .p_value,
            wilcoxon(&x, &y, &WilcoxonOptions::new()).unwrap().p_value,
            paired_t_test(&x, &y, Alternative::TwoSided)
                .unwrap()
                .p_value,
            welch_t_test(&x, &y, Alternative::Greater).unwrap().p_value,
            student_t_test(&x, &y, Alternative::Less).unwrap().p_value,
        ];
        for (k, p) in ps.iter().enumerate() {
            if *p < 0.05 {
                rejections[k] += 1;
            }
        }
    }
    for (k, &r) in rejections.iter().enumerate() {
        let rate = r as f64 / reps as f64;
        // Binomial(400, 0.05): mean 20, sd 4.4.
        assert!(
            (0.02..=0.09).contains(&rate),
            "test {k}: rejection rate {rate}"
        );
    }
}

#[test]
fn tests_detect_a_real_shift() {
    let mut rng = StdRng::seed_from_u64(21);
    let x = normal_sample(&mut rng, 200, 0.5, 1.0);
    let y = normal_sample(&mut rng, 200, 0.0, 1.0);
    let greater = |alt| MannWhitneyOptions::new().with_alternative(alt);
    assert!(
        mann_whitney_u(&x, &y, &greater(Alternative::Greater))
            .unwrap()
            .p_value
            < 1e-4
    );
    assert!(
        mann_whitney_u(&x, &y, &greater(Alternative::Less))
            .unwrap()
            .p_value
            > 0.99
    );
    let w = wilcoxon(&x, &y, &WilcoxonOptions::new()).unwrap();
    assert_eq!(w.method, WilcoxonMethod::Asymptotic);
    assert!(w.p_value < 1e-4 && w.rank_biserial().unwrap() > 0.2);
    let d = cohens_d(&x, &y).unwrap();
    assert!((0.2..0.8).contains(&d), "d = {d}");
    let adjusted = holm(&[w.p_value, 0.5, 0.02]).unwrap();
    assert!(adjusted[0] < 0.001 && adjusted[1] == 0.5);
}
