//! evaluate.py's reference reports on the hetrec seed-42 split, reproduced to 1e-12 — when the
//! data is there (`ARTIST2VEC_DATA` points at the shared data directory).

use std::path::PathBuf;

use artist2vec_metrics::{EvalConfig, EvalReport, evaluate_files};

const TOL: f64 = 1e-12;

fn data_dir() -> Option<PathBuf> {
    match std::env::var_os("ARTIST2VEC_DATA") {
        Some(d) => Some(PathBuf::from(d)),
        None => {
            eprintln!("ARTIST2VEC_DATA not set; skipping the hetrec reference comparison");
            None
        }
    }
}

#[test]
fn reproduces_evaluate_py_reports_on_hetrec() {
    let Some(data) = data_dir() else { return };
    let refdir = data.join("reference/hetrec-seed42");
    let split = data.join("splits/hetrec-seed42");
    let mut recs: Vec<PathBuf> = std::fs::read_dir(&refdir)
        .unwrap_or_else(|e| panic!("{}: {e}", refdir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("recs_") && name.ends_with(".tsv")
        })
        .collect();
    recs.sort();
    assert!(!recs.is_empty(), "no recs_*.tsv in {}", refdir.display());

    for recs_path in recs {
        let stem = recs_path.file_stem().unwrap().to_string_lossy();
        let model = stem.strip_prefix("recs_").unwrap();
        let theirs = EvalReport::load(refdir.join(format!("eval_{model}.json"))).unwrap();
        let ours = evaluate_files(
            &EvalConfig::new(10),
            split.join("train.tsv"),
            split.join("test.tsv"),
            &recs_path,
        )
        .unwrap();
        assert!(ours.warnings.is_empty(), "{model}: {:?}", ours.warnings);

        let counts = |r: &EvalReport| {
            [
                r.k,
                r.n_test_users,
                r.n_users_without_recs,
                r.n_users_with_fewer_than_k,
                r.leakage_items,
                r.leakage_users,
                r.duplicates,
                r.rows_beyond_k,
                r.recs_for_non_test_users,
                r.coverage_items,
                r.catalogue_items,
            ]
        };
        assert_eq!(counts(&ours), counts(&theirs), "{model}: bookkeeping");
        assert!(
            (ours.coverage - theirs.coverage).abs() <= TOL,
            "{model}: coverage"
        );
        assert_eq!(ours.users, theirs.users, "{model}: users");

        assert_eq!(
            ours.mean.keys().collect::<Vec<_>>(),
            theirs.mean.keys().collect::<Vec<_>>(),
            "{model}: mean keys"
        );
        for (key, want) in &theirs.mean.0 {
            let got = ours.mean.get(key).unwrap();
            assert!(
                (got - want).abs() <= TOL,
                "{model} mean {key}: {got} vs {want}"
            );
        }
        assert_eq!(ours.per_user.len(), theirs.per_user.len());
        for (key, want) in &theirs.per_user.0 {
            let got = ours.per_user.get(key).unwrap();
            assert_eq!(got.len(), want.len(), "{model} {key}");
            for (u, (g, w)) in ours.users.iter().zip(got.iter().zip(want)) {
                assert!((g - w).abs() <= TOL, "{model} {key} user {u}: {g} vs {w}");
            }
        }

        // Our report, written and read back, is the same report.
        let back = EvalReport::from_json_str(&ours.to_json_string(), "ours.json").unwrap();
        assert_eq!(back.mean, ours.mean);
        assert_eq!(back.per_user, ours.per_user);
    }
}
