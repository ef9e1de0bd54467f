//! item2vec (skip-gram with negative sampling) on the hetrec 2011 Last.fm split, next to gensim.
//!
//! The recipe of the reference run in `shared/data/README.md`: one sentence per user holding
//! that user's training artists in a seeded random order, 64 dimensions, window 50, 5 negatives,
//! no subsampling, 50 epochs, min_count 1, 2 threads. A user is the play-share-weighted mean of
//! the input vectors of the artists they played; artists are scored by the dot product with
//! their OUTPUT vectors (`Scoring::Output`) or, as the notebooks did, with their input vectors.
//! Evaluation follows `shared/tools/evaluate.py` (K = 10, binary relevance, training artists
//! excluded, users = those in test.tsv).
//!
//! ```sh
//! export ARTIST2VEC_DATA=/path/to/shared/data
//! cargo build --release --example hetrec_item2vec
//! $CARGO_TARGET_DIR/release/examples/hetrec_item2vec                  # the table, test split
//! $CARGO_TARGET_DIR/release/examples/hetrec_item2vec --split hetrec-seed42-val --tune
//! ```
//!
//! Options: `--split NAME` (default `hetrec-seed42`), `--tune` (a small grid instead of the
//! table), `--config JSON` (fields of `SkipGramConfig` overriding the recipe), `--recs-dir DIR`
//! (write `recs_*.tsv` that `evaluate.py` reads), `--seeds N` (repeat with N seeds, default 1).
//! Without `ARTIST2VEC_DATA` it prints a message and exits successfully.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use artist2vec::core::{Fit, Interactions, Recommender};
use artist2vec::data::split::read_split_dir;
use artist2vec_skipgram::{Order, Scoring, SkipGramConfig, SkipGramModel, Window};

const K: usize = 10;

/// Means over test users of the metrics of `evaluate.py`.
#[derive(Debug, Default, Clone, Copy)]
struct Means {
    precision: f64,
    recall: f64,
    ndcg: f64,
    map: f64,
    hit_rate: f64,
}

/// The test users (sorted by dense index) and their relevant artists.
fn relevant(test: &Interactions) -> Vec<(u32, HashSet<u32>)> {
    let mut by_user: HashMap<u32, HashSet<u32>> = HashMap::new();
    for r in test.iter() {
        by_user.entry(r.user).or_default().insert(r.item);
    }
    let mut v: Vec<_> = by_user.into_iter().collect();
    v.sort_by_key(|p| p.0);
    v
}

/// `evaluate.py`'s per-user metrics, averaged (the lists already exclude training artists).
fn evaluate(lists: &[Vec<u32>], rel: &[(u32, HashSet<u32>)]) -> Means {
    let mut m = Means::default();
    for (list, (_, r)) in lists.iter().zip(rel) {
        let (mut hits, mut dcg, mut ap) = (0usize, 0.0f64, 0.0f64);
        for (i, item) in list.iter().take(K).enumerate() {
            if r.contains(item) {
                hits += 1;
                dcg += 1.0 / ((i + 2) as f64).log2();
                ap += hits as f64 / (i + 1) as f64;
            }
        }
        let ideal: f64 = (0..K.min(r.len()))
            .map(|i| 1.0 / ((i + 2) as f64).log2())
            .sum();
        m.precision += hits as f64 / K as f64;
        m.recall += hits as f64 / r.len() as f64;
        m.ndcg += dcg / ideal;
        m.map += ap / K.min(r.len()) as f64;
        m.hit_rate += (hits > 0) as u8 as f64;
    }
    let n = rel.len() as f64;
    Means {
        precision: m.precision / n,
        recall: m.recall / n,
        ndcg: m.ndcg / n,
        map: m.map / n,
        hit_rate: m.hit_rate / n,
    }
}

/// Top-K lists of every test user, training artists excluded.
fn lists(model: &SkipGramModel, rel: &[(u32, HashSet<u32>)]) -> Result<Vec<Vec<u32>>> {
    let users: Vec<u32> = rel.iter().map(|p| p.0).collect();
    Ok(model
        .recommend_users(&users, K, true)?
        .into_iter()
        .map(|l| l.into_iter().map(|n| n.item).collect())
        .collect())
}

fn write_recs(
    path: &PathBuf,
    train: &Interactions,
    rel: &[(u32, HashSet<u32>)],
    lists: &[Vec<u32>],
) -> Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(f, "user\titem\trank")?;
    for ((u, _), list) in rel.iter().zip(lists) {
        for (r, &i) in list.iter().enumerate() {
            writeln!(
                f,
                "{}\t{}\t{}",
                train.users.id(*u),
                train.items.id(i),
                r + 1
            )?;
        }
    }
    Ok(())
}

/// The reference recipe (gensim's settings in shared/data/README.md).
fn recipe() -> SkipGramConfig {
    SkipGramConfig::new(64)
        .with_window(Window::Fixed(50))
        .with_negative(5)
        .with_sample(0.0)
        .with_epochs(50)
        .with_min_count(1)
        .with_order(Order::ShuffledOnce)
        .with_threads(2)
        .with_seed(42)
}

/// Applies the fields of a JSON object to a configuration.
fn with_json(base: &SkipGramConfig, json: &str) -> Result<SkipGramConfig> {
    let mut value = serde_json::to_value(base)?;
    let patch: serde_json::Value = serde_json::from_str(json).context("--config is not JSON")?;
    let Some(obj) = patch.as_object() else {
        bail!("--config must be a JSON object");
    };
    for (k, v) in obj {
        value[k] = v.clone();
    }
    serde_json::from_value(value).context("--config has a bad field")
}

fn main() -> Result<()> {
    let Some(data) = std::env::var_os("ARTIST2VEC_DATA") else {
        println!("ARTIST2VEC_DATA not set; skipping");
        return Ok(());
    };
    let mut split = "hetrec-seed42".to_string();
    let mut tune = false;
    let mut config = recipe();
    let mut recs_dir = None;
    let mut seeds = 1u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--split" => split = args.next().context("--split NAME")?,
            "--tune" => tune = true,
            "--config" => config = with_json(&config, &args.next().context("--config JSON")?)?,
            "--recs-dir" => recs_dir = Some(PathBuf::from(args.next().context("--recs-dir DIR")?)),
            "--seeds" => seeds = args.next().context("--seeds N")?.parse()?,
            other => bail!("unknown argument {other:?}"),
        }
    }
    let dir = PathBuf::from(data).join("splits").join(&split);
    let parts = read_split_dir(&dir).with_context(|| format!("reading {}", dir.display()))?;
    let (train, test) = (&parts.train, &parts.test);
    let rel = relevant(test);
    println!(
        "{split}: {} train rows, {} test users, {} artists",
        train.len(),
        rel.len(),
        train.n_items()
    );

    if tune {
        // A small grid around the recipe, scored with output vectors on this split.
        let grid: Vec<(&str, SkipGramConfig)> = vec![
            ("recipe (shuffled once)", config.clone()),
            (
                "reshuffled each epoch",
                config.clone().with_order(Order::ShuffledEachEpoch),
            ),
            (
                "whole bag, no shrink",
                config
                    .clone()
                    .with_window(Window::Whole)
                    .with_shrink_window(false),
            ),
            ("alpha 0.05", config.clone().with_alpha(0.05)),
            ("alpha 0.0125", config.clone().with_alpha(0.0125)),
            ("ns_exponent 0.5", config.clone().with_ns_exponent(0.5)),
            ("ns_exponent 1.0", config.clone().with_ns_exponent(1.0)),
            ("negative 10", config.clone().with_negative(10)),
            ("100 epochs", config.clone().with_epochs(100)),
            ("128 d", config.clone().with_dim(128)),
        ];
        println!("| variant | NDCG@10 | P@10 | fit s |");
        println!("|---|---:|---:|---:|");
        for (name, c) in grid {
            let t = Instant::now();
            let model = c.fit(train)?;
            let secs = t.elapsed().as_secs_f64();
            let m = evaluate(&lists(&model, &rel)?, &rel);
            println!(
                "| {name} | {:.4} | {:.4} | {secs:.1} |",
                m.ndcg, m.precision
            );
        }
        return Ok(());
    }

    println!("config: {}", serde_json::to_string(&config)?);
    println!();
    println!("| model | P@10 | R@10 | NDCG@10 | MAP@10 | HR@10 | fit s | words/s |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| gensim 4.4.0 (shared/data/README.md), output vectors | .1714 | .1731 | .2002 | .0987 | .777 | 49.9 | |"
    );
    println!(
        "| gensim 4.4.0, input vectors (cosine) | .0315 | .0327 | .0421 | .0195 | .206 | 46.1 | |"
    );
    for s in 0..seeds {
        let c = config.clone().with_seed(config.seed + s);
        let t = Instant::now();
        let model = c.fit(train)?;
        let secs = t.elapsed().as_secs_f64();
        let wps = model.stats().words_per_second;
        for (scoring, label) in [
            (Scoring::Output, "output vectors (dot)"),
            (Scoring::InputDot, "input vectors (dot)"),
            (Scoring::InputCosine, "input vectors (cosine)"),
        ] {
            let model = model.clone().with_scoring(scoring);
            let l = lists(&model, &rel)?;
            let m = evaluate(&l, &rel);
            println!(
                "| artist2vec-skipgram seed {}, {label} | {:.4} | {:.4} | {:.4} | {:.4} | {:.3} | {secs:.1} | {:.2}M |",
                c.seed,
                m.precision,
                m.recall,
                m.ndcg,
                m.map,
                m.hit_rate,
                wps / 1e6
            );
            if let Some(d) = &recs_dir {
                std::fs::create_dir_all(d)?;
                let name = format!("recs_item2vec_{:?}_seed{}.tsv", scoring, c.seed).to_lowercase();
                write_recs(&d.join(name), train, &rel, &l)?;
            }
        }
    }
    Ok(())
}
