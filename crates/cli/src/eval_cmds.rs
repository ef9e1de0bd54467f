//! The evaluation commands: `evaluate` (any tool's recommendations) and `compare` (significance
//! table over per-user scores).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use artist2vec::metrics::{EvalConfig, EvalReport, Metric, evaluate_files};
use artist2vec::stats::{
    Alternative, WilcoxonOptions, benjamini_hochberg, holm, mean_confidence_interval, wilcoxon,
};
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::progress::Ui;

#[derive(Args)]
pub struct EvaluateArgs {
    /// Training TSV (`user\titem\tweight`, header): items there are "seen" and may not be recommended.
    #[arg(long)]
    train: PathBuf,
    /// Test TSV (`user\titem\tweight`, header): the relevant items; its users are evaluated.
    #[arg(long)]
    test: PathBuf,
    /// Recommendations TSV (`user\titem\trank`, header), from any tool.
    #[arg(long)]
    recs: PathBuf,
    /// Cut-off K.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Where to write the per-user JSON (default: `eval_<recs name>.json` in the current directory).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn evaluate(ui: &Ui, a: EvaluateArgs) -> Result<()> {
    let cfg = EvalConfig::new(a.k);
    let rep = ui.step("evaluate", |_| {
        Ok(evaluate_files(&cfg, &a.train, &a.test, &a.recs)?)
    })?;
    for w in &rep.warnings {
        eprintln!("warning: {w}");
    }
    let out = a.out.clone().unwrap_or_else(|| {
        let stem = a
            .recs
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("recs");
        PathBuf::from(format!("eval_{}.json", stem.trim_start_matches("recs_")))
    });
    rep.save(&out)?;
    println!("{} test users, K = {}", rep.n_test_users, rep.k);
    for key in rep.mean.keys() {
        if let Some(v) = rep.mean.get(key) {
            println!("  {key:<14} {v:.6}");
        }
    }
    println!(
        "  {:<14} {:.6} ({} of {} training items)",
        "coverage", rep.coverage, rep.coverage_items, rep.catalogue_items
    );
    let notes = [
        (
            "test users without recommendations (score 0)",
            rep.n_users_without_recs,
        ),
        (
            "test users with fewer than K recommendations",
            rep.n_users_with_fewer_than_k,
        ),
        (
            "recommended items already in train (removed)",
            rep.leakage_items,
        ),
        ("duplicate recommendation rows (removed)", rep.duplicates),
        (
            "rows for users not in test (ignored)",
            rep.recs_for_non_test_users,
        ),
    ];
    for (what, n) in notes {
        if n > 0 {
            println!("  note: {n} {what}");
        }
    }
    println!("per-user values written to {}", out.display());
    Ok(())
}

/// Multiple-comparison correction of the p-values.
#[derive(Clone, Copy, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Correction {
    /// Holm's step-down (controls the family-wise error rate).
    Holm,
    /// Benjamini–Hochberg (controls the false discovery rate).
    Bh,
}

#[derive(Args)]
pub struct CompareArgs {
    /// Evaluation JSON files (from `artist2vec evaluate` or evaluate.py), two or more.
    #[arg(required = true, num_args = 2..)]
    files: Vec<PathBuf>,
    /// Metric key compared, as stored in the files: NAME@K (e.g. ndcg@10, hit_rate@20).
    #[arg(long, default_value = "ndcg@10")]
    metric: String,
    /// Reference model: a file path or a model name (file stem without `eval_`); default the first file.
    #[arg(long)]
    reference: Option<String>,
    /// Correction of the p-values over the comparisons with the reference.
    #[arg(long, value_enum, default_value = "holm")]
    correction: Correction,
    /// Also write the table as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// One row of the comparison table.
#[derive(Serialize)]
pub struct Row {
    model: String,
    file: String,
    n: usize,
    mean: f64,
    ci95_low: f64,
    ci95_high: f64,
    diff_to_reference: f64,
    wilcoxon_p: Option<f64>,
    corrected_p: Option<f64>,
}

/// The comparison, as written with `--json`.
#[derive(Serialize)]
pub struct Table {
    metric: String,
    reference: String,
    test: &'static str,
    correction: Correction,
    rows: Vec<Row>,
}

fn model_name(p: &Path) -> String {
    let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
    stem.strip_prefix("eval_").unwrap_or(stem).to_owned()
}

pub fn compare(_ui: &Ui, a: CompareArgs) -> Result<()> {
    if Metric::parse_key(&a.metric).is_none() {
        bail!(
            "--metric {:?} is not a metric key: expected NAME@K with NAME one of {}",
            a.metric,
            Metric::names()
        );
    }
    let reports: Vec<EvalReport> = a
        .files
        .iter()
        .map(|p| EvalReport::load(p).with_context(|| format!("reading {}", p.display())))
        .collect::<Result<_>>()?;
    let names: Vec<String> = a.files.iter().map(|p| model_name(p)).collect();
    let r = match &a.reference {
        None => 0,
        Some(x) => match a
            .files
            .iter()
            .position(|p| p.as_os_str() == x.as_str())
            .or_else(|| names.iter().position(|n| n == x))
        {
            Some(i) => i,
            None => bail!(
                "reference {x:?} is neither one of the files nor a model name ({})",
                names.join(", ")
            ),
        },
    };
    let mut scores = Vec::new();
    for (rep, p) in reports.iter().zip(&a.files) {
        let s = rep.scores_by_key(&a.metric).with_context(|| {
            let keys: Vec<&str> = rep.per_user.keys().collect();
            format!(
                "{}: no per-user values for {:?} (it has {keys:?})",
                p.display(),
                a.metric
            )
        })?;
        if s.is_empty() {
            bail!("{}: no users to compare", p.display());
        }
        if let Some(bad) = s.values.iter().find(|v| !v.is_finite()) {
            bail!(
                "{}: per-user {} holds a non-finite value ({bad})",
                p.display(),
                a.metric
            );
        }
        scores.push(s);
    }
    for (s, p) in scores.iter().zip(&a.files) {
        if s.ids != scores[r].ids {
            bail!(
                "{} and {} were evaluated on different users ({} vs {}); a paired comparison needs the same test set",
                p.display(),
                a.files[r].display(),
                s.len(),
                scores[r].len()
            );
        }
    }
    let reference = &scores[r].values;
    let mut rows = Vec::new();
    let mut ps = Vec::new();
    for (i, s) in scores.iter().enumerate() {
        let ci = mean_confidence_interval(&s.values, 0.95)?;
        let p = if i == r {
            None
        } else {
            let w = wilcoxon(
                &s.values,
                reference,
                &WilcoxonOptions::new().with_alternative(Alternative::TwoSided),
            );
            match w {
                Ok(w) => Some(w.p_value),
                // All differences zero: no evidence of a difference.
                Err(e) if s.values == *reference => {
                    eprintln!(
                        "note: {} equals the reference on every user ({e}); p = 1",
                        names[i]
                    );
                    Some(1.0)
                }
                Err(e) => return Err(e.into()),
            }
        };
        if let Some(p) = p {
            ps.push(p);
        }
        rows.push(Row {
            model: names[i].clone(),
            file: a.files[i].display().to_string(),
            n: s.len(),
            mean: s.mean(),
            ci95_low: ci.low,
            ci95_high: ci.high,
            diff_to_reference: s.mean() - scores[r].mean(),
            wilcoxon_p: p,
            corrected_p: None,
        });
    }
    let corrected = match a.correction {
        Correction::Holm => holm(&ps)?,
        Correction::Bh => benjamini_hochberg(&ps)?,
    };
    let mut it = corrected.into_iter();
    for row in rows.iter_mut() {
        if row.wilcoxon_p.is_some() {
            row.corrected_p = it.next();
        }
    }
    let table = Table {
        metric: a.metric.clone(),
        reference: names[r].clone(),
        test: "paired Wilcoxon signed-rank, two-sided (zero_method wilcox, scipy's auto method)",
        correction: a.correction,
        rows,
    };
    print_markdown(&table);
    if let Some(p) = &a.json {
        std::fs::write(p, serde_json::to_string_pretty(&table)?)
            .with_context(|| format!("writing {}", p.display()))?;
        println!("\nwritten to {}", p.display());
    }
    Ok(())
}

fn fmt_p(p: Option<f64>) -> String {
    match p {
        None => "—".into(),
        Some(p) if p < 1e-3 => format!("{p:.2e}"),
        Some(p) => format!("{p:.4}"),
    }
}

fn print_markdown(t: &Table) {
    let corr = match t.correction {
        Correction::Holm => "Holm",
        Correction::Bh => "BH",
    };
    println!(
        "{} per user; reference: {}; {}",
        t.metric, t.reference, t.test
    );
    println!();
    println!(
        "| model | n | mean | 95 % CI | Δ vs {} | Wilcoxon p | {corr} p |",
        t.reference
    );
    println!("|---|---:|---:|---|---:|---:|---:|");
    for r in &t.rows {
        println!(
            "| {} | {} | {:.4} | [{:.4}, {:.4}] | {:+.4} | {} | {} |",
            r.model,
            r.n,
            r.mean,
            r.ci95_low,
            r.ci95_high,
            r.diff_to_reference,
            fmt_p(r.wilcoxon_p),
            fmt_p(r.corrected_p)
        );
    }
}
