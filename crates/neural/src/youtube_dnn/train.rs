//! Training: the users' histories cut into windows, mini-batches of windows, the next artist
//! predicted at every step among the top artists, AdaGrad.

use std::time::Instant;

use artist2vec_core::content::extend_items;
use artist2vec_core::{ArtistContent, Interactions, Observer, Progress, Sessions};
use burn::module::AutodiffModule;
use burn::optim::{AdaGradConfig, GradientsParams, Optimizer};
use burn::tensor::ElementConversion;
use burn::tensor::backend::AutodiffBackend;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::YoutubeDnnConfig;
use super::features::content_table;
use super::model::{Parts, YoutubeDnnModel, YoutubeDnnStats};
use super::net::YtNet;
use crate::error::{NeuralError, Result, check_bytes, checked_loss};
use crate::recurrent::{self, Lists};
use crate::tensors::{floats, ints};

/// Reports progress within an epoch every this many mini-batches.
const REPORT_EVERY: u64 = 8;

/// Each user's artists by decreasing summed weight (ties by artist index).
fn by_count(rows: &Interactions) -> Vec<Vec<u32>> {
    let mut per: Vec<Vec<(u32, f32)>> = vec![Vec::new(); rows.n_users()];
    for r in rows.iter() {
        per[r.user as usize].push((r.item, r.weight));
    }
    per.into_iter()
        .map(|mut v| {
            v.sort_unstable_by_key(|p| p.0);
            let mut merged: Vec<(u32, f32)> = Vec::with_capacity(v.len());
            for (i, w) in v {
                match merged.last_mut() {
                    Some(last) if last.0 == i => last.1 += w,
                    _ => merged.push((i, w)),
                }
            }
            merged.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            merged.into_iter().map(|p| p.0).collect()
        })
        .collect()
}

/// Windows of `max_len + 1` artists (consecutive windows share one artist, so every
/// transition is in exactly one), each with at least one next artist among the top.
fn windows(histories: &[Vec<u32>], max_len: usize, slot: &[u32]) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    for h in histories {
        let mut start = 0;
        while start + 1 < h.len() {
            let end = (start + max_len + 1).min(h.len());
            let w = &h[start..end];
            if w[1..].iter().any(|&a| slot[a as usize] != u32::MAX) {
                out.push(w.to_vec());
            }
            start = end - 1;
        }
    }
    out
}

/// Trains on the users' histories of `rows` (in play order from `sessions` when given) with
/// the content of `content`, with backend `B`.
pub(crate) fn train<B: AutodiffBackend>(
    config: &YoutubeDnnConfig,
    rows: &Interactions,
    sessions: Option<&Sessions>,
    content: &ArtistContent,
    device: &B::Device,
    observer: &dyn Observer,
) -> Result<YoutubeDnnModel> {
    config.validate()?;
    let start = Instant::now();
    if let Some(s) = sessions
        && (s.items.len() != rows.n_items() || s.users.len() != rows.n_users())
    {
        return Err(artist2vec_core::CoreError::Shape(format!(
            "sessions over {} users × {} artists, rows over {} × {}",
            s.users.len(),
            s.items.len(),
            rows.n_users(),
            rows.n_items()
        ))
        .into());
    }
    if content.n_with_features() == 0 {
        return Err(NeuralError::NoTrainingData(format!(
            "the content names {} artists but none has a tag: youtube-dnn needs tag assignments",
            content.artists.len()
        )));
    }
    let n_train = rows.n_items();
    let items = extend_items(&rows.items, content);
    let n = items.len();
    let (mut listeners, seen) = recurrent::listeners_and_seen(rows);
    listeners.resize(n, 0);
    // Popularity: summed weights of the rows; the top artists by it (ties by index).
    let mut plays = vec![0f64; n_train];
    for r in rows.iter() {
        plays[r.item as usize] += f64::from(r.weight);
    }
    let mut top: Vec<u32> = (0..n_train as u32)
        .filter(|&a| listeners[a as usize] > 0)
        .collect();
    top.sort_by(|&a, &b| {
        plays[b as usize]
            .total_cmp(&plays[a as usize])
            .then(a.cmp(&b))
    });
    top.truncate(config.top_n);
    if top.is_empty() {
        return Err(NeuralError::NoTrainingData("no artist has a play".into()));
    }
    let top_n = top.len();
    let mut slot = vec![u32::MAX; n];
    for (s, &a) in top.iter().enumerate() {
        slot[a as usize] = s as u32;
    }
    let histories = match sessions {
        Some(s) => recurrent::plays_in_order(s),
        None => by_count(rows),
    };
    let recent = match sessions {
        Some(_) => recurrent::last_plays(&histories, config.max_len),
        None => Lists::from_vecs(
            histories
                .iter()
                .map(|h| h[..h.len().min(config.max_len)].to_vec())
                .collect(),
        ),
    };
    let train = windows(&histories, config.max_len, &slot);
    if train.is_empty() {
        return Err(NeuralError::NoTrainingData(
            "no listener has two artists with the second among the top artists".into(),
        ));
    }
    let (e, h, b) = (config.embedding, config.hidden, config.batch_size);
    check_bytes(
        "top_n",
        top_n,
        "the parameters with their gradients and AdaGrad state",
        &[
            &[3, n_train + 1, e],
            &[3, e + config.content_dims, config.dense],
            &[3, 3, config.dense + h, h],
            &[3, h, top_n],
        ],
    )?;
    check_bytes(
        "batch_size",
        b,
        "one mini-batch's logits and their gradients",
        &[&[2, b, config.max_len, top_n]],
    )?;
    let ct = content_table(
        &items,
        content,
        config.content_dims,
        config.svd_iterations,
        config.seed,
    );
    let d = ct.dims;
    B::seed(device, config.seed);
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut net = YtNet::<B>::new(config, n_train + 1, d, top_n, device);
    let mut optim = AdaGradConfig::new().init();
    let content_tensor = (d > 0).then(|| floats::<B, 2>(ct.table.clone(), [n, d], device));
    let mut stats = YoutubeDnnStats {
        sequences: train.len(),
        positions: train
            .iter()
            .flat_map(|w| &w[1..])
            .filter(|&&a| slot[a as usize] != u32::MAX)
            .count() as u64,
        top_n,
        content_dims: d,
        singular_values: ct.singular_values.clone(),
        tagged: ct.tagged,
        history_order: if sessions.is_some() { "plays" } else { "count" }.into(),
        backend: B::name(device),
        ..YoutubeDnnStats::default()
    };
    let batches_per_epoch = train.len().div_ceil(b) as u64;
    let unknown = n_train as u32;
    let mut done_batches = 0u64;
    for epoch in 0..config.epochs {
        let t0 = Instant::now();
        let mut order: Vec<usize> = (0..train.len()).collect();
        order.shuffle(&mut rng);
        let (mut loss_sum, mut n_pos) = (0.0f64, 0u64);
        for chunk in order.chunks(b) {
            let lanes = chunk.len();
            let t = chunk.iter().map(|&i| train[i].len() - 1).max().unwrap_or(1);
            let mut ids = vec![unknown; lanes * t];
            let mut artists = vec![0u32; lanes * t];
            let (mut positions, mut targets) = (Vec::new(), Vec::new());
            for (l, &i) in chunk.iter().enumerate() {
                let w = &train[i];
                for j in 0..w.len() - 1 {
                    let a = w[j];
                    artists[l * t + j] = a;
                    if !rng.random_bool(config.id_dropout) {
                        ids[l * t + j] = a;
                    }
                    let next = slot[w[j + 1] as usize];
                    if next != u32::MAX {
                        positions.push((l * t + j) as u32);
                        targets.push(next);
                    }
                }
            }
            let np = positions.len();
            let ids_t = ints::<B, 2>(&ids, [lanes, t], device);
            let content = content_tensor.as_ref().map(|c| {
                c.clone()
                    .select(0, ints::<B, 1>(&artists, [lanes * t], device))
                    .reshape([lanes, t, d])
            });
            let hidden = net.forward(ids_t, content);
            let loss = net.loss(
                hidden,
                ints::<B, 1>(&positions, [np], device),
                ints::<B, 2>(&targets, [np, 1], device),
            );
            let value = checked_loss(loss.clone().into_scalar().elem::<f64>(), epoch)?;
            loss_sum += value * np as f64;
            n_pos += np as u64;
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = optim.step(config.lr, net, grads);
            done_batches += 1;
            if done_batches % REPORT_EVERY == 0 {
                observer.progress(&Progress {
                    stage: "youtube-dnn batches",
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
            stage: "youtube-dnn epoch",
            done: epoch as u64 + 1,
            total: Some(config.epochs as u64),
            value: Some(("loss", mean)),
        });
    }
    stats.seconds = start.elapsed().as_secs_f64();
    let epoch = config.epochs - 1;
    let last = stats.epoch_loss.last().copied().unwrap_or(f64::NAN);
    YoutubeDnnModel::new(Parts {
        config: config.clone(),
        users: rows.users.clone(),
        items,
        n_train,
        listeners,
        seen,
        recent,
        by_count: sessions.is_none(),
        top,
        dims: d,
        content: ct.table,
        weights: net.valid().weights(),
        stats,
    })
    .map_err(|_| NeuralError::Diverged { epoch, loss: last })
}
