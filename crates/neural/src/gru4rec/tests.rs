use artist2vec_core::{Model, NoProgress, Query, Recommender, Registered, TrainingData};
use artist2vec_data::synth::{SynthConfig, Synthetic};

use super::*;
use crate::CpuBackend;

/// burn's CPU backend draws initial weights and dropout masks from one process-wide generator:
/// the tests that train take turns, so a seed gives the same model whatever else runs.
static BURN_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Small generated sessions with a strong planted order (every play follows the previous
/// artist's successor with probability 0.8).
fn data() -> Synthetic {
    let config = SynthConfig {
        n_users: 40,
        n_artists: 40,
        n_tracks: 80,
        n_genres: 4,
        n_sessions: 300,
        n_plays: 3_000,
        ..SynthConfig::tiny()
    }
    .with_seed(3)
    .with_sequential_order(0.8);
    Synthetic::generate(&config).unwrap()
}

fn small() -> Gru4RecConfig {
    Gru4RecConfig::default()
        .with_embedding(16)
        .with_hidden(32)
        .with_batch_size(32)
        .with_lr(0.02)
        .with_epochs(6)
        .with_steps(20)
        .with_max_len(40)
}

fn fit(config: &Gru4RecConfig, d: &Synthetic) -> Gru4RecModel {
    let _turn = BURN_RNG.lock().unwrap_or_else(|e| e.into_inner());
    let sessions = d.sessions();
    let rows = sessions.to_counts();
    config
        .fit_on::<CpuBackend>(
            &Gru4RecInput::new(&rows, sessions),
            &Default::default(),
            &NoProgress,
        )
        .unwrap()
}

#[test]
fn learns_the_planted_order_and_keeps_the_best_epoch() {
    let d = data();
    let m = fit(&small(), &d);
    let s = m.stats();
    assert_eq!(s.validation.len(), s.epoch_loss.len());
    assert!(
        s.epoch_loss.last() < s.epoch_loss.first(),
        "{:?}",
        s.epoch_loss
    );
    let best = s
        .validation
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i + 1);
    assert_eq!(Some(s.best_epoch), best, "{:?}", s.validation);
    // The planted successor of an artist is the first prediction after it, for most artists.
    let succ = &d.artist_successor;
    let listeners = m.listeners();
    let (mut hit, mut n) = (0, 0);
    for a in 0..succ.len() as u32 {
        if listeners[a as usize] == 0 || listeners[succ[a as usize] as usize] == 0 {
            continue;
        }
        n += 1;
        let top = m.recommend(&Query::History(&[(a, 1.0)]), 1, false).unwrap();
        hit += usize::from(top[0].item == succ[a as usize]);
    }
    assert!(hit * 2 > n, "successor first for {hit} of {n} artists");
}

#[test]
fn same_seed_same_model_and_registry_round_trip() {
    let d = data();
    let c = small().with_epochs(2).with_dropout(0.2);
    let a = fit(&c, &d);
    let b = fit(&c, &d);
    assert_eq!(a.stats().epoch_loss, b.stats().epoch_loss);
    let q = Query::History(&[(1, 1.0), (2, 1.0), (5, 1.0)]);
    assert_eq!(
        a.recommend(&q, 10, true).unwrap(),
        b.recommend(&q, 10, true).unwrap()
    );

    let sessions = d.sessions();
    let rows = sessions.to_counts();
    let reg = crate::registry();
    let json = serde_json::to_string(&c).unwrap();
    let data = TrainingData::with_sessions(&rows, sessions).unwrap();
    let m = {
        let _turn = BURN_RNG.lock().unwrap_or_else(|e| e.into_inner());
        reg.fit("gru", Some(&json), &data, &NoProgress).unwrap()
    };
    assert_eq!(m.kind(), "gru4rec");
    let path = std::env::temp_dir().join(format!("a2v-gru-{}.bin", std::process::id()));
    m.save(&path).unwrap();
    let back = reg.load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    for q in [Query::User(3), q] {
        assert_eq!(
            back.recommend(&q, 10, true).unwrap(),
            m.recommend(&q, 10, true).unwrap()
        );
    }
    let e = reg
        .fit(
            "gru4rec",
            Some(&json),
            &TrainingData::new(&rows),
            &NoProgress,
        )
        .unwrap_err();
    assert!(e.to_string().contains("sessions in play order"), "{e}");
    assert!(
        reg.fit("gru4rec", Some(r#"{"hidden": 0}"#), &data, &NoProgress)
            .is_err()
    );
    assert!(
        reg.fit("gru4rec", Some(r#"{"layers": 1000}"#), &data, &NoProgress)
            .is_err()
    );
    assert_eq!(<Gru4RecConfig as Registered>::NAME, "gru4rec");
    assert!(
        m.recommend(&Query::History(&[(9999, 1.0)]), 1, true)
            .is_err()
    );
}

#[test]
fn sampled_loss_and_two_layers_train() {
    let d = data();
    let c = small()
        .with_loss(GruLoss::Sampled)
        .with_negatives(8)
        .with_layers(2)
        .with_epochs(2)
        .with_validation_fraction(0.0);
    let m = fit(&c, &d);
    assert_eq!(m.stats().best_epoch, 2);
    assert!(m.stats().validation.is_empty());
    assert!(m.stats().epoch_loss.iter().all(|l| l.is_finite()));
}
