//! Every bad configuration, empty training set, unknown artist or out-of-range query gives a
//! typed error; models and configurations are Send + Sync.

use artist2vec_core::{
    CoreError, Fit, Interactions, Query, Recommender, SimilarArtists, Vocabulary,
};
use artist2vec_models::*;
use artist2vec_sparse::Weighting;

use crate::common::{ALL, empty, fit, planted, small_config};

fn param_of(e: ModelError) -> &'static str {
    // Displayed errors name the model, the parameter and the value.
    assert!(!e.to_string().is_empty());
    match e {
        ModelError::InvalidParameter { param, .. } => param,
        other => panic!("expected InvalidParameter, got {other:?}"),
    }
}

#[test]
fn bad_configurations_fail_before_any_work() {
    // An empty training set would also be an error: getting InvalidParameter shows that the
    // configuration is checked first.
    let data = empty();
    fn e<T>(r: Result<T, ModelError>) -> &'static str {
        param_of(r.err().expect("must fail"))
    }
    assert_eq!(e(AlsConfig::new().with_factors(0).fit(&data)), "factors");
    assert_eq!(
        e(AlsConfig::new().with_regularization(-0.1).fit(&data)),
        "regularization"
    );
    assert_eq!(e(AlsConfig::new().with_alpha(f32::NAN).fit(&data)), "alpha");
    assert_eq!(
        e(AlsConfig::new().with_iterations(0).fit(&data)),
        "iterations"
    );
    assert_eq!(e(AlsConfig::new().with_cg_steps(0).fit(&data)), "cg_steps");
    assert_eq!(
        e(AlsConfig::new().with_weighting(Weighting::TfIdf).fit(&data)),
        "weighting"
    );
    assert_eq!(e(ItemKnnConfig::new().with_k(0).fit(&data)), "k");
    assert_eq!(
        e(ItemKnnConfig::new()
            .with_weighting(Weighting::Bm25 { k1: -1.0, b: 0.5 })
            .fit(&data)),
        "weighting"
    );
    assert_eq!(
        e(ItemKnnConfig::new()
            .with_history_weighting(Weighting::bm25())
            .fit(&data)),
        "history_weighting"
    );
    assert_eq!(e(UserKnnConfig::new().with_k(0).fit(&data)), "k");
    assert_eq!(e(SvdConfig::new().with_factors(0).fit(&data)), "factors");
    assert_eq!(
        e(SvdConfig::new().with_exponent(-1.0).fit(&data)),
        "exponent"
    );
    assert_eq!(
        e(WmfConfig::new().with_negatives(0).fit(&data)),
        "negatives"
    );
    assert_eq!(
        e(WmfConfig::new().with_regularization(-1.0).fit(&data)),
        "regularization"
    );
    assert_eq!(
        e(WmfConfig::new().with_learning_rate(0.0).fit(&data)),
        "learning_rate"
    );
    assert_eq!(e(BprConfig::new().with_factors(0).fit(&data)), "factors");
    assert_eq!(
        e(BprConfig::new().with_learning_rate(-1.0).fit(&data)),
        "learning_rate"
    );
    assert_eq!(
        e(BprConfig::new().with_regularization(-1.0).fit(&data)),
        "regularization"
    );
    assert_eq!(
        e(BprConfig::new().with_sample_run(0).fit(&data)),
        "sample_run"
    );

    let msg = AlsConfig::new()
        .with_regularization(-2.0)
        .validate()
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("als") && msg.contains("regularization") && msg.contains("-2"),
        "{msg}"
    );
}

#[test]
fn empty_training_sets_and_negative_counts_are_refused() {
    for kind in ALL {
        match fit(kind, None, &empty(), &artist2vec_core::NoProgress) {
            Err(CoreError::Model { model, source }) => {
                assert_eq!(model, kind);
                let e = source.downcast_ref::<ModelError>().expect("a ModelError");
                assert!(
                    matches!(e, ModelError::EmptyTrainingSet { model, .. } if *model == kind),
                    "{e:?}"
                );
            }
            other => panic!("{kind}: expected EmptyTrainingSet, got {other:?}"),
        }
    }
    let users = Vocabulary::from_ids(["u"]).unwrap();
    let items = Vocabulary::from_ids(["a"]).unwrap();
    // The constructors refuse a negative count at the boundary (core) …
    let e = Interactions::from_columns(
        users.clone(),
        items.clone(),
        vec![0],
        vec![0],
        vec![-3.0],
        None,
    )
    .unwrap_err();
    assert!(matches!(e, CoreError::Invalid(_)), "{e:?}");
    // … and a table that bypasses them (deserialised) is still refused by the models.
    let good = Interactions::from_columns(users, items, vec![0], vec![0], vec![3.0], None).unwrap();
    let mut json = serde_json::to_value(&good).unwrap();
    json["weight_col"] = serde_json::json!([-3.0]);
    let bad: Interactions = serde_json::from_value(json).unwrap();
    let e = AlsConfig::new().fit(&bad).unwrap_err();
    assert!(matches!(e, ModelError::InvalidData { .. }), "{e:?}");
    assert!(e.to_string().contains("-3"), "{e}");
}

#[test]
fn registry_names_and_json_configs() {
    let registry = artist2vec_models::registry();
    let sequence = ["markov", "session-cooc", "session-knn"];
    assert_eq!(
        registry.names(),
        [ALL.as_slice(), sequence.as_slice()].concat()
    );
    for kind in ALL.iter().chain(&sequence) {
        let kind = *kind;
        let family = registry.get(kind).unwrap();
        assert_eq!(family.name(), kind);
        assert_eq!(family.file_kind(), kind);
        // The default configuration round-trips and validates.
        let json = family.default_config_json();
        assert_eq!(family.check_config_json(&json).unwrap(), json);
        assert_eq!(family.check_config_json("{}").unwrap(), json);
    }
    assert_eq!(registry.get("Item_KNN").unwrap().name(), "item-knn");
    assert_eq!(registry.get("ials").unwrap().name(), "als");
    assert_eq!(registry.get("RP3B").unwrap().name(), "rp3beta");
    assert_eq!(registry.get("fsSLIM").unwrap().name(), "sparse-ease");
    let Err(e) = registry.get("slim") else {
        panic!("slim is not a model of this crate")
    };
    assert!(matches!(e, CoreError::UnknownModel { .. }));
    assert!(
        e.to_string().contains("als, wmf, bpr, ease, rp3beta"),
        "{e}"
    );

    let data = planted(1, 60, 3, 10).data;
    let fit = |name: &str, json: &str| fit(name, Some(json), &data, &artist2vec_core::NoProgress);
    for (json, what) in [
        (r#"{"factor": 8}"#, "unknown field"),
        (r#"{"factors": -8}"#, "invalid value"),
        ("not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
    ] {
        match fit("als", json) {
            Err(CoreError::Config {
                model: "als",
                message,
            }) => {
                assert!(message.contains(what), "{json}: {message}")
            }
            other => panic!("{json}: expected a configuration error, got {other:?}"),
        }
    }
    let e = fit("item-knn", r#"{"k": 0}"#).unwrap_err();
    assert!(
        matches!(
            e,
            CoreError::Config {
                model: "item-knn",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("`k` = 0"), "{e}");
    let e = registry
        .get("als")
        .unwrap()
        .check_config_json(r#"{"regularization": -1}"#)
        .unwrap_err();
    assert!(e.to_string().contains("regularization"), "{e}");
    // Fields left out keep the defaults; the given ones replace them.
    let m = fit("als", r#"{"factors": 8, "iterations": 3}"#).unwrap();
    assert_eq!(m.kind(), "als");
    assert!(m.config_json().contains("\"factors\": 8"));
    let defaults = AlsConfig::default();
    let stored: serde_json::Value = serde_json::from_str(&m.config_json()).unwrap();
    let stored: artist2vec_models::Regularization =
        serde_json::from_value(stored["regularization"].clone()).unwrap();
    assert_eq!(stored, defaults.regularization);
}

#[test]
fn unknown_artists_users_and_indices_are_errors() {
    let p = planted(2, 90, 3, 10);
    let n_items = p.data.n_items() as u32;
    let n_users = p.data.n_users() as u32;
    for kind in ALL {
        let m = fit(
            kind,
            Some(small_config(kind)),
            &p.data,
            &artist2vec_core::NoProgress,
        )
        .unwrap();
        assert!(matches!(
            m.recommend(&Query::User(n_users), 5, true),
            Err(CoreError::IndexOutOfRange { kind: "user", .. })
        ));
        assert!(matches!(
            m.recommend(&Query::History(&[(n_items, 1.0)]), 5, true),
            Err(CoreError::IndexOutOfRange { kind: "artist", .. })
        ));
        assert!(matches!(
            m.recommend(&Query::History(&[(0, -1.0)]), 5, true),
            Err(CoreError::Invalid(_))
        ));
        assert!(m.seen(n_users).is_err());
        let e = m.similar_by_name("No Such Band", 5).unwrap_err();
        assert!(matches!(e, CoreError::UnknownId { .. }), "{kind}: {e:?}");
        assert!(e.to_string().contains("No Such Band"));
        if kind == "popularity" {
            assert!(matches!(
                m.similar_by_name("Artist 1 (genre 0)", 3),
                Err(CoreError::Invalid(_))
            ));
            assert!(m.similar(0, 3).is_err());
        } else {
            assert!(matches!(
                m.similar(n_items, 3),
                Err(CoreError::IndexOutOfRange { .. })
            ));
            // By display name (case-insensitive) or by external id.
            let by_name = m.similar_by_name("artist 1 (GENRE 0)", 3).unwrap();
            assert_eq!(by_name, m.similar_by_name("a1", 3).unwrap());
            assert_eq!(by_name.len(), 3);
        }
    }
}

#[test]
fn artists_without_training_plays_are_never_recommended() {
    let p = planted(3, 60, 3, 10);
    // Widen the artist vocabulary with two artists nobody played.
    let mut items = p.data.items.clone();
    items.insert("unplayed-1");
    items.insert("unplayed-2");
    let data = Interactions::from_columns(
        p.data.users.clone(),
        items,
        p.data.user_col().to_vec(),
        p.data.item_col().to_vec(),
        p.data.weight_col().to_vec(),
        None,
    )
    .unwrap();
    let n = data.n_items() as u32;
    for kind in ALL {
        let m = fit(
            kind,
            Some(small_config(kind)),
            &data,
            &artist2vec_core::NoProgress,
        )
        .unwrap();
        let all = m.recommend(&Query::User(0), n as usize, false).unwrap();
        assert!(
            all.iter().all(|x| x.item < n - 2),
            "{kind} recommends an unplayed artist"
        );
        assert!(all.len() <= n as usize - 2);
    }
}

#[test]
fn progress_is_reported() {
    use std::sync::Mutex;
    let seen = Mutex::new(Vec::new());
    let obs = |p: &artist2vec_core::Progress<'_>| {
        seen.lock()
            .unwrap()
            .push((p.stage.to_owned(), p.done, p.total));
    };
    let data = planted(4, 60, 3, 10).data;
    AlsConfig::new()
        .with_factors(4)
        .with_iterations(3)
        .fit_observed(&data, &obs)
        .unwrap();
    let got = seen.lock().unwrap().clone();
    assert_eq!(
        got,
        (1..=3)
            .map(|i| ("als iteration".to_owned(), i, Some(3)))
            .collect::<Vec<_>>()
    );
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Popularity>();
    check::<PopularityConfig>();
    check::<ItemKnn>();
    check::<ItemKnnConfig>();
    check::<UserKnn>();
    check::<UserKnnConfig>();
    check::<Svd>();
    check::<SvdConfig>();
    check::<Als>();
    check::<AlsConfig>();
    check::<Wmf>();
    check::<WmfConfig>();
    check::<Bpr>();
    check::<BprConfig>();
    check::<Ease>();
    check::<EaseConfig>();
    check::<Rp3beta>();
    check::<Rp3betaConfig>();
    check::<AnyModel>();
    check::<ModelError>();
}
