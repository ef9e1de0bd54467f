//! The training loop: epochs of leave-one-out examples, validation and early stopping.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use artist2vec_core::{CoreError, Embeddings, Interactions, Observer, Progress, Recommender};
use artist2vec_metrics::{Gain, ndcg_at_k};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::batch::{Batcher, Prepared};
use super::config::{Loss, TwoTowerConfig};
use super::model::{TwoTowerModel, TwoTowerStats};
use super::net::Net;
use super::{ArtistFeatures, TwoTowerInput};
use crate::error::{NeuralError, Result};

/// Reports progress within an epoch every this many batches.
const REPORT_EVERY: u64 = 64;

/// Held-out artists per training user.
struct Validation {
    users: Vec<u32>,
    relevant: Vec<HashSet<u32>>,
}

impl Validation {
    fn new(v: &Interactions, data: &Interactions) -> Result<Self> {
        if v.n_users() > data.n_users() || v.n_items() > data.n_items() {
            return Err(CoreError::Shape(format!(
                "validation rows over {} users × {} artists, training data over {} × {}: \
                 validation must use the training vocabularies",
                v.n_users(),
                v.n_items(),
                data.n_users(),
                data.n_items()
            ))
            .into());
        }
        let mut by_user: BTreeMap<u32, HashSet<u32>> = BTreeMap::new();
        for r in v.iter() {
            by_user.entry(r.user).or_default().insert(r.item);
        }
        if by_user.is_empty() {
            return Err(NeuralError::NoTrainingData(
                "an empty validation set".into(),
            ));
        }
        let (users, relevant) = by_user.into_iter().unzip();
        Ok(Self { users, relevant })
    }

    /// Mean NDCG@k of the model's top k (training artists excluded).
    fn ndcg(&self, model: &TwoTowerModel, k: usize) -> Result<f64> {
        let lists = model.recommend_users(&self.users, k, true)?;
        let total: f64 = lists
            .iter()
            .zip(&self.relevant)
            .map(|(list, rel)| {
                let ranked: Vec<u32> = list.iter().map(|n| n.item).collect();
                ndcg_at_k(&ranked, rel, k, Gain::Linear)
            })
            .sum();
        Ok(total / self.users.len() as f64)
    }
}

/// Trains the towers on backend `B` and returns the fitted model.
pub(crate) fn train<B: AutodiffBackend>(
    config: &TwoTowerConfig,
    input: &TwoTowerInput<'_>,
    device: &B::Device,
    observer: &dyn Observer,
) -> Result<TwoTowerModel> {
    config.validate()?;
    let data = input.interactions;
    let validation = input
        .validation
        .map(|v| Validation::new(v, data))
        .transpose()?;
    let features = input
        .features
        .map(|f| f.check(data.n_items()))
        .transpose()?;
    let prep = Prepared::new(data, config)?;
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut net = Net::<B::InnerBackend>::new(
        config,
        prep.n_items,
        prep.n_users,
        features.map(|f| (f.values(), f.n_features())),
        &mut rng,
        device,
    );
    let trained: Vec<bool> = prep
        .listeners
        .iter()
        .map(|&l| l > 0 || features.is_some())
        .collect();
    let mut stats = TwoTowerStats {
        backend: B::name(device),
        ..TwoTowerStats::default()
    };
    let build = |net: &Net<B::InnerBackend>, stats: TwoTowerStats| {
        let vectors = Embeddings::new(data.items.clone(), config.dim, net.artist_vectors());
        match vectors {
            Ok(vectors) => Ok(TwoTowerModel::new(
                config.clone(),
                data.users.clone(),
                vectors,
                net.user_tower(),
                net.artist_bias(),
                trained.clone(),
                prep.profiles.clone(),
                stats,
            )?),
            Err(e) => Err(NeuralError::from(e)),
        }
    };
    // Scoring every candidate alike costs ln(candidates) per example with the softmax; a hundred
    // times that means the scores have blown up, not that the model is merely poor. The cosine
    // loss is bounded (≤ 2) and can only fail by not being finite.
    let ceiling = match config.loss {
        Loss::Softmax => {
            100.0
                * ((config.batch_size + config.negatives) as f64)
                    .ln()
                    .max(1.0)
        }
        Loss::Cosine => f64::INFINITY,
    };
    let start = Instant::now();
    let mut batcher = Batcher::new(&prep, config);
    let mut best: Option<(f64, TwoTowerModel)> = None;
    let mut since_best = 0usize;
    for epoch in 0..config.epochs {
        let examples = prep.epoch_examples(config, &mut rng);
        let n_batches = examples.len().div_ceil(config.batch_size) as u64;
        let mut loss_sum: Option<Tensor<B::InnerBackend, 1>> = None;
        for (j, chunk) in examples.chunks(config.batch_size).enumerate() {
            batcher.build(chunk, &mut rng);
            let loss = net
                .step::<B>(&batcher.batch, config)
                .mul_scalar(chunk.len() as f32);
            loss_sum = Some(match loss_sum.take() {
                None => loss,
                Some(s) => s + loss,
            });
            if (j as u64 + 1) % REPORT_EVERY == 0 {
                observer.progress(&Progress {
                    stage: "two-tower batches",
                    done: epoch as u64 * n_batches + j as u64 + 1,
                    total: Some(config.epochs as u64 * n_batches),
                    value: None,
                });
            }
        }
        let mean = loss_sum.map_or(f64::NAN, |s| read_scalar(s) / examples.len() as f64);
        if !mean.is_finite() || mean > ceiling {
            return Err(NeuralError::Diverged { epoch, loss: mean });
        }
        stats.epoch_loss.push(mean);
        stats.examples = examples.len() as u64;
        stats.batches += n_batches;
        observer.progress(&Progress {
            stage: "two-tower epoch",
            done: epoch as u64 + 1,
            total: Some(config.epochs as u64),
            value: Some(("loss", mean)),
        });
        let Some(val) = &validation else { continue };
        let model = build(&net, TwoTowerStats::default()).map_err(|e| diverged(e, epoch, mean))?;
        let ndcg = val.ndcg(&model, config.validation_k)?;
        stats.validation.push(ndcg);
        observer.progress(&Progress {
            stage: "two-tower validation",
            done: epoch as u64 + 1,
            total: Some(config.epochs as u64),
            value: Some(("ndcg", ndcg)),
        });
        if best.as_ref().is_none_or(|(b, _)| ndcg > *b) {
            best = Some((ndcg, model));
            stats.best_epoch = epoch + 1;
            since_best = 0;
        } else {
            since_best += 1;
            if config.patience > 0 && since_best >= config.patience {
                break;
            }
        }
    }
    stats.seconds = start.elapsed().as_secs_f64();
    let last = stats.epoch_loss.len();
    match best {
        Some((_, mut model)) => {
            model.set_stats(stats);
            Ok(model)
        }
        None => {
            stats.best_epoch = last;
            let loss = stats.epoch_loss.last().copied().unwrap_or(f64::NAN);
            build(&net, stats).map_err(|e| diverged(e, last - 1, loss))
        }
    }
}

/// Non-finite parameters behind a finite loss are a divergence too.
fn diverged(e: NeuralError, epoch: usize, loss: f64) -> NeuralError {
    match e {
        NeuralError::Core(CoreError::Invalid(_)) => NeuralError::Diverged { epoch, loss },
        e => e,
    }
}

fn read_scalar<B: Backend>(t: Tensor<B, 1>) -> f64 {
    t.into_scalar().elem::<f64>()
}

impl ArtistFeatures {
    /// Checks the features against `n_items` artists.
    fn check(&self, n_items: usize) -> Result<&Self> {
        if self.n_items() != n_items {
            return Err(CoreError::Shape(format!(
                "content features for {} artists, training data has {n_items}",
                self.n_items()
            ))
            .into());
        }
        Ok(self)
    }
}
