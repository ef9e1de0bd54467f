//! What the factor models (ALS, WMF, BPR, and SVD's scoring) share: scoring by dot products of
//! a user vector with the artist factors — one user at a time, or a batch through the blocked
//! full-catalogue top-k with the same results — and the two factor tables of their model files.

use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::topk_full::{NanScores, PackedItems, TopKConfig, dot_scores, top_k_dot};
use artist2vec_core::{CoreError, Embeddings, Neighbor, Query, check_query, history_items};

use crate::base::{DecodeError, TrainData, decode_table};

/// Row-major user and artist factor tables, `dim` columns each.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tables<'a> {
    /// `n_users × dim`.
    pub users: &'a [f32],
    /// `n_items × dim`.
    pub items: &'a [f32],
    /// Columns of both tables.
    pub dim: usize,
}

impl Tables<'_> {
    /// Scores every artist for `query`: the dot product of the artist's factors with the
    /// training user's own row, or with the vector `fold_in` computes for a listener's history.
    /// Artists without training plays get NaN (never recommended).
    ///
    /// # Errors
    /// What [`check_query`] and `fold_in` return.
    pub fn score_into(
        self,
        data: &TrainData,
        query: &Query<'_>,
        fold_in: impl FnOnce(&[(u32, f32)]) -> Result<Vec<f32>, CoreError>,
        scores: &mut [f32],
    ) -> Result<(), CoreError> {
        check_query(query, data.n_users(), data.n_items())?;
        match query {
            Query::User(u) => dot_scores(self.user(*u), self.items, scores),
            Query::History(h) => dot_scores(&fold_in(h)?, self.items, scores),
        }
        data.mask_untrained(scores);
        Ok(())
    }

    /// Training user `u`'s row (unchecked index).
    fn user(&self, u: u32) -> &[f32] {
        &self.users[u as usize * self.dim..][..self.dim]
    }

    /// [`Recommender::recommend_batch`](artist2vec_core::Recommender::recommend_batch) through
    /// the blocked top-k: the lists [`score_into`](Self::score_into) and `top_k` give, query by
    /// query.
    ///
    /// # Errors
    /// What [`check_query`] and `fold_in` return.
    pub fn recommend_batch(
        self,
        data: &TrainData,
        queries: &[Query<'_>],
        k: usize,
        exclude_seen: bool,
        fold_in: impl Fn(&[(u32, f32)]) -> Result<Vec<f32>, CoreError> + Sync,
    ) -> Result<Vec<Vec<Neighbor>>, CoreError> {
        let vector = |q: &Query<'_>, out: &mut [f32]| {
            match q {
                Query::User(u) => out.copy_from_slice(self.user(*u)),
                Query::History(h) => out.copy_from_slice(&fold_in(h)?),
            }
            Ok(())
        };
        recommend_batch(data, self.items, self.dim, queries, k, exclude_seen, vector)
    }

    /// Writes the user table, then the artist table.
    pub fn encode(self, e: &mut Encoder) {
        e.f32s(self.users);
        e.f32s(self.items);
    }
}

/// The `k` best artists for every query by dot product of the query's vector — written into its
/// buffer by `vector` — with the rows of the row-major artist table `items` (`dim` wide), best
/// first, artists without training plays never recommended and, with `exclude_seen`, the
/// user's (or history's) artists left out: bit for bit the lists of scoring each query with
/// [`dot_scores`] and selecting with `top_k`, computed by the blocked full-catalogue top-k in
/// parallel blocks of queries.
///
/// # Errors
/// [`CoreError::IndexOutOfRange`] for a bad query; the first error of `vector`.
pub(crate) fn recommend_batch(
    data: &TrainData,
    items: &[f32],
    dim: usize,
    queries: &[Query<'_>],
    k: usize,
    exclude_seen: bool,
    vector: impl Fn(&Query<'_>, &mut [f32]) -> Result<(), CoreError> + Sync,
) -> Result<Vec<Vec<Neighbor>>, CoreError> {
    for q in queries {
        check_query(q, data.n_users(), data.n_items())?;
    }
    let histories: Vec<Vec<u32>> = queries
        .iter()
        .map(|q| match q {
            Query::History(h) if exclude_seen => history_items(h),
            _ => Vec::new(),
        })
        .collect();
    let seen = |i: usize| -> &[u32] {
        match queries[i] {
            _ if !exclude_seen => &[],
            Query::User(u) => data.row(u as usize).0,
            Query::History(_) => &histories[i],
        }
    };
    let packed = PackedItems::new(items, dim)?.with_masked(&data.untrained, f32::NAN)?;
    let lists = top_k_dot(
        &packed,
        queries.len(),
        |i, out| vector(&queries[i], out),
        seen,
        &TopKConfig::new(k),
        NanScores::Skip,
    )?;
    Ok(lists.into_vecs())
}

/// Reads the user and artist tables written by [`Tables::encode`], checking their sizes.
pub(crate) fn decode_tables(
    d: &mut Decoder<'_>,
    data: &TrainData,
    dim: usize,
) -> Result<(Vec<f32>, Vec<f32>), DecodeError> {
    let users = decode_table(d, data.n_users(), dim, "user factors")?;
    let items = decode_table(d, data.n_items(), dim, "artist factors")?;
    Ok((users, items))
}

/// The user vectors and artist vectors of a factor model whose scores are plain dot products
/// (ALS, WMF).
#[derive(Debug, Clone)]
pub(crate) struct Factors {
    /// Row-major `n_users × dim` (zero for users without training plays).
    pub users: Vec<f32>,
    /// The artist vectors, `dim` wide.
    pub items: Embeddings,
}

impl Factors {
    /// Wraps the row-major tables of a model trained on `data`.
    ///
    /// # Errors
    /// [`CoreError::Shape`] for tables of the wrong size, [`CoreError::Invalid`] for a
    /// non-finite artist factor.
    pub fn new(
        data: &TrainData,
        dim: usize,
        users: Vec<f32>,
        items: Vec<f32>,
    ) -> Result<Self, CoreError> {
        let items = Embeddings::new(data.items.clone(), dim, items)?;
        Ok(Self { users, items })
    }

    /// Both tables, for scoring and saving.
    pub fn tables(&self) -> Tables<'_> {
        Tables {
            users: &self.users,
            items: self.items.as_slice(),
            dim: self.items.dim(),
        }
    }

    /// Reads the tables written by [`Tables::encode`].
    pub fn decode(d: &mut Decoder<'_>, data: &TrainData, dim: usize) -> Result<Self, DecodeError> {
        let (users, items) = decode_tables(d, data, dim)?;
        Ok(Self::new(data, dim, users, items)?)
    }
}
