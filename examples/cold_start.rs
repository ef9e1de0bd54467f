//! Cold-start artists: the content model (ridge from TF-IDF tags onto ALS artist vectors,
//! registry name `content`) against the tag-only nearest-neighbour baseline, on the cold-start
//! protocol: 10 % of the artists are held out of training entirely, the models see only their
//! tags, and every test listener who played held-out artists gets the held-out artists ranked
//! from their training history; MAP@1/5/10/20 per listener, one-sided paired Wilcoxon
//! (content > tags).
//!
//! ```text
//! cargo run --release -p artist2vec-examples --example cold_start -- [--seed 42] [--size small|tiny]
//!     [--hetrec DIR] [--config '{"ridge": 1.0, …}']
//! ```
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
use artist2vec::metrics::protocols::cold_start_listeners;
use artist2vec::stats::{Alternative, WilcoxonOptions, wilcoxon};

const KS: [usize; 4] = [1, 5, 10, 20];

fn main() -> Result<()> {
    let mut seed = 42u64;
    let mut size = "small".to_owned();
    let mut hetrec: Option<PathBuf> = None;
    let mut config = ContentConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--seed" => seed = value()?.parse().context("--seed")?,
            "--size" => size = value()?,
            "--hetrec" => hetrec = Some(value()?.into()),
            "--config" => config = serde_json::from_str(&value()?).context("--config")?,
            _ => bail!(
                "unknown argument {a:?} (--seed N, --size small|tiny, --hetrec DIR, --config JSON)"
            ),
        }
    }
    let t = Instant::now();
    let (counts, content, source) = match &hetrec {
        Some(dir) => {
            let h = load_hetrec(dir, &HetrecOptions::default())?;
            let content = h.dataset.content().unwrap_or_default();
            (
                h.dataset.interactions,
                content,
                format!("hetrec {}", dir.display()),
            )
        }
        None => {
            let config = match size.as_str() {
                "small" => SynthConfig::small(),
                "tiny" => SynthConfig::tiny(),
                s => bail!("--size {s:?}: expected small or tiny"),
            };
            let data = Synthetic::generate(&config.with_seed(seed))?;
            let content = data.dataset.content().context("generated data has tags")?;
            let counts = data.sessions().to_counts();
            (counts, content, format!("generated ({size}, seed {seed})"))
        }
    };
    println!(
        "# Cold-start artists on {source}: {} users, {} artists, {} rows, {} artists with tags \
         ({:.1} s)",
        counts.n_users(),
        counts.n_items(),
        counts.len(),
        content.n_with_features(),
        t.elapsed().as_secs_f64()
    );
    run(&counts, &content, seed, &config)
}

fn run(
    counts: &Interactions,
    content: &ArtistContent,
    seed: u64,
    config: &ContentConfig,
) -> Result<()> {
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
    println!("| model | MAP@1 | MAP@5 | MAP@10 | MAP@20 |");
    println!("|---|---:|---:|---:|---:|");
    for (name, s) in [
        ("content (ridge: TF-IDF tags → ALS vectors)", &s_content),
        ("tag-only kNN (TF-IDF cosine to history)", &s_tags),
    ] {
        let cells: Vec<String> = KS
            .iter()
            .map(|k| format!("{:.4}", s.mean(&format!("map@{k}")).unwrap_or(f64::NAN)))
            .collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
    let p: Vec<String> = KS
        .iter()
        .map(|k| {
            let key = format!("map@{k}");
            let (a, b) = (s_content.get(&key), s_tags.get(&key));
            match (a, b) {
                (Some(a), Some(b)) => wilcoxon(
                    &a.values,
                    &b.values,
                    &WilcoxonOptions::new().with_alternative(Alternative::Greater),
                )
                .map_or_else(|e| format!("({e})"), |r| format!("{:.2e}", r.p_value)),
                _ => "—".into(),
            }
        })
        .collect();
    println!(
        "| p, content > tags (one-sided Wilcoxon) | {} |",
        p.join(" | ")
    );
    Ok(())
}
