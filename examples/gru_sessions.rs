//! GRU4Rec against the sequence baselines on generated sessions with a planted play order
//! (issue 14's GRU experiment): the session protocol (next play at every step of the test
//! sessions: MAP@20, P@1/5/10/20, HR@20, MRR@20, per session), and paired Wilcoxon tests of GRU
//! against every baseline on HR@20 and MRR@20.
//!
//! ```text
//! cargo run --release -p artist2vec-examples --example gru_sessions -- [--seed 42]
//!     [--order 0.5] [--users 600] [--artists 800] [--plays 100000] [--epochs 10]
//!     [--gru '{"lr": 0.003}']   (more GRU4Rec configuration, merged over the epochs)
//!     [--diagnose 1]   (also: first-place hits of GRU4Rec and Markov by the training plays of
//!                       the last artist, and where their first places differ)
//!     [--context user] (GRU4Rec trained on one sequence per listener, and every model asked
//!                       with the listener's earlier plays before the session so far)
//! ```
//!
//! Data: the seeded generator with `sequential_order` (the probability that a play is the
//! planted successor of the previous artist within its genre), split by time: the last 20 %
//! of the sessions by start are the test sessions. Every model is fitted through the registry on
//! the training plays cut into sessions at 30-minute gaps, exactly as `artist2vec fit` does;
//! GRU4Rec chooses its best epoch on the latest 10 % of the training sessions.
//!
//! The best GRU4Rec found on the defaults (docs/results.md; MRR@20 and HR@20 above every
//! baseline, Markov included, at seeds 42 and 7): `--epochs 12 --gru '{"lr": 0.005,
//! "weight_decay": 0, "skip": true, "constrained": true, "repeat": true, "batch_size": 50,
//! "lr_decay": 0.7}'`. `examples/gru_sessions_cli.sh` runs the same from the command line.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use artist2vec::core::{NoProgress, Registry, Sessions, TrainingData};
use artist2vec::data::split::last_sessions;
use artist2vec::data::synth::{SynthConfig, Synthetic};
use artist2vec::metrics::protocols::{
    ProtocolScores, SessionNextItemConfig, session_next_item_at, session_next_item_in_context,
};
use artist2vec::stats::{Alternative, WilcoxonOptions, wilcoxon};

struct Args {
    seed: u64,
    order: f64,
    users: usize,
    artists: usize,
    plays: usize,
    epochs: usize,
    gru: String,
    diagnose: bool,
    user_context: bool,
}

fn args() -> Result<Args> {
    let mut a = Args {
        seed: 42,
        order: 0.5,
        users: 600,
        artists: 800,
        plays: 100_000,
        epochs: 10,
        gru: String::new(),
        diagnose: false,
        user_context: false,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let val = v
            .get(i + 1)
            .with_context(|| format!("{} needs a value", v[i]))?;
        match v[i].as_str() {
            "--seed" => a.seed = val.parse()?,
            "--order" => a.order = val.parse()?,
            "--users" => a.users = val.parse()?,
            "--artists" => a.artists = val.parse()?,
            "--plays" => a.plays = val.parse()?,
            "--epochs" => a.epochs = val.parse()?,
            "--gru" => a.gru = val.clone(),
            "--diagnose" => a.diagnose = val.parse::<u8>()? > 0,
            "--context" => {
                a.user_context = match val.as_str() {
                    "user" => true,
                    "session" => false,
                    o => bail!("--context: expected `session` or `user`, found {o:?}"),
                }
            }
            o => bail!("unknown option {o}"),
        }
        i += 2;
    }
    Ok(a)
}

fn registry() -> Registry {
    let mut r = artist2vec::registry();
    if r.get("gru4rec").is_err() {
        r.extend(artist2vec_neural::registry());
    }
    r
}

fn main() -> Result<()> {
    let a = args()?;
    let config = SynthConfig {
        n_users: a.users,
        n_artists: a.artists,
        n_tracks: a.artists * 4,
        n_genres: 8,
        n_sessions: a.plays / 12,
        n_plays: a.plays,
        ..SynthConfig::small()
    }
    .with_seed(a.seed)
    .with_sequential_order(a.order);
    let data = Synthetic::generate(&config)?;
    let split = last_sessions(data.sessions(), 0.2)?;
    let gap = Some(30 * 60);
    let train = Sessions::from_timed_rows(&split.train, gap)?;
    let test = Sessions::from_timed_rows(&split.test, gap)?;
    let rows = train.to_counts();
    println!(
        "generated: {} users, {} artists, {} plays, planted order p = {} (seed {}); \
         train {} sessions / {} plays, test {} sessions / {} plays",
        a.users,
        a.artists,
        a.plays,
        a.order,
        a.seed,
        train.len(),
        train.n_plays(),
        test.len(),
        test.n_plays()
    );
    if a.user_context {
        println!(
            "context: user (GRU4Rec trained on one sequence per listener; every query starts \
             with the listener's last {CONTEXT_PLAYS} plays before the session)"
        );
    }
    let td = TrainingData::with_sessions(&rows, &train)?;
    // With `--context user`: GRU4Rec trains on one sequence per listener (every training play in
    // time order, its state carried across sessions), and every model is asked, at each test
    // step, with the listener's earlier plays (training and earlier test sessions) before the
    // session so far; the scored steps are the same.
    let by_user = Sessions::from_timed_rows(&split.train, None)?;
    let td_user = TrainingData::with_sessions(&rows, &by_user)?;
    let contexts = test.plays_before(
        train.timed_plays().chain(test.timed_plays()).collect(),
        CONTEXT_PLAYS,
    );
    let reg = registry();
    let mut gru: serde_json::Map<String, serde_json::Value> = if a.gru.is_empty() {
        serde_json::Map::new()
    } else {
        serde_json::from_str(&a.gru).context("--gru: a JSON object")?
    };
    gru.entry("epochs").or_insert(a.epochs.into());
    let gru_config = serde_json::Value::Object(gru).to_string();
    let models: Vec<(&str, &str, Option<&str>)> = vec![
        ("markov", "markov", None),
        ("cooc last 5", "session-cooc", None),
        ("session item-kNN", "session-knn", None),
        (
            "skip-gram in·out",
            "skipgram",
            Some(r#"{"history_last": 1, "min_count": 1, "epochs": 10}"#),
        ),
        ("popularity", "popularity", None),
        ("GRU4Rec", "gru4rec", Some(gru_config.as_str())),
    ];
    let seqs: Vec<Vec<u32>> = test.iter().map(|s| s.items.to_vec()).collect();
    let cutoffs = [1, 5, 10, 20];
    let cfg = SessionNextItemConfig::default();
    let mut results: Vec<(&str, ProtocolScores, f64)> = Vec::new();
    let mut kept = Vec::new();
    for (label, name, json) in &models {
        let t = Instant::now();
        let data = if a.user_context && *name == "gru4rec" {
            &td_user
        } else {
            &td
        };
        let m = reg.fit(name, *json, data, &NoProgress)?;
        let secs = t.elapsed().as_secs_f64();
        if let Some(g) = m.downcast_ref::<artist2vec_neural::Gru4RecModel>() {
            let s = g.stats();
            println!(
                "GRU4Rec: epochs run {}, best epoch {} (validation MRR@20 per epoch: {}), \
                 {:.1} s per epoch",
                s.epoch_loss.len(),
                s.best_epoch,
                s.validation
                    .iter()
                    .map(|v| format!("{v:.4}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                s.epoch_seconds.iter().sum::<f64>() / s.epoch_seconds.len().max(1) as f64
            );
        }
        let trained: Vec<bool> = m.listeners().iter().map(|&l| l > 0).collect();
        let scores = if a.user_context {
            session_next_item_in_context(&m, &seqs, &contexts, Some(&trained), &cfg, &cutoffs)?
        } else {
            session_next_item_at(&m, &seqs, Some(&trained), &cfg, &cutoffs)?
        };
        results.push((label, scores, secs));
        if a.diagnose && (*name == "markov" || *name == "gru4rec") {
            kept.push(m);
        }
    }
    if a.diagnose {
        diagnose(&kept, &rows, &seqs)?;
    }
    let gru = &results.last().context("GRU was fitted")?.1;
    println!(
        "\n{} test sessions (next play at every step; artists unseen in training removed)\n",
        gru.units().len()
    );
    let keys = [
        "map@20",
        "precision@1",
        "precision@5",
        "precision@10",
        "precision@20",
        "hit_rate@20",
        "mrr@20",
    ];
    print!("| model | fit s |");
    for k in keys {
        print!(" {k} |");
    }
    println!(" p HR@20 | p MRR@20 |");
    println!("|---|---:|{}---:|---:|", "---:|".repeat(keys.len()));
    let opts = WilcoxonOptions::new().with_alternative(Alternative::Greater);
    for (label, s, secs) in &results {
        print!("| {label} | {secs:.1} |");
        for k in keys {
            print!(" {:.4} |", s.mean(k).unwrap_or(f64::NAN));
        }
        if std::ptr::eq(s, gru) {
            println!(" — | — |");
            continue;
        }
        for key in ["hit_rate@20", "mrr@20"] {
            let (g, b) = (gru.get(key).context(key)?, s.get(key).context(key)?);
            if g.ids != b.ids {
                bail!("{label}: evaluated on other sessions than GRU");
            }
            let p = wilcoxon(&g.values, &b.values, &opts).map_or(f64::NAN, |w| w.p_value);
            print!(" {p:.2e} |");
        }
        println!();
    }
    println!(
        "\np: one-sided paired Wilcoxon signed-rank test (GRU4Rec greater), per test session."
    );
    Ok(())
}

/// At most this many earlier plays of the listener precede a test session's query
/// (`--context user`).
const CONTEXT_PLAYS: usize = 300;

/// First-place hits of Markov (`models[0]`) and GRU4Rec (`models[1]`) at every test step, by
/// the training plays of the step's last artist; and, where their first places differ, who is
/// right.
fn diagnose(
    models: &[artist2vec::core::AnyModel],
    rows: &artist2vec::core::Interactions,
    seqs: &[Vec<u32>],
) -> Result<()> {
    use artist2vec::core::Query;
    let mut plays = vec![0f64; rows.n_items()];
    for r in rows.iter() {
        plays[r.item as usize] += f64::from(r.weight);
    }
    let buckets = [0.0, 25.0, 50.0, 100.0, 200.0, 400.0, f64::INFINITY];
    // per bucket: positions, markov hits, gru hits, differ, markov right, gru right
    let mut t = vec![[0usize; 6]; buckets.len() - 1];
    for s in seqs {
        for i in 0..s.len().saturating_sub(1) {
            let (last, next) = (s[i], s[i + 1]);
            if plays[last as usize] == 0.0 || plays[next as usize] == 0.0 {
                continue;
            }
            let h: Vec<(u32, f32)> = s[..=i].iter().map(|&x| (x, 1.0)).collect();
            let top = |m: &artist2vec::core::AnyModel| -> Result<u32> {
                Ok(m.recommend(&Query::History(&h), 1, false)?[0].item)
            };
            let (mk, gr) = (top(&models[0])?, top(&models[1])?);
            let b = buckets
                .windows(2)
                .position(|w| plays[last as usize] < w[1])
                .unwrap_or(0);
            let row = &mut t[b];
            row[0] += 1;
            row[1] += usize::from(mk == next);
            row[2] += usize::from(gr == next);
            if mk != gr {
                row[3] += 1;
                row[4] += usize::from(mk == next);
                row[5] += usize::from(gr == next);
            }
        }
    }
    println!(
        "\n| last artist's training plays | steps | markov first right | GRU first right | first places differ | markov right there | GRU right there |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (w, r) in buckets.windows(2).zip(&t) {
        println!(
            "| {}–{} | {} | {} | {} | {} | {} | {} |",
            w[0], w[1], r[0], r[1], r[2], r[3], r[4], r[5]
        );
    }
    Ok(())
}
