//! Skip-gram training speed on a generated corpus, with nothing but this crate and the core
//! (builds in seconds, so two versions of the trainer can be built and timed in one run).
//!
//! ```sh
//! cargo build --release -p artist2vec-skipgram --example bench_train
//! $CARGO_TARGET_DIR/release/examples/bench_train --artists 300000 --sessions 600000 --threads 2
//! ```
//!
//! The corpus: `--sessions` sessions of 5–20 plays (mean 12.5) over `--artists` artists, whose
//! popularity is Zipf-like (rank `⌊artists^u⌋` for uniform `u`) and scattered over the table,
//! so that rows are read at random places in matrices far larger than the caches, as with
//! 30Music. Settings as `examples/bench_skipgram.sh`: 100 d, window 5 (shrinking), 5 negatives,
//! sample 1e-3, min_count 5, `--epochs` (1), `--threads` (2), `--seed` (1);
//! `--shared-negatives 1` for the minibatch path. Prints one JSON line: effective words,
//! training seconds, words per second, the CPU seconds of the fit (all threads; the fairer
//! measure on a shared machine) and a checksum of the vectors (equal across versions
//! of the trainer that compute the same thing, with `--threads 1`).

use std::collections::HashMap;

use artist2vec_core::{Fit, Play, Sessions, Vocabulary};
use artist2vec_skipgram::{SkipGramConfig, Window};

fn arg(opts: &HashMap<String, String>, k: &str, d: &str) -> String {
    opts.get(k).cloned().unwrap_or_else(|| d.to_owned())
}

/// User + system CPU seconds of the process so far (all threads): on a shared machine the
/// fairer measure than wall-clock time.
fn cpu_seconds() -> f64 {
    // SAFETY: `getrusage` fills the zeroed struct it is given.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru
    };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 * 1e-6;
    t(ru.ru_utime) + t(ru.ru_stime)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts: HashMap<String, String> = args
        .chunks(2)
        .map(|p| {
            let k = p[0].strip_prefix("--").unwrap_or(&p[0]).to_owned();
            (k, p.get(1).cloned().unwrap_or_default())
        })
        .collect();
    let n_artists: usize = arg(&opts, "artists", "300000").parse()?;
    let n_sessions: usize = arg(&opts, "sessions", "600000").parse()?;
    let threads: usize = arg(&opts, "threads", "2").parse()?;
    let epochs: usize = arg(&opts, "epochs", "1").parse()?;
    let seed: u64 = arg(&opts, "seed", "1").parse()?;
    let shared = arg(&opts, "shared-negatives", "0") == "1";

    let items = Vocabulary::from_ids((0..n_artists).map(|i| format!("a{i}")))?;
    let users = Vocabulary::from_ids(["u0"])?;
    let mut sessions = Sessions::new(users, items, false);
    let mut state = 0x5EED_u64;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let ln_n = (n_artists as f64).ln();
    let mut t = 0i64;
    for s in 0..n_sessions {
        let len = 5 + (next() % 16) as usize;
        let plays: Vec<Play> = (0..len)
            .map(|_| {
                let u = (next() >> 11) as f64 / (1u64 << 53) as f64;
                let rank = ((u * ln_n).exp() as usize).saturating_sub(1) % n_artists;
                t += 1;
                Play {
                    item: ((rank as u64 * 2_654_435_761) % n_artists as u64) as u32,
                    time: t,
                    duration: None,
                }
            })
            .collect();
        sessions.push(s as u64, 0, plays)?;
    }

    let config = SkipGramConfig::new(100)
        .with_window(Window::Fixed(5))
        .with_negative(5)
        .with_sample(1e-3)
        .with_min_count(5)
        .with_epochs(epochs)
        .with_threads(threads)
        .with_seed(seed)
        .with_shared_negatives(shared);
    let cpu0 = cpu_seconds();
    let model = config.fit(&sessions)?;
    let fit_cpu = cpu_seconds() - cpu0;
    let st = model.stats();
    let checksum: f64 = model
        .input_vectors()
        .as_slice()
        .iter()
        .chain(model.output_vectors())
        .map(|&v| v as f64)
        .sum();
    println!(
        "{{\"effective_words\": {}, \"seconds\": {:.3}, \"words_per_second\": {:.0}, \
         \"threads\": {}, \"kernel\": \"{}\", \"vocab\": {}, \"shared_negatives\": {shared}, \
         \"fit_cpu_s\": {fit_cpu:.3}, \"checksum\": {checksum:?}}}",
        st.effective_words, st.seconds, st.words_per_second, st.threads, st.kernel, st.vocab_size
    );
    Ok(())
}
