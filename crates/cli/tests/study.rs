//! End-to-end tests of `artist2vec run` (experiment files) and `artist2vec tune`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_artist2vec"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// `artist2vec --quiet run EXP --out OUT`.
fn run_experiment(exp: &Path, out: &Path) -> Output {
    run(&[
        "--quiet",
        "run",
        exp.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
}

fn text(o: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("a2v-study-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const TINY: &str = r#"{
  "name": "tiny study",
  "description": "three models on generated data",
  "seed": 7,
  "data": {"synth": {"preset": "tiny", "n_users": 60, "n_sessions": 400, "n_plays": 4000}},
  "split": {"kind": "random_holdout", "fraction": 0.2, "min_items": 2},
  "protocol": {"kind": "holdout"},
  "metrics": ["ndcg@10", "map_nb000@5", "hits_nb002@10"],
  "models": [
    {"name": "pop", "model": "popularity"},
    {"name": "knn", "model": "item-knn", "config": {"k": 20}},
    {"name": "als", "model": "als", "config": {"factors": 8, "iterations": 5},
     "tune": {"space": {"regularization": {"type": "float", "low": 0.1, "high": 100, "log": true}},
              "trials": 4, "tpe": {"startup_trials": 2}}}
  ],
  "reference": "best",
  "significance": {"design": "paired", "test": "wilcoxon"},
  "neighbours": {"artists": ["no such artist"], "most_popular": 1, "k": 3}
}"#;

fn count_fits(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("cache"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "a2v")
        })
        .count()
}

#[test]
fn an_experiment_runs_end_to_end_and_a_rerun_reuses_the_cache_byte_for_byte() {
    let d = tmp("run");
    let exp = d.join("tiny.json");
    std::fs::write(&exp, TINY).unwrap();
    let out = d.join("out");
    let o = run_experiment(&exp, &out);
    assert!(o.status.success(), "{}", text(&o));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    for want in [
        "# tiny study",
        "### ndcg@10",
        "95 % CI",
        "Holm p",
        "mean of P@1..P@5 (notebook 000's \"MAP@5\"",
        "notebook 002's hit rate",
        "paired Wilcoxon signed-rank on the per-unit scores",
        "## Neighbours",
        "(not in the data)",
        "tune/als/trials.md",
        "## Timings",
    ] {
        assert!(report.contains(want), "report.md lacks {want:?}:\n{report}");
    }
    let results = std::fs::read_to_string(out.join("results.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&results).unwrap();
    assert_eq!(v["models"].as_array().unwrap().len(), 3);
    let tables = v["results"].as_array().unwrap();
    assert_eq!(tables.len(), 3);
    let rows = tables[0]["rows"].as_array().unwrap();
    let reference = v["reference"].as_str().unwrap();
    // The reference is the best by the first metric; it has no p-value, the others do.
    let best = rows
        .iter()
        .max_by(|a, b| {
            a["mean"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["mean"].as_f64().unwrap())
        })
        .unwrap();
    assert_eq!(best["model"], reference);
    for r in rows {
        let m = r["mean"].as_f64().unwrap();
        let ci = r["ci95"].as_array().unwrap();
        assert!(
            ci[0].as_f64().unwrap() <= m && m <= ci[1].as_f64().unwrap(),
            "{r}"
        );
        if r["model"] == reference {
            assert!(r["p"].is_null());
        } else {
            let (p, h) = (r["p"].as_f64().unwrap(), r["p_holm"].as_f64().unwrap());
            assert!((0.0..=1.0).contains(&p) && h >= p, "{r}");
        }
    }
    assert!(v["models"][2]["tuned"].as_bool().unwrap());
    assert!(
        !results.contains("seconds"),
        "timings leaked into results.json"
    );
    assert!(out.join("models/als.a2v").exists());
    assert!(out.join("tune/als/trials.tsv").exists());
    assert!(out.join("tune/als/best.json").exists());
    let fits = count_fits(&out);
    assert_eq!(fits, 3);

    // The rerun loads every fit and the tuning outcome from the cache and writes the same bytes.
    let o = run_experiment(&exp, &out);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("3 of 3 fits from the cache"),
        "{}",
        text(&o)
    );
    assert_eq!(
        std::fs::read_to_string(out.join("results.json")).unwrap(),
        results
    );
    assert_eq!(count_fits(&out), fits);
    let timings = std::fs::read_to_string(out.join("timings.json")).unwrap();
    assert!(timings.contains("\"cached\": true"), "{timings}");

    // A fresh directory (no cache) with the same seed gives the same results for these
    // deterministic models.
    let fresh = d.join("fresh");
    let o = run_experiment(&exp, &fresh);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(fresh.join("results.json")).unwrap(),
        results
    );
}

#[test]
fn subsample_designs_refit_per_run_and_test_the_run_means() {
    let d = tmp("sub");
    let exp = d.join("sub.json");
    let spec = TINY
        .replace(
            r#""significance": {"design": "paired", "test": "wilcoxon"}"#,
            r#""significance": {"design": "subsample", "unit": "users", "runs": 3, "fraction": 0.5, "test": "mann_whitney"}"#,
        )
        .replace(r#""reference": "best""#, r#""reference": "pop""#);
    std::fs::write(&exp, spec).unwrap();
    let out = d.join("out");
    let o = run_experiment(&exp, &out);
    assert!(o.status.success(), "{}", text(&o));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("Mann–Whitney U on the per-run means of 3 subsamples"),
        "{report}"
    );
    assert!(report.contains("## Subsample runs"), "{report}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let runs = &v["subsample_runs"]["knn"]["ndcg@10"];
    assert_eq!(runs.as_array().unwrap().len(), 3);
    // 3 full fits + 3 models × 3 runs.
    assert_eq!(count_fits(&out), 12);
}

#[test]
fn tune_writes_a_config_that_fit_reads_and_a_table_of_trials() {
    let d = tmp("tune");
    let exp = d.join("tiny.json");
    std::fs::write(&exp, TINY).unwrap();
    let out = d.join("tuned");
    let o = run(&[
        "--quiet",
        "tune",
        exp.to_str().unwrap(),
        "--model",
        "als",
        "--trials",
        "5",
        "--sampler",
        "random",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let tsv = std::fs::read_to_string(out.join("als/trials.tsv")).unwrap();
    assert_eq!(tsv.lines().count(), 6, "{tsv}");
    assert!(
        tsv.starts_with("trial\tsampler\tregularization\tndcg@10"),
        "{tsv}"
    );
    let best: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("als/best.json")).unwrap()).unwrap();
    assert_eq!(best["factors"], 8);
    let r = best["regularization"].as_f64().unwrap();
    assert!((0.1..=100.0).contains(&r), "{best}");
    // The written configuration is what `fit --config` reads.
    let split = d.join("split");
    let o = run(&[
        "--quiet",
        "synth",
        "--preset",
        "tiny",
        "--out",
        split.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&[
        "--quiet",
        "split",
        split.join("idomaar").to_str().unwrap(),
        "--out",
        split.join("s").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&[
        "--quiet",
        "fit",
        "--model",
        "als",
        "--config",
        out.join("als/best.json").to_str().unwrap(),
        "--train",
        split.join("s/train.tsv").to_str().unwrap(),
        "--out",
        d.join("m.a2v").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    // Standalone search file on the split directory, TPE.
    let search = d.join("search.json");
    std::fs::write(
        &search,
        r#"{"model": "item-knn", "space": {"k": {"type": "int", "low": 2, "high": 40}}, "trials": 6,
            "tpe": {"startup_trials": 3}, "metric": "hit_rate@5"}"#,
    )
    .unwrap();
    let o = run(&[
        "--quiet",
        "tune",
        search.to_str().unwrap(),
        "--split",
        split.join("s").to_str().unwrap(),
        "--out",
        d.join("t2").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let md = std::fs::read_to_string(d.join("t2/trials.md")).unwrap();
    assert!(md.contains("| tpe |"), "{md}");
}

#[test]
fn bad_experiment_files_are_clear_errors() {
    let d = tmp("bad");
    let cases = [
        ("{\n  \"name\": \"x\",\n  oops\n}", "bad.json:3:"),
        (
            &TINY.replace("\"item-knn\"", "\"no-such-model\""),
            "no-such-model",
        ),
        (&TINY.replace("\"k\": 20", "\"k\": \"many\""), "knn"),
        (&TINY.replace("\"ndcg@10\"", "\"ndcg@0\""), "ndcg@0"),
        (
            &TINY.replace("\"fraction\": 0.2", "\"fraction\": 1.5"),
            "split.fraction",
        ),
        (
            &TINY.replace("\"reference\": \"best\"", "\"reference\": \"nobody\""),
            "nobody",
        ),
        (
            &TINY.replace("\"low\": 0.1", "\"low\": -1"),
            "regularization",
        ),
        // A generated dataset that would not fit in memory is refused before any work.
        (
            &TINY.replace("\"n_plays\": 4000", "\"n_plays\": 4000000000"),
            "n_plays (4000000000) is over the generator's limit",
        ),
    ];
    for (i, (body, want)) in cases.iter().enumerate() {
        let f = d.join("bad.json");
        std::fs::write(&f, body).unwrap();
        let o = run(&[
            "--quiet",
            "run",
            f.to_str().unwrap(),
            "--out",
            d.join(format!("o{i}")).to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "case {i} passed");
        assert!(err.contains(want), "case {i}: {err}");
        assert!(!err.contains("panicked"), "case {i}: {err}");
    }
}

#[test]
fn data_replaces_the_generated_data_with_a_real_file_layout() {
    let d = tmp("data");
    let exp = d.join("tiny.json");
    std::fs::write(&exp, TINY.replace(r#""trials": 4"#, r#""trials": 2"#)).unwrap();
    let o = run(&[
        "--quiet",
        "synth",
        "--preset",
        "tiny",
        "--out",
        d.join("synth").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let idomaar = d.join("synth/idomaar");
    let out = d.join("out");
    let o = run(&[
        "--quiet",
        "run",
        exp.to_str().unwrap(),
        "--data",
        idomaar.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains(&format!("{} read as", idomaar.display())),
        "{report}"
    );
    assert!(!report.contains("generated 30Music-like data"), "{report}");
}

#[test]
fn cold_start_fits_content_models_on_the_plays_with_the_tags() {
    let d = tmp("cold");
    let exp = d.join("cold.json");
    let spec = r#"{
  "name": "cold",
  "seed": 3,
  "data": {"synth": {"preset": "tiny", "n_users": 80, "n_artists": 120, "n_sessions": 600, "n_plays": 6000, "n_tags": 12}},
  "split": {"kind": "cold_start", "fraction": 0.1},
  "protocol": {"kind": "cold_start", "k": 5},
  "metrics": ["map@5"],
  "models": [
    {"name": "content", "model": "content", "config": {"base_config": {"factors": 8, "iterations": 4}}, "fit_on": "plays"},
    {"name": "tag-knn", "model": "item-knn", "config": {"k": 50, "weighting": {"kind": "tfidf"}}}
  ],
  "reference": "tag-knn",
  "significance": {"design": "paired", "test": "wilcoxon"}
}"#;
    std::fs::write(&exp, spec).unwrap();
    let out = d.join("out");
    let o = run_experiment(&exp, &out);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let models = v["models"].as_array().expect("a model list");
    let content = models
        .iter()
        .find(|m| m["name"] == "content")
        .expect("the content entry");
    assert_eq!(content["model"], "content", "{content}");
    // The content model learned from plays: its file is a content model and every cold
    // artist got neighbours from its tags (none skipped for a missing vector).
    let m = run(&[
        "similar",
        "--model",
        out.join("models/content.a2v").to_str().unwrap(),
        "--artist",
        "0",
        "--k",
        "3",
    ]);
    assert!(m.status.success(), "{}", text(&m));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("(fitted on the training plays with the artists' tags)"),
        "{report}"
    );

    // A refitting subsample design is refused for cold start, with the reason.
    let bad = spec.replace(
        r#""significance": {"design": "paired", "test": "wilcoxon"}"#,
        r#""significance": {"design": "subsample", "unit": "users", "runs": 3, "fraction": 0.5, "test": "mann_whitney"}"#,
    );
    std::fs::write(&exp, bad).unwrap();
    let o = run_experiment(&exp, &out);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("cold-start protocol refits on no subsample"),
        "{}",
        text(&o)
    );
}
