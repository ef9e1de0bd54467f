use std::sync::OnceLock;

use artist2vec_core::{Interactions, NoProgress, Query, Recommender, SimilarArtists, TrainingData};
use artist2vec_data::split::write_tsv;
use artist2vec_data::{SynthConfig, Synthetic};

use super::*;

/// Play counts of 80 listeners over 100 generated artists; `(train, test)` with every fifth row
/// of each listener held out.
fn data() -> &'static (Interactions, Interactions) {
    static DATA: OnceLock<(Interactions, Interactions)> = OnceLock::new();
    DATA.get_or_init(|| {
        let config = SynthConfig {
            n_users: 80,
            n_artists: 100,
            n_tracks: 300,
            n_sessions: 400,
            n_plays: 4_000,
            ..SynthConfig::tiny()
        }
        .with_seed(11);
        let counts = Synthetic::generate(&config).unwrap().sessions().to_counts();
        let mut seen = vec![0usize; counts.n_users()];
        let mut train = Interactions::new(counts.users.clone(), counts.items.clone(), false);
        let mut test = train.clone();
        for r in counts.iter() {
            seen[r.user as usize] += 1;
            let part = if seen[r.user as usize] % 5 == 0 {
                &mut test
            } else {
                &mut train
            };
            part.push(r.user, r.item, r.weight, None);
        }
        (train, test)
    })
}

fn config(members: Vec<Member>) -> HybridConfig {
    HybridConfig {
        members,
        ..HybridConfig::default()
    }
}

fn fit(c: &HybridConfig, train: &Interactions) -> Hybrid {
    c.check().unwrap();
    c.fit_data(&TrainingData::new(train), &NoProgress).unwrap()
}

#[test]
fn normalisation_puts_scores_on_one_scale() {
    let mut z = vec![1.0, 2.0, 3.0, f32::NEG_INFINITY, f32::NAN];
    normalise(&mut z, Normalization::Zscore);
    let finite = &z[..3];
    let mean: f32 = finite.iter().sum::<f32>() / 3.0;
    assert!(mean.abs() < 1e-6, "{z:?}");
    assert!((z[2] - 1.224_744_9).abs() < 1e-5, "{z:?}");
    assert_eq!(z[3], z[0], "non-finite scores count as the lowest: {z:?}");
    assert_eq!(z[4], z[0], "{z:?}");
    let mut m = vec![2.0, 4.0, 3.0];
    normalise(&mut m, Normalization::Minmax);
    assert_eq!(m, [0.0, 1.0, 0.5]);
    let mut flat = vec![5.0; 4];
    normalise(&mut flat, Normalization::Zscore);
    assert_eq!(flat, [0.0; 4]);
}

#[test]
fn a_hybrid_blends_its_members_and_round_trips_through_its_file() {
    let (train, _) = data();
    let h = fit(
        &config(vec![
            Member::new("item-knn", 0.3),
            Member::new("als", 0.7),
            Member::new("popularity", 0.0),
        ]),
        train,
    );
    assert_eq!(h.members().len(), 2, "the zero-weight member is left out");
    assert_eq!(h.weights(), [0.3, 0.7]);
    // The blend is the weighted sum of the members' normalised scores.
    let n = h.n_items();
    let mut want = vec![0f32; n];
    let mut buf = vec![0f32; n];
    for (m, &w) in h.members().iter().zip(h.weights()) {
        m.score_into(&Query::User(3), &mut buf).unwrap();
        normalise(&mut buf, Normalization::Zscore);
        for (a, b) in want.iter_mut().zip(&buf) {
            *a += w * b;
        }
    }
    let mut got = vec![0f32; n];
    h.score_into(&Query::User(3), &mut got).unwrap();
    assert_eq!(got, want);
    // Saved with its members in one file, loaded through the registry by kind.
    let path = std::env::temp_dir().join(format!("a2v-hybrid-{}.a2v", std::process::id()));
    AnyModel::new(h).save(&path).unwrap();
    let back = crate::registry().load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(back.kind(), "hybrid");
    let mut again = vec![0f32; n];
    back.score_into(&Query::User(3), &mut again).unwrap();
    assert_eq!(again, got);
    // New listeners are folded into each member.
    let history = [(0u32, 3.0f32), (5, 1.0), (9, 2.0)];
    let recs = back.recommend(&Query::History(&history), 5, true).unwrap();
    assert_eq!(recs.len(), 5);
    assert!(recs.iter().all(|r| ![0, 5, 9].contains(&r.item)));
    // Similar artists blend the members' lists and leave the artist out.
    let sim = back.similar(2, 4).unwrap();
    assert_eq!(sim.len(), 4);
    assert!(sim.iter().all(|nb| nb.item != 2));
}

#[test]
fn tuning_on_a_validation_split_beats_or_ties_every_member_alone() {
    let (train, test) = data();
    let dir = std::env::temp_dir().join(format!("a2v-hybrid-val-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    write_tsv(train, &dir.join("train.tsv")).unwrap();
    write_tsv(test, &dir.join("test.tsv")).unwrap();
    let members = vec![
        Member::new("popularity", 1.0),
        Member::new("item-knn", 1.0),
        Member::new("als", 1.0),
    ];
    let c = HybridConfig {
        validation: Some(dir.clone()),
        ..config(members.clone())
    };
    // Members fitted on the validation split's training part, as tuning does.
    let (vtrain, vtest) = read_validation(&dir).unwrap();
    let fitted = fit_members(
        &member_registry(),
        &members,
        &TrainingData::new(&vtrain),
        &NoProgress,
    )
    .unwrap();
    let mut alone = Vec::new();
    for k in 0..members.len() {
        let mut w = vec![0.0; members.len()];
        w[k] = 1.0;
        // A search started at one member alone never ends below it.
        alone.push(
            tune::tune(
                &fitted[k..=k],
                &vtest,
                Normalization::Zscore,
                200,
                &[1.0],
                &NoProgress,
            )
            .unwrap()
            .ndcg,
        );
    }
    let h = fit(&c, train);
    std::fs::remove_dir_all(&dir).unwrap();
    let tuned = h
        .config()
        .validation_ndcg
        .expect("fit with a validation split records its NDCG");
    let best_alone = alone.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert!(
        tuned >= best_alone - 1e-9,
        "tuned {tuned} < best member alone {best_alone} ({alone:?})"
    );
    assert!(tuned > 0.0);
    let sum: f32 = h.config().members.iter().map(|m| m.weight).sum();
    assert!((sum - 1.0).abs() < 1e-5, "{:?}", h.config().members);
    assert!(h.config().members.iter().all(|m| m.weight > 0.0));
    assert_eq!(h.members().len(), h.config().members.len());
}

#[test]
fn bad_configurations_are_refused_with_the_member_named() {
    let bad = |members: Vec<Member>| config(members).check().unwrap_err();
    assert!(bad(vec![]).contains("at least one"));
    assert!(bad(vec![Member::new("hybrid", 1.0)]).contains("cannot be a member"));
    assert!(bad(vec![Member::new("no-such-model", 1.0)]).contains("members[0]"));
    assert!(bad(vec![Member::new("als", -1.0)]).contains("weight"));
    assert!(bad(vec![Member::new("als", 0.0)]).contains("every weight is 0"));
    let mut m = Member::new("als", 1.0);
    m.config.insert("factors".into(), serde_json::json!(0));
    assert!(bad(vec![m]).contains("members[0] (als)"));
    let e = crate::registry()
        .get("hybrid")
        .unwrap()
        .check_config_json(r#"{"candidates": 0}"#)
        .unwrap_err();
    assert!(e.to_string().contains("candidates"), "{e}");
}
