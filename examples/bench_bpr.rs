//! Benchmark of `artist2vec-models`' BPR epoch, the Rust half of `examples/bench_bpr.sh` (which
//! runs `implicit` 0.7.3's BPR on the same file with the same settings and prints the ratio).
//!
//! ```sh
//! cargo build --release --example bench_bpr
//! B=$CARGO_TARGET_DIR/release/examples/bench_bpr
//! # Seconds per BPR epoch on a user\titem\tweight TSV (binary input, implicit's settings):
//! $B fit --train /tmp/artist2vec-als-large.tsv --threads 2 --epochs 3
//! ```
//!
//! The large matrix is the one of `bench_als generate` (45,000 × 100,000, 10,000,000 generated
//! plays aggregated to play counts). `fit` options: `--factors 64 --learning-rate 0.01
//! --regularization 0.01` (implicit's defaults), `--epochs N` (3), `--threads N` (2; the BPR
//! config's `threads`: lock-free SGD over N scoped threads), `--sample-run N` (the config's
//! default 8 consecutive pairs per draw; 1 = independent draws, as implicit's). Each epoch draws as many samples
//! as the matrix has rows, as implicit's does. Timed per epoch: from the end of one epoch to
//! the end of the next, through the model's progress reports, so building the matrix and
//! initialising the vectors are excluded (as on the Python side). Prints one JSON line: the
//! matrix size, every epoch's seconds, the best and the median.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use artist2vec::core::{Fit, Interactions, Observer, Progress};
use artist2vec::data::split::read_tsv_into;
use artist2vec_models::BprConfig;

/// Records the time of every finished BPR epoch.
struct EpochClock(Mutex<Vec<Instant>>);

impl Observer for EpochClock {
    fn progress(&self, p: &Progress<'_>) {
        if p.stage == "bpr epoch" {
            self.0.lock().unwrap().push(Instant::now());
        }
    }
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let opts = artist2vec_examples::options(args)?;
    let get = |k: &str, d: &str| opts.get(k).cloned().unwrap_or_else(|| d.to_owned());
    if mode != "fit" {
        bail!("usage: bench_bpr fit --train FILE [--threads 2 --epochs 3 --factors 64 ...]");
    }
    let train = PathBuf::from(opts.get("train").context("fit needs --train FILE")?);
    let mut data = Interactions::default();
    read_tsv_into(&train, &mut data)?;
    let threads: usize = get("threads", "2").parse()?;
    let epochs: usize = get("epochs", "3").parse()?;
    if epochs < 2 {
        bail!("--epochs must be at least 2 (the first epoch starts the clock)");
    }
    let config = BprConfig::new()
        .with_factors(get("factors", "64").parse()?)
        .with_learning_rate(get("learning-rate", "0.01").parse()?)
        .with_regularization(get("regularization", "0.01").parse()?)
        .with_iterations(epochs)
        .with_threads(threads);
    // Runs of consecutive pairs per draw: the default unless `--sample-run N` (1 = independent
    // draws, as implicit samples).
    let config = match opts.get("sample-run") {
        Some(r) => config.with_sample_run(r.parse()?),
        None => config,
    };
    let clock = EpochClock(Mutex::new(Vec::new()));
    let t0 = Instant::now();
    config.fit_observed(&data, &clock)?;
    let fit_s = t0.elapsed().as_secs_f64();
    let marks = clock.0.into_inner().unwrap();
    let mut epoch_s: Vec<f64> = marks
        .windows(2)
        .map(|w| w[1].duration_since(w[0]).as_secs_f64())
        .collect();
    let best = epoch_s.iter().copied().fold(f64::INFINITY, f64::min);
    let shown = format!("{epoch_s:?}");
    epoch_s.sort_by(f64::total_cmp);
    let median = epoch_s[epoch_s.len() / 2];
    println!(
        "{{\"impl\": \"artist2vec\", \"train\": {:?}, \"users\": {}, \"items\": {}, \"rows\": {}, \
         \"factors\": {}, \"threads\": {threads}, \"sample_run\": {}, \"epoch_s\": {shown}, \"best_s\": {best}, \
         \"median_s\": {median}, \"fit_s\": {fit_s}}}",
        train.display().to_string(),
        data.n_users(),
        data.n_items(),
        data.len(),
        config.factors,
        config.sample_run,
    );
    Ok(())
}
