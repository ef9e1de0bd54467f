//! The acceptance numbers on the real hetrec 2011 Last.fm split, when the data is available
//! (`ARTIST2VEC_DATA` = the `shared/data` folder): NDCG@10 on hetrec-seed42's test set, binary
//! relevance, training artists excluded (the rules of `tools/evaluate.py`), at least the
//! reference library's score minus 0.005.

use std::path::Path;
use std::time::Instant;

use artist2vec_core::{Interactions, NoProgress, Recommender, Vocabulary};
use artist2vec_models::AnyModel;

use crate::common::fit;

/// Reads `user\titem\tweight` rows (header line) into `t`, extending its vocabularies.
fn read_into(path: &Path, t: &mut Interactions) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let u = t.users.insert_str(f[0]);
        let i = t.items.insert_str(f[1]);
        t.push(u, i, f[2].trim().parse().unwrap(), None);
    }
}

/// Mean NDCG@10 over the test users (a user without recommendations scores 0).
fn ndcg_at_10(model: &AnyModel, test: &Interactions) -> f64 {
    let mut relevant: Vec<Vec<u32>> = vec![Vec::new(); test.n_users()];
    for r in test.iter() {
        relevant[r.user as usize].push(r.item);
    }
    let users: Vec<u32> = (0..test.n_users() as u32)
        .filter(|&u| !relevant[u as usize].is_empty())
        .collect();
    let lists = model.recommend_users(&users, 10, true).unwrap();
    let discount = |i: usize| 1.0 / ((i + 2) as f64).log2();
    let total: f64 = users
        .iter()
        .zip(&lists)
        .map(|(&u, list)| {
            let rel = &relevant[u as usize];
            let dcg: f64 = list
                .iter()
                .enumerate()
                .filter(|(_, n)| rel.contains(&n.item))
                .map(|(i, _)| discount(i))
                .sum();
            let idcg: f64 = (0..rel.len().min(10)).map(discount).sum();
            dcg / idcg
        })
        .sum();
    total / users.len() as f64
}

/// hetrec-seed42's training and test rows over the same vocabularies, when `ARTIST2VEC_DATA`
/// is set.
fn split() -> Option<(Interactions, Interactions)> {
    let Some(root) = std::env::var_os("ARTIST2VEC_DATA") else {
        eprintln!("ARTIST2VEC_DATA not set; skipping the hetrec NDCG@10 acceptance test");
        return None;
    };
    let dir = Path::new(&root).join("splits/hetrec-seed42");
    let mut train = Interactions::new(Vocabulary::new(), Vocabulary::new(), false);
    read_into(&dir.join("train.tsv"), &mut train);
    let mut test = Interactions::new(train.users.clone(), train.items.clone(), false);
    read_into(&dir.join("test.tsv"), &mut test);
    // Train and test over the same (final) vocabularies.
    let train = Interactions::from_columns(
        test.users.clone(),
        test.items.clone(),
        train.user_col().to_vec(),
        train.item_col().to_vec(),
        train.weight_col().to_vec(),
        None,
    )
    .unwrap();
    assert_eq!(train.len(), 74_272, "unexpected hetrec-seed42/train.tsv");
    Some((train, test))
}

/// Fits every (model, configuration, reference NDCG@10) case and returns those whose NDCG@10
/// fails `ok(ndcg, reference)`, described with `rule`.
fn failures(
    (train, test): &(Interactions, Interactions),
    cases: &[(&str, &str, f64)],
    ok: impl Fn(f64, f64) -> bool,
    rule: &str,
) -> Vec<String> {
    let mut failures = Vec::new();
    for &(name, config, reference) in cases {
        let t0 = Instant::now();
        let model = fit(name, Some(config), train, &NoProgress).unwrap();
        let ndcg = ndcg_at_10(&model, test);
        eprintln!(
            "{name:<10} {config}: NDCG@10 {ndcg:.4} (reference {reference:.4}) in {:.1} s",
            t0.elapsed().as_secs_f64()
        );
        if !ok(ndcg, reference) {
            failures.push(format!("{name} {config}: {ndcg:.4}, {rule} {reference:.4}"));
        }
    }
    failures
}

#[test]
fn hetrec_ndcg_matches_the_reference_libraries() {
    let Some(data) = split() else {
        return;
    };
    // (model, configuration, reference NDCG@10 from shared/data/README.md)
    let cases = [
        ("popularity", "{}", 0.0801),
        // implicit 0.7.3's settings: log1p input, 64 factors, reg 0.05, alpha 1, 15 it, CG.
        (
            "als",
            r#"{"factors": 64, "regularization": 0.05, "alpha": 1.0, "iterations": 15}"#,
            0.2214,
        ),
        ("item-knn", r#"{"k": 100}"#, 0.2010),
        ("user-knn", r#"{"k": 30, "min_max": false}"#, 0.2083),
        ("bpr", "{}", 0.1661),
    ];
    let failures = failures(
        &data,
        &cases,
        |n, r| n >= r - 0.005,
        "below the reference minus 0.005:",
    );
    assert!(failures.is_empty(), "{failures:?}");
}

/// The closed-form item-item models reproduce `tools/peers/ease.py` (numpy, float64) at its
/// settings: EASE on log1p with λ = 3000 and every artist kept, within 0.002 of 0.2370 (and
/// with the artist Gram solver on the artists with 2 or more listeners, which the issue puts at
/// 0.2367, a tenth of the work); RP3beta on binary input with α = 0.8, β = 0.3 and every
/// neighbour kept, within 0.003 of 0.2164.
#[test]
fn hetrec_ease_and_rp3beta_match_their_references() {
    let Some(data) = split() else {
        return;
    };
    let ease = [
        ("ease", r#"{"lambda": 3000, "min_listeners": 1}"#, 0.2370),
        (
            "ease",
            r#"{"lambda": 3000, "min_listeners": 2, "solver": "artist-gram"}"#,
            0.2370,
        ),
    ];
    let rp3 = [(
        "rp3beta",
        r#"{"alpha": 0.8, "beta": 0.3, "k": null, "weighting": {"kind": "binary"}}"#,
        0.2164,
    )];
    let mut bad = failures(
        &data,
        &ease,
        |n, r| (n - r).abs() <= 0.002,
        "not within 0.002 of",
    );
    bad.extend(failures(
        &data,
        &rp3,
        |n, r| (n - r).abs() <= 0.003,
        "not within 0.003 of",
    ));
    assert!(bad.is_empty(), "{bad:?}");
}
