//! The second seed notebook's next-artist protocol, on generated sessions: within each held-out
//! session (repeated artists removed), predict artist n+1 as the nearest neighbour of artist n,
//! score each session by its share of correct predictions, report the mean with a t-based 95 %
//! confidence interval, and test whether skip-gram beats a co-occurrence baseline with a
//! one-sided Wilcoxon signed-rank test on the paired per-session accuracies.
//!
//! The notebook took 48 minutes to evaluate 8,000 playlists; here the nearest neighbours of all
//! query artists are computed in one batch (`SkipGramModel::similar_batch`), so the evaluation
//! takes a fraction of a second. Besides the notebook's nearest input vector, skip-gram's own
//! prediction of a context artist (input vector of n · output vectors, `Scoring::Output`) is
//! evaluated too.
//!
//! ```sh
//! cargo run --release --example next_artist            # or: --sessions 48000 --eval 8000 --seed 7
//! ```
//!
//! Baseline: the artist that co-occurs most often with artist n in the training sessions
//! (`artist2vec_sparse::cooccurrence`, whole sessions, each pair once per session). The
//! notebook's baseline was co-occurrence + truncated SVD; plain co-occurrence counts are the
//! stronger of the two on next-item tasks and need no tuning.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use artist2vec::core::{Fit, Query, Recommender, Sessions};
use artist2vec::data::synth::{SynthConfig, Synthetic};
use artist2vec::sparse::{CooccurrenceConfig, cooccurrence, row_top_k};
use artist2vec::stats::{Alternative, WilcoxonOptions, mean_confidence_interval, wilcoxon};
use artist2vec_skipgram::{SkipGramConfig, Window};
use rayon::prelude::*;

/// Each held-out session as its distinct artists in order of first play.
fn sequences(sessions: &Sessions, range: std::ops::Range<usize>) -> Vec<Vec<u32>> {
    let mut seen = vec![u32::MAX; sessions.items.len()];
    range
        .map(|i| {
            let s = sessions.get(i);
            let mut v = Vec::with_capacity(s.len());
            for &a in s.items {
                if seen[a as usize] != i as u32 {
                    seen[a as usize] = i as u32;
                    v.push(a);
                }
            }
            v
        })
        .filter(|v| v.len() >= 2)
        .collect()
}

/// Per-sequence accuracy of "next = predict[current]" (`u32::MAX` = no prediction, a miss).
fn accuracy(seqs: &[Vec<u32>], predict: &[u32]) -> Vec<f64> {
    seqs.iter()
        .map(|s| {
            let hits = s
                .windows(2)
                .filter(|w| predict[w[0] as usize] == w[1])
                .count();
            hits as f64 / (s.len() - 1) as f64
        })
        .collect()
}

/// The distinct artists that are asked about (every artist but the last of a sequence).
fn queries(seqs: &[Vec<u32>], n_items: usize) -> Vec<u32> {
    let mut asked = vec![false; n_items];
    for s in seqs {
        for &a in &s[..s.len() - 1] {
            asked[a as usize] = true;
        }
    }
    (0..n_items as u32).filter(|&a| asked[a as usize]).collect()
}

fn main() -> Result<()> {
    let (mut n_sessions, mut n_eval, mut seed) = (48_000usize, 8_000usize, 7u64);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || -> Result<usize> { Ok(args.next().context("missing value")?.parse()?) };
        match a.as_str() {
            "--sessions" => n_sessions = val()?,
            "--eval" => n_eval = val()?,
            "--seed" => seed = val()? as u64,
            other => bail!("unknown argument {other:?}"),
        }
    }
    if n_eval >= n_sessions {
        bail!("--eval must be smaller than --sessions");
    }

    // 1. Generated listening sessions with planted genres (artist2vec-data's generator):
    //    5,000 artists in 10 genres, ~12 plays per session. The last `n_eval` sessions are held out.
    let t = Instant::now();
    let synth = SynthConfig::small()
        .with_seed(seed)
        .with_sessions(n_sessions)
        .with_plays(n_sessions * 12);
    let data = Synthetic::generate(&synth)?;
    let sessions = data.sessions();
    let n_items = sessions.items.len();
    let n_train = n_sessions - n_eval;
    // Training sessions with immediate repeats of an artist collapsed (the notebook's preparation).
    let train = sessions.filter(|s, j| j == 0 || s.items[j] != s.items[j - 1], {
        let mut i = 0usize;
        move |_, _| {
            i += 1;
            i <= n_train
        }
    });
    let eval = sequences(sessions, n_train..n_sessions);
    println!(
        "generated {} sessions, {} plays, {n_items} artists in {:.2} s; training on {}, \
         evaluating {} held-out sessions with ≥ 2 distinct artists",
        sessions.len(),
        sessions.n_plays(),
        t.elapsed().as_secs_f64(),
        train.len(),
        eval.len()
    );

    // 2. Skip-gram on the training sessions, in play order.
    let config = SkipGramConfig::new(64)
        .with_window(Window::Fixed(3))
        .with_min_count(1)
        .with_epochs(10)
        .with_seed(seed);
    let t = Instant::now();
    let model = config.fit(&train)?;
    println!(
        "skip-gram: {} artists trained in {:.2} s ({:.2} M words/s)",
        model.n_trained(),
        t.elapsed().as_secs_f64(),
        model.stats().words_per_second / 1e6
    );

    // 3. The co-occurrence baseline on the same sessions.
    let t = Instant::now();
    let co = cooccurrence(
        train.offsets(),
        train.play_items(),
        n_items,
        &CooccurrenceConfig::default(),
    )?;
    println!(
        "co-occurrence: {} pairs counted in {:.2} s",
        co.nnz(),
        t.elapsed().as_secs_f64()
    );

    // 4. The evaluation: one batch of nearest-neighbour queries per model, then lookups.
    let t = Instant::now();
    let asked = queries(&eval, n_items);
    let mut sg_next = vec![u32::MAX; n_items];
    let trained: Vec<u32> = asked
        .iter()
        .copied()
        .filter(|&a| model.is_trained(a))
        .collect();
    for (&a, nb) in trained.iter().zip(model.similar_batch(&trained, 1)?) {
        if let Some(n) = nb.first() {
            sg_next[a as usize] = n.item;
        }
    }
    let sg_acc = accuracy(&eval, &sg_next);
    let sg_secs = t.elapsed().as_secs_f64();
    // Skip-gram's own prediction of a context artist: input vector of n · output vectors.
    let t = Instant::now();
    let out_next: Vec<(u32, u32)> = trained
        .par_iter()
        .map(|&a| {
            let best = model
                .recommend(&Query::History(&[(a, 1.0)]), 1, true)
                .ok()
                .and_then(|v| v.first().map(|n| n.item))
                .unwrap_or(u32::MAX);
            (a, best)
        })
        .collect();
    let mut so_next = vec![u32::MAX; n_items];
    for (a, b) in out_next {
        so_next[a as usize] = b;
    }
    let so_acc = accuracy(&eval, &so_next);
    let so_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut co_next = vec![u32::MAX; n_items];
    for &a in &asked {
        if let Some(n) = row_top_k(&co, a as usize, 1).first() {
            co_next[a as usize] = n.item;
        }
    }
    let co_acc = accuracy(&eval, &co_next);
    let co_secs = t.elapsed().as_secs_f64();

    // 5. Means with t-based 95 % intervals, and the paired one-sided test.
    println!();
    println!(
        "| model | next-artist accuracy | 95 % CI (t) | eval s ({} sessions, {} queries) |",
        eval.len(),
        asked.len()
    );
    println!("|---|---:|---:|---:|");
    for (name, acc, secs) in [
        (
            "skip-gram, nearest input vector (notebook)",
            &sg_acc,
            sg_secs,
        ),
        ("skip-gram, input · output vectors", &so_acc, so_secs),
        ("co-occurrence counts", &co_acc, co_secs),
    ] {
        let ci = mean_confidence_interval(acc, 0.95)?;
        let mean = acc.iter().sum::<f64>() / acc.len() as f64;
        println!(
            "| {name} | {mean:.4} | [{:.4}, {:.4}] | {secs:.3} |",
            ci.low, ci.high
        );
    }
    println!();
    for (name, acc) in [
        ("nearest input vector", &sg_acc),
        ("input · output", &so_acc),
    ] {
        let w = wilcoxon(
            acc,
            &co_acc,
            &WilcoxonOptions::new().with_alternative(Alternative::Greater),
        )?;
        println!(
            "one-sided Wilcoxon signed-rank, skip-gram ({name}) > co-occurrence: statistic {:.1}, p = {:.3e}",
            w.statistic, w.p_value
        );
    }
    Ok(())
}
