//! `artist2vec run`: executes an experiment file — tuning where asked, fits (cached), the
//! protocol, the significance design — and writes report.md, results.json, timings.json and
//! the models.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use std::sync::atomic::{AtomicUsize, Ordering};

use artist2vec::core::{
    AnyModel, ArtistContent, CoreError, Interactions, Neighbor, Recommender, SimilarArtists,
};
use artist2vec::metrics::Scores;
use artist2vec::metrics::protocols::{
    NextArtistConfig, ProtocolScores, SessionNextItemConfig, SubsampleConfig, cold_start,
    next_artist, session_next_item, subsample_retrain,
};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use super::cache::{Cache, content_key, data_key};
use super::data::{Prepared, Train, prepare_data, subset_train};
use super::experiment::{Experiment, ModelSpec, ProtocolSpec, SignificanceSpec, Unit};
use super::report::{ModelResult, Outcome, Timing, write_outputs};
use super::score::{Holdout, MetricSpec};
use super::tune::{TuneResult, TuneSpec, tune};
use crate::progress::Ui;

#[derive(Args)]
#[command(after_help = "\
Writes OUT/report.md (means, 95 % CIs, Holm-corrected p-values against the reference, \
neighbour lists), OUT/results.json (no timings: byte-identical on a rerun with the same seed for \
deterministic models), OUT/timings.json, OUT/models/NAME.a2v, and tuning tables under OUT/tune/. \
Fits are cached in OUT/cache keyed by a hash of the training data, the model and its complete \
configuration: a rerun into the same OUT refits nothing. Example files: examples/experiments/.")]
pub struct RunArgs {
    /// Experiment file (JSON).
    experiment: PathBuf,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
    /// Use this dataset instead of the file's data.path (e.g. a real 30Music idomaar
    /// directory or a Last.fm-1K TSV).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Override the file's seed.
    #[arg(long)]
    seed: Option<u64>,
}

/// A model's complete configuration JSON: the entry's settings, with the experiment's seed
/// where the model has a seed and the entry does not set it.
fn config_of(m: &ModelSpec, extra: Option<&Value>, seed: u64) -> Result<String> {
    let registry = artist2vec::registry();
    let family = registry.get(&m.model)?;
    let defaults: Value = serde_json::from_str(&family.default_config_json())?;
    let mut cfg = Value::Object(m.config.clone());
    if let Some(Value::Object(x)) = extra {
        if let Value::Object(c) = &mut cfg {
            c.extend(x.clone());
        }
    }
    if defaults.get("seed").is_some() && cfg.get("seed").is_none() {
        cfg["seed"] = Value::from(seed);
    }
    Ok(family.check_config_json(&cfg.to_string())?)
}

struct Ctx<'a> {
    ui: &'a Ui,
    cache: Cache,
    timings: Vec<Timing>,
    bar: ProgressBar,
}

impl Ctx<'_> {
    /// Fits through the registry, or loads the cached fit.
    fn fit(
        &mut self,
        label: &str,
        model: &str,
        config: &str,
        train: &Train,
        content: Option<&ArtistContent>,
    ) -> Result<AnyModel> {
        let registry = artist2vec::registry();
        let family = registry.get(model)?;
        let mut key = data_key(&train.rows, train.sessions.as_ref(), family.name(), config);
        if let Some(c) = content {
            key = content_key(&key, c);
        }
        self.bar.set_message(format!("fit {label}"));
        let t = Instant::now();
        let (m, cached) = match self.cache.load(&key)? {
            Some(m) => (m, true),
            None => {
                let mut data = train.data()?;
                if let Some(c) = content {
                    data = data.with_content(c);
                }
                let m = self.bar.suspend(|| {
                    self.ui.step(&format!("fit {label}"), |obs| {
                        Ok(family.fit(Some(config), &data, obs)?)
                    })
                })?;
                self.cache.store(&key, &m)?;
                (m, false)
            }
        };
        self.timings.push(Timing {
            what: format!("fit {label}"),
            seconds: t.elapsed().as_secs_f64(),
            cached,
        });
        self.bar.inc(1);
        Ok(m)
    }
}

/// Runs the protocol on one fitted model.
fn evaluate(
    e: &Experiment,
    p: &Prepared,
    test: &Interactions,
    test_seq: Option<&[Vec<u32>]>,
    model: &AnyModel,
) -> Result<ProtocolScores> {
    let pick = |s: ProtocolScores| -> Result<ProtocolScores> {
        let mut out = ProtocolScores {
            unit: s.unit.clone(),
            metrics: Vec::new(),
            skipped: s.skipped.clone(),
        };
        for m in &e.metrics {
            let v = s.get(m).with_context(|| {
                format!(
                    "metric {m:?} is not one of this protocol's: {}",
                    s.metrics
                        .iter()
                        .map(|(k, _)| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            out.metrics.push((m.clone(), v.clone()));
        }
        Ok(out)
    };
    Ok(match &e.protocol {
        ProtocolSpec::Holdout => {
            let specs: Vec<MetricSpec> = e
                .metrics
                .iter()
                .map(|m| MetricSpec::parse(m))
                .collect::<Result<_>>()?;
            let h = Holdout::new(&p.train.rows, test)?;
            let scores = h.scores(model, &specs)?;
            ProtocolScores {
                unit: "test user".into(),
                metrics: e.metrics.iter().cloned().zip(scores).collect(),
                skipped: Vec::new(),
            }
        }
        ProtocolSpec::NextArtist { k, remove_repeats } => {
            let cfg = NextArtistConfig {
                k: *k,
                remove_repeats: *remove_repeats,
            };
            let seqs = test_seq.context("no test sessions")?;
            pick(next_artist(model, seqs, model.n_items(), &cfg)?)?
        }
        ProtocolSpec::SessionNextItem {
            k,
            exclude_history,
            remove_repeats,
        } => {
            let cfg = SessionNextItemConfig {
                k: *k,
                exclude_history: *exclude_history,
                remove_repeats: *remove_repeats,
            };
            let seqs = test_seq.context("no test sessions")?;
            let mut trained = vec![false; model.n_items()];
            for &i in p.train.rows.item_col() {
                if let Some(t) = trained.get_mut(i as usize) {
                    *t = true;
                }
            }
            pick(session_next_item(model, seqs, Some(&trained), &cfg)?)?
        }
        ProtocolSpec::ColdStart { k } => {
            let lenient = NoVectorIsEmpty {
                model,
                missing: AtomicUsize::new(0),
            };
            let mut s = pick(cold_start(&lenient, &p.train_listens, test, *k)?)?;
            s.skipped.push((
                "cold artists without a content vector (no neighbours: scored 0)".into(),
                lenient.missing.load(Ordering::Relaxed),
            ));
            s
        }
    })
}

/// A content model whose missing vectors (an artist without tags) give empty neighbour lists
/// instead of an error, counted.
struct NoVectorIsEmpty<'a> {
    model: &'a AnyModel,
    missing: AtomicUsize,
}

impl SimilarArtists for NoVectorIsEmpty<'_> {
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<Neighbor>, CoreError> {
        match self.model.similar(artist, k) {
            Err(CoreError::Invalid(_)) => {
                self.missing.fetch_add(1, Ordering::Relaxed);
                Ok(Vec::new())
            }
            r => r,
        }
    }
}

fn mean_scores(s: &ProtocolScores, positions: &[u32]) -> ProtocolScores {
    let metrics = s
        .metrics
        .iter()
        .map(|(k, v)| {
            let values: Vec<f64> = positions.iter().map(|&i| v.values[i as usize]).collect();
            (
                k.clone(),
                Scores {
                    ids: positions.to_vec(),
                    values,
                },
            )
        })
        .collect();
    ProtocolScores {
        unit: s.unit.clone(),
        metrics,
        skipped: Vec::new(),
    }
}

/// Tunes one model entry on the validation pair; cached by data and search.
fn tune_entry(
    ctx: &mut Ctx<'_>,
    e: &Experiment,
    m: &ModelSpec,
    spec: &TuneSpec,
    p: &Prepared,
    out: &Path,
) -> Result<(Value, Option<TuneResult>)> {
    let (vtrain, vtest) = p.validation.as_ref().context(
        "this split has no validation part to tune on (cold start: tune is not available)",
    )?;
    let mut spec = spec.clone();
    let mut base = m.config.clone();
    base.extend(spec.config.clone());
    if base.get("seed").is_none() {
        let defaults: Value =
            serde_json::from_str(&artist2vec::registry().get(&m.model)?.default_config_json())?;
        if defaults.get("seed").is_some() {
            base.insert("seed".into(), Value::from(e.seed));
        }
    }
    spec.config = base;
    let key = data_key(
        &vtrain.rows,
        vtrain.sessions.as_ref(),
        &m.model,
        &serde_json::to_string(&spec)?,
    );
    let dir = out.join("tune").join(&m.name);
    if let Some(best) = ctx.cache.load_json(&format!("tune-{key}"))? {
        ctx.timings.push(Timing {
            what: format!("tune {}", m.name),
            seconds: 0.0,
            cached: true,
        });
        return Ok((best, None));
    }
    let t = Instant::now();
    let holdout = Holdout::new(&vtrain.rows, vtest)?;
    let data = vtrain.data()?;
    let res = ctx
        .bar
        .suspend(|| tune(ctx.ui, &spec, &m.model, &data, &holdout))?;
    res.write(&dir)?;
    ctx.cache
        .store_json(&format!("tune-{key}"), &res.best_config)?;
    ctx.timings.push(Timing {
        what: format!("tune {} ({} trials)", m.name, res.trials.len()),
        seconds: t.elapsed().as_secs_f64(),
        cached: false,
    });
    Ok((res.best_config.clone(), Some(res)))
}

/// The `run` command.
pub fn run_cmd(ui: &Ui, a: RunArgs) -> Result<()> {
    let start = Instant::now();
    let mut e = Experiment::load(&a.experiment)?;
    if let Some(s) = a.seed {
        e.seed = s;
    }
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let p = ui.step("prepare the data", |_| {
        prepare_data(&e, &a.experiment, a.data.as_deref())
    })?;
    for l in &p.summary {
        ui.say(l);
    }
    let n_steps = e.models.len() as u64
        * (1 + match &e.significance {
            SignificanceSpec::Subsample {
                unit: Unit::Sessions | Unit::Users,
                runs,
                ..
            } => *runs as u64,
            _ => 0,
        });
    let bar = if ui.quiet {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::new(n_steps);
        b.set_style(
            ProgressStyle::with_template(
                "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} fits {msg}",
            )
            .expect("valid template"),
        );
        b.set_prefix(e.name.clone());
        b
    };
    let mut ctx = Ctx {
        ui,
        cache: Cache::new(a.out.join("cache"))?,
        timings: Vec::new(),
        bar,
    };
    let test_seq: Option<Vec<Vec<u32>>> = p
        .test_sessions
        .as_ref()
        .map(|s| s.iter().map(|x| x.items.to_vec()).collect());

    // 1. Tune where asked, then fit and evaluate every model on the full split.
    let mut configs: Vec<String> = Vec::new();
    let mut tuned: BTreeMap<String, Value> = BTreeMap::new();
    for m in &e.models {
        let extra = match &m.tune {
            Some(spec) => {
                let (best, _) = tune_entry(&mut ctx, &e, m, spec, &p, &a.out)?;
                tuned.insert(m.name.clone(), best.clone());
                Some(best)
            }
            None => None,
        };
        configs.push(config_of(m, extra.as_ref(), e.seed)?);
    }
    let models_dir = a.out.join("models");
    std::fs::create_dir_all(&models_dir)?;
    let mut results: Vec<ModelResult> = Vec::new();
    let mut fitted: Vec<AnyModel> = Vec::new();
    for (m, cfg) in e.models.iter().zip(&configs) {
        let (train, content) = p.train_for(m.fit_on);
        let model = ctx.fit(&m.name, &m.model, cfg, &train, content)?;
        model.save(&models_dir.join(format!("{}.a2v", m.name)))?;
        let t = Instant::now();
        let scores = evaluate(&e, &p, &p.test, test_seq.as_deref(), &model)
            .with_context(|| format!("evaluating {}", m.name))?;
        ctx.timings.push(Timing {
            what: format!("evaluate {}", m.name),
            seconds: t.elapsed().as_secs_f64(),
            cached: false,
        });
        results.push(ModelResult {
            name: m.name.clone(),
            model: model.kind().to_owned(),
            config: serde_json::from_str(cfg)?,
            tuned: tuned.contains_key(&m.name),
            scores,
        });
        fitted.push(model);
    }

    // 2. The significance design.
    let names: Vec<&str> = e.models.iter().map(|m| m.name.as_str()).collect();
    let runs = match &e.significance {
        SignificanceSpec::Paired { .. } => None,
        SignificanceSpec::Subsample {
            unit,
            runs,
            fraction,
            ..
        } => {
            let cfg = SubsampleConfig::new(*runs, *fraction).with_seed(e.seed);
            Some(match unit {
                Unit::TestUnits => {
                    let n = results[0].scores.metrics[0].1.len() as u32;
                    let units: Vec<u32> = (0..n).collect();
                    subsample_retrain::<anyhow::Error, _>(&units, &cfg, &names, |model, _, sub| {
                        let i = names
                            .iter()
                            .position(|x| *x == model)
                            .expect("a listed model");
                        Ok(mean_scores(&results[i].scores, sub))
                    })?
                }
                Unit::Sessions | Unit::Users => {
                    let units: Vec<u32> = match unit {
                        Unit::Sessions => {
                            (0..p.train.sessions.as_ref().map_or(0, |s| s.len()) as u32).collect()
                        }
                        _ => {
                            let mut u: Vec<u32> = p.train.rows.user_col().to_vec();
                            u.sort_unstable();
                            u.dedup();
                            u
                        }
                    };
                    if units.is_empty() {
                        bail!("no {unit:?} to subsample");
                    }
                    subsample_retrain::<anyhow::Error, _>(
                        &units,
                        &cfg,
                        &names,
                        |model, run, sub| {
                            let i = names
                                .iter()
                                .position(|x| *x == model)
                                .expect("a listed model");
                            let (train, test) = match unit {
                                Unit::Sessions => {
                                    (subset_train(&p.train, Some(sub), None), p.test.clone())
                                }
                                _ => {
                                    let keep: HashSet<u32> = sub.iter().copied().collect();
                                    let mut t = p.test.clone();
                                    t.retain(|r| keep.contains(&r.user));
                                    (subset_train(&p.train, None, Some(sub)), t)
                                }
                            };
                            let label = format!("{model} (subsample {})", run + 1);
                            let fitted =
                                ctx.fit(&label, &e.models[i].model, &configs[i], &train, None)?;
                            let sub_p = Prepared {
                                train: train.clone(),
                                train_listens: train.rows.clone(),
                                test: test.clone(),
                                test_sessions: None,
                                validation: None,
                                summary: Vec::new(),
                                content: None,
                            };
                            evaluate(&e, &sub_p, &test, test_seq.as_deref(), &fitted)
                        },
                    )?
                }
            })
        }
    };
    ctx.bar.finish_and_clear();
    let outcome = Outcome::compute(&e, results, runs.as_ref())?;
    let neighbours = super::report::neighbours(&e, &e.models, &fitted)?;
    ctx.timings.push(Timing {
        what: "total".into(),
        seconds: start.elapsed().as_secs_f64(),
        cached: false,
    });
    write_outputs(
        &a.out,
        &e,
        &p,
        &outcome,
        &neighbours,
        &ctx.timings,
        &a.experiment,
    )?;
    println!("{}", outcome.summary_line());
    println!(
        "report → {}; results → {} ({:.1} s, {} of {} fits from the cache)",
        a.out.join("report.md").display(),
        a.out.join("results.json").display(),
        start.elapsed().as_secs_f64(),
        ctx.timings
            .iter()
            .filter(|t| t.cached && t.what.starts_with("fit"))
            .count(),
        ctx.timings
            .iter()
            .filter(|t| t.what.starts_with("fit"))
            .count()
    );
    Ok(())
}

/// `tune` on an experiment file: every model entry with a `tune` block (or the one named),
/// on the experiment's validation split.
pub fn tune_experiment(
    ui: &Ui,
    file: &Path,
    only: Option<&str>,
    out: &Path,
    apply: &dyn Fn(&mut TuneSpec),
) -> Result<()> {
    let e = Experiment::load(file)?;
    let p = ui.step("prepare the data", |_| prepare_data(&e, file, None))?;
    let (vtrain, vtest) = p
        .validation
        .as_ref()
        .context("this experiment's split has no validation part")?;
    let holdout = Holdout::new(&vtrain.rows, vtest)?;
    let data = vtrain.data()?;
    let mut any = false;
    for m in &e.models {
        if only.is_some_and(|o| o != m.name) {
            continue;
        }
        let Some(spec) = &m.tune else {
            if only.is_some() {
                bail!(
                    "model {:?} has no \"tune\" block in {}",
                    m.name,
                    file.display()
                );
            }
            continue;
        };
        let mut spec = spec.clone();
        let mut base = m.config.clone();
        base.extend(spec.config.clone());
        spec.config = base;
        apply(&mut spec);
        let res = tune(ui, &spec, &m.model, &data, &holdout)?;
        let dir = out.join(&m.name);
        res.write(&dir)?;
        super::tune::print_summary(&res, &dir);
        any = true;
    }
    if !any {
        bail!(
            "{}: no model entry has a \"tune\" block{}",
            file.display(),
            only.map_or(String::new(), |o| format!(" named {o:?}"))
        );
    }
    Ok(())
}
