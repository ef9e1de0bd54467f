//! The worker loop of the lock-free ("Hogwild!") trainer: the matrices shared without locks,
//! one worker's chunk of sentences per epoch (subsampling, windows, negatives, the updates and
//! the learning-rate schedule), and the dispatch to the instruction set the CPU has
//! ([`Kernel`]).

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use artist2vec_core::hogwild::{HogwildRows, SharedRow};
use artist2vec_core::{Observer, Progress};

use super::Corpus;
use crate::config::Sigmoid;
use crate::kernel::{
    AliasTable, Arith, ExactLogistic, Logistic, NegativeQueue, Plain, Rng, SkippingTable,
    TableLogistic, axpy, prefetch_bytes, sgns_target,
};

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

    pub(super) fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Kernel::AvxFma => "avx+fma",
        }
    }
}

/// A matrix shared by all workers without locks ("Hogwild!", Niu et al. 2011), as in
/// word2vec.c and gensim: workers read and write rows concurrently, and a rare lost update is
/// part of the algorithm. Sound: every element is a relaxed atomic
/// ([`HogwildRows`]); the kernels read and write the output rows and add the input rows' steps
/// in place, through vector accesses that are relaxed atomic accesses to the cells
/// ([`SharedRow`]), and copy the input row of an update into a local buffer, as word2vec does.
#[derive(Clone, Copy)]
pub(super) struct SharedRows<'a>(pub(super) HogwildRows<'a>);

impl<'a> SharedRows<'a> {
    /// Asks for row `i` to be brought into cache (any `i`: a prefetch never faults).
    #[inline(always)]
    fn prefetch(self, i: u32) {
        prefetch_bytes(self.0.row_ptr(i as usize), self.0.row_bytes());
    }

    /// Copies row `i` into `out`.
    #[inline(always)]
    fn load<A: Arith>(self, i: u32, out: &mut [f32]) {
        A::load(&self.0, i as usize, out);
    }

    /// Row `i`, read and written in place.
    #[inline(always)]
    fn row(self, i: u32) -> SharedRow<'a> {
        self.0.row(i as usize)
    }
}

/// Everything a worker needs for one epoch.
pub(super) struct Job<'a> {
    pub(super) corpus: &'a Corpus,
    pub(super) range: Range<usize>,
    pub(super) syn0: SharedRows<'a>,
    pub(super) syn1: SharedRows<'a>,
    pub(super) negatives: &'a AliasTable,
    pub(super) sample_int: Option<&'a [u32]>,
    pub(super) window: Option<usize>,
    pub(super) shrink: bool,
    pub(super) negative: usize,
    pub(super) shuffle: bool,
    pub(super) shared_negatives: bool,
    pub(super) alpha: f32,
    pub(super) min_alpha: f32,
    pub(super) total_all: f64,
    pub(super) progress: &'a AtomicU64,
    pub(super) observer: Option<(&'a dyn Observer, Instant)>,
}

impl Job<'_> {
    #[inline(always)]
    fn alpha_at(&self, done: u64) -> f32 {
        let p = (done as f64 / self.total_all).min(1.0);
        (self.alpha as f64 - (self.alpha - self.min_alpha) as f64 * p) as f32
    }
}

/// Per-thread state kept across epochs: its random streams and scratch buffers.
pub(super) struct Worker {
    /// Subsampling, shuffling and window sizes.
    pub(super) rng: Rng,
    /// Negative samples, drawn ahead of use.
    pub(super) negq: NegativeQueue,
    pub(super) words: Vec<u32>,
    pub(super) h: Vec<f32>,
    pub(super) work: Vec<f32>,
    pub(super) last_report: Option<Instant>,
    // Buffers of the shared-negatives path: context artists, targets, labels, their input
    // rows, their pending updates and the gradient scales.
    pub(super) ctx: Vec<u32>,
    pub(super) tgt: Vec<u32>,
    pub(super) lab: Vec<f32>,
    pub(super) hbuf: Vec<f32>,
    pub(super) wbuf: Vec<f32>,
    pub(super) g: Vec<f32>,
}

#[derive(Default, Clone, Copy)]
pub(super) struct ChunkOut {
    pub(super) loss: f64,
    pub(super) pairs: u64,
    pub(super) words: u64,
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
                job.syn0.load::<A>(input, &mut w.h);
                w.work.fill(0.0);
                let mut o = job.syn1.row(target);
                loss += sgns_target::<A, L>(lg, &w.h, &mut w.work, &mut o, 1.0, alpha).0;
                for _ in 0..job.negative {
                    let t = w.negq.pop(job.negatives, |a| job.syn1.prefetch(a));
                    if t == target {
                        continue;
                    }
                    // Alias-table items are trained artists, rows of syn1.
                    let mut o = job.syn1.row(t);
                    loss += sgns_target::<A, L>(lg, &w.h, &mut w.work, &mut o, 0.0, alpha).0;
                }
                // word2vec's `syn0[input] += neu1e`, on the row as it is now.
                axpy::<A>(&mut job.syn0.row(input), 1.0, &w.work[..]);
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
    let dim = job.syn0.0.dim();
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
        job.syn0.load::<A>(x, &mut w.hbuf[c * dim..(c + 1) * dim]);
    }
    w.g.resize(m * nt, 0.0);
    let mut loss = 0f32;
    for (k, (&t, &label)) in w.tgt.iter().zip(&w.lab).enumerate() {
        // Alias-table items and the centre are trained artists, rows of syn1.
        let o = job.syn1.row(t);
        for c in 0..m {
            let f = crate::kernel::dot::<A>(&w.hbuf[c * dim..(c + 1) * dim], &o);
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
        // In place: the same artist may be drawn twice, and the second use sees the first
        // update.
        let mut o = job.syn1.row(t);
        for c in 0..m {
            let g = w.g[c * nt + k];
            if g != 0.0 {
                axpy::<A>(&mut w.wbuf[c * dim..(c + 1) * dim], g, &o);
            }
        }
        for c in 0..m {
            let g = w.g[c * nt + k];
            if g != 0.0 {
                axpy::<A>(&mut o, g, &w.hbuf[c * dim..(c + 1) * dim]);
            }
        }
    }
    for (c, &x) in w.ctx.iter().enumerate() {
        axpy::<A>(&mut job.syn0.row(x), 1.0, &w.wbuf[c * dim..(c + 1) * dim]);
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

pub(super) fn run_dispatch(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{Fused, sgns_target};

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
            kernel_loss +=
                sgns_target::<Plain, L>(lg, &h, &mut work, &mut o[..], l, alpha).0 as f64;
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
                let (_, changed) = sgns_target::<Plain, _>(
                    &SkippingTable(&table),
                    &h,
                    &mut work,
                    &mut o[..],
                    label,
                    0.1,
                );
                assert!(!changed);
                assert_eq!(o, out);
                assert!(work.iter().all(|&v| v == 0.0));
            } else {
                // word2vec.c: a negative scored as certain gets the full push.
                assert!(sgns_target::<Plain, _>(&table, &h, &mut work, &mut o[..], label, 0.1).1);
                assert!(o.iter().all(|&v| (v - 0.9).abs() < 1e-6), "{o:?}");
            }
        }
    }

    /// One target's update and the input row's `axpy`, on a shared row in place and on a local
    /// copy: bit for bit the same.
    fn same_in_place<A: Arith>(dim: usize) {
        let mut rng = Rng::new(dim as u64);
        let mut v = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.unit_f32() - 0.5).collect() };
        let (h, mut local) = (v(dim), v(dim));
        let mut table = v(3 * dim);
        table[dim..2 * dim].copy_from_slice(&local);
        let (mut w1, mut w2) = (vec![0f32; dim], vec![0f32; dim]);
        let lg = ExactLogistic;
        let mut l1 = sgns_target::<A, _>(&lg, &h, &mut w1, &mut local[..], 1.0, 0.25).0;
        l1 += sgns_target::<A, _>(&lg, &h, &mut w1, &mut local[..], 0.0, 0.25).0;
        axpy::<A>(&mut local[..], 1.0, &w1[..]);
        let l2 = {
            let rows = HogwildRows::new(&mut table, dim);
            let mut o = rows.row(1);
            let l = sgns_target::<A, _>(&lg, &h, &mut w2, &mut o, 1.0, 0.25).0;
            let l = l + sgns_target::<A, _>(&lg, &h, &mut w2, &mut o, 0.0, 0.25).0;
            axpy::<A>(&mut rows.row(1), 1.0, &w2[..]);
            l
        };
        let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(l1.to_bits(), l2.to_bits(), "{dim}");
        assert_eq!(bits(&w1), bits(&w2), "{dim}");
        assert_eq!(bits(&local), bits(&table[dim..2 * dim]), "{dim}");
    }

    #[test]
    fn in_place_updates_of_shared_rows_equal_updates_of_local_copies() {
        for dim in [100, 64, 13, 3] {
            same_in_place::<Plain>(dim);
            if crate::kernel::tests::fused_available() {
                same_in_place::<Fused>(dim);
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
        let l1 = sgns_target::<Plain, _>(&lg, &h, &mut w1, &mut o1[..], 1.0, 0.1).0;
        let l2 = sgns_target::<Fused, _>(&lg, &h, &mut w2, &mut o2[..], 1.0, 0.1).0;
        assert!((l1 - l2).abs() < 1e-5);
        for (a, b) in w1.iter().zip(&w2) {
            assert!((a - b).abs() < 1e-6);
        }
    }
}
