//! Corpus preparation and the multithreaded lock-free training loop.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use artist2vec_core::{Observer, Progress};
use serde::{Deserialize, Serialize};

use crate::config::{Sigmoid, SkipGramConfig, Window};
use crate::error::{Result, SkipGramError};
use crate::kernel::{
    AliasTable, Arith, ExactLogistic, Logistic, NegativeQueue, Plain, Rng, SkippingTable,
    TableLogistic, axpy, prefetch_bytes, sgns_target,
};

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

/// Sentences as compact rows of artist indices (only artists that are trained).
#[derive(Debug, Clone)]
pub(crate) struct Corpus {
    pub offsets: Vec<usize>,
    pub tokens: Vec<u32>,
    /// Occurrences of each artist in the whole corpus, before `min_count`.
    pub counts: Vec<u64>,
}

impl Corpus {
    /// Counts artists, drops those below `min_count`, drops sentences left with fewer than
    /// two artists, and shuffles each sentence once when asked.
    pub(crate) fn build(
        n_items: usize,
        offsets: &[usize],
        tokens: &[u32],
        min_count: u64,
        shuffle_once_seed: Option<u64>,
    ) -> Self {
        let mut counts = vec![0u64; n_items];
        for &t in tokens {
            counts[t as usize] += 1;
        }
        let keep: Vec<bool> = counts.iter().map(|&c| c >= min_count && c > 0).collect();
        let mut out_offsets = Vec::with_capacity(offsets.len());
        out_offsets.push(0);
        let mut out_tokens = Vec::with_capacity(tokens.len());
        let mut rng = shuffle_once_seed.map(|s| Rng::derived(s, 0x5348_5546_4f4e_4345));
        for w in offsets.windows(2) {
            let start = out_tokens.len();
            out_tokens.extend(
                tokens[w[0]..w[1]]
                    .iter()
                    .copied()
                    .filter(|&t| keep[t as usize]),
            );
            if out_tokens.len() - start < 2 {
                out_tokens.truncate(start);
                continue;
            }
            if let Some(r) = &mut rng {
                r.shuffle(&mut out_tokens[start..]);
            }
            out_offsets.push(out_tokens.len());
        }
        out_tokens.shrink_to_fit();
        Self {
            offsets: out_offsets,
            tokens: out_tokens,
            counts,
        }
    }

    pub(crate) fn n_sentences(&self) -> usize {
        self.offsets.len() - 1
    }

    pub(crate) fn is_trained(&self, ix: usize, min_count: u64) -> bool {
        self.counts[ix] >= min_count && self.counts[ix] > 0
    }

    /// Splits the sentences into `parts` contiguous ranges of about equal token counts.
    fn chunks(&self, parts: usize) -> Vec<Range<usize>> {
        let n = self.n_sentences();
        let total = self.tokens.len();
        let mut out = Vec::with_capacity(parts);
        let mut start = 0;
        for p in 1..=parts {
            let goal = total * p / parts;
            let end = if p == parts {
                n
            } else {
                // First sentence boundary at or after the goal.
                self.offsets[start..=n].partition_point(|&o| o < goal) + start
            }
            .clamp(start, n);
            out.push(start..end);
            start = end;
        }
        out
    }
}

/// Instruction set the hot loop is compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kernel {
    Portable,
    #[cfg(target_arch = "x86_64")]
    AvxFma,
}

impl Kernel {
    pub(crate) fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        if artist2vec_core::cpu::has_avx_fma() {
            return Kernel::AvxFma;
        }
        Kernel::Portable
    }

    fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Kernel::AvxFma => "avx+fma",
        }
    }
}

/// A matrix shared by all workers without locks ("Hogwild!", Niu et al. 2011), as in
/// word2vec.c and gensim: workers read and write rows concurrently, and a rare lost update is
/// part of the algorithm.
#[derive(Clone, Copy)]
struct SharedRows {
    ptr: *mut f32,
    rows: usize,
    dim: usize,
}

// SAFETY: the pointer stays valid for the whole training (the Vec it points into outlives
// every worker, which are scoped threads) and is only used through `row`.
unsafe impl Send for SharedRows {}
unsafe impl Sync for SharedRows {}

impl SharedRows {
    fn new(v: &mut [f32], dim: usize) -> Self {
        Self {
            ptr: v.as_mut_ptr(),
            rows: v.len() / dim,
            dim,
        }
    }

    /// Row `i` as a mutable slice.
    ///
    /// # Safety
    /// `i < rows`. With one worker the caller must not hold two rows of the same matrix at
    /// once (the kernel never does); with several, concurrent access to a row by other workers
    /// is the accepted Hogwild race: it can lose or mix an update of plain `f32`s, never
    /// touches memory outside the matrix.
    #[inline(always)]
    unsafe fn row<'a>(self, i: u32) -> &'a mut [f32] {
        debug_assert!((i as usize) < self.rows);
        // SAFETY: in bounds by the caller's contract.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(i as usize * self.dim), self.dim) }
    }

    /// Asks for row `i` to be brought into cache (any `i`: a prefetch never faults).
    #[inline(always)]
    fn prefetch(self, i: u32) {
        prefetch_bytes(
            self.ptr.wrapping_add(i as usize * self.dim).cast(),
            self.dim * size_of::<f32>(),
        );
    }
}

/// Everything a worker needs for one epoch.
struct Job<'a> {
    corpus: &'a Corpus,
    range: Range<usize>,
    syn0: SharedRows,
    syn1: SharedRows,
    negatives: &'a AliasTable,
    sample_int: Option<&'a [u32]>,
    window: Option<usize>,
    shrink: bool,
    negative: usize,
    shuffle: bool,
    shared_negatives: bool,
    alpha: f32,
    min_alpha: f32,
    total_all: f64,
    progress: &'a AtomicU64,
    observer: Option<(&'a dyn Observer, Instant)>,
}

impl Job<'_> {
    #[inline(always)]
    fn alpha_at(&self, done: u64) -> f32 {
        let p = (done as f64 / self.total_all).min(1.0);
        (self.alpha as f64 - (self.alpha - self.min_alpha) as f64 * p) as f32
    }
}

/// Per-thread state kept across epochs: its random streams and scratch buffers.
struct Worker {
    /// Subsampling, shuffling and window sizes.
    rng: Rng,
    /// Negative samples, drawn ahead of use.
    negq: NegativeQueue,
    words: Vec<u32>,
    h: Vec<f32>,
    work: Vec<f32>,
    last_report: Option<Instant>,
    // Buffers of the shared-negatives path: context artists, targets, labels, their input
    // rows, their pending updates and the gradient scales.
    ctx: Vec<u32>,
    tgt: Vec<u32>,
    lab: Vec<f32>,
    hbuf: Vec<f32>,
    wbuf: Vec<f32>,
    g: Vec<f32>,
}

#[derive(Default, Clone, Copy)]
struct ChunkOut {
    loss: f64,
    pairs: u64,
    words: u64,
}

/// Words between updates of the shared progress counter (gensim's job size).
const FLUSH: u64 = 10_000;

#[inline(always)]
fn run_chunk<A: Arith, L: Logistic>(job: &Job<'_>, lg: &L, w: &mut Worker) -> ChunkOut {
    let mut out = ChunkOut::default();
    let mut pending = 0u64;
    let mut base = job.progress.load(Ordering::Relaxed);
    for s in job.range.clone() {
        let alpha = job.alpha_at(base + pending);
        let sent = &job.corpus.tokens[job.corpus.offsets[s]..job.corpus.offsets[s + 1]];
        w.words.clear();
        match job.sample_int {
            None => w.words.extend_from_slice(sent),
            Some(t) => {
                for &x in sent {
                    if w.rng.next_u32() <= t[x as usize] {
                        w.words.push(x);
                    }
                }
            }
        }
        if job.shuffle {
            w.rng.shuffle(&mut w.words);
        }
        let n = w.words.len();
        out.words += n as u64;
        let mut loss = 0f32;
        // Rows are random places in matrices far larger than the caches: ask for the rows of
        // the first centre and its right-hand contexts now, and for those of the next centre
        // and the next context to enter a window while the current centre trains.
        // (With the whole sentence as window, only the output rows are prefetched.)
        let reach_ahead = job.window.map(|win| win + 1);
        if let Some(&first) = w.words.first() {
            job.syn1.prefetch(first);
        }
        for &x in &w.words[..reach_ahead.unwrap_or(0).min(n)] {
            job.syn0.prefetch(x);
        }
        for i in 0..n {
            if let Some(&next) = w.words.get(i + 1) {
                job.syn1.prefetch(next);
            }
            if let Some(r) = reach_ahead
                && let Some(&entering) = w.words.get(i + r)
            {
                job.syn0.prefetch(entering);
            }
            let win = job.window.unwrap_or(n);
            let reach = if job.shrink {
                win - w.rng.below(win)
            } else {
                win
            };
            let lo = i.saturating_sub(reach);
            let hi = (i + reach + 1).min(n);
            let target = w.words[i];
            if job.shared_negatives {
                loss += window_minibatch::<A, L>(job, lg, w, i, lo..hi, alpha);
                out.pairs += (hi - lo - 1) as u64;
                continue;
            }
            for j in lo..hi {
                if j == i {
                    continue;
                }
                let input = w.words[j];
                // SAFETY: corpus tokens are < rows (built from the same vocabulary); the row is
                // copied and the reference dropped before any other row of syn0 is taken.
                w.h.copy_from_slice(unsafe { job.syn0.row(input) });
                w.work.fill(0.0);
                // SAFETY: as above; one syn1 row at a time.
                let o = unsafe { job.syn1.row(target) };
                loss += sgns_target::<A, L>(lg, &w.h, &mut w.work, o, 1.0, alpha);
                for _ in 0..job.negative {
                    let t = w.negq.pop(job.negatives, |a| job.syn1.prefetch(a));
                    if t == target {
                        continue;
                    }
                    // SAFETY: alias-table items are trained artists, < rows.
                    let o = unsafe { job.syn1.row(t) };
                    loss += sgns_target::<A, L>(lg, &w.h, &mut w.work, o, 0.0, alpha);
                }
                // SAFETY: as above.
                axpy::<A>(unsafe { job.syn0.row(input) }, 1.0, &w.work);
                out.pairs += 1;
            }
        }
        out.loss += loss as f64;
        pending += sent.len() as u64;
        if pending >= FLUSH {
            base = job.progress.fetch_add(pending, Ordering::Relaxed) + pending;
            pending = 0;
            if let Some((observer, start)) = job.observer {
                let now = Instant::now();
                if w.last_report
                    .is_none_or(|t| now.duration_since(t).as_secs_f64() >= 0.5)
                {
                    w.last_report = Some(now);
                    let secs = now.duration_since(start).as_secs_f64().max(1e-9);
                    observer.progress(&Progress {
                        stage: "skipgram train",
                        done: base,
                        total: Some(job.total_all as u64),
                        value: Some(("words/s", base as f64 / secs)),
                    });
                }
            }
        }
    }
    job.progress.fetch_add(pending, Ordering::Relaxed);
    out
}

/// One centre artist `words[i]` against all its context artists `words[range]` (minus `i`),
/// with one shared draw of negatives: scores of every (context, target) pair first, then the
/// updates of the output rows and the context rows, as one minibatch. Returns the loss.
#[inline(always)]
fn window_minibatch<A: Arith, L: Logistic>(
    job: &Job<'_>,
    lg: &L,
    w: &mut Worker,
    i: usize,
    range: Range<usize>,
    alpha: f32,
) -> f32 {
    let dim = job.syn0.dim;
    let target = w.words[i];
    w.ctx.clear();
    for j in range {
        if j != i {
            w.ctx.push(w.words[j]);
        }
    }
    w.tgt.clear();
    w.lab.clear();
    w.tgt.push(target);
    w.lab.push(1.0);
    for _ in 0..job.negative {
        let t = w.negq.pop(job.negatives, |a| job.syn1.prefetch(a));
        if t != target {
            w.tgt.push(t);
            w.lab.push(0.0);
        }
    }
    let (m, nt) = (w.ctx.len(), w.tgt.len());
    w.hbuf.resize(m * dim, 0.0);
    for (c, &x) in w.ctx.iter().enumerate() {
        // SAFETY: corpus tokens are < rows; the reference ends with the copy.
        w.hbuf[c * dim..(c + 1) * dim].copy_from_slice(unsafe { job.syn0.row(x) });
    }
    w.g.resize(m * nt, 0.0);
    let mut loss = 0f32;
    for (k, (&t, &label)) in w.tgt.iter().zip(&w.lab).enumerate() {
        // SAFETY: alias-table items and the centre are trained artists, < rows.
        let o = unsafe { job.syn1.row(t) };
        for c in 0..m {
            let f = crate::kernel::dot::<A>(&w.hbuf[c * dim..(c + 1) * dim], o);
            loss -= if label > 0.5 {
                lg.log_sigmoid(f)
            } else {
                lg.log_sigmoid(-f)
            };
            w.g[c * nt + k] = if L::SKIP_SATURATED
                && (f >= crate::kernel::MAX_EXP || f <= -crate::kernel::MAX_EXP)
            {
                0.0
            } else {
                (label - lg.sigmoid(f)) * alpha
            };
        }
    }
    w.wbuf.clear();
    w.wbuf.resize(m * dim, 0.0);
    for (k, &t) in w.tgt.iter().enumerate() {
        // SAFETY: as above; one row at a time.
        let o = unsafe { job.syn1.row(t) };
        for c in 0..m {
            let g = w.g[c * nt + k];
            if g != 0.0 {
                axpy::<A>(&mut w.wbuf[c * dim..(c + 1) * dim], g, o);
            }
        }
        for c in 0..m {
            let g = w.g[c * nt + k];
            if g != 0.0 {
                axpy::<A>(o, g, &w.hbuf[c * dim..(c + 1) * dim]);
            }
        }
    }
    for (c, &x) in w.ctx.iter().enumerate() {
        // SAFETY: as above.
        axpy::<A>(
            unsafe { job.syn0.row(x) },
            1.0,
            &w.wbuf[c * dim..(c + 1) * dim],
        );
    }
    loss
}

/// The AVX + FMA build of the loop.
///
/// # Safety
/// The CPU must support AVX and FMA (checked by [`Kernel::detect`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx,fma")]
unsafe fn run_chunk_avx_fma<L: Logistic>(job: &Job<'_>, lg: &L, w: &mut Worker) -> ChunkOut {
    run_chunk::<crate::kernel::Fused, L>(job, lg, w)
}

fn run_dispatch(
    kernel: Kernel,
    sigmoid: Sigmoid,
    table: &TableLogistic,
    job: &Job<'_>,
    w: &mut Worker,
) -> ChunkOut {
    match (kernel, sigmoid) {
        (Kernel::Portable, Sigmoid::Table) => run_chunk::<Plain, _>(job, &SkippingTable(table), w),
        (Kernel::Portable, Sigmoid::TableClipped) => run_chunk::<Plain, _>(job, table, w),
        (Kernel::Portable, Sigmoid::Exact) => run_chunk::<Plain, _>(job, &ExactLogistic, w),
        // SAFETY: `AvxFma` is only chosen when the CPU has both features.
        #[cfg(target_arch = "x86_64")]
        (Kernel::AvxFma, Sigmoid::Table) => unsafe {
            run_chunk_avx_fma(job, &SkippingTable(table), w)
        },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        (Kernel::AvxFma, Sigmoid::TableClipped) => unsafe { run_chunk_avx_fma(job, table, w) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        (Kernel::AvxFma, Sigmoid::Exact) => unsafe { run_chunk_avx_fma(job, &ExactLogistic, w) },
    }
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
    #[cfg(target_os = "linux")]
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
    #[cfg(not(target_os = "linux"))]
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
    let shared0 = SharedRows::new(&mut syn0, dim);
    let shared1 = SharedRows::new(&mut syn1, dim);
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
    use crate::kernel::{Fused, sgns_target};

    #[test]
    fn corpus_drops_rare_artists_and_short_sentences() {
        // Sentences: [0 1 2] [3] [0 3 0] [1 2]; artist 3 occurs twice, 2 twice.
        let c = Corpus::build(4, &[0, 3, 4, 7, 9], &[0, 1, 2, 3, 0, 3, 0, 1, 2], 3, None);
        assert_eq!(c.counts, vec![3, 2, 2, 2]);
        // Only artist 0 survives min_count 3: every sentence is left with < 2 artists…
        // except [0 3 0] → [0 0].
        assert_eq!(c.offsets, vec![0, 2]);
        assert_eq!(c.tokens, vec![0, 0]);
        let c = Corpus::build(
            4,
            &[0, 3, 4, 7, 9],
            &[0, 1, 2, 3, 0, 3, 0, 1, 2],
            1,
            Some(5),
        );
        assert_eq!(c.n_sentences(), 3);
        assert_eq!(c.tokens.len(), 8);
        let mut first = c.tokens[..3].to_vec();
        first.sort_unstable();
        assert_eq!(first, vec![0, 1, 2], "shuffling permutes within a sentence");
    }

    #[test]
    fn chunks_partition_the_sentences() {
        let offsets: Vec<usize> = (0..=100).map(|i| i * i).collect();
        let tokens = vec![0u32; 100 * 100];
        let c = Corpus {
            offsets,
            tokens,
            counts: vec![10_000],
        };
        for parts in [1, 2, 3, 7] {
            let ch = c.chunks(parts);
            assert_eq!(ch.len(), parts);
            assert_eq!(ch[0].start, 0);
            assert_eq!(ch.last().unwrap().end, 100);
            for w in ch.windows(2) {
                assert_eq!(w[0].end, w[1].start);
            }
            let sizes: Vec<usize> = ch
                .iter()
                .map(|r| c.offsets[r.end] - c.offsets[r.start])
                .collect();
            let max = *sizes.iter().max().unwrap() as f64;
            // Sentences are up to 199 tokens long: chunks agree to within one sentence.
            assert!(max - 10_000.0 / parts as f64 <= 200.0, "{sizes:?}");
        }
    }

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

    /// The loss of one input vector against a positive and some negatives, in f64.
    fn loss(h: &[f64], outs: &[Vec<f64>], labels: &[f64]) -> f64 {
        outs.iter()
            .zip(labels)
            .map(|(o, &l)| {
                let x: f64 = h.iter().zip(o).map(|(a, b)| a * b).sum();
                let z = if l > 0.5 { x } else { -x };
                (1.0 + (-z).exp()).ln()
            })
            .sum()
    }

    /// The kernel's update equals minus alpha times the finite-difference gradient of the loss
    /// (a sign error, as in the first notebook, flips every component).
    fn check_update_direction<L: Logistic>(lg: &L, tol: f64) {
        let dim = 6;
        let mut rng = Rng::new(99);
        let mut v = |s: f32| -> Vec<f32> { (0..dim).map(|_| (rng.unit_f32() - 0.5) * s).collect() };
        let h: Vec<f32> = v(1.5);
        let outs: Vec<Vec<f32>> = (0..4).map(|_| v(1.5)).collect();
        let labels = [1.0f32, 0.0, 0.0, 0.0];
        let alpha = 1e-3f32;

        let mut work = vec![0f32; dim];
        let mut new_outs = outs.clone();
        let mut kernel_loss = 0.0;
        for (o, &l) in new_outs.iter_mut().zip(&labels) {
            kernel_loss += sgns_target::<Plain, L>(lg, &h, &mut work, o, l, alpha) as f64;
        }
        let h64: Vec<f64> = h.iter().map(|&x| x as f64).collect();
        let o64: Vec<Vec<f64>> = outs
            .iter()
            .map(|o| o.iter().map(|&x| x as f64).collect())
            .collect();
        let l64: Vec<f64> = labels.iter().map(|&x| x as f64).collect();
        let base = loss(&h64, &o64, &l64);
        assert!(
            (kernel_loss - base).abs() < tol * 10.0,
            "{kernel_loss} vs {base}"
        );

        let eps = 1e-6;
        for d in 0..dim {
            let mut hp = h64.clone();
            hp[d] += eps;
            let mut hm = h64.clone();
            hm[d] -= eps;
            let grad = (loss(&hp, &o64, &l64) - loss(&hm, &o64, &l64)) / (2.0 * eps);
            let step = work[d] as f64 / alpha as f64;
            assert!(
                (step + grad).abs() < tol,
                "h[{d}]: step {step}, -grad {}",
                -grad
            );
        }
        for (k, o) in o64.iter().enumerate() {
            for d in 0..dim {
                let mut op = o64.clone();
                op[k][d] = o[d] + eps;
                let mut om = o64.clone();
                om[k][d] = o[d] - eps;
                let grad = (loss(&h64, &op, &l64) - loss(&h64, &om, &l64)) / (2.0 * eps);
                let step = (new_outs[k][d] - outs[k][d]) as f64 / alpha as f64;
                assert!(
                    (step + grad).abs() < tol,
                    "out{k}[{d}]: {step} vs {}",
                    -grad
                );
            }
        }
    }

    #[test]
    fn update_is_minus_alpha_times_the_finite_difference_gradient() {
        check_update_direction(&ExactLogistic, 2e-3);
        // The table's σ is within 0.003 of the exact one; gradients scale with |vector| ≤ 1.9.
        check_update_direction(&TableLogistic::new(), 1.5e-2);
    }

    #[test]
    fn saturated_targets_are_skipped_only_by_the_gensim_table() {
        let table = TableLogistic::new();
        let h = vec![1.0f32; 8];
        let out = vec![1.0f32; 8]; // logit 8 > MAX_EXP
        for (label, skip) in [(0.0, true), (1.0, true), (0.0, false)] {
            let mut o = out.clone();
            let mut work = vec![0f32; 8];
            if skip {
                sgns_target::<Plain, _>(&SkippingTable(&table), &h, &mut work, &mut o, label, 0.1);
                assert_eq!(o, out);
                assert!(work.iter().all(|&v| v == 0.0));
            } else {
                // word2vec.c: a negative scored as certain gets the full push.
                sgns_target::<Plain, _>(&table, &h, &mut work, &mut o, label, 0.1);
                assert!(o.iter().all(|&v| (v - 0.9).abs() < 1e-6), "{o:?}");
            }
        }
    }

    #[test]
    fn fused_and_plain_updates_agree() {
        if !crate::kernel::tests::fused_available() {
            return;
        }
        let lg = ExactLogistic;
        let h = vec![0.3f32; 64];
        let mut o1 = vec![-0.1f32; 64];
        let mut o2 = o1.clone();
        let (mut w1, mut w2) = (vec![0f32; 64], vec![0f32; 64]);
        let l1 = sgns_target::<Plain, _>(&lg, &h, &mut w1, &mut o1, 1.0, 0.1);
        let l2 = sgns_target::<Fused, _>(&lg, &h, &mut w2, &mut o2, 1.0, 0.1);
        assert!((l1 - l2).abs() < 1e-5);
        for (a, b) in w1.iter().zip(&w2) {
            assert!((a - b).abs() < 1e-6);
        }
    }
}
