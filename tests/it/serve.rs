//! Batched serving: `recommend_batch` and `recommend_users` — the blocked full-catalogue top-k
//! of the factor models (ALS, WMF, BPR, SVD) and of skip-gram — return exactly the lists of
//! `recommend`, one query at a time: the same artists in the same order with the same scores
//! (ties broken the same way), for training users and new listeners, with and without the seen
//! artists, for `k` from 1 to more than the catalogue, whatever the thread count.

use std::sync::OnceLock;

use artist2vec::core::{
    AnyModel, Interactions, NoProgress, Query, Recommender, TrainingData, Vocabulary,
};
use artist2vec::data::{SynthConfig, Synthetic};

/// Seeded generated play counts, plus three artists nobody played (never trained), a user who
/// played every other artist (nothing left to recommend but the untrained ones) and a user with
/// no plays at all (a zero vector for the factor models: every score ties).
struct Data {
    rows: Interactions,
    /// The three unplayed artists.
    ghosts: Vec<u32>,
    omnivore: u32,
}

fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| {
        let config = SynthConfig::small()
            .with_seed(5)
            .with_users(300)
            .with_artists(700)
            .with_tracks(2_800)
            .with_sessions(2_000)
            .with_plays(25_000);
        let synth = Synthetic::generate(&config).unwrap();
        let counts = synth.sessions().to_counts();
        let (mut users, mut items): (Vocabulary, Vocabulary) =
            (counts.users.clone(), counts.items.clone());
        let played = items.len() as u32;
        let ghosts: Vec<u32> = (0..3).map(|g| items.insert(format!("ghost{g}"))).collect();
        let omnivore = users.insert("omnivore");
        users.insert("silent");
        let mut rows = Interactions::new(users, items, false);
        for r in counts.iter() {
            rows.push(r.user, r.item, r.weight, None);
        }
        for i in 0..played {
            rows.push(omnivore, i, 1.0 + (i % 3) as f32, None);
        }
        Data {
            rows,
            ghosts,
            omnivore,
        }
    })
}

fn fit(name: &str, config: &str) -> AnyModel {
    artist2vec::registry()
        .fit(
            name,
            Some(config),
            &TrainingData::new(&data().rows),
            &NoProgress,
        )
        .unwrap_or_else(|e| panic!("{name} {config}: {e}"))
}

/// Every training user and a few new listeners: an empty history, one artist, an untrained
/// artist only, every artist, and a repeated artist.
fn check_batches_equal_single_queries(label: &str, model: &AnyModel) {
    let d = data();
    let n = model.n_items();
    let every: Vec<(u32, f32)> = (0..n as u32).map(|i| (i, 1.0 + (i % 4) as f32)).collect();
    let histories: Vec<Vec<(u32, f32)>> = vec![
        vec![],
        vec![(5, 3.0)],
        vec![(d.ghosts[0], 2.0)],
        every,
        vec![(9, 1.0), (40, 2.0), (9, 4.0), (d.ghosts[1], 1.0)],
    ];
    let users: Vec<u32> = (0..model.n_users() as u32).collect();
    let mut queries: Vec<Query<'_>> = users.iter().map(|&u| Query::User(u)).collect();
    queries.extend(histories.iter().map(|h| Query::History(h)));
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for k in [1, 10, n + 3] {
        for exclude_seen in [true, false] {
            let batch = model.recommend_batch(&queries, k, exclude_seen).unwrap();
            assert_eq!(batch.len(), queries.len());
            for (q, got) in queries.iter().zip(&batch) {
                let want = model.recommend(q, k, exclude_seen).unwrap();
                assert_eq!(
                    got, &want,
                    "{label}: {q:?}, k {k}, exclude_seen {exclude_seen}"
                );
            }
            let by_user = model.recommend_users(&users, k, exclude_seen).unwrap();
            assert_eq!(
                by_user[..],
                batch[..users.len()],
                "{label}: recommend_users"
            );
            let single = one_thread
                .install(|| model.recommend_batch(&queries, k, exclude_seen))
                .unwrap();
            assert_eq!(single, batch, "{label}: one thread vs the pool");
            if exclude_seen {
                // Nothing but untrained artists is left for the omnivore: the factor models
                // never recommend those, skip-gram ranks them last at -inf.
                let omni = &batch[d.omnivore as usize];
                assert!(
                    omni.iter().all(|n| d.ghosts.contains(&n.item)),
                    "{label}: {omni:?}"
                );
            } else if k > n {
                // Everything scored is listed: at least every played artist.
                assert!(batch[0].len() >= n - d.ghosts.len(), "{label}");
            }
        }
    }
}

#[test]
fn factor_models_serve_batches_like_single_queries() {
    // Dimensions that are not multiples of 8 exercise the tail of the 8-lane order (BPR adds
    // a bias column: 17).
    for (name, config) in [
        ("als", r#"{"factors": 12, "iterations": 4}"#),
        (
            "als",
            r#"{"factors": 16, "iterations": 3, "solver": "cholesky"}"#,
        ),
        ("wmf", r#"{"factors": 8, "epochs": 3}"#),
        ("bpr", r#"{"factors": 16, "iterations": 5}"#),
        ("svd", r#"{"factors": 10}"#),
    ] {
        let model = fit(name, config);
        check_batches_equal_single_queries(&format!("{name} {config}"), &model);
    }
}

#[test]
fn skipgram_serves_batches_like_single_queries() {
    for scoring in ["output", "input_dot", "input_cosine"] {
        let config = format!(
            r#"{{"dim": 20, "epochs": 3, "window": {{"fixed": 5}}, "scoring": "{scoring}"}}"#
        );
        let model = fit("skipgram", &config);
        check_batches_equal_single_queries(&format!("skipgram {scoring}"), &model);
    }
}

#[test]
fn every_artist_seen_and_k_beyond_the_catalogue() {
    let d = data();
    let model = fit("als", r#"{"factors": 8, "iterations": 2}"#);
    let n = model.n_items();
    let lists = model
        .recommend_users(&[d.omnivore, 0], n + 100, true)
        .unwrap();
    assert!(lists[0].is_empty(), "{:?}", lists[0]);
    let seen = model.seen(0).unwrap().len();
    assert_eq!(lists[1].len(), n - d.ghosts.len() - seen);
    assert!(lists[1].windows(2).all(|w| w[0].score >= w[1].score));
}
