//! Maps of the artist space for **artist2vec**.
//!
//! A fitted model's artist vectors (or, for a model without vectors, its similar-artist lists)
//! are projected to two dimensions with [UMAP](umap), and the map is written as
//!
//! - one self-contained HTML page ([`ArtistMap::to_html`]): canvas drawing with pan and zoom,
//!   search by name (highlights and centres the artist), a tooltip with the name, play count
//!   and group (on generated data: the planted genre, also the colour); no network access, so
//!   it opens from a file or an e-mail attachment. 20,000 artists stay fluid: hover lookups go
//!   through a spatial grid and the points are drawn in one canvas path per colour;
//! - an SVG ([`ArtistMap::to_svg`]) for papers, with the most played artists labelled.
//!
//! The command line's `artist2vec map --model m.a2v --out map.html [--svg map.svg]` does all of
//! this for any registered model.
//!
//! # Quick start
//!
//! ```
//! use artist2vec_core::{Embeddings, Vocabulary};
//! use artist2vec_viz::{ArtistMap, MapSettings, project_embeddings};
//!
//! // 40 artists in 8 dimensions, in two clear groups.
//! let mut vocab = Vocabulary::new();
//! let mut data = Vec::new();
//! for i in 0..40 {
//!     let ix = vocab.insert(format!("a{i}"));
//!     vocab.set_name(ix, format!("Artist {i}"));
//!     let g = i % 2;
//!     for d in 0..8 {
//!         data.push(if d % 2 == g { 1.0 } else { 0.0 } + (i * d) as f32 * 1e-3);
//!     }
//! }
//! let table = Embeddings::new(vocab, 8, data)?;
//! let coords = project_embeddings(&table, &MapSettings { n_neighbors: 5, ..Default::default() })?;
//! assert_eq!(coords.len(), 2 * 40);
//!
//! let names: Vec<String> = (0..40).map(|i| format!("Artist {i}")).collect();
//! let map = ArtistMap::new("two groups", names, coords)?
//!     .with_plays("listeners", (0..40).map(|i| i as f64).collect())?;
//! let html = map.to_html();
//! assert!(html.contains("<canvas") && html.contains("Artist 39"));
//! assert!(map.to_svg().starts_with("<svg"));
//! # Ok::<(), artist2vec_viz::VizError>(())
//! ```
#![warn(missing_docs)]

mod error;
mod html;
mod knn;
mod map;
mod svg;
pub mod umap;

pub use error::VizError;
pub use knn::KnnGraph;
pub use map::{ArtistMap, Groups, palette};

use artist2vec_core::registry::AnyModel;
use artist2vec_core::{Embeddings, Recommender};
use rayon::prelude::*;

use umap::{Init, Umap, UmapConfig};

/// What [`project_model`] and [`project_embeddings`] do: the UMAP settings that matter for a map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapSettings {
    /// Neighbours per artist, counting the artist itself (UMAP's `n_neighbors`, default 15;
    /// lowered to the number of artists when there are fewer).
    pub n_neighbors: usize,
    /// Smallest distance between points (default 0.1).
    pub min_dist: f32,
    /// SGD epochs (`None`: umap-learn's rule, 500 up to 10,000 artists, 200 above).
    pub n_epochs: Option<usize>,
    /// Seed (default 42): the same model and seed give the same map.
    pub seed: u64,
}

impl Default for MapSettings {
    fn default() -> Self {
        let u = UmapConfig::default();
        Self {
            n_neighbors: u.n_neighbors,
            min_dist: u.min_dist,
            n_epochs: u.n_epochs,
            seed: u.seed,
        }
    }
}

impl MapSettings {
    fn umap(&self, n: usize) -> UmapConfig {
        UmapConfig {
            n_neighbors: self.n_neighbors.min(n).max(2),
            min_dist: self.min_dist,
            n_epochs: self.n_epochs,
            seed: self.seed,
            ..UmapConfig::default()
        }
    }
}

/// How a model's map was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// From the model's artist vectors (cosine kNN, PCA start).
    Vectors,
    /// From the model's similar-artist lists (no vectors; random start).
    Neighbours,
}

/// UMAP coordinates `[x₀, y₀, x₁, y₁, …]` of a table's rows: exact cosine kNN graph
/// ([`KnnGraph::from_embeddings`]), PCA initialisation ([`umap::pca_init`]), seeded layout.
///
/// # Errors
/// [`VizError::Invalid`] for fewer than two artists or a bad setting.
pub fn project_embeddings(
    table: &Embeddings,
    settings: &MapSettings,
) -> Result<Vec<f32>, VizError> {
    let n = table.len();
    if n < 2 {
        return Err(VizError::Invalid(format!(
            "a map needs at least 2 artists, found {n}"
        )));
    }
    let config = settings.umap(n);
    config.validate()?;
    let graph = KnnGraph::from_embeddings(table, config.n_neighbors - 1)?;
    let init = umap::pca_init(table.as_slice(), n, table.dim())?;
    Umap::new(config).fit(&graph, Init::Given(init))
}

/// UMAP coordinates of any fitted model's artists, in the order of [`Model::items`]
/// (artist_vectors → [`project_embeddings`]). A model without vectors but with similar-artist
/// lists (item-kNN, EASE, RP3beta, user-kNN) is mapped from those lists
/// ([`KnnGraph::from_similar`]) with a random start; the returned [`Source`] says which.
///
/// [`Model::items`]: artist2vec_core::Model::items
///
/// # Errors
/// [`VizError::Core`] for a model with neither vectors nor similarity (popularity);
/// [`VizError::Invalid`] for fewer than two artists or a bad setting.
pub fn project_model(
    model: &AnyModel,
    settings: &MapSettings,
) -> Result<(Vec<f32>, Source), VizError> {
    if let Some(table) = model.artist_vectors() {
        return Ok((project_embeddings(table, settings)?, Source::Vectors));
    }
    let n = model.n_items();
    if n < 2 {
        return Err(VizError::Invalid(format!(
            "a map needs at least 2 artists, found {n}"
        )));
    }
    if model.similarity().is_none() {
        return Err(VizError::Invalid(format!(
            "the {} model has neither artist vectors nor similar-artist lists, so there is \
             nothing to map; fit a model that learns artist vectors (als, skipgram, svd, …) or \
             neighbours (item-knn, ease, rp3beta)",
            model.kind()
        )));
    }
    let config = settings.umap(n);
    config.validate()?;
    let graph = KnnGraph::from_similar(model, n, config.n_neighbors - 1)?;
    Ok((
        Umap::new(config).fit(&graph, Init::Random)?,
        Source::Neighbours,
    ))
}

/// [`project_model`] for some of the model's artists only (`artists`: dense indices, distinct):
/// the coordinates of `artists[i]` are at `2i`, `2i + 1`. Maps of factor models are clearer
/// without the artists heard by one or two listeners, which sit next to whatever those
/// listeners played (the CLI's `map --min-listeners`). Neighbours are searched among the
/// chosen artists only.
///
/// # Errors
/// As [`project_model`]; [`VizError::Invalid`] for an index out of range or repeated.
pub fn project_model_subset(
    model: &AnyModel,
    settings: &MapSettings,
    artists: &[u32],
) -> Result<(Vec<f32>, Source), VizError> {
    let n_all = model.n_items();
    let mut keep = vec![false; n_all];
    for &a in artists {
        match keep.get_mut(a as usize) {
            Some(k) if !*k => *k = true,
            Some(_) => return Err(VizError::Invalid(format!("artist {a} is listed twice"))),
            None => {
                return Err(VizError::Invalid(format!(
                    "artist {a} out of range: the model has {n_all} artists"
                )));
            }
        }
    }
    let n = artists.len();
    if n < 2 {
        return Err(VizError::Invalid(format!(
            "a map needs at least 2 artists, found {n}"
        )));
    }
    if let Some(table) = model.artist_vectors() {
        let dim = table.dim();
        let mut vocab = artist2vec_core::Vocabulary::new();
        let mut data = Vec::with_capacity(n * dim);
        for &a in artists {
            vocab.insert(table.vocab().id(a));
            data.extend_from_slice(table.row(a)?);
        }
        let sub = Embeddings::new(vocab, dim, data)?;
        return Ok((project_embeddings(&sub, settings)?, Source::Vectors));
    }
    if model.similarity().is_none() {
        return project_model(model, settings);
    }
    let config = settings.umap(n);
    config.validate()?;
    let k = config.n_neighbors - 1;
    let mut position = vec![u32::MAX; n_all];
    for (i, &a) in artists.iter().enumerate() {
        position[a as usize] = i as u32;
    }
    let lists: Vec<Vec<artist2vec_core::Neighbor>> = artists
        .par_iter()
        .map(|&a| {
            let list = model.similar_where(a, k, &|j| keep[j as usize])?;
            Ok(list
                .into_iter()
                .map(|nb| artist2vec_core::Neighbor {
                    item: position[nb.item as usize],
                    score: nb.score,
                })
                .collect())
        })
        .collect::<Result<_, artist2vec_core::CoreError>>()?;
    let graph = KnnGraph::from_scored_lists(n, k, &lists);
    Ok((
        Umap::new(config).fit(&graph, Init::Random)?,
        Source::Neighbours,
    ))
}
