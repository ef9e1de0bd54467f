//! The five evaluation protocols of the seed notebooks (`DESIGN.md`), each a function that scores
//! any model implementing the shared traits of `artist2vec-core` ([`Recommender`],
//! [`SimilarArtists`]) and returns **per-unit** scores ([`ProtocolScores`]: one [`Scores`] per
//! metric, over users, sequences or artists) for the statistical tests of `artist2vec-stats`;
//! and the **subsample–retrain driver** ([`subsample_retrain`]) the notebooks used to get several
//! independent estimates of each model's mean.
//!
//! | # | protocol | function | unit | metrics |
//! |---|---|---|---|---|
//! | 1 | global time split, graded relevance, users' vectors | [`time_split`] | user | precision@1, precision@10, map@20, ndcg@20 (gain = play count) |
//! | 2 | next artist in a session or playlist, repeats removed, nearest neighbour | [`next_artist`] | sequence | accuracy, hit_rate@k, mrr@k |
//! | 3 | hide one of each user's top-6 artists | [`hidden_artist`] | user | hit_rate@10 |
//! | 4 | cold-start artists, vectors from content only | [`cold_start`] | cold artist | map@k, precision@k, ndcg@k |
//! | 4b | cold-start artists ranked for their listeners from content only | [`cold_start_listeners`] | user | map@k |
//! | 5 | session next-item at every step | [`session_next_item`] | sequence | map@20, precision@20, hit_rate@20, accuracy |
//!
//! The splits themselves (global time split at the 60th/80th percentiles, hide one of the top
//! n, cold-start artists, …) are made by `artist2vec-data`'s `split` module; these functions take
//! their train/test tables in the dense index space of the model.
//!
//! ```
//! use artist2vec_core::{CoreError, Interactions, Query, Recommender, Vocabulary};
//! use artist2vec_metrics::protocols::{hidden_artist, subsample_retrain, SubsampleConfig};
//!
//! /// Recommends artists by global popularity (a fixed score per artist).
//! struct Pop { pop: Vec<f32>, seen: Vec<Vec<u32>> }
//! impl Recommender for Pop {
//!     fn n_items(&self) -> usize { self.pop.len() }
//!     fn n_users(&self) -> usize { self.seen.len() }
//!     fn score_into(&self, _: &Query<'_>, s: &mut [f32]) -> Result<(), CoreError> {
//!         s.copy_from_slice(&self.pop);
//!         Ok(())
//!     }
//!     fn seen(&self, u: u32) -> Result<&[u32], CoreError> { Ok(&self.seen[u as usize]) }
//! }
//!
//! let vocab = |n: usize| Vocabulary::from_ids((0..n).map(|i| i.to_string())).unwrap();
//! // Two users; each had one of their artists hidden: user 0 artist 3, user 1 artist 0.
//! let mut test = Interactions::new(vocab(2), vocab(4), false);
//! test.push(0, 3, 1.0, None);
//! test.push(1, 0, 1.0, None);
//! let model = Pop { pop: vec![0.1, 0.2, 0.3, 0.4], seen: vec![vec![1], vec![3, 2]] };
//! let s = hidden_artist(&model, &test, 1)?;
//! // User 0 gets artist 3 first (a hit); user 1 gets artist 1 (artists 3 and 2 are seen).
//! assert_eq!(s.get("hit_rate@1").unwrap().values, vec![1.0, 0.0]);
//!
//! // The driver: 3 seeded half-size subsamples of the users, one mean per run and model.
//! let runs = subsample_retrain(&[0, 1], &SubsampleConfig::new(3, 0.5).with_seed(7), &["pop"],
//!     |_model, _run, users| {
//!         let mut t = test.clone();
//!         t.retain(|r| users.binary_search(&r.user).is_ok());
//!         hidden_artist(&model, &t, 1)
//!     })?;
//! assert_eq!(runs.means("pop", "hit_rate@1").unwrap().len(), 3);
//! # Ok::<(), artist2vec_metrics::MetricsError>(())
//! ```
//!
//! One protocol a file: `holdout` (protocols 1 and 3), `next_artist` (2), `cold_start` (4),
//! `session_next_item` (5) and `subsample` (the driver); `scores` holds [`ProtocolScores`] and
//! `sequences` the preparation of sequences shared by protocols 2 and 5.
//!
//! [`Recommender`]: artist2vec_core::Recommender
//! [`SimilarArtists`]: artist2vec_core::SimilarArtists
//! [`Scores`]: crate::Scores

mod cold_start;
mod cold_start_listeners;
mod holdout;
mod next_artist;
mod scores;
mod sequences;
mod session_next_item;
mod subsample;
#[cfg(test)]
mod tests;

pub use cold_start::cold_start;
pub use cold_start_listeners::cold_start_listeners;
pub use holdout::{HoldoutConfig, hidden_artist, holdout, time_split};
pub use next_artist::{NextArtistConfig, next_artist};
pub use scores::ProtocolScores;
pub use sequences::distinct_in_order;
pub use session_next_item::{
    SessionNextItemConfig, session_next_item, session_next_item_at, session_next_item_in_context,
};
pub use subsample::{SubsampleConfig, SubsampleRuns, subsample_retrain};
