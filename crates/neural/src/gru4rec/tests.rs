use artist2vec_core::{NoProgress, Query, Recommender, Registered, TrainingData};
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
    let (hit, n) = crate::testing::successor_first(&m, &d.artist_successor);
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

#[test]
fn bpr_max_loss_matches_its_formula() {
    use burn::backend::NdArray;
    use burn::tensor::{Int, Tensor, TensorData};
    type B = NdArray;
    let device = Default::default();
    let scores = [[2.0f32, 0.5, -1.0], [0.0, 1.0, 3.0]];
    let targets = [0i64, 2];
    let bpreg = 0.5f32;
    let logits = Tensor::<B, 2>::from_data(
        TensorData::new(scores.iter().flatten().copied().collect(), [2, 3]),
        &device,
    );
    let t = Tensor::<B, 2, Int>::from_data(TensorData::new(targets.to_vec(), [2, 1]), &device);
    let got: f32 = net::bpr_max_loss(logits, t, bpreg).into_scalar();
    let sig = |x: f32| 1.0 / (1.0 + (-x).exp());
    let mut want = 0.0f32;
    for (row, &t) in scores.iter().zip(&targets) {
        let neg: Vec<f32> = (0..3)
            .filter(|&j| j != t as usize)
            .map(|j| row[j])
            .collect();
        let z: f32 = neg.iter().map(|r| r.exp()).sum();
        let s: Vec<f32> = neg.iter().map(|r| r.exp() / z).collect();
        let rank: f32 = s
            .iter()
            .zip(&neg)
            .map(|(s, r)| s * sig(row[t as usize] - r))
            .sum();
        let reg: f32 = s.iter().zip(&neg).map(|(s, r)| s * r * r).sum();
        want += -rank.ln() + bpreg * reg;
    }
    want /= 2.0;
    assert!((got - want).abs() < 1e-5, "{got} vs {want}");
}

/// MRR@20 of ranking every artist by its training plays, on the same next plays.
fn popularity_mrr(m: &Gru4RecModel, d: &Synthetic, sessions: &[Vec<u32>]) -> f64 {
    let counts = d.sessions().to_counts();
    let mut pop = vec![0f64; m.n_items()];
    for r in counts.iter() {
        pop[r.item as usize] += f64::from(r.weight);
    }
    let mut total = 0.0;
    for s in sessions {
        let mut rr = 0.0;
        for w in s.windows(2) {
            let rank = 1 + pop.iter().filter(|&&p| p > pop[w[1] as usize]).count();
            if rank <= 20 {
                rr += 1.0 / rank as f64;
            }
        }
        total += rr / (s.len() - 1) as f64;
    }
    total / sessions.len() as f64
}

#[test]
fn bpr_max_trains_and_beats_popularity_and_is_reachable_by_name() {
    let d = data();
    let c = small()
        .with_loss(GruLoss::BprMax)
        .with_negatives(16)
        .with_validation_fraction(0.0);
    let m = fit(&c, &d);
    let loss = &m.stats().epoch_loss;
    assert!(loss.iter().all(|l| l.is_finite()), "{loss:?}");
    assert!(loss.last() < loss.first(), "{loss:?}");
    let sessions: Vec<Vec<u32>> = (0..d.sessions().len())
        .map(|i| d.sessions().get(i).items.to_vec())
        .filter(|s| s.len() >= 2)
        .collect();
    let (gru, pop) = (
        m.next_play_mrr(&sessions, 20),
        popularity_mrr(&m, &d, &sessions),
    );
    assert!(gru > pop * 1.5, "bpr-max MRR@20 {gru} vs popularity {pop}");

    // `fit --config '{"loss": "bprmax"}'` goes through the registry's JSON.
    let sessions = d.sessions();
    let rows = sessions.to_counts();
    let data = TrainingData::with_sessions(&rows, sessions).unwrap();
    // The registry's default has the repeat mechanism, which needs a softmax: BPR-max turns it
    // off (leaving it on is a configuration error, tested in the repeat tests).
    let json = r#"{"loss": "bprmax", "repeat": false, "bpreg": 0.5, "negatives": 8, "embedding": 8,
                   "hidden": 8, "epochs": 1, "batch_size": 16, "steps": 10, "max_len": 20}"#;
    let m = {
        let _turn = BURN_RNG.lock().unwrap_or_else(|e| e.into_inner());
        crate::registry()
            .fit("gru4rec", Some(json), &data, &NoProgress)
            .unwrap()
    };
    let back: Gru4RecConfig = serde_json::from_str(&m.config_json()).unwrap();
    assert_eq!((back.loss, back.bpreg), (GruLoss::BprMax, 0.5));
    assert!(
        crate::registry()
            .fit(
                "gru4rec",
                Some(r#"{"loss": "bprmax", "bpreg": -1}"#),
                &data,
                &NoProgress
            )
            .is_err()
    );
}

#[test]
fn a_loss_that_stops_being_finite_is_diverged_naming_the_epoch() {
    let d = data();
    let sessions = d.sessions();
    let rows = sessions.to_counts();
    let _turn = BURN_RNG.lock().unwrap_or_else(|e| e.into_inner());
    crate::error::poison::assert_diverges_in(&[0, 2], || {
        small().with_epochs(4).fit_on::<CpuBackend>(
            &Gru4RecInput::new(&rows, sessions),
            &Default::default(),
            &NoProgress,
        )
    });
}

/// The CPU model scores what the burn network computes, with and without the skip connection
/// (the skip's map of the last play's embedding is added before the output layer in both).
#[test]
fn the_cpu_model_scores_what_the_network_computes_with_and_without_skip() {
    use burn::backend::NdArray;
    use burn::tensor::backend::Backend;
    use burn::tensor::{Int, Tensor, TensorData};
    type B = NdArray;
    let device = Default::default();
    let n = 10usize;
    let plays = [3u32, 7, 1, 7];
    let mut scores_by_skip = Vec::new();
    for (skip, constrained) in [(false, false), (true, false), (true, true)] {
        let h = if constrained { 8 } else { 6 };
        let c = Gru4RecConfig::default()
            .with_embedding(8)
            .with_hidden(h)
            .with_skip(skip)
            .with_constrained(constrained);
        let net = {
            let _turn = BURN_RNG.lock().unwrap_or_else(|e| e.into_inner());
            B::seed(&device, 7);
            net::GruNet::<B>::new(&c, n, &device)
        };
        assert_eq!(net.skip.is_some(), skip);
        assert_eq!(net.output.is_none(), constrained);
        let items = Tensor::<B, 2, Int>::from_data(
            TensorData::new(plays.iter().map(|&a| i64::from(a)).collect(), [1, 4]),
            &device,
        );
        let (x, _) = net.forward(items, vec![Tensor::zeros([1, h], &device)]);
        let want: Vec<f32> = net
            .logits(x.slice([0..1, 3..4, 0..h]).reshape([1, h]))
            .into_data()
            .to_vec()
            .unwrap();
        let items = artist2vec_core::Vocabulary::from_ids((0..n).map(|i| format!("a{i}"))).unwrap();
        let users = artist2vec_core::Vocabulary::from_ids(["u"]).unwrap();
        let lists = || crate::recurrent::Lists::from_vecs(vec![plays.to_vec()]);
        let m = Gru4RecModel::new(
            c,
            users,
            items,
            net.weights(),
            vec![1; n],
            lists(),
            lists(),
            Gru4RecStats::default(),
        )
        .unwrap();
        let history: Vec<(u32, f32)> = plays.iter().map(|&a| (a, 1.0)).collect();
        for q in [Query::History(&history), Query::User(0)] {
            let mut got = vec![0f32; n];
            m.score_into(&q, &mut got).unwrap();
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-4, "skip {skip}: {got:?} vs {want:?}");
            }
        }
        scores_by_skip.push(want);
    }
    assert_ne!(scores_by_skip[0], scores_by_skip[1]);
    assert!(
        Gru4RecConfig::default()
            .with_embedding(8)
            .with_hidden(6)
            .with_constrained(true)
            .validate()
            .is_err()
    );
}

/// Fits `config` through the registry under `name` from its JSON, which must hold `field`.
fn fit_by_name(
    name: &str,
    config: &Gru4RecConfig,
    field: &str,
    d: &Synthetic,
) -> artist2vec_core::AnyModel {
    let sessions = d.sessions();
    let rows = sessions.to_counts();
    let data = TrainingData::with_sessions(&rows, sessions).unwrap();
    let json = serde_json::to_string(config).unwrap();
    assert!(json.contains(field), "{json}");
    let _turn = BURN_RNG.lock().unwrap_or_else(|e| e.into_inner());
    crate::registry()
        .fit(name, Some(&json), &data, &NoProgress)
        .unwrap()
}

#[test]
fn skip_connection_learns_the_order_round_trips_and_is_reachable_by_name() {
    let d = data();
    let m = fit_by_name(
        "gru",
        &small().with_skip(true).with_lr_decay(0.9),
        r#""skip":true"#,
        &d,
    );
    let g = m.downcast_ref::<Gru4RecModel>().unwrap();
    assert!(g.config().skip);
    let (hit, n) = crate::testing::successor_first(g, &d.artist_successor);
    assert!(hit * 2 > n, "successor first for {hit} of {n} artists");
    let _ = crate::testing::assert_save_load_round_trip(&m, "gru-skip");
}

/// The repeat mechanism: the training loss is the mean of `−ln p(target)` under exactly the
/// mixture the CPU model scores (gates from the state, the sequence's play shares, the current
/// artist again), computed from the batches' repeat inputs.
#[test]
fn the_repeat_mixture_trains_on_what_the_model_scores() {
    use burn::backend::NdArray;
    use burn::tensor::backend::Backend;
    use burn::tensor::{Int, Tensor, TensorData};
    type B = NdArray;
    let device = Default::default();
    let n = 10usize;
    let seq = vec![3u32, 7, 1, 7, 7, 2, 3];
    let c = Gru4RecConfig::default()
        .with_embedding(8)
        .with_hidden(6)
        .with_skip(true)
        .with_repeat(true)
        .with_max_len(16);
    let net = {
        let _turn = BURN_RNG.lock().unwrap_or_else(|e| e.into_inner());
        B::seed(&device, 7);
        net::GruNet::<B>::new(&c, n, &device)
    };
    // One lane, the whole sequence in one mini-batch.
    let seqs = vec![seq.clone()];
    let mut lanes = train::Lanes::new(&seqs, vec![0], 1, 16, Some(n));
    let b = lanes.batch().unwrap();
    assert!(lanes.batch().is_none());
    let m = b.positions.len();
    assert_eq!(m, seq.len() - 1);
    // The inputs: at position 3 (current 7, target 7) the target has 2 of 4 plays and is the
    // current artist; at position 5 (current 2, target 3) 1 of 6 and not.
    assert_eq!(b.repeat[3], [0.5f32.ln(), 0.0]);
    assert_eq!(b.repeat[5], [(1.0f32 / 6.0).ln(), net::NO_MASS]);
    let ints = |v: &[u32]| {
        Tensor::<B, 1, Int>::from_data(
            TensorData::new(v.iter().map(|&a| i64::from(a)).collect(), [v.len()]),
            &device,
        )
    };
    let (x, _) = net.forward(
        ints(&b.inputs).reshape([1, b.steps]),
        vec![Tensor::zeros([1, 6], &device)],
    );
    let repeat = Tensor::<B, 2>::from_data(
        TensorData::new(b.repeat.iter().flatten().copied().collect(), [m, 2]),
        &device,
    );
    let loss: f32 = net
        .loss(
            x,
            ints(&b.positions),
            ints(&b.targets).reshape([m, 1]),
            None,
            None,
            Some(repeat),
        )
        .into_scalar();
    let vocab = artist2vec_core::Vocabulary::from_ids((0..n).map(|i| format!("a{i}"))).unwrap();
    let users = artist2vec_core::Vocabulary::from_ids(["u"]).unwrap();
    let lists = || crate::recurrent::Lists::from_vecs(vec![seq.clone()]);
    let model = |w| {
        Gru4RecModel::new(
            c.clone(),
            users.clone(),
            vocab.clone(),
            w,
            vec![1; n],
            lists(),
            lists(),
            Gru4RecStats::default(),
        )
    };
    let g = model(net.weights()).unwrap();
    let mut want = 0.0f64;
    for t in 0..m {
        let h: Vec<(u32, f32)> = seq[..=t].iter().map(|&a| (a, 1.0)).collect();
        let mut p = vec![0f32; n];
        g.score_into(&Query::History(&h), &mut p).unwrap();
        let total: f32 = p.iter().sum();
        assert!((total - 1.0).abs() < 1e-4, "a distribution: {p:?}");
        let gates = g.repeat_gates(&seq[..=t]).unwrap();
        assert!(gates[1] > 0.0 && gates[2] > 0.0);
        want -= f64::from(p[seq[t + 1] as usize]).ln();
    }
    want /= m as f64;
    assert!(
        (f64::from(loss) - want).abs() < 1e-4,
        "loss {loss} vs {want}"
    );
    // A configuration with the mechanism and weights without it are refused; so is BPR-max.
    let mut w = net.weights();
    w.repeat = None;
    assert!(model(w).is_err());
    assert!(c.clone().with_loss(GruLoss::BprMax).validate().is_err());
}

#[test]
fn the_repeat_mixture_trains_round_trips_and_is_reachable_by_name() {
    let d = data();
    let m = fit_by_name(
        "gru4rec",
        &small().with_repeat(true),
        r#""repeat":true"#,
        &d,
    );
    let g = m.downcast_ref::<Gru4RecModel>().unwrap();
    // The planted order is most of what follows a play (p = 0.8): the explore gate, which
    // holds it, is learned to dominate; the successor still comes first.
    let s = &d.sessions().get(0);
    let gates = g.repeat_gates(s.items).unwrap();
    assert!(gates[0] > 0.5, "{gates:?}");
    let (hit, n) = crate::testing::successor_first(g, &d.artist_successor);
    assert!(hit * 2 > n, "successor first for {hit} of {n} artists");
    let _ = crate::testing::assert_save_load_round_trip(&m, "gru-repeat");
}

/// The full softmax over a large catalogue at many positions per mini-batch is refused before
/// anything is allocated, naming the field and the way out.
#[test]
fn a_mini_batch_too_large_for_memory_is_refused_before_training() {
    use artist2vec_core::{Play, Sessions, Vocabulary};
    let n = 200_000usize;
    let items = Vocabulary::from_ids((0..n).map(|i| format!("a{i}"))).unwrap();
    let users = Vocabulary::from_ids(["u"]).unwrap();
    let mut sessions = Sessions::new(users, items, false);
    let plays = (0..1000u32).map(|t| Play {
        item: t % 997,
        time: i64::from(t) * 60,
        duration: None,
    });
    sessions.push(1, 0, plays).unwrap();
    let rows = sessions.to_counts();
    let config = small()
        .with_batch_size(100)
        .with_steps(1000)
        .with_max_len(1000);
    let err = config
        .fit_on::<CpuBackend>(
            &Gru4RecInput::new(&rows, &sessions),
            &Default::default(),
            &NoProgress,
        )
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            &err,
            crate::NeuralError::OverLimit {
                field: "batch_size",
                ..
            }
        ),
        "{text}"
    );
    assert!(
        text.contains("sampled") && text.contains("200000 artists"),
        "{text}"
    );
    // The sampled softmax over the batch's targets (at most the 997 artists played) and
    // negatives fits the same mini-batch.
    let seqs = vec![sessions.get(0).items.to_vec()];
    let sampled = config.with_loss(GruLoss::Sampled).with_negatives(64);
    assert!(train::check_memory(&sampled, &seqs, n).is_ok());
    assert!(train::check_memory(&sampled.with_loss(GruLoss::Full), &seqs, n).is_err());
}
