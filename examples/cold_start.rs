//! Cold-start artists: the content model (ridge from TF-IDF tags onto ALS artist vectors,
//! registry name `content`) and YouTube-DNN (id embedding + SVD-reduced TF-IDF tags → dense →
//! GRU → softmax over the top artists, registry name `youtube-dnn`; a held-out artist enters it
//! with the unknown id and its tags) against the tag-only nearest-neighbour baseline, on the
//! cold-start protocol: 10 % of the artists are held out of training entirely, the models see
//! only their tags, and every test listener who played held-out artists gets the held-out
//! artists ranked from their training history; MAP@1/5/10/20 per listener, one-sided paired
//! Wilcoxon (model > tags).
//!
//! ```text
//! cargo run --release -p artist2vec-examples --example cold_start -- [--seed 42[,1,…]] [--size small|tiny]
//!     [--hetrec DIR] [--config '{"ridge": 1.0, …}'] [--yt-config '{"epochs": 10, …}'] [--no-yt]
//! ```
//!
//! YouTube-DNN ranks the held-out artists (all outside its softmax, which covers played
//! artists only) by their expected logit: the mean of the listener's logits over the top
//! artists it predicts after each held-out artist (`rank_outside`).
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
use artist2vec_neural::{CpuBackend, YoutubeDnnConfig, YoutubeDnnInput};

const KS: [usize; 4] = [1, 5, 10, 20];

fn main() -> Result<()> {
    let mut seeds = vec![42u64];
    let mut size = "small".to_owned();
    let mut hetrec: Option<PathBuf> = None;
    let mut config = ContentConfig::default();
    let mut yt = Some(yt_default());
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
            "--yt-config" => {
                yt = Some(serde_json::from_str(&value()?).context("--yt-config")?);
            }
            "--no-yt" => yt = None,
            _ => bail!(
                "unknown argument {a:?} (--seed N[,N…], --size small|tiny, --hetrec DIR, \
                 --config JSON, --yt-config JSON, --no-yt)"
            ),
        }
    }
    let mut pooled: Vec<Vec<ProtocolScores>> = Vec::new();
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
        pooled.push(run(&counts, &content, seed, &config, yt.as_ref())?);
    }
    if pooled.len() > 1 {
        let n_models = pooled[0].len();
        let cat = |m: usize, key: &str| -> Vec<f64> {
            pooled
                .iter()
                .flat_map(|scores| {
                    scores[m]
                        .get(key)
                        .map_or_else(Vec::new, |s| s.values.clone())
                })
                .collect()
        };
        println!(
            "\n# Pooled over seeds {seeds:?}: {} listeners\n",
            cat(0, "map@10").len()
        );
        let pooled: Vec<Vec<Vec<f64>>> = (0..n_models)
            .map(|m| KS.iter().map(|k| cat(m, &format!("map@{k}"))).collect())
            .collect();
        table(&pooled);
    }
    Ok(())
}

/// YouTube-DNN's settings for this comparison unless `--yt-config` says otherwise: the
/// defaults (embedding 64, 32 SVD content dimensions, dense 64, GRU 64, dropout 0.1, id dropout
/// 0.25, softmax over the top 1,000 artists, AdaGrad 0.1, batch 1,000 windows of 50, 10
/// epochs).
fn yt_default() -> YoutubeDnnConfig {
    YoutubeDnnConfig::default()
}

fn run(
    counts: &Interactions,
    content: &ArtistContent,
    seed: u64,
    config: &ContentConfig,
    yt: Option<&YoutubeDnnConfig>,
) -> Result<Vec<ProtocolScores>> {
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
    let mut all = vec![s_content, s_tags];
    if let Some(yt) = yt {
        let t = Instant::now();
        let m = yt
            .fit_on::<CpuBackend>(
                &YoutubeDnnInput::new(&split.train, content),
                &Default::default(),
                &NoProgress,
            )
            .map_err(|e| anyhow::anyhow!("youtube-dnn: {e}"))?;
        let st = m.stats();
        println!(
            "youtube-dnn: {} top artists, {} content dimensions, {} windows, loss {:.3} → {:.3} \
             over {} epochs, fit {:.1} s",
            st.top_n,
            st.content_dims,
            st.sequences,
            st.epoch_loss.first().copied().unwrap_or(f64::NAN),
            st.epoch_loss.last().copied().unwrap_or(f64::NAN),
            st.epoch_loss.len(),
            t.elapsed().as_secs_f64()
        );
        all.push(cold_start_listeners(&m, &split.train, &split.test, &KS)?);
    }
    println!(
        "{} listeners of held-out artists evaluated, {} without training rows skipped\n",
        all[0].units().len(),
        all[0].total_skipped()
    );
    let rows: Vec<Vec<Vec<f64>>> = all
        .iter()
        .map(|s| {
            KS.iter()
                .map(|k| {
                    s.get(&format!("map@{k}"))
                        .map_or_else(Vec::new, |s| s.values.clone())
                })
                .collect()
        })
        .collect();
    table(&rows);
    Ok(all)
}

/// The models of the table, in the order `run` scores them.
const MODELS: [&str; 3] = [
    "content (ridge: TF-IDF tags → ALS vectors)",
    "tag-only kNN (TF-IDF cosine to history)",
    "youtube-dnn (ids + SVD tags → GRU → softmax; expected logit)",
];

/// Prints the MAP@k table of the models (`scores[model][k]`: per-listener values, the same
/// listeners in the same order for every model) and, for every model but the tag-only
/// baseline, the one-sided paired Wilcoxon p-values against it.
fn table(scores: &[Vec<Vec<f64>>]) {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    println!("| model | MAP@1 | MAP@5 | MAP@10 | MAP@20 |");
    println!("|---|---:|---:|---:|---:|");
    for (name, s) in MODELS.iter().zip(scores) {
        let cells: Vec<String> = s.iter().map(|v| format!("{:.4}", mean(v))).collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
    for (m, s) in scores.iter().enumerate() {
        if m == 1 {
            continue;
        }
        let p: Vec<String> = s
            .iter()
            .zip(&scores[1])
            .map(|(a, b)| {
                wilcoxon(
                    a,
                    b,
                    &WilcoxonOptions::new().with_alternative(Alternative::Greater),
                )
                .map_or_else(|e| format!("({e})"), |r| format!("{:.2e}", r.p_value))
            })
            .collect();
        let short = MODELS[m].split(' ').next().unwrap_or("");
        println!(
            "| p, {short} > tags (one-sided Wilcoxon) | {} |",
            p.join(" | ")
        );
    }
    if scores.len() > 2 {
        let p: Vec<String> = scores[2]
            .iter()
            .zip(&scores[0])
            .map(|(a, b)| {
                wilcoxon(a, b, &WilcoxonOptions::new())
                    .map_or_else(|e| format!("({e})"), |r| format!("{:.2e}", r.p_value))
            })
            .collect();
        println!(
            "| p, youtube-dnn ≠ content (two-sided Wilcoxon) | {} |",
            p.join(" | ")
        );
    }
}
