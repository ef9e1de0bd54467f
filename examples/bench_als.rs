//! Benchmark of `artist2vec-models`' implicit ALS, the Rust half of `examples/bench_als.sh`
//! (which runs `implicit` 0.7.3 on the same file with the same settings and prints the ratio).
//!
//! ```sh
//! cargo build --release --example bench_als
//! B=$CARGO_TARGET_DIR/release/examples/bench_als
//! # Time ALS on a user\titem\tweight TSV (log1p input, CG, implicit's hetrec settings):
//! $B fit --train shared/data/splits/hetrec-seed42/train.tsv --threads 2 --repeat 3
//! # Write the large synthetic matrix with the data crate's seeded 30Music-like generator
//! # (45,000 users, 100,000 artists, 10,000,000 plays, aggregated to play counts):
//! $B generate --out /tmp/als-large.tsv
//! ```
//!
//! `fit` options: `--factors 64 --regularization 0.05 --alpha 1 --iterations 15 --solver cg`
//! (the defaults here are `implicit`'s settings of the hetrec reference, not the model's
//! defaults), `--threads N` (a rayon pool of N threads), `--repeat N`. It prints one JSON line:
//! the matrix size, every fit time in seconds and the best.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use artist2vec::core::{ArtistVectors, Fit, Interactions};
use artist2vec::data::split::{read_tsv_into, write_tsv};
use artist2vec::data::synth::{SynthConfig, Synthetic};
use artist2vec_models::AlsSolver;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let opts = artist2vec_examples::options(args)?;
    let get = |k: &str, d: &str| opts.get(k).cloned().unwrap_or_else(|| d.to_owned());
    match mode.as_str() {
        "fit" => fit(
            PathBuf::from(opts.get("train").context("fit needs --train FILE")?),
            &get,
        ),
        "generate" => generate(
            PathBuf::from(opts.get("out").context("generate needs --out FILE")?),
            &get,
        ),
        _ => bail!("usage: bench_als fit --train FILE [options] | generate --out FILE [options]"),
    }
}

fn fit(train: PathBuf, get: &dyn Fn(&str, &str) -> String) -> Result<()> {
    let mut data = Interactions::default();
    read_tsv_into(&train, &mut data)?;
    let config =
        artist2vec_examples::implicit_als(get)?.with_solver(match get("solver", "cg").as_str() {
            "cg" => AlsSolver::Cg,
            "cholesky" => AlsSolver::Cholesky,
            s => bail!("unknown solver {s:?}"),
        });
    let threads: usize = get("threads", "2").parse()?;
    let repeat: usize = get("repeat", "3").parse()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let mut times = Vec::new();
    let mut checksum = 0f64;
    for _ in 0..repeat {
        // What is timed: building the users × artists matrix from the rows, the log1p
        // confidence, the transpose and the 15 sweeps — everything `fit` does.
        let t0 = Instant::now();
        let model = pool.install(|| config.fit(&data))?;
        times.push(t0.elapsed().as_secs_f64());
        checksum = model
            .artist_vectors()
            .as_slice()
            .iter()
            .map(|&v| v as f64)
            .sum();
    }
    let best = times.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "{{\"impl\": \"artist2vec\", \"train\": {:?}, \"users\": {}, \"items\": {}, \"rows\": {}, \
         \"factors\": {}, \"regularization\": {}, \"alpha\": {}, \"iterations\": {}, \
         \"threads\": {threads}, \"fit_s\": {times:?}, \"best_s\": {best}, \"checksum\": {checksum}}}",
        train.display().to_string(),
        data.n_users(),
        data.n_items(),
        data.len(),
        config.factors,
        config.regularization.value(),
        config.alpha,
        config.iterations,
    );
    Ok(())
}

fn generate(out: PathBuf, get: &dyn Fn(&str, &str) -> String) -> Result<()> {
    let users: usize = get("users", "45000").parse()?;
    let artists: usize = get("artists", "100000").parse()?;
    let plays: usize = get("plays", "10000000").parse()?;
    // 30Music's shape: about 9 tracks per artist, 11.5 plays per session.
    let config = SynthConfig::full_30music()
        .with_seed(get("seed", "42").parse()?)
        .with_users(users)
        .with_artists(artists)
        .with_tracks(artists * 9)
        .with_sessions((plays / 11).max(users))
        .with_plays(plays);
    let t0 = Instant::now();
    let synth = Synthetic::generate(&config)?;
    let counts = synth
        .dataset
        .sessions
        .as_ref()
        .context("the generator made no sessions")?
        .to_counts();
    write_tsv(&counts, &out)?;
    eprintln!(
        "wrote {}: {} users, {} artists, {} plays aggregated to {} (user, artist) rows in {:.1} s",
        out.display(),
        counts.n_users(),
        counts.n_items(),
        plays,
        counts.len(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
