//! The model of this crate's trainer: fitting, saving and loading.

use std::path::Path;

use artist2vec_core::modelfile::{self, Decoder, Encoder, Header};
use artist2vec_core::{CoreError, Embeddings, Fit, Observer, Vocabulary};

use crate::config::SkipGramConfig;
use crate::error::{Result, SkipGramError};
use crate::input::{SkipGramInput, UserProfiles};
use crate::train::{Corpus, Kernel, TrainingStats, train};
use crate::trained::TrainedSkipGram;

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

impl SkipGramModel {
    /// Saves the model (configuration, vectors, counts, user profiles) to `path`, atomically.
    ///
    /// # Errors
    /// [`CoreError::Io`] (wrapped) naming the file.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let config = serde_json::to_string(self.config())
            .map_err(|e| SkipGramError::Export(format!("configuration: {e}")))?;
        let stats = serde_json::to_string(self.stats())
            .map_err(|e| SkipGramError::Export(format!("statistics: {e}")))?;
        let profiles = self.profiles();
        let mut e = Encoder::new();
        encode_vocab(&mut e, self.artists());
        encode_vocab(&mut e, self.users());
        e.u64(self.dim() as u64);
        e.f32s(self.input_vectors().as_slice());
        e.f32s(self.output_vectors());
        e.u64s(self.counts());
        let offsets: Vec<u64> = profiles.offsets().iter().map(|&o| o as u64).collect();
        e.u64s(&offsets);
        e.u32s(profiles.items());
        e.f32s(profiles.weights());
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
        let inconsistent = |e: CoreError| fmt(format!("inconsistent sizes in the payload: {e}"));
        let profiles = UserProfiles::from_parts(profile_offsets, profile_items, profile_weights, n)
            .map_err(inconsistent)?;
        let input = Embeddings::new(items, dim, input).map_err(|e| fmt(e.to_string()))?;
        TrainedSkipGram::new(config, input, output, counts, users, profiles, stats)
            .map_err(inconsistent)
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
