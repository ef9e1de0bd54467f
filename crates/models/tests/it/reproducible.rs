//! Same seed, same result — bit for bit, whatever the number of threads.

use artist2vec_core::{ArtistVectors, Fit, Interactions};
use artist2vec_models::*;

use crate::common::{fit, planted};

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn als_bits(cfg: &AlsConfig, data: &Interactions, threads: usize) -> (Vec<u32>, Vec<u32>) {
    let m = in_pool(threads, || cfg.fit(data).unwrap());
    (bits(m.user_factors()), bits(m.artist_vectors().as_slice()))
}

#[test]
fn als_reruns_are_bit_identical() {
    // Enough users that the parallel solves and the Gram reduction use several blocks.
    let p = planted(21, 3000, 6, 400);
    for solver in [AlsSolver::Cg, AlsSolver::Cholesky] {
        let cfg = AlsConfig::new()
            .with_factors(12)
            .with_iterations(4)
            .with_regularization(1.0)
            .with_solver(solver);
        let a = als_bits(&cfg, &p.data, 2);
        assert_eq!(a, als_bits(&cfg, &p.data, 2), "{solver:?}: rerun differs");
        assert_eq!(
            a,
            als_bits(&cfg, &p.data, 1),
            "{solver:?}: 1 thread differs from 2"
        );
        assert_eq!(
            a,
            als_bits(&cfg, &p.data, 3),
            "{solver:?}: 3 threads differ from 2"
        );
        let other = als_bits(&cfg.clone().with_seed(7), &p.data, 2);
        assert_ne!(a.1, other.1, "{solver:?}: the seed has no effect");
    }
}

#[test]
fn cg_with_enough_steps_agrees_with_the_exact_solver() {
    let p = planted(22, 400, 4, 20);
    let base = AlsConfig::new()
        .with_factors(6)
        .with_iterations(5)
        .with_regularization(0.5);
    let exact = base
        .clone()
        .with_solver(AlsSolver::Cholesky)
        .fit(&p.data)
        .unwrap();
    let cg = base.with_cg_steps(12).fit(&p.data).unwrap();
    let (a, b) = (exact.user_factors(), cg.user_factors());
    let diff = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0f32, f32::max);
    let scale = a.iter().map(|x| x.abs()).fold(0f32, f32::max);
    assert!(
        diff < 1e-2 * scale,
        "max difference {diff} vs scale {scale}"
    );
}

#[test]
fn other_models_are_reproducible() {
    let p = planted(23, 300, 4, 20);
    let twice = |kind: &str, json: &str| {
        let fit_in = |threads| {
            in_pool(threads, || {
                fit(kind, Some(json), &p.data, &artist2vec_core::NoProgress).unwrap()
            })
        };
        let (a, b) = (fit_in(2), fit_in(1));
        let va = a.artist_vectors().map(|e| bits(e.as_slice()));
        let vb = b.artist_vectors().map(|e| bits(e.as_slice()));
        assert_eq!(va, vb, "{kind}");
        use artist2vec_core::Recommender;
        let q = artist2vec_core::Query::User(3);
        assert_eq!(
            a.recommend(&q, 20, true).unwrap(),
            b.recommend(&q, 20, true).unwrap()
        );
    };
    twice("svd", r#"{"factors": 8}"#);
    // SGD models are deterministic with one training thread (the rayon pool does not matter).
    twice("wmf", r#"{"factors": 8, "epochs": 3, "threads": 1}"#);
    twice("bpr", r#"{"factors": 8, "iterations": 5, "threads": 1}"#);
    twice("item-knn", "{}");
    twice("user-knn", "{}");
}

/// BPR and WMF on two threads (lock-free SGD through relaxed atomics): the threads' updates
/// all land in the shared vectors (the result differs from one thread's, which draws every
/// sample itself), nothing diverges, and the planted genres are learnt as well as on one
/// thread.
#[test]
fn sgd_models_learn_as_well_on_two_threads() {
    use crate::common::genre_purity;
    let p = planted(24, 1200, 8, 40);
    for kind in ["bpr", "wmf"] {
        let cfg = |threads: usize| match kind {
            "bpr" => format!(
                r#"{{"factors": 16, "iterations": 40, "learning_rate": 0.02, "threads": {threads}}}"#
            ),
            _ => format!(r#"{{"factors": 16, "epochs": 10, "threads": {threads}}}"#),
        };
        let one = fit(kind, Some(&cfg(1)), &p.data, &artist2vec_core::NoProgress).unwrap();
        let two = fit(kind, Some(&cfg(2)), &p.data, &artist2vec_core::NoProgress).unwrap();
        let (v1, v2) = (
            one.artist_vectors().unwrap().as_slice().to_vec(),
            two.artist_vectors().unwrap().as_slice().to_vec(),
        );
        assert!(v2.iter().all(|v| v.is_finite()), "{kind}");
        assert_ne!(bits(&v1), bits(&v2), "{kind}: two threads ran as one");
        let (p1, p2) = (genre_purity(&p, &one, 10), genre_purity(&p, &two, 10));
        eprintln!("{kind}: genre purity 1 thread {p1:.3}, 2 threads {p2:.3}");
        assert!(p2 > 0.6 && p2 > p1 - 0.05, "{kind}: {p2} vs {p1}");
    }
}
