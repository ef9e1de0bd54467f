use artist2vec_core::{NoProgress, Query, Recommender, Registered, SimilarArtists, TrainingData};
use artist2vec_data::split::cold_start_artists;
use artist2vec_data::synth::{SynthConfig, Synthetic};

use super::*;
use crate::CpuBackend;

/// burn's CPU backend draws initial weights and dropout masks from one process-wide generator:
/// the tests that train take turns (with each other; GRU4Rec's tests have their own lock, so
/// the two modules' models are not compared across runs).
static BURN_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Generated listening with genre-planted tags: 120 listeners of 80 artists in 4 genres.
fn data() -> Synthetic {
    let config = SynthConfig {
        n_users: 120,
        n_artists: 80,
        n_tracks: 200,
        n_genres: 4,
        n_sessions: 600,
        n_plays: 6_000,
        ..SynthConfig::tiny()
    }
    .with_seed(3);
    Synthetic::generate(&config).unwrap()
}

fn small() -> YoutubeDnnConfig {
    YoutubeDnnConfig::default()
        .with_embedding(16)
        .with_content_dims(8)
        .with_dense(16)
        .with_hidden(16)
        .with_batch_size(32)
        .with_max_len(20)
        .with_lr(0.1)
        .with_epochs(8)
}

fn fit(config: &YoutubeDnnConfig, input: &YoutubeDnnInput<'_>) -> YoutubeDnnModel {
    let _turn = BURN_RNG.lock().unwrap_or_else(|e| e.into_inner());
    config
        .fit_on::<CpuBackend>(input, &Default::default(), &NoProgress)
        .unwrap()
}

#[test]
fn cold_artists_get_neighbours_of_their_genre_from_their_tags() {
    let d = data();
    let counts = d.sessions().to_counts();
    let content = d.dataset.content().unwrap();
    let split = cold_start_artists(&counts, 0.15, 7).unwrap();
    let m = fit(&small(), &YoutubeDnnInput::new(&split.train, &content));
    let loss = &m.stats().epoch_loss;
    assert!(loss.iter().all(|l| l.is_finite()), "{loss:?}");
    assert!(loss.last() < loss.first(), "{loss:?}");
    assert_eq!(m.stats().history_order, "count");
    assert_eq!(m.stats().content_dims, 8);

    // The held-out artists have no plays: they are cold, yet every one with tags gets
    // neighbours among the top artists, mostly of its own genre.
    let mut held: Vec<u32> = split.test.item_col().to_vec();
    held.sort_unstable();
    held.dedup();
    let cold = m.cold_artists();
    assert!(held.iter().all(|a| cold.binary_search(a).is_ok()));
    let genre = |a: u32| d.artist_genre[a as usize];
    let (mut same, mut total) = (0usize, 0usize);
    for &a in &held {
        let nb = m.similar(a, 5).unwrap();
        assert_eq!(nb.len(), 5);
        assert!(
            nb.iter()
                .all(|n| m.top_artists().contains(&n.item) && n.item != a)
        );
        same += nb.iter().filter(|n| genre(n.item) == genre(a)).count();
        total += nb.len();
    }
    // Chance is about 1 in 4.
    assert!(
        same * 2 > total,
        "{same} of {total} neighbours share the genre"
    );

    // Listeners' scores: every artist scored (outside the top by the expected logit), the
    // top artists by their logits; without `rank_outside` the others are -inf.
    let h = [(held[0], 1.0), (m.top_artists()[3], 2.0)];
    let mut s = vec![0f32; m.n_items()];
    m.score_into(&Query::History(&h), &mut s).unwrap();
    assert!(s.iter().all(|v| v.is_finite()));
    let strict = fit(
        &small().with_epochs(1).with_rank_outside(false),
        &YoutubeDnnInput::new(&split.train, &content),
    );
    strict.score_into(&Query::History(&h), &mut s).unwrap();
    let finite = s.iter().filter(|v| v.is_finite()).count();
    assert_eq!(finite, strict.top_artists().len());
}

#[test]
fn sessions_registry_round_trip_and_errors() {
    let d = data();
    let sessions = d.sessions();
    let rows = sessions.to_counts();
    let content = d.dataset.content().unwrap();
    let c = small().with_epochs(2).with_top_n(30);
    let json = serde_json::to_string(&c).unwrap();
    let reg = crate::registry();
    let data = TrainingData::with_sessions(&rows, sessions)
        .unwrap()
        .with_content(&content);
    let m = {
        let _turn = BURN_RNG.lock().unwrap_or_else(|e| e.into_inner());
        reg.fit("ytdnn", Some(&json), &data, &NoProgress).unwrap()
    };
    assert_eq!(m.kind(), "youtube-dnn");
    let inner = m.downcast_ref::<YoutubeDnnModel>().unwrap();
    assert_eq!(inner.stats().history_order, "plays");
    assert_eq!(inner.top_artists().len(), 30);
    let back = crate::testing::assert_save_load_round_trip(&m, "ytdnn");
    assert_eq!(back.similar(4, 5).unwrap(), m.similar(4, 5).unwrap());
    assert_eq!(back.listeners(), m.listeners());

    let e = reg
        .fit(
            "youtube-dnn",
            Some(&json),
            &TrainingData::new(&rows),
            &NoProgress,
        )
        .unwrap_err();
    assert!(e.to_string().contains("--content"), "{e}");
    for bad in [
        r#"{"hidden": 0}"#,
        r#"{"top_n": 0}"#,
        r#"{"dropout": 1.5}"#,
        r#"{"lr": -1}"#,
    ] {
        assert!(
            reg.fit("youtube-dnn", Some(bad), &data, &NoProgress)
                .is_err()
        );
    }
    assert_eq!(<YoutubeDnnConfig as Registered>::NAME, "youtube-dnn");
    assert!(
        m.recommend(&Query::History(&[(9999, 1.0)]), 1, true)
            .is_err()
    );
    assert!(m.similar(9999, 1).is_err());
}

#[test]
fn a_loss_that_stops_being_finite_is_diverged_naming_the_epoch() {
    let d = data();
    let counts = d.sessions().to_counts();
    let content = d.dataset.content().unwrap();
    let _turn = BURN_RNG.lock().unwrap_or_else(|e| e.into_inner());
    crate::error::poison::assert_diverges_in(&[0, 3], || {
        small().with_epochs(5).fit_on::<CpuBackend>(
            &YoutubeDnnInput::new(&counts, &content),
            &Default::default(),
            &NoProgress,
        )
    });
}
