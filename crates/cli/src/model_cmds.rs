//! The model commands: `fit`, `recommend`, `similar`, `config`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use artist2vec::core::{Interactions, Recommender, Vocabulary};
use artist2vec::data::split::read_tsv_into;
use artist2vec::models::{AnyModel, ModelKind};
use clap::Args;

use crate::progress::Ui;

/// Reads `id\tname…` lines (a header line starting with a non-number id such as `id` is skipped),
/// as hetrec's `artists.dat`, and names the vocabulary's entries. Returns how many were named.
fn apply_names(vocab: &mut Vocabulary, path: &Path) -> Result<usize> {
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut n = 0;
    for (i, line) in BufReader::new(f).split(b'\n').enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches('\r');
        let mut cols = line.splitn(3, '\t');
        let (Some(id), Some(name)) = (cols.next(), cols.next()) else {
            if line.is_empty() {
                continue;
            }
            bail!(
                "{}:{}: expected `id<TAB>name`, found {line:?}",
                path.display(),
                i + 1
            );
        };
        if let Some(ix) = vocab.get(id) {
            vocab.set_name(ix, name);
            n += 1;
        }
    }
    Ok(n)
}

#[derive(Args)]
pub struct FitArgs {
    /// Model name (see `artist2vec config --list`).
    #[arg(long)]
    model: String,
    /// JSON configuration (fields left out take their defaults; see `artist2vec config`).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Training TSV (`user\titem\tweight`, header).
    #[arg(long)]
    train: PathBuf,
    /// Artist names: `id<TAB>name` lines, e.g. hetrec's artists.dat; stored in the model.
    #[arg(long)]
    names: Option<PathBuf>,
    /// Output model file.
    #[arg(long)]
    out: PathBuf,
}

pub fn fit(ui: &Ui, a: FitArgs) -> Result<()> {
    let kind = ModelKind::from_name(&a.model)?;
    let cfg = match &a.config {
        Some(p) => {
            Some(std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?)
        }
        None => None,
    };
    if let Some(c) = &cfg {
        kind.check_config_json(c)
            .with_context(|| format!("{}", a.config.as_ref().unwrap().display()))?;
    }
    let mut train = Interactions::default();
    ui.step(&format!("read {}", a.train.display()), |_| {
        Ok(read_tsv_into(&a.train, &mut train)?)
    })?;
    if train.is_empty() {
        bail!("{}: no training rows", a.train.display());
    }
    if let Some(p) = &a.names {
        let n = apply_names(&mut train.items, p)?;
        ui.say(format!(
            "named {n} of {} artists from {}",
            train.items.len(),
            p.display()
        ));
    }
    let t = std::time::Instant::now();
    let model = ui.step(&format!("fit {}", kind.name()), |obs| {
        Ok(AnyModel::fit_kind(kind, cfg.as_deref(), &train, obs)?)
    })?;
    let secs = t.elapsed().as_secs_f64();
    model.save(&a.out)?;
    println!(
        "fitted {} on {} users × {} artists ({} rows) in {secs:.2} s → {}",
        kind.name(),
        train.n_users(),
        train.n_items(),
        train.len(),
        a.out.display()
    );
    Ok(())
}

#[derive(Args)]
pub struct RecommendArgs {
    /// Model file written by `artist2vec fit`.
    #[arg(long)]
    model: PathBuf,
    /// TSV whose first column names the users to recommend for (e.g. a test split; header line).
    #[arg(long)]
    users: PathBuf,
    /// Recommendations per user.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Also recommend artists the user already has in training.
    #[arg(long)]
    include_seen: bool,
    /// Output recs TSV (`user\titem\trank`).
    #[arg(long)]
    out: PathBuf,
}

pub fn recommend(ui: &Ui, a: RecommendArgs) -> Result<()> {
    if a.k == 0 {
        bail!("--k must be at least 1");
    }
    let model = ui.step("load model", |_| Ok(AnyModel::load(&a.model)?))?;
    let mut wanted = Interactions::default();
    read_tsv_into(&a.users, &mut wanted)?;
    let mut known = Vec::new();
    let mut unknown = 0usize;
    for ix in 0..wanted.users.len() as u32 {
        match model.users().get(wanted.users.id(ix)) {
            Some(u) => known.push(u),
            None => unknown += 1,
        }
    }
    let t = std::time::Instant::now();
    let recs = ui.step("recommend", |_| {
        Ok(model.recommend_users(&known, a.k, !a.include_seen)?)
    })?;
    let secs = t.elapsed().as_secs_f64();
    let f =
        std::fs::File::create(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let mut w = std::io::BufWriter::new(f);
    writeln!(w, "user\titem\trank")?;
    for (&u, list) in known.iter().zip(&recs) {
        for (r, n) in list.iter().enumerate() {
            writeln!(
                w,
                "{}\t{}\t{}",
                model.users().id(u),
                model.items().id(n.item),
                r + 1
            )?;
        }
    }
    w.flush()?;
    println!(
        "top-{} for {} users in {secs:.2} s → {}",
        a.k,
        known.len(),
        a.out.display()
    );
    if unknown > 0 {
        println!(
            "note: {unknown} users of {} were not in the training data and got no recommendations",
            a.users.display()
        );
    }
    Ok(())
}

#[derive(Args)]
pub struct SimilarArgs {
    /// Model file written by `artist2vec fit`.
    #[arg(long)]
    model: PathBuf,
    /// Artist name (or id).
    #[arg(long)]
    artist: String,
    /// How many.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Artist names (`id<TAB>name` lines), when the model was fitted without them.
    #[arg(long)]
    names: Option<PathBuf>,
}

pub fn similar(ui: &Ui, a: SimilarArgs) -> Result<()> {
    let model = ui.step("load model", |_| Ok(AnyModel::load(&a.model)?))?;
    // Names for display and lookup: the model's own, or those of --names.
    let mut names = model.items().clone();
    if let Some(p) = &a.names {
        apply_names(&mut names, p)?;
    }
    let ix = match names.get(&a.artist) {
        Some(ix) => ix,
        None => names
            .find(&a.artist)
            .with_context(|| format!("no artist named {:?} in the model", a.artist))?,
    };
    let list = model.similar_by_name(names.id(ix), a.k)?;
    println!(
        "artists most similar to {} ({}), by {}:",
        names.name(ix),
        names.id(ix),
        model.kind().name()
    );
    for (r, n) in list.iter().enumerate() {
        println!(
            "{:>3}. {:<40} {:>8} {:.4}",
            r + 1,
            names.name(n.item),
            names.id(n.item),
            n.score
        );
    }
    Ok(())
}

#[derive(Args)]
pub struct ConfigArgs {
    /// Model name.
    #[arg(long, required_unless_present = "list")]
    model: Option<String>,
    /// List the models.
    #[arg(long)]
    list: bool,
}

pub fn config(a: ConfigArgs) -> Result<()> {
    if a.list {
        for k in ModelKind::ALL {
            println!("{:<12} {}", k.name(), k.description());
        }
        return Ok(());
    }
    let kind = ModelKind::from_name(a.model.as_deref().unwrap_or_default())?;
    println!("{}", kind.default_config_json());
    Ok(())
}
