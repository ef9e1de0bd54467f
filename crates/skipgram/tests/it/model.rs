//! The trained model: scoring, similar artists, the shared traits, saving and loading.

use artist2vec_core::modelfile::{self, Header};
use artist2vec_core::{
    ArtistVectors, CoreError, Fit, Interactions, Query, Recommender, SimilarArtists, Vocabulary,
    dot,
};
use artist2vec_skipgram::{
    FORMAT_VERSION, MODEL_KIND, Scoring, SkipGramConfig, SkipGramError, SkipGramModel, Window,
};

use crate::synth::world;

fn model() -> SkipGramModel {
    SkipGramConfig::new(16)
        .with_window(Window::Fixed(5))
        .with_min_count(1)
        .with_epochs(3)
        .with_threads(1)
        .fit(&world().sessions())
        .unwrap()
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("a2v-skipgram-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn public_model_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<SkipGramModel>();
    check::<SkipGramConfig>();
    check::<SkipGramError>();
    check::<artist2vec_skipgram::TrainingStats>();
}

#[test]
fn user_vector_is_the_play_share_weighted_mean_of_input_vectors() {
    let m = model();
    let e = m.input_vectors();
    let hist = [(3u32, 2.0f32), (7, 6.0)];
    let u = m.user_vector(&Query::History(&hist)).unwrap().unwrap();
    for d in 0..m.dim() {
        let want = 0.25 * e.row(3).unwrap()[d] + 0.75 * e.row(7).unwrap()[d];
        assert!((u[d] - want).abs() < 1e-6);
    }
    // A training user: their play counts are the weights.
    let seen = m.seen(5).unwrap().to_vec();
    assert!(!seen.is_empty() && seen.windows(2).all(|w| w[0] < w[1]));
    let u5 = m.user_vector(&Query::User(5)).unwrap().unwrap();
    assert!(u5.iter().all(|v| v.is_finite()));
    assert!(m.user_vector(&Query::History(&[])).unwrap().is_none());
    assert!(matches!(
        m.user_vector(&Query::History(&[(1, f32::NAN)])),
        Err(CoreError::Invalid(_))
    ));
}

#[test]
fn each_scoring_ranks_by_its_own_formula() {
    let base = model();
    let hist = [(3u32, 1.0f32), (30, 2.0)];
    let u = base.user_vector(&Query::History(&hist)).unwrap().unwrap();
    let n = base.n_items();
    let dim = base.dim();
    for scoring in [Scoring::Output, Scoring::InputDot, Scoring::InputCosine] {
        let m = base.clone().with_scoring(scoring);
        let mut got = vec![0f32; n];
        m.score_into(&Query::History(&hist), &mut got).unwrap();
        for i in 0..n {
            let (table, cos) = match scoring {
                Scoring::Output => (m.output_vectors(), false),
                Scoring::InputDot => (m.input_vectors().as_slice(), false),
                Scoring::InputCosine => (m.input_vectors().as_slice(), true),
            };
            let row = &table[i * dim..(i + 1) * dim];
            let mut want = dot(&u, row);
            if cos {
                want /= dot(&u, &u).sqrt() * dot(row, row).sqrt();
            }
            assert!((got[i] - want).abs() < 1e-5, "{scoring:?} {i}");
        }
        let recs = m.recommend(&Query::History(&hist), 10, true).unwrap();
        assert_eq!(recs.len(), 10);
        assert!(recs.iter().all(|r| r.item != 3 && r.item != 30));
        assert!(recs.windows(2).all(|w| w[0].score >= w[1].score));
    }
}

#[test]
fn recommender_contract() {
    let m = model();
    assert_eq!(m.n_items(), 200);
    assert_eq!(m.n_users(), 200);
    let all = m.recommend_users(&[0, 1, 2], 5, true).unwrap();
    for (u, recs) in all.iter().enumerate() {
        let seen = m.seen(u as u32).unwrap();
        assert!(recs.iter().all(|r| seen.binary_search(&r.item).is_err()));
        assert_eq!(recs, &m.recommend(&Query::User(u as u32), 5, true).unwrap());
    }
    assert!(matches!(
        m.recommend(&Query::User(999), 5, true),
        Err(CoreError::IndexOutOfRange { kind: "user", .. })
    ));
    assert!(matches!(
        m.recommend(&Query::History(&[(999, 1.0)]), 5, true),
        Err(CoreError::IndexOutOfRange { kind: "artist", .. })
    ));
    let mut short = vec![0f32; 3];
    assert!(m.score_into(&Query::User(0), &mut short).is_err());
    // A listener with nothing known gets the most played artists.
    let pop = m.recommend(&Query::History(&[]), 1, false).unwrap();
    let top = (0..200)
        .max_by_key(|&i| (m.counts()[i], std::cmp::Reverse(i)))
        .unwrap();
    assert_eq!(pop[0].item, top as u32);
}

#[test]
fn untrained_artists_are_never_recommended_or_similar() {
    // Artist "z" exists in the vocabulary but was never played.
    let users = Vocabulary::from_ids(["u0", "u1", "u2"]).unwrap();
    let items = Vocabulary::from_ids(["a", "b", "c", "z"]).unwrap();
    let t = Interactions::from_columns(
        users,
        items,
        vec![0, 0, 1, 1, 2, 2, 2],
        vec![0, 1, 1, 2, 0, 1, 2],
        vec![1.0, 2.0, 1.0, 1.0, 5.0, 1.0, 1.0],
        None,
    )
    .unwrap();
    let m = SkipGramConfig::new(4)
        .with_min_count(1)
        .with_epochs(2)
        .with_threads(1)
        .fit(&t)
        .unwrap();
    assert!(!m.is_trained(3));
    assert_eq!(m.n_trained(), 3);
    let recs = m.recommend(&Query::User(0), 4, false).unwrap();
    assert_eq!(recs.len(), 4);
    assert_eq!(recs[3].item, 3);
    assert_eq!(recs[3].score, f32::NEG_INFINITY);
    let sim = m.similar(0, 5).unwrap();
    assert_eq!(sim.len(), 2);
    assert!(sim.iter().all(|n| n.item != 0 && n.item != 3));
    assert!(matches!(m.similar(3, 2), Err(CoreError::Invalid(_))));
    assert!(matches!(
        m.similar(9, 2),
        Err(CoreError::IndexOutOfRange { .. })
    ));
    assert!(m.similar_by_id("zzz", 2).is_err());
    assert_eq!(m.similar_by_id("b", 1).unwrap().len(), 1);
    assert_eq!(m.seen(2).unwrap(), &[0, 1, 2]);
    assert_eq!(m.artist_vectors().len(), 4);
    let kv = m.keyed_vectors().unwrap();
    assert_eq!(kv.len(), 3);
    assert_eq!(kv.vocab().id(0), "b", "most frequent first, as gensim");
}

#[test]
fn save_load_roundtrip() {
    let m = model().with_scoring(Scoring::InputCosine);
    let path = tmp("roundtrip.a2v");
    m.save(&path).unwrap();
    let back = SkipGramModel::load(&path).unwrap();
    assert_eq!(back.config(), m.config());
    assert_eq!(back.stats(), m.stats());
    assert_eq!(
        back.input_vectors().as_slice(),
        m.input_vectors().as_slice()
    );
    assert_eq!(back.output_vectors(), m.output_vectors());
    assert_eq!(back.counts(), m.counts());
    assert_eq!(back.artists(), m.artists());
    assert_eq!(back.users(), m.users());
    assert_eq!(back.artists().get("a17"), Some(17), "index rebuilt");
    for u in [0, 7, 199] {
        assert_eq!(back.seen(u).unwrap(), m.seen(u).unwrap());
        assert_eq!(
            back.recommend(&Query::User(u), 10, true).unwrap(),
            m.recommend(&Query::User(u), 10, true).unwrap()
        );
    }
}

#[test]
fn bad_truncated_and_foreign_files_are_typed_errors() {
    let m = model();
    let path = tmp("damaged.a2v");
    m.save(&path).unwrap();
    let full = std::fs::read(&path).unwrap();
    let format_err = |p: &std::path::Path| match SkipGramModel::load(p) {
        Err(CoreError::Format { message, .. }) => message,
        other => panic!("expected a format error, got {other:?}"),
    };
    for cut in [0, 5, 40, full.len() / 2, full.len() - 1] {
        std::fs::write(&path, &full[..cut]).unwrap();
        let msg = format_err(&path);
        assert!(
            msg.contains("truncated") || msg.contains("too short"),
            "{cut}: {msg}"
        );
    }
    let mut flipped = full.clone();
    let mid = full.len() / 2;
    flipped[mid] ^= 0x55;
    std::fs::write(&path, &flipped).unwrap();
    assert!(format_err(&path).contains("checksum"));

    // Another format version of the same kind.
    let (header, payload) = modelfile::read(&tmp_saved(&m), MODEL_KIND, &[FORMAT_VERSION]).unwrap();
    let v2 = Header {
        version: FORMAT_VERSION + 1,
        ..header.clone()
    };
    modelfile::write(&path, &v2, &payload).unwrap();
    assert!(format_err(&path).contains("not supported"));
    // Another kind of model.
    let als = Header {
        kind: "als".into(),
        ..header.clone()
    };
    modelfile::write(&path, &als, &payload).unwrap();
    assert!(format_err(&path).contains("expected \"artist2vec-skipgram\""));
    // A valid container with a damaged payload or configuration.
    modelfile::write(&path, &header, &payload[..payload.len() - 8]).unwrap();
    assert!(format_err(&path).contains("damaged artist2vec-skipgram payload"));
    let bad_cfg = Header {
        config: "{\"dim\": 0}".into(),
        ..header
    };
    modelfile::write(&path, &bad_cfg, &payload).unwrap();
    assert!(format_err(&path).contains("configuration"));
    assert!(matches!(
        SkipGramModel::load(tmp("missing.a2v")),
        Err(CoreError::Io { .. })
    ));
}

fn tmp_saved(m: &SkipGramModel) -> std::path::PathBuf {
    let p = tmp("pristine.a2v");
    m.save(&p).unwrap();
    p
}

#[test]
fn similar_batch_agrees_with_similar() {
    let m = model();
    let artists: Vec<u32> = (0..200).step_by(7).collect();
    let batch = m.similar_batch(&artists, 5).unwrap();
    assert_eq!(batch.len(), artists.len());
    for (&a, got) in artists.iter().zip(&batch) {
        let want = m.similar(a, 5).unwrap();
        assert_eq!(got.len(), 5);
        for (g, w) in got.iter().zip(&want) {
            assert!((g.score - w.score).abs() < 1e-5, "{a}: {got:?} vs {want:?}");
        }
        assert!(got.iter().all(|n| n.item != a));
    }
    assert!(m.similar_batch(&[0, 999], 3).is_err());
    assert!(m.similar_batch(&[], 3).unwrap().is_empty());
}
