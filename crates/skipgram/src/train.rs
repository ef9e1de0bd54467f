//! Training skip-gram with negative sampling: the public result ([`TrainingStats`]) and the
//! driver [`train`] — subsampling thresholds, matrix initialisation, the epochs over worker
//! threads and the divergence checks.
//!
//! The corpus the workers read is built in `corpus`; the worker loop and its CPU-specific
//! dispatch ([`Kernel`]) live in `worker`.

mod corpus;
mod worker;

use std::sync::atomic::AtomicU64;
use std::time::Instant;

use artist2vec_core::hogwild::HogwildRows;
use artist2vec_core::{Observer, Progress};
use serde::{Deserialize, Serialize};

use crate::config::{SkipGramConfig, Window};
use crate::error::{Result, SkipGramError};
use crate::kernel::{AliasTable, NegativeQueue, Rng, TableLogistic};

pub(crate) use corpus::Corpus;
pub(crate) use worker::Kernel;
use worker::{ChunkOut, Job, SharedRows, Worker, run_dispatch};

/// What training did: the loss curve and the throughput.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct TrainingStats {
    /// Mean loss per positive pair (`-ln σ(h·o⁺) - Σ ln σ(-h·o⁻)` over its negatives), one
    /// value per epoch.
    pub epoch_loss: Vec<f64>,
    /// Artists that were trained (at least `min_count` occurrences).
    pub vocab_size: usize,
    /// Sentences with at least one trained artist.
    pub sentences: usize,
    /// Trained-artist occurrences per epoch, before subsampling.
    pub corpus_words: u64,
    /// Occurrences actually trained over all epochs, after subsampling ("effective words").
    pub effective_words: u64,
    /// Positive (input, context) pairs over all epochs.
    pub pairs: u64,
    /// Wall-clock seconds of the training loop (corpus preparation excluded).
    pub seconds: f64,
    /// `effective_words / seconds`, gensim's "effective words/s".
    pub words_per_second: f64,
    /// Worker threads.
    pub threads: usize,
    /// Instruction set of the kernel (`"avx+fma"` or `"portable"`).
    pub kernel: String,
}

/// The trained matrices (rows of untrained artists are zero) and what training did.
pub(crate) struct Trained {
    pub syn0: Vec<f32>,
    pub syn1: Vec<f32>,
    pub stats: TrainingStats,
}

/// Subsampling thresholds as gensim computes them: keep an occurrence of artist `w` when a
/// uniform `u32` is `<=` `sample_int[w]`. `None` when subsampling is off.
fn sample_thresholds(corpus: &Corpus, config: &SkipGramConfig) -> Option<Vec<u32>> {
    if config.sample <= 0.0 {
        return None;
    }
    let retained: u64 = (0..corpus.counts.len())
        .filter(|&i| corpus.is_trained(i, config.min_count))
        .map(|i| corpus.counts[i])
        .sum();
    let threshold = config.sample * retained as f64;
    Some(
        corpus
            .counts
            .iter()
            .map(|&c| {
                if c == 0 {
                    return 0;
                }
                let v = c as f64;
                let p = ((v / threshold).sqrt() + 1.0) * (threshold / v);
                (p.min(1.0) * u32::MAX as f64) as u32
            })
            .collect(),
    )
}

/// Asks Linux to back `v` with transparent huge pages (2 MiB) where it is aligned for them,
/// before its pages are first touched: rows are read at random, and with 4 KiB pages nearly
/// every row of a large matrix is also a TLB miss. A hint; nothing changes if it is refused
/// or elsewhere than Linux. (NumPy does the same for gensim's arrays.)
fn advise_huge_pages(v: &mut [f32]) {
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        const HUGE: usize = 2 << 20;
        let start = v.as_mut_ptr() as usize;
        let end = start + std::mem::size_of_val(v);
        let (a, b) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
        if b > a {
            // SAFETY: [a, b) lies inside `v`'s allocation, which we own; MADV_HUGEPAGE changes
            // how its pages are backed, never their contents.
            unsafe {
                libc::madvise(a as *mut libc::c_void, b - a, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(any(not(target_os = "linux"), miri))]
    let _ = v;
}

/// Trains skip-gram with negative sampling on `corpus`.
pub(crate) fn train(
    config: &SkipGramConfig,
    corpus: &Corpus,
    shuffle_each_epoch: bool,
    kernel: Kernel,
    observer: &dyn Observer,
) -> Result<Trained> {
    let n_items = corpus.counts.len();
    let dim = config.dim;
    let trained: Vec<u32> = (0..n_items as u32)
        .filter(|&i| corpus.is_trained(i as usize, config.min_count))
        .collect();
    if corpus.n_sentences() == 0 || trained.is_empty() {
        return Err(SkipGramError::EmptyCorpus(format!(
            "no sentence has two artists with at least min_count = {} occurrences",
            config.min_count
        )));
    }
    let negatives = AliasTable::new(
        &trained
            .iter()
            .map(|&i| {
                (
                    i,
                    (corpus.counts[i as usize] as f64).powf(config.ns_exponent),
                )
            })
            .collect::<Vec<_>>(),
    );
    let sample_int = sample_thresholds(corpus, config);

    // gensim 4's initialisation: input vectors uniform in [-1, 1) / dim, output vectors 0.
    let mut syn0 = vec![0f32; n_items * dim];
    let mut syn1 = vec![0f32; n_items * dim];
    advise_huge_pages(&mut syn0);
    advise_huge_pages(&mut syn1);
    let mut init = Rng::derived(config.seed, 0x494e_4954);
    for &i in &trained {
        for v in &mut syn0[i as usize * dim..(i as usize + 1) * dim] {
            *v = (2.0 * init.unit_f32() - 1.0) / dim as f32;
        }
    }

    let threads = config.effective_threads().min(corpus.n_sentences()).max(1);
    let chunks = corpus.chunks(threads);
    let mut workers: Vec<Worker> = (0..threads)
        .map(|t| Worker {
            rng: Rng::derived(config.seed, 1 + t as u64),
            negq: NegativeQueue::new(
                Rng::derived(config.seed, 0x4e45_4700_0000 + t as u64),
                &negatives,
                |_| {},
            ),
            words: Vec::new(),
            h: vec![0.0; dim],
            work: vec![0.0; dim],
            last_report: None,
            ctx: Vec::new(),
            tgt: Vec::new(),
            lab: Vec::new(),
            hbuf: Vec::new(),
            wbuf: Vec::new(),
            g: Vec::new(),
        })
        .collect();
    let table = TableLogistic::new();
    let corpus_words = corpus.tokens.len() as u64;
    let total_all = (corpus_words * config.epochs as u64) as f64;
    let progress = AtomicU64::new(0);
    let window = match config.window {
        Window::Fixed(w) => Some(w),
        Window::Whole => None,
    };
    let shared0 = SharedRows(HogwildRows::new(&mut syn0, dim));
    let shared1 = SharedRows(HogwildRows::new(&mut syn1, dim));
    let start = Instant::now();
    let mut stats = TrainingStats {
        vocab_size: trained.len(),
        sentences: corpus.n_sentences(),
        corpus_words,
        threads,
        kernel: kernel.name().to_owned(),
        ..TrainingStats::default()
    };
    for epoch in 0..config.epochs {
        let job = |t: usize| Job {
            corpus,
            range: chunks[t].clone(),
            syn0: shared0,
            syn1: shared1,
            negatives: &negatives,
            sample_int: sample_int.as_deref(),
            window,
            shrink: config.shrink_window,
            negative: config.negative,
            shuffle: shuffle_each_epoch,
            shared_negatives: config.shared_negatives,
            alpha: config.alpha,
            min_alpha: config.min_alpha,
            total_all,
            progress: &progress,
            observer: (t == 0).then_some((observer, start)),
        };
        let outs: Vec<ChunkOut> = if threads == 1 {
            vec![run_dispatch(
                kernel,
                config.sigmoid,
                &table,
                &job(0),
                &mut workers[0],
            )]
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> = workers
                    .iter_mut()
                    .enumerate()
                    .map(|(t, w)| {
                        let j = job(t);
                        let table = &table;
                        let sigmoid = config.sigmoid;
                        s.spawn(move || run_dispatch(kernel, sigmoid, table, &j, w))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("skip-gram worker panicked"))
                    .collect()
            })
        };
        let (loss, pairs, words) = outs.iter().fold((0.0, 0u64, 0u64), |a, o| {
            (a.0 + o.loss, a.1 + o.pairs, a.2 + o.words)
        });
        let mean = if pairs > 0 { loss / pairs as f64 } else { 0.0 };
        if !mean.is_finite() {
            return Err(SkipGramError::Diverged { epoch, loss: mean });
        }
        stats.epoch_loss.push(mean);
        stats.pairs += pairs;
        stats.effective_words += words;
        observer.progress(&Progress {
            stage: "skipgram epoch",
            done: epoch as u64 + 1,
            total: Some(config.epochs as u64),
            value: Some(("loss", mean)),
        });
    }
    stats.seconds = start.elapsed().as_secs_f64();
    stats.words_per_second = stats.effective_words as f64 / stats.seconds.max(1e-9);
    if syn0.iter().chain(&syn1).any(|v| !v.is_finite()) {
        return Err(SkipGramError::Diverged {
            epoch: config.epochs - 1,
            loss: f64::NAN,
        });
    }
    Ok(Trained { syn0, syn1, stats })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_page_advice_keeps_the_contents() {
        // 12 MB: at least one aligned 2 MiB stretch whatever the allocator returns.
        let mut v: Vec<f32> = (0..3_000_000).map(|i| i as f32).collect();
        advise_huge_pages(&mut v);
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as f32));
        let mut fresh = vec![0f32; 3_000_000];
        advise_huge_pages(&mut fresh);
        fresh[2_999_999] = 1.0;
        assert_eq!(fresh.iter().sum::<f32>(), 1.0);
        let mut small = vec![1.0f32; 3];
        advise_huge_pages(&mut small);
        advise_huge_pages(&mut []);
        assert_eq!(small, [1.0; 3]);
    }

    /// A tiny corpus, trained with two threads that update the same rows at once. Under Miri
    /// (`cargo +nightly miri test -p artist2vec-skipgram --lib hogwild`) this checks that the
    /// lock-free trainer is free of data races and undefined behaviour in the Rust memory
    /// model; natively it checks that both update orders learn and stay finite.
    #[test]
    fn hogwild_training_with_two_threads_is_race_free() {
        let (sentences, len, epochs) = if cfg!(miri) { (6, 5, 1) } else { (400, 8, 3) };
        let n_items = 10;
        let mut tokens = Vec::new();
        let mut offsets = vec![0];
        let mut rng = Rng::derived(7, 0);
        for s in 0..sentences {
            // Two groups of artists; a sentence stays in one, so both threads touch the same
            // few rows all the time.
            let group = (s % 2) as u32 * 5;
            for _ in 0..len {
                tokens.push(group + rng.below(5) as u32);
            }
            offsets.push(tokens.len());
        }
        let corpus = Corpus::build(n_items, &offsets, &tokens, 1, None);
        for shared in [false, true] {
            let config = SkipGramConfig::new(8)
                .with_window(Window::Fixed(2))
                .with_negative(2)
                .with_min_count(1)
                .with_sample(0.0)
                .with_epochs(epochs)
                .with_threads(2)
                .with_shared_negatives(shared);
            let t = train(
                &config,
                &corpus,
                true,
                Kernel::detect(),
                &artist2vec_core::NoProgress,
            )
            .unwrap();
            assert_eq!(t.stats.threads, 2);
            assert_eq!(t.stats.epoch_loss.len(), epochs);
            assert!(t.syn0.iter().chain(&t.syn1).all(|v| v.is_finite()));
            assert!(
                t.syn1.iter().any(|&v| v != 0.0),
                "output vectors were trained"
            );
            if !cfg!(miri) {
                let l = &t.stats.epoch_loss;
                assert!(l[epochs - 1] < l[0], "shared {shared}: {l:?}");
            }
        }
    }

    #[test]
    fn subsampling_follows_gensims_formula() {
        let c = Corpus::build(3, &[0, 3], &[0, 1, 2], 1, None);
        let c = Corpus {
            counts: vec![1000, 10, 1],
            ..c
        };
        let cfg = SkipGramConfig::default()
            .with_sample(1e-3)
            .with_min_count(1);
        let t = sample_thresholds(&c, &cfg).unwrap();
        let thr = 1e-3 * 1011.0;
        for (i, v) in [1000.0f64, 10.0].into_iter().enumerate() {
            let p = ((v / thr).sqrt() + 1.0) * (thr / v);
            assert!((t[i] as f64 / u32::MAX as f64 - p).abs() < 1e-6, "{i}");
        }
        assert_eq!(t[2], u32::MAX, "rare artists are always kept");
        assert!(sample_thresholds(&c, &cfg.with_sample(0.0)).is_none());
    }
}
