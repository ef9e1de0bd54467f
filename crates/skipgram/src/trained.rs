//! The trained model of any skip-gram trainer: input and output vectors, counts and user
//! profiles, with recommendation scoring and similar-artist queries.

use std::borrow::Cow;
use std::fmt::Debug;

use artist2vec_core::topk_full::{NanScores, PackedItems, TopKConfig, dot_scores, top_k_dot};
use artist2vec_core::{
    ArtistVectors, CoreError, Embeddings, Neighbor, Query, Recommender, SimilarArtists, Similarity,
    Vocabulary, check_query, dot, history_items, recommend_each,
};
use rayon::prelude::*;

use crate::config::Scoring;
use crate::input::UserProfiles;

/// The configuration of a skip-gram trainer, as far as its trained model needs it.
///
/// Implemented by [`SkipGramConfig`](crate::SkipGramConfig) and by the burn trainer's
/// configuration in `artist2vec-neural`, so that the models of both trainers are one type,
/// [`TrainedSkipGram`], with one implementation of scoring and similarity.
pub trait SkipGramSettings: Clone + Debug + Send + Sync {
    /// What the trainer reports about a run (loss per epoch, throughput, …).
    type Stats: Clone + Debug + Send + Sync;

    /// Vector dimension.
    fn dim(&self) -> usize;

    /// Artists with fewer occurrences in the training corpus were not trained.
    fn min_count(&self) -> u64;

    /// How the trained model scores listeners.
    fn scoring(&self) -> Scoring;

    /// Changes how the trained model scores listeners.
    fn set_scoring(&mut self, scoring: Scoring);

    /// A new listener's history is scored from its last this many plays (0: all of it).
    fn history_last(&self) -> usize {
        0
    }
}

/// A trained skip-gram (item2vec) model, whichever trainer produced it (`C` is the trainer's
/// configuration): [`SkipGramModel`](crate::SkipGramModel) from this crate's CPU trainer,
/// `BurnSkipGramModel` from `artist2vec-neural`'s burn trainer.
///
/// Indices are those of the training data's artist and user vocabularies, so the model plugs
/// into the workspace's metrics and protocols unchanged. Artists that were not trained (fewer
/// than `min_count` occurrences, or absent from the training data) have zero vectors, score
/// `-inf` in recommendations and never appear in [`similar`](SimilarArtists::similar) lists.
#[derive(Debug, Clone)]
pub struct TrainedSkipGram<C: SkipGramSettings> {
    config: C,
    input: Embeddings,
    output: Vec<f32>,
    counts: Vec<u64>,
    users: Vocabulary,
    profiles: UserProfiles,
    stats: C::Stats,
}

impl<C: SkipGramSettings> TrainedSkipGram<C> {
    /// A model from its parts: the input vectors with the artist vocabulary, the output vectors
    /// (row-major, aligned with the input vectors), each artist's occurrences in the training
    /// corpus, the user vocabulary and the users' profiles.
    ///
    /// # Errors
    /// [`CoreError::Shape`] when the parts do not fit together (the dimension is not
    /// `config.dim()`, the output table or the counts do not match the artists, the profiles
    /// not the users or artists); [`CoreError::Invalid`] for a non-finite output value.
    pub fn new(
        config: C,
        input: Embeddings,
        output: Vec<f32>,
        counts: Vec<u64>,
        users: Vocabulary,
        profiles: UserProfiles,
        stats: C::Stats,
    ) -> Result<Self, CoreError> {
        let n = input.len();
        if input.dim() != config.dim()
            || output.len() != input.as_slice().len()
            || counts.len() != n
            || profiles.n_users() != users.len()
            || profiles.items().iter().any(|&i| i as usize >= n)
        {
            return Err(CoreError::Shape(format!(
                "skip-gram model parts: {n} artists of dimension {} (configuration: {}), {} \
                 output values, {} counts, {} profiles for {} users",
                input.dim(),
                config.dim(),
                output.len(),
                counts.len(),
                profiles.n_users(),
                users.len()
            )));
        }
        if let Some(pos) = output.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::Invalid(format!(
                "non-finite output vector value {} for artist {}",
                output[pos],
                pos / input.dim()
            )));
        }
        Ok(Self {
            config,
            input,
            output,
            counts,
            users,
            profiles,
            stats,
        })
    }

    /// The configuration the model was trained with.
    pub fn config(&self) -> &C {
        &self.config
    }

    /// What training did (loss per epoch, words per second, …).
    pub fn stats(&self) -> &C::Stats {
        &self.stats
    }

    /// How listeners are scored.
    pub fn scoring(&self) -> Scoring {
        self.config.scoring()
    }

    /// Changes how listeners are scored; the vectors are unchanged.
    pub fn set_scoring(&mut self, scoring: Scoring) {
        self.config.set_scoring(scoring);
    }

    /// The model with another scoring.
    #[must_use]
    pub fn with_scoring(mut self, scoring: Scoring) -> Self {
        self.set_scoring(scoring);
        self
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.input.dim()
    }

    /// The input vectors (word2vec's `syn0`, gensim's `wv`), one row per artist of the training
    /// vocabulary; zero rows for untrained artists.
    pub fn input_vectors(&self) -> &Embeddings {
        &self.input
    }

    /// The output vectors (`syn1neg`), row-major, aligned with
    /// [`input_vectors`](Self::input_vectors).
    pub fn output_vectors(&self) -> &[f32] {
        &self.output
    }

    /// Both tables, consumed: `(input, output)`, the output vectors with the artist vocabulary.
    pub fn into_vectors(self) -> (Embeddings, Embeddings) {
        let (vocab, dim) = (self.input.vocab().clone(), self.input.dim());
        let output = Embeddings::new(vocab, dim, self.output)
            .expect("the output table was checked against the artists when the model was made");
        (self.input, output)
    }

    /// The artist vocabulary.
    pub fn artists(&self) -> &Vocabulary {
        self.input.vocab()
    }

    /// The user vocabulary of the training data.
    pub fn users(&self) -> &Vocabulary {
        &self.users
    }

    /// The training users' profiles (artists and summed weights).
    pub fn profiles(&self) -> &UserProfiles {
        &self.profiles
    }

    /// Occurrences of each artist in the training corpus (before `min_count`).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Whether artist `ix` has trained vectors.
    pub fn is_trained(&self, ix: u32) -> bool {
        self.counts
            .get(ix as usize)
            .is_some_and(|&c| c > 0 && c >= self.config.min_count())
    }

    /// Number of trained artists.
    pub fn n_trained(&self) -> usize {
        (0..self.counts.len() as u32)
            .filter(|&i| self.is_trained(i))
            .count()
    }

    /// The table whose dot products with a listener's vector are the scores: the output
    /// vectors or the input vectors; `None` for cosine scoring.
    fn dot_table(&self) -> Option<&[f32]> {
        match self.scoring() {
            Scoring::Output => Some(&self.output),
            Scoring::InputDot => Some(self.input.as_slice()),
            Scoring::InputCosine => None,
        }
    }

    fn untrained(&self) -> Vec<u32> {
        (0..self.counts.len() as u32)
            .filter(|&i| !self.is_trained(i))
            .collect()
    }

    fn trained_by_count(&self) -> Vec<u32> {
        let mut ix: Vec<u32> = (0..self.counts.len() as u32)
            .filter(|&i| self.is_trained(i))
            .collect();
        ix.sort_by_key(|&i| std::cmp::Reverse(self.counts[i as usize]));
        ix
    }

    fn subset(&self, rows: &[u32], data: &[f32]) -> Result<Embeddings, CoreError> {
        let dim = self.dim();
        let mut vocab = Vocabulary::new();
        let mut out = Vec::with_capacity(rows.len() * dim);
        for &i in rows {
            let n = vocab.insert(self.artists().id(i));
            if let Some(name) = self.artists().name_opt(i) {
                vocab.set_name(n, name);
            }
            out.extend_from_slice(&data[i as usize * dim..(i as usize + 1) * dim]);
        }
        Embeddings::new(vocab, dim, out)
    }

    /// The trained artists' input vectors, most frequent first (gensim's `KeyedVectors` order):
    /// what [`write_word2vec`](crate::write_word2vec) and [`write_npy`](crate::write_npy) should
    /// be given.
    ///
    /// # Errors
    /// None in practice (the rows are finite); typed for safety.
    pub fn keyed_vectors(&self) -> Result<Embeddings, CoreError> {
        self.subset(&self.trained_by_count(), self.input.as_slice())
    }

    /// The trained artists' output vectors, in the order of [`keyed_vectors`](Self::keyed_vectors).
    ///
    /// # Errors
    /// As [`keyed_vectors`](Self::keyed_vectors).
    pub fn output_keyed_vectors(&self) -> Result<Embeddings, CoreError> {
        self.subset(&self.trained_by_count(), &self.output)
    }

    /// A listener's vector: the play-share-weighted mean of the input vectors of the trained
    /// artists in their history; `None` when the history has no trained artist (or weights that
    /// sum to zero).
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown user or artist;
    /// [`CoreError::Invalid`] for a negative or non-finite weight (the core crate's
    /// [`check_history_weights`](artist2vec_core::check_history_weights), as every model).
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
                let (items, weights) = self.profiles.get(*u)?;
                for (&i, &w) in items.iter().zip(weights) {
                    add(i, w)?;
                }
            }
            Query::History(h) => {
                let h: &[(u32, f32)] = h;
                let n = self.config.history_last();
                let recent = if n == 0 {
                    h
                } else {
                    &h[h.len().saturating_sub(n)..]
                };
                for &(i, w) in recent.iter() {
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

    /// Like [`SimilarArtists::similar`], looking the artist up by external id or display name.
    ///
    /// # Errors
    /// [`CoreError::UnknownId`] when no artist matches; [`CoreError::Invalid`] when it has no
    /// trained vector.
    pub fn similar_by_id(&self, id_or_name: &str, k: usize) -> Result<Vec<Neighbor>, CoreError> {
        let v = self.artists();
        let ix = match v.get(id_or_name) {
            Some(ix) => ix,
            None => v.find(id_or_name)?,
        };
        self.similar(ix, k)
    }

    /// `Ok` for an artist with a trained vector.
    /// [`similar`](SimilarArtists::similar) without the artists for which `drop` holds.
    ///
    /// # Errors
    /// As [`similar`](SimilarArtists::similar).
    pub fn similar_excluding(
        &self,
        artist: u32,
        k: usize,
        drop: &dyn Fn(u32) -> bool,
    ) -> Result<Vec<Neighbor>, CoreError> {
        self.check_trained(artist)?;
        let row = self.input.row(artist)?;
        let exclude: Vec<u32> = (0..self.counts.len() as u32)
            .filter(|&i| i == artist || !self.is_trained(i) || drop(i))
            .collect();
        Ok(self
            .input
            .nearest_to_vector(row, k, Similarity::Cosine, &exclude))
    }

    fn check_trained(&self, artist: u32) -> Result<(), CoreError> {
        self.input.row(artist)?;
        if self.is_trained(artist) {
            return Ok(());
        }
        Err(CoreError::Invalid(format!(
            "artist {:?} has no trained vector ({} occurrences, min_count {})",
            self.artists().id(artist),
            self.counts[artist as usize],
            self.config.min_count()
        )))
    }

    /// [`similar`](SimilarArtists::similar) for many artists at once, with the same results:
    /// the `k` most similar trained artists to each (cosine of input vectors, the artist itself
    /// left out), computed in parallel blocks of queries that share each pass over the table
    /// ([`Embeddings::similar_batch_excluding`]) — much faster than one query at a time when
    /// there are many.
    ///
    /// # Errors
    /// As [`similar`](SimilarArtists::similar), for the first bad artist.
    pub fn similar_batch(
        &self,
        artists: &[u32],
        k: usize,
    ) -> Result<Vec<Vec<Neighbor>>, CoreError> {
        for &a in artists {
            self.check_trained(a)?;
        }
        self.input
            .similar_batch_excluding(artists, k, Similarity::Cosine, &self.untrained())
    }
}

impl<C: SkipGramSettings> Recommender for TrainedSkipGram<C> {
    fn n_items(&self) -> usize {
        self.counts.len()
    }

    fn n_users(&self) -> usize {
        self.users.len()
    }

    /// Scores every artist by the model's [`Scoring`] against the listener's
    /// [`user_vector`](TrainedSkipGram::user_vector). A listener with no trained artist gets
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
        if let Some(table) = self.dot_table() {
            dot_scores(&u, table, scores);
            for (i, s) in scores.iter_mut().enumerate() {
                if !self.is_trained(i as u32) {
                    *s = f32::NEG_INFINITY;
                }
            }
            return Ok(());
        }
        let un = dot(&u, &u).sqrt();
        let norms = self.input.norms();
        let rows = self.input.as_slice().chunks_exact(dim);
        for (i, (s, row)) in scores.iter_mut().zip(rows).enumerate() {
            *s = if !self.is_trained(i as u32) {
                f32::NEG_INFINITY
            } else {
                let d = un * norms[i];
                if d > 0.0 { dot(&u, row) / d } else { 0.0 }
            };
        }
        Ok(())
    }

    /// With [`Scoring::Output`] or [`Scoring::InputDot`], the blocked full-catalogue top-k of
    /// the listeners' vectors against the scoring table: the lists of
    /// [`recommend`](Recommender::recommend), query by query. Listeners without a trained artist
    /// (popularity) and [`Scoring::InputCosine`] are served one query at a time.
    fn recommend_batch(
        &self,
        queries: &[Query<'_>],
        k: usize,
        exclude_seen: bool,
    ) -> Result<Vec<Vec<Neighbor>>, CoreError> {
        let Some(table) = self.dot_table() else {
            return recommend_each(self, queries, k, exclude_seen);
        };
        let vectors: Vec<Option<Vec<f32>>> = queries
            .par_iter()
            .map(|q| self.user_vector(q))
            .collect::<Result<_, _>>()?;
        let (mut dotted, mut others) = (Vec::new(), Vec::new());
        for (i, v) in vectors.into_iter().enumerate() {
            match v {
                Some(v) => dotted.push((i, v)),
                None => others.push(i),
            }
        }
        let seen = dotted
            .iter()
            .map(|&(i, _)| match queries[i] {
                _ if !exclude_seen => Ok(Cow::Borrowed(&[][..])),
                Query::User(u) => Ok(Cow::Borrowed(self.seen(u)?)),
                Query::History(h) => Ok(Cow::Owned(history_items(h))),
            })
            .collect::<Result<Vec<Cow<'_, [u32]>>, CoreError>>()?;
        let packed = PackedItems::new(table, self.dim())?
            .with_masked(&self.untrained(), f32::NEG_INFINITY)?;
        let lists = top_k_dot(
            &packed,
            dotted.len(),
            |j, out| {
                out.copy_from_slice(&dotted[j].1);
                Ok(())
            },
            |j| &seen[j],
            &TopKConfig::new(k),
            NanScores::Skip,
        )?;
        let other_queries: Vec<Query<'_>> = others.iter().map(|&i| queries[i]).collect();
        let other_lists = recommend_each(self, &other_queries, k, exclude_seen)?;
        let mut out = vec![Vec::new(); queries.len()];
        for ((i, _), list) in dotted.iter().zip(lists.iter()) {
            out[*i] = list.to_vec();
        }
        for (i, list) in others.into_iter().zip(other_lists) {
            out[i] = list;
        }
        Ok(out)
    }

    fn seen(&self, user: u32) -> Result<&[u32], CoreError> {
        Ok(self.profiles.get(user)?.0)
    }
}

impl<C: SkipGramSettings> ArtistVectors for TrainedSkipGram<C> {
    /// The input vectors.
    fn artist_vectors(&self) -> &Embeddings {
        &self.input
    }
}

impl<C: SkipGramSettings> SimilarArtists for TrainedSkipGram<C> {
    /// Cosine similarity of input vectors, untrained artists left out.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown artist, [`CoreError::Invalid`] for an
    /// artist without a trained vector.
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<Neighbor>, CoreError> {
        self.similar_excluding(artist, k, &|_| false)
    }

    /// The blocked [`TrainedSkipGram::similar_batch`]; the same errors as `similar`.
    fn similar_batch(&self, artists: &[u32], k: usize) -> Result<Vec<Vec<Neighbor>>, CoreError> {
        TrainedSkipGram::similar_batch(self, artists, k)
    }
}
