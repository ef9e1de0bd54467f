//! Classical artist-embedding and recommendation models for **artist2vec**: the baselines every
//! comparison needs and the models users reach for first.
//!
//! | name | model | artist vectors | similar artists |
//! |---|---|---|---|
//! | `popularity` | [`Popularity`]: most-listened artists | — | — |
//! | `item-knn` | [`ItemKnn`]: cosine item-kNN scored like `implicit`'s `ItemItemRecommender` | — | its neighbour lists |
//! | `user-knn` | [`UserKnn`]: the seed notebooks' user-kNN | — | column cosine |
//! | `svd` | [`Svd`]: artist co-occurrence + randomized truncated SVD | yes | cosine |
//! | `als` | [`Als`]: implicit ALS (Hu–Koren–Volinsky), CG or Cholesky | yes | cosine |
//! | `wmf` | [`Wmf`]: the notebooks' weighted MF with sampled negatives | yes | cosine |
//! | `bpr` | [`Bpr`]: Bayesian personalised ranking | yes | cosine |
//! | `ease` | [`Ease`]: EASE, the closed-form artist × artist autoencoder (dense, `n²` floats) | — | partial correlation |
//! | `rp3beta` | [`Rp3beta`]: popularity-penalised 3-step random walk, top-k sparse | — | its walk weights |
//! | `sparse-ease` | [`SparseEase`]: EASE's ridge regression of each artist on its `k` nearest artists (fsSLIM support), sparse | — | its weights |
//!
//! Every model follows the same shape:
//!
//! * a plain serde configuration (`AlsConfig`, …) whose defaults are the settings that won on the
//!   hetrec validation split (`docs/results.md`), with `with_*` setters; unknown JSON fields are
//!   refused;
//! * training through the core [`Fit`](artist2vec_core::Fit) trait implemented on the
//!   configuration: [`validate`](artist2vec_core::Fit::validate) runs first and a bad value fails
//!   at once with [`ModelError::InvalidParameter`]; progress goes to an
//!   [`Observer`](artist2vec_core::Observer), never to the terminal;
//! * [`Recommender`](artist2vec_core::Recommender) for training users *and* for new listeners
//!   given only their history ([`Query::History`](artist2vec_core::Query::History): ALS folds
//!   them in by solving their least-squares problem, the kNN models, EASE and RP3beta score from
//!   the history); artists without training plays are never recommended; the factor models
//!   (ALS, WMF, BPR, SVD) serve batches of queries (`recommend_batch`, `recommend_users`)
//!   through the blocked full-catalogue top-k of [`artist2vec_core::topk_full`], with exactly
//!   the lists of one query at a time;
//! * [`SimilarArtists`](artist2vec_core::SimilarArtists) and, for factor models,
//!   [`ArtistVectors`](artist2vec_core::ArtistVectors);
//! * `save` / `load` through the core [`modelfile`](artist2vec_core::modelfile) container (magic
//!   number, model kind, format version, the configuration as JSON, checksummed payload, written
//!   atomically); a truncated file or one of another version is refused with a clear error.
//!
//! Every model is a family of the core [`Registry`](artist2vec_core::Registry) ([`registry`]
//! lists this crate's): a program picks one by name, fits it from a JSON configuration, and
//! saves, loads and queries any of them as an [`AnyModel`] — what the `artist2vec` command line
//! does.
//!
//! Randomness comes from a seed in each configuration. ALS, SVD, the kNN models, EASE and RP3beta
//! give bit-identical results for a seed whatever the thread count; WMF and BPR train by lock-free
//! SGD on `threads` threads (shared vectors as relaxed atomics,
//! [`HogwildRows`](artist2vec_core::hogwild::HogwildRows)), so the seed alone fixes them with
//! `threads = 1`. The hot loops (ALS solves, SGD updates, scoring) run on
//! contiguous `f32` buffers with AVX2/FMA kernels chosen at run time and a portable fallback.
//!
//! # Quick start
//!
//! ```
//! use artist2vec_core::{Fit, Interactions, Query, Recommender, SimilarArtists, Vocabulary};
//! use artist2vec_models::{Als, AlsConfig, AnyModel};
//!
//! // Twelve listeners of six artists: three like rock (0, 1, 2), three like pop (3, 4, 5).
//! let artists = ["Metallica", "Slayer", "Megadeth", "Madonna", "Britney Spears", "Kylie Minogue"];
//! let mut items = Vocabulary::new();
//! for name in artists {
//!     let ix = items.insert(name);
//!     items.set_name(ix, name);
//! }
//! let users = Vocabulary::from_ids((0..12).map(|u| format!("user{u}")))?;
//! let (mut u_col, mut i_col, mut w_col) = (vec![], vec![], vec![]);
//! for u in 0..12u32 {
//!     let genre = if u < 6 { 0 } else { 3 };
//!     for i in genre..genre + 3 {
//!         if (u + i) % 4 != 0 {
//!             u_col.push(u);
//!             i_col.push(i);
//!             w_col.push(1.0 + (u * i % 7) as f32);
//!         }
//!     }
//! }
//! let plays = Interactions::from_columns(users, items, u_col, i_col, w_col, None)?;
//!
//! // Train ALS with a few changes to the defaults (validated before any work).
//! let als: Als = AlsConfig::new()
//!     .with_factors(4)
//!     .with_regularization(1.0)
//!     .with_iterations(10)
//!     .fit(&plays)?;
//!
//! // Artists similar to Metallica are the other rock bands.
//! let similar = als.similar(0, 2)?;
//! assert!(similar.iter().all(|n| n.item < 3));
//!
//! // A new listener who only played Madonna gets pop recommendations.
//! let recs = als.recommend(&Query::History(&[(3, 5.0)]), 2, true)?;
//! assert!(recs.iter().all(|n| (4..6).contains(&n.item)));
//!
//! // Any model can be picked by name, fitted from JSON, saved and loaded.
//! let dir = std::env::temp_dir().join(format!("a2v-models-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let registry = artist2vec_models::registry();
//! let data = artist2vec_core::TrainingData::new(&plays);
//! let model: AnyModel = registry.fit("item-knn", None, &data, &artist2vec_core::NoProgress)?;
//! model.save(&dir.join("knn.a2v"))?;
//! let back = registry.load(dir.join("knn.a2v"))?;
//! assert_eq!(back.similar_by_name("megadeth", 1)?, model.similar_by_name("Megadeth", 1)?);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod als;
mod base;
mod bpr;
mod common;
mod dense;
mod ease;
mod error;
mod factors;
mod item_knn;
mod kernels;
mod linalg;
mod persist;
mod popularity;
mod registry;
mod rng;
mod rp3beta;
pub mod sequence;
mod sparse_ease;
mod svd;
mod user_knn;
mod wmf;

pub use als::{Als, AlsConfig, AlsSolver, ConfidenceScale, Regularization};
pub use artist2vec_core::AnyModel;
pub use bpr::{Bpr, BprConfig, NegativeSampling};
pub use ease::{Ease, EaseConfig, EaseSolver};
pub use error::{MAX_FACTORS, MAX_MODEL_BYTES, MAX_NEIGHBOURS, ModelError, Result};
pub use item_knn::{ItemKnn, ItemKnnConfig};
pub use persist::model_kind_of;
pub use popularity::{Popularity, PopularityBy, PopularityConfig};
pub use registry::registry;
pub use rp3beta::{Rp3beta, Rp3betaConfig};
pub use sequence::{
    Markov, MarkovConfig, SessionCooc, SessionCoocConfig, SessionKnn, SessionKnnConfig,
    SessionModel,
};
pub use sparse_ease::{SparseEase, SparseEaseConfig, SparseEaseSupport};
pub use svd::{CoocTransform, Svd, SvdConfig};
pub use user_knn::{UserKnn, UserKnnConfig};
pub use wmf::{Wmf, WmfConfig};
