//! `fit --config` with sizes too large for the skip-gram and the burn models (skip-gram,
//! burn-skipgram, two-tower) and with a diverging learning rate: a clear error naming the
//! value and the limit (or the epoch) and a non-zero exit, never a panic or an allocation
//! abort (issue 17).

use std::path::PathBuf;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_artist2vec"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("a2v-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `fit` and returns stderr, asserting a non-zero exit without a panic or an abort.
fn fit_fails(train: &PathBuf, out: &PathBuf, model: &str, config: &str) -> String {
    let o = run(&[
        "--quiet",
        "fit",
        "--model",
        model,
        "--config",
        config,
        "--train",
        train.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{model} {config}: {err}");
    assert!(!err.contains("panicked"), "{model} {config}: {err}");
    assert!(
        !err.contains("memory allocation"),
        "{model} {config}: {err}"
    );
    assert!(!out.exists(), "{model} {config}: no model file is written");
    err
}

#[test]
fn huge_sizes_for_skipgram_and_the_burn_models_are_clear_errors() {
    let d = tmp("neural-limits");
    // 33,000 artists (each heard by two of three listeners): 65,536 dimensions of two f32
    // tables are 17.3 GB, over the 16 GiB limit, while every value alone is allowed.
    let mut s = String::from("user\titem\tweight\n");
    for a in 0..33_000 {
        for u in [a % 3, (a + 1) % 3] {
            s.push_str(&format!("u{u}\ta{a}\t1\n"));
        }
    }
    let big = d.join("big.tsv");
    std::fs::write(&big, s).unwrap();
    let out = d.join("m.a2v");
    for (model, config, field, shown) in [
        (
            "skipgram",
            r#"{"dim": 65536}"#,
            "`dim` = 65536",
            "33000 artists",
        ),
        (
            "burn-skipgram",
            r#"{"dim": 65536}"#,
            "`dim` = 65536",
            "33000 artists",
        ),
        (
            "two-tower",
            r#"{"dim": 65536}"#,
            "`dim` = 65536",
            "33000 artists",
        ),
        (
            "two-tower",
            r#"{"batch_size": 16777216, "negatives": 16777216}"#,
            "`batch_size` = 16777216",
            "one batch of 16777216 listeners",
        ),
        (
            "two-tower",
            r#"{"user_layers": [65536, 65536, 65536, 65536, 65536, 65536]}"#,
            "`user_layers` = [65536",
            "user tower",
        ),
        (
            "burn-skipgram",
            r#"{"dim": 4096, "batch_size": 16777216, "negative": 1000}"#,
            "`batch_size` = 16777216",
            "1000 negatives",
        ),
    ] {
        let err = fit_fails(&big, &out, model, config);
        assert!(
            err.contains(field) && err.contains(shown) && err.contains("17179869184"),
            "{model} {config}: {err}"
        );
    }
    // Values beyond any table size are refused by the configuration check, naming the range.
    for (model, config, shown) in [
        ("skipgram", r#"{"dim": 100000000000}"#, "1 ..= 65536"),
        ("burn-skipgram", r#"{"epochs": 1000000000}"#, "1 ..= 100000"),
        (
            "two-tower",
            r#"{"negatives": 1000000000000}"#,
            "0 ..= 16777216",
        ),
        ("two-tower", r#"{"epochs": 100000000000}"#, "1 ..= 1048576"),
        (
            "two-tower",
            r#"{"validation_k": 100000000000}"#,
            "1 ..= 16777216",
        ),
    ] {
        let err = fit_fails(&big, &out, model, config);
        assert!(err.contains(shown), "{model} {config}: {err}");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_diverging_learning_rate_names_the_epoch() {
    let d = tmp("neural-diverge");
    let mut s = String::from("user\titem\tweight\n");
    for u in 0..40 {
        for i in 0..10 {
            s.push_str(&format!("u{u}\ta{}\t{}\n", (u * 7 + i * 3) % 50, 1 + i % 3));
        }
    }
    let train = d.join("train.tsv");
    std::fs::write(&train, s).unwrap();
    let out = d.join("m.a2v");
    // Seeded: the epoch each one diverges in is fixed (two-tower's first epoch on this data
    // still ends finite).
    for (model, config, epoch) in [
        (
            "skipgram",
            r#"{"dim": 64, "negative": 10, "min_count": 1, "alpha": 10, "min_alpha": 10, "sigmoid": "exact", "threads": 1, "epochs": 4}"#,
            "epoch 0",
        ),
        (
            "burn-skipgram",
            r#"{"dim": 16, "min_count": 1, "sample": 0, "alpha": 10, "min_alpha": 10, "batch_size": 256, "epochs": 4}"#,
            "epoch 0",
        ),
        (
            "two-tower",
            r#"{"dim": 8, "lr": 1e30, "epochs": 3}"#,
            "epoch 1",
        ),
    ] {
        let err = fit_fails(&train, &out, model, config);
        assert!(
            err.contains(&format!("diverged in {epoch}")),
            "{model}: {err}"
        );
    }
    std::fs::remove_dir_all(&d).unwrap();
}
