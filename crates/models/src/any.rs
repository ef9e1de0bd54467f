//! A registry of every model of this crate, so that programs (the CLI) can choose one by name,
//! fit it from a JSON configuration, and save, load and query any of them.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use artist2vec_core::{
    ArtistVectors, CoreError, Embeddings, Fit, Interactions, Neighbor, NoProgress, Observer, Query,
    Recommender, SimilarArtists, Similarity, Vocabulary,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::base::check_index;
use crate::persist::{Persist, model_kind_of};
use crate::{
    Als, AlsConfig, Bpr, BprConfig, ItemKnn, ItemKnnConfig, ModelError, Popularity,
    PopularityConfig, Result, Svd, SvdConfig, UserKnn, UserKnnConfig, Wmf, WmfConfig,
};

/// The models of this crate, by registry name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ModelKind {
    /// `"popularity"`: [`Popularity`].
    Popularity,
    /// `"item-knn"`: [`ItemKnn`].
    ItemKnn,
    /// `"user-knn"`: [`UserKnn`].
    UserKnn,
    /// `"svd"`: [`Svd`] (co-occurrence + randomized truncated SVD).
    Svd,
    /// `"als"`: [`Als`] (implicit ALS).
    Als,
    /// `"wmf"`: [`Wmf`] (the notebooks' weighted MF).
    Wmf,
    /// `"bpr"`: [`Bpr`].
    Bpr,
}

impl ModelKind {
    /// Every model, in the order of the results table.
    pub const ALL: [ModelKind; 7] = [
        ModelKind::Popularity,
        ModelKind::ItemKnn,
        ModelKind::UserKnn,
        ModelKind::Svd,
        ModelKind::Als,
        ModelKind::Wmf,
        ModelKind::Bpr,
    ];

    /// The registry name (`"als"`, `"item-knn"`, …), also the kind in model files.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Popularity => Popularity::KIND,
            ModelKind::ItemKnn => ItemKnn::KIND,
            ModelKind::UserKnn => UserKnn::KIND,
            ModelKind::Svd => Svd::KIND,
            ModelKind::Als => Als::KIND,
            ModelKind::Wmf => Wmf::KIND,
            ModelKind::Bpr => Bpr::KIND,
        }
    }

    /// A one-line description.
    pub fn description(self) -> &'static str {
        match self {
            ModelKind::Popularity => "most-listened artists (baseline)",
            ModelKind::ItemKnn => "item-based kNN, cosine on weighted play counts",
            ModelKind::UserKnn => "user-based kNN, cosine between listeners",
            ModelKind::Svd => "artist co-occurrence reduced by randomized truncated SVD",
            ModelKind::Als => "implicit-feedback ALS (Hu, Koren & Volinsky), CG or Cholesky",
            ModelKind::Wmf => "weighted matrix factorisation with sampled negatives, SGD",
            ModelKind::Bpr => "Bayesian personalised ranking, SGD",
        }
    }

    /// The model called `name`.
    ///
    /// # Errors
    /// [`ModelError::UnknownModel`] listing the known names.
    pub fn from_name(name: &str) -> Result<Self> {
        let n = name.trim().to_ascii_lowercase().replace('_', "-");
        Self::ALL
            .into_iter()
            .find(|k| k.name() == n)
            .ok_or_else(|| ModelError::UnknownModel {
                name: name.to_owned(),
                known: Self::ALL.map(|k| k.name()).join(", "),
            })
    }

    /// The default configuration as pretty-printed JSON (what `artist2vec config` prints).
    pub fn default_config_json(self) -> String {
        fn pretty<C: Serialize + Default>() -> String {
            serde_json::to_string_pretty(&C::default()).expect("configurations serialise")
        }
        match self {
            ModelKind::Popularity => pretty::<PopularityConfig>(),
            ModelKind::ItemKnn => pretty::<ItemKnnConfig>(),
            ModelKind::UserKnn => pretty::<UserKnnConfig>(),
            ModelKind::Svd => pretty::<SvdConfig>(),
            ModelKind::Als => pretty::<AlsConfig>(),
            ModelKind::Wmf => pretty::<WmfConfig>(),
            ModelKind::Bpr => pretty::<BprConfig>(),
        }
    }

    /// Parses and validates a configuration of this model from JSON (fields left out take their
    /// defaults; unknown fields are refused), and returns it normalised as JSON.
    ///
    /// # Errors
    /// [`ModelError::ConfigJson`] for JSON that does not parse; the model's
    /// [`ModelError::InvalidParameter`] for a bad value.
    pub fn check_config_json(self, json: &str) -> Result<String> {
        fn check<C: Serialize + DeserializeOwned + Fit<Interactions, Error = ModelError>>(
            model: &'static str,
            json: &str,
        ) -> Result<String> {
            let c = parse::<C>(model, json)?;
            c.validate()?;
            Ok(serde_json::to_string_pretty(&c).expect("configurations serialise"))
        }
        match self {
            ModelKind::Popularity => check::<PopularityConfig>(self.name(), json),
            ModelKind::ItemKnn => check::<ItemKnnConfig>(self.name(), json),
            ModelKind::UserKnn => check::<UserKnnConfig>(self.name(), json),
            ModelKind::Svd => check::<SvdConfig>(self.name(), json),
            ModelKind::Als => check::<AlsConfig>(self.name(), json),
            ModelKind::Wmf => check::<WmfConfig>(self.name(), json),
            ModelKind::Bpr => check::<BprConfig>(self.name(), json),
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ModelKind {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self> {
        Self::from_name(s)
    }
}

fn parse<C: DeserializeOwned>(model: &'static str, json: &str) -> Result<C> {
    serde_json::from_str(json).map_err(|source| ModelError::ConfigJson { model, source })
}

/// Any fitted model of this crate. Implements [`Recommender`] and [`SimilarArtists`] by
/// delegating to the model it holds.
///
/// ```
/// use artist2vec_core::{Interactions, NoProgress, Query, Recommender, Vocabulary};
/// use artist2vec_models::AnyModel;
///
/// let users = Vocabulary::from_ids(["u1", "u2", "u3"])?;
/// let artists = Vocabulary::from_ids(["a", "b", "c"])?;
/// let plays = Interactions::from_columns(
///     users, artists, vec![0, 0, 1, 1, 2], vec![0, 1, 0, 1, 2], vec![3.0, 1.0, 2.0, 5.0, 1.0], None)?;
/// let model = AnyModel::fit("item-knn", Some(r#"{"k": 10}"#), &plays, &NoProgress)?;
/// let top = model.recommend(&Query::History(&[(0, 4.0)]), 1, true)?;
/// assert_eq!(top[0].item, 1); // "b" is listened to with "a"
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
// The variants differ in inline size (a few hundred bytes at most; the data lives on the heap),
// and a program holds one or two models: boxing would only add an indirection to every call.
#[allow(clippy::large_enum_variant)]
pub enum AnyModel {
    /// A [`Popularity`] model.
    Popularity(Popularity),
    /// An [`ItemKnn`] model.
    ItemKnn(ItemKnn),
    /// A [`UserKnn`] model.
    UserKnn(UserKnn),
    /// An [`Svd`] model.
    Svd(Svd),
    /// An [`Als`] model.
    Als(Als),
    /// A [`Wmf`] model.
    Wmf(Wmf),
    /// A [`Bpr`] model.
    Bpr(Bpr),
}

macro_rules! each {
    ($self:expr, $m:ident => $e:expr) => {
        match $self {
            AnyModel::Popularity($m) => $e,
            AnyModel::ItemKnn($m) => $e,
            AnyModel::UserKnn($m) => $e,
            AnyModel::Svd($m) => $e,
            AnyModel::Als($m) => $e,
            AnyModel::Wmf($m) => $e,
            AnyModel::Bpr($m) => $e,
        }
    };
}

impl AnyModel {
    /// Fits the model called `name` on `data`, with the configuration given as JSON (fields
    /// left out take their defaults; `None` = all defaults), reporting progress to `observer`.
    ///
    /// # Errors
    /// [`ModelError::UnknownModel`], [`ModelError::ConfigJson`], the model's
    /// [`ModelError::InvalidParameter`] (before any work), [`ModelError::EmptyTrainingSet`], …
    pub fn fit(
        name: &str,
        config_json: Option<&str>,
        data: &Interactions,
        observer: &dyn Observer,
    ) -> Result<Self> {
        Self::fit_kind(ModelKind::from_name(name)?, config_json, data, observer)
    }

    /// [`fit`](Self::fit) with the model given as a [`ModelKind`].
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_kind(
        kind: ModelKind,
        config_json: Option<&str>,
        data: &Interactions,
        observer: &dyn Observer,
    ) -> Result<Self> {
        fn go<C: DeserializeOwned + Default + Fit<Interactions, Error = ModelError>>(
            model: &'static str,
            json: Option<&str>,
            data: &Interactions,
            observer: &dyn Observer,
        ) -> Result<C::Model> {
            let c: C = match json {
                Some(j) => parse(model, j)?,
                None => C::default(),
            };
            c.fit_observed(data, observer)
        }
        let n = kind.name();
        Ok(match kind {
            ModelKind::Popularity => {
                AnyModel::Popularity(go::<PopularityConfig>(n, config_json, data, observer)?)
            }
            ModelKind::ItemKnn => {
                AnyModel::ItemKnn(go::<ItemKnnConfig>(n, config_json, data, observer)?)
            }
            ModelKind::UserKnn => {
                AnyModel::UserKnn(go::<UserKnnConfig>(n, config_json, data, observer)?)
            }
            ModelKind::Svd => AnyModel::Svd(go::<SvdConfig>(n, config_json, data, observer)?),
            ModelKind::Als => AnyModel::Als(go::<AlsConfig>(n, config_json, data, observer)?),
            ModelKind::Wmf => AnyModel::Wmf(go::<WmfConfig>(n, config_json, data, observer)?),
            ModelKind::Bpr => AnyModel::Bpr(go::<BprConfig>(n, config_json, data, observer)?),
        })
    }

    /// [`fit`](Self::fit) with default settings and no progress reports.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_default(name: &str, data: &Interactions) -> Result<Self> {
        Self::fit(name, None, data, &NoProgress)
    }

    /// Which model this is.
    pub fn kind(&self) -> ModelKind {
        match self {
            AnyModel::Popularity(_) => ModelKind::Popularity,
            AnyModel::ItemKnn(_) => ModelKind::ItemKnn,
            AnyModel::UserKnn(_) => ModelKind::UserKnn,
            AnyModel::Svd(_) => ModelKind::Svd,
            AnyModel::Als(_) => ModelKind::Als,
            AnyModel::Wmf(_) => ModelKind::Wmf,
            AnyModel::Bpr(_) => ModelKind::Bpr,
        }
    }

    /// The configuration the model was trained with, as pretty-printed JSON.
    pub fn config_json(&self) -> String {
        each!(self, m => serde_json::to_string_pretty(m.config()).expect("configurations serialise"))
    }

    /// The users known from training.
    pub fn users(&self) -> &Vocabulary {
        each!(self, m => m.users())
    }

    /// The artists (with names when the training data had them).
    pub fn items(&self) -> &Vocabulary {
        each!(self, m => m.items())
    }

    /// The artist vectors, for the models that learn them (SVD, ALS, WMF, BPR).
    pub fn artist_vectors(&self) -> Option<&Embeddings> {
        match self {
            AnyModel::Svd(m) => Some(m.artist_vectors()),
            AnyModel::Als(m) => Some(m.artist_vectors()),
            AnyModel::Wmf(m) => Some(m.artist_vectors()),
            AnyModel::Bpr(m) => Some(m.artist_vectors()),
            _ => None,
        }
    }

    /// The dense index of an artist given by display name (exact, then case-insensitive) or by
    /// external id.
    ///
    /// # Errors
    /// [`CoreError::UnknownId`] (wrapped) when no artist matches.
    pub fn artist(&self, name_or_id: &str) -> Result<u32> {
        let items = self.items();
        if let Some(ix) = items.get(name_or_id) {
            return Ok(ix);
        }
        Ok(items.find(name_or_id)?)
    }

    /// The `k` artists most similar to the artist given by name or id, best first.
    ///
    /// # Errors
    /// [`CoreError::UnknownId`] (wrapped) for an unknown artist; [`ModelError::Unsupported`] for
    /// the popularity model, which has no notion of similarity.
    pub fn similar_by_name(&self, name_or_id: &str, k: usize) -> Result<Vec<Neighbor>> {
        let ix = self.artist(name_or_id)?;
        if let AnyModel::Popularity(_) = self {
            return Err(unsupported_similarity());
        }
        Ok(self.similar(ix, k)?)
    }

    /// The number of training listeners of every artist.
    pub fn listeners(&self) -> Vec<u32> {
        each!(self, m => m.listeners())
    }

    /// Like [`similar`](SimilarArtists::similar), among the artists with at least
    /// `min_listeners` training listeners only. Factor models place an artist heard by one or
    /// two listeners close to whatever those listeners played, so such artists crowd the
    /// neighbour lists of popular artists; requiring a few listeners removes them. Item-kNN
    /// returns at most its stored `k` neighbours.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] (wrapped) for an unknown artist;
    /// [`ModelError::Unsupported`] for the popularity model.
    pub fn similar_min_listeners(
        &self,
        artist: u32,
        k: usize,
        min_listeners: u32,
    ) -> Result<Vec<Neighbor>> {
        let listeners = self.listeners();
        let n = listeners.len();
        check_index("artist", artist, n)?;
        let keep = |j: u32| listeners[j as usize] >= min_listeners;
        if let Some(e) = self.artist_vectors() {
            let exclude: Vec<u32> = (0..n as u32).filter(|&j| j == artist || !keep(j)).collect();
            return Ok(e.nearest_to_vector(e.row(artist)?, k, Similarity::Cosine, &exclude));
        }
        match self {
            AnyModel::Popularity(_) => Err(unsupported_similarity()),
            AnyModel::UserKnn(m) => Ok(m.similar_where(artist, k, &keep)?),
            other => {
                let mut all = other.similar(artist, n)?;
                all.retain(|nb| keep(nb.item));
                all.truncate(k);
                Ok(all)
            }
        }
    }

    /// Writes the model (configuration included) to `path`, atomically.
    ///
    /// # Errors
    /// [`CoreError::Io`] naming the file.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        each!(self, m => m.save(path))
    }

    /// Reads any model written by [`save`](Self::save) (or by a model type's own `save`),
    /// dispatching on the kind recorded in the file.
    ///
    /// # Errors
    /// [`CoreError::Io`]; [`CoreError::Format`] naming the file for a file that is not a model,
    /// is of an unknown kind or format version, is truncated or damaged.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let kind = model_kind_of(path)?;
        let kind = ModelKind::from_name(&kind).map_err(|_| CoreError::Format {
            path: path.to_path_buf(),
            message: format!(
                "holds a {kind:?} model, which this build does not know (known: {})",
                ModelKind::ALL.map(|k| k.name()).join(", ")
            ),
        })?;
        Ok(match kind {
            ModelKind::Popularity => AnyModel::Popularity(Popularity::load(path)?),
            ModelKind::ItemKnn => AnyModel::ItemKnn(ItemKnn::load(path)?),
            ModelKind::UserKnn => AnyModel::UserKnn(UserKnn::load(path)?),
            ModelKind::Svd => AnyModel::Svd(Svd::load(path)?),
            ModelKind::Als => AnyModel::Als(Als::load(path)?),
            ModelKind::Wmf => AnyModel::Wmf(Wmf::load(path)?),
            ModelKind::Bpr => AnyModel::Bpr(Bpr::load(path)?),
        })
    }
}

fn unsupported_similarity() -> ModelError {
    ModelError::Unsupported {
        model: Popularity::KIND,
        message:
            "the popularity model has no artist similarity; use item-knn, als, svd, wmf or bpr"
                .into(),
    }
}

impl Recommender for AnyModel {
    fn n_items(&self) -> usize {
        each!(self, m => m.n_items())
    }

    fn n_users(&self) -> usize {
        each!(self, m => m.n_users())
    }

    fn score_into(&self, query: &Query<'_>, scores: &mut [f32]) -> Result<(), CoreError> {
        each!(self, m => m.score_into(query, scores))
    }

    fn seen(&self, user: u32) -> Result<&[u32], CoreError> {
        each!(self, m => m.seen(user))
    }
}

impl SimilarArtists for AnyModel {
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown artist; [`CoreError::Invalid`] for the
    /// popularity model.
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<Neighbor>, CoreError> {
        match self {
            AnyModel::Popularity(_) => {
                Err(CoreError::Invalid(unsupported_similarity().to_string()))
            }
            AnyModel::ItemKnn(m) => m.similar(artist, k),
            AnyModel::UserKnn(m) => m.similar(artist, k),
            AnyModel::Svd(m) => m.similar(artist, k),
            AnyModel::Als(m) => m.similar(artist, k),
            AnyModel::Wmf(m) => m.similar(artist, k),
            AnyModel::Bpr(m) => m.similar(artist, k),
        }
    }

    fn similar_batch(&self, artists: &[u32], k: usize) -> Result<Vec<Vec<Neighbor>>, CoreError> {
        match self {
            AnyModel::Popularity(_) => {
                Err(CoreError::Invalid(unsupported_similarity().to_string()))
            }
            AnyModel::ItemKnn(m) => m.similar_batch(artists, k),
            AnyModel::UserKnn(m) => m.similar_batch(artists, k),
            AnyModel::Svd(m) => m.similar_batch(artists, k),
            AnyModel::Als(m) => m.similar_batch(artists, k),
            AnyModel::Wmf(m) => m.similar_batch(artists, k),
            AnyModel::Bpr(m) => m.similar_batch(artists, k),
        }
    }
}

macro_rules! from_model {
    ($($t:ident),*) => {$(
        impl From<$t> for AnyModel {
            fn from(m: $t) -> Self {
                AnyModel::$t(m)
            }
        }
    )*};
}
from_model!(Popularity, ItemKnn, UserKnn, Svd, Als, Wmf, Bpr);
