//! The two-tower model on generated listening data with planted genres
//! (`artist2vec-data`'s generator): it learns what popularity cannot, it is reproducible, it
//! stops with a typed error when training diverges, and it survives saving and loading.

use std::collections::HashSet;
use std::sync::OnceLock;

use artist2vec_core::persist::{load, save};
use artist2vec_core::{
    Fit, Interactions, Model, NoProgress, Query, Recommender, Registry, SimilarArtists,
    TrainingData,
};
use artist2vec_data::{SynthConfig, Synthetic};
use artist2vec_neural::{
    ArtistFeatures, Loss, NeuralError, Score, TwoTowerConfig, TwoTowerInput, TwoTowerModel,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Generated plays split per user: a fifth of each user's artists (at least one, for users
/// with five or more) held out as the test set.
struct Data {
    train: Interactions,
    test: Interactions,
    artist_genre: Vec<u32>,
}

fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| {
        let config = SynthConfig {
            n_users: 400,
            n_artists: 300,
            n_tracks: 900,
            n_genres: 6,
            n_sessions: 4_000,
            n_plays: 40_000,
            ..SynthConfig::tiny()
        }
        .with_seed(3);
        let syn = Synthetic::generate(&config).unwrap();
        let counts = syn.sessions().to_counts();
        let mut train = Interactions::new(counts.users.clone(), counts.items.clone(), false);
        let mut test = Interactions::new(counts.users.clone(), counts.items.clone(), false);
        let mut rng = StdRng::seed_from_u64(17);
        let mut by_user: Vec<Vec<(u32, f32)>> = vec![Vec::new(); counts.n_users()];
        for r in counts.iter() {
            by_user[r.user as usize].push((r.item, r.weight));
        }
        for (u, rows) in by_user.iter().enumerate() {
            for &(i, w) in rows {
                let held = rows.len() >= 5 && rng.random::<f64>() < 0.2;
                let t = if held { &mut test } else { &mut train };
                t.push(u as u32, i, w, None);
            }
        }
        Data {
            train,
            test,
            artist_genre: syn.artist_genre.clone(),
        }
    })
}

/// Mean NDCG@10 (binary relevance) of each test user's top 10, training artists excluded.
fn ndcg10(model: &dyn Recommender, d: &Data) -> f64 {
    let mut relevant: Vec<HashSet<u32>> = vec![HashSet::new(); d.test.n_users()];
    for r in d.test.iter() {
        relevant[r.user as usize].insert(r.item);
    }
    let users: Vec<u32> = (0..d.test.n_users() as u32)
        .filter(|&u| !relevant[u as usize].is_empty())
        .collect();
    let lists = model.recommend_users(&users, 10, true).unwrap();
    let mut total = 0.0;
    for (u, list) in users.iter().zip(&lists) {
        let rel = &relevant[*u as usize];
        let dcg: f64 = list
            .iter()
            .enumerate()
            .filter(|(_, n)| rel.contains(&n.item))
            .map(|(r, _)| 1.0 / ((r + 2) as f64).log2())
            .sum();
        let idcg: f64 = (0..rel.len().min(10))
            .map(|r| 1.0 / ((r + 2) as f64).log2())
            .sum();
        total += dcg / idcg;
    }
    total / users.len() as f64
}

fn small() -> TwoTowerConfig {
    TwoTowerConfig::new(32)
        .with_batch_size(256)
        .with_epochs(12)
        .with_lr(0.01)
        .with_seed(5)
}

/// The registry of this crate (the popularity baseline lives in `artist2vec-models`, which
/// this crate does not depend on, so the baseline is written out here).
struct Popularity {
    listeners: Vec<u32>,
    train: TwoTowerModel,
}

impl Recommender for Popularity {
    fn n_items(&self) -> usize {
        self.listeners.len()
    }
    fn n_users(&self) -> usize {
        self.train.n_users()
    }
    fn score_into(
        &self,
        _query: &Query<'_>,
        scores: &mut [f32],
    ) -> Result<(), artist2vec_core::CoreError> {
        for (s, &l) in scores.iter_mut().zip(&self.listeners) {
            *s = l as f32;
        }
        Ok(())
    }
    fn seen(&self, user: u32) -> Result<&[u32], artist2vec_core::CoreError> {
        self.train.seen(user)
    }
}

#[test]
fn two_tower_beats_popularity_on_planted_genres() {
    let d = data();
    let model = small().fit(&d.train).unwrap();
    let pop = Popularity {
        listeners: Model::listeners(&model),
        train: model.clone(),
    };
    let (tt, base) = (ndcg10(&model, d), ndcg10(&pop, d));
    eprintln!("NDCG@10: two-tower {tt:.4}, popularity {base:.4}");
    assert!(
        tt > base + 0.03 && tt > 1.2 * base,
        "two-tower {tt:.4} vs popularity {base:.4}"
    );
    let loss = &model.stats().epoch_loss;
    assert_eq!(loss.len(), 12);
    assert!(loss.last() < loss.first(), "{loss:?}");

    // Artist vectors find the planted genres: most of an artist's 5 nearest neighbours share
    // its genre (chance ≈ 1/6).
    let (mut same, mut all) = (0, 0);
    for a in 0..model.n_items() as u32 {
        if !model.is_trained(a) {
            continue;
        }
        for n in model.similar(a, 5).unwrap() {
            same += usize::from(d.artist_genre[n.item as usize] == d.artist_genre[a as usize]);
            all += 1;
        }
    }
    let precision = same as f64 / all as f64;
    assert!(precision > 0.5, "genre precision@5 {precision:.3}");

    // The notebook's cosine-embedding loss learns too, from the same towers.
    let cosine = small()
        .with_loss(Loss::Cosine)
        .with_negatives(8)
        .with_score(Score::Cosine)
        .fit(&d.train)
        .unwrap();
    let c = ndcg10(&cosine, d);
    eprintln!("NDCG@10: two-tower with the cosine loss {c:.4}");
    assert!(c > base * 0.5, "cosine loss {c:.4}");
}

#[test]
fn the_same_seed_gives_the_same_model() {
    let d = data();
    let config = small().with_epochs(2).with_user_layers(vec![16]);
    let a = config.fit(&d.train).unwrap();
    let b = config.fit(&d.train).unwrap();
    assert_eq!(a.artist_vectors().as_slice(), b.artist_vectors().as_slice());
    assert_eq!(a.history_vectors(), b.history_vectors());
    assert_eq!(a.stats().epoch_loss, b.stats().epoch_loss);
    let users: Vec<u32> = (0..50).collect();
    assert_eq!(
        a.recommend_users(&users, 10, true).unwrap(),
        b.recommend_users(&users, 10, true).unwrap()
    );
    let c = config.with_seed(6).fit(&d.train).unwrap();
    assert_ne!(a.artist_vectors().as_slice(), c.artist_vectors().as_slice());
}

#[test]
fn a_diverging_loss_is_an_error_naming_the_epoch() {
    let d = data();
    for lr in [1e30f32, 1e4] {
        match small().with_lr(lr).with_epochs(3).fit(&d.train) {
            Err(NeuralError::Diverged { epoch, loss }) => {
                assert_eq!(epoch, 0, "lr {lr}");
                assert!(!loss.is_finite() || loss > 1e3, "lr {lr}: loss {loss}");
                let text = NeuralError::Diverged { epoch, loss }.to_string();
                assert!(text.contains("epoch 0"), "{text}");
            }
            other => panic!(
                "lr {lr}: expected a divergence, got {:?}",
                other.map(|m| m.stats().clone())
            ),
        }
    }
}

#[test]
fn save_and_load_give_identical_recommendations() {
    let d = data();
    let dir = std::env::temp_dir().join(format!("a2v-two-tower-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let users: Vec<u32> = (0..d.train.n_users() as u32).collect();
    let histories: Vec<Vec<(u32, f32)>> = (0..5u32)
        .map(|u| {
            d.test
                .iter()
                .filter(|r| r.user == u)
                .map(|r| (r.item, r.weight))
                .collect()
        })
        .collect();
    for (name, config) in [
        ("plain", small().with_epochs(2)),
        (
            "mlp-users-offsets-cosine",
            small()
                .with_epochs(2)
                .with_user_layers(vec![24, 16])
                .with_user_embedding(true)
                .with_score(Score::Cosine)
                .with_temperature(0.1)
                .with_artist_bias(true),
        ),
    ] {
        let m = config.fit(&d.train).unwrap();
        let path = dir.join(format!("{name}.a2v"));
        save(&m, &path).unwrap();
        let back: TwoTowerModel = load(&path).unwrap();
        assert_eq!(back.config(), m.config(), "{name}");
        assert_eq!(back.stats(), m.stats(), "{name}");
        assert_eq!(
            back.recommend_users(&users, 10, true).unwrap(),
            m.recommend_users(&users, 10, true).unwrap(),
            "{name}"
        );
        for h in &histories {
            let q = Query::History(h);
            assert_eq!(
                back.recommend(&q, 10, true).unwrap(),
                m.recommend(&q, 10, true).unwrap(),
                "{name}"
            );
        }
        let artists: Vec<u32> = (0..20).collect();
        assert_eq!(
            back.similar_batch(&artists, 5).unwrap(),
            m.similar_batch(&artists, 5).unwrap(),
            "{name}"
        );
        // A damaged file is refused, not misread.
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 20;
        bytes[last] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        assert!(load::<TwoTowerModel>(&path).is_err());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_new_listener_is_scored_like_a_training_user_with_the_same_history() {
    let d = data();
    let m = small().with_epochs(2).fit(&d.train).unwrap();
    for u in 0..20u32 {
        let (items, weights) = m.profiles().get(u).unwrap();
        let h: Vec<(u32, f32)> = items.iter().copied().zip(weights.iter().copied()).collect();
        assert_eq!(
            m.recommend(&Query::History(&h), 10, true).unwrap(),
            m.recommend(&Query::User(u), 10, true).unwrap()
        );
    }
    // Without any trained artist the history falls back to popularity; bad queries are errors.
    let pop = m.recommend(&Query::History(&[]), 3, true).unwrap();
    assert_eq!(pop.len(), 3);
    assert!(m.recommend(&Query::User(10_000), 3, true).is_err());
    assert!(
        m.recommend(&Query::History(&[(0, f32::NAN)]), 3, true)
            .is_err()
    );
    for w in [f32::INFINITY, -1.0] {
        assert!(m.user_vector(&Query::History(&[(0, w)])).is_err(), "{w}");
    }
    assert!(
        m.recommend(&Query::History(&[(100_000, 1.0)]), 3, true)
            .is_err()
    );
}

#[test]
fn validation_keeps_the_best_epoch_and_stops_early() {
    let d = data();
    // A learning rate high enough to overfit within a few epochs.
    let config = small().with_epochs(30).with_patience(2).with_lr(0.05);
    let m = config
        .fit(&TwoTowerInput::new(&d.train).with_validation(&d.test))
        .unwrap();
    let s = m.stats();
    assert_eq!(s.validation.len(), s.epoch_loss.len());
    let (best_ix, best) =
        s.validation.iter().enumerate().fold(
            (0, f64::MIN),
            |acc, (i, &v)| if v > acc.1 { (i, v) } else { acc },
        );
    assert_eq!(s.best_epoch, best_ix + 1);
    if s.validation.len() < 30 {
        // Stopped early: the last `patience` epochs were no better than the best.
        assert_eq!(s.validation.len(), s.best_epoch + 2, "{:?}", s.validation);
    }
    // The model is the best epoch's: its NDCG on the validation set is the recorded one (the
    // validation NDCG counts every test user, as `ndcg10` does).
    let again = ndcg10(&m, d);
    assert!((again - best).abs() < 1e-9, "{again} vs {best}");
    // Validation rows over other vocabularies are refused.
    let other = Interactions::new(
        d.train.users.clone(),
        artist2vec_core::Vocabulary::from_ids((0..1000).map(|i| format!("x{i}"))).unwrap(),
        false,
    );
    assert!(matches!(
        config.fit(&TwoTowerInput::new(&d.train).with_validation(&other)),
        Err(NeuralError::Core(_))
    ));
}

#[test]
fn content_features_give_artists_without_listeners_a_vector() {
    let d = data();
    // Planted genres as one-hot features; artists 0–9 lose their plays.
    let n_genres = *d.artist_genre.iter().max().unwrap() as usize + 1;
    let n = d.train.n_items();
    let mut values = vec![0f32; n * n_genres];
    for (a, &g) in d.artist_genre.iter().enumerate() {
        values[a * n_genres + g as usize] = 1.0;
    }
    let features = ArtistFeatures::new(n_genres, values).unwrap();
    let mut train = d.train.clone();
    train.retain(|r| r.item >= 10);
    let m = small()
        .with_epochs(6)
        .fit(&TwoTowerInput::new(&train).with_features(&features))
        .unwrap();
    let mut same = 0;
    for a in 0..10u32 {
        assert!(m.is_trained(a));
        let nn = m.similar(a, 5).unwrap();
        same += nn
            .iter()
            .filter(|x| d.artist_genre[x.item as usize] == d.artist_genre[a as usize])
            .count();
    }
    assert!(
        same >= 40,
        "{same} of 50 neighbours of cold artists share their genre"
    );
    // Without features they have no vector.
    let plain = small().with_epochs(1).fit(&train).unwrap();
    assert!(!plain.is_trained(0));
    assert!(plain.similar(0, 5).is_err());
    let mut scores = vec![0f32; n];
    plain.score_into(&Query::User(0), &mut scores).unwrap();
    assert!(scores[..10].iter().all(|&s| s == f32::NEG_INFINITY));
    // Features of the wrong size are refused.
    let wrong = ArtistFeatures::new(2, vec![0.0; 4]).unwrap();
    assert!(
        small()
            .fit(&TwoTowerInput::new(&train).with_features(&wrong))
            .is_err()
    );
}

#[test]
fn two_tower_is_in_the_registry_under_its_aliases() {
    let registry: Registry = artist2vec_neural::registry();
    for name in ["two-tower", "twotower", "two_tower", "Two-Tower"] {
        assert_eq!(registry.get(name).unwrap().name(), "two-tower");
    }
    let d = data();
    let m = registry
        .fit(
            "two_tower",
            Some(r#"{"loss": "cosine", "negatives": 4, "epochs": 1}"#),
            &TrainingData::new(&d.train),
            &NoProgress,
        )
        .unwrap();
    assert_eq!(m.kind(), "two-tower");
    assert!(m.config_json().contains("\"cosine\""));
    assert!(m.downcast_ref::<TwoTowerModel>().is_some());
    let err = registry
        .fit(
            "two-tower",
            Some(r#"{"lr": -1}"#),
            &TrainingData::new(&d.train),
            &NoProgress,
        )
        .unwrap_err();
    assert!(err.to_string().contains("lr"), "{err}");
}

#[test]
fn public_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<TwoTowerModel>();
    send_sync::<TwoTowerConfig>();
    send_sync::<ArtistFeatures>();
    send_sync::<TwoTowerInput<'_>>();
}
