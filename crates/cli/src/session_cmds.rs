//! `evaluate-sessions`: the session protocol (next play at every step) for any fitted model.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use artist2vec::core::{Interactions, Sessions, Vocabulary};
use artist2vec::data::split::read_tsv_into;
use artist2vec::metrics::EvalReport;
use artist2vec::metrics::protocols::{
    SessionNextItemConfig, session_next_item_at, session_next_item_in_context,
};
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
    /// The listeners' earlier plays (a TSV with timestamps, e.g. the split's train.tsv): each
    /// step's query then starts with the listener's plays before the session — from this file
    /// and their earlier test sessions — so models that read a listener's whole history (e.g.
    /// GRU4Rec fitted with `--session-gap 0`) can use it. The scored steps are the same.
    #[arg(long)]
    history: Option<PathBuf>,
    /// At most this many earlier plays (the latest) precede a session with --history.
    #[arg(long, default_value_t = 300)]
    history_plays: usize,
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
    let contexts = match &a.history {
        Some(path) => Some(earlier_plays(ui, path, &rows, &sessions, model.items(), &map, &a)?),
        None => None,
    };
    let scores = ui.step("next play at every step", |_| {
        Ok(match &contexts {
            Some(c) => session_next_item_in_context(
                &model,
                &seqs,
                c,
                Some(&trained),
                &config,
                &a.cutoffs,
            )?,
            None => session_next_item_at(&model, &seqs, Some(&trained), &config, &a.cutoffs)?,
        })
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

/// For every test session, its listener's plays before it (in the model's artist indices):
/// the `--history` file's plays of the same listener and their earlier test sessions, the
/// latest `--history-plays`. Artists the model does not know are left out (counted).
fn earlier_plays(
    ui: &Ui,
    path: &Path,
    test_rows: &Interactions,
    sessions: &Sessions,
    model_items: &Vocabulary,
    map: &[u32],
    a: &EvaluateSessionsArgs,
) -> Result<Vec<Vec<u32>>> {
    if a.history_plays == 0 {
        bail!("--history-plays must be at least 1 (leave out --history for no context)");
    }
    let mut hist = Interactions::default();
    ui.step(&format!("read {}", path.display()), |_| {
        Ok(read_tsv_into(path, &mut hist)?)
    })?;
    let Some(times) = hist.time_col() else {
        bail!(
            "{}: earlier plays need play order: expected a fourth column `timestamp`",
            path.display()
        );
    };
    // The history's listeners and artists in the test file's and the model's indices.
    let users: Vec<Option<u32>> = (0..hist.users.len() as u32)
        .map(|u| test_rows.users.get(hist.users.id(u)))
        .collect();
    let hist_items: Vec<Option<u32>> = (0..hist.items.len() as u32)
        .map(|i| model_items.get(hist.items.id(i)))
        .collect();
    let (mut plays, mut unknown) = (Vec::with_capacity(hist.len()), 0usize);
    for ((&u, &i), &t) in hist.user_col().iter().zip(hist.item_col()).zip(times) {
        let Some(u) = users[u as usize] else { continue };
        match hist_items[i as usize] {
            Some(m) => plays.push((u, t, m)),
            None => unknown += 1,
        }
    }
    let from_history = plays.len();
    plays.extend(
        sessions
            .timed_plays()
            .filter(|&(_, _, i)| map[i as usize] != u32::MAX)
            .map(|(u, t, i)| (u, t, map[i as usize])),
    );
    println!(
        "earlier plays: {from_history} of the test listeners in {} (+ their earlier test \
         sessions), the last {} before each session{}",
        path.display(),
        a.history_plays,
        if unknown > 0 {
            format!("; {unknown} plays of artists unknown to the model left out")
        } else {
            String::new()
        }
    );
    Ok(sessions.plays_before(plays, a.history_plays))
}
