//! The trained model: artist vectors, recommendation scoring and the `Fit` implementations.

use artist2vec_core::{
    ArtistVectors, CoreError, Embeddings, Fit, Interactions, Neighbor, Observer, Query,
    Recommender, Sessions, SimilarArtists, Similarity, Vocabulary, check_query, dot,
};
use burn::tensor::backend::AutodiffBackend;

use crate::CpuBackend;
use crate::config::{BurnSkipGramConfig, Order, Scoring};
use crate::corpus::Corpus;
use crate::error::{NeuralError, Result};
use crate::train::{TrainingStats, train};

/// A skip-gram model trained with burn: input and output vectors for every artist of the
/// training data's vocabulary, plus what recommendation needs (each training user's profile).
///
/// Whatever backend trained it, the model is plain CPU memory: it plugs into the workspace's
/// [`ArtistVectors`], [`SimilarArtists`] and [`Recommender`] traits like the classical models.
/// Artists that were not trained (fewer than `min_count` occurrences, or absent from the
/// training data) have zero vectors, score `-inf` in recommendations and never appear in
/// [`similar`](SimilarArtists::similar) lists.
#[derive(Debug, Clone)]
pub struct BurnSkipGramModel {
    config: BurnSkipGramConfig,
    input: Embeddings,
    output: Embeddings,
    counts: Vec<u64>,
    users: Vocabulary,
    profiles: Profiles,
    stats: TrainingStats,
}

/// Per-user (artist, weight) lists sorted by artist, summed over duplicates.
#[derive(Debug, Clone)]
struct Profiles {
    offsets: Vec<usize>,
    items: Vec<u32>,
    weights: Vec<f32>,
}

impl Profiles {
    /// Groups `(user, item, weight)` rows by user, then sorts and merges each user's artists.
    fn build(n_users: usize, users: &[u32], items: &[u32], weight: impl Fn(usize) -> f32) -> Self {
        let mut starts = vec![0usize; n_users + 1];
        for &u in users {
            starts[u as usize + 1] += 1;
        }
        for u in 0..n_users {
            starts[u + 1] += starts[u];
        }
        let mut next = starts.clone();
        let mut pairs = vec![(0u32, 0f32); users.len()];
        for (r, (&u, &i)) in users.iter().zip(items).enumerate() {
            pairs[next[u as usize]] = (i, weight(r));
            next[u as usize] += 1;
        }
        let mut out = Profiles {
            offsets: Vec::with_capacity(n_users + 1),
            items: Vec::new(),
            weights: Vec::new(),
        };
        out.offsets.push(0);
        for u in 0..n_users {
            let p = &mut pairs[starts[u]..starts[u + 1]];
            p.sort_unstable_by_key(|x| x.0);
            let first = out.items.len();
            for &(i, w) in p.iter() {
                if out.items.len() > first && out.items.last() == Some(&i) {
                    *out.weights.last_mut().expect("an item was pushed") += w;
                } else {
                    out.items.push(i);
                    out.weights.push(w);
                }
            }
            out.offsets.push(out.items.len());
        }
        out
    }
}

impl BurnSkipGramConfig {
    /// `(seed to shuffle once with, reshuffle every epoch)` for data whose natural order is a
    /// bag (`auto_shuffles`) or a sequence.
    fn resolve_order(&self, auto_shuffles: bool) -> (Option<u64>, bool) {
        match self.order {
            Order::Auto if auto_shuffles => (None, true),
            Order::Auto | Order::Given => (None, false),
            Order::ShuffledOnce => (Some(self.seed), false),
            Order::ShuffledEachEpoch => (None, true),
        }
    }

    fn finish<B: AutodiffBackend>(
        &self,
        mut corpus: Corpus,
        shuffle_each_epoch: bool,
        items: Vocabulary,
        users: Vocabulary,
        profiles: Profiles,
        device: &B::Device,
        observer: &dyn Observer,
    ) -> Result<BurnSkipGramModel> {
        let trained = train::<B>(self, &mut corpus, shuffle_each_epoch, device, observer)?;
        // Table rows back to the data's artist indices; untrained artists stay zero.
        let dim = self.dim;
        let mut input = vec![0f32; items.len() * dim];
        let mut output = vec![0f32; items.len() * dim];
        for (row, &artist) in corpus.artist_of.iter().enumerate() {
            let (src, dst) = (row * dim..(row + 1) * dim, artist as usize * dim);
            input[dst..dst + dim].copy_from_slice(&trained.input[src.clone()]);
            output[dst..dst + dim].copy_from_slice(&trained.output[src]);
        }
        Ok(BurnSkipGramModel {
            config: self.clone(),
            input: Embeddings::new(items.clone(), dim, input)?,
            output: Embeddings::new(items, dim, output)?,
            counts: corpus.counts,
            users,
            profiles,
            stats: trained.stats,
        })
    }

    /// Trains on sessions or playlists with backend `B` on `device`: each session is a sentence
    /// in play order ([`Order::Auto`]); a user's profile for recommendation is their play count
    /// per artist.
    ///
    /// ```no_run
    /// # #[cfg(feature = "cuda")] {
    /// use artist2vec_core::{NoProgress, Sessions};
    /// use artist2vec_neural::{BurnSkipGramConfig, CudaBackend, CudaDevice};
    /// # let sessions = Sessions::default();
    /// let model = BurnSkipGramConfig::new(128)
    ///     .with_batch_size(16384)
    ///     .fit_sessions_on::<CudaBackend>(&sessions, &CudaDevice::default(), &NoProgress)?;
    /// # }
    /// # Ok::<(), artist2vec_neural::NeuralError>(())
    /// ```
    ///
    /// # Errors
    /// [`NeuralError::Config`] for a bad configuration (before any work);
    /// [`NeuralError::NoTrainingData`] when no sentence holds two trained artists;
    /// [`NeuralError::Diverged`] when the loss stops being finite.
    pub fn fit_sessions_on<B: AutodiffBackend>(
        &self,
        data: &Sessions,
        device: &B::Device,
        observer: &dyn Observer,
    ) -> Result<BurnSkipGramModel> {
        self.validate()?;
        let (once, each) = self.resolve_order(false);
        let corpus = Corpus::build(
            data.items.len(),
            data.offsets(),
            data.play_items(),
            self.min_count,
            once,
        );
        let offsets = data.offsets();
        let mut play_users = Vec::with_capacity(data.n_plays());
        for (s, &u) in data.session_users().iter().enumerate() {
            play_users.extend(std::iter::repeat_n(u, offsets[s + 1] - offsets[s]));
        }
        let profiles = Profiles::build(data.users.len(), &play_users, data.play_items(), |_| 1.0);
        drop(play_users);
        self.finish::<B>(
            corpus,
            each,
            data.items.clone(),
            data.users.clone(),
            profiles,
            device,
            observer,
        )
    }

    /// Trains on user–artist interactions with backend `B` on `device`: each user's distinct
    /// artists form one sentence, a bag reshuffled every epoch ([`Order::Auto`]); a user's
    /// profile is their summed weight (play count) per artist.
    ///
    /// # Errors
    /// As [`fit_sessions_on`](Self::fit_sessions_on).
    pub fn fit_interactions_on<B: AutodiffBackend>(
        &self,
        data: &Interactions,
        device: &B::Device,
        observer: &dyn Observer,
    ) -> Result<BurnSkipGramModel> {
        self.validate()?;
        let (once, each) = self.resolve_order(true);
        // Bags: each user's distinct artists, in order of first occurrence.
        let n_users = data.n_users();
        let mut starts = vec![0usize; n_users + 1];
        for &u in data.user_col() {
            starts[u as usize + 1] += 1;
        }
        for u in 0..n_users {
            starts[u + 1] += starts[u];
        }
        let mut next = starts.clone();
        let mut grouped = vec![0u32; data.len()];
        for (&u, &i) in data.user_col().iter().zip(data.item_col()) {
            grouped[next[u as usize]] = i;
            next[u as usize] += 1;
        }
        let mut last_user = vec![u32::MAX; data.n_items()];
        let mut bag_offsets = Vec::with_capacity(n_users + 1);
        bag_offsets.push(0);
        let mut bags = Vec::with_capacity(data.len());
        for u in 0..n_users {
            for &i in &grouped[starts[u]..starts[u + 1]] {
                if last_user[i as usize] != u as u32 {
                    last_user[i as usize] = u as u32;
                    bags.push(i);
                }
            }
            bag_offsets.push(bags.len());
        }
        drop(grouped);
        let corpus = Corpus::build(data.n_items(), &bag_offsets, &bags, self.min_count, once);
        drop(bags);
        let w = data.weight_col();
        let profiles = Profiles::build(n_users, data.user_col(), data.item_col(), |r| w[r]);
        self.finish::<B>(
            corpus,
            each,
            data.items.clone(),
            data.users.clone(),
            profiles,
            device,
            observer,
        )
    }
}

/// Trains on sessions on the default CPU backend ([`CpuBackend`]); see
/// [`fit_sessions_on`](BurnSkipGramConfig::fit_sessions_on).
impl Fit<Sessions> for BurnSkipGramConfig {
    type Model = BurnSkipGramModel;
    type Error = NeuralError;

    fn validate(&self) -> Result<()> {
        BurnSkipGramConfig::validate(self)
    }

    fn fit_observed(&self, data: &Sessions, observer: &dyn Observer) -> Result<BurnSkipGramModel> {
        self.fit_sessions_on::<CpuBackend>(data, &Default::default(), observer)
    }
}

/// Trains on interactions (one bag per user) on the default CPU backend ([`CpuBackend`]); see
/// [`fit_interactions_on`](BurnSkipGramConfig::fit_interactions_on).
impl Fit<Interactions> for BurnSkipGramConfig {
    type Model = BurnSkipGramModel;
    type Error = NeuralError;

    fn validate(&self) -> Result<()> {
        BurnSkipGramConfig::validate(self)
    }

    fn fit_observed(
        &self,
        data: &Interactions,
        observer: &dyn Observer,
    ) -> Result<BurnSkipGramModel> {
        self.fit_interactions_on::<CpuBackend>(data, &Default::default(), observer)
    }
}

impl BurnSkipGramModel {
    /// The configuration the model was trained with.
    pub fn config(&self) -> &BurnSkipGramConfig {
        &self.config
    }

    /// What training did (loss per epoch, words per second, backend, …).
    pub fn stats(&self) -> &TrainingStats {
        &self.stats
    }

    /// How listeners are scored.
    pub fn scoring(&self) -> Scoring {
        self.config.scoring
    }

    /// Changes how listeners are scored; the vectors are unchanged.
    pub fn set_scoring(&mut self, scoring: Scoring) {
        self.config.scoring = scoring;
    }

    /// The model with another scoring.
    #[must_use]
    pub fn with_scoring(mut self, scoring: Scoring) -> Self {
        self.set_scoring(scoring);
        self
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.config.dim
    }

    /// The input vectors (word2vec's `syn0`), one row per artist of the training vocabulary;
    /// zero rows for untrained artists.
    pub fn input_vectors(&self) -> &Embeddings {
        &self.input
    }

    /// The output vectors (`syn1neg`), aligned with [`input_vectors`](Self::input_vectors).
    pub fn output_vectors(&self) -> &Embeddings {
        &self.output
    }

    /// Both tables, consumed: `(input, output)`.
    pub fn into_vectors(self) -> (Embeddings, Embeddings) {
        (self.input, self.output)
    }

    /// The artist vocabulary.
    pub fn artists(&self) -> &Vocabulary {
        self.input.vocab()
    }

    /// The user vocabulary of the training data.
    pub fn users(&self) -> &Vocabulary {
        &self.users
    }

    /// Occurrences of each artist in the training corpus (before `min_count`).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Whether artist `ix` has trained vectors.
    pub fn is_trained(&self, ix: u32) -> bool {
        self.counts
            .get(ix as usize)
            .is_some_and(|&c| c > 0 && c >= self.config.min_count)
    }

    /// Number of trained artists.
    pub fn n_trained(&self) -> usize {
        (0..self.counts.len() as u32)
            .filter(|&i| self.is_trained(i))
            .count()
    }

    fn untrained(&self) -> Vec<u32> {
        (0..self.counts.len() as u32)
            .filter(|&i| !self.is_trained(i))
            .collect()
    }

    fn profile(&self, user: u32) -> Result<(&[u32], &[f32]), CoreError> {
        let u = user as usize;
        if u >= self.users.len() {
            return Err(CoreError::IndexOutOfRange {
                kind: "user",
                index: u,
                len: self.users.len(),
            });
        }
        let p = &self.profiles;
        let (a, b) = (p.offsets[u], p.offsets[u + 1]);
        Ok((&p.items[a..b], &p.weights[a..b]))
    }

    /// A listener's vector: the play-share-weighted mean of the input vectors of the trained
    /// artists in their history; `None` when the history has no trained artist (or weights
    /// that sum to zero).
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown user or artist;
    /// [`CoreError::Invalid`] for a non-finite weight.
    pub fn user_vector(&self, query: &Query<'_>) -> Result<Option<Vec<f32>>, CoreError> {
        check_query(query, self.users.len(), self.counts.len())?;
        let dim = self.dim();
        let mut v = vec![0f32; dim];
        let mut total = 0f64;
        let mut add = |i: u32, w: f32| -> Result<(), CoreError> {
            if !w.is_finite() {
                return Err(CoreError::Invalid(format!(
                    "non-finite weight {w} for artist {i}"
                )));
            }
            if self.is_trained(i) && w != 0.0 {
                total += f64::from(w);
                let row = &self.input.as_slice()[i as usize * dim..(i as usize + 1) * dim];
                for (a, b) in v.iter_mut().zip(row) {
                    *a += w * b;
                }
            }
            Ok(())
        };
        match query {
            Query::User(u) => {
                let (items, weights) = self.profile(*u)?;
                for (&i, &w) in items.iter().zip(weights) {
                    add(i, w)?;
                }
            }
            Query::History(h) => {
                for &(i, w) in h.iter() {
                    add(i, w)?;
                }
            }
        }
        if total == 0.0 || !total.is_finite() {
            return Ok(None);
        }
        let inv = (1.0 / total) as f32;
        v.iter_mut().for_each(|x| *x *= inv);
        Ok(Some(v))
    }
}

impl ArtistVectors for BurnSkipGramModel {
    /// The input vectors.
    fn artist_vectors(&self) -> &Embeddings {
        &self.input
    }
}

impl SimilarArtists for BurnSkipGramModel {
    /// Cosine similarity of input vectors, untrained artists left out.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown artist, [`CoreError::Invalid`] for an
    /// artist without a trained vector.
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<Neighbor>, CoreError> {
        let row = self.input.row(artist)?;
        if !self.is_trained(artist) {
            return Err(CoreError::Invalid(format!(
                "artist {:?} has no trained vector ({} occurrences, min_count {})",
                self.artists().id(artist),
                self.counts[artist as usize],
                self.config.min_count
            )));
        }
        let mut exclude = self.untrained();
        let pos = exclude.partition_point(|&i| i < artist);
        exclude.insert(pos, artist);
        Ok(self
            .input
            .nearest_to_vector(row, k, Similarity::Cosine, &exclude))
    }
}

impl Recommender for BurnSkipGramModel {
    fn n_items(&self) -> usize {
        self.counts.len()
    }

    fn n_users(&self) -> usize {
        self.users.len()
    }

    /// Scores every artist by the model's [`Scoring`] against the listener's
    /// [`user_vector`](BurnSkipGramModel::user_vector). A listener with no trained artist gets
    /// popularity (`ln(1 + count)`) instead; untrained artists score `-inf`.
    fn score_into(&self, query: &Query<'_>, scores: &mut [f32]) -> Result<(), CoreError> {
        if scores.len() != self.n_items() {
            return Err(CoreError::Shape(format!(
                "score buffer of length {} for {} artists",
                scores.len(),
                self.n_items()
            )));
        }
        let dim = self.dim();
        let Some(u) = self.user_vector(query)? else {
            for (i, s) in scores.iter_mut().enumerate() {
                *s = if self.is_trained(i as u32) {
                    (self.counts[i] as f32).ln_1p()
                } else {
                    f32::NEG_INFINITY
                };
            }
            return Ok(());
        };
        let (table, cosine) = match self.config.scoring {
            Scoring::Output => (self.output.as_slice(), false),
            Scoring::InputDot => (self.input.as_slice(), false),
            Scoring::InputCosine => (self.input.as_slice(), true),
        };
        let un = dot(&u, &u).sqrt();
        let norms = self.input.norms();
        for (i, (s, row)) in scores.iter_mut().zip(table.chunks_exact(dim)).enumerate() {
            *s = if !self.is_trained(i as u32) {
                f32::NEG_INFINITY
            } else if cosine {
                let d = un * norms[i];
                if d > 0.0 { dot(&u, row) / d } else { 0.0 }
            } else {
                dot(&u, row)
            };
        }
        Ok(())
    }

    fn seen(&self, user: u32) -> Result<&[u32], CoreError> {
        Ok(self.profile(user)?.0)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use artist2vec_core::{Play, Progress};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::config::Window;

    const GENRES: u32 = 4;
    const PER_GENRE: u32 = 10;

    fn genre(artist: u32) -> u32 {
        artist / PER_GENRE
    }

    /// A planted-genre corpus: `GENRES × PER_GENRE` artists, users with a favourite genre,
    /// sessions of 8 plays that stay in one genre (the user's 90 % of the time) except for 10 %
    /// of plays drawn from all artists.
    fn planted_sessions(n_sessions: u64, seed: u64) -> Sessions {
        let n = GENRES * PER_GENRE;
        let artists = Vocabulary::from_ids((0..n).map(|i| format!("a{i}"))).unwrap();
        let users = Vocabulary::from_ids((0..20).map(|u| format!("u{u}"))).unwrap();
        let mut sessions = Sessions::new(users, artists, false);
        let mut rng = StdRng::seed_from_u64(seed);
        for s in 0..n_sessions {
            let user = (s % 20) as u32;
            let g = if rng.random::<f32>() < 0.9 {
                user % GENRES
            } else {
                rng.random_range(0..GENRES)
            };
            let plays: Vec<Play> = (0..8)
                .map(|t| Play {
                    item: if rng.random::<f32>() < 0.9 {
                        g * PER_GENRE + rng.random_range(0..PER_GENRE)
                    } else {
                        rng.random_range(0..n)
                    },
                    time: s as i64 * 100 + t,
                    duration: None,
                })
                .collect();
            sessions.push(s, user, plays).unwrap();
        }
        sessions
    }

    /// Mean share of each trained artist's `k` nearest neighbours from its planted genre.
    fn genre_precision(model: &BurnSkipGramModel, k: usize) -> f64 {
        let mut hits = 0usize;
        let mut total = 0usize;
        for a in 0..model.n_items() as u32 {
            if !model.is_trained(a) {
                continue;
            }
            let nn = model.similar(a, k).unwrap();
            assert_eq!(nn.len(), k);
            hits += nn.iter().filter(|n| genre(n.item) == genre(a)).count();
            total += k;
        }
        hits as f64 / total as f64
    }

    fn small_config() -> BurnSkipGramConfig {
        BurnSkipGramConfig::new(16)
            .with_window(Window::Fixed(3))
            .with_min_count(1)
            .with_sample(0.0)
            .with_negative(5)
            .with_batch_size(256)
            .with_epochs(5)
            .with_seed(7)
    }

    #[test]
    fn planted_genres_are_learned_and_the_loss_decreases() {
        let model = learn_planted_genres::<CpuBackend>(&Default::default());
        let backend = &model.stats().backend;
        assert!(backend.to_lowercase().contains("ndarray"), "{backend}");
    }

    /// The same test on a GPU: `cargo test --release -p artist2vec-neural --features cuda --
    /// --ignored`.
    #[cfg(feature = "cuda")]
    #[test]
    #[ignore = "needs an NVIDIA GPU and driver"]
    fn planted_genres_are_learned_on_cuda() {
        let model = learn_planted_genres::<crate::CudaBackend>(&Default::default());
        let backend = &model.stats().backend;
        assert!(backend.to_lowercase().contains("cuda"), "{backend}");
    }

    /// Trains on planted-genre sessions with backend `B` and checks what must hold on any
    /// backend: a finite, decreasing loss, the genres found, sensible recommendations.
    fn learn_planted_genres<B: AutodiffBackend>(device: &B::Device) -> BurnSkipGramModel {
        let sessions = planted_sessions(800, 11);
        let reports = Mutex::new(Vec::new());
        let observer = |p: &Progress<'_>| {
            if p.stage == "burn skip-gram epoch" {
                reports.lock().unwrap().push((p.done, p.value.unwrap().1));
            }
        };
        let model = small_config()
            .fit_sessions_on::<B>(&sessions, device, &observer)
            .unwrap();
        let loss = &model.stats().epoch_loss;
        assert_eq!(loss.len(), 5);
        assert!(loss.iter().all(|l| l.is_finite() && *l > 0.0), "{loss:?}");
        // At the start (output vectors zero) every pair costs (1 + k)·ln 2 ≈ 4.16; the notebook's
        // sign error sent the loss to minus millions instead.
        let start = 6.0 * std::f64::consts::LN_2;
        assert!(loss[0] < start, "{loss:?}");
        assert!(
            loss.windows(2).all(|w| w[1] < w[0]),
            "not decreasing: {loss:?}"
        );
        assert!(loss[4] < 0.8 * loss[0], "{loss:?}");
        let seen: Vec<u64> = reports.lock().unwrap().iter().map(|r| r.0).collect();
        assert_eq!(seen, vec![1, 2, 3, 4, 5]);

        // Chance: 9 of an artist's 39 peers share its genre (0.23, about 1/G). A model that
        // learned nothing scores 0.23 ± 0.03 over these 200 neighbours; 0.9 is far outside that.
        let p = genre_precision(&model, 5);
        assert!(p >= 0.9, "genre precision@5 {p}");

        let stats = model.stats();
        assert_eq!(stats.vocab_size, 40);
        assert_eq!(stats.corpus_words, 800 * 8);
        assert_eq!(stats.effective_words, 5 * 800 * 8, "no subsampling");
        assert!(stats.pairs > 5 * 800 * 8 && stats.batches >= stats.pairs / 256);

        // Recommendation: a listener of one genre gets that genre, with every scoring.
        for scoring in [Scoring::Output, Scoring::InputDot, Scoring::InputCosine] {
            let m = model.clone().with_scoring(scoring);
            let recs = m
                .recommend(&Query::History(&[(21, 2.0), (25, 1.0)]), 5, true)
                .unwrap();
            let in_genre = recs.iter().filter(|n| genre(n.item) == 2).count();
            assert!(in_genre >= 4, "{scoring:?}: {recs:?}");
            assert!(recs.iter().all(|n| n.item != 21 && n.item != 25));
        }
        // A training user (user 3 favours genre 3) is recommended mostly genre 3.
        let recs = model.recommend(&Query::User(3), 5, false).unwrap();
        assert!(
            recs.iter().filter(|n| genre(n.item) == 3).count() >= 4,
            "{recs:?}"
        );
        assert!(model.recommend(&Query::User(99), 5, false).is_err());
        model
    }

    #[test]
    fn the_same_seed_gives_the_same_vectors() {
        let sessions = planted_sessions(100, 3);
        let config = small_config().with_epochs(2);
        let a = config.fit(&sessions).unwrap();
        let b = config.fit(&sessions).unwrap();
        assert_eq!(a.input_vectors().as_slice(), b.input_vectors().as_slice());
        assert_eq!(a.output_vectors().as_slice(), b.output_vectors().as_slice());
        assert_eq!(a.stats().epoch_loss, b.stats().epoch_loss);
        let c = config.with_seed(8).fit(&sessions).unwrap();
        assert_ne!(a.input_vectors().as_slice(), c.input_vectors().as_slice());
    }

    #[test]
    fn bags_of_artists_per_user_learn_the_genres() {
        // 200 listeners, each with 12 plays of their genre and 2 random plays, as interactions.
        let n = GENRES * PER_GENRE;
        let artists = Vocabulary::from_ids((0..n).map(|i| format!("a{i}"))).unwrap();
        let users = Vocabulary::from_ids((0..200).map(|u| format!("u{u}"))).unwrap();
        let mut data = Interactions::new(users, artists, false);
        let mut rng = StdRng::seed_from_u64(5);
        for u in 0..200u32 {
            for j in 0..14 {
                let item = if j < 12 {
                    (u % GENRES) * PER_GENRE + rng.random_range(0..PER_GENRE)
                } else {
                    rng.random_range(0..n)
                };
                data.push(u, item, 1.0 + j as f32, None);
            }
        }
        let config = small_config().with_window(Window::Whole).with_epochs(8);
        let model = config.fit(&data).unwrap();
        let p = genre_precision(&model, 5);
        assert!(p >= 0.85, "genre precision@5 {p}");
        // Profiles are the summed weights; `seen` is sorted and distinct.
        let seen = model.seen(0).unwrap();
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
        assert!(!seen.is_empty());
    }

    #[test]
    fn untrained_artists_are_left_out() {
        // Artist 39's plays go to artist 38, then it occurs in one extra session only: with
        // min_count 3 it alone is untrained (every other artist has dozens of plays).
        let planted = planted_sessions(200, 9);
        assert!(planted.play_items().contains(&39));
        let map: Vec<u32> = (0..40).map(|i| if i == 39 { 38 } else { i }).collect();
        let user_map: Vec<u32> = (0..20).collect();
        let mut sessions = planted.remap(
            planted.users.clone(),
            &user_map,
            planted.items.clone(),
            &map,
        );
        let plays = [39, 0].map(|item| Play {
            item,
            time: 0,
            duration: None,
        });
        sessions.push(10_000, 0, plays).unwrap();
        let model = small_config()
            .with_min_count(3)
            .with_epochs(1)
            .fit(&sessions)
            .unwrap();
        assert!(!model.is_trained(39));
        assert_eq!(model.n_trained(), 39);
        assert!(
            model
                .input_vectors()
                .row(39)
                .unwrap()
                .iter()
                .all(|&x| x == 0.0)
        );
        assert!(matches!(model.similar(39, 3), Err(CoreError::Invalid(_))));
        assert!(matches!(
            model.similar(40, 3),
            Err(CoreError::IndexOutOfRange { .. })
        ));
        let all = model.similar(0, 100).unwrap();
        assert_eq!(all.len(), 38);
        assert!(all.iter().all(|n| n.item != 39 && n.item != 0));
        let mut scores = vec![0f32; 40];
        model.score_into(&Query::User(0), &mut scores).unwrap();
        assert_eq!(scores[39], f32::NEG_INFINITY);
        assert!(scores[..39].iter().all(|s| s.is_finite()));
        // A history of only untrained artists falls back to popularity.
        model
            .score_into(&Query::History(&[(39, 1.0)]), &mut scores)
            .unwrap();
        assert!(scores[..39].iter().all(|&s| s > 0.0));
        assert!(model.score_into(&Query::User(0), &mut [0.0; 3]).is_err());
    }

    #[test]
    fn nothing_to_train_on_and_bad_configs_are_errors() {
        let artists = Vocabulary::from_ids(["a", "b"]).unwrap();
        let users = Vocabulary::from_ids(["u"]).unwrap();
        let mut sessions = Sessions::new(users, artists, false);
        for s in 0..3 {
            sessions
                .push(
                    s,
                    0,
                    [Play {
                        item: (s % 2) as u32,
                        time: 0,
                        duration: None,
                    }],
                )
                .unwrap();
        }
        let config = BurnSkipGramConfig::new(4).with_min_count(1);
        assert!(matches!(
            config.fit(&sessions),
            Err(NeuralError::NoTrainingData(_))
        ));
        assert!(matches!(
            config.clone().with_alpha(-1.0).fit(&sessions),
            Err(NeuralError::Config { field: "alpha", .. })
        ));
        assert!(matches!(
            config.with_dim(0).fit(&Interactions::default()),
            Err(NeuralError::Config { field: "dim", .. })
        ));
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>() {}
        send_sync::<BurnSkipGramModel>();
        send_sync::<BurnSkipGramConfig>();
        send_sync::<TrainingStats>();
        send_sync::<NeuralError>();
        send::<crate::BurnSkipGram<CpuBackend>>();
    }
}
