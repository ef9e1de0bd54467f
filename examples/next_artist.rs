//! The second seed notebook's next-artist protocol, on generated sessions, through the library's
//! protocol function (`artist2vec::metrics::protocols::next_artist`), so that every model is
//! evaluated the same way: within each held-out session (repeated artists removed), predict
//! artist n+1 as the nearest neighbour of artist n (`SimilarArtists::similar`), score each
//! session by its share of correct predictions, report the mean with a t-based 95 % confidence
//! interval, and test whether skip-gram beats the notebook's baseline — artist co-occurrence
//! within sessions reduced by a truncated SVD — with a one-sided Wilcoxon signed-rank test on the
//! paired per-session accuracies.
//!
//! ```sh
//! cargo run --release -p artist2vec-examples --example next_artist   # or: --sessions 48000 --eval 8000 --seed 7
//! ```
//!
//! Models, all trained on the same training sessions:
//! - skip-gram (`artist2vec-skipgram`), nearest input vector by cosine (the notebook's predictor),
//!   and skip-gram's own prediction of a context artist (input vector of n · output vectors);
//! - co-occurrence + truncated SVD (`artist2vec_models::Svd`, the notebook's baseline): fitted
//!   on one row per training session, so that two artists co-occur once for every session that
//!   holds both; nearest artist vector by cosine. Once with the notebook's raw counts and 150
//!   factors, once with the crate's tuned defaults (positive PMI, 300 factors);
//! - the artist that co-occurs most often with artist n in the training sessions (plain counts,
//!   `artist2vec_sparse::cooccurrence`, no tuning).
//!
//! The notebook took 48 minutes to evaluate 8,000 playlists; the protocol computes each query
//! artist's neighbours once, in parallel, and the evaluation time of every model is printed.

use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use artist2vec::core::{
    CoreError, Fit, Interactions, Neighbor, Query, Recommender, Sessions, SimilarArtists,
    Vocabulary,
};
use artist2vec::data::synth::{SynthConfig, Synthetic};
use artist2vec::metrics::protocols::{NextArtistConfig, ProtocolScores, next_artist};
use artist2vec::models::{CoocTransform, SvdConfig};
use artist2vec::skipgram::{SkipGramConfig, SkipGramModel, Window};
use artist2vec::sparse::{CooccurrenceConfig, Csr, cooccurrence, row_top_k};
use artist2vec::stats::{Alternative, WilcoxonOptions, mean_confidence_interval, wilcoxon};

/// Skip-gram's own prediction of a context artist: the artists with the largest
/// input(n) · output(j), n left out.
struct OutputPrediction<'a>(&'a SkipGramModel);

impl SimilarArtists for OutputPrediction<'_> {
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<Neighbor>, CoreError> {
        if !self.0.is_trained(artist) {
            // No input vector: the protocol counts the artist's steps as misses.
            return Err(CoreError::Invalid(format!(
                "artist {artist} was not trained"
            )));
        }
        self.0.recommend(&Query::History(&[(artist, 1.0)]), k, true)
    }
}

/// The artists that co-occur most often with a given one (a row of the co-occurrence counts).
struct MostCooccurring(Csr);

impl SimilarArtists for MostCooccurring {
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<Neighbor>, CoreError> {
        if artist as usize >= self.0.rows() {
            return Err(CoreError::IndexOutOfRange {
                kind: "artist",
                index: artist as usize,
                len: self.0.rows(),
            });
        }
        Ok(row_top_k(&self.0, artist as usize, k))
    }
}

/// One row per training session (weight 1 per distinct artist): the users × artists table whose
/// co-occurrence is co-occurrence within sessions.
fn session_rows(train: &Sessions) -> Result<Interactions> {
    let ids = Vocabulary::from_ids((0..train.len()).map(|s| format!("session{s}")))?;
    let mut rows = Interactions::new(ids, train.items.clone(), false);
    for (s, session) in train.iter().enumerate() {
        for &a in session.items {
            rows.push(s as u32, a, 1.0, None);
        }
    }
    Ok(rows.aggregate())
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
    if n_eval == 0 || n_eval >= n_sessions {
        bail!("--eval must be between 1 and --sessions - 1");
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
    let eval: Vec<&[u32]> = (n_train..n_sessions)
        .map(|i| sessions.get(i).items)
        .collect();
    println!(
        "generated {} sessions, {} plays, {n_artists} artists in {:.2} s; training on {}, \
         evaluating the {} held-out sessions",
        sessions.len(),
        sessions.n_plays(),
        t.elapsed().as_secs_f64(),
        train.len(),
        eval.len(),
        n_artists = n_items,
    );

    // 2. The models, on the training sessions.
    let t = Instant::now();
    let skipgram = SkipGramConfig::new(64)
        .with_window(Window::Fixed(3))
        .with_min_count(1)
        .with_epochs(10)
        .with_seed(seed)
        .fit(&train)?;
    println!(
        "skip-gram: {} artists trained in {:.2} s ({:.2} M words/s)",
        skipgram.n_trained(),
        t.elapsed().as_secs_f64(),
        skipgram.stats().words_per_second / 1e6
    );
    let rows = session_rows(&train)?;
    let mut svds = Vec::new();
    for (name, config) in [
        (
            "co-occurrence + SVD, counts, 150 factors (the notebook's)",
            SvdConfig::new()
                .with_transform(CoocTransform::Count)
                .with_factors(150)
                .with_seed(seed),
        ),
        (
            "co-occurrence + SVD, PPMI, 300 factors (tuned defaults)",
            SvdConfig::new().with_seed(seed),
        ),
    ] {
        let t = Instant::now();
        svds.push((name, config.fit(&rows)?));
        println!("{name}: fitted in {:.2} s", t.elapsed().as_secs_f64());
    }
    let t = Instant::now();
    let counts = MostCooccurring(cooccurrence(
        train.offsets(),
        train.play_items(),
        n_items,
        &CooccurrenceConfig::default(),
    )?);
    println!(
        "co-occurrence counts: {} pairs in {:.2} s",
        counts.0.nnz(),
        t.elapsed().as_secs_f64()
    );

    // 3. The protocol, the same call for every model, timed.
    let config = NextArtistConfig::default();
    let mut rows_out: Vec<(&str, ProtocolScores, f64)> = Vec::new();
    let mut evaluate = |name: &'static str, model: &(dyn SimilarArtists + Sync)| -> Result<()> {
        let t = Instant::now();
        let scores = next_artist(model, &eval, n_items, &config)?;
        rows_out.push((name, scores, t.elapsed().as_secs_f64()));
        Ok(())
    };
    evaluate(
        "skip-gram, nearest input vector (the notebook's)",
        &skipgram,
    )?;
    evaluate(
        "skip-gram, input vector of n · output vectors",
        &OutputPrediction(&skipgram),
    )?;
    for &(name, ref svd) in &svds {
        evaluate(name, svd)?;
    }
    evaluate("most co-occurring artist (counts)", &counts)?;

    // 4. Means with t-based 95 % intervals, and the paired one-sided tests against the
    //    notebook's co-occurrence + SVD baseline.
    let first = &rows_out[0].1;
    let units = first.units().to_vec();
    for (name, s, _) in &rows_out {
        ensure!(s.units() == units, "{name}: evaluated other sessions");
    }
    println!(
        "\n{} sessions evaluated; left out: {}",
        units.len(),
        first
            .skipped
            .iter()
            .map(|(why, n)| format!("{n} {why}"))
            .collect::<Vec<_>>()
            .join("; ")
    );
    println!();
    println!("| predictor of artist n+1 | accuracy | 95 % CI (t) | evaluation s |");
    println!("|---|---:|---:|---:|");
    let accuracy = |s: &ProtocolScores| -> Vec<f64> {
        s.get("accuracy")
            .expect("the protocol scores accuracy")
            .values
            .clone()
    };
    for (name, s, secs) in &rows_out {
        let acc = accuracy(s);
        let ci = mean_confidence_interval(&acc, 0.95)?;
        println!(
            "| {name} | {:.4} | [{:.4}, {:.4}] | {secs:.3} |",
            s.mean("accuracy").expect("accuracy"),
            ci.low,
            ci.high
        );
    }
    println!();
    let greater = WilcoxonOptions::new().with_alternative(Alternative::Greater);
    let is = |prefix: &'static str| move |r: &&(&str, ProtocolScores, f64)| r.0.starts_with(prefix);
    for (base, b, _) in rows_out.iter().filter(is("co-occurrence + SVD")) {
        for (name, s, _) in rows_out.iter().filter(is("skip-gram")) {
            let w = wilcoxon(&accuracy(s), &accuracy(b), &greater)?;
            println!(
                "one-sided Wilcoxon signed-rank, {name} > {base}: statistic {:.1}, p = {:.3e}",
                w.statistic, w.p_value
            );
        }
    }
    Ok(())
}
