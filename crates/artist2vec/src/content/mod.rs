//! The content model for cold-start artists (registry name `content`): a ridge regression from
//! an artist's TF-IDF tag features onto the artist vectors of a collaborative model (ALS by
//! default, fitted inside it through the registry), so that an artist without listening data
//! gets a vector, neighbours and recommendations from its tags alone ([`ContentModel`]); and
//! the tag-only nearest-neighbour baseline it is judged against ([`TagKnn`]).
//!
//! The content comes with the training data ([`TrainingData::content`]); from the command line
//! it is `artist2vec fit --model content --train train.tsv --content tags.tsv`, where the
//! content is a TSV of `artist<TAB>tag[<TAB>count]` lines or a dataset with tag assignments.
//! It may name artists that have no training rows: those are the cold-start artists.
//!
//! ```
//! use artist2vec::content::{ContentConfig, ContentModel};
//! use artist2vec::prelude::*;
//! use artist2vec::core::ArtistContent;
//!
//! // Four listeners of four artists; artist "new" has no plays, only tags.
//! let users = Vocabulary::from_ids(["u0", "u1", "u2", "u3"])?;
//! let items = Vocabulary::from_ids(["a", "b", "c", "d"])?;
//! let plays = Interactions::from_columns(users, items,
//!     vec![0, 0, 1, 1, 2, 2, 3, 3], vec![0, 1, 0, 1, 2, 3, 2, 3], vec![1.0; 8], None)?;
//! let mut tags = ArtistContent::new();
//! for (artist, tag) in [("a", "metal"), ("b", "metal"), ("c", "pop"), ("d", "pop"), ("new", "metal")] {
//!     tags.add(artist, tag, 1.0)?;
//! }
//! let config = r#"{"base_config": {"factors": 4, "seed": 1}, "ridge": 0.1}"#;
//! let model = artist2vec::registry()
//!     .fit("content", Some(config), &TrainingData::new(&plays).with_content(&tags), &NoProgress)?;
//! let new = model.artist("new")?;
//! let nearest = model.similar(new, 1)?[0].item;
//! assert!(["a", "b"].contains(&model.items().id(nearest)), "a metal artist");
//! assert_eq!(model.downcast_ref::<ContentModel>().unwrap().cold_artists(), &[new]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod features;
mod history;
mod model;
mod tag_knn;

use artist2vec_core::registry::{BoxError, Registered, TrainingData};
use artist2vec_core::{ArtistContent, Embeddings, Observer};
use serde::{Deserialize, Serialize};

pub use model::ContentModel;
pub use tag_knn::TagKnn;

use features::{content_index, extend_items, idf, normalise, predict, ridge, tfidf};
use history::Histories;

/// Settings of the content model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContentConfig {
    /// Registry name of the collaborative model whose artist vectors the tags are mapped onto
    /// (default `"als"`; any family that learns artist vectors: `als`, `wmf`, `bpr`, `svd`,
    /// `skipgram`, …). It is fitted on the same training data.
    pub base: String,
    /// The base model's configuration (a JSON object; fields left out take its defaults;
    /// `null`: its defaults, except that an ALS base then gets `{"regularization": 60}`: the
    /// fixed λ under which this model's defaults were chosen. ALS's own default scales λ with
    /// the data (3.64 × mean confidence), which is smaller on sparse generated data and gives
    /// vectors that tags predict worse: pooled over 5 generated seeds, MAP@20 0.0793 vs the
    /// tag-only baseline's 0.0788 (p 0.44), against 0.0860 (p 6e-7) with λ 60.
    pub base_config: Option<serde_json::Value>,
    /// Ridge penalty λ of the regression from tag features to artist vectors (> 0, default 1).
    pub ridge: f32,
    /// Artists need at least this many training listeners to be regression targets (≥ 1,
    /// default 2: vectors of artists heard once are mostly noise).
    pub min_listeners: u32,
    /// Largest number of conjugate-gradient steps of the ridge solve (1–10,000, default 200).
    pub max_iterations: usize,
    /// How much of an artist *with* training plays and tags is its content prediction: its
    /// vector is `(1 − w) · base + w · predicted` (both unit length), in [0, 1]. Default 1:
    /// listeners' profiles are then made of the same predicted vectors the cold artists get,
    /// which ranked cold artists best on generated data (docs/results.md); the regression
    /// still learns from the collaborative vectors, so the prediction is a tag similarity
    /// learned from listening. 0 keeps the base vectors (collaborative neighbours for warm
    /// artists). Artists without tags always keep their base vector.
    pub content_weight: f32,
    /// Weight of the direct tag match in the scores (≥ 0, default 0): a listener's score of an
    /// artist adds `tag_weight ×` the TF-IDF cosine of its tags with those of the listener's
    /// artists (the tag-only baseline, [`TagKnn`]) to the cosine of the vectors.
    pub tag_weight: f32,
    /// Subtract the mean base vector of the artists with training plays before anything else
    /// (default true): factor models put a common "popular" direction into every artist
    /// vector, which makes all cosines alike; centring leaves what sets artists apart.
    pub center: bool,
}

impl Default for ContentConfig {
    fn default() -> Self {
        Self {
            base: "als".into(),
            base_config: None,
            ridge: 1.0,
            min_listeners: 2,
            max_iterations: 200,
            content_weight: 1.0,
            tag_weight: 0.0,
            center: true,
        }
    }
}

impl ContentConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// What [`Persist::check_config`](artist2vec_core::persist::Persist::check_config) checks.
    fn check(&self) -> Result<(), String> {
        let base = self.base.trim().to_ascii_lowercase();
        if base.is_empty() {
            return Err("base must name a model that learns artist vectors (e.g. \"als\")".into());
        }
        if base == Self::NAME || Self::ALIASES.contains(&base.as_str()) {
            return Err("base cannot be the content model itself".into());
        }
        if let Some(v) = &self.base_config
            && !(v.is_object() || v.is_null())
        {
            return Err(format!("base_config must be a JSON object, found {v}"));
        }
        if !(self.ridge.is_finite() && self.ridge > 0.0) {
            return Err(format!(
                "ridge must be positive and finite, found {}",
                self.ridge
            ));
        }
        if self.min_listeners == 0 {
            return Err("min_listeners must be at least 1".into());
        }
        if !(0.0..=1.0).contains(&self.content_weight) {
            return Err(format!(
                "content_weight must be in [0, 1], found {}",
                self.content_weight
            ));
        }
        if !(self.tag_weight.is_finite() && self.tag_weight >= 0.0) {
            return Err(format!(
                "tag_weight must be finite and at least 0, found {}",
                self.tag_weight
            ));
        }
        if !(1..=10_000).contains(&self.max_iterations) {
            return Err(format!(
                "max_iterations must be in 1..=10000, found {}",
                self.max_iterations
            ));
        }
        Ok(())
    }

    /// Fits the model: the base model on `data`'s rows, then the regression from the tags of
    /// the artists with at least [`min_listeners`](Self::min_listeners) training listeners onto
    /// their (unit) base vectors; every artist without training rows — in the training
    /// vocabulary or named only by `content` — gets the prediction from its tags.
    ///
    /// # Errors
    /// No artist with content features; no training artist with content; the base model's
    /// errors, or a base model without artist vectors.
    pub fn fit_with(
        &self,
        data: &TrainingData<'_>,
        content: &ArtistContent,
        observer: &dyn Observer,
    ) -> Result<ContentModel, BoxError> {
        self.check()?;
        if content.n_with_features() == 0 {
            return Err(format!(
                "the content names {} artists but none has a tag: the content model needs tag \
                 assignments (a hetrec copy without user_taggedartists.dat has tag names only)",
                content.artists.len()
            )
            .into());
        }
        let train = data.interactions;
        let registry = crate::registry();
        let family = registry.get(&self.base)?;
        if family.name() == Self::NAME {
            return Err("base cannot be the content model itself".into());
        }
        let base_json = self
            .base_config
            .as_ref()
            .filter(|v| !v.is_null())
            .map(|v| v.to_string())
            .or_else(|| (family.name() == "als").then(|| r#"{"regularization": 60.0}"#.into()));
        let base_data = TrainingData {
            content: None,
            ..*data
        };
        let base = family.fit(base_json.as_deref(), &base_data, observer)?;
        let base_vectors = base.artist_vectors().ok_or_else(|| {
            format!(
                "the base model {:?} learns no artist vectors; use als, wmf, bpr, svd or skipgram",
                family.name()
            )
        })?;
        let n_train = train.n_items();
        if base_vectors.len() != n_train {
            return Err(format!(
                "the base model has {} artist vectors for {n_train} training artists",
                base_vectors.len()
            )
            .into());
        }
        let dim = base_vectors.dim();
        let items = extend_items(&train.items, content);
        let n = items.len();
        let at = content_index(&items, content);
        let idf = idf(content);
        let rows: Vec<Vec<(u32, f32)>> = at
            .iter()
            .map(|c| c.map_or_else(Vec::new, |c| tfidf(content.features_of(c), &idf)))
            .collect();
        let mut listeners = vec![0u32; n];
        let histories = Histories::new(train);
        for u in 0..histories.n_users() as u32 {
            for &i in histories.items(u)? {
                listeners[i as usize] += 1;
            }
        }
        let mut base_rows = base_vectors.as_slice().to_vec();
        if self.center {
            let mut centre = vec![0f64; dim];
            let mut n_warm = 0usize;
            for (i, v) in base_rows.chunks_exact(dim).enumerate() {
                if listeners[i] > 0 {
                    n_warm += 1;
                    centre
                        .iter_mut()
                        .zip(v)
                        .for_each(|(c, &v)| *c += f64::from(v));
                }
            }
            if n_warm > 0 {
                let centre: Vec<f32> = centre.iter().map(|c| (c / n_warm as f64) as f32).collect();
                for v in base_rows.chunks_exact_mut(dim) {
                    v.iter_mut().zip(&centre).for_each(|(v, &c)| *v -= c);
                }
            }
        }
        let base_row = |i: usize| base_rows[i * dim..][..dim].to_vec();
        // Regression targets: unit base vectors of artists with enough listeners and tags.
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..n_train {
            if listeners[i] >= self.min_listeners && !rows[i].is_empty() {
                let mut v = base_row(i);
                normalise(&mut v);
                x.push(rows[i].clone());
                y.extend_from_slice(&v);
            }
        }
        if x.is_empty() {
            return Err(format!(
                "no training artist with at least {} listeners has content: the content's \
                 artist ids must be the training data's item ids (content starts with {:?}, \
                 training with {:?})",
                self.min_listeners,
                content.artists.ids().first().map_or("", String::as_str),
                train.items.ids().first().map_or("", String::as_str)
            )
            .into());
        }
        let mut mean = vec![0f32; dim];
        for t in y.chunks_exact(dim) {
            mean.iter_mut().zip(t).for_each(|(m, &t)| *m += t);
        }
        mean.iter_mut().for_each(|m| *m /= x.len() as f32);
        for t in y.chunks_exact_mut(dim) {
            t.iter_mut().zip(&mean).for_each(|(t, &m)| *t -= m);
        }
        let (weights, _steps) = ridge(
            &x,
            &y,
            content.features.len(),
            dim,
            self.ridge,
            self.max_iterations,
            1e-6,
        );
        let mut data_out = Vec::with_capacity(n * dim);
        let (mut cold, mut without_content) = (Vec::new(), Vec::new());
        for i in 0..n {
            let mut v = if listeners[i] > 0 {
                let mut v = base_row(i);
                let w = self.content_weight;
                if w > 0.0 && !rows[i].is_empty() {
                    normalise(&mut v);
                    let mut p = predict(&rows[i], &weights, &mean);
                    normalise(&mut p);
                    v.iter_mut()
                        .zip(&p)
                        .for_each(|(v, &p)| *v = (1.0 - w) * *v + w * p);
                }
                v
            } else {
                cold.push(i as u32);
                if rows[i].is_empty() {
                    without_content.push(i as u32);
                }
                predict(&rows[i], &weights, &mean)
            };
            normalise(&mut v);
            data_out.extend_from_slice(&v);
        }
        Ok(ContentModel {
            config: self.clone(),
            users: train.users.clone(),
            vectors: Embeddings::new(items, dim, data_out)?,
            listeners,
            cold,
            without_content,
            histories,
            tag_rows: rows,
            features: content.features.clone(),
            idf,
            weights,
            mean,
        })
    }
}

impl Registered for ContentConfig {
    type Model = ContentModel;
    const NAME: &'static str = "content";
    const ALIASES: &'static [&'static str] = &["cold-start", "tags"];
    const DESCRIPTION: &'static str = "cold-start artists: ridge from TF-IDF tags onto ALS (or \
        other) artist vectors; needs `fit --content FILE` (artist<TAB>tag lines or a dataset \
        with tags)";

    fn registry_default() -> Self {
        Self::default()
    }

    fn fit_data(
        &self,
        data: &TrainingData<'_>,
        observer: &dyn Observer,
    ) -> Result<ContentModel, BoxError> {
        let content = data.content.ok_or(
            "the content model needs artist content: pass `--content FILE` to `fit` (a TSV of \
             artist<TAB>tag[<TAB>count] lines, or a dataset with tag assignments), or \
             TrainingData::with_content from a program",
        )?;
        self.fit_with(data, content, observer)
    }
}
