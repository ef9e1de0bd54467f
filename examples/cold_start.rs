//! Cold-start artists: the content model (ridge from TF-IDF tags onto ALS artist vectors,
//! registry name `content`) against the tag-only nearest-neighbour baseline, on the cold-start
//! protocol: 10 % of the artists are held out of training entirely, the models see only their
//! tags, and every test listener who played held-out artists gets the held-out artists ranked
//! from their training history; MAP@1/5/10/20 per listener, one-sided paired Wilcoxon
//! (content > tags).
//!
//! ```text
//! cargo run --release -p artist2vec-examples --example cold_start -- [--seed 42[,1,…]] [--size small|tiny]
//!     [--hetrec DIR] [--config '{"ridge": 1.0, …}']
//! ```
//!
//! With several seeds (`--seed 42,1,7,3,11`) each seed generates its own data and split and
//! prints its table; a last table pools the listeners of all seeds (independent datasets) into
//! one paired test.
//!
//! With `--hetrec DIR` it runs on hetrec2011-lastfm-2k instead of generated data: that needs
//! `user_taggedartists.dat` (the tag assignments); a copy without it stops with the model's
//! error.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use artist2vec::content::{ContentConfig, ContentModel, TagKnn};
use artist2vec::core::{ArtistContent, Interactions, NoProgress, TrainingData};
use artist2vec::data::split::cold_start_artists;
use artist2vec::data::{HetrecOptions, SynthConfig, Synthetic, load_hetrec};
use artist2vec::metrics::protocols::{ProtocolScores, cold_start_listeners};
use artist2vec::stats::{Alternative, WilcoxonOptions, wilcoxon};

const KS: [usize; 4] = [1, 5, 10, 20];

fn main() -> Result<()> {
    let mut seeds = vec![42u64];
    let mut size = "small".to_owned();
    let mut hetrec: Option<PathBuf> = None;
    let mut config = ContentConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--seed" => {
                seeds = value()?
                    .split(',')
                    .map(|x| x.trim().parse::<u64>())
                    .collect::<Result<_, _>>()
                    .context("--seed: numbers separated by commas")?
            }
            "--size" => size = value()?,
            "--hetrec" => hetrec = Some(value()?.into()),
            "--config" => config = serde_json::from_str(&value()?).context("--config")?,
            _ => bail!(
                "unknown argument {a:?} (--seed N[,N…], --size small|tiny, --hetrec DIR, \
                 --config JSON)"
            ),
        }
    }
    let mut pooled: Vec<(ProtocolScores, ProtocolScores)> = Vec::new();
    for &seed in &seeds {
        let t = Instant::now();
        let (counts, content, source) = match &hetrec {
            Some(dir) => {
                let h = load_hetrec(dir, &HetrecOptions::default())?;
                let content = h.dataset.content().unwrap_or_default();
                let source = format!("hetrec {}", dir.display());
                (h.dataset.interactions, content, source)
            }
            None => {
                let synth = match size.as_str() {
                    "small" => SynthConfig::small(),
                    "tiny" => SynthConfig::tiny(),
                    s => bail!("--size {s:?}: expected small or tiny"),
                };
                let data = Synthetic::generate(&synth.with_seed(seed))?;
                let content = data.dataset.content().context("generated data has tags")?;
                let counts = data.sessions().to_counts();
                (counts, content, format!("generated ({size}, seed {seed})"))
            }
        };
        println!(
            "\n# Cold-start artists on {source}: {} users, {} artists, {} rows, {} artists with \
             tags ({:.1} s)",
            counts.n_users(),
            counts.n_items(),
            counts.len(),
            content.n_with_features(),
            t.elapsed().as_secs_f64()
        );
        pooled.push(run(&counts, &content, seed, &config)?);
    }
    if pooled.len() > 1 {
        let cat = |second: bool, key: &str| -> Vec<f64> {
            pooled
                .iter()
                .flat_map(|(a, b)| {
                    let s = if second { b } else { a };
                    s.get(key).map_or_else(Vec::new, |s| s.values.clone())
                })
                .collect()
        };
        println!(
            "\n# Pooled over seeds {seeds:?}: {} listeners\n",
            cat(false, "map@10").len()
        );
        table(|key| cat(false, key), |key| cat(true, key));
    }
    Ok(())
}

fn run(
    counts: &Interactions,
    content: &ArtistContent,
    seed: u64,
    config: &ContentConfig,
) -> Result<(ProtocolScores, ProtocolScores)> {
    let split = cold_start_artists(counts, 0.1, seed)?;
    let t = Instant::now();
    let data = TrainingData::new(&split.train);
    let model: ContentModel = config
        .fit_with(&data, content, &NoProgress)
        .map_err(|e| anyhow::anyhow!("content model: {e}"))?;
    let fit_s = t.elapsed().as_secs_f64();
    let baseline = TagKnn::new(&split.train, content)?;

    // Every held-out artist gets a vector.
    let mut held: Vec<u32> = split.test.item_col().to_vec();
    held.sort_unstable();
    held.dedup();
    let vectors = artist2vec::core::Model::artist_vectors(&model).context("vectors")?;
    let with_vector = held
        .iter()
        .filter(|&&a| {
            model.cold_artists().binary_search(&a).is_ok()
                && vectors
                    .row(a)
                    .is_ok_and(|v| v.iter().all(|x| x.is_finite()) && v.iter().any(|&x| x != 0.0))
        })
        .count();
    let no_tags = held
        .iter()
        .filter(|a| model.without_content().binary_search(a).is_ok())
        .count();
    println!(
        "held out {} artists (seed {seed}); {with_vector} of them have a content vector ({no_tags} \
         without tags get the intercept); {} dimensions; fit {fit_s:.2} s",
        held.len(),
        vectors.dim()
    );

    let s_content = cold_start_listeners(&model, &split.train, &split.test, &KS)?;
    let s_tags = cold_start_listeners(&baseline, &split.train, &split.test, &KS)?;
    println!(
        "{} listeners of held-out artists evaluated, {} without training rows skipped\n",
        s_content.units().len(),
        s_content.total_skipped()
    );
    table(
        |key| {
            s_content
                .get(key)
                .map_or_else(Vec::new, |s| s.values.clone())
        },
        |key| s_tags.get(key).map_or_else(Vec::new, |s| s.values.clone()),
    );
    Ok((s_content, s_tags))
}

/// Prints the MAP@k table of the two models and the one-sided paired Wilcoxon p-values.
fn table(content: impl Fn(&str) -> Vec<f64>, tags: impl Fn(&str) -> Vec<f64>) {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    println!("| model | MAP@1 | MAP@5 | MAP@10 | MAP@20 |");
    println!("|---|---:|---:|---:|---:|");
    let rows: [(&str, &dyn Fn(&str) -> Vec<f64>); 2] = [
        ("content (ridge: TF-IDF tags → ALS vectors)", &content),
        ("tag-only kNN (TF-IDF cosine to history)", &tags),
    ];
    for (name, f) in rows {
        let cells: Vec<String> = KS
            .iter()
            .map(|k| format!("{:.4}", mean(&f(&format!("map@{k}")))))
            .collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
    let p: Vec<String> = KS
        .iter()
        .map(|k| {
            let key = format!("map@{k}");
            wilcoxon(
                &content(&key),
                &tags(&key),
                &WilcoxonOptions::new().with_alternative(Alternative::Greater),
            )
            .map_or_else(|e| format!("({e})"), |r| format!("{:.2e}", r.p_value))
        })
        .collect();
    println!(
        "| p, content > tags (one-sided Wilcoxon) | {} |",
        p.join(" | ")
    );
}
