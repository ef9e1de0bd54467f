//! The training loop: epochs over the corpus, batches of pairs, linear learning-rate decay.

use std::time::Instant;

use artist2vec_core::{Observer, Progress};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Tensor};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::config::BurnSkipGramConfig;
use crate::corpus::{Alias, BatchBuffer, Corpus, PairSampler};
use crate::error::{NeuralError, Result};
use crate::sgns::BurnSkipGram;

/// What a training run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingStats {
    /// Mean loss per positive pair (`−ln σ(u·v⁺) − Σ ln σ(−u·v⁻)` over its negatives), one value
    /// per epoch, each pair's loss taken at the vectors of the step that trained it; NaN for an
    /// epoch without a pair (subsampling can empty an epoch of a tiny corpus).
    pub epoch_loss: Vec<f64>,
    /// Artists that were trained (at least `min_count` occurrences).
    pub vocab_size: usize,
    /// Sentences with at least two trained artists.
    pub sentences: usize,
    /// Trained-artist occurrences per epoch, before subsampling.
    pub corpus_words: u64,
    /// Occurrences actually trained over all epochs, after subsampling ("effective words").
    pub effective_words: u64,
    /// Positive (center, context) pairs over all epochs.
    pub pairs: u64,
    /// Optimisation steps.
    pub batches: u64,
    /// Wall-clock seconds of the training loop (corpus preparation excluded).
    pub seconds: f64,
    /// `effective_words / seconds`, gensim's "effective words/s".
    pub words_per_second: f64,
    /// The burn backend and device, as burn names them.
    pub backend: String,
}

/// Trained tables, rows in table order.
pub(crate) struct Trained {
    pub input: Vec<f32>,
    pub output: Vec<f32>,
    pub stats: TrainingStats,
}

/// Loss and counters of one epoch; the loss stays on the device until the epoch ends.
struct EpochAccumulator<B: Backend> {
    loss_sum: Option<Tensor<B, 1>>,
    pairs: u64,
    batches: u64,
}

impl<B: Backend> EpochAccumulator<B> {
    fn add(&mut self, mean_loss: Tensor<B, 1>, n: usize) {
        let weighted = mean_loss.mul_scalar(n as f32);
        self.loss_sum = Some(match self.loss_sum.take() {
            None => weighted,
            Some(s) => s + weighted,
        });
        self.pairs += n as u64;
        self.batches += 1;
    }
}

/// Reports progress within an epoch every this many batches.
const REPORT_EVERY: u64 = 64;

/// Trains the tables of `corpus` on backend `B`.
///
/// `shuffle_each_epoch` reshuffles every sentence before each epoch.
pub(crate) fn train<B: AutodiffBackend>(
    config: &BurnSkipGramConfig,
    corpus: &mut Corpus,
    shuffle_each_epoch: bool,
    device: &B::Device,
    observer: &dyn Observer,
) -> Result<Trained> {
    let rows = corpus.n_rows();
    if rows < 2 || corpus.n_sentences() == 0 {
        return Err(NeuralError::NoTrainingData(format!(
            "{rows} artists with at least min_count = {} occurrences, {} sentences with two of \
             them; skip-gram needs at least two artists in one sentence",
            config.min_count,
            corpus.n_sentences()
        )));
    }
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut model = BurnSkipGram::<B>::new(rows, config.dim, rng.next_u64(), device)?;
    let weights: Vec<f64> = corpus
        .row_counts()
        .iter()
        .map(|&c| (c as f64).powf(config.ns_exponent))
        .collect();
    let negatives = Alias::new(&weights);
    let keep = corpus.keep_probabilities(config.sample);
    let corpus_words = corpus.words.len() as u64;
    let total_words = corpus_words as f64 * config.epochs as f64;
    let (alpha, min_alpha) = (f64::from(config.alpha), f64::from(config.min_alpha));
    let (k, batch_size) = (config.negative, config.batch_size);

    let mut stats = TrainingStats {
        vocab_size: rows,
        sentences: corpus.n_sentences(),
        corpus_words,
        backend: B::name(device),
        ..TrainingStats::default()
    };
    let mut batch = BatchBuffer {
        centers: Vec::with_capacity(batch_size),
        targets: Vec::with_capacity(batch_size * (1 + k)),
    };
    let start = Instant::now();
    for epoch in 0..config.epochs {
        if shuffle_each_epoch {
            corpus.shuffle_sentences(&mut rng);
        }
        let mut sampler = PairSampler::new(config, keep.as_deref(), &negatives);
        let mut acc = EpochAccumulator::<B::InnerBackend> {
            loss_sum: None,
            pairs: 0,
            batches: 0,
        };
        let mut done = epoch as u64 * corpus_words;
        for s in 0..corpus.n_sentences() {
            let words = &corpus.words[corpus.offsets[s]..corpus.offsets[s + 1]];
            let lr = (alpha - (alpha - min_alpha) * (done as f64 / total_words)) as f32;
            stats.effective_words +=
                sampler.sentence(words, &mut rng, &mut batch, batch_size, |b| {
                    let loss = model.step_unchecked(&b.centers, &b.targets, k, lr);
                    acc.add(loss, b.len());
                    if acc.batches % REPORT_EVERY == 0 {
                        observer.progress(&Progress {
                            stage: "burn skip-gram words",
                            done,
                            total: Some(total_words as u64),
                            value: None,
                        });
                    }
                    Ok::<(), NeuralError>(())
                })?;
            done += words.len() as u64;
        }
        if batch.len() > 0 {
            let lr = min_alpha.max(alpha - (alpha - min_alpha) * (done as f64 / total_words));
            let loss = model.step_unchecked(&batch.centers, &batch.targets, k, lr as f32);
            acc.add(loss, batch.len());
            batch.clear();
        }
        let mean = match acc.loss_sum {
            Some(sum) if acc.pairs > 0 => sum.into_scalar().elem::<f64>() / acc.pairs as f64,
            // Subsampling can, on a tiny corpus, leave an epoch without a pair.
            _ => f64::NAN,
        };
        if acc.pairs > 0 && !mean.is_finite() {
            return Err(NeuralError::Diverged { epoch, loss: mean });
        }
        stats.epoch_loss.push(mean);
        stats.pairs += acc.pairs;
        stats.batches += acc.batches;
        observer.progress(&Progress {
            stage: "burn skip-gram epoch",
            done: epoch as u64 + 1,
            total: Some(config.epochs as u64),
            value: Some(("loss", mean)),
        });
    }
    let input = model.input_vectors();
    let output = model.output_vectors();
    stats.seconds = start.elapsed().as_secs_f64();
    stats.words_per_second = stats.effective_words as f64 / stats.seconds.max(1e-9);
    Ok(Trained {
        input,
        output,
        stats,
    })
}
