//! The outputs of `artist2vec run`: statistics against the reference, report.md,
//! results.json (no timings) and timings.json.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use artist2vec::core::AnyModel;
use artist2vec::metrics::protocols::{ProtocolScores, SubsampleRuns};
use artist2vec::stats::{
    MannWhitneyOptions, WilcoxonOptions, holm, mann_whitney_u, mean_confidence_interval,
    paired_t_test, welch_t_test, wilcoxon,
};
use serde::Serialize;
use serde_json::Value;

use super::data::Prepared;
use super::experiment::{
    Experiment, FitOn, ModelSpec, PairedTest, ProtocolSpec, RunsTest, Side, SignificanceSpec, Unit,
};
use super::score::MetricSpec;

/// A model's full-split outcome.
pub struct ModelResult {
    /// Entry name.
    pub name: String,
    /// Registry kind.
    pub model: String,
    /// Complete configuration.
    pub config: Value,
    /// Whether the configuration came from tuning.
    pub tuned: bool,
    /// Per-unit scores of each metric.
    pub scores: ProtocolScores,
}

/// One step's time.
#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    /// What.
    pub what: String,
    /// Seconds.
    pub seconds: f64,
    /// Loaded from the cache.
    pub cached: bool,
}

/// One row of a metric's table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    model: String,
    n: usize,
    mean: f64,
    ci95: [f64; 2],
    diff_to_reference: f64,
    p: Option<f64>,
    p_holm: Option<f64>,
}

/// A metric's table.
#[derive(Debug, Clone, Serialize)]
pub struct MetricTable {
    metric: String,
    definition: String,
    rows: Vec<Row>,
}

/// Everything computed.
pub struct Outcome {
    reference: String,
    test: String,
    tables: Vec<MetricTable>,
    models: Vec<ModelResult>,
    runs: Option<BTreeMap<String, BTreeMap<String, Vec<f64>>>>,
    runs_note: String,
}

fn definition(e: &Experiment, key: &str) -> String {
    match &e.protocol {
        ProtocolSpec::Holdout => MetricSpec::parse(key)
            .map(|m| m.definition())
            .unwrap_or_default(),
        ProtocolSpec::NextArtist { .. } => format!(
            "{key} per test session: the next artist predicted as the nearest neighbour of the current one (accuracy: top 1)"
        ),
        ProtocolSpec::SessionNextItem { .. } => format!(
            "{key} per test session, averaged over its steps: the history so far is the query, the next artist the one relevant item (map@k = 1/rank within the top k)"
        ),
        ProtocolSpec::ColdStart { .. } => format!(
            "{key} per cold artist: its warm neighbours from content only, judged by the artists its listeners played in training"
        ),
    }
}

fn p_or_one(r: anyhow::Result<f64>, same: bool) -> Result<f64> {
    match r {
        Ok(p) if p.is_finite() => Ok(p),
        // Identical scores: no evidence of a difference.
        _ if same => Ok(1.0),
        Ok(p) => Ok(p),
        Err(e) => Err(e),
    }
}

impl Outcome {
    /// Means, CIs and tests against the reference.
    pub fn compute(
        e: &Experiment,
        models: Vec<ModelResult>,
        runs: Option<&SubsampleRuns>,
    ) -> Result<Outcome> {
        let first = &e.metrics[0];
        let mean_of = |m: &ModelResult, k: &str| m.scores.get(k).map_or(f64::NAN, |s| s.mean());
        let reference = match e.reference.as_deref() {
            None => models[0].name.clone(),
            Some("best") => models
                .iter()
                .max_by(|a, b| mean_of(a, first).total_cmp(&mean_of(b, first)))
                .map(|m| m.name.clone())
                .unwrap_or_default(),
            Some(r) => r.to_owned(),
        };
        let ri = models
            .iter()
            .position(|m| m.name == reference)
            .context("reference model")?;
        let (test, alt) = match &e.significance {
            SignificanceSpec::Paired { test, alternative } => (
                format!(
                    "paired {} on the per-unit scores (unit: {}), {}",
                    match test {
                        PairedTest::Wilcoxon => "Wilcoxon signed-rank",
                        PairedTest::TTest => "t-test",
                    },
                    models[0].scores.unit,
                    side(*alternative)
                ),
                alternative.alternative(),
            ),
            SignificanceSpec::Subsample {
                unit,
                runs,
                fraction,
                test,
                alternative,
            } => (
                format!(
                    "{} on the per-run means of {runs} subsamples of {:.0} % of the {}, {}",
                    match test {
                        RunsTest::MannWhitney => "Mann–Whitney U",
                        RunsTest::TTest => "Welch t-test",
                    },
                    fraction * 100.0,
                    match unit {
                        Unit::Sessions => "training sessions (every model refitted on each)",
                        Unit::Users => "users (every model refitted on each)",
                        Unit::TestUnits => "test units (no refit)",
                    },
                    side(*alternative)
                ),
                alternative.alternative(),
            ),
        };
        let mut tables = Vec::new();
        for key in &e.metrics {
            let rs = models[ri].scores.get(key).context("reference scores")?;
            let mut rows = Vec::new();
            let mut ps = Vec::new();
            for (i, m) in models.iter().enumerate() {
                let s = m.scores.get(key).context("scores")?;
                let finite: Vec<f64> = s.values.iter().copied().filter(|v| v.is_finite()).collect();
                let ci = mean_confidence_interval(&finite, 0.95)
                    .map(|c| [c.low, c.high])
                    .unwrap_or([f64::NAN; 2]);
                let p = if i == ri {
                    None
                } else {
                    Some(match (&e.significance, runs) {
                        (SignificanceSpec::Paired { test, .. }, _) => {
                            if s.ids != rs.ids {
                                anyhow::bail!(
                                    "{} and {} were scored on different units; a paired test needs the same",
                                    m.name,
                                    reference
                                );
                            }
                            let same = s.values == rs.values;
                            let r = match test {
                                PairedTest::Wilcoxon => wilcoxon(
                                    &s.values,
                                    &rs.values,
                                    &WilcoxonOptions::new().with_alternative(alt),
                                )
                                .map(|w| w.p_value)
                                .map_err(anyhow::Error::from),
                                PairedTest::TTest => paired_t_test(&s.values, &rs.values, alt)
                                    .map(|t| t.p_value)
                                    .map_err(anyhow::Error::from),
                            };
                            p_or_one(r, same)?
                        }
                        (SignificanceSpec::Subsample { test, .. }, Some(runs)) => {
                            let x = runs.means(&m.name, key).context("run means")?;
                            let y = runs.means(&reference, key).context("run means")?;
                            let r = match test {
                                RunsTest::MannWhitney => mann_whitney_u(
                                    x,
                                    y,
                                    &MannWhitneyOptions::new().with_alternative(alt),
                                )
                                .map(|w| w.p_value)
                                .map_err(anyhow::Error::from),
                                RunsTest::TTest => welch_t_test(x, y, alt)
                                    .map(|t| t.p_value)
                                    .map_err(anyhow::Error::from),
                            };
                            p_or_one(r, x == y)?
                        }
                        _ => f64::NAN,
                    })
                };
                if let Some(p) = p {
                    ps.push(p);
                }
                rows.push(Row {
                    model: m.name.clone(),
                    n: s.len(),
                    mean: s.mean(),
                    ci95: ci,
                    diff_to_reference: s.mean() - rs.mean(),
                    p,
                    p_holm: None,
                });
            }
            let corrected = if ps.is_empty() {
                Vec::new()
            } else {
                holm(&ps)?
            };
            let mut it = corrected.into_iter();
            for r in rows.iter_mut().filter(|r| r.p.is_some()) {
                r.p_holm = it.next();
            }
            tables.push(MetricTable {
                metric: key.clone(),
                definition: definition(e, key),
                rows,
            });
        }
        let runs_note = runs.map_or(String::new(), |r| {
            format!(
                "{} subsamples of {} units each (seed {})",
                r.config.runs, r.subsample_size, r.config.seed
            )
        });
        Ok(Outcome {
            reference,
            test,
            tables,
            models,
            runs: runs.map(|r| r.means.clone()),
            runs_note,
        })
    }

    /// One line for the terminal.
    pub fn summary_line(&self) -> String {
        let t = &self.tables[0];
        let best = t.rows.iter().max_by(|a, b| a.mean.total_cmp(&b.mean));
        let mut s = format!("{}:", t.metric);
        for r in &t.rows {
            let _ = write!(s, " {} {:.4}", r.model, r.mean);
            if let Some(p) = r.p_holm {
                let _ = write!(s, " (Holm p {})", fmt_p(Some(p)));
            }
            s.push(';');
        }
        if let Some(b) = best {
            let _ = write!(s, " best {}; reference {}", b.model, self.reference);
        }
        s
    }
}

fn side(s: Side) -> &'static str {
    match s {
        Side::TwoSided => "two-sided",
        Side::Greater => "one-sided (model > reference)",
        Side::Less => "one-sided (model < reference)",
    }
}

fn fmt_p(p: Option<f64>) -> String {
    match p {
        None => "—".into(),
        Some(p) if p.is_nan() => "n/a".into(),
        Some(p) if p < 1e-3 => format!("{p:.2e}"),
        Some(p) => format!("{p:.4}"),
    }
}

/// Neighbour lists of one artist: model → names (or a note).
pub type Neighbours = BTreeMap<String, Vec<String>>;

/// The neighbour lists the experiment asks for.
pub fn neighbours(
    e: &Experiment,
    specs: &[ModelSpec],
    fitted: &[AnyModel],
) -> Result<Vec<(String, Neighbours)>> {
    let Some(n) = &e.neighbours else {
        return Ok(Vec::new());
    };
    let Some(first) = fitted.first() else {
        return Ok(Vec::new());
    };
    let mut queries: Vec<String> = n.artists.clone();
    if n.most_popular > 0 {
        let l = first.listeners();
        let mut order: Vec<u32> = (0..l.len() as u32).collect();
        order.sort_by(|&a, &b| l[b as usize].cmp(&l[a as usize]).then(a.cmp(&b)));
        for &a in order.iter().take(n.most_popular) {
            queries.push(first.items().id(a).to_owned());
        }
    }
    let mut out = Vec::new();
    for q in queries {
        let mut per: Neighbours = BTreeMap::new();
        let mut title = q.clone();
        for (spec, m) in specs.iter().zip(fitted) {
            let list = match m.artist(&q) {
                Err(_) => vec!["(not in the data)".to_owned()],
                Ok(_) if m.similarity().is_none() => {
                    vec!["(this model has no artist similarity)".to_owned()]
                }
                Ok(ix) => {
                    title = format!("{} ({})", m.items().name(ix), m.items().id(ix));
                    match m.similar_min_listeners(ix, n.k, n.min_listeners) {
                        Ok(v) => v
                            .iter()
                            .map(|nb| m.items().name(nb.item).to_owned())
                            .collect(),
                        Err(err) => vec![format!("({err})")],
                    }
                }
            };
            per.insert(spec.name.clone(), list);
        }
        out.push((title, per));
    }
    Ok(out)
}

#[derive(Serialize)]
struct ResultsJson<'a> {
    experiment: &'a str,
    seed: u64,
    data: &'a [String],
    split: &'a super::experiment::SplitSpec,
    protocol: &'a ProtocolSpec,
    significance: &'a SignificanceSpec,
    test: &'a str,
    reference: &'a str,
    models: Vec<ModelJson<'a>>,
    results: &'a [MetricTable],
    #[serde(skip_serializing_if = "Option::is_none")]
    subsample_runs: Option<&'a BTreeMap<String, BTreeMap<String, Vec<f64>>>>,
    neighbours: Vec<(&'a str, &'a Neighbours)>,
}

#[derive(Serialize)]
struct ModelJson<'a> {
    name: &'a str,
    model: &'a str,
    tuned: bool,
    config: &'a Value,
    unit: &'a str,
    skipped: &'a [(String, usize)],
}

/// Writes report.md, results.json and timings.json.
pub fn write_outputs(
    out: &Path,
    e: &Experiment,
    p: &Prepared,
    o: &Outcome,
    nb: &[(String, Neighbours)],
    timings: &[Timing],
    file: &Path,
) -> Result<()> {
    let results = ResultsJson {
        experiment: &e.name,
        seed: e.seed,
        data: &p.summary,
        split: &e.split,
        protocol: &e.protocol,
        significance: &e.significance,
        test: &o.test,
        reference: &o.reference,
        models: o
            .models
            .iter()
            .map(|m| ModelJson {
                name: &m.name,
                model: &m.model,
                tuned: m.tuned,
                config: &m.config,
                unit: &m.scores.unit,
                skipped: &m.scores.skipped,
            })
            .collect(),
        results: &o.tables,
        subsample_runs: o.runs.as_ref(),
        neighbours: nb.iter().map(|(a, n)| (a.as_str(), n)).collect(),
    };
    let w = |name: &str, text: String| {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    };
    w(
        "results.json",
        serde_json::to_string_pretty(&results)? + "\n",
    )?;
    w(
        "timings.json",
        serde_json::to_string_pretty(timings)? + "\n",
    )?;

    let mut r = String::new();
    let _ = writeln!(r, "# {}\n", e.name);
    if !e.description.is_empty() {
        let _ = writeln!(r, "{}\n", e.description);
    }
    let _ = writeln!(
        r,
        "Experiment file: `{}`; seed {}.\n",
        file.display(),
        e.seed
    );
    let _ = writeln!(r, "## Data\n");
    for l in &p.summary {
        let _ = writeln!(r, "- {l}");
    }
    let _ = writeln!(r, "\n## Protocol and metrics\n");
    let _ = writeln!(r, "Protocol: `{}`.\n", serde_json::to_string(&e.protocol)?);
    for t in &o.tables {
        let _ = writeln!(r, "- `{}`: {}", t.metric, t.definition);
    }
    let _ = writeln!(
        r,
        "\nSignificance: {}; reference **{}**; p-values Holm-corrected over the comparisons with the reference, per metric.\n",
        o.test, o.reference
    );
    let _ = writeln!(
        r,
        "## Models\n\n| name | model | configuration |\n|---|---|---|"
    );
    for m in &o.models {
        let tuned = if m.tuned {
            format!(" (tuned on validation: `tune/{}/trials.md`)", m.name)
        } else {
            String::new()
        };
        let fit_on = match e.models.iter().find(|x| x.name == m.name).map(|x| x.fit_on) {
            Some(FitOn::Plays) => " (fitted on the training plays with the artists' tags)",
            _ => "",
        };
        let _ = writeln!(
            r,
            "| {} | {} | `{}`{tuned}{fit_on} |",
            m.name,
            m.model,
            serde_json::to_string(&m.config)?
        );
    }
    let _ = writeln!(r, "\n## Results\n");
    for t in &o.tables {
        let _ = writeln!(r, "### {}\n\n{}\n", t.metric, t.definition);
        let _ = writeln!(
            r,
            "| model | n | mean | 95 % CI | Δ vs {} | p | Holm p |\n|---|---:|---:|---|---:|---:|---:|",
            o.reference
        );
        for row in &t.rows {
            let _ = writeln!(
                r,
                "| {} | {} | {:.4} | [{:.4}, {:.4}] | {:+.4} | {} | {} |",
                row.model,
                row.n,
                row.mean,
                row.ci95[0],
                row.ci95[1],
                row.diff_to_reference,
                fmt_p(row.p),
                fmt_p(row.p_holm)
            );
        }
        r.push('\n');
    }
    let skipped: Vec<String> = o
        .models
        .iter()
        .flat_map(|m| {
            m.scores
                .skipped
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(move |(w, n)| format!("{}: {n} {w}", m.name))
        })
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(r, "Skipped units: {}.\n", skipped.join("; "));
    }
    if let Some(runs) = &o.runs {
        let _ = writeln!(
            r,
            "## Subsample runs\n\n{}; mean of each run:\n",
            o.runs_note
        );
        let _ = writeln!(
            r,
            "| model | metric | mean of runs | 95 % CI of the run means | runs |\n|---|---|---:|---|---|"
        );
        for (model, per) in runs {
            for (metric, v) in per {
                if !e.metrics.contains(metric) {
                    continue;
                }
                let ci = mean_confidence_interval(v, 0.95)
                    .map(|c| format!("[{:.4}, {:.4}]", c.low, c.high))
                    .unwrap_or_default();
                let m = v.iter().sum::<f64>() / v.len().max(1) as f64;
                let list: Vec<String> = v.iter().map(|x| format!("{x:.4}")).collect();
                let _ = writeln!(
                    r,
                    "| {model} | {metric} | {m:.4} | {ci} | {} |",
                    list.join(", ")
                );
            }
        }
        r.push('\n');
    }
    if !nb.is_empty() {
        let _ = writeln!(r, "## Neighbours\n");
        for (artist, per) in nb {
            let _ = writeln!(r, "### {artist}\n\n| model | neighbours |\n|---|---|");
            for (model, list) in per {
                let _ = writeln!(r, "| {model} | {} |", list.join(", "));
            }
            r.push('\n');
        }
    }
    let _ = writeln!(
        r,
        "## Timings\n\n(wall clock of this run; not part of results.json)\n\n| step | seconds | from cache |\n|---|---:|---|"
    );
    for t in timings {
        let _ = writeln!(
            r,
            "| {} | {:.2} | {} |",
            t.what,
            t.seconds,
            if t.cached { "yes" } else { "" }
        );
    }
    w("report.md", r)?;
    Ok(())
}
