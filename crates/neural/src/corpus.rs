//! Sentences, subsampling, negative sampling and (center, context, negatives) batches.

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

use crate::Window;
use crate::config::BurnSkipGramConfig;

/// Sentences as compact rows of *table* indices (only artists that are trained).
#[derive(Debug, Clone)]
pub(crate) struct Corpus {
    /// Occurrences of each artist of the data's vocabulary, before `min_count`.
    pub counts: Vec<u64>,
    /// The data artist of each table row.
    pub artist_of: Vec<u32>,
    /// Sentence boundaries into `words`; only sentences with at least two trained artists.
    pub offsets: Vec<usize>,
    /// Table rows, sentence after sentence.
    pub words: Vec<u32>,
}

impl Corpus {
    /// Builds the corpus from sentences of data artist indices (`offsets`/`items` as in
    /// [`Sessions`](artist2vec_core::Sessions)), keeping artists with at least `min_count`
    /// occurrences; with `shuffle_once`, each sentence is shuffled with that seed.
    pub fn build(
        n_items: usize,
        offsets: &[usize],
        items: &[u32],
        min_count: u64,
        shuffle_once: Option<u64>,
    ) -> Self {
        let mut counts = vec![0u64; n_items];
        for &i in items {
            counts[i as usize] += 1;
        }
        let mut row_of = vec![u32::MAX; n_items];
        let mut artist_of = Vec::new();
        for (i, &c) in counts.iter().enumerate() {
            if c > 0 && c >= min_count {
                row_of[i] = artist_of.len() as u32;
                artist_of.push(i as u32);
            }
        }
        let mut out_offsets = vec![0usize];
        let mut words = Vec::with_capacity(items.len());
        let mut rng = shuffle_once.map(StdRng::seed_from_u64);
        for s in offsets.windows(2) {
            let start = words.len();
            words.extend(
                items[s[0]..s[1]]
                    .iter()
                    .map(|&i| row_of[i as usize])
                    .filter(|&r| r != u32::MAX),
            );
            if words.len() - start < 2 {
                words.truncate(start);
                continue;
            }
            if let Some(rng) = rng.as_mut() {
                shuffle(&mut words[start..], rng);
            }
            out_offsets.push(words.len());
        }
        Self {
            counts,
            artist_of,
            offsets: out_offsets,
            words,
        }
    }

    /// Number of table rows (trained artists).
    pub fn n_rows(&self) -> usize {
        self.artist_of.len()
    }

    /// Number of sentences.
    pub fn n_sentences(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Occurrences of each table row.
    pub fn row_counts(&self) -> Vec<u64> {
        self.artist_of
            .iter()
            .map(|&a| self.counts[a as usize])
            .collect()
    }

    /// Per table row, the probability of keeping an occurrence under frequent-artist
    /// subsampling (word2vec's formula, as gensim implements it); `None` when `sample` is 0.
    pub fn keep_probabilities(&self, sample: f64) -> Option<Vec<f32>> {
        if sample <= 0.0 {
            return None;
        }
        let counts = self.row_counts();
        let total: u64 = counts.iter().sum();
        let threshold = sample * total as f64;
        Some(
            counts
                .iter()
                .map(|&c| {
                    let c = c as f64;
                    ((threshold / c).sqrt() + threshold / c).min(1.0) as f32
                })
                .collect(),
        )
    }

    /// Shuffles the artists of every sentence.
    pub fn shuffle_sentences(&mut self, rng: &mut StdRng) {
        for s in self.offsets.windows(2) {
            shuffle(&mut self.words[s[0]..s[1]], rng);
        }
    }
}

/// Fisher–Yates shuffle.
pub(crate) fn shuffle<T>(v: &mut [T], rng: &mut StdRng) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
}

/// Walker's alias table: draws an index with probability proportional to its weight in O(1).
#[derive(Debug, Clone)]
pub(crate) struct Alias {
    /// Acceptance threshold of each bucket, scaled to `u32`.
    threshold: Vec<u32>,
    alias: Vec<u32>,
}

impl Alias {
    /// A table over `weights` (finite, non-negative, not all zero).
    pub fn new(weights: &[f64]) -> Self {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<u32>, Vec<u32>) =
            (0..n as u32).partition(|&i| scaled[i as usize] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            alias[s as usize] = l;
            scaled[l as usize] -= 1.0 - scaled[s as usize];
            if scaled[l as usize] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Buckets left in either list are full (probability 1 up to rounding).
        for i in small.into_iter().chain(large) {
            scaled[i as usize] = 1.0;
        }
        let threshold = scaled
            .iter()
            .map(|&p| (p.clamp(0.0, 1.0) * u32::MAX as f64) as u32)
            .collect();
        Self { threshold, alias }
    }

    /// One draw from 64 random bits.
    #[inline]
    pub fn sample(&self, bits: u64) -> u32 {
        let bucket = (((bits >> 32) * self.threshold.len() as u64) >> 32) as usize;
        if (bits as u32) <= self.threshold[bucket] {
            bucket as u32
        } else {
            self.alias[bucket]
        }
    }
}

/// Turns an epoch's sentences into (center, context, negatives) pairs.
pub(crate) struct PairSampler<'a> {
    window: Window,
    shrink: bool,
    negative: usize,
    keep: Option<&'a [f32]>,
    negatives: &'a Alias,
    kept: Vec<u32>,
}

/// A batch being filled: `centers[i]` is trained against `targets[i * (1 + k)]` (its context)
/// and `targets[i * (1 + k) + 1 ..= i * (1 + k) + k]` (its negatives).
#[derive(Debug, Default)]
pub(crate) struct BatchBuffer {
    pub centers: Vec<u32>,
    pub targets: Vec<u32>,
}

impl BatchBuffer {
    pub fn len(&self) -> usize {
        self.centers.len()
    }

    pub fn clear(&mut self) {
        self.centers.clear();
        self.targets.clear();
    }
}

impl<'a> PairSampler<'a> {
    pub fn new(config: &BurnSkipGramConfig, keep: Option<&'a [f32]>, negatives: &'a Alias) -> Self {
        Self {
            window: config.window,
            shrink: config.shrink_window,
            negative: config.negative,
            keep,
            negatives,
            kept: Vec::new(),
        }
    }

    /// Appends the pairs of one sentence to `batch`, calling `flush` whenever it holds
    /// `batch_size` pairs (so a batch never exceeds it). Returns the number of occurrences kept
    /// by subsampling.
    pub fn sentence<E>(
        &mut self,
        words: &[u32],
        rng: &mut StdRng,
        batch: &mut BatchBuffer,
        batch_size: usize,
        mut flush: impl FnMut(&mut BatchBuffer) -> Result<(), E>,
    ) -> Result<u64, E> {
        self.kept.clear();
        match self.keep {
            None => self.kept.extend_from_slice(words),
            Some(keep) => {
                for &w in words {
                    let p = keep[w as usize];
                    if p >= 1.0 || rng.random::<f32>() < p {
                        self.kept.push(w);
                    }
                }
            }
        }
        let len = self.kept.len();
        if len < 2 {
            return Ok(len as u64);
        }
        for p in 0..len {
            let full = match self.window {
                Window::Fixed(w) => w,
                Window::Whole => len - 1,
            };
            let b = if self.shrink && full > 1 {
                rng.random_range(1..=full)
            } else {
                full
            };
            let (lo, hi) = (p.saturating_sub(b), (p + b).min(len - 1));
            for q in lo..=hi {
                if q == p {
                    continue;
                }
                let (center, context) = (self.kept[q], self.kept[p]);
                batch.centers.push(center);
                batch.targets.push(context);
                for _ in 0..self.negative {
                    // Redraw a negative that hits the context (word2vec skips it); after a few
                    // tries keep it, so a corpus dominated by one artist cannot loop for long.
                    let mut t = self.negatives.sample(rng.next_u64());
                    for _ in 0..8 {
                        if t != context {
                            break;
                        }
                        t = self.negatives.sample(rng.next_u64());
                    }
                    batch.targets.push(t);
                }
                if batch.len() == batch_size {
                    flush(batch)?;
                    batch.clear();
                }
            }
        }
        Ok(len as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_drops_rare_artists_and_short_sentences() {
        // Artist 3 occurs once; with min_count 2 the sentence [3, 0] shrinks to [0] and goes.
        let items = [0, 1, 2, 0, 1, 3, 0, 2, 2];
        let offsets = [0, 3, 5, 7, 9];
        let c = Corpus::build(5, &offsets, &items, 2, None);
        assert_eq!(c.counts, vec![3, 2, 3, 1, 0]);
        assert_eq!(c.artist_of, vec![0, 1, 2]);
        assert_eq!(c.n_sentences(), 3);
        assert_eq!(c.words, vec![0, 1, 2, 0, 1, 2, 2]);
    }

    #[test]
    fn alias_draws_match_weights() {
        let weights = [1.0, 0.0, 3.0, 6.0, 0.5];
        let total: f64 = weights.iter().sum();
        let a = Alias::new(&weights);
        let mut rng = StdRng::seed_from_u64(3);
        let n = 400_000;
        let mut hits = [0u64; 5];
        for _ in 0..n {
            hits[a.sample(rng.next_u64()) as usize] += 1;
        }
        assert_eq!(hits[1], 0, "a zero weight is never drawn");
        for (h, w) in hits.iter().zip(weights) {
            let p = w / total;
            let sd = (p * (1.0 - p) / n as f64).sqrt();
            // Five standard deviations: a false alarm about once in 3.5 million runs.
            assert!(
                (*h as f64 / n as f64 - p).abs() <= 5.0 * sd + 1e-9,
                "{hits:?}"
            );
        }
    }

    #[test]
    fn keep_probability_is_word2vec_formula() {
        // Row 0 has 90 of 100 occurrences: f = 0.9, sample 0.01 → sqrt(1/90) + 1/90.
        let items: Vec<u32> = std::iter::repeat_n(0, 90)
            .chain(std::iter::repeat_n(1, 10))
            .collect();
        let c = Corpus::build(2, &[0, 100], &items, 1, None);
        let k = c.keep_probabilities(0.01).unwrap();
        let f: f64 = 0.9;
        let expected = ((0.01 / f).sqrt() + 0.01 / f) as f32;
        assert!((k[0] - expected).abs() < 1e-6);
        assert!(k[1] > k[0]);
        assert!(c.keep_probabilities(0.0).is_none());
    }

    #[test]
    fn pairs_cover_the_window_and_negatives_avoid_the_context() {
        let alias = Alias::new(&[1.0, 1.0, 1.0, 1.0]);
        let config = BurnSkipGramConfig::new(4)
            .with_window(Window::Fixed(1))
            .with_shrink_window(false)
            .with_negative(3);
        let mut s = PairSampler::new(&config, None, &alias);
        let mut rng = StdRng::seed_from_u64(1);
        let mut batch = BatchBuffer::default();
        let mut flushed = Vec::new();
        let kept = s
            .sentence::<()>(&[0, 1, 2], &mut rng, &mut batch, 3, |b| {
                flushed.push((b.centers.clone(), b.targets.clone()));
                Ok(())
            })
            .unwrap();
        assert_eq!(kept, 3);
        // Pairs (center, context): (1,0) (0,1) (2,1) | (1,2): one full batch of 3, one left.
        assert_eq!(flushed.len(), 1);
        assert_eq!(flushed[0].0, vec![1, 0, 2]);
        assert_eq!(batch.centers, vec![1]);
        let contexts: Vec<u32> = flushed[0].1.iter().step_by(4).copied().collect();
        assert_eq!(contexts, vec![0, 1, 1]);
        for chunk in flushed[0].1.chunks(4) {
            assert!(chunk[1..].iter().all(|&t| t != chunk[0] && t < 4));
        }
    }
}
