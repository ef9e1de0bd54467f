//! The model of this crate's trainer: fitting, saving and loading.

use std::path::Path;

use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::persist::{self, DecodeError, Persist};
use artist2vec_core::registry::BoxError;
use artist2vec_core::{
    CoreError, Embeddings, Fit, Model, Neighbor, Observer, Registered, SimilarArtists,
    TrainingData, Vocabulary,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::{Scoring, SkipGramConfig, Window, check_table_bytes};
use crate::error::{Result, SkipGramError};
use crate::input::{SkipGramInput, UserProfiles};
use crate::train::{Corpus, Kernel, train};
use crate::trained::{SkipGramSettings, TrainedSkipGram};

/// The `kind` of skip-gram model files.
pub const MODEL_KIND: &str = "artist2vec-skipgram";
/// The format version this build writes (and the only one it reads).
pub const FORMAT_VERSION: u32 = 1;

/// A skip-gram (item2vec) model trained by this crate's CPU trainer ([`SkipGramConfig`]): the
/// vectors, scoring and similar-artist queries of [`TrainedSkipGram`], plus
/// [`save`](TrainedSkipGram::save) and [`load`](TrainedSkipGram::load).
pub type SkipGramModel = TrainedSkipGram<SkipGramConfig>;

/// Trains on [`Sessions`](artist2vec_core::Sessions) (each session a sentence in play order; a
/// user's profile for recommendation is their play count per artist) or on
/// [`Interactions`](artist2vec_core::Interactions) (each user's distinct artists one sentence,
/// a bag reshuffled every epoch; a profile is the summed weight per artist), or any other
/// [`SkipGramInput`]. [`Order::Auto`](crate::Order::Auto) picks the order from the data.
impl<D: SkipGramInput + ?Sized> Fit<D> for SkipGramConfig {
    type Model = SkipGramModel;
    type Error = SkipGramError;

    fn validate(&self) -> Result<()> {
        SkipGramConfig::validate(self)
    }

    fn fit_observed(&self, data: &D, observer: &dyn Observer) -> Result<SkipGramModel> {
        SkipGramConfig::validate(self)?;
        // The input and output tables, allocated by the trainer, before any corpus work.
        check_table_bytes(self.dim, data.artists().len(), 2).map_err(|limit| {
            SkipGramError::OverLimit {
                field: "dim",
                value: self.dim.to_string(),
                limit,
            }
        })?;
        let (once, each) = self.order.resolve(self.seed, D::BAGS);
        let sentences = data.sentences();
        let corpus = Corpus::build(
            data.artists().len(),
            &sentences.offsets,
            &sentences.items,
            self.min_count,
            once,
        );
        drop(sentences);
        let trained = train(self, &corpus, each, Kernel::detect(), observer)?;
        let input = Embeddings::new(data.artists().clone(), self.dim, trained.syn0)?;
        Ok(TrainedSkipGram::new(
            self.clone(),
            input,
            trained.syn1,
            corpus.counts,
            data.users().clone(),
            data.profiles(),
            trained.stats,
        )?)
    }
}

/// A skip-gram trainer's configuration whose models can be stored in model files: the file kind
/// of its models and the check of a stored configuration. Implemented by [`SkipGramConfig`]
/// (kind `"artist2vec-skipgram"`) and by `artist2vec-neural`'s burn trainer.
pub trait StoredSettings:
    SkipGramSettings<Stats: Serialize + DeserializeOwned> + Serialize + DeserializeOwned + 'static
{
    /// The kind written into the model file header.
    const KIND: &'static str;
    /// The registry name of the trainer's family.
    const NAME: &'static str;

    /// Checks a configuration (the trainer's `validate`).
    ///
    /// # Errors
    /// A message naming the first bad field.
    fn check(&self) -> std::result::Result<(), String>;
}

impl StoredSettings for SkipGramConfig {
    const KIND: &'static str = MODEL_KIND;
    const NAME: &'static str = "skipgram";

    fn check(&self) -> std::result::Result<(), String> {
        self.validate().map_err(|e| e.to_string())
    }
}

/// Payload (format 1): the artist vocabulary, the user vocabulary, the dimension, the input
/// and output vectors, the counts, the user profiles (offsets, artists, weights) and the
/// training statistics as JSON.
impl<C: StoredSettings> Persist for TrainedSkipGram<C> {
    const KIND: &'static str = C::KIND;
    const VERSION: u32 = FORMAT_VERSION;
    type Config = C;

    fn config(&self) -> &C {
        TrainedSkipGram::config(self)
    }

    fn check_config(config: &C) -> std::result::Result<(), String> {
        config.check()
    }

    fn encode(&self, e: &mut Encoder) {
        let stats = serde_json::to_string(self.stats()).unwrap_or_else(|_| "null".to_owned());
        let profiles = self.profiles();
        self.artists().encode(e);
        self.users().encode(e);
        e.u64(self.dim() as u64);
        e.f32s(self.input_vectors().as_slice());
        e.f32s(self.output_vectors());
        e.u64s(self.counts());
        let offsets: Vec<u64> = profiles.offsets().iter().map(|&o| o as u64).collect();
        e.u64s(&offsets);
        e.u32s(profiles.items());
        e.f32s(profiles.weights());
        e.str(&stats);
    }

    fn decode(
        config: C,
        _version: u32,
        d: &mut Decoder<'_>,
    ) -> std::result::Result<Self, DecodeError> {
        let t = |what: &str| DecodeError(format!("cannot read {what}"));
        let items = Vocabulary::decode(d).map_err(|e| t(&format!("artist vocabulary: {e}")))?;
        let users = Vocabulary::decode(d).map_err(|e| t(&format!("user vocabulary: {e}")))?;
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
        let stats: C::Stats = serde_json::from_str(&stats)
            .map_err(|e| DecodeError(format!("bad statistics JSON: {e}")))?;
        let n = items.len();
        let inconsistent =
            |e: CoreError| DecodeError(format!("inconsistent sizes in the payload: {e}"));
        let profiles = UserProfiles::from_parts(profile_offsets, profile_items, profile_weights, n)
            .map_err(inconsistent)?;
        let input = Embeddings::new(items, dim, input).map_err(inconsistent)?;
        TrainedSkipGram::new(config, input, output, counts, users, profiles, stats)
            .map_err(inconsistent)
    }
}

impl<C: StoredSettings> TrainedSkipGram<C> {
    /// Saves the model (configuration, vectors, counts, user profiles) to `path`, atomically.
    ///
    /// # Errors
    /// [`CoreError::Io`] naming the file.
    pub fn save(&self, path: impl AsRef<Path>) -> std::result::Result<(), CoreError> {
        persist::save(self, path)
    }

    /// Loads a model written by [`save`](Self::save).
    ///
    /// # Errors
    /// [`CoreError::Io`] when the file cannot be read, [`CoreError::Format`] for a file
    /// that is not a model of this trainer, has another format version, is truncated or damaged.
    pub fn load(path: impl AsRef<Path>) -> std::result::Result<Self, CoreError> {
        persist::load(path)
    }
}

impl<C: StoredSettings> Model for TrainedSkipGram<C> {
    fn kind(&self) -> &'static str {
        C::NAME
    }

    fn config_json(&self) -> String {
        artist2vec_core::registry::pretty_json(TrainedSkipGram::config(self))
    }

    fn save(&self, path: &Path) -> std::result::Result<(), CoreError> {
        persist::save(self, path)
    }

    fn to_bytes(&self) -> std::result::Result<Vec<u8>, CoreError> {
        persist::to_bytes(self)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn users(&self) -> &Vocabulary {
        TrainedSkipGram::users(self)
    }

    fn items(&self) -> &Vocabulary {
        self.artists()
    }

    fn listeners(&self) -> Vec<u32> {
        let mut n = vec![0u32; self.artists().len()];
        for &i in self.profiles().items() {
            n[i as usize] += 1;
        }
        n
    }

    fn artist_vectors(&self) -> Option<&Embeddings> {
        Some(self.input_vectors())
    }

    fn similarity(&self) -> Option<&(dyn SimilarArtists + Sync)> {
        Some(self)
    }

    /// Among the trained artists for which `keep` holds, by cosine of input vectors.
    fn similar_where(
        &self,
        artist: u32,
        k: usize,
        keep: &dyn Fn(u32) -> bool,
    ) -> std::result::Result<Vec<Neighbor>, CoreError> {
        let n = self.artists().len() as u32;
        self.similar_excluding(artist, k, &|j| !keep(j) || j >= n)
    }
}

/// The settings tuned on hetrec-seed42 validation for user × artist rows (one bag of artists per
/// user): 64 dimensions, a window of 50 with word2vec's shrinking, 5 negatives drawn from
/// unigram^0.25, no subsampling, 50 epochs, every artist kept, scored against output vectors
/// (test NDCG@10 0.2286, docs/results.md). From sessions the same settings train in play order.
pub fn tuned_config() -> SkipGramConfig {
    SkipGramConfig::new(64)
        .with_window(Window::Fixed(50))
        .with_negative(5)
        .with_ns_exponent(0.25)
        .with_sample(0.0)
        .with_epochs(50)
        .with_min_count(1)
        .with_seed(42)
        .with_scoring(Scoring::Output)
}

/// `skipgram` in the registry: fitted on the sessions in play order when the training data has
/// them, otherwise on each user's bag of artists.
impl Registered for SkipGramConfig {
    type Model = SkipGramModel;
    const NAME: &'static str = <SkipGramConfig as StoredSettings>::NAME;
    const ALIASES: &'static [&'static str] = &["item2vec", "sgns", "word2vec", "skip-gram"];
    const DESCRIPTION: &'static str =
        "item2vec: skip-gram with negative sampling on a lock-free CPU kernel";

    fn registry_default() -> Self {
        tuned_config()
    }

    fn fit_data(
        &self,
        data: &TrainingData<'_>,
        observer: &dyn Observer,
    ) -> std::result::Result<SkipGramModel, BoxError> {
        Ok(match data.sessions {
            Some(s) => self.fit_observed(s, observer)?,
            None => self.fit_observed(data.interactions, observer)?,
        })
    }
}
