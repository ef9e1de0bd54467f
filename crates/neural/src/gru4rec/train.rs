//! Training: session-parallel mini-batches, Adam, validation after each epoch, the best epoch
//! kept.

use std::time::Instant;

use artist2vec_core::{Interactions, Observer, Progress, Sessions};
use burn::module::AutodiffModule;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{ElementConversion, Tensor};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::model::{Gru4RecModel, Gru4RecStats};
use super::net::{GruNet, NO_MASS};
use super::{Gru4RecConfig, GruLoss};
use crate::error::{NeuralError, Result, checked_loss};
use crate::recurrent::{self, Lists};
use crate::tensors::{floats, ints};

/// Reports progress within an epoch every this many mini-batches.
const REPORT_EVERY: u64 = 16;

/// Training sequences (cut to `max_len`, at least two plays) and the validation sequences.
struct Prepared {
    train: Vec<Vec<u32>>,
    validation: Vec<Vec<u32>>,
}

fn prepare(sessions: &Sessions, config: &Gru4RecConfig) -> Result<Prepared> {
    let mut order: Vec<usize> = (0..sessions.len()).collect();
    order.sort_by_key(|&i| (sessions.get(i).start(), i));
    let cut = |i: usize| {
        let s = sessions.get(i).items;
        s[s.len().saturating_sub(config.max_len)..].to_vec()
    };
    let n_val = (order.len() as f64 * config.validation_fraction).round() as usize;
    let (tr, va) = order.split_at(order.len() - n_val);
    let train: Vec<Vec<u32>> = tr
        .iter()
        .map(|&i| cut(i))
        .filter(|s| s.len() >= 2)
        .collect();
    let mut validation: Vec<Vec<u32>> = va
        .iter()
        .map(|&i| cut(i))
        .filter(|s| s.len() >= 2)
        .collect();
    // The latest sessions, at most `validation_sessions` of them.
    let drop = validation.len().saturating_sub(config.validation_sessions);
    validation.drain(..drop);
    if train.is_empty() {
        return Err(NeuralError::NoTrainingData(
            "no training session with two plays (after holding out the validation sessions)".into(),
        ));
    }
    if n_val > 0 && validation.is_empty() {
        return Err(NeuralError::NoTrainingData(
            "no validation session with two plays: lower validation_fraction to 0 or give more \
             sessions"
                .into(),
        ));
    }
    Ok(Prepared { train, validation })
}

/// One mini-batch on the host: `lanes × steps` inputs and, for the positions holding a play,
/// their flat index and next play.
pub(super) struct Batch {
    pub(super) steps: usize,
    pub(super) inputs: Vec<u32>,
    pub(super) positions: Vec<u32>,
    pub(super) targets: Vec<u32>,
    /// 1 for a lane that goes on with its session, 0 for one that starts a new one.
    keep: Vec<f32>,
    /// With the repeat mechanism, per position: the log-probabilities of its target under the
    /// copy distribution (`ln(c_t / L)`: `c_t` plays of the target among the `L` plays of the
    /// sequence so far, its own included) and under "the current artist again" (0 when the
    /// target is the current play's artist); [`NO_MASS`] for none.
    pub(super) repeat: Vec<[f32; 2]>,
}

/// The session-parallel batcher: each lane walks through one session; a finished lane takes
/// the next session of the epoch's order.
pub(super) struct Lanes<'a> {
    sessions: &'a [Vec<u32>],
    order: Vec<usize>,
    next: usize,
    /// (session, position of the next input) per lane; `None` when the epoch ran out.
    lanes: Vec<Option<(usize, usize)>>,
    steps: usize,
    /// Scratch counts per artist (all zero between lanes) when the batches carry the repeat
    /// mechanism's inputs; empty otherwise.
    scratch: Vec<u32>,
}

impl<'a> Lanes<'a> {
    /// `counts_over`: the number of artists, when batches should carry the repeat mechanism's
    /// inputs.
    pub(super) fn new(
        sessions: &'a [Vec<u32>],
        order: Vec<usize>,
        lanes: usize,
        steps: usize,
        counts_over: Option<usize>,
    ) -> Self {
        Self {
            sessions,
            order,
            next: 0,
            lanes: vec![None; lanes],
            steps,
            scratch: vec![0; counts_over.unwrap_or(0)],
        }
    }

    pub(super) fn batch(&mut self) -> Option<Batch> {
        let mut keep = vec![1.0f32; self.lanes.len()];
        for (l, lane) in self.lanes.iter_mut().enumerate() {
            let done = match lane {
                Some((s, p)) => *p + 1 >= self.sessions[*s].len(),
                None => true,
            };
            if done {
                keep[l] = 0.0;
                *lane = self.order.get(self.next).map(|&s| (s, 0));
                self.next += 1;
            }
        }
        let advance = |lane: &Option<(usize, usize)>| {
            lane.map_or(0, |(s, p)| (self.sessions[s].len() - 1 - p).min(self.steps))
        };
        let t = self.lanes.iter().map(advance).max().unwrap_or(0);
        if t == 0 {
            return None;
        }
        let mut b = Batch {
            steps: t,
            inputs: vec![0; self.lanes.len() * t],
            positions: Vec::new(),
            targets: Vec::new(),
            keep,
            repeat: Vec::new(),
        };
        let with_counts = !self.scratch.is_empty();
        let mut played: Vec<u32> = Vec::new();
        let ln = |x: f32| if x > 0.0 { x.ln() } else { NO_MASS };
        for (l, lane) in self.lanes.iter_mut().enumerate() {
            let Some((s, p)) = lane else { continue };
            let seq = &self.sessions[*s];
            let n = (seq.len() - 1 - *p).min(self.steps);
            if with_counts {
                for &a in &seq[..*p] {
                    count(&mut self.scratch, &mut played, a);
                }
            }
            for j in 0..n {
                let (current, target) = (seq[*p + j], seq[*p + j + 1]);
                b.inputs[l * t + j] = current;
                if with_counts {
                    count(&mut self.scratch, &mut played, current);
                    let share = self.scratch[target as usize] as f32 / (*p + j + 1) as f32;
                    b.repeat
                        .push([ln(share), ln(f32::from(u8::from(target == current)))]);
                }
                b.positions.push((l * t + j) as u32);
                b.targets.push(seq[*p + j + 1]);
            }
            for a in played.drain(..) {
                self.scratch[a as usize] = 0;
            }
            *p += n;
        }
        Some(b)
    }
}

/// Counts one more play of `a`, noting it in `played` the first time.
fn count(counts: &mut [u32], played: &mut Vec<u32>, a: u32) {
    if counts[a as usize] == 0 {
        played.push(a);
    }
    counts[a as usize] += 1;
}

/// Popularity-sampled negatives (`count^0.75`) by inverse transform on the cumulative weights.
struct Sampler {
    cum: Vec<f64>,
}

impl Sampler {
    fn new(counts: &[u64]) -> Self {
        let mut acc = 0.0;
        let cum = counts
            .iter()
            .map(|&c| {
                acc += (c as f64).powf(0.75);
                acc
            })
            .collect();
        Self { cum }
    }

    fn draw(&self, rng: &mut StdRng) -> u32 {
        let total = self.cum.last().copied().unwrap_or(0.0);
        let x = rng.random::<f64>() * total;
        self.cum
            .partition_point(|&c| c <= x)
            .min(self.cum.len() - 1) as u32
    }
}

/// The softmax candidates of a sampled batch: its distinct targets and `negatives` draws,
/// deduplicated; the targets rewritten as positions among them.
fn candidates(
    targets: &mut [u32],
    negatives: usize,
    sampler: &Sampler,
    n_items: usize,
    rng: &mut StdRng,
) -> Vec<u32> {
    let mut slot = vec![u32::MAX; n_items];
    let mut cands = Vec::new();
    let mut add = |a: u32, cands: &mut Vec<u32>| {
        if slot[a as usize] == u32::MAX {
            slot[a as usize] = cands.len() as u32;
            cands.push(a);
        }
        slot[a as usize]
    };
    for t in targets.iter_mut() {
        *t = add(*t, &mut cands);
    }
    for _ in 0..negatives {
        add(sampler.draw(rng), &mut cands);
    }
    cands
}

/// Trains on `sessions` (over the vocabularies of `rows`) with backend `B`.
pub(crate) fn train<B: AutodiffBackend>(
    config: &Gru4RecConfig,
    rows: &Interactions,
    sessions: &Sessions,
    device: &B::Device,
    observer: &dyn Observer,
) -> Result<Gru4RecModel> {
    config.validate()?;
    let n_items = sessions.items.len();
    if rows.n_items() != n_items || rows.n_users() != sessions.users.len() {
        return Err(artist2vec_core::CoreError::Shape(format!(
            "sessions over {} users × {n_items} artists, rows over {} × {}",
            sessions.users.len(),
            rows.n_users(),
            rows.n_items()
        ))
        .into());
    }
    if n_items == 0 {
        return Err(NeuralError::NoTrainingData("no artists".into()));
    }
    let prep = prepare(sessions, config)?;
    check_memory(config, &prep.train, n_items)?;
    let start = Instant::now();
    B::seed(device, config.seed);
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut net = GruNet::<B>::new(config, n_items, device);
    let mut optim = AdamConfig::new()
        .with_epsilon(1e-8)
        .with_weight_decay(
            (config.weight_decay > 0.0).then(|| WeightDecayConfig::new(config.weight_decay)),
        )
        .init();
    let mut counts = vec![0u64; n_items];
    for s in &prep.train {
        for &a in s {
            counts[a as usize] += 1;
        }
    }
    let sampler = Sampler::new(&counts);
    let (listeners, seen, recent) = user_lists(rows, sessions, config.max_len);
    let mut stats = Gru4RecStats {
        backend: B::name(device),
        sessions: (prep.train.len(), prep.validation.len()),
        positions: prep.train.iter().map(|s| s.len() as u64 - 1).sum(),
        ..Gru4RecStats::default()
    };
    let build = |net: &GruNet<B>, stats: Gru4RecStats| {
        Gru4RecModel::new(
            config.clone(),
            rows.users.clone(),
            rows.items.clone(),
            net.valid().weights(),
            listeners.clone(),
            seen.clone(),
            recent.clone(),
            stats,
        )
    };
    let batches_per_epoch = estimate_batches(&prep.train, config);
    let mut best: Option<(f64, Gru4RecModel)> = None;
    let mut since_best = 0usize;
    let mut done_batches = 0u64;
    for epoch in 0..config.epochs {
        let t0 = Instant::now();
        let lr = config.lr * config.lr_decay.powi(epoch as i32);
        let mut order: Vec<usize> = (0..prep.train.len()).collect();
        order.shuffle(&mut rng);
        let mut lanes = Lanes::new(
            &prep.train,
            order,
            config.batch_size,
            config.steps,
            config.repeat.then_some(n_items),
        );
        let h = config.hidden;
        let b = config.batch_size;
        let mut states: Vec<Tensor<B, 2>> = (0..config.layers)
            .map(|_| Tensor::zeros([b, h], device))
            .collect();
        let (mut loss_sum, mut n_pos) = (0.0f64, 0u64);
        while let Some(mut batch) = lanes.batch() {
            let t = batch.steps;
            let keep = floats::<B, 2>(batch.keep.clone(), [b, 1], device);
            let inputs = ints::<B, 2>(&batch.inputs, [b, t], device);
            let n = batch.positions.len();
            let positions = ints::<B, 1>(&batch.positions, [n], device);
            let cands = match config.loss {
                GruLoss::Full => None,
                GruLoss::Sampled | GruLoss::BprMax => Some(candidates(
                    &mut batch.targets,
                    config.negatives,
                    &sampler,
                    n_items,
                    &mut rng,
                )),
            };
            let targets = ints::<B, 2>(&batch.targets, [n, 1], device);
            let repeat = config.repeat.then(|| {
                let flat = batch.repeat.iter().flatten().copied().collect();
                floats::<B, 2>(flat, [n, 2], device)
            });
            let cands = cands.map(|c| ints::<B, 1>(&c, [c.len()], device));
            let input_states = states
                .iter()
                .map(|s| s.clone().detach().mul(keep.clone()))
                .collect();
            let (hidden, last) = net.forward(inputs, input_states);
            let bpr_max = (config.loss == GruLoss::BprMax).then_some(config.bpreg);
            let loss = net.loss(hidden, positions, targets, cands, bpr_max, repeat);
            let value = checked_loss(loss.clone().into_scalar().elem::<f64>(), epoch)?;
            loss_sum += value * n as f64;
            n_pos += n as u64;
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = optim.step(lr, net, grads);
            states = last.into_iter().map(|s| s.detach()).collect();
            done_batches += 1;
            if done_batches % REPORT_EVERY == 0 {
                observer.progress(&Progress {
                    stage: "gru4rec batches",
                    done: done_batches,
                    total: Some(batches_per_epoch * config.epochs as u64),
                    value: Some(("loss", value)),
                });
            }
        }
        let mean = checked_loss(loss_sum / n_pos.max(1) as f64, epoch)?;
        stats.epoch_loss.push(mean);
        stats.epoch_seconds.push(t0.elapsed().as_secs_f64());
        observer.progress(&Progress {
            stage: "gru4rec epoch",
            done: epoch as u64 + 1,
            total: Some(config.epochs as u64),
            value: Some(("loss", mean)),
        });
        if prep.validation.is_empty() {
            continue;
        }
        let model = build(&net, Gru4RecStats::default())
            .map_err(|_| NeuralError::Diverged { epoch, loss: mean })?;
        let mrr = model.next_play_mrr(&prep.validation, config.validation_k);
        stats.validation.push(mrr);
        observer.progress(&Progress {
            stage: "gru4rec validation",
            done: epoch as u64 + 1,
            total: Some(config.epochs as u64),
            value: Some(("mrr", mrr)),
        });
        if best.as_ref().is_none_or(|(m, _)| mrr > *m) {
            best = Some((mrr, model));
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
    match best {
        Some((_, mut model)) => {
            model.set_stats(stats);
            Ok(model)
        }
        None => {
            stats.best_epoch = stats.epoch_loss.len();
            let epoch = stats.best_epoch.saturating_sub(1);
            let loss = stats.epoch_loss.last().copied().unwrap_or(f64::NAN);
            build(&net, stats).map_err(|_| NeuralError::Diverged { epoch, loss })
        }
    }
}

/// The largest tensors of training against [`MAX_TRAINING_BYTES`](crate::MAX_TRAINING_BYTES),
/// before anything is allocated: the parameter tables with their gradients and Adam's two
/// moments, and one mini-batch's scores (logits, log-softmax and their gradients) over every
/// artist (`full`) or over the batch's targets and negatives (`sampled`, `bprmax`), at the
/// batch's most positions (`batch_size` × `steps`, or the longest session).
pub(super) fn check_memory(
    config: &Gru4RecConfig,
    train: &[Vec<u32>],
    n_items: usize,
) -> Result<()> {
    let (e, h) = (config.embedding, config.hidden);
    let output = if config.constrained { 0 } else { h + 1 };
    crate::error::check_bytes(
        "embedding",
        e,
        "the artist tables (with gradients and Adam's moments)",
        &[&[4, n_items, e + output]],
    )?;
    let longest = train.iter().map(Vec::len).max().unwrap_or(0);
    let positions = config.batch_size * config.steps.min(longest.saturating_sub(1));
    let columns = match config.loss {
        GruLoss::Full => n_items,
        GruLoss::Sampled | GruLoss::BprMax => {
            // The batch's distinct targets (at most the artists played in training) and the
            // negatives.
            let mut played = vec![false; n_items];
            train
                .iter()
                .flatten()
                .for_each(|&a| played[a as usize] = true);
            let distinct = played.iter().filter(|&&p| p).count();
            (positions.min(distinct) + config.negatives).min(n_items)
        }
    };
    crate::error::check_bytes(
        "batch_size",
        config.batch_size,
        &format!(
            "one mini-batch's scores ({positions} positions × {columns} artists, with gradients; \
             lower batch_size or steps, or use \"loss\": \"sampled\")"
        ),
        &[&[4, positions, columns]],
    )
}

/// Mini-batches of an epoch, roughly (for the progress bar): positions over lanes × steps.
fn estimate_batches(train: &[Vec<u32>], config: &Gru4RecConfig) -> u64 {
    let longest = train.iter().map(Vec::len).max().unwrap_or(2) as u64;
    let per_lane = train.len().div_ceil(config.batch_size) as u64;
    per_lane * (longest - 1).div_ceil(config.steps as u64).max(1) / 2 + 1
}

/// Listeners per artist, each user's seen artists (sorted) and last `max_len` plays.
fn user_lists(
    rows: &Interactions,
    sessions: &Sessions,
    max_len: usize,
) -> (Vec<u32>, Lists, Lists) {
    let (listeners, seen) = recurrent::listeners_and_seen(rows);
    let recent = recurrent::last_plays(&recurrent::plays_in_order(sessions), max_len);
    (listeners, seen, recent)
}
