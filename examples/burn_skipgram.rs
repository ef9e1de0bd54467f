//! Skip-gram on burn, walked through: train artist vectors with the burn implementation of
//! skip-gram with negative sampling (`artist2vec-neural`) on generated sessions, check that they
//! found the planted genres, and compare its speed with the hand-written CPU trainer
//! (`artist2vec-skipgram`) on the same corpus and settings.
//!
//! ```sh
//! cargo run --release -p artist2vec-examples --example burn_skipgram -- [--scale 1] [--epochs 2]
//!     [--dim 64] [--batch 4096] [--skip-hand]
//! # on an NVIDIA GPU (the examples' `cuda` feature turns on artist2vec's `cuda`):
//! cargo run --release -p artist2vec-examples --features cuda --example burn_skipgram -- --cuda
//! ```
//!
//! The corpus is artist2vec-data's `SynthConfig::small()` (12,000 sessions, 140,000 plays,
//! 5,000 artists in 10 genres) times `--scale`. Each run prints one JSON line per trainer: words
//! per second (gensim's "effective words/s": occurrences trained after subsampling), pairs per
//! second, the loss per epoch, and the share of the 10 nearest neighbours of the 1,000 most
//! frequent artists that share the artist's planted genre (chance: about 1/10).

use std::time::Instant;

use anyhow::{Context, Result, bail};
use artist2vec::core::{Embeddings, Fit, NoProgress, Sessions, Similarity};
use artist2vec::data::synth::{SynthConfig, Synthetic};
use artist2vec_neural::{BurnSkipGramConfig, BurnSkipGramModel, CpuBackend, Window};

struct Args {
    scale: f64,
    epochs: usize,
    dim: usize,
    batch: usize,
    skip_hand: bool,
    cuda: bool,
}

fn args() -> Result<Args> {
    let mut a = Args {
        scale: 1.0,
        epochs: 2,
        dim: 64,
        batch: 4096,
        skip_hand: false,
        cuda: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--scale" => a.scale = value()?.parse()?,
            "--epochs" => a.epochs = value()?.parse()?,
            "--dim" => a.dim = value()?.parse()?,
            "--batch" => a.batch = value()?.parse()?,
            "--skip-hand" => a.skip_hand = true,
            "--cuda" => a.cuda = true,
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

/// Share of the 10 nearest neighbours (cosine, input vectors) of the 1,000 most frequent artists
/// that share the artist's planted genre.
fn genre_precision(vectors: &Embeddings, sessions: &Sessions, genre: &[u32]) -> f64 {
    let mut counts = vec![0u64; sessions.items.len()];
    for &a in sessions.play_items() {
        counts[a as usize] += 1;
    }
    let mut top: Vec<u32> = (0..counts.len() as u32).collect();
    top.sort_by_key(|&a| std::cmp::Reverse(counts[a as usize]));
    top.truncate(1000);
    let (mut hits, mut total) = (0usize, 0usize);
    for &a in &top {
        let nn = vectors
            .similar(a, 10, Similarity::Cosine)
            .expect("in range");
        hits += nn
            .iter()
            .filter(|n| genre[n.item as usize] == genre[a as usize])
            .count();
        total += nn.len();
    }
    hits as f64 / total.max(1) as f64
}

fn report_burn(name: &str, model: &BurnSkipGramModel, sessions: &Sessions, genre: &[u32]) {
    let s = model.stats();
    println!(
        "{{\"trainer\": \"{name}\", \"backend\": \"{}\", \"batch\": {}, \"seconds\": {:.2}, \
         \"words_per_s\": {:.0}, \"pairs_per_s\": {:.0}, \"epoch_loss\": {:?}, \
         \"genre_precision_at_10_top1000\": {:.3}}}",
        s.backend,
        model.config().batch_size,
        s.seconds,
        s.words_per_second,
        s.pairs as f64 / s.seconds,
        s.epoch_loss
            .iter()
            .map(|l| (l * 1000.0).round() / 1000.0)
            .collect::<Vec<_>>(),
        genre_precision(model.input_vectors(), sessions, genre)
    );
}

fn main() -> Result<()> {
    let a = args()?;

    // 1. A corpus with known structure: every artist belongs to one of 10 genres, and listeners
    //    mostly stay within their genres.
    let base = SynthConfig::small();
    let s = |n: usize| ((n as f64 * a.scale).round() as usize).max(1);
    let synth = Synthetic::generate(
        &base
            .clone()
            .with_users(s(base.n_users))
            .with_artists(s(base.n_artists))
            .with_tracks(s(base.n_tracks))
            .with_sessions(s(base.n_sessions))
            .with_plays(s(base.n_plays)),
    )?;
    let sessions = synth.sessions();
    let genre = &synth.artist_genre;
    println!(
        "{{\"sessions\": {}, \"plays\": {}, \"artists\": {}, \"genres\": {}}}",
        sessions.len(),
        sessions.n_plays(),
        sessions.items.len(),
        synth.genres.len()
    );

    // 2. The burn trainer on the default CPU backend. The objective and corpus options are the
    //    hand-written trainer's; `batch_size` pairs are scored and updated at once.
    let config = BurnSkipGramConfig::new(a.dim)
        .with_window(Window::Fixed(5))
        .with_negative(5)
        .with_epochs(a.epochs)
        .with_batch_size(a.batch)
        .with_seed(1);
    let t = Instant::now();
    let model = config.fit_sessions_on::<CpuBackend>(sessions, &Default::default(), &NoProgress)?;
    let wall = t.elapsed().as_secs_f64();
    report_burn("burn-cpu", &model, sessions, genre);
    eprintln!("burn-cpu: {wall:.1} s including corpus preparation");

    // 3. The same model on a GPU, with the `cuda` feature.
    if a.cuda {
        #[cfg(feature = "cuda")]
        {
            use artist2vec_neural::{CudaBackend, CudaDevice};
            let device = CudaDevice::default();
            // A first short run compiles the kernels, so the timed run measures training.
            config
                .clone()
                .with_epochs(1)
                .fit_sessions_on::<CudaBackend>(sessions, &device, &NoProgress)?;
            let model = config.fit_sessions_on::<CudaBackend>(sessions, &device, &NoProgress)?;
            report_burn("burn-cuda", &model, sessions, genre);
        }
        #[cfg(not(feature = "cuda"))]
        bail!("--cuda needs the examples' `cuda` feature (cargo run --features cuda …)");
    }

    // 4. The hand-written CPU trainer, same settings, one thread and all cores.
    if !a.skip_hand {
        use artist2vec_skipgram::{SkipGramConfig, Window as HandWindow};
        for threads in [1, 0] {
            let hand = SkipGramConfig::new(a.dim)
                .with_window(HandWindow::Fixed(5))
                .with_negative(5)
                .with_epochs(a.epochs)
                .with_threads(threads)
                .with_seed(1)
                .fit(sessions)?;
            let s = hand.stats();
            println!(
                "{{\"trainer\": \"hand-written\", \"threads\": {}, \"seconds\": {:.2}, \
                 \"words_per_s\": {:.0}, \"pairs_per_s\": {:.0}, \"epoch_loss\": {:?}, \
                 \"genre_precision_at_10_top1000\": {:.3}}}",
                s.threads,
                s.seconds,
                s.words_per_second,
                s.pairs as f64 / s.seconds,
                s.epoch_loss
                    .iter()
                    .map(|l| (l * 1000.0).round() / 1000.0)
                    .collect::<Vec<_>>(),
                genre_precision(hand.input_vectors(), sessions, genre)
            );
        }
    }
    Ok(())
}
