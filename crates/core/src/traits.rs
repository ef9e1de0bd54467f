use rayon::prelude::*;

use crate::topk::{Neighbor, top_k};
use crate::{CoreError, Embeddings, NoProgress, Observer};

/// Trains a model from data of type `D`. Implemented by a model's *configuration*, so that
/// `AlsConfig::default().fit(&train)?` reads as what it does (linfa's `Fit` on parameters).
///
/// Implementations validate the configuration before any work ([`Fit::validate`]) and report
/// progress through the observer, never by printing.
pub trait Fit<D: ?Sized> {
    /// The trained model.
    type Model;
    /// The error type (a crate's own error enum).
    type Error: std::error::Error + From<CoreError>;

    /// Checks every value of the configuration; called first by `fit`.
    ///
    /// # Errors
    /// A typed error naming the first bad value.
    fn validate(&self) -> Result<(), Self::Error>;

    /// Trains on `data`, reporting progress to `observer`.
    ///
    /// # Errors
    /// A bad configuration, or data the model cannot train on (e.g. empty).
    fn fit_observed(&self, data: &D, observer: &dyn Observer) -> Result<Self::Model, Self::Error>;

    /// Trains on `data` without progress reports.
    ///
    /// # Errors
    /// As [`fit_observed`](Fit::fit_observed).
    fn fit(&self, data: &D) -> Result<Self::Model, Self::Error> {
        self.fit_observed(data, &NoProgress)
    }
}

/// Whom to recommend for.
#[derive(Debug, Clone, Copy)]
pub enum Query<'a> {
    /// A user seen at training time, by dense index.
    User(u32),
    /// A new listener given only what they played: (dense artist index, weight) pairs.
    History(&'a [(u32, f32)]),
}

/// Anything that can score all artists for a listener and return the best ones.
///
/// Implementors provide [`score_into`](Recommender::score_into) and [`seen`](Recommender::seen);
/// the top-k selection, exclusion of seen artists and batching are shared.
pub trait Recommender: Send + Sync {
    /// Number of artists scored.
    fn n_items(&self) -> usize;

    /// Number of users known from training.
    fn n_users(&self) -> usize;

    /// Writes a score for every artist into `scores` (length [`n_items`](Recommender::n_items)).
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown user or artist in the query.
    fn score_into(&self, query: &Query<'_>, scores: &mut [f32]) -> Result<(), CoreError>;

    /// The artists a training user interacted with, sorted ascending.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown user.
    fn seen(&self, user: u32) -> Result<&[u32], CoreError>;

    /// The `k` best artists for `query`, best first; with `exclude_seen`, artists the user (or the
    /// history) already has are left out.
    ///
    /// # Errors
    /// As [`score_into`](Recommender::score_into).
    fn recommend(
        &self,
        query: &Query<'_>,
        k: usize,
        exclude_seen: bool,
    ) -> Result<Vec<Neighbor>, CoreError> {
        recommend_with(
            self,
            query,
            k,
            exclude_seen,
            &mut vec![0f32; self.n_items()],
        )
    }

    /// [`recommend`](Recommender::recommend) for many queries — training users and new
    /// listeners alike — with the same lists, in the order given. The default scores one query
    /// at a time in parallel; models whose scores are dot products (the factor models,
    /// skip-gram) override it with the blocked full-catalogue top-k of
    /// [`topk_full`](crate::topk_full), which reads the artist vectors once per block of users.
    ///
    /// # Errors
    /// The first error of any query.
    fn recommend_batch(
        &self,
        queries: &[Query<'_>],
        k: usize,
        exclude_seen: bool,
    ) -> Result<Vec<Vec<Neighbor>>, CoreError> {
        recommend_each(self, queries, k, exclude_seen)
    }

    /// [`recommend`](Recommender::recommend) for many training users, through
    /// [`recommend_batch`](Recommender::recommend_batch).
    ///
    /// # Errors
    /// The first error of any user.
    fn recommend_users(
        &self,
        users: &[u32],
        k: usize,
        exclude_seen: bool,
    ) -> Result<Vec<Vec<Neighbor>>, CoreError> {
        let queries: Vec<Query<'_>> = users.iter().map(|&u| Query::User(u)).collect();
        self.recommend_batch(&queries, k, exclude_seen)
    }
}

/// What [`Recommender::recommend`] does, with a caller's score buffer (length `n_items`).
fn recommend_with<R: Recommender + ?Sized>(
    model: &R,
    query: &Query<'_>,
    k: usize,
    exclude_seen: bool,
    scores: &mut [f32],
) -> Result<Vec<Neighbor>, CoreError> {
    check_query(query, model.n_users(), model.n_items())?;
    model.score_into(query, scores)?;
    let owned;
    let exclude: &[u32] = match (exclude_seen, query) {
        (false, _) => &[],
        (true, Query::User(u)) => model.seen(*u)?,
        (true, Query::History(h)) => {
            owned = history_items(h);
            &owned
        }
    };
    Ok(top_k(scores, k, exclude))
}

/// The artists of a history, sorted ascending and distinct: what `exclude_seen` leaves out for
/// a new listener.
pub fn history_items(history: &[(u32, f32)]) -> Vec<u32> {
    let mut v: Vec<u32> = history.iter().map(|p| p.0).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The default [`Recommender::recommend_batch`]: [`Recommender::recommend`] for each query, in
/// parallel, with one score buffer per worker. Models that override `recommend_batch` call it for
/// the queries their fast path does not cover.
///
/// # Errors
/// The first error of any query.
pub fn recommend_each<R: Recommender + ?Sized>(
    model: &R,
    queries: &[Query<'_>],
    k: usize,
    exclude_seen: bool,
) -> Result<Vec<Vec<Neighbor>>, CoreError> {
    queries
        .par_iter()
        .map_init(
            || vec![0f32; model.n_items()],
            |scores, q| recommend_with(model, q, k, exclude_seen, scores),
        )
        .collect()
}

/// Refuses a listener history with a negative or non-finite weight (weights are play counts
/// `>= 0`): the one check of history weights, used by [`check_query`] and every model.
///
/// # Errors
/// [`CoreError::Invalid`] naming the first bad weight and its artist.
pub fn check_history_weights(h: &[(u32, f32)]) -> Result<(), CoreError> {
    match h.iter().find(|p| !(p.1 >= 0.0 && p.1.is_finite())) {
        Some(p) => Err(CoreError::Invalid(format!(
            "history weight {} for artist {} (weights are play counts >= 0)",
            p.1, p.0
        ))),
        None => Ok(()),
    }
}

/// Checks that a query's user and artists are within range, and its history weights finite
/// and `>= 0` ([`check_history_weights`]).
///
/// # Errors
/// [`CoreError::IndexOutOfRange`] naming the first bad index; [`CoreError::Invalid`] for a
/// bad history weight.
pub fn check_query(query: &Query<'_>, n_users: usize, n_items: usize) -> Result<(), CoreError> {
    match query {
        Query::User(u) if *u as usize >= n_users => Err(CoreError::IndexOutOfRange {
            kind: "user",
            index: *u as usize,
            len: n_users,
        }),
        Query::History(h) => match h.iter().find(|p| p.0 as usize >= n_items) {
            Some(p) => Err(CoreError::IndexOutOfRange {
                kind: "artist",
                index: p.0 as usize,
                len: n_items,
            }),
            None => check_history_weights(h),
        },
        _ => Ok(()),
    }
}

/// Models that learn a vector per artist.
pub trait ArtistVectors {
    /// The artist vectors with their vocabulary.
    fn artist_vectors(&self) -> &Embeddings;
}

/// Models that can list the artists most similar to a given one.
pub trait SimilarArtists {
    /// The `k` artists most similar to `artist` (dense index), best first, `artist` excluded.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown artist.
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<Neighbor>, CoreError>;

    /// [`similar`](SimilarArtists::similar) for many artists, in the order given. The default
    /// asks one artist at a time in parallel; models backed by a vector table override it with
    /// a blocked scan ([`Embeddings::similar_batch`]) that reads the table once per block of
    /// queries. Evaluations that need the neighbours of thousands of artists call this.
    ///
    /// # Errors
    /// The first error of any artist.
    fn similar_batch(&self, artists: &[u32], k: usize) -> Result<Vec<Vec<Neighbor>>, CoreError>
    where
        Self: Sync,
    {
        artists.par_iter().map(|&a| self.similar(a, k)).collect()
    }
}

impl SimilarArtists for Embeddings {
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<Neighbor>, CoreError> {
        Embeddings::similar(self, artist, k, crate::Similarity::Cosine)
    }

    fn similar_batch(&self, artists: &[u32], k: usize) -> Result<Vec<Vec<Neighbor>>, CoreError> {
        Embeddings::similar_batch(self, artists, k, crate::Similarity::Cosine)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A recommender whose score is the artist index times the user's "taste".
    struct Linear {
        seen: Vec<Vec<u32>>,
    }

    impl Recommender for Linear {
        fn n_items(&self) -> usize {
            6
        }
        fn n_users(&self) -> usize {
            self.seen.len()
        }
        fn score_into(&self, q: &Query<'_>, s: &mut [f32]) -> Result<(), CoreError> {
            let sign = match q {
                Query::User(u) => {
                    if *u == 0 {
                        1.0
                    } else {
                        -1.0
                    }
                }
                Query::History(_) => 1.0,
            };
            for (i, v) in s.iter_mut().enumerate() {
                *v = sign * i as f32;
            }
            Ok(())
        }
        fn seen(&self, user: u32) -> Result<&[u32], CoreError> {
            self.seen
                .get(user as usize)
                .map(|v| v.as_slice())
                .ok_or(CoreError::IndexOutOfRange {
                    kind: "user",
                    index: user as usize,
                    len: self.seen.len(),
                })
        }
    }

    #[test]
    fn recommend_excludes_seen_and_checks_range() {
        let m = Linear {
            seen: vec![vec![5], vec![0, 1]],
        };
        let r = m.recommend(&Query::User(0), 2, true).unwrap();
        assert_eq!(r.iter().map(|n| n.item).collect::<Vec<_>>(), vec![4, 3]);
        let r = m.recommend(&Query::User(0), 2, false).unwrap();
        assert_eq!(r[0].item, 5);
        let r = m
            .recommend(&Query::History(&[(4, 1.0), (5, 2.0)]), 1, true)
            .unwrap();
        assert_eq!(r[0].item, 3);
        assert!(m.recommend(&Query::User(7), 1, true).is_err());
        assert!(m.recommend(&Query::History(&[(6, 1.0)]), 1, true).is_err());
        let batch = m
            .recommend_batch(
                &[Query::History(&[(4, 1.0), (5, 2.0)]), Query::User(1)],
                2,
                true,
            )
            .unwrap();
        assert_eq!(
            batch[0],
            m.recommend(&Query::History(&[(4, 1.0), (5, 2.0)]), 2, true)
                .unwrap()
        );
        assert_eq!(batch[1], m.recommend(&Query::User(1), 2, true).unwrap());
        assert!(m.recommend_batch(&[Query::User(9)], 1, true).is_err());
        let all = m.recommend_users(&[0, 1], 1, true).unwrap();
        assert_eq!(
            all,
            vec![
                vec![Neighbor {
                    item: 4,
                    score: 4.0
                }],
                vec![Neighbor {
                    item: 2,
                    score: -2.0
                }]
            ]
        );
    }
}
