//! Tests of EASE against a closed form computed in f64, its memory cap, pruning and persistence.

use super::*;
use artist2vec_core::{NoProgress, Vocabulary};

/// A small listening table: 7 listeners, 6 artists; artist 5 has one listener, artist 4
/// none.
fn tiny() -> Interactions {
    let users = Vocabulary::from_ids((0..7).map(|u| format!("u{u}"))).unwrap();
    let items = Vocabulary::from_ids((0..6).map(|i| format!("a{i}"))).unwrap();
    let rows: [(u32, u32, f32); 17] = [
        (0, 0, 3.0),
        (0, 1, 10.0),
        (0, 2, 1.0),
        (1, 0, 7.0),
        (1, 2, 2.0),
        (2, 1, 4.0),
        (2, 3, 9.0),
        (3, 0, 1.0),
        (3, 1, 1.0),
        (3, 3, 30.0),
        (4, 2, 5.0),
        (4, 3, 2.0),
        (5, 0, 12.0),
        (5, 1, 6.0),
        (5, 5, 2.0),
        (6, 1, 3.0),
        (6, 3, 8.0),
    ];
    Interactions::from_columns(
        users,
        items,
        rows.iter().map(|r| r.0).collect(),
        rows.iter().map(|r| r.1).collect(),
        rows.iter().map(|r| r.2).collect(),
        None,
    )
    .unwrap()
}

/// B by the closed form in f64, with a naive Gauss–Jordan inverse, over `kept`.
fn closed_form(data: &Interactions, kept: &[u32], lambda: f64) -> Vec<f64> {
    let n = kept.len();
    let mut x = vec![0f64; data.n_users() * n];
    for r in data.iter() {
        if let Some(k) = kept.iter().position(|&g| g == r.item) {
            x[r.user as usize * n + k] += f64::from(r.weight);
        }
    }
    x.iter_mut().for_each(|v| *v = v.ln_1p());
    let mut g = vec![0f64; n * n];
    for u in 0..data.n_users() {
        for i in 0..n {
            for j in 0..n {
                g[i * n + j] += x[u * n + i] * x[u * n + j];
            }
        }
    }
    for i in 0..n {
        g[i * n + i] += lambda;
    }
    let p = dense::gauss_jordan_inverse(&g, n);
    let mut b = vec![0f64; n * n];
    for i in 0..n {
        for j in 0..n {
            b[i * n + j] = if i == j {
                0.0
            } else {
                -p[i * n + j] / p[j * n + j]
            };
        }
    }
    b
}

#[test]
fn b_equals_the_closed_form_for_both_solvers() {
    let data = tiny();
    for (min, kept) in [(1u32, vec![0u32, 1, 2, 3, 5]), (2, vec![0, 1, 2, 3])] {
        for lambda in [0.5f32, 4.0, 50.0] {
            let want = closed_form(&data, &kept, f64::from(lambda));
            for solver in [EaseSolver::ArtistGram, EaseSolver::UserGram] {
                let m = EaseConfig::new()
                    .with_lambda(lambda)
                    .with_min_listeners(min)
                    .with_solver(solver)
                    .fit(&data)
                    .unwrap();
                let mut got = m.kept_artists().to_vec();
                got.sort_unstable();
                assert_eq!(got, kept);
                let n = kept.len();
                let scale = want.iter().fold(0f64, |a, b| a.max(b.abs()));
                for (i, &a) in kept.iter().enumerate() {
                    for (j, &b) in kept.iter().enumerate() {
                        let got = f64::from(m.weight(a, b).unwrap().unwrap());
                        let w = want[i * n + j];
                        assert!(
                            (got - w).abs() < 1e-4 * scale,
                            "{solver:?} λ {lambda} min {min}: B[{a}][{b}] {got} vs {w}"
                        );
                        if i == j {
                            assert_eq!(got, 0.0, "diag(B) must be 0");
                        }
                    }
                }
                // Pruned and unplayed artists have no weights and are never scored.
                assert_eq!(m.weight(4, 0).unwrap(), None);
                let mut s = vec![0f32; 6];
                m.score_into(&Query::User(0), &mut s).unwrap();
                assert!(s[4].is_nan());
                assert_eq!(s[5].is_nan(), min == 2);
                // A listener's scores are x·B with log1p weights.
                for (j, &b) in kept.iter().enumerate() {
                    let direct: f64 = [(0usize, 3.0f64), (1, 10.0), (2, 1.0)]
                        .iter()
                        .map(|&(i, c)| c.ln_1p() * want[i * n + j])
                        .sum();
                    assert!((f64::from(s[b as usize]) - direct).abs() < 1e-4 * scale * 10.0);
                }
            }
        }
    }
}

#[test]
fn solvers_agree_on_planted_sized_data() {
    // 40 listeners, 150 artists: more artists than listeners, more than one block.
    let users = Vocabulary::from_ids((0..40).map(|u| format!("u{u}"))).unwrap();
    let items = Vocabulary::from_ids((0..150).map(|i| format!("a{i}"))).unwrap();
    let (mut uc, mut ic, mut wc) = (vec![], vec![], vec![]);
    for u in 0..40u32 {
        for i in 0..150u32 {
            if (u * 7 + i * 13) % 11 < 3 || (i + u) % 37 == 0 {
                uc.push(u);
                ic.push(i);
                wc.push(1.0 + ((u + 3 * i) % 17) as f32);
            }
        }
    }
    let data = Interactions::from_columns(users, items, uc, ic, wc, None).unwrap();
    let fit = |s| {
        EaseConfig::new()
            .with_lambda(20.0)
            .with_min_listeners(1)
            .with_solver(s)
            .fit(&data)
            .unwrap()
    };
    let (a, b) = (fit(EaseSolver::ArtistGram), fit(EaseSolver::UserGram));
    // The listener Gram solver orders the artists by first listener.
    let mut sorted = b.kept_artists().to_vec();
    sorted.sort_unstable();
    assert_eq!(a.kept_artists(), &sorted[..]);
    assert_ne!(a.kept_artists(), b.kept_artists());
    let mut worst = 0f32;
    for &i in a.kept_artists() {
        for &j in a.kept_artists() {
            let (x, y) = (
                a.weight(i, j).unwrap().unwrap(),
                b.weight(i, j).unwrap().unwrap(),
            );
            worst = worst.max((x - y).abs());
        }
    }
    let scale =
        a.p.iter()
            .zip(a.scale.iter().cycle())
            .fold(0f32, |m, (x, s)| m.max((x * s).abs()));
    assert!(worst < 1e-3 * scale, "B differs by {worst} (scale {scale})");
    let rec = |m: &Ease| m.recommend(&Query::User(3), 10, true).unwrap();
    let (ra, rb) = (rec(&a), rec(&b));
    let shared = ra
        .iter()
        .filter(|x| rb.iter().any(|y| y.item == x.item))
        .count();
    assert!(shared >= 9, "top-10 lists share {shared}");
}

#[test]
fn a_problem_over_the_memory_cap_is_refused_before_allocating() {
    let data = tiny();
    // 5 artists: 100 bytes for the artist Gram path; a cap of 50 bytes refuses it.
    let e = EaseConfig::new()
        .with_min_listeners(1)
        .with_max_memory_gb(50e-9)
        .with_solver(EaseSolver::ArtistGram)
        .fit(&data)
        .unwrap_err();
    match &e {
        ModelError::TooLarge {
            needed_bytes,
            limit_bytes,
            ..
        } => {
            assert_eq!(*needed_bytes, 100);
            assert_eq!(*limit_bytes, 50);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains("5 artists") && msg.contains("100 bytes"),
        "{msg}"
    );
    assert!(msg.contains("max_memory_gb"), "{msg}");
    // A plan far beyond any machine is refused by arithmetic, not by an allocation.
    let huge = plan(&EaseConfig::new(), 3_000_000, 1_000, 8_000_000_000).unwrap_err();
    assert!(huge.to_string().contains("3000000 artists"), "{huge}");
    // Auto falls back to the artist Gram when the listener Gram does not fit.
    let cfg = EaseConfig::new();
    let p = plan(&cfg, 100, 10, 100 * 100 * 4).unwrap();
    assert_eq!(p.solver, EaseSolver::ArtistGram);
    assert_eq!(
        plan(&cfg, 100, 10, 1 << 30).unwrap().solver,
        EaseSolver::UserGram
    );
    assert_eq!(
        plan(&cfg, 10, 100, 1 << 30).unwrap().solver,
        EaseSolver::ArtistGram
    );
}

#[test]
fn bad_configurations_fail_before_any_work() {
    let data = tiny();
    for (cfg, field) in [
        (EaseConfig::new().with_lambda(0.0), "lambda"),
        (EaseConfig::new().with_lambda(f32::NAN), "lambda"),
        (EaseConfig::new().with_max_memory_gb(-1.0), "max_memory_gb"),
        (
            EaseConfig::new().with_weighting(Weighting::TfIdf),
            "weighting",
        ),
    ] {
        let e = cfg.fit(&data).unwrap_err();
        assert!(e.to_string().contains(field), "{e}");
    }
    let e = EaseConfig::new()
        .with_min_listeners(100)
        .fit(&data)
        .unwrap_err();
    assert!(e.to_string().contains("min_listeners"), "{e}");
    let _ = NoProgress;
}
