//! Sizes from a configuration are checked before any allocation, hand-edited model files
//! whose configuration disagrees with their payload are refused, and every iterative trainer
//! stops with [`ModelError::Diverged`] naming the epoch in which it diverged.

use artist2vec_core::Fit;
use artist2vec_core::modelfile::{self, Header};
use artist2vec_models::*;

use crate::common::{load, planted, temp_dir};

fn too_large(e: ModelError) -> (&'static str, String) {
    let text = e.to_string();
    match e {
        ModelError::OverLimit { param, value, .. } => {
            assert!(text.contains(&value) && text.contains("limit"), "{text}");
            (param, value)
        }
        other => panic!("expected OverLimit, got {other:?}"),
    }
}

#[test]
fn huge_factors_and_k_are_refused_before_allocation() {
    let p = planted(3, 60, 3, 12);
    for f in [100_000_000_000usize, 1 << 32, usize::MAX] {
        let want = ("factors", f.to_string());
        assert_eq!(
            too_large(AlsConfig::new().with_factors(f).fit(&p.data).unwrap_err()),
            want
        );
        assert_eq!(
            too_large(WmfConfig::new().with_factors(f).fit(&p.data).unwrap_err()),
            want
        );
        assert_eq!(
            too_large(BprConfig::new().with_factors(f).fit(&p.data).unwrap_err()),
            want
        );
        assert_eq!(
            too_large(SvdConfig::new().with_factors(f).fit(&p.data).unwrap_err()),
            want
        );
    }
    let msg = AlsConfig::new()
        .with_factors(1 << 32)
        .fit(&p.data)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("4294967296") && msg.contains("65536"), "{msg}");
    let k = 1_152_921_504_606_846_976usize;
    let want = ("k", k.to_string());
    assert_eq!(
        too_large(ItemKnnConfig::new().with_k(k).fit(&p.data).unwrap_err()),
        want
    );
    assert_eq!(
        too_large(UserKnnConfig::new().with_k(k).fit(&p.data).unwrap_err()),
        want
    );
}

#[test]
fn the_byte_limit_is_overflow_safe_and_names_the_data() {
    // 65536 factors pass the factor cap; 70 000 rows of them are over 16 GiB.
    let users =
        artist2vec_core::Vocabulary::from_ids((0..70_000).map(|u| format!("u{u}"))).unwrap();
    let items = artist2vec_core::Vocabulary::from_ids(["a", "b"]).unwrap();
    let data = artist2vec_core::Interactions::from_columns(
        users,
        items,
        vec![0, 1],
        vec![0, 1],
        vec![1.0, 2.0],
        None,
    )
    .unwrap();
    let e = WmfConfig::new()
        .with_factors(MAX_FACTORS)
        .fit(&data)
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("70000 users") && msg.contains("17179869184"),
        "{msg}"
    );
    assert_eq!(too_large(e).0, "factors");
}

#[test]
fn hand_edited_configurations_that_disagree_with_the_payload_are_refused() {
    let dir = temp_dir("limits");
    let p = planted(12, 100, 3, 10);
    let cases: [(&str, &str, &str); 5] = [
        ("als", r#"{"factors": 4, "iterations": 2}"#, "\"factors\":4"),
        ("wmf", r#"{"factors": 4, "epochs": 2}"#, "\"factors\":4"),
        ("bpr", r#"{"factors": 4, "iterations": 2}"#, "\"factors\":4"),
        ("svd", r#"{"factors": 4}"#, "\"factors\":4"),
        ("item-knn", r#"{"k": 7}"#, "\"k\":7"),
    ];
    for (kind, json, field) in cases {
        let path = dir.join(format!("{kind}.a2v"));
        crate::common::fit(kind, Some(json), &p.data, &artist2vec_core::NoProgress)
            .unwrap()
            .save(&path)
            .unwrap();
        let (header, payload) = modelfile::read(&path, kind, &[1]).unwrap();
        let key = field.split(':').next().unwrap();
        for (value, expect) in [
            ("5", if kind == "item-knn" { "" } else { "values for" }),
            ("4294967296", "limit"),
            ("100000000000", "limit"),
            ("1152921504606846976", "limit"),
        ] {
            let config = header.config.replace(field, &format!("{key}:{value}"));
            assert_ne!(config, header.config, "{kind}");
            let edited = dir.join(format!("{kind}-{value}.a2v"));
            modelfile::write(
                &edited,
                &Header {
                    config,
                    ..header.clone()
                },
                &payload,
            )
            .unwrap();
            let got = load(&edited);
            if expect.is_empty() {
                // A kNN model's k is only an upper bound of its stored lists.
                assert!(got.is_ok(), "{kind} {value}");
                continue;
            }
            let msg = got.err().unwrap().to_string();
            assert!(msg.contains(expect), "{kind} {value}: {msg}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn diverged(e: ModelError) -> (&'static str, usize) {
    let text = e.to_string();
    match e {
        ModelError::Diverged { step, epoch, .. } => {
            assert!(text.contains(&format!("{step} {epoch}")), "{text}");
            (step, epoch)
        }
        other => panic!("expected Diverged, got {other:?}"),
    }
}

#[test]
fn iterative_trainers_stop_in_the_epoch_they_diverge() {
    let p = planted(5, 80, 3, 12);
    let als = AlsConfig::new()
        .with_factors(4)
        .with_iterations(5)
        .with_alpha(1e38)
        .fit(&p.data);
    assert_eq!(diverged(als.unwrap_err()), ("iteration", 1));
    let wmf = WmfConfig::new()
        .with_factors(4)
        .with_epochs(5)
        .with_learning_rate(1e30)
        .fit(&p.data);
    assert_eq!(diverged(wmf.unwrap_err()), ("epoch", 1));
    let bpr = BprConfig::new()
        .with_factors(4)
        .with_iterations(5)
        .with_learning_rate(1e30)
        .fit(&p.data);
    assert_eq!(diverged(bpr.unwrap_err()), ("epoch", 1));
}
