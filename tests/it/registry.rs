//! Every registered model family — the classical models, skip-gram and the burn models — through
//! the one registry: fitted with its defaults, saved, loaded and queried. A family added to the
//! registry is covered here without a new test.

use std::sync::OnceLock;

use artist2vec::core::{
    AnyModel, ArtistContent, Interactions, NoProgress, Query, Recommender, Registry, Sessions,
    SimilarArtists, TrainingData,
};
use artist2vec::data::{SynthConfig, Synthetic};

/// The umbrella's registry plus the burn models (the umbrella adds them only with its `neural`
/// feature, which this test crate leaves off so that building the CLI alone reuses everything).
fn registry() -> Registry {
    let mut r = artist2vec::registry();
    if r.get("burn-skipgram").is_err() {
        r.extend(artist2vec_neural::registry());
    }
    r
}

/// Generated listening data, small enough for every family's defaults: play counts of 60
/// listeners over 80 artists, the last 6 listeners kept out of training as new listeners, and
/// the artists' tags (for content models; the others ignore them).
struct Data {
    train: Interactions,
    content: ArtistContent,
    /// The training listeners' sessions in play order (the sequence models read them).
    sessions: Sessions,
    /// Histories of the new listeners, as training artist indices with play counts.
    new: Vec<Vec<(u32, f32)>>,
}

fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| {
        let config = SynthConfig {
            n_users: 60,
            n_artists: 80,
            n_tracks: 200,
            n_sessions: 240,
            n_plays: 1_600,
            ..SynthConfig::tiny()
        }
        .with_seed(5);
        let generated = Synthetic::generate(&config).unwrap();
        let content = generated.dataset.content().unwrap();
        let all = generated.sessions().clone();
        let counts = all.to_counts();
        let cut = counts.n_users() as u32 - 6;
        let sessions = all.filter(|_, _| true, |s, _| s.user < cut);
        let mut train = counts.clone();
        train.retain(|r| r.user < cut);
        let mut new = vec![Vec::new(); 6];
        for r in counts.iter().filter(|r| r.user >= cut) {
            new[(r.user - cut) as usize].push((r.item, r.weight));
        }
        Data {
            train,
            content,
            sessions,
            new,
        }
    })
}

fn fit(registry: &Registry, name: &str, json: Option<&str>, train: &Interactions) -> AnyModel {
    registry
        .fit(name, json, &TrainingData::new(train), &NoProgress)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Fits with the training sessions (as `artist2vec fit` does for data with play order) and the
/// tags attached, so that sequence and content models fit too.
fn fit_all(registry: &Registry, name: &str, d: &Data) -> AnyModel {
    let data = TrainingData::with_sessions(&d.train, &d.sessions)
        .unwrap()
        .with_content(&d.content);
    registry
        .fit(name, None, &data, &NoProgress)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_registered_model_saves_loads_and_answers_identically() {
    let registry = registry();
    assert!(registry.names().len() >= 9, "{:?}", registry.names());
    let d = data();
    let dir = std::env::temp_dir().join(format!("a2v-registry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let users: Vec<u32> = (0..d.train.n_users() as u32).collect();
    for family in registry.families() {
        let name = family.name();
        let m = fit_all(&registry, name, d);
        assert_eq!(m.kind(), name);
        let path = dir.join(format!("{name}.a2v"));
        m.save(&path).unwrap();
        let back = registry
            .load(&path)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back.kind(), name);
        assert_eq!(back.config_json(), m.config_json(), "{name}");
        assert_eq!(back.users().ids(), m.users().ids(), "{name}");
        assert_eq!(back.items().ids(), m.items().ids(), "{name}");
        assert_eq!(back.listeners(), m.listeners(), "{name}");
        assert_eq!(
            back.recommend_users(&users, 10, true).unwrap(),
            m.recommend_users(&users, 10, true).unwrap(),
            "{name}: training users"
        );
        for h in &d.new {
            let q = Query::History(h);
            assert_eq!(
                back.recommend(&q, 10, true).unwrap(),
                m.recommend(&q, 10, true).unwrap(),
                "{name}: folded-in listener"
            );
        }
        assert_eq!(
            back.artist_vectors().map(|e| e.as_slice().to_vec()),
            m.artist_vectors().map(|e| e.as_slice().to_vec()),
            "{name}"
        );
        if m.similarity().is_some() {
            let artists: Vec<u32> = (0..10).collect();
            assert_eq!(
                back.similar_batch(&artists, 5).unwrap(),
                m.similar_batch(&artists, 5).unwrap(),
                "{name}"
            );
        } else {
            assert!(back.similar(0, 5).is_err());
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_registered_model_folds_in_new_listeners() {
    let registry = registry();
    let d = data();
    for family in registry.families() {
        let name = family.name();
        let m = fit_all(&registry, name, d);
        assert!(m.folds_in(), "{name} cannot fold in new listeners");
        for h in &d.new {
            let recs = m.recommend(&Query::History(h), 10, true).unwrap();
            assert_eq!(recs.len(), 10, "{name}");
            assert!(
                recs.iter().all(|n| h.iter().all(|&(i, _)| i != n.item)),
                "{name}: recommended an artist of the history"
            );
        }
    }
}

/// ALS folds a new listener in by solving their least-squares problem against the fixed artist
/// factors: exactly the user half-step of ALS. A model refitted with the listener's rows also
/// moves the artist factors by that one listener's share of each artist's rows, so the two top-10
/// lists are close but not identical, and closer the more listeners share the artists and the
/// stronger the regularization. Documented bound (`Model::folds_in` docs and `artist2vec recommend
/// --help`): with the default configuration, on generated data with 400 listeners, the lists share
/// at least 9 of 10 artists on average (measured: 10 of 10; with 16 factors and regularization 1
/// it drops to 8 of 10).
#[test]
fn als_fold_in_matches_a_refit_within_its_approximation() {
    let registry = registry();
    let config = SynthConfig {
        n_users: 400,
        n_artists: 150,
        n_tracks: 400,
        n_sessions: 2_400,
        n_plays: 16_000,
        ..SynthConfig::tiny()
    }
    .with_seed(11);
    let counts = Synthetic::generate(&config).unwrap().sessions().to_counts();
    let n_new = 8u32;
    let cut = counts.n_users() as u32 - n_new;
    let mut base_rows = counts.clone();
    base_rows.retain(|r| r.user < cut);
    let base = fit(&registry, "als", None, &base_rows);
    let mut overlap_sum = 0.0;
    for j in 0..n_new {
        let u = cut + j;
        let h: Vec<(u32, f32)> = counts
            .iter()
            .filter(|r| r.user == u)
            .map(|r| (r.item, r.weight))
            .collect();
        // Refit with this one listener's rows added (the listener keeps index `u`).
        let mut with_one = counts.clone();
        with_one.retain(|r| r.user < cut || r.user == u);
        let refit = fit(&registry, "als", None, &with_one);
        let folded = base.recommend(&Query::History(&h), 10, true).unwrap();
        let trained = refit.recommend(&Query::User(u), 10, true).unwrap();
        let shared = folded
            .iter()
            .filter(|a| trained.iter().any(|b| b.item == a.item))
            .count();
        overlap_sum += shared as f64 / 10.0;
    }
    let overlap = overlap_sum / n_new as f64;
    eprintln!("ALS fold-in vs refit: mean top-10 overlap {overlap:.3}");
    assert!(
        overlap >= 0.9,
        "fold-in vs refit top-10 overlap {overlap:.2}"
    );
}
