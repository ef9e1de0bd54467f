//! Tests of the blocked dense kernels against naive f64 references.

use super::*;
use crate::rng::Rng;

/// `M·Mᵀ + shift·I` for a random `n × (n/2 + 3)` matrix `M`, in f64.
fn spd(n: usize, shift: f64, seed: u64) -> Vec<f64> {
    let k = n / 2 + 3;
    let mut rng = Rng::new(seed, 1);
    let m: Vec<f64> = (0..n * k).map(|_| rng.normal()).collect();
    let mut a = vec![0f64; n * n];
    for i in 0..n {
        for j in 0..n {
            a[i * n + j] = (0..k).map(|t| m[i * k + t] * m[j * k + t]).sum::<f64>()
                + if i == j { shift } else { 0.0 };
        }
    }
    a
}

fn to_f32(a: &[f64]) -> Vec<f32> {
    a.iter().map(|&x| x as f32).collect()
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, x| m.max(x.abs()))
}

#[test]
fn gemm_nt_matches_naive_products_with_ragged_starts() {
    let mut rng = Rng::new(3, 2);
    for (na, nb, b_start, end) in [
        (1, 1, 0, 5),
        (7, 5, 3, 40),
        (13, 200, 10, 1300),
        (9, 4, 0, 0),
    ] {
        let starts: Vec<usize> = (0..na)
            .map(|_| (b_start + rng.below(20)).min(end))
            .collect();
        let a: Vec<Vec<f32>> = starts
            .iter()
            .map(|&s| (s..end).map(|_| rng.normal() as f32).collect())
            .collect();
        let b: Vec<Vec<f32>> = (0..nb)
            .map(|_| (b_start..end).map(|_| rng.normal() as f32).collect())
            .collect();
        let ar: Vec<&[f32]> = a.iter().map(|v| &v[..]).collect();
        let br: Vec<&[f32]> = b.iter().map(|v| &v[..]).collect();
        let mut out = vec![f32::NAN; na * nb];
        gemm_nt(&ar, &starts, &br, b_start, end, &mut out);
        for r in 0..na {
            for c in 0..nb {
                let want: f64 = (starts[r]..end)
                    .map(|k| a[r][k - starts[r]] as f64 * b[c][k - b_start] as f64)
                    .sum();
                let got = out[r * nb + c] as f64;
                assert!(
                    (got - want).abs() < 1e-4 * (1.0 + want.abs()) + 1e-3,
                    "{r},{c}: {got} vs {want}"
                );
            }
        }
    }
}

#[test]
fn cholesky_reproduces_the_matrix_and_refuses_indefinite_ones() {
    for n in [1usize, 7, 96, 97, 250] {
        let a = spd(n, 1.0, n as u64);
        let mut l = to_f32(&a);
        cholesky_lower(&mut l, n).unwrap();
        let mut worst = 0f64;
        for i in 0..n {
            for j in 0..=i {
                let s: f64 = (0..=j)
                    .map(|k| l[i * n + k] as f64 * l[j * n + k] as f64)
                    .sum();
                worst = worst.max((s - a[i * n + j]).abs());
            }
        }
        assert!(worst < 1e-4 * max_abs(&a), "n = {n}: residual {worst}");
    }
    // Indefinite: a negative pivot at row 130 (in the second block).
    let n = 200;
    let mut a = to_f32(&spd(n, 1.0, 9));
    for j in 0..n {
        a[130 * n + j] = 0.0;
        a[j * n + 130] = 0.0;
    }
    a[130 * n + 130] = -1.0;
    assert_eq!(cholesky_lower(&mut a, n), Err(130));
}

#[test]
fn inverse_matches_gauss_jordan_in_f64() {
    for n in [1usize, 3, 95, 96, 97, 200, 300] {
        let a = spd(n, 0.5 * n as f64, 100 + n as u64);
        let want = gauss_jordan_inverse(&a, n);
        let mut got = to_f32(&a);
        // Only the lower triangle is read: spoil the upper one.
        for i in 0..n {
            for j in i + 1..n {
                got[i * n + j] = f32::NAN;
            }
        }
        inverse_spd(&mut got, n, &mut |_| {}).unwrap();
        let scale = max_abs(&want);
        let worst = got
            .iter()
            .zip(&want)
            .fold(0f64, |m, (g, w)| m.max((*g as f64 - w).abs()));
        assert!(
            worst < 1e-4 * scale,
            "n = {n}: error {worst} vs scale {scale}"
        );
    }
}

#[test]
fn lower_solves_match_a_naive_substitution() {
    let m = 150;
    let a = spd(m, 2.0, 5);
    let mut l = to_f32(&a);
    cholesky_lower(&mut l, m).unwrap();
    let mut rng = Rng::new(4, 1);
    // Rows zero before their starts (sorted), some past the first block.
    let starts = [0usize, 0, 3, 40, 97, 100, 149];
    let mut rhs: Vec<f32> = (0..7 * m).map(|_| rng.normal() as f32).collect();
    for (r, &s) in starts.iter().enumerate() {
        rhs[r * m..r * m + s].fill(0.0);
    }
    let mut got = rhs.clone();
    solve_lower_rows(&l, m, &mut got, &starts);
    for r in 0..7 {
        let mut x = vec![0f64; m];
        for u in 0..m {
            let s: f64 = (0..u).map(|k| l[u * m + k] as f64 * x[k]).sum();
            x[u] = (rhs[r * m + u] as f64 - s) / l[u * m + u] as f64;
        }
        for u in 0..m {
            assert!((got[r * m + u] as f64 - x[u]).abs() < 1e-4 * (1.0 + x[u].abs()));
        }
    }
}

#[test]
fn gram_lower_matches_naive_dots() {
    let (n, end) = (150usize, 170usize);
    let mut rng = Rng::new(8, 1);
    let starts: Vec<usize> = (0..n).map(|i| i / 2).collect();
    let rows: Vec<Vec<f32>> = starts
        .iter()
        .map(|&s| (s..end).map(|_| rng.normal() as f32).collect())
        .collect();
    let h: Vec<&[f32]> = rows.iter().map(|v| &v[..]).collect();
    let mut store: Vec<Vec<f32>> = (0..n).map(|i| vec![f32::NAN; i]).collect();
    let mut lows: Vec<&mut [f32]> = store.iter_mut().map(|v| &mut v[..]).collect();
    let mut diag = vec![f32::NAN; n];
    gram_lower(&h, &starts, end, &mut lows, &mut diag);
    for i in 0..n {
        for j in 0..=i {
            let want: f64 = (starts[i]..end)
                .map(|k| rows[i][k - starts[i]] as f64 * rows[j][k - starts[j]] as f64)
                .sum();
            let got = if j == i { diag[i] } else { store[i][j] } as f64;
            assert!((got - want).abs() < 1e-4 * (1.0 + want.abs()), "{i},{j}");
        }
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let n = 230;
    let a = to_f32(&spd(n, 3.0, 77));
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut x = a.clone();
        pool.install(|| inverse_spd(&mut x, n, &mut |_| {}))
            .unwrap();
        x
    };
    let one = run(1);
    assert!(
        one.iter()
            .zip(run(3))
            .all(|(x, y)| x.to_bits() == y.to_bits())
    );
}

#[test]
fn the_f64_cholesky_solves_spd_systems_of_every_small_size() {
    for w in 1..=40usize {
        // A = MᵀM + I for a fixed pseudo-random M, and b = A·x for a known x.
        let m: Vec<f64> = (0..w * w)
            .map(|i| ((i * 7919 + w * 31) % 23) as f64 / 7.0 - 1.5)
            .collect();
        let mut a = vec![0f64; w * w];
        for i in 0..w {
            for j in 0..w {
                a[i * w + j] = (0..w).map(|r| m[r * w + i] * m[r * w + j]).sum::<f64>()
                    + f64::from(u8::from(i == j));
            }
        }
        let x: Vec<f64> = (0..w).map(|i| (i as f64 * 0.37).sin()).collect();
        let mut b: Vec<f64> = (0..w)
            .map(|i| (0..w).map(|j| a[i * w + j] * x[j]).sum())
            .collect();
        factor_f64(&mut a, w).unwrap();
        solve_factored_f64(&a, w, &mut b);
        for (got, want) in b.iter().zip(&x) {
            assert!((got - want).abs() < 1e-8, "w = {w}: {got} vs {want}");
        }
    }
    // Not positive definite: the first bad pivot is reported.
    let mut a = vec![1.0, 0.0, 2.0, 1.0];
    assert_eq!(factor_f64(&mut a, 2), Err(1));
}
