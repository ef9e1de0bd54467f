//! The training corpus: sentences as compact rows of the indices of trained artists, with the
//! artist counts, built once per fit, and its split into balanced chunks for the workers.

use std::ops::Range;

use crate::kernel::Rng;

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
    pub(super) fn chunks(&self, parts: usize) -> Vec<Range<usize>> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
