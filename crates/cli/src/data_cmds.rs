//! The data commands: synth, ingest, prepare, split, stats, demo.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use artist2vec::data::formats::{DatasetStats, Format, load_any};
use artist2vec::data::split::{
    Split, cold_start_artists, global_time_split, hide_one_of_top_n, last_sessions, leave_last_n,
    random_holdout, users_of, write_split_dir,
};
use artist2vec::data::synth::{SynthConfig, Synthetic};
use artist2vec::data::{Dataset, Mode, PrepareConfig, prepare as run_prepare};
use clap::{Args, ValueEnum};

use crate::progress::Ui;

/// Size presets of the generator.
#[derive(Clone, Copy, ValueEnum)]
pub enum Preset {
    /// 20 users, 60 artists, 1,200 plays.
    Tiny,
    /// 1,000 users, 5,000 artists, 140,000 plays.
    Small,
    /// 30Music scale: 45K users, 0.6M artists, 2.7M sessions, 31M plays.
    Full,
}

impl Preset {
    fn config(self) -> SynthConfig {
        match self {
            Preset::Tiny => SynthConfig::tiny(),
            Preset::Small => SynthConfig::small(),
            Preset::Full => SynthConfig::full_30music(),
        }
    }
}

#[derive(Args)]
pub struct SynthArgs {
    /// Output directory (created).
    #[arg(long)]
    out: PathBuf,
    /// Size preset.
    #[arg(long, value_enum, default_value = "small")]
    preset: Preset,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// A JSON SynthConfig overriding the preset.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Planted sequential order: probability that a play follows the previous artist's fixed
    /// successor within its genre (0 = off; overrides the config's `sequential_order`). The
    /// successors are written to `successors.tsv`.
    #[arg(long)]
    sequential_order: Option<f64>,
}

pub fn synth(ui: &Ui, a: SynthArgs) -> Result<()> {
    let cfg = match &a.config {
        Some(p) => serde_json::from_str::<SynthConfig>(
            &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
        )
        .with_context(|| format!("{}: not a SynthConfig JSON", p.display()))?,
        None => a.preset.config().with_seed(a.seed),
    };
    let cfg = match a.sequential_order {
        Some(p) => cfg.with_sequential_order(p),
        None => cfg,
    };
    let s = ui.step("generate", |_| Ok(Synthetic::generate(&cfg)?))?;
    let paths = ui.step("write every format", |_| Ok(s.write_all(&a.out)?))?;
    if !s.artist_successor.is_empty() {
        let items = s.dataset.artists();
        let mut text = String::from("artist\tsuccessor\n");
        for (a, &b) in s.artist_successor.iter().enumerate() {
            text.push_str(&format!("{}\t{}\n", items.id(a as u32), items.id(b)));
        }
        let p = a.out.join("successors.tsv");
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
    }
    std::fs::write(
        a.out.join("synth_config.json"),
        serde_json::to_string_pretty(&cfg)?,
    )?;
    println!(
        "generated {} users, {} artists, {} sessions, {} plays (seed {}) into {}",
        cfg.n_users,
        cfg.n_artists,
        cfg.n_sessions,
        cfg.n_plays,
        cfg.seed,
        a.out.display()
    );
    for (name, p) in [
        ("idomaar", &paths.idomaar),
        ("lastfm1k", &paths.lastfm1k),
        ("hetrec", &paths.hetrec),
        ("mpd", &paths.mpd),
        ("csv", &paths.csv),
        ("tsv", &paths.tsv),
        ("parquet", &paths.parquet),
        ("ground truth", &paths.ground_truth),
    ] {
        println!("  {name:<12} {}", p.display());
    }
    Ok(())
}

#[derive(Args)]
pub struct InputArgs {
    /// Input file or directory (any supported format, or an .a2vd dataset).
    path: PathBuf,
    /// Input format; detected from the file names when omitted.
    #[arg(long)]
    format: Option<String>,
    /// Skip and count bad lines instead of stopping at the first.
    #[arg(long)]
    lenient: bool,
}

impl InputArgs {
    fn load(&self, ui: &Ui) -> Result<(Dataset, Format)> {
        let format = self
            .format
            .as_deref()
            .map(str::parse::<Format>)
            .transpose()?;
        let mode = if self.lenient {
            Mode::Lenient
        } else {
            Mode::Strict
        };
        let (d, f) = ui.step(&format!("read {}", self.path.display()), |_| {
            Ok(load_any(&self.path, format, mode)?)
        })?;
        let skipped = d.report.total_skipped();
        if skipped > 0 {
            ui.say(format!("lenient mode: skipped {skipped} bad lines:"));
            for (reason, n) in &d.report.skipped {
                ui.say(format!("  {n:>10}  {reason}"));
            }
        }
        Ok((d, f))
    }
}

#[derive(Args)]
pub struct IngestArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output dataset file (.a2vd).
    #[arg(long)]
    out: PathBuf,
}

pub fn ingest(ui: &Ui, a: IngestArgs) -> Result<()> {
    let (d, f) = a.input.load(ui)?;
    ui.step("write dataset", |_| Ok(d.save(&a.out)?))?;
    let s = DatasetStats::of(&d);
    println!(
        "ingested {} ({f}): {} users, {} artists, {} plays, {} sessions → {}",
        a.input.path.display(),
        s.users,
        s.artists,
        s.plays,
        s.sessions,
        a.out.display()
    );
    Ok(())
}

#[derive(Args)]
pub struct PrepareArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output dataset file (.a2vd).
    #[arg(long)]
    out: PathBuf,
    /// A JSON PrepareConfig (the flags below override it).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Drop plays shorter than this many seconds (0 = keep all).
    #[arg(long)]
    min_play_seconds: Option<u32>,
    /// Do not collapse consecutive repeats of an artist.
    #[arg(long)]
    no_collapse: bool,
    /// Keep artists with at least this many plays (0 = keep all).
    #[arg(long)]
    min_artist_plays: Option<u64>,
    /// Keep sessions with at least this many distinct artists (0 = keep all).
    #[arg(long)]
    min_session_artists: Option<usize>,
    /// Keep users with at least this many distinct artists (0 = keep all).
    #[arg(long)]
    min_user_artists: Option<usize>,
}

impl PrepareArgs {
    fn config(&self) -> Result<PrepareConfig> {
        let mut c = match &self.config {
            Some(p) => serde_json::from_str(
                &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
            )
            .with_context(|| format!("{}: not a PrepareConfig JSON", p.display()))?,
            None => PrepareConfig::default(),
        };
        let off0 = |v: u64| (v > 0).then_some(v);
        if let Some(v) = self.min_play_seconds {
            c.min_play_seconds = off0(v as u64).map(|v| v as u32);
        }
        if self.no_collapse {
            c.collapse_repeats = false;
        }
        if let Some(v) = self.min_artist_plays {
            c.min_artist_plays = off0(v);
        }
        if let Some(v) = self.min_session_artists {
            c.min_session_artists = off0(v as u64).map(|v| v as usize);
        }
        if let Some(v) = self.min_user_artists {
            c.min_user_artists = off0(v as u64).map(|v| v as usize);
        }
        Ok(c)
    }
}

pub fn prepare(ui: &Ui, a: PrepareArgs) -> Result<()> {
    let cfg = a.config()?;
    let (d, _) = a.input.load(ui)?;
    let (p, rep) = ui.step("prepare", |_| Ok(run_prepare(&d, &cfg)?))?;
    ui.step("write dataset", |_| Ok(p.save(&a.out)?))?;
    print!("{rep}");
    println!("wrote {}", a.out.display());
    Ok(())
}

/// How to split.
#[derive(Clone, Copy, ValueEnum)]
pub enum Method {
    /// Global time split of sessions at two quantiles of session start (protocol 1).
    Time,
    /// Each user's last n plays by time go to test.
    LeaveLast,
    /// The last --fraction of the sessions by start time go to test (default 0.2); both
    /// parts are plays with timestamps, for session models and `evaluate-sessions`.
    LastSessions,
    /// Per-user random holdout (make_split.py's procedure).
    Holdout,
    /// Hide one of each user's top-n artists (protocol 3).
    HideTop,
    /// Hold out a fraction of artists entirely (protocol 4).
    ColdStart,
}

#[derive(Args)]
pub struct SplitArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output directory for train.tsv, [validation.tsv,] test.tsv.
    #[arg(long)]
    out: PathBuf,
    /// Split method.
    #[arg(long, value_enum, default_value = "holdout")]
    method: Method,
    /// Seed of the random choices.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Test fraction (holdout, last-sessions) or held-out artist fraction (cold-start).
    #[arg(long, default_value_t = 0.2)]
    fraction: f64,
    /// n of leave-last (default 1) or hide-top (default 6).
    #[arg(long)]
    n: Option<usize>,
    /// Minimum items of a user to be split (holdout: 5; hide-top: users with more than 10).
    #[arg(long)]
    min_items: Option<usize>,
    /// Quantiles of the time split.
    #[arg(long, num_args = 2, default_values_t = [0.6, 0.8])]
    quantiles: Vec<f64>,
}

pub fn split(ui: &Ui, a: SplitArgs) -> Result<()> {
    let (d, _) = a.input.load(ui)?;
    let s = ui.step("split", |_| make_split(&d, &a))?;
    ui.step("write TSV", |_| Ok(write_split_dir(&s, &a.out)?))?;
    print_split(&s, &a.out);
    Ok(())
}

fn make_split(d: &Dataset, a: &SplitArgs) -> Result<Split> {
    let counts = || d.interactions.aggregate();
    Ok(match a.method {
        Method::Time => {
            let Some(s) = &d.sessions else {
                bail!("the time split needs sessions; {} has none", d.source)
            };
            global_time_split(s, a.quantiles[0], a.quantiles[1])?.split
        }
        Method::LeaveLast => leave_last_n(&d.interactions, a.n.unwrap_or(1))?,
        Method::LastSessions => {
            let Some(s) = &d.sessions else {
                bail!(
                    "the last-sessions split needs sessions; {} has none",
                    d.source
                )
            };
            last_sessions(s, a.fraction)?
        }
        Method::Holdout => random_holdout(&counts(), a.fraction, a.min_items.unwrap_or(5), a.seed)?,
        Method::HideTop => hide_one_of_top_n(
            &counts(),
            a.n.unwrap_or(6),
            a.min_items.unwrap_or(10),
            a.seed,
        )?,
        Method::ColdStart => cold_start_artists(&counts(), a.fraction, a.seed)?,
    })
}

fn print_split(s: &Split, dir: &Path) {
    let part = |name: &str, t: &artist2vec::core::Interactions| {
        println!(
            "  {name:<10} {:>9} rows {:>7} users",
            t.len(),
            users_of(t).len()
        );
    };
    println!("split written to {}:", dir.display());
    part("train", &s.train);
    if let Some(v) = &s.validation {
        part("validation", v);
    }
    part("test", &s.test);
}

#[derive(Args)]
pub struct StatsArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn stats(ui: &Ui, a: StatsArgs) -> Result<()> {
    let (d, f) = a.input.load(ui)?;
    let s = DatasetStats::of(&d);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        println!("format     {f}");
        print!("{s}");
    }
    Ok(())
}

#[derive(Args)]
pub struct DemoArgs {
    /// Working directory (default: a fresh temporary one, removed at the end unless --keep).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Keep the working directory.
    #[arg(long)]
    keep: bool,
    /// Size of the generated dataset.
    #[arg(long, value_enum, default_value = "small")]
    preset: Preset,
    /// Seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

pub fn demo(ui: &Ui, a: DemoArgs) -> Result<()> {
    let dir = a.dir.clone().unwrap_or_else(|| crate::scratch_dir("demo"));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let res = crate::demo::run(ui, &dir, a.preset.config().with_seed(a.seed));
    if a.dir.is_none() && !a.keep {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        println!("files kept in {}", dir.display());
    }
    res
}
