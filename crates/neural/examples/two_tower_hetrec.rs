//! Two-tower on a hetrec split directory, with the split's test rows as the validation set:
//! the loss and validation NDCG@10 after every epoch, the best epoch, and the time taken. This
//! is how the registry defaults were tuned (on hetrec-seed42-val only; docs/results.md).
//!
//! ```sh
//! cargo run --release -p artist2vec-neural --example two_tower_hetrec -- \
//!     /work/shared/data/splits/hetrec-seed42-val '{"lr": 0.01, "temperature": 0.1}'
//! ```
//!
//! The configuration (JSON) is read onto the registry defaults. The NDCG here leaves out test
//! artists that never occur in training (no model can recommend them), so it is a little
//! higher than `artist2vec evaluate`'s, which counts them as misses.

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use artist2vec_core::{Interactions, Progress};
use artist2vec_data::split::read_tsv_into;
use artist2vec_neural::{CpuBackend, TwoTowerConfig, TwoTowerInput};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: two_tower_hetrec SPLIT_DIR [CONFIG_JSON]")?,
    );
    let json = args.next();
    let registry = artist2vec_neural::registry();
    let family = registry.get("two-tower")?;
    let full = match &json {
        Some(j) => family.check_config_json(j)?,
        None => family.default_config_json(),
    };
    let config: TwoTowerConfig = serde_json::from_str(&full)?;

    let mut train = Interactions::default();
    read_tsv_into(&dir.join("train.tsv"), &mut train)?;
    let mut test = Interactions::default();
    read_tsv_into(&dir.join("test.tsv"), &mut test)?;
    // Test rows over the training vocabularies; artists unknown to training are left out.
    let mut validation = Interactions::new(train.users.clone(), train.items.clone(), false);
    let (mut kept, mut dropped) = (0usize, 0usize);
    for r in test.iter() {
        let user = train.users.get(test.users.id(r.user));
        let item = train.items.get(test.items.id(r.item));
        match (user, item) {
            (Some(u), Some(i)) => {
                validation.push(u, i, r.weight, None);
                kept += 1;
            }
            _ => dropped += 1,
        }
    }
    eprintln!(
        "{}: {} users × {} artists, {} training rows; {kept} validation rows ({dropped} of \
         artists or users unknown to training left out)",
        dir.display(),
        train.n_users(),
        train.n_items(),
        train.len()
    );
    eprintln!("config: {}", serde_json::to_string(&config)?);

    let start = Instant::now();
    let observer = |p: &Progress<'_>| {
        if let (Some((name, v)), true) = (p.value, p.stage != "two-tower batches") {
            eprintln!(
                "{:>7.1} s  {} {}/{}: {name} {v:.4}",
                start.elapsed().as_secs_f64(),
                p.stage,
                p.done,
                p.total.unwrap_or(0)
            );
        }
    };
    let model = config.fit_on::<CpuBackend>(
        &TwoTowerInput::new(&train).with_validation(&validation),
        &Default::default(),
        &observer,
    )?;
    let s = model.stats();
    let best = s.validation[s.best_epoch - 1];
    println!(
        "best epoch {} of {}: validation NDCG@{} {best:.4}; {:.1} s ({:.1} s per epoch with \
         validation), {} examples per epoch",
        s.best_epoch,
        s.epoch_loss.len(),
        config.validation_k,
        s.seconds,
        s.seconds / s.epoch_loss.len() as f64,
        s.examples
    );
    Ok(())
}
