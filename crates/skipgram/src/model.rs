//! The trained model: artist vectors, recommendation scoring, fitting and saving.

use std::path::Path;

use artist2vec_core::modelfile::{self, Decoder, Encoder, Header};
use artist2vec_core::{
    ArtistVectors, CoreError, Embeddings, Fit, Interactions, Neighbor, Observer, Query,
    Recommender, Sessions, SimilarArtists, Similarity, Vocabulary, check_query, dot,
};

use artist2vec_core::topk::TopK;
use rayon::prelude::*;

use crate::config::{Order, Scoring, SkipGramConfig};
use crate::error::{Result, SkipGramError};
use crate::train::{Corpus, Kernel, TrainingStats, train};

/// The `kind` of skip-gram model files.
pub const MODEL_KIND: &str = "artist2vec-skipgram";
/// The format version this build writes (and the only one it reads).
pub const FORMAT_VERSION: u32 = 1;

/// A trained skip-gram (item2vec) model.
///
/// Indices are those of the training data's artist and user vocabularies, so the model plugs
/// into the workspace's metrics and protocols unchanged. Artists that were not trained (fewer
/// than `min_count` occurrences, or absent from the training data) have zero vectors, score
/// `-inf` in recommendations and never appear in [`similar`](SimilarArtists::similar) lists.
#[derive(Debug, Clone)]
pub struct SkipGramModel {
    config: SkipGramConfig,
    input: Embeddings,
    output: Vec<f32>,
    counts: Vec<u64>,
    users: Vocabulary,
    profile_offsets: Vec<usize>,
    profile_items: Vec<u32>,
    profile_weights: Vec<f32>,
    stats: TrainingStats,
}

/// Per-user (artist, weight) lists sorted by artist, summed over duplicates.
struct Profiles {
    offsets: Vec<usize>,
    items: Vec<u32>,
    weights: Vec<f32>,
}

impl Profiles {
    /// Groups `(user, item, weight)` triples by user (counting sort, stable), then sorts and
    /// merges each user's artists.
    fn build(n_users: usize, users: &[u32], items: &[u32], weights: impl Fn(usize) -> f32) -> Self {
        let mut offsets = vec![0usize; n_users + 1];
        for &u in users {
            offsets[u as usize + 1] += 1;
        }
        for u in 0..n_users {
            offsets[u + 1] += offsets[u];
        }
        let mut next = offsets.clone();
        let mut pairs = vec![(0u32, 0f32); users.len()];
        for (r, (&u, &i)) in users.iter().zip(items).enumerate() {
            pairs[next[u as usize]] = (i, weights(r));
            next[u as usize] += 1;
        }
        let mut out = Profiles {
            offsets: Vec::with_capacity(n_users + 1),
            items: Vec::new(),
            weights: Vec::new(),
        };
        out.offsets.push(0);
        for u in 0..n_users {
            let p = &mut pairs[offsets[u]..offsets[u + 1]];
            p.sort_unstable_by_key(|x| x.0);
            for &(i, w) in p.iter() {
                if out.items.len() > *out.offsets.last().expect("non-empty")
                    && out.items.last() == Some(&i)
                {
                    *out.weights.last_mut().expect("same length") += w;
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

impl SkipGramConfig {
    fn resolve_shuffle(&self, auto_shuffles: bool) -> (Option<u64>, bool) {
        match self.order {
            Order::Auto if auto_shuffles => (None, true),
            Order::Auto | Order::Given => (None, false),
            Order::ShuffledOnce => (Some(self.seed), false),
            Order::ShuffledEachEpoch => (None, true),
        }
    }

    fn finish(
        &self,
        corpus: Corpus,
        shuffle_each_epoch: bool,
        items: Vocabulary,
        users: Vocabulary,
        profiles: Profiles,
        observer: &dyn Observer,
    ) -> Result<SkipGramModel> {
        let trained = train(
            self,
            &corpus,
            shuffle_each_epoch,
            Kernel::detect(),
            observer,
        )?;
        let input = Embeddings::new(items, self.dim, trained.syn0)?;
        Ok(SkipGramModel {
            config: self.clone(),
            input,
            output: trained.syn1,
            counts: corpus.counts,
            users,
            profile_offsets: profiles.offsets,
            profile_items: profiles.items,
            profile_weights: profiles.weights,
            stats: trained.stats,
        })
    }
}

/// Trains on sessions or playlists: each session is a sentence in play order
/// ([`Order::Auto`]); a user's profile for recommendation is their play count per artist.
impl Fit<Sessions> for SkipGramConfig {
    type Model = SkipGramModel;
    type Error = SkipGramError;

    fn validate(&self) -> Result<()> {
        SkipGramConfig::validate(self)
    }

    fn fit_observed(&self, data: &Sessions, observer: &dyn Observer) -> Result<SkipGramModel> {
        SkipGramConfig::validate(self)?;
        let (once, each) = self.resolve_shuffle(false);
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
        self.finish(
            corpus,
            each,
            data.items.clone(),
            data.users.clone(),
            profiles,
            observer,
        )
    }
}

/// Trains on user–artist interactions: each user's distinct artists form one sentence, a bag
/// reshuffled every epoch ([`Order::Auto`]); a user's profile is their summed weight (play
/// count) per artist.
impl Fit<Interactions> for SkipGramConfig {
    type Model = SkipGramModel;
    type Error = SkipGramError;

    fn validate(&self) -> Result<()> {
        SkipGramConfig::validate(self)
    }

    fn fit_observed(&self, data: &Interactions, observer: &dyn Observer) -> Result<SkipGramModel> {
        SkipGramConfig::validate(self)?;
        let (once, each) = self.resolve_shuffle(true);
        let n_users = data.n_users();
        // Bags: each user's artists in row order, first occurrence only.
        let mut offsets = vec![0usize; n_users + 1];
        for &u in data.user_col() {
            offsets[u as usize + 1] += 1;
        }
        for u in 0..n_users {
            offsets[u + 1] += offsets[u];
        }
        let mut next = offsets.clone();
        let mut grouped = vec![0u32; data.len()];
        for (&u, &i) in data.user_col().iter().zip(data.item_col()) {
            grouped[next[u as usize]] = i;
            next[u as usize] += 1;
        }
        let mut stamp = vec![u32::MAX; data.n_items()];
        let mut bag_offsets = Vec::with_capacity(n_users + 1);
        bag_offsets.push(0);
        let mut bags = Vec::with_capacity(data.len());
        for u in 0..n_users {
            for &i in &grouped[offsets[u]..offsets[u + 1]] {
                if stamp[i as usize] != u as u32 {
                    stamp[i as usize] = u as u32;
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
        self.finish(
            corpus,
            each,
            data.items.clone(),
            data.users.clone(),
            profiles,
            observer,
        )
    }
}

impl SkipGramModel {
    /// The configuration the model was trained with.
    pub fn config(&self) -> &SkipGramConfig {
        &self.config
    }

    /// What training did (loss per epoch, words per second, …).
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

    /// The input vectors (word2vec's `syn0`, gensim's `wv`), one row per artist of the training
    /// vocabulary; zero rows for untrained artists.
    pub fn input_vectors(&self) -> &Embeddings {
        &self.input
    }

    /// The output vectors (`syn1neg`), row-major, aligned with [`input_vectors`](Self::input_vectors).
    pub fn output_vectors(&self) -> &[f32] {
        &self.output
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

    fn trained_by_count(&self) -> Vec<u32> {
        let mut ix: Vec<u32> = (0..self.counts.len() as u32)
            .filter(|&i| self.is_trained(i))
            .collect();
        ix.sort_by_key(|&i| std::cmp::Reverse(self.counts[i as usize]));
        ix
    }

    fn subset(&self, rows: &[u32], data: &[f32]) -> Result<Embeddings> {
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
        Ok(Embeddings::new(vocab, dim, out)?)
    }

    /// The trained artists' input vectors, most frequent first (gensim's `KeyedVectors` order):
    /// what [`write_word2vec`](crate::write_word2vec) and [`write_npy`](crate::write_npy) should
    /// be given.
    ///
    /// # Errors
    /// None in practice (the rows are finite); typed for safety.
    pub fn keyed_vectors(&self) -> Result<Embeddings> {
        self.subset(&self.trained_by_count(), self.input.as_slice())
    }

    /// The trained artists' output vectors, in the order of [`keyed_vectors`](Self::keyed_vectors).
    ///
    /// # Errors
    /// As [`keyed_vectors`](Self::keyed_vectors).
    pub fn output_keyed_vectors(&self) -> Result<Embeddings> {
        self.subset(&self.trained_by_count(), &self.output)
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
        let (a, b) = (self.profile_offsets[u], self.profile_offsets[u + 1]);
        Ok((&self.profile_items[a..b], &self.profile_weights[a..b]))
    }

    /// A listener's vector: the play-share-weighted mean of the input vectors of the trained
    /// artists in their history; `None` when the history has no trained artist (or weights that
    /// sum to zero).
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
                total += w as f64;
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

    /// [`similar`](SimilarArtists::similar) for many artists at once: the `k` most similar
    /// trained artists to each (cosine of input vectors, the artist itself left out), computed
    /// in parallel blocks of queries that share each pass over the table — much faster than
    /// one query at a time when there are many.
    ///
    /// # Errors
    /// As [`similar`](SimilarArtists::similar), for the first bad artist.
    pub fn similar_batch(
        &self,
        artists: &[u32],
        k: usize,
    ) -> Result<Vec<Vec<Neighbor>>, CoreError> {
        for &a in artists {
            self.input.row(a)?;
            if !self.is_trained(a) {
                return Err(CoreError::Invalid(format!(
                    "artist {:?} has no trained vector ({} occurrences, min_count {})",
                    self.artists().id(a),
                    self.counts[a as usize],
                    self.config.min_count
                )));
            }
        }
        const BLOCK: usize = 16;
        let dim = self.dim();
        let trained: Vec<bool> = (0..self.counts.len() as u32)
            .map(|i| self.is_trained(i))
            .collect();
        let unit: Vec<f32> = self
            .input
            .as_slice()
            .chunks_exact(dim)
            .zip(self.input.norms())
            .flat_map(|(row, &n)| {
                let inv = if n > 0.0 { 1.0 / n } else { 0.0 };
                row.iter().map(move |v| v * inv)
            })
            .collect();
        Ok(artists
            .par_chunks(BLOCK)
            .flat_map_iter(|block| {
                let queries: Vec<&[f32]> = block
                    .iter()
                    .map(|&a| &unit[a as usize * dim..(a as usize + 1) * dim])
                    .collect();
                let mut tops: Vec<TopK> = block.iter().map(|_| TopK::new(k + 1)).collect();
                for (r, row) in unit.chunks_exact(dim).enumerate() {
                    if !trained[r] {
                        continue;
                    }
                    for (q, top) in queries.iter().zip(tops.iter_mut()) {
                        let s = dot(q, row);
                        if top.threshold().is_none_or(|t| s >= t) {
                            top.push(r as u32, s);
                        }
                    }
                }
                block.iter().zip(tops).map(move |(&a, top)| {
                    let mut v: Vec<Neighbor> = top
                        .into_sorted()
                        .into_iter()
                        .filter(|n| n.item != a)
                        .collect();
                    v.truncate(k);
                    v
                })
            })
            .collect())
    }

    fn untrained(&self) -> Vec<u32> {
        (0..self.counts.len() as u32)
            .filter(|&i| !self.is_trained(i))
            .collect()
    }

    /// Saves the model (configuration, vectors, counts, user profiles) to `path`, atomically.
    ///
    /// # Errors
    /// [`CoreError::Io`] (wrapped) naming the file.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let config = serde_json::to_string(&self.config)
            .map_err(|e| SkipGramError::Export(format!("configuration: {e}")))?;
        let stats = serde_json::to_string(&self.stats)
            .map_err(|e| SkipGramError::Export(format!("statistics: {e}")))?;
        let mut e = Encoder::new();
        encode_vocab(&mut e, self.artists());
        encode_vocab(&mut e, &self.users);
        e.u64(self.dim() as u64);
        e.f32s(self.input.as_slice());
        e.f32s(&self.output);
        e.u64s(&self.counts);
        e.u64s(
            &self
                .profile_offsets
                .iter()
                .map(|&o| o as u64)
                .collect::<Vec<_>>(),
        );
        e.u32s(&self.profile_items);
        e.f32s(&self.profile_weights);
        e.str(&stats);
        let header = Header {
            kind: MODEL_KIND.to_owned(),
            version: FORMAT_VERSION,
            config,
        };
        modelfile::write(path.as_ref(), &header, &e.buf)?;
        Ok(())
    }

    /// Loads a model written by [`save`](Self::save).
    ///
    /// # Errors
    /// [`CoreError::Io`] when the file cannot be read, [`CoreError::Format`] (wrapped) for a file
    /// that is not a skip-gram model, has another format version, is truncated or damaged.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let (header, payload) = modelfile::read(path, MODEL_KIND, &[FORMAT_VERSION])?;
        let fmt = |message: String| {
            SkipGramError::Core(CoreError::Format {
                path: path.to_path_buf(),
                message,
            })
        };
        let config: SkipGramConfig = serde_json::from_str(&header.config)
            .map_err(|e| fmt(format!("bad configuration JSON: {e}")))?;
        config
            .validate()
            .map_err(|e| fmt(format!("stored configuration is invalid: {e}")))?;
        let mut d = Decoder::new(&payload);
        let t = |what: &str| fmt(format!("damaged payload: cannot read {what}"));
        let items = decode_vocab(&mut d).map_err(|_| t("artist vocabulary"))?;
        let users = decode_vocab(&mut d).map_err(|_| t("user vocabulary"))?;
        let dim = d.u64().map_err(|_| t("dimension"))? as usize;
        let input = d.f32s().map_err(|_| t("input vectors"))?;
        let output = d.f32s().map_err(|_| t("output vectors"))?;
        let counts = d.u64s().map_err(|_| t("counts"))?;
        let profile_offsets: Vec<usize> = d
            .u64s()
            .map_err(|_| t("profile offsets"))?
            .into_iter()
            .map(|o| o as usize)
            .collect();
        let profile_items = d.u32s().map_err(|_| t("profile artists"))?;
        let profile_weights = d.f32s().map_err(|_| t("profile weights"))?;
        let stats = d.str().map_err(|_| t("statistics"))?;
        if !d.is_empty() {
            return Err(fmt(format!(
                "{} unexpected bytes after the payload",
                d.remaining()
            )));
        }
        let stats: TrainingStats =
            serde_json::from_str(&stats).map_err(|e| fmt(format!("bad statistics JSON: {e}")))?;
        let n = items.len();
        let consistent = dim == config.dim
            && output.len() == n * dim
            && counts.len() == n
            && profile_offsets.len() == users.len() + 1
            && profile_offsets.first() == Some(&0)
            && profile_offsets.windows(2).all(|w| w[0] <= w[1])
            && profile_offsets.last() == Some(&profile_items.len())
            && profile_items.len() == profile_weights.len()
            && profile_items.iter().all(|&i| (i as usize) < n);
        if !consistent {
            return Err(fmt("inconsistent sizes in the payload".into()));
        }
        let input = Embeddings::new(items, dim, input).map_err(|e| fmt(e.to_string()))?;
        Ok(Self {
            config,
            input,
            output,
            counts,
            users,
            profile_offsets,
            profile_items,
            profile_weights,
            stats,
        })
    }
}

fn encode_vocab(e: &mut Encoder, v: &Vocabulary) {
    e.u64(v.len() as u64);
    for i in 0..v.len() as u32 {
        e.str(v.id(i));
        match v.name_opt(i) {
            Some(n) => {
                e.u32(1);
                e.str(n);
            }
            None => e.u32(0),
        }
    }
}

fn decode_vocab(d: &mut Decoder<'_>) -> Result<Vocabulary, ()> {
    let n = d.u64().map_err(|_| ())? as usize;
    if n > d.remaining() {
        return Err(());
    }
    let mut v = Vocabulary::new();
    for _ in 0..n {
        let id = d.str().map_err(|_| ())?;
        let ix = v.insert(id);
        if ix as usize != v.len() - 1 {
            return Err(()); // duplicate id
        }
        match d.u32().map_err(|_| ())? {
            0 => {}
            1 => v.set_name(ix, d.str().map_err(|_| ())?),
            _ => return Err(()),
        }
    }
    Ok(v)
}

impl Recommender for SkipGramModel {
    fn n_items(&self) -> usize {
        self.counts.len()
    }

    fn n_users(&self) -> usize {
        self.users.len()
    }

    /// Scores every artist by the model's [`Scoring`] against the listener's
    /// [`user_vector`](SkipGramModel::user_vector). A listener with no trained artist gets
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

impl ArtistVectors for SkipGramModel {
    fn artist_vectors(&self) -> &Embeddings {
        &self.input
    }
}

impl SimilarArtists for SkipGramModel {
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
