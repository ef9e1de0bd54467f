//! Tests of sparse EASE: EASE exactly when every artist is a regressor, the normal equations
//! of every column on its support otherwise, the support itself, limits and threads.

use super::*;
use crate::EaseConfig;
use artist2vec_core::Vocabulary;

/// A seeded random listening table: `users × items`, about a third of the cells played, with
/// two blocks of artists that are co-played more often.
fn random(users: usize, items: usize, seed: u64) -> Interactions {
    let mut s = seed;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 33) as u32
    };
    let (mut uc, mut ic, mut wc) = (vec![], vec![], vec![]);
    for u in 0..users {
        for i in 0..items {
            let same_block = (u % 2) == (i * 2 / items);
            let p = if same_block { 50 } else { 15 };
            if next() % 100 < p {
                uc.push(u as u32);
                ic.push(i as u32);
                wc.push(1.0 + (next() % 20) as f32);
            }
        }
    }
    Interactions::from_columns(
        Vocabulary::from_ids((0..users).map(|u| format!("u{u}"))).unwrap(),
        Vocabulary::from_ids((0..items).map(|i| format!("a{i}"))).unwrap(),
        uc,
        ic,
        wc,
        None,
    )
    .unwrap()
}

/// `G = XᵀX` of the log1p-weighted matrix, dense `n × n`, in f64.
fn gram(data: &Interactions) -> Vec<f64> {
    let (m, n) = (data.n_users(), data.n_items());
    let mut x = vec![0f64; m * n];
    for r in data.iter() {
        x[r.user as usize * n + r.item as usize] += f64::from(r.weight);
    }
    x.iter_mut().for_each(|v| *v = v.ln_1p());
    let mut g = vec![0f64; n * n];
    for u in 0..m {
        for i in 0..n {
            for j in 0..n {
                g[i * n + j] += x[u * n + i] * x[u * n + j];
            }
        }
    }
    g
}

/// Column `j` of `B` as (artist, weight), ascending.
fn column(model: &SparseEase, j: u32) -> Vec<(u32, f64)> {
    let b = model.weights();
    let mut col = vec![];
    for i in 0..b.rows() {
        if let Some(&v) = b.get(i, j as usize) {
            col.push((i as u32, f64::from(v)));
        }
    }
    col
}

#[test]
fn with_every_artist_as_regressor_it_is_ease() {
    // Enough listeners that every two artists are co-played (an artist never co-played with
    // `j` is no candidate regressor of `j`, where EASE may still weigh it).
    let data = random(150, 12, 7);
    for lambda in [1.0f32, 20.0, 300.0] {
        let sparse = SparseEaseConfig::new()
            .with_lambda(lambda)
            .with_k(100)
            .fit(&data)
            .unwrap();
        let dense = EaseConfig::new()
            .with_lambda(lambda)
            .with_min_listeners(1)
            .fit(&data)
            .unwrap();
        assert_eq!(sparse.weights().nnz(), 12 * 11);
        for i in 0..12u32 {
            for j in 0..12u32 {
                let want = f64::from(dense.weight(i, j).unwrap().unwrap());
                let got = sparse.weights().get(i as usize, j as usize).copied();
                let got = f64::from(got.unwrap_or(0.0));
                assert!(
                    (got - want).abs() <= 1e-4 * (1.0 + want.abs()),
                    "λ {lambda}: B[{i}][{j}] = {got}, EASE {want}"
                );
            }
        }
    }
}

#[test]
fn every_column_solves_its_ridge_regression_on_its_k_nearest_artists() {
    let data = random(60, 20, 11);
    let n = 20;
    let g = gram(&data);
    for (support, k) in [
        (SparseEaseSupport::Cosine, 5usize),
        (SparseEaseSupport::Cooccurrence, 7),
    ] {
        let lambda = 10.0;
        let model = SparseEaseConfig::new()
            .with_lambda(lambda as f32)
            .with_k(k)
            .with_support(support)
            .fit(&data)
            .unwrap();
        for j in 0..n {
            // The support: the k best other artists by the chosen score.
            let mut cand: Vec<(f64, usize)> = (0..n)
                .filter(|&i| i != j && g[i * n + j] > 0.0)
                .map(|i| {
                    let s = match support {
                        SparseEaseSupport::Cosine => g[i * n + j] / g[i * n + i].sqrt(),
                        SparseEaseSupport::Cooccurrence => g[i * n + j],
                    };
                    (s, i)
                })
                .collect();
            cand.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let mut want: Vec<usize> = cand.iter().take(k).map(|c| c.1).collect();
            want.sort_unstable();
            let col = column(&model, j as u32);
            let got: Vec<usize> = col.iter().map(|c| c.0 as usize).collect();
            assert_eq!(got, want, "{support:?}: support of column {j}");
            // (G_SS + λI)·b = G_Sj.
            for &(r, _) in &col {
                let lhs: f64 = col
                    .iter()
                    .map(|&(c, b)| {
                        let gv = g[r as usize * n + c as usize];
                        (if r == c { gv + lambda } else { gv }) * b
                    })
                    .sum();
                let rhs = g[r as usize * n + j];
                assert!(
                    (lhs - rhs).abs() <= 1e-4 * (1.0 + rhs.abs()),
                    "{support:?}: column {j}, row {r}: {lhs} vs {rhs}"
                );
            }
        }
    }
}

#[test]
fn the_weights_do_not_depend_on_the_thread_count() {
    let data = random(50, 30, 3);
    let fit = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| SparseEaseConfig::new().with_k(6).fit(&data).unwrap())
    };
    let (one, two) = (fit(1), fit(2));
    assert_eq!(one.weights().indices(), two.weights().indices());
    assert_eq!(one.weights().data(), two.weights().data());
    assert!(one.weights().nnz() <= 30 * 6 && one.weights().nnz() > 30 * 3);
}

#[test]
fn bad_configurations_and_sizes_are_refused_before_work() {
    let data = random(10, 6, 1);
    for (cfg, field) in [
        (SparseEaseConfig::new().with_lambda(0.0), "lambda"),
        (SparseEaseConfig::new().with_lambda(f32::NAN), "lambda"),
        (SparseEaseConfig::new().with_k(0), "`k`"),
        (SparseEaseConfig::new().with_k(usize::MAX), "`k`"),
        (
            SparseEaseConfig::new().with_weighting(Weighting::bm25()),
            "weighting",
        ),
        (
            SparseEaseConfig::new().with_max_memory_gb(-1.0),
            "max_memory_gb",
        ),
    ] {
        let e = cfg.fit(&data).unwrap_err();
        assert!(e.to_string().contains(field), "{field}: {e}");
    }
    let e = SparseEaseConfig::new()
        .with_max_memory_gb(1e-6)
        .fit(&data)
        .unwrap_err();
    assert!(matches!(e, ModelError::TooLarge { .. }), "{e}");
    assert!(e.to_string().contains("lower k"), "{e}");
}

#[test]
fn a_new_listener_is_scored_by_the_rows_of_their_artists() {
    use artist2vec_core::{Query, Recommender};
    let data = random(40, 10, 5);
    let model = SparseEaseConfig::new().with_k(4).fit(&data).unwrap();
    let mut s = vec![0f32; 10];
    model
        .score_into(&Query::History(&[(2, 3.0), (7, 1.0)]), &mut s)
        .unwrap();
    let b = model.weights();
    for j in 0..10 {
        let want = 4f32.ln() * b.get(2, j).copied().unwrap_or(0.0)
            + 2f32.ln() * b.get(7, j).copied().unwrap_or(0.0);
        assert!((s[j] - want).abs() < 1e-5, "artist {j}: {} vs {want}", s[j]);
    }
}
