//! `artist2vec tune`: hyper-parameter search for one registry model, scored on a validation
//! split only.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use artist2vec::core::{NoProgress, TrainingData};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::score::{Holdout, MetricSpec};
use super::space::{Draw, Space, check_space, set_path};
use super::tpe::{Observation, TpeOptions, random_draws, tpe_draws};
use crate::progress::Ui;

/// Which sampler proposes the trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SamplerKind {
    /// Tree-structured Parzen Estimator (random for the first `tpe.startup_trials`).
    #[default]
    Tpe,
    /// Uniform random search.
    Random,
}

fn default_metric() -> String {
    "ndcg@10".into()
}
fn default_trials() -> usize {
    50
}
fn default_seed() -> u64 {
    42
}

/// A search: the model's fixed settings, the space, the objective and the budget. The `tune`
/// block of an experiment file's model entry has the same fields (without `model`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TuneSpec {
    /// The registry model (standalone search files; an experiment's entry names it itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Settings kept fixed (fields left out take the model's defaults).
    #[serde(default)]
    pub config: serde_json::Map<String, Value>,
    /// The parameters searched, by dotted path into the configuration.
    pub space: Space,
    /// The metric maximised on the validation split (`ndcg@10` unless given).
    #[serde(default = "default_metric")]
    pub metric: String,
    /// `tpe` (default) or `random`.
    #[serde(default)]
    pub sampler: SamplerKind,
    /// At most this many trials.
    #[serde(default = "default_trials")]
    pub trials: usize,
    /// No trial starts once this many seconds have passed, nor one that the previous trial's
    /// duration says would end past it.
    #[serde(default)]
    pub time_budget_s: Option<f64>,
    /// The sampler's seed.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// TPE's settings.
    #[serde(default)]
    pub tpe: TpeOptions,
}

impl TuneSpec {
    /// Checks everything that can be checked before any fit.
    pub fn check(&self, family: &dyn artist2vec::core::registry::ModelFamily) -> Result<()> {
        check_space(&self.space)?;
        MetricSpec::parse(&self.metric)?;
        self.tpe.check()?;
        if self.trials == 0 || self.trials > 100_000 {
            bail!("trials must be between 1 and 100000, found {}", self.trials);
        }
        if let Some(t) = self.time_budget_s {
            if !(t.is_finite() && t > 0.0) {
                bail!("time_budget_s must be a positive number of seconds, found {t}");
            }
        }
        // Every corner of the space must make a configuration the model accepts in form
        // (values may still be refused at fit time; such trials are recorded as failed).
        let mut probe = Value::Object(self.config.clone());
        for (name, d) in &self.space {
            let draw = match d.interval() {
                Some((a, _)) => Draw::Num(a),
                None => Draw::Index(0),
            };
            set_path(&mut probe, name, d.value(draw));
        }
        family
            .check_fit_json(&probe.to_string())
            .context("the search space's lowest corner is not a valid configuration")?;
        Ok(())
    }
}

/// One finished trial.
#[derive(Debug, Clone, Serialize)]
pub struct Trial {
    /// 1-based number.
    pub number: usize,
    /// Which sampler proposed it (`random` for TPE's startup trials).
    pub sampler: &'static str,
    /// The searched parameters' values.
    pub params: BTreeMap<String, Value>,
    /// The validation metric (absent when the fit failed).
    pub score: Option<f64>,
    /// Fit seconds.
    pub fit_s: f64,
    /// Scoring seconds.
    pub eval_s: f64,
    /// Why the trial failed.
    pub error: Option<String>,
}

/// The outcome of a search.
#[derive(Debug, Clone, Serialize)]
pub struct TuneResult {
    /// The registry model.
    pub model: String,
    /// The metric.
    pub metric: String,
    /// The sampler.
    pub sampler: SamplerKind,
    /// The best trial's number.
    pub best_trial: usize,
    /// The best validation score.
    pub best_score: f64,
    /// The best complete configuration (what `fit --config` reads).
    pub best_config: Value,
    /// Every trial.
    pub trials: Vec<Trial>,
    /// Why the search stopped.
    pub stopped: String,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Runs a search: fits through the registry on `train`, scores on `validation`.
pub fn tune(
    ui: &Ui,
    spec: &TuneSpec,
    model: &str,
    train: &TrainingData<'_>,
    validation: &Holdout,
) -> Result<TuneResult> {
    let registry = artist2vec::registry();
    let family = registry.get(model)?;
    spec.check(family)?;
    let metric = MetricSpec::parse(&spec.metric)?;
    let names: Vec<&String> = spec.space.keys().collect();
    let domains: Vec<_> = spec.space.values().collect();
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let mut history: Vec<Observation> = Vec::new();
    let mut trials: Vec<Trial> = Vec::new();
    let mut best: Option<(f64, usize, String)> = None;
    let start = Instant::now();
    let bar = if ui.quiet {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::new(spec.trials as u64);
        b.set_style(
            ProgressStyle::with_template(
                "tune {prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
            )
            .expect("valid template"),
        );
        b.set_prefix(family.name());
        b
    };
    let mut last_s = 0.0;
    let mut stopped = format!("trial budget ({} trials)", spec.trials);
    for number in 1..=spec.trials {
        if let Some(budget) = spec.time_budget_s {
            let el = start.elapsed().as_secs_f64();
            if el >= budget || (number > 1 && el + last_s > budget) {
                stopped = format!(
                    "time budget ({budget} s; {el:.1} s used, the last trial took {last_s:.1} s)"
                );
                break;
            }
        }
        let (draws, who) = match spec.sampler {
            SamplerKind::Random => (random_draws(&domains, &mut rng), "random"),
            SamplerKind::Tpe => {
                let who = if history.len() < spec.tpe.startup_trials.max(2) {
                    "random"
                } else {
                    "tpe"
                };
                (tpe_draws(&domains, &history, &spec.tpe, &mut rng), who)
            }
        };
        let mut cfg = Value::Object(spec.config.clone());
        let mut params = BTreeMap::new();
        for ((name, d), &x) in names.iter().zip(&domains).zip(&draws) {
            let v = d.value(x);
            set_path(&mut cfg, name, v.clone());
            params.insert((*name).clone(), v);
        }
        // The sampler learns from the values actually used (rounded integers, clamped floats).
        let used: Vec<Draw> = names
            .iter()
            .zip(&domains)
            .zip(&draws)
            .map(|((n, d), &x)| d.draw_of(&params[*n]).unwrap_or(x))
            .collect();
        let json = cfg.to_string();
        let t = Instant::now();
        let fitted = family.fit(Some(&json), train, &NoProgress);
        let fit_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let outcome = fitted.map_err(anyhow::Error::from).and_then(|m| {
            let s = validation.scores(&m, &[metric])?;
            let mean = s[0].mean();
            if mean.is_nan() {
                bail!("the metric is undefined (NaN) on this validation split");
            }
            Ok(mean)
        });
        let eval_s = t.elapsed().as_secs_f64();
        last_s = fit_s + eval_s;
        let (score, error) = match outcome {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(crate::error_chain(&e))),
        };
        history.push(Observation {
            draws: used,
            score: score.unwrap_or(f64::NEG_INFINITY),
        });
        if let Some(s) = score {
            if best.as_ref().is_none_or(|(b, _, _)| s > *b) {
                best = Some((s, number, json.clone()));
            }
        }
        bar.inc(1);
        if let Some((b, n, _)) = &best {
            bar.set_message(format!("best {} {b:.4} (trial {n})", spec.metric));
        }
        if !ui.quiet {
            bar.suspend(|| {
                eprintln!(
                    "trial {number:>3} {who:<6} {} → {} ({fit_s:.1} s)",
                    serde_json::to_string(&params).unwrap_or_default(),
                    match (score, &error) {
                        (Some(s), _) => format!("{} {s:.4}", spec.metric),
                        (None, Some(e)) => format!("failed: {e}"),
                        _ => String::new(),
                    }
                )
            });
        }
        trials.push(Trial {
            number,
            sampler: who,
            params,
            score,
            fit_s,
            eval_s,
            error,
        });
    }
    bar.finish_and_clear();
    let Some((best_score, best_trial, best_json)) = best else {
        bail!(
            "every trial failed; the first error: {}",
            trials
                .first()
                .and_then(|t| t.error.clone())
                .unwrap_or_default()
        );
    };
    let best_config: Value = serde_json::from_str(&family.check_config_json(&best_json)?)?;
    Ok(TuneResult {
        model: family.name().to_owned(),
        metric: spec.metric.clone(),
        sampler: spec.sampler,
        best_trial,
        best_score,
        best_config,
        trials,
        stopped,
        seconds: start.elapsed().as_secs_f64(),
    })
}

impl TuneResult {
    /// The trials as TSV: number, sampler, one column per parameter, the score, seconds, error.
    pub fn trials_tsv(&self) -> String {
        let params: Vec<&String> = self
            .trials
            .first()
            .map(|t| t.params.keys().collect())
            .unwrap_or_default();
        let mut s = String::from("trial\tsampler");
        for p in &params {
            let _ = write!(s, "\t{p}");
        }
        let _ = writeln!(s, "\t{}\tfit_s\teval_s\terror", self.metric);
        for t in &self.trials {
            let _ = write!(s, "{}\t{}", t.number, t.sampler);
            for p in &params {
                let _ = write!(s, "\t{}", cell(&t.params[*p]));
            }
            let score = t.score.map_or(String::new(), |v| format!("{v:.6}"));
            let err = t
                .error
                .clone()
                .unwrap_or_default()
                .replace(['\t', '\n'], " ");
            let _ = writeln!(s, "\t{score}\t{:.3}\t{:.3}\t{err}", t.fit_s, t.eval_s);
        }
        s
    }

    /// The trials as a markdown table, the best in bold.
    pub fn trials_markdown(&self) -> String {
        let params: Vec<&String> = self
            .trials
            .first()
            .map(|t| t.params.keys().collect())
            .unwrap_or_default();
        let mut s = format!(
            "{} trials of {} ({} sampler), validation {}; best: trial {} ({:.4}). Stopped by the {}; {:.1} s.\n\n| trial | sampler |",
            self.trials.len(),
            self.model,
            match self.sampler {
                SamplerKind::Tpe => "TPE",
                SamplerKind::Random => "random",
            },
            self.metric,
            self.best_trial,
            self.best_score,
            self.stopped,
            self.seconds
        );
        for p in &params {
            let _ = write!(s, " {p} |");
        }
        let _ = writeln!(s, " {} | fit s |", self.metric);
        s.push_str("|---:|---|");
        for _ in &params {
            s.push_str("---:|");
        }
        s.push_str("---:|---:|\n");
        for t in &self.trials {
            let b = if t.number == self.best_trial {
                "**"
            } else {
                ""
            };
            let _ = write!(s, "| {b}{}{b} | {} |", t.number, t.sampler);
            for p in &params {
                let _ = write!(s, " {} |", cell(&t.params[*p]));
            }
            let score = match (t.score, &t.error) {
                (Some(v), _) => format!("{b}{v:.4}{b}"),
                (None, Some(e)) => format!("failed: {}", e.replace('|', "/")),
                _ => String::new(),
            };
            let _ = writeln!(s, " {score} | {:.1} |", t.fit_s);
        }
        s
    }

    /// Writes best.json (for `fit --config`), trials.tsv, trials.md and tune.json into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let w = |name: &str, text: String| {
            let p = dir.join(name);
            std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))
        };
        w(
            "best.json",
            serde_json::to_string_pretty(&self.best_config)? + "\n",
        )?;
        w("trials.tsv", self.trials_tsv())?;
        w("trials.md", self.trials_markdown())?;
        w("tune.json", serde_json::to_string_pretty(self)? + "\n")?;
        Ok(())
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// Reads a JSON file into `T`, naming file, line and column on error.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: {}",
            path.display(),
            e.line(),
            e.column(),
            artist2vec::core::shorten_quotes(&e.to_string())
        )
    })
}

#[derive(Args)]
#[command(after_help = "\
The search file is JSON: {\"model\": \"als\", \"config\": {fixed settings}, \"space\": {\"factors\": \
{\"type\": \"int\", \"low\": 16, \"high\": 256, \"log\": true}, \"regularization\": {\"type\": \"float\", \
\"low\": 1, \"high\": 300, \"log\": true}, \"weighting.kind\": {\"type\": \"choice\", \"values\": [\"log1p\", \
\"raw\"]}}, \"metric\": \"ndcg@10\", \"sampler\": \"tpe\", \"trials\": 50, \"time_budget_s\": 600, \"seed\": 42, \
\"tpe\": {\"startup_trials\": 10, \"candidates\": 24, \"gamma\": 0.25}}. An experiment file (with \"models\") \
works too: every model entry with a \"tune\" block (or the one named by --model) is searched on the \
experiment's validation split. Writes OUT/best.json (the complete configuration, for `fit --config`), \
OUT/trials.tsv, OUT/trials.md and OUT/tune.json.")]
pub struct TuneArgs {
    /// Search file (or experiment file) in JSON.
    spec: PathBuf,
    /// A split directory holding train.tsv and test.tsv: the test part is the validation set
    /// (e.g. splits/hetrec-seed42-val). Or give --train and --validation.
    #[arg(long, conflicts_with_all = ["train", "validation"])]
    split: Option<PathBuf>,
    /// Training TSV (or any dataset `fit` reads).
    #[arg(long, requires = "validation")]
    train: Option<PathBuf>,
    /// Validation TSV (`user\titem\tweight`, header).
    #[arg(long, requires = "train")]
    validation: Option<PathBuf>,
    /// Idle gap in minutes that ends a session, for a training TSV with timestamps.
    #[arg(long, default_value_t = 30)]
    session_gap: u32,
    /// Override the file's trial budget.
    #[arg(long)]
    trials: Option<usize>,
    /// Override the file's time budget (seconds).
    #[arg(long)]
    time_budget: Option<f64>,
    /// Override the file's sampler.
    #[arg(long, value_enum)]
    sampler: Option<SamplerKind>,
    /// Override the file's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// In an experiment file: the model entry (its name) to search.
    #[arg(long)]
    model: Option<String>,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
}

impl TuneArgs {
    fn apply(&self, spec: &mut TuneSpec) {
        if let Some(t) = self.trials {
            spec.trials = t;
        }
        if let Some(t) = self.time_budget {
            spec.time_budget_s = Some(t);
        }
        if let Some(s) = self.sampler {
            spec.sampler = s;
        }
        if let Some(s) = self.seed {
            spec.seed = s;
        }
    }
}

/// The `tune` command.
pub fn tune_cmd(ui: &Ui, a: TuneArgs) -> Result<()> {
    let raw: Value = read_json(&a.spec)?;
    if raw.get("models").is_some() {
        return super::run::tune_experiment(ui, &a.spec, a.model.as_deref(), &a.out, &|s| {
            a.apply(s)
        });
    }
    let mut spec: TuneSpec = read_json(&a.spec)?;
    a.apply(&mut spec);
    let model = spec
        .model
        .clone()
        .with_context(|| format!("{}: the search file names no \"model\"", a.spec.display()))?;
    let registry = artist2vec::registry();
    spec.check(registry.get(&model)?)
        .with_context(|| format!("in {}", a.spec.display()))?;
    let (train_path, val_path) = match (&a.split, &a.train, &a.validation) {
        (Some(d), _, _) => (d.join("train.tsv"), d.join("test.tsv")),
        (None, Some(t), Some(v)) => (t.clone(), v.clone()),
        _ => bail!("give the data: --split DIR (train.tsv + test.tsv) or --train and --validation"),
    };
    let train = crate::model_cmds::read_training(ui, &train_path, a.session_gap)?;
    let mut val = artist2vec::core::Interactions::default();
    artist2vec::data::split::read_tsv_into(&val_path, &mut val)?;
    let holdout =
        Holdout::new(&train.rows, &val).with_context(|| format!("in {}", val_path.display()))?;
    let data = match &train.sessions {
        Some(s) => TrainingData::with_sessions(&train.rows, s)?,
        None => TrainingData::new(&train.rows),
    };
    ui.say(format!(
        "searching {model} on {} ({} users) scored by {} on {} ({} users), {} sampler, seed {}",
        train_path.display(),
        train.rows.n_users(),
        spec.metric,
        val_path.display(),
        holdout.len(),
        match spec.sampler {
            SamplerKind::Tpe => "TPE",
            SamplerKind::Random => "random",
        },
        spec.seed
    ));
    let res = tune(ui, &spec, &model, &data, &holdout)?;
    res.write(&a.out)?;
    print_summary(&res, &a.out);
    Ok(())
}

/// Prints the best trial and where the files went.
pub fn print_summary(res: &TuneResult, out: &Path) {
    let best = &res.trials[res.best_trial - 1];
    println!(
        "{}: best validation {} {:.4} at trial {} of {} ({:.1} s; stopped by the {}): {}",
        res.model,
        res.metric,
        res.best_score,
        res.best_trial,
        res.trials.len(),
        res.seconds,
        res.stopped,
        serde_json::to_string(&best.params).unwrap_or_default()
    );
    println!(
        "best configuration → {} (artist2vec fit --model {} --config {}); trials → {}",
        out.join("best.json").display(),
        res.model,
        out.join("best.json").display(),
        out.join("trials.md").display()
    );
}
