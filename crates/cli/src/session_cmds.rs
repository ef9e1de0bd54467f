//! `evaluate-sessions`: the session protocol (next play at every step) for any fitted model.

use std::path::PathBuf;

use anyhow::{Result, bail};
use artist2vec::core::{Interactions, Sessions};
use artist2vec::data::split::read_tsv_into;
use artist2vec::metrics::EvalReport;
use artist2vec::metrics::protocols::{SessionNextItemConfig, session_next_item_at};
use clap::{ArgAction, Args};

use crate::progress::Ui;

#[derive(Args)]
#[command(after_help = "\
Every test session [a0, …, an] is asked, at every step t < n, for the top k given its plays \
a0..=at (a new listener's history in play order) and a(t+1) is the one relevant artist. Per \
session, the mean over its steps of MAP@c (= MRR@c: 1/rank within the top c), precision@c \
(hit / c) and hit rate@c, for c = 1, 5, 10, 20 (--cutoffs). Plays of artists the model never \
saw in training are removed from the sessions first, and sessions left with fewer than two \
plays are counted and skipped. The per-session values are written as an evaluation JSON that \
`artist2vec compare` reads (e.g. `--metric mrr@20`): models fitted on the same training file \
are compared on the same sessions.")]
pub struct EvaluateSessionsArgs {
    /// Model file written by `artist2vec fit`.
    #[arg(long)]
    model: PathBuf,
    /// Test TSV with timestamps (`user\titem\tweight\ttimestamp`, header), e.g. the test.tsv
    /// of `artist2vec split --method last-sessions`.
    #[arg(long)]
    test: PathBuf,
    /// Idle gap in minutes that ends a session (0 = one sequence per user).
    #[arg(long, default_value_t = 30)]
    session_gap: u32,
    /// Cut-offs of the metrics.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 5, 10, 20])]
    cutoffs: Vec<usize>,
    /// Leave the artists already in the session out of each step's list.
    #[arg(long, default_value_t = false, action = ArgAction::Set, value_name = "BOOL")]
    exclude_history: bool,
    /// Remove repeated artists from each session first.
    #[arg(long, default_value_t = false, action = ArgAction::Set, value_name = "BOOL")]
    remove_repeats: bool,
    /// Where to write the per-session JSON (default: eval_<model file stem>.json).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn evaluate_sessions(ui: &Ui, a: EvaluateSessionsArgs) -> Result<()> {
    if a.cutoffs.is_empty() || a.cutoffs.contains(&0) {
        bail!("--cutoffs must be numbers >= 1, got {:?}", a.cutoffs);
    }
    let registry = artist2vec::registry();
    let model = ui.step(&format!("load {}", a.model.display()), |_| {
        Ok(registry.load(&a.model)?)
    })?;
    let k = a.cutoffs.iter().copied().max().unwrap_or(20);
    if k > model.n_items() {
        bail!(
            "--cutoffs up to {k}, but the model has only {} artists",
            model.n_items()
        );
    }
    let mut rows = Interactions::default();
    ui.step(&format!("read {}", a.test.display()), |_| {
        Ok(read_tsv_into(&a.test, &mut rows)?)
    })?;
    if rows.time_col().is_none() {
        bail!(
            "{}: the session protocol needs play order: expected a fourth column `timestamp`",
            a.test.display()
        );
    }
    let gap = (a.session_gap > 0).then_some(i64::from(a.session_gap) * 60);
    let sessions = Sessions::from_timed_rows(&rows, gap)?;
    // Test artists in the model's indices; unknown artists become u32::MAX and are dropped.
    let items = model.items();
    let map: Vec<u32> = (0..rows.items.len() as u32)
        .map(|i| items.get(rows.items.id(i)).unwrap_or(u32::MAX))
        .collect();
    let listeners = model.listeners();
    let trained: Vec<bool> = listeners.iter().map(|&l| l > 0).collect();
    let mut unknown = 0usize;
    let seqs: Vec<Vec<u32>> = sessions
        .iter()
        .map(|s| {
            s.items
                .iter()
                .filter_map(|&i| {
                    let m = map[i as usize];
                    if m == u32::MAX {
                        unknown += 1;
                        None
                    } else {
                        Some(m)
                    }
                })
                .collect()
        })
        .collect();
    let config = SessionNextItemConfig {
        k,
        exclude_history: a.exclude_history,
        remove_repeats: a.remove_repeats,
    };
    let scores = ui.step("next play at every step", |_| {
        Ok(session_next_item_at(
            &model,
            &seqs,
            Some(&trained),
            &config,
            &a.cutoffs,
        )?)
    })?;
    let stem = a
        .model
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("model")
        .to_owned();
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("eval_{stem}.json")));
    let report = EvalReport::from_protocol(
        &scores,
        k,
        &a.test.display().to_string(),
        &a.model.display().to_string(),
    );
    report.save(&out)?;
    println!(
        "{} ({}): {} test sessions evaluated",
        stem,
        model.kind(),
        scores.units().len()
    );
    for (key, v) in scores.means() {
        if key.starts_with("map@") && !key.ends_with(&format!("@{k}")) {
            continue;
        }
        println!("  {key:<14} {v:.6}");
    }
    if unknown > 0 {
        println!("  note: {unknown} plays of artists unknown to the model (removed)");
    }
    for (why, n) in &scores.skipped {
        if *n > 0 {
            println!("  note: {n} {why}");
        }
    }
    println!("per-session values written to {}", out.display());
    Ok(())
}
