//! Benchmark (not a test) of the foundation at 30Music scale: ingest + prepare of the full-size
//! synthetic idomaar files, then the users × artists CSR and the artist co-occurrence.
//!
//! Two phases, so that the generator's memory does not count in the measured peak RSS:
//!
//! ```sh
//! cargo build --release -p artist2vec-examples --example bench_ingest
//! B=$CARGO_TARGET_DIR/release/examples/bench_ingest   # or target/release/examples/bench_ingest
//! $B generate /tmp/a2v-full            # writes idomaar files (≈ 31M plays), once
//! /usr/bin/time -v $B ingest /tmp/a2v-full     # times ingest+prepare, CSR, co-occurrence
//! ```
//!
//! `generate DIR [SCALE]` takes an optional scale (1.0 = full 30Music size) for quick runs.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use artist2vec::data::synth::{SynthConfig, Synthetic};
use artist2vec::data::{IdomaarOptions, PrepareConfig, load_idomaar, prepare};
use artist2vec::sparse::{CooccurrenceConfig, cooccurrence, user_item};

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn generate(dir: &Path, scale: f64) -> Result<()> {
    let full = SynthConfig::full_30music();
    let s = |n: usize| ((n as f64 * scale).round() as usize).max(1);
    let cfg = full
        .clone()
        .with_users(s(full.n_users))
        .with_artists(s(full.n_artists))
        .with_tracks(s(full.n_tracks))
        .with_sessions(s(full.n_sessions))
        .with_plays(s(full.n_plays))
        .with_playlists(s(full.n_playlists))
        .with_loves(s(full.n_loves));
    let t = Instant::now();
    let synth = Synthetic::generate(&cfg)?;
    println!(
        "generated {} plays in {:.1} s",
        cfg.n_plays,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    synth.write_idomaar(&dir.join("idomaar"))?;
    synth.write_ground_truth(&dir.join("ground_truth.tsv"))?;
    println!("wrote idomaar files in {:.1} s", t.elapsed().as_secs_f64());
    Ok(())
}

fn ingest(dir: &Path) -> Result<()> {
    let idomaar = dir.join("idomaar");
    let bytes: u64 = std::fs::read_dir(&idomaar)
        .with_context(|| format!("{} (run `generate` first)", idomaar.display()))?
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    let threads = rayon::current_num_threads();
    let t = Instant::now();
    let data = load_idomaar(&idomaar, &IdomaarOptions::new())?;
    let t_load = t.elapsed().as_secs_f64();
    let sessions = data.sessions.as_ref().map_or(0, |s| s.len());
    println!(
        "ingest:  {:.1} s for {:.2} GB ({} plays, {} sessions, {} artists), {threads} threads",
        t_load,
        bytes as f64 / 1e9,
        data.n_plays(),
        sessions,
        data.artists().len()
    );
    let t = Instant::now();
    let (prepared, rep) = prepare(&data, &PrepareConfig::default())?;
    let t_prep = t.elapsed().as_secs_f64();
    drop(data);
    println!("prepare: {t_prep:.1} s\n{rep}");
    println!(
        "ingest + prepare: {:.1} s, peak RSS so far {:.0} MB",
        t_load + t_prep,
        peak_rss_mb()
    );

    let s = prepared.sessions.as_ref().expect("sessions");
    let t = Instant::now();
    // One row per play; the CSR builder sums repeated (user, artist) pairs into play counts.
    let m = user_item(&prepared.interactions);
    let t_csr = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let co = cooccurrence(
        s.offsets(),
        s.play_items(),
        s.items.len(),
        &CooccurrenceConfig::default(),
    )?;
    let t_co = t.elapsed().as_secs_f64();
    println!(
        "CSR: {t_csr:.2} s ({}×{}, {} nnz); co-occurrence (whole sessions, once per session): {t_co:.2} s ({} nnz); together {:.1} s",
        m.rows(),
        m.cols(),
        m.nnz(),
        co.nnz(),
        t_csr + t_co
    );
    println!("peak RSS {:.0} MB", peak_rss_mb());
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("generate") if args.len() >= 3 => {
            let scale = args
                .get(3)
                .map(|s| s.parse::<f64>())
                .transpose()?
                .unwrap_or(1.0);
            generate(Path::new(&args[2]), scale)
        }
        Some("ingest") if args.len() >= 3 => ingest(Path::new(&args[2])),
        _ => bail!("usage: bench_ingest generate DIR [SCALE] | bench_ingest ingest DIR"),
    }
}
