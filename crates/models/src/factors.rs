//! What the factor models (ALS, WMF, BPR) share: scoring by dot products of a user vector with
//! the artist factors, and the two factor tables of their model files.

use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::{CoreError, Embeddings, Query, check_query};

use crate::base::{DecodeError, TrainData, decode_table};
use crate::kernels::score_all;

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
            Query::User(u) => {
                let x = &self.users[*u as usize * self.dim..][..self.dim];
                score_all(x, self.items, scores);
            }
            Query::History(h) => score_all(&fold_in(h)?, self.items, scores),
        }
        data.mask_untrained(scores);
        Ok(())
    }

    /// Writes the user table, then the artist table.
    pub fn encode(self, e: &mut Encoder) {
        e.f32s(self.users);
        e.f32s(self.items);
    }
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
