//! Benchmark of EASE (`artist2vec-models`): fits on a `user\titem\tweight` TSV and prints, per
//! fit, the time of each of its four steps as the fit reports them (the Gram matrix, its
//! Cholesky factor, `L⁻ᵀ` or `C = L⁻¹X`, then `P`) and the multiply-adds per second of the
//! dense algorithm (the listener Gram solver skips zeros, so it does fewer than it is credited).
//!
//! ```sh
//! cargo build --release --example bench_ease
//! B=$CARGO_TARGET_DIR/release/examples/bench_ease
//! T=shared/data/splits/hetrec-seed42/train.tsv
//! $B --train $T --repeat 3                                        # the defaults
//! $B --train $T --config '{"min_listeners": 1, "solver": "artist-gram"}'
//! ```
//!
//! Options: `--config JSON` (fields left out keep the defaults), `--repeat N`, `--threads N` (a
//! rayon pool of N threads; default rayon's). One JSON line per fit.

use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use artist2vec::core::{Fit, Interactions, Progress};
use artist2vec::data::split::read_tsv_into;
use artist2vec_models::EaseConfig;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut train, mut config, mut repeat, mut threads) = (None, "{}".to_owned(), 1, 0);
    while let Some(k) = args.next() {
        let mut v = || args.next().with_context(|| format!("{k} needs a value"));
        match k.as_str() {
            "--train" => train = Some(v()?),
            "--config" => config = v()?,
            "--repeat" => repeat = v()?.parse()?,
            "--threads" => threads = v()?.parse()?,
            _ => bail!("unknown option {k:?} (see the example's documentation)"),
        }
    }
    let train = train.context("--train FILE is required")?;
    let mut data = Interactions::default();
    read_tsv_into(std::path::Path::new(&train), &mut data)?;
    let config: EaseConfig = serde_json::from_str(&config).context("--config")?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    for _ in 0..repeat {
        // (stage, step, seconds since the start of the fit) of every progress report.
        let steps = Mutex::new(Vec::new());
        let t0 = Instant::now();
        let observe = |p: &Progress<'_>| {
            if let Ok(mut s) = steps.lock() {
                s.push((p.stage.to_owned(), p.done, t0.elapsed().as_secs_f64()));
            }
        };
        let model = pool.install(|| config.fit_observed(&data, &observe))?;
        let fit_s = t0.elapsed().as_secs_f64();
        let steps = steps
            .into_inner()
            .map_err(|_| anyhow::anyhow!("poisoned"))?;
        let stage = steps.first().map_or("?", |s| s.0.as_str());
        let phases: Vec<f64> = steps.windows(2).map(|w| w[1].2 - w[0].2).collect();
        // Dense multiply-adds of each solver (see `EaseSolver`).
        let n = model.kept_artists().len() as f64;
        let m = {
            let kept: std::collections::HashSet<u32> =
                model.kept_artists().iter().copied().collect();
            let mut users: Vec<u32> = data
                .iter()
                .filter(|r| kept.contains(&r.item))
                .map(|r| r.user)
                .collect();
            users.sort_unstable();
            users.dedup();
            users.len() as f64
        };
        let fma = if stage.contains("listener") {
            m * m * m / 6.0 + m * m * n / 2.0 + n * n * m / 2.0
        } else {
            n * n * n / 2.0
        };
        println!(
            "{{\"solver\": {stage:?}, \"artists\": {n}, \"listeners\": {m}, \"threads\": {}, \
             \"fit_s\": {fit_s:.3}, \"steps_s\": {phases:.3?}, \"dense_equivalent_gfma_per_s\": {:.1}}}",
            pool.current_num_threads(),
            fma / fit_s / 1e9
        );
    }
    Ok(())
}
