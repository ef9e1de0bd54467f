//! Reproduces the results table of `docs/results.md`: every classical model of
//! `artist2vec-models`, fitted on the hetrec 2011 Last.fm split, evaluated like
//! `shared/tools/evaluate.py` (K = 10, binary relevance, training artists excluded), with paired
//! Wilcoxon tests against ALS and the similar-artist lists of five well-known artists.
//!
//! ```sh
//! export ARTIST2VEC_DATA=/path/to/shared/data   # holds splits/ and hetrec2011-lastfm-2k/
//! cargo build --release --example hetrec_results
//! $CARGO_TARGET_DIR/release/examples/hetrec_results                     # the table (test split)
//! $CARGO_TARGET_DIR/release/examples/hetrec_results --split hetrec-seed42-val \
//!     --models als --config 'als={"factors":128}'                       # one tuning run
//! ```
//!
//! Options: `--split NAME` (default `hetrec-seed42`), `--models a,b,…` (default all),
//! `--config NAME=JSON` (repeatable; fields left out keep their defaults), `--recs-dir DIR`
//! (also write `recs_NAME.tsv` files that `evaluate.py` reads), `--no-similar`,
//! `--no-reference-rows` (leave out the rows that refit models with the reference libraries'
//! settings and the notebooks' user-kNN recipe), `--min-listeners N` (similar-artist lists
//! among artists with at least N training listeners; default 1, every artist).
//!
//! Without `ARTIST2VEC_DATA` the example prints a message and exits successfully, so that it can
//! run in CI without the data.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use artist2vec::core::TrainingData;
use artist2vec::core::{Interactions, NoProgress, Recommender};
use artist2vec::data::split::read_split_dir;
use artist2vec::metrics::{
    EvalConfig, EvalReport, Gain, Interaction, Metric, Recommendation, evaluate,
};
use artist2vec::stats::{WilcoxonOptions, wilcoxon};
use artist2vec_models::AnyModel;

/// A model family's registry name, from any of its names.
fn family(name: &str) -> Result<&'static str> {
    Ok(artist2vec_models::registry().get(name)?.name())
}

/// The artists whose neighbours `docs/results.md` lists (hetrec artist ids).
const QUERY_ARTISTS: [&str; 5] = ["707", "289", "154", "475", "67"];

struct Args {
    split: String,
    models: Vec<&'static str>,
    configs: HashMap<&'static str, String>,
    recs_dir: Option<PathBuf>,
    similar: bool,
    reference_rows: bool,
    min_listeners: u32,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        split: "hetrec-seed42".into(),
        models: artist2vec_models::registry().names(),
        configs: HashMap::new(),
        recs_dir: None,
        similar: true,
        reference_rows: true,
        min_listeners: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--split" => a.split = value()?,
            "--models" => a.models = value()?.split(',').map(family).collect::<Result<_, _>>()?,
            "--config" => {
                let v = value()?;
                let (name, json) = v.split_once('=').context("--config wants NAME=JSON")?;
                a.configs.insert(family(name)?, json.to_owned());
            }
            "--recs-dir" => a.recs_dir = Some(value()?.into()),
            "--no-similar" => a.similar = false,
            "--no-reference-rows" => a.reference_rows = false,
            "--min-listeners" => a.min_listeners = value()?.parse()?,
            other => bail!("unknown option {other:?} (see the example's documentation)"),
        }
    }
    Ok(a)
}

/// Artist names from `artists.dat` (`id\tname\turl\tpictureURL`, UTF-8, header line).
fn artist_names(path: &Path) -> Result<HashMap<String, String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.trim_end_matches('\r').split('\t');
            Some((f.next()?.to_owned(), f.next()?.to_owned()))
        })
        .collect())
}

/// Rows of a split part with raw ids, as the evaluator reads them from TSV.
fn rows(t: &Interactions) -> Result<Vec<Interaction>> {
    t.iter()
        .map(|r| {
            Ok(Interaction {
                user: t.users.id(r.user).parse()?,
                item: t.items.id(r.item).parse()?,
                weight: r.weight as f64,
            })
        })
        .collect()
}

struct Row {
    label: String,
    kind: &'static str,
    report: EvalReport,
    fit_s: f64,
    rec_s: f64,
    model: AnyModel,
}

fn main() -> Result<()> {
    let Some(root) = std::env::var_os("ARTIST2VEC_DATA") else {
        println!("ARTIST2VEC_DATA not set; skipping the hetrec results (set it to shared/data)");
        return Ok(());
    };
    let root = PathBuf::from(root);
    let args = parse_args()?;

    // 1. The split: train and test share vocabularies (raw hetrec ids as strings). Artist names
    //    come from artists.dat, so that models can be queried by name.
    let split = read_split_dir(&root.join("splits").join(&args.split))?;
    let mut train = split.train;
    let test = split.test;
    let names = artist_names(&root.join("hetrec2011-lastfm-2k/artists.dat"))?;
    for ix in 0..train.items.len() as u32 {
        if let Some(n) = names.get(train.items.id(ix)) {
            train.items.set_name(ix, n.clone());
        }
    }
    let (train_rows, test_rows) = (rows(&train)?, rows(&test)?);
    // Evaluated users: those of the test set (all have training plays in these splits).
    let mut test_users: Vec<u32> = test.user_col().to_vec();
    test_users.sort_unstable();
    test_users.dedup();
    eprintln!(
        "{}: {} train rows, {} test rows, {} test users, {} threads",
        args.split,
        train.len(),
        test.len(),
        test_users.len(),
        rayon::current_num_threads()
    );

    // 2. The runs: every model with its default configuration (the settings that won on
    //    hetrec-seed42-val), then the reference libraries' settings for a like-for-like
    //    comparison with shared/data/README.md, and the seed notebooks' user-kNN recipe.
    let mut runs: Vec<(String, &'static str, Option<String>)> = args
        .models
        .iter()
        .map(|&k| (k.to_owned(), k, args.configs.get(&k).cloned()))
        .collect();
    if args.reference_rows {
        for (label, kind, json) in [
            (
                "als, implicit's settings",
                "als",
                r#"{"factors": 64, "regularization": 0.05, "alpha": 1.0, "iterations": 15}"#,
            ),
            ("item-knn, K = 100", "item-knn", r#"{"k": 100}"#),
            (
                "user-knn, k = 30, cosine on log1p",
                "user-knn",
                r#"{"k": 30, "min_max": false}"#,
            ),
            (
                "user-knn, notebooks (raw, min-max)",
                "user-knn",
                r#"{"k": 30, "weighting": {"kind": "raw"}, "min_max": true}"#,
            ),
            (
                "bpr, implicit's settings",
                "bpr",
                r#"{"learning_rate": 0.005, "iterations": 200}"#,
            ),
            (
                "ease, numpy's settings (every artist)",
                "ease",
                r#"{"lambda": 3000, "min_listeners": 1}"#,
            ),
            (
                "rp3beta, README's settings (binary, every neighbour)",
                "rp3beta",
                r#"{"alpha": 0.8, "beta": 0.3, "k": null, "weighting": {"kind": "binary"}}"#,
            ),
        ] {
            if args.models.contains(&kind) {
                runs.push((label.to_owned(), kind, Some(json.to_owned())));
            }
        }
    }

    // 3. Fit, recommend the top 10 with training artists excluded, evaluate.
    let mut results = Vec::new();
    for (label, kind, config) in runs {
        let t0 = Instant::now();
        let model = artist2vec_models::registry()
            .fit(
                kind,
                config.as_deref(),
                &TrainingData::new(&train),
                &NoProgress,
            )
            .with_context(|| format!("fitting {label}"))?;
        let fit_s = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let lists = model.recommend_users(&test_users, 10, true)?;
        let rec_s = t1.elapsed().as_secs_f64();
        let mut recs = Vec::with_capacity(lists.len() * 10);
        for (&u, list) in test_users.iter().zip(&lists) {
            let user: u32 = train.users.id(u).parse()?;
            for (r, n) in list.iter().enumerate() {
                let item: u32 = train.items.id(n.item).parse()?;
                recs.push(Recommendation {
                    user,
                    item,
                    rank: r as f64 + 1.0,
                });
            }
        }
        if let Some(dir) = &args.recs_dir {
            std::fs::create_dir_all(dir)?;
            let name: String = label
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            let mut f = std::io::BufWriter::new(std::fs::File::create(
                dir.join(format!("recs_{name}.tsv")),
            )?);
            writeln!(f, "user\titem\trank")?;
            for r in &recs {
                writeln!(f, "{}\t{}\t{}", r.user, r.item, r.rank)?;
            }
        }
        let report = evaluate(&EvalConfig::new(10), &train_rows, &test_rows, &recs)?;
        eprintln!(
            "{:<36} NDCG@10 {:.4}  fit {:.2} s  recommend {:.2} s  config {}",
            label,
            report
                .mean_of(Metric::Ndcg(Gain::Linear))
                .unwrap_or(f64::NAN),
            fit_s,
            rec_s,
            model.config_json().replace(['\n', ' '], "")
        );
        results.push(Row {
            label,
            kind,
            report,
            fit_s,
            rec_s,
            model,
        });
    }

    // 4. The table, with a paired two-sided Wilcoxon signed-rank test of per-user NDCG@10
    //    against ALS (users aligned: every report lists the same sorted test users).
    let ndcg = |r: &EvalReport| r.scores(Metric::Ndcg(Gain::Linear)).expect("ndcg").values;
    let als = results
        .iter()
        .find(|r| r.label == "als")
        .map(|r| ndcg(&r.report));
    println!("\n### {} (K = 10)\n", args.split);
    println!(
        "| model | P@10 | R@10 | NDCG@10 | MAP@10 | HR@10 | coverage | fit s | recommend s | Wilcoxon p vs ALS |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &results {
        let m = |metric| r.report.mean_of(metric).unwrap_or(f64::NAN);
        let p = match &als {
            Some(_) if r.label == "als" => "—".to_owned(),
            None => "—".to_owned(),
            Some(a) => {
                let w = wilcoxon(&ndcg(&r.report), a, &WilcoxonOptions::new())?;
                format!("{:.2e}", w.p_value)
            }
        };
        println!(
            "| {} | {:.4} | {:.4} | {:.4} | {:.4} | {:.3} | {:.3} | {:.2} | {:.2} | {} |",
            r.label,
            m(Metric::Precision),
            m(Metric::Recall),
            m(Metric::Ndcg(Gain::Linear)),
            m(Metric::Map),
            m(Metric::HitRate),
            r.report.coverage,
            r.fit_s,
            r.rec_s,
            p
        );
    }

    // 5. Similar artists (cosine of artist vectors, or the kNN models' own similarities).
    if args.similar {
        let mut lists: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
        // Default configurations only (the reference-settings rows would repeat models).
        for r in results.iter().filter(|r| r.label == r.kind) {
            if r.kind == "popularity" {
                continue;
            }
            for id in QUERY_ARTISTS {
                let ix = r.model.artist(id)?;
                let nb = r.model.similar_min_listeners(ix, 10, args.min_listeners)?;
                let list = nb
                    .iter()
                    .map(|n| r.model.items().name(n.item).to_owned())
                    .collect::<Vec<_>>()
                    .join(", ");
                lists.entry(id).or_default().push((r.kind.to_owned(), list));
            }
        }
        for id in QUERY_ARTISTS {
            let Some(l) = lists.get(id) else { continue };
            println!(
                "\n#### {} ({id})\n",
                names.get(id).map_or(id, String::as_str)
            );
            if args.min_listeners > 1 {
                println!(
                    "Candidates: artists with at least {} training listeners.\n",
                    args.min_listeners
                );
            }
            println!("| model | 10 most similar artists |");
            println!("|---|---|");
            for (model, list) in l {
                println!("| {model} | {list} |");
            }
        }
    }
    Ok(())
}
