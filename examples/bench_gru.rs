//! Training speed of the burn models on generated plays (issue 14): epoch time of GRU4Rec and
//! of the two-tower model on the CPU backend, and their inputs written for the PyTorch
//! references (`bench_gru.py`: sessions, one per line; `bench_two_tower.py`: `user item plays`
//! rows).
//!
//! ```text
//! RAYON_NUM_THREADS=2 cargo run --release -p artist2vec-examples --example bench_gru -- \
//!     [--plays 1000000] [--artists 5000] [--epochs 1] [--out /tmp/a2v-bench-gru] \
//!     [--model gru|two-tower|both] [--gru-config '{"repeat": true, …}']
//! ```
//!
//! GRU4Rec is the notebook's variant unless `--gru-config` sets other fields (the registry's
//! default: `'{"lr": 0.005, "weight_decay": 0, "lr_decay": 0.7, "skip": true, "constrained":
//! true, "repeat": true, "batch_size": 50}'`) (`Gru4RecConfig::default()`: embedding 128, GRU 128,
//! cross-entropy over every artist at every step, Adam, batch 200, sessions cut to 150 plays);
//! the two-tower model has the registry defaults (dim 64, `ln(1 + plays)`-weighted mean of up to
//! 200 history artists, in-batch softmax with log-Q correction, batch 512, Adam on the touched
//! rows). Both without validation, so an epoch is training only. Prints one JSON line a model.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use artist2vec::core::NoProgress;
use artist2vec::data::synth::{SynthConfig, Synthetic};
use artist2vec_neural::{CpuBackend, Gru4RecConfig, Gru4RecInput, TwoTowerConfig, TwoTowerInput};

fn main() -> Result<()> {
    let (mut plays, mut artists, mut epochs) = (1_000_000usize, 5_000usize, 1usize);
    let mut out: Option<String> = None;
    let mut which = "both".to_owned();
    let mut gru_json = String::from("{}");
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let val = v
            .get(i + 1)
            .with_context(|| format!("{} needs a value", v[i]))?;
        match v[i].as_str() {
            "--plays" => plays = val.parse()?,
            "--artists" => artists = val.parse()?,
            "--epochs" => epochs = val.parse()?,
            "--out" => out = Some(val.clone()),
            "--model" => which = val.clone(),
            "--gru-config" => gru_json = val.clone(),
            o => bail!("unknown option {o}"),
        }
        i += 2;
    }
    let (gru, two_tower) = match which.as_str() {
        "gru" => (true, false),
        "two-tower" => (false, true),
        "both" => (true, true),
        o => bail!("--model: expected gru, two-tower or both, found {o}"),
    };
    let config = SynthConfig {
        n_users: (plays / 100).max(10),
        n_artists: artists,
        n_tracks: artists * 4,
        n_sessions: plays / 12,
        n_plays: plays,
        ..SynthConfig::small()
    }
    .with_sequential_order(0.5);
    let data = Synthetic::generate(&config)?;
    let sessions = data.sessions();
    let rows = sessions.to_counts();
    if let Some(dir) = &out {
        std::fs::create_dir_all(dir)?;
        let mut f = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/sessions.txt"))?);
        for s in sessions.iter() {
            let line: Vec<String> = s.items.iter().map(u32::to_string).collect();
            writeln!(f, "{}", line.join(" "))?;
        }
        let mut f = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/rows.tsv"))?);
        for r in rows.iter() {
            writeln!(f, "{}\t{}\t{}", r.user, r.item, r.weight)?;
        }
    }
    if gru {
        bench_gru(&rows, sessions, plays, artists, epochs, &gru_json)?;
    }
    if two_tower {
        bench_two_tower(&rows, plays, artists, epochs)?;
    }
    Ok(())
}

fn bench_gru(
    rows: &artist2vec::core::Interactions,
    sessions: &artist2vec::core::Sessions,
    plays: usize,
    artists: usize,
    epochs: usize,
    gru_json: &str,
) -> Result<()> {
    let gru = serde_json::from_str::<Gru4RecConfig>(gru_json)
        .context("--gru-config: a GRU4Rec configuration JSON (fields over the notebook's variant)")?
        .with_epochs(epochs)
        .with_validation_fraction(0.0);
    let t = Instant::now();
    let model = gru.fit_on::<CpuBackend>(
        &Gru4RecInput::new(rows, sessions),
        &Default::default(),
        &NoProgress,
    )?;
    let s = model.stats();
    let per_epoch = s.epoch_seconds.iter().sum::<f64>() / s.epoch_seconds.len().max(1) as f64;
    println!(
        "{{\"trainer\": \"artist2vec-burn-ndarray\", \"config\": {gru_json}, \"plays\": {plays}, \"artists\": {artists}, \
         \"sessions\": {}, \"positions\": {}, \"epochs\": {}, \"epoch_seconds\": {per_epoch:.2}, \
         \"positions_per_second\": {:.0}, \"fit_seconds\": {:.2}, \"loss\": {:?}}}",
        sessions.len(),
        s.positions,
        s.epoch_loss.len(),
        s.positions as f64 / per_epoch,
        t.elapsed().as_secs_f64(),
        s.epoch_loss
    );
    Ok(())
}

fn bench_two_tower(
    rows: &artist2vec::core::Interactions,
    plays: usize,
    artists: usize,
    epochs: usize,
) -> Result<()> {
    let t = Instant::now();
    let model = TwoTowerConfig::default()
        .with_epochs(epochs)
        .fit_on::<CpuBackend>(&TwoTowerInput::new(rows), &Default::default(), &NoProgress)?;
    let s = model.stats();
    let per_epoch = s.seconds / s.epoch_loss.len().max(1) as f64;
    println!(
        "{{\"trainer\": \"artist2vec-burn-ndarray two-tower\", \"plays\": {plays}, \"artists\": \
         {artists}, \"rows\": {}, \"examples\": {}, \"epochs\": {}, \"epoch_seconds\": \
         {per_epoch:.2}, \"examples_per_second\": {:.0}, \"fit_seconds\": {:.2}, \"loss\": {:?}}}",
        rows.len(),
        s.examples,
        s.epoch_loss.len(),
        s.examples as f64 / per_epoch,
        t.elapsed().as_secs_f64(),
        s.epoch_loss
    );
    Ok(())
}
