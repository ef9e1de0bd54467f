//! One description per model family, shared by every program that picks models by name.
//!
//! A model family is described once, by implementing [`Registered`] on its configuration type:
//! its name and aliases, a one-line description, its default configuration, how it is fitted
//! from [`TrainingData`], and (through the model's [`Persist`]) how it is saved and loaded.
//! A [`Registry`] lists families; the command line (`fit`, `recommend`, `similar`, `config`),
//! the experiments and the protocols go through it, and every fitted model is an [`AnyModel`]
//! that implements [`Recommender`] and [`SimilarArtists`].
//!
//! Adding a model is one file (configuration, model, the [`Registered`], [`Persist`] and
//! [`Model`] implementations) and one line in its crate's registry list.
//!
//! ```
//! use artist2vec_core::registry::{Model, Registered, Registry, TrainingData};
//! use artist2vec_core::modelfile::{Decoder, Encoder};
//! use artist2vec_core::persist::{DecodeError, Persist};
//! use artist2vec_core::*;
//! use serde::{Deserialize, Serialize};
//!
//! /// Scores every artist by its number of listeners.
//! #[derive(Debug, Clone, Default, Serialize, Deserialize)]
//! #[serde(default, deny_unknown_fields)]
//! struct CountConfig { boost: f32 }
//!
//! #[derive(Debug)]
//! struct Count { config: CountConfig, users: Vocabulary, items: Vocabulary, listeners: Vec<u32> }
//!
//! impl Recommender for Count {
//!     fn n_items(&self) -> usize { self.items.len() }
//!     fn n_users(&self) -> usize { self.users.len() }
//!     fn score_into(&self, _q: &Query<'_>, s: &mut [f32]) -> Result<(), CoreError> {
//!         for (s, &l) in s.iter_mut().zip(&self.listeners) { *s = l as f32 + self.config.boost; }
//!         Ok(())
//!     }
//!     fn seen(&self, _user: u32) -> Result<&[u32], CoreError> { Ok(&[]) }
//! }
//!
//! impl Persist for Count {
//!     const KIND: &'static str = "count";
//!     const VERSION: u32 = 1;
//!     type Config = CountConfig;
//!     fn config(&self) -> &CountConfig { &self.config }
//!     fn check_config(c: &CountConfig) -> Result<(), String> {
//!         if c.boost.is_finite() { Ok(()) } else { Err("boost must be finite".into()) }
//!     }
//!     fn encode(&self, e: &mut Encoder) {
//!         self.users.encode(e);
//!         self.items.encode(e);
//!         e.u32s(&self.listeners);
//!     }
//!     fn decode(config: CountConfig, _v: u32, d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
//!         let users = Vocabulary::decode(d)?;
//!         let items = Vocabulary::decode(d)?;
//!         Ok(Count { config, users, items, listeners: d.u32s()? })
//!     }
//! }
//!
//! impl Model for Count {
//!     fn users(&self) -> &Vocabulary { &self.users }
//!     fn items(&self) -> &Vocabulary { &self.items }
//!     fn listeners(&self) -> Vec<u32> { self.listeners.clone() }
//!     artist2vec_core::model_persistence!();
//! }
//!
//! impl Registered for CountConfig {
//!     type Model = Count;
//!     const NAME: &'static str = "count";
//!     const ALIASES: &'static [&'static str] = &["listeners"];
//!     const DESCRIPTION: &'static str = "artists by number of listeners";
//!     fn registry_default() -> Self { CountConfig::default() }
//!     fn fit_data(&self, data: &TrainingData<'_>, _o: &dyn Observer)
//!         -> Result<Count, Box<dyn std::error::Error + Send + Sync>> {
//!         let t = data.interactions;
//!         let mut listeners = vec![0u32; t.n_items()];
//!         for &i in t.item_col() { listeners[i as usize] += 1; }
//!         Ok(Count { config: self.clone(), users: t.users.clone(), items: t.items.clone(), listeners })
//!     }
//! }
//!
//! let registry = Registry::new().with::<CountConfig>();
//! let users = Vocabulary::from_ids(["u1", "u2"])?;
//! let items = Vocabulary::from_ids(["a", "b"])?;
//! let plays = Interactions::from_columns(users, items, vec![0, 1, 1], vec![1, 0, 1], vec![1.0; 3], None)?;
//! let model = registry.fit("Listeners", Some(r#"{"boost": 0.5}"#), &TrainingData::new(&plays), &NoProgress)?;
//! assert_eq!(model.kind(), "count");
//! assert_eq!(model.recommend(&Query::User(0), 1, false)?[0].item, 1);
//! let path = std::env::temp_dir().join(format!("a2v-registry-doc-{}", std::process::id()));
//! model.save(&path)?;
//! let back = registry.load(&path)?;
//! assert_eq!(back.config_json(), model.config_json());
//! # std::fs::remove_file(&path)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::persist::{self, Persist};
use crate::topk::Neighbor;
use crate::{
    ArtistContent, CoreError, Embeddings, Interactions, Observer, Query, Recommender, Sessions,
    SimilarArtists, Similarity, Vocabulary, modelfile,
};

/// An error of a model's own crate, boxed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What a model is fitted on: user × artist rows, and listening sessions in play order when the
/// source has them (sequence models read those; the others ignore them).
#[derive(Debug, Clone, Copy)]
pub struct TrainingData<'a> {
    /// User × artist rows (play counts or plays). Session models' vocabularies must match.
    pub interactions: &'a Interactions,
    /// Sessions in play order over the same user and artist vocabularies, when known.
    pub sessions: Option<&'a Sessions>,
    /// Content features of artists (tags), keyed by artist id, when given; content models
    /// (cold-start) read it, the others ignore it. It may name artists without training rows.
    pub content: Option<&'a ArtistContent>,
}

impl<'a> TrainingData<'a> {
    /// Rows only, no play order.
    pub fn new(interactions: &'a Interactions) -> Self {
        Self {
            interactions,
            sessions: None,
            content: None,
        }
    }

    /// The same data with artist content (tags) attached.
    pub fn with_content(self, content: &'a ArtistContent) -> Self {
        Self {
            content: Some(content),
            ..self
        }
    }

    /// Rows and the sessions they came from.
    ///
    /// # Errors
    /// [`CoreError::Shape`] when the two do not share their user and artist vocabularies.
    pub fn with_sessions(
        interactions: &'a Interactions,
        sessions: &'a Sessions,
    ) -> Result<Self, CoreError> {
        if interactions.users.ids() != sessions.users.ids()
            || interactions.items.ids() != sessions.items.ids()
        {
            return Err(CoreError::Shape(format!(
                "sessions over {} users × {} artists, rows over {} × {}: the vocabularies differ",
                sessions.users.len(),
                sessions.items.len(),
                interactions.users.len(),
                interactions.items.len()
            )));
        }
        Ok(Self {
            interactions,
            sessions: Some(sessions),
            content: None,
        })
    }
}

/// A fitted model of any family, as programs hold it: recommendations, similar artists, its
/// vocabularies, its configuration and saving.
pub trait Model: Recommender + fmt::Debug + Any {
    /// The registry name of its family (also the kind in its model file).
    fn kind(&self) -> &'static str;

    /// The configuration it was trained with, as pretty-printed JSON.
    fn config_json(&self) -> String;

    /// The users known from training.
    fn users(&self) -> &Vocabulary;

    /// The artists (with names when the training data had them).
    fn items(&self) -> &Vocabulary;

    /// The number of training listeners of every artist.
    fn listeners(&self) -> Vec<u32>;

    /// The artist vectors, for models that learn them.
    fn artist_vectors(&self) -> Option<&Embeddings> {
        None
    }

    /// Its similar-artist lists; `None` for a model without a notion of similarity
    /// (popularity).
    fn similarity(&self) -> Option<&(dyn SimilarArtists + Sync)> {
        None
    }

    /// Whether it scores new listeners from their history
    /// ([`Query::History`]) without refitting (default `true`).
    ///
    /// Folding in approximates a refit with the new listener's rows: the artist side stays
    /// where training left it, while a refit would move each artist by that listener's share
    /// of its rows. For ALS (the exact user half-step against fixed artist factors) with its
    /// defaults, the folded-in top-10 shares at least 9 of 10 artists with a refit's on average
    /// (the workspace test `registry::als_fold_in_matches_a_refit_within_its_approximation`).
    fn folds_in(&self) -> bool {
        true
    }

    /// Like [`SimilarArtists::similar`], among the artists for which `keep` holds. The default
    /// scans the artist vectors when the model has them, otherwise filters the full list.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown artist; [`CoreError::Invalid`] for a
    /// model without similarity.
    fn similar_where(
        &self,
        artist: u32,
        k: usize,
        keep: &dyn Fn(u32) -> bool,
    ) -> Result<Vec<Neighbor>, CoreError> {
        let sim = self
            .similarity()
            .ok_or_else(|| no_similarity(self.kind()))?;
        let n = self.n_items();
        if artist as usize >= n {
            return Err(CoreError::IndexOutOfRange {
                kind: "artist",
                index: artist as usize,
                len: n,
            });
        }
        if let Some(e) = self.artist_vectors() {
            let exclude: Vec<u32> = (0..n as u32).filter(|&j| j == artist || !keep(j)).collect();
            return Ok(e.nearest_to_vector(e.row(artist)?, k, Similarity::Cosine, &exclude));
        }
        let mut all = sim.similar(artist, n)?;
        all.retain(|nb| keep(nb.item));
        all.truncate(k);
        Ok(all)
    }

    /// Writes the model (configuration included) to `path`, atomically.
    ///
    /// # Errors
    /// [`CoreError::Io`] naming the file.
    fn save(&self, path: &Path) -> Result<(), CoreError>;

    /// The bytes [`save`](Self::save) writes, in memory (models kept inside another model's
    /// file, such as the hybrid's members; [`Registry::load_bytes`] reads them back).
    ///
    /// # Errors
    /// [`CoreError::Invalid`] if the configuration does not serialise.
    fn to_bytes(&self) -> Result<Vec<u8>, CoreError>;

    /// The model as [`Any`], to get its concrete type back ([`AnyModel::downcast_ref`]).
    fn as_any(&self) -> &dyn Any;
}

/// Implements [`Model::kind`], [`Model::config_json`], [`Model::save`] and [`Model::as_any`]
/// inside an `impl Model for T` block, for a type that implements [`Persist`].
#[macro_export]
macro_rules! model_persistence {
    () => {
        fn kind(&self) -> &'static str {
            <Self as $crate::persist::Persist>::KIND
        }
        fn config_json(&self) -> String {
            $crate::registry::pretty_json(<Self as $crate::persist::Persist>::config(self))
        }
        fn save(&self, path: &std::path::Path) -> Result<(), $crate::CoreError> {
            $crate::persist::save(self, path)
        }
        fn to_bytes(&self) -> Result<Vec<u8>, $crate::CoreError> {
            $crate::persist::to_bytes(self)
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    };
}

/// A configuration as pretty-printed JSON (what `artist2vec config` prints).
pub fn pretty_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string_pretty(value)
        .unwrap_or_else(|e| format!("{{\"error\": \"configuration does not serialise: {e}\"}}"))
}

fn no_similarity(kind: &str) -> CoreError {
    CoreError::Invalid(format!(
        "the {kind} model has no artist similarity; use a model that learns artist vectors or \
         neighbours"
    ))
}

/// A fitted model of any registered family. Implements [`Recommender`] and
/// [`SimilarArtists`] by delegating to the model it holds, and dereferences to [`Model`].
#[derive(Debug)]
pub struct AnyModel(Box<dyn Model>);

impl AnyModel {
    /// Wraps a fitted model.
    pub fn new<M: Model>(model: M) -> Self {
        AnyModel(Box::new(model))
    }

    /// The model as its concrete type, when it is an `M`.
    pub fn downcast_ref<M: Model>(&self) -> Option<&M> {
        self.0.as_any().downcast_ref::<M>()
    }

    /// The dense index of an artist given by external id, then display name (exact, then
    /// case-insensitive).
    ///
    /// # Errors
    /// [`CoreError::UnknownId`] when no artist matches.
    pub fn artist(&self, name_or_id: &str) -> Result<u32, CoreError> {
        let items = self.items();
        match items.get(name_or_id) {
            Some(ix) => Ok(ix),
            None => items.find(name_or_id),
        }
    }

    /// The `k` artists most similar to the artist given by name or id, best first.
    ///
    /// # Errors
    /// [`CoreError::UnknownId`] for an unknown artist; [`CoreError::Invalid`] for a model
    /// without similarity.
    pub fn similar_by_name(&self, name_or_id: &str, k: usize) -> Result<Vec<Neighbor>, CoreError> {
        let ix = self.artist(name_or_id)?;
        self.similar(ix, k)
    }

    /// Like [`similar`](SimilarArtists::similar), among the artists with at least
    /// `min_listeners` training listeners only. Factor models place an artist heard by one or
    /// two listeners close to whatever those listeners played, so such artists crowd the
    /// neighbour lists of popular artists; requiring a few listeners removes them.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown artist; [`CoreError::Invalid`] for a
    /// model without similarity.
    pub fn similar_min_listeners(
        &self,
        artist: u32,
        k: usize,
        min_listeners: u32,
    ) -> Result<Vec<Neighbor>, CoreError> {
        let listeners = self.listeners();
        self.0.similar_where(artist, k, &|j| {
            listeners
                .get(j as usize)
                .is_some_and(|&l| l >= min_listeners)
        })
    }
}

impl std::ops::Deref for AnyModel {
    type Target = dyn Model;
    fn deref(&self) -> &(dyn Model + 'static) {
        &*self.0
    }
}

impl Recommender for AnyModel {
    fn n_items(&self) -> usize {
        self.0.n_items()
    }
    fn n_users(&self) -> usize {
        self.0.n_users()
    }
    fn score_into(&self, query: &Query<'_>, scores: &mut [f32]) -> Result<(), CoreError> {
        self.0.score_into(query, scores)
    }
    fn seen(&self, user: u32) -> Result<&[u32], CoreError> {
        self.0.seen(user)
    }
    fn recommend(
        &self,
        query: &Query<'_>,
        k: usize,
        exclude_seen: bool,
    ) -> Result<Vec<Neighbor>, CoreError> {
        self.0.recommend(query, k, exclude_seen)
    }
    fn recommend_batch(
        &self,
        queries: &[Query<'_>],
        k: usize,
        exclude_seen: bool,
    ) -> Result<Vec<Vec<Neighbor>>, CoreError> {
        self.0.recommend_batch(queries, k, exclude_seen)
    }
    fn recommend_users(
        &self,
        users: &[u32],
        k: usize,
        exclude_seen: bool,
    ) -> Result<Vec<Vec<Neighbor>>, CoreError> {
        self.0.recommend_users(users, k, exclude_seen)
    }
}

impl SimilarArtists for AnyModel {
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown artist; [`CoreError::Invalid`] for a model
    /// without similarity.
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<Neighbor>, CoreError> {
        self.0
            .similarity()
            .ok_or_else(|| no_similarity(self.kind()))?
            .similar(artist, k)
    }

    fn similar_batch(&self, artists: &[u32], k: usize) -> Result<Vec<Vec<Neighbor>>, CoreError> {
        self.0
            .similarity()
            .ok_or_else(|| no_similarity(self.kind()))?
            .similar_batch(artists, k)
    }
}

/// A model family, described by its configuration type.
pub trait Registered: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The fitted model.
    type Model: Model + Persist<Config = Self>;

    /// The registry name (`"als"`, `"item-knn"`, …): lowercase, words joined by `-`.
    const NAME: &'static str;
    /// Other names the family answers to.
    const ALIASES: &'static [&'static str] = &[];
    /// A one-line description.
    const DESCRIPTION: &'static str;

    /// The default configuration: the settings that won on the hetrec validation split where
    /// the family was tuned. Fields left out of a JSON configuration take these values.
    fn registry_default() -> Self;

    /// Checks what a fit with this configuration needs beyond valid values — a device or
    /// backend this build or machine lacks, for instance — before any work (default: nothing).
    /// Fitting through the registry and [`ModelFamily::check_fit_json`] call it; loading a
    /// saved model does not, so a model file loads whatever machine fitted it.
    ///
    /// # Errors
    /// A message naming the setting and what is wrong.
    fn check_fit(&self) -> Result<(), String> {
        Ok(())
    }

    /// Fits the model on `data`, reporting progress to `observer`. The configuration was
    /// checked by [`Persist::check_config`] before.
    ///
    /// # Errors
    /// The model crate's own error, boxed.
    fn fit_data(
        &self,
        data: &TrainingData<'_>,
        observer: &dyn Observer,
    ) -> Result<Self::Model, BoxError>;
}

/// A registered family as programs see it (object-safe; built from [`Registered`]).
pub trait ModelFamily: Send + Sync {
    /// The registry name.
    fn name(&self) -> &'static str;
    /// Other names it answers to.
    fn aliases(&self) -> &'static [&'static str];
    /// A one-line description.
    fn description(&self) -> &'static str;
    /// The kind written into its model files (usually the name).
    fn file_kind(&self) -> &'static str;
    /// The default configuration as pretty-printed JSON.
    fn default_config_json(&self) -> String;
    /// Parses a JSON configuration (fields left out take the defaults; unknown fields are
    /// refused), checks it, and returns it complete, as pretty-printed JSON.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the model and what is wrong.
    fn check_config_json(&self, json: &str) -> Result<String, CoreError>;
    /// [`check_config_json`](Self::check_config_json), then what a fit needs beyond valid
    /// values ([`Registered::check_fit`]: a device this build and machine have, …): what a
    /// program calls before it reads the data of a fit. Not for a model's stored
    /// configuration, which loads whatever machine fitted it.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the model and what is wrong.
    fn check_fit_json(&self, json: &str) -> Result<String, CoreError>;
    /// Fits the family on `data` with a JSON configuration (`None`: the defaults).
    ///
    /// # Errors
    /// [`CoreError::Config`] for a bad configuration (before any work); [`CoreError::Model`]
    /// for what the model's crate reports.
    fn fit(
        &self,
        config_json: Option<&str>,
        data: &TrainingData<'_>,
        observer: &dyn Observer,
    ) -> Result<AnyModel, CoreError>;
    /// Loads a model file of this family.
    ///
    /// # Errors
    /// [`CoreError::Io`]; [`CoreError::Format`] naming the file.
    fn load(&self, path: &Path) -> Result<AnyModel, CoreError>;
    /// Reads a model of this family from the bytes of a model file held in memory
    /// ([`Model::to_bytes`]); `origin` names them in errors.
    ///
    /// # Errors
    /// [`CoreError::Format`] naming `origin`.
    fn load_bytes(&self, bytes: &[u8], origin: &Path) -> Result<AnyModel, CoreError>;
}

struct Family<C>(PhantomData<fn() -> C>);

/// Parses `json` onto the family's defaults: the top-level fields given replace the defaults'.
fn config_from_json<C: Registered>(
    json: Option<&str>,
    defaults: serde_json::Value,
) -> Result<C, CoreError> {
    let bad = |message: String| CoreError::Config {
        model: C::NAME,
        message,
    };
    let mut value = defaults;
    if let Some(json) = json {
        let given: serde_json::Value = serde_json::from_str(json).map_err(|e| {
            bad(format!(
                "not valid JSON: {}",
                crate::shorten_quotes(&e.to_string())
            ))
        })?;
        let serde_json::Value::Object(given) = given else {
            return Err(bad(format!(
                "expected a JSON object of {} settings, found {}",
                C::NAME,
                short(json)
            )));
        };
        match &mut value {
            serde_json::Value::Object(map) => map.extend(given),
            v => *v = serde_json::Value::Object(given),
        }
    }
    let config: C =
        serde_json::from_value(value).map_err(|e| bad(crate::shorten_quotes(&e.to_string())))?;
    C::Model::check_config(&config).map_err(bad)?;
    Ok(config)
}

/// [`Registered::check_fit`] as a [`CoreError::Config`] naming the model.
fn check_fit<C: Registered>(config: &C) -> Result<(), CoreError> {
    config.check_fit().map_err(|message| CoreError::Config {
        model: C::NAME,
        message,
    })
}

/// At most 60 characters of `s`, marked when cut.
fn short(s: &str) -> String {
    let cut: String = s.chars().take(60).collect();
    if cut.len() < s.len() {
        format!("{cut:?}…")
    } else {
        format!("{cut:?}")
    }
}

impl<C: Registered> Family<C> {
    fn defaults(&self) -> serde_json::Value {
        serde_json::to_value(C::registry_default()).unwrap_or(serde_json::Value::Null)
    }
}

impl<C: Registered> ModelFamily for Family<C> {
    fn name(&self) -> &'static str {
        C::NAME
    }
    fn aliases(&self) -> &'static [&'static str] {
        C::ALIASES
    }
    fn description(&self) -> &'static str {
        C::DESCRIPTION
    }
    fn file_kind(&self) -> &'static str {
        C::Model::KIND
    }
    fn default_config_json(&self) -> String {
        pretty_json(&C::registry_default())
    }
    fn check_config_json(&self, json: &str) -> Result<String, CoreError> {
        Ok(pretty_json(&config_from_json::<C>(
            Some(json),
            self.defaults(),
        )?))
    }
    fn check_fit_json(&self, json: &str) -> Result<String, CoreError> {
        let config = config_from_json::<C>(Some(json), self.defaults())?;
        check_fit(&config)?;
        Ok(pretty_json(&config))
    }
    fn fit(
        &self,
        config_json: Option<&str>,
        data: &TrainingData<'_>,
        observer: &dyn Observer,
    ) -> Result<AnyModel, CoreError> {
        let config = config_from_json::<C>(config_json, self.defaults())?;
        check_fit(&config)?;
        let model = config
            .fit_data(data, observer)
            .map_err(|source| CoreError::Model {
                model: C::NAME,
                source,
            })?;
        Ok(AnyModel::new(model))
    }
    fn load(&self, path: &Path) -> Result<AnyModel, CoreError> {
        Ok(AnyModel::new(persist::load::<C::Model>(path)?))
    }
    fn load_bytes(&self, bytes: &[u8], origin: &Path) -> Result<AnyModel, CoreError> {
        Ok(AnyModel::new(persist::from_bytes::<C::Model>(
            bytes, origin,
        )?))
    }
}

/// A list of model families, looked up by name or alias (case-insensitive, `_` and `-` alike).
#[derive(Default)]
pub struct Registry {
    families: Vec<Box<dyn ModelFamily>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

fn normalise(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace('_', "-")
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the family of configuration `C`.
    pub fn register<C: Registered>(&mut self) {
        self.families.push(Box::new(Family::<C>(PhantomData)));
    }

    /// [`register`](Self::register), by value.
    pub fn with<C: Registered>(mut self) -> Self {
        self.register::<C>();
        self
    }

    /// Adds every family of `other` after this registry's.
    pub fn extend(&mut self, other: Registry) {
        self.families.extend(other.families);
    }

    /// The families, in registration order.
    pub fn families(&self) -> impl ExactSizeIterator<Item = &dyn ModelFamily> + '_ {
        self.families.iter().map(|f| &**f)
    }

    /// The registry names, in registration order.
    pub fn names(&self) -> Vec<&'static str> {
        self.families.iter().map(|f| f.name()).collect()
    }

    /// The family called `name` (or one of its aliases).
    ///
    /// # Errors
    /// [`CoreError::UnknownModel`] listing the known names.
    pub fn get(&self, name: &str) -> Result<&dyn ModelFamily, CoreError> {
        let n = normalise(name);
        self.families
            .iter()
            .find(|f| f.name() == n || f.aliases().iter().any(|a| normalise(a) == n))
            .map(|f| &**f)
            .ok_or_else(|| CoreError::UnknownModel {
                name: name.to_owned(),
                known: self.names().join(", "),
            })
    }

    /// Fits the family called `name` on `data` with a JSON configuration (`None`: defaults).
    ///
    /// # Errors
    /// As [`get`](Self::get) and [`ModelFamily::fit`].
    pub fn fit(
        &self,
        name: &str,
        config_json: Option<&str>,
        data: &TrainingData<'_>,
        observer: &dyn Observer,
    ) -> Result<AnyModel, CoreError> {
        self.get(name)?.fit(config_json, data, observer)
    }

    /// Loads any model file written by a registered family, dispatching on the kind in its
    /// header.
    ///
    /// # Errors
    /// [`CoreError::Io`]; [`CoreError::Format`] naming the file for a file that is not a
    /// model, holds a kind this registry does not know, or is truncated or damaged.
    pub fn load(&self, path: impl AsRef<Path>) -> Result<AnyModel, CoreError> {
        let path = path.as_ref();
        let header = modelfile::read_header(path)?;
        self.family_of(&header.kind, path)?.load(path)
    }

    /// [`load`](Self::load) from the bytes of a model file held in memory
    /// ([`Model::to_bytes`]); `origin` names them in errors (the file that holds them, say).
    ///
    /// # Errors
    /// [`CoreError::Format`] naming `origin`, as [`load`](Self::load).
    pub fn load_bytes(&self, bytes: &[u8], origin: &Path) -> Result<AnyModel, CoreError> {
        let header = modelfile::read_header_bytes(bytes, origin)?;
        self.family_of(&header.kind, origin)?
            .load_bytes(bytes, origin)
    }

    fn family_of(&self, kind: &str, path: &Path) -> Result<&dyn ModelFamily, CoreError> {
        self.families
            .iter()
            .find(|f| f.file_kind() == kind)
            .map(|f| &**f)
            .ok_or_else(|| CoreError::Format {
                path: path.to_path_buf(),
                message: format!(
                    "holds a {kind:?} model, which this build does not know (known: {})",
                    self.names().join(", ")
                ),
            })
    }
}
