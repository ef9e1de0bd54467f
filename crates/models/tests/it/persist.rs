//! Saving and loading every model; damaged, truncated and foreign files are refused clearly.

use artist2vec_core::modelfile::{self, Header};
use artist2vec_core::{CoreError, Fit, NoProgress, Query, Recommender, SimilarArtists};
use artist2vec_models::*;

use crate::common::{ALL, fit, load, planted, small_config, temp_dir};

fn format_message(e: impl Into<ModelError>) -> String {
    match e.into() {
        ModelError::Core(CoreError::Format { message, .. }) => message,
        other => panic!("expected a Format error, got {other:?}"),
    }
}

#[test]
fn every_model_round_trips_through_a_file() {
    let dir = temp_dir("roundtrip");
    let p = planted(11, 200, 4, 12);
    let history = [(1u32, 3.0f32), (2, 8.0), (30, 1.0)];
    for kind in ALL {
        let m = fit(kind, Some(small_config(kind)), &p.data, &NoProgress).unwrap();
        let path = dir.join(format!("{}.a2v", kind));
        m.save(&path).unwrap();
        assert_eq!(model_kind_of(&path).unwrap(), kind);
        let back = load(&path).unwrap();
        assert_eq!(back.kind(), kind);
        assert_eq!(back.config_json(), m.config_json());
        assert_eq!(back.users(), m.users());
        assert_eq!(back.items(), m.items());
        for q in [Query::User(0), Query::User(17), Query::History(&history)] {
            assert_eq!(
                back.recommend(&q, 10, true).unwrap(),
                m.recommend(&q, 10, true).unwrap()
            );
        }
        assert_eq!(back.seen(5).unwrap(), m.seen(5).unwrap());
        if kind != "popularity" {
            assert_eq!(back.similar(3, 5).unwrap(), m.similar(3, 5).unwrap());
        }
        match (&m.artist_vectors(), &back.artist_vectors()) {
            (Some(a), Some(b)) => assert_eq!(a.as_slice(), b.as_slice()),
            (None, None) => {}
            _ => panic!("{kind}: artist vectors lost"),
        }
        // No temporary file is left behind.
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }
    // The typed loaders read their own kind and refuse others.
    let als = Als::load(dir.join("als.a2v")).unwrap();
    assert_eq!(als.config().factors, 16);
    let msg = format_message(Bpr::load(dir.join("als.a2v")).unwrap_err());
    assert!(
        msg.contains("\"als\"") && msg.contains("expected \"bpr\""),
        "{msg}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn truncated_damaged_and_foreign_files_are_refused() {
    let dir = temp_dir("damage");
    let p = planted(12, 100, 3, 10);
    let path = dir.join("als.a2v");
    AlsConfig::new()
        .with_factors(4)
        .with_iterations(2)
        .fit(&p.data)
        .unwrap()
        .save(&path)
        .unwrap();
    let full = std::fs::read(&path).unwrap();
    let cut = dir.join("cut.a2v");
    for len in [0, 5, 20, full.len() / 2, full.len() - 9, full.len() - 1] {
        std::fs::write(&cut, &full[..len]).unwrap();
        for msg in [
            format_message(Als::load(&cut).unwrap_err()),
            format_message(load(&cut).unwrap_err()),
        ] {
            assert!(
                msg.contains("truncated") || msg.contains("too short"),
                "{len}: {msg}"
            );
        }
    }
    let mut flipped = full.clone();
    let n = flipped.len();
    flipped[n - 20] ^= 0x55;
    std::fs::write(&cut, &flipped).unwrap();
    assert!(format_message(Als::load(&cut).unwrap_err()).contains("checksum"));

    // Another format version of the same kind.
    let (header, payload) = modelfile::read(&path, "als", &[1]).unwrap();
    let v99 = dir.join("v99.a2v");
    modelfile::write(
        &v99,
        &Header {
            version: 99,
            ..header.clone()
        },
        &payload,
    )
    .unwrap();
    for msg in [
        format_message(Als::load(&v99).unwrap_err()),
        format_message(load(&v99).unwrap_err()),
    ] {
        assert!(msg.contains("version 99"), "{msg}");
    }
    // A kind this build does not know.
    let other = dir.join("other.a2v");
    modelfile::write(
        &other,
        &Header {
            kind: "slim".into(),
            ..header.clone()
        },
        &payload,
    )
    .unwrap();
    assert!(format_message(load(&other).unwrap_err()).contains("\"slim\""));
    // A valid container whose payload is cut short (checksum recomputed).
    let short = dir.join("short.a2v");
    modelfile::write(&short, &header, &payload[..payload.len() - 8]).unwrap();
    let msg = format_message(Als::load(&short).unwrap_err());
    assert!(msg.contains("damaged als payload"), "{msg}");
    // A stored configuration that does not validate.
    let bad = dir.join("badcfg.a2v");
    let config = header.config.replace("\"factors\":4", "\"factors\":0");
    modelfile::write(
        &bad,
        &Header {
            config,
            ..header.clone()
        },
        &payload,
    )
    .unwrap();
    assert!(format_message(Als::load(&bad).unwrap_err()).contains("factors"));
    // Not a model at all; a missing file.
    std::fs::write(&cut, b"user\titem\tweight\n1\t2\t3\n").unwrap();
    assert!(format_message(load(&cut).unwrap_err()).contains("not an artist2vec model"));
    assert!(matches!(
        load(dir.join("missing.a2v")),
        Err(CoreError::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}
