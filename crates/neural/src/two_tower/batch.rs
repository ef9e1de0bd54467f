//! Training examples of the two-tower model, assembled on the CPU: leave-one-out targets, the
//! histories the user tower reads, the candidates the artist tower scores, and the softmax
//! logit corrections (log-Q and masks).

use artist2vec_core::Interactions;
use artist2vec_skipgram::{SkipGramInput, UserProfiles};
use rand::rngs::StdRng;
use rand::{Rng, RngCore};

use super::config::{Loss, TwoTowerConfig};
use crate::corpus::{Alias, shuffle};
use crate::error::{NeuralError, Result};

/// The additive logit of a candidate that must not count (an accidental hit).
pub(crate) const MASKED: f32 = -1e30;

/// What training reads from the data, prepared once.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub n_items: usize,
    pub n_users: usize,
    /// Each user's distinct artists (ascending) with summed weights.
    pub profiles: UserProfiles,
    /// Training listeners of every artist.
    pub listeners: Vec<u32>,
    /// Users with at least two artists: the only ones that give leave-one-out examples.
    pub eligible: Vec<u32>,
    /// Probability that an example's target is each artist.
    pub p_target: Vec<f64>,
    /// Probability that a sampled negative is each artist, and the sampler.
    pub p_negative: Vec<f64>,
    pub negatives: Alias,
}

impl Prepared {
    /// # Errors
    /// [`NeuralError::NoTrainingData`] when no user has two artists.
    pub fn new(data: &Interactions, config: &TwoTowerConfig) -> Result<Self> {
        let profiles = data.profiles();
        let (n_items, n_users) = (data.n_items(), data.n_users());
        let mut listeners = vec![0u32; n_items];
        for &i in profiles.items() {
            listeners[i as usize] += 1;
        }
        let mut eligible = Vec::new();
        let mut p_target = vec![0f64; n_items];
        for u in 0..n_users as u32 {
            let (items, _) = profiles.get(u)?;
            if items.len() < 2 {
                continue;
            }
            eligible.push(u);
            // Each artist of the user is a target with probability min(1, cap / n).
            let share = match config.targets_per_user {
                0 => 1.0,
                cap => (cap as f64 / items.len() as f64).min(1.0),
            };
            for &i in items {
                p_target[i as usize] += share;
            }
        }
        if eligible.is_empty() {
            return Err(NeuralError::NoTrainingData(format!(
                "none of the {n_users} users has two artists; the two-tower model learns from \
                 one artist of a history predicted from the others"
            )));
        }
        normalise(&mut p_target);
        let mut p_negative: Vec<f64> = listeners
            .iter()
            .map(|&l| {
                if l == 0 {
                    0.0
                } else {
                    f64::from(l).powf(config.ns_exponent)
                }
            })
            .collect();
        normalise(&mut p_negative);
        let negatives = Alias::new(&p_negative);
        Ok(Self {
            n_items,
            n_users,
            profiles,
            listeners,
            eligible,
            p_target,
            p_negative,
            negatives,
        })
    }

    /// One epoch's examples, `(user, target)`, in a random order.
    pub fn epoch_examples(&self, config: &TwoTowerConfig, rng: &mut StdRng) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        let mut pick = Vec::new();
        for &u in &self.eligible {
            let (items, _) = self.profiles.get(u).expect("eligible users are known");
            let cap = config.targets_per_user;
            if cap == 0 || cap >= items.len() {
                out.extend(items.iter().map(|&i| (u, i)));
            } else {
                pick.clear();
                pick.extend_from_slice(items);
                for j in 0..cap {
                    let k = rng.random_range(j..pick.len());
                    pick.swap(j, k);
                }
                out.extend(pick[..cap].iter().map(|&i| (u, i)));
            }
        }
        shuffle(&mut out, rng);
        out
    }
}

fn normalise(p: &mut [f64]) {
    let total: f64 = p.iter().sum();
    if total > 0.0 {
        p.iter_mut().for_each(|x| *x /= total);
    }
}

/// Positions that index table rows: the distinct rows a batch touches (`rows`), and for every
/// position its row (`global`) and that row's place in `rows` (`local`), so gradients of
/// repeated rows can be summed before the optimiser sees them.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Rows {
    pub global: Vec<u32>,
    pub local: Vec<u32>,
    pub rows: Vec<u32>,
}

impl Rows {
    fn clear(&mut self) {
        self.global.clear();
        self.local.clear();
        self.rows.clear();
    }

    fn push(&mut self, row: u32, slot: &mut [u32]) {
        let s = &mut slot[row as usize];
        if *s == u32::MAX {
            *s = self.rows.len() as u32;
            self.rows.push(row);
        }
        self.global.push(row);
        self.local.push(*s);
    }

    /// Forgets the slots of this batch's rows (the slot table is shared between batches).
    fn release(&self, slot: &mut [u32]) {
        for &r in &self.rows {
            slot[r as usize] = u32::MAX;
        }
    }
}

/// One batch of `b` examples.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Batch {
    pub b: usize,
    /// History positions per example (the longest history of the batch).
    pub l: usize,
    /// `b × l` history positions (padding: any row, weight 0).
    pub history: Rows,
    /// `b × l` weights, each example's summing to 1.
    pub weights: Vec<f32>,
    /// Each example's history length: its positions `r·l .. r·l + lens[r]` are real, the rest
    /// padding.
    pub lens: Vec<u32>,
    /// Softmax: the `b` targets then the shared negatives. Cosine: per example its target then
    /// its negatives.
    pub candidates: Rows,
    /// Softmax only: `b × candidates` additive logit corrections.
    pub bias: Vec<f32>,
    /// The users, when the user tower has a user embedding.
    pub users: Rows,
}

/// Builds batches; its buffers are reused from batch to batch.
pub(crate) struct Batcher<'a> {
    prep: &'a Prepared,
    config: &'a TwoTowerConfig,
    item_slot: Vec<u32>,
    candidate_slot: Vec<u32>,
    user_slot: Vec<u32>,
    /// `seen[i] == stamp` when artist `i` is in the profile being looked at.
    seen: Vec<u32>,
    stamp: u32,
    /// `ln E[n_c]` per artist for a full batch (`None` without log-Q).
    log_expected: Option<Vec<f32>>,
    history: Vec<(u32, f32)>,
    pub batch: Batch,
}

impl<'a> Batcher<'a> {
    pub fn new(prep: &'a Prepared, config: &'a TwoTowerConfig) -> Self {
        let n = prep.n_items;
        Self {
            prep,
            config,
            item_slot: vec![u32::MAX; n],
            candidate_slot: vec![u32::MAX; n],
            user_slot: vec![u32::MAX; prep.n_users],
            seen: vec![0; n],
            stamp: 0,
            log_expected: None,
            history: Vec::new(),
            batch: Batch::default(),
        }
    }

    /// Marks the profile of `user` as seen under a fresh stamp.
    fn mark(&mut self, user: u32) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.iter_mut().for_each(|s| *s = 0);
            self.stamp = 1;
        }
        let (items, _) = self.prep.profiles.get(user).expect("known user");
        for &i in items {
            self.seen[i as usize] = self.stamp;
        }
    }

    /// Assembles the batch of `examples`.
    pub fn build(&mut self, examples: &[(u32, u32)], rng: &mut StdRng) {
        let b = examples.len();
        let (config, prep) = (self.config, self.prep);
        let mut batch = std::mem::take(&mut self.batch);
        batch.history.release(&mut self.item_slot);
        batch.candidates.release(&mut self.candidate_slot);
        batch.users.release(&mut self.user_slot);
        batch.history.clear();
        batch.candidates.clear();
        batch.users.clear();
        batch.weights.clear();
        batch.lens.clear();
        batch.bias.clear();
        batch.b = b;

        // Histories: the user's other artists, thinned and capped, with normalised weights.
        let mut histories: Vec<(usize, usize)> = Vec::with_capacity(b);
        let mut all: Vec<(u32, f32)> = Vec::new();
        for &(user, target) in examples {
            let (items, counts) = prep.profiles.get(user).expect("known user");
            self.history.clear();
            for (&i, &c) in items.iter().zip(counts) {
                if i != target
                    && (config.history_dropout == 0.0
                        || rng.random::<f32>() >= config.history_dropout)
                {
                    self.history.push((i, c));
                }
            }
            if self.history.is_empty() {
                // Dropout took everything: keep one other artist.
                let others: Vec<usize> = (0..items.len()).filter(|&j| items[j] != target).collect();
                let j = others[rng.random_range(0..others.len())];
                self.history.push((items[j], counts[j]));
            }
            if self.history.len() > config.max_history {
                let m = config.max_history;
                for j in 0..m {
                    let k = rng.random_range(j..self.history.len());
                    self.history.swap(j, k);
                }
                self.history.truncate(m);
            }
            let start = all.len();
            all.extend_from_slice(&self.history);
            histories.push((start, all.len()));
        }
        let l = histories.iter().map(|(s, e)| e - s).max().unwrap_or(1);
        batch.l = l;
        for &(s, e) in &histories {
            let h = &all[s..e];
            let w: Vec<f32> = h
                .iter()
                .map(|&(_, c)| config.history_weight.apply(c))
                .collect();
            let total: f32 = w.iter().sum();
            batch.lens.push(h.len() as u32);
            for (&(i, _), &wi) in h.iter().zip(&w) {
                batch.history.push(i, &mut self.item_slot);
                batch.weights.push(if total > 0.0 {
                    wi / total
                } else {
                    1.0 / h.len() as f32
                });
            }
            for _ in h.len()..l {
                batch.history.push(h[0].0, &mut self.item_slot);
                batch.weights.push(0.0);
            }
        }
        if config.user_embedding {
            for &(user, _) in examples {
                batch.users.push(user, &mut self.user_slot);
            }
        }
        match config.loss {
            Loss::Softmax => self.softmax_candidates(examples, &mut batch, rng),
            Loss::Cosine => self.cosine_candidates(examples, &mut batch, rng),
        }
        self.batch = batch;
    }

    fn draw_negative(&self, rng: &mut StdRng) -> u32 {
        self.prep.negatives.sample(rng.next_u64())
    }

    fn softmax_candidates(&mut self, examples: &[(u32, u32)], batch: &mut Batch, rng: &mut StdRng) {
        let (config, prep) = (self.config, self.prep);
        let b = examples.len();
        for &(_, t) in examples {
            batch.candidates.push(t, &mut self.candidate_slot);
        }
        for _ in 0..config.negatives {
            let n = self.draw_negative(rng);
            batch.candidates.push(n, &mut self.candidate_slot);
        }
        // ln E[n_c]: b targets drawn from p_target, `negatives` draws from p_negative.
        if config.logq && (self.log_expected.is_none() || b != config.batch_size) {
            let k = config.negatives as f64;
            self.log_expected = Some(
                prep.p_target
                    .iter()
                    .zip(&prep.p_negative)
                    .map(|(&pt, &pn)| {
                        let e = b as f64 * pt + k * pn;
                        if e > 0.0 { e.ln() as f32 } else { 0.0 }
                    })
                    .collect(),
            );
        }
        let c = batch.candidates.global.len();
        batch.bias.resize(b * c, 0.0);
        for (r, &(user, target)) in examples.iter().enumerate() {
            self.mark(user);
            let row = &mut batch.bias[r * c..(r + 1) * c];
            for (col, (&item, x)) in batch.candidates.global.iter().zip(row).enumerate() {
                let hit =
                    item == target || (config.mask_seen && self.seen[item as usize] == self.stamp);
                *x = if col != r && hit {
                    MASKED
                } else {
                    match &self.log_expected {
                        Some(q) => -q[item as usize],
                        None => 0.0,
                    }
                };
            }
        }
        if b != config.batch_size {
            // A short last batch: the next full batch recomputes the full-batch corrections.
            self.log_expected = None;
        }
    }

    fn cosine_candidates(&mut self, examples: &[(u32, u32)], batch: &mut Batch, rng: &mut StdRng) {
        for &(user, target) in examples {
            self.mark(user);
            batch.candidates.push(target, &mut self.candidate_slot);
            for _ in 0..self.config.negatives {
                // A negative outside the listener's profile (a few tries, then whatever comes).
                let mut n = self.draw_negative(rng);
                for _ in 0..8 {
                    if self.seen[n as usize] != self.stamp {
                        break;
                    }
                    n = self.draw_negative(rng);
                }
                batch.candidates.push(n, &mut self.candidate_slot);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use artist2vec_core::Vocabulary;
    use rand::SeedableRng;

    use super::*;

    /// Users 0–2 with artists {0,1,2}, {1,3}, {4}; user 2 has one artist only.
    fn data() -> Interactions {
        let users = Vocabulary::from_ids(["u0", "u1", "u2"]).unwrap();
        let items = Vocabulary::from_ids((0..6).map(|i| format!("a{i}"))).unwrap();
        let mut t = Interactions::new(users, items, false);
        for (u, i, w) in [
            (0, 0, 1.0),
            (0, 1, 3.0),
            (0, 2, 7.0),
            (1, 1, 1.0),
            (1, 3, 2.0),
            (2, 4, 5.0),
        ] {
            t.push(u, i, w, None);
        }
        t
    }

    #[test]
    fn leave_one_out_examples_histories_and_masks() {
        let config = TwoTowerConfig::new(4).with_negatives(2).with_batch_size(5);
        let prep = Prepared::new(&data(), &config).unwrap();
        assert_eq!(prep.eligible, vec![0, 1]);
        assert_eq!(prep.listeners, vec![1, 2, 1, 1, 1, 0]);
        // Targets: every artist of users 0 and 1 once (5 of them).
        let p: Vec<f64> = prep.p_target.iter().map(|x| x * 5.0).collect();
        assert_eq!(p, vec![1.0, 2.0, 1.0, 1.0, 0.0, 0.0]);
        // Negatives uniform over the 5 artists with listeners; artist 5 never.
        assert_eq!(prep.p_negative[5], 0.0);
        assert!((prep.p_negative[0] - 0.2).abs() < 1e-12);

        let mut rng = StdRng::seed_from_u64(1);
        let mut ex = prep.epoch_examples(&config, &mut rng);
        assert_eq!(ex.len(), 5);
        ex.sort_unstable();
        assert_eq!(ex, vec![(0, 0), (0, 1), (0, 2), (1, 1), (1, 3)]);

        let mut batcher = Batcher::new(&prep, &config);
        let examples = [(0, 2), (1, 1)];
        batcher.build(&examples, &mut rng);
        let b = &batcher.batch;
        assert_eq!((b.b, b.l), (2, 2));
        // Example 0 reads artists 0 and 1 (weights ln 2 : ln 4 = 1 : 2); example 1 reads 3 and
        // is padded.
        assert_eq!(&b.history.global[..2], &[0, 1]);
        assert!((b.weights[0] - 1.0 / 3.0).abs() < 1e-6 && (b.weights[1] - 2.0 / 3.0).abs() < 1e-6);
        assert_eq!(b.history.global[2], 3);
        assert_eq!((b.weights[2], b.weights[3]), (1.0, 0.0));
        assert_eq!(b.lens, vec![2, 1]);
        for (g, l) in b.history.global.iter().zip(&b.history.local) {
            assert_eq!(b.history.rows[*l as usize], *g);
        }
        // Candidates: the targets, then two shared negatives.
        let c = b.candidates.global.len();
        assert_eq!(c, 4);
        assert_eq!(&b.candidates.global[..2], &[2, 1]);
        // Row 0 (user 0, target 2): the column of target 1 is an artist of user 0 — masked;
        // its own column carries −ln E[n_2] = −ln(2 · 1/5 + 2 · 1/5).
        assert_eq!(b.bias[1], MASKED);
        assert!((b.bias[0] + (0.8f32).ln()).abs() < 1e-6);
        // Row 1 (user 1, target 1): column 0 (artist 2) is not theirs; its correction is
        // −ln E[n_2].
        assert!((b.bias[c] + (0.8f32).ln()).abs() < 1e-6);
        assert!(b.bias[c + 1] > MASKED);
        for (col, &item) in b.candidates.global.iter().enumerate().skip(2) {
            let mine = [0u32, 1, 2].contains(&item);
            assert_eq!(b.bias[col] == MASKED, mine, "row 0, artist {item}");
        }

        // Without log-Q and masks: all zero.
        let plain = config.clone().with_logq(false).with_mask_seen(false);
        let mut batcher = Batcher::new(&prep, &plain);
        batcher.build(&[(0, 2), (0, 2)], &mut rng);
        let b = &batcher.batch;
        let c = b.candidates.global.len();
        // The duplicate target is an accidental hit for the other row, whatever the options.
        assert_eq!((b.bias[1], b.bias[c]), (MASKED, MASKED));
        assert_eq!((b.bias[0], b.bias[c + 1]), (0.0, 0.0));
        assert_eq!(b.candidates.rows.len() < c, true);
    }

    #[test]
    fn cosine_candidates_avoid_the_profile_and_caps_hold() {
        let config = TwoTowerConfig::new(4)
            .with_loss(Loss::Cosine)
            .with_negatives(3)
            .with_max_history(1)
            .with_targets_per_user(1);
        let prep = Prepared::new(&data(), &config).unwrap();
        let mut rng = StdRng::seed_from_u64(2);
        let ex = prep.epoch_examples(&config, &mut rng);
        assert_eq!(ex.len(), 2, "one target per eligible user");
        let mut batcher = Batcher::new(&prep, &config);
        batcher.build(&[(0, 0)], &mut rng);
        let b = &batcher.batch;
        assert_eq!(b.l, 1, "history capped at one artist");
        assert!(b.history.global[0] == 1 || b.history.global[0] == 2);
        assert_eq!(b.candidates.global.len(), 4);
        assert_eq!(b.candidates.global[0], 0);
        assert!(b.candidates.global[1..].iter().all(|&n| n == 3 || n == 4));
        assert!(b.bias.is_empty());
    }

    #[test]
    fn nobody_with_two_artists_is_an_error() {
        let users = Vocabulary::from_ids(["u"]).unwrap();
        let items = Vocabulary::from_ids(["a", "b"]).unwrap();
        let mut t = Interactions::new(users, items, false);
        t.push(0, 1, 1.0, None);
        assert!(matches!(
            Prepared::new(&t, &TwoTowerConfig::default()),
            Err(NeuralError::NoTrainingData(_))
        ));
    }
}
