//! Full-catalogue top-k by dot product: score every item for every user, drop each user's seen
//! items, keep the best `k`.
//!
//! A checked front end to the blocked kernel of
//! [`artist2vec_core::topk_full`] — the one implementation the models' serving path uses too:
//! the scores are never stored (a register tile of users × items goes straight into small
//! per-user heaps), users are processed in blocks in parallel with rayon, items in L2-sized
//! blocks of 16-item panels.
//!
//! # Determinism
//!
//! Each score is the dot product in the core module's fixed 8-lane summation order, whatever
//! the block sizes or the number of threads, and ties are broken by lower item id, so a given
//! machine always returns the same lists. On x86-64 CPUs with AVX2 and FMA the products are
//! fused (one rounding per step), elsewhere they are not; scores can therefore differ in the
//! last bit between such machines, and so can the order of items whose scores differ by one ulp.

use artist2vec_core::CoreError;
pub use artist2vec_core::Neighbor;
use artist2vec_core::topk_full::{NanScores, PackedItems, top_k_dot};
pub use artist2vec_core::topk_full::{TopKConfig, TopKLists};
use rayon::prelude::*;

use crate::error::{MetricsError, Result};

/// Checks the settings of [`full_catalogue_top_k`].
fn check_config(config: &TopKConfig) -> Result<()> {
    if config.k == 0 {
        return Err(MetricsError::InvalidK(0));
    }
    for (name, v) in [
        ("user_block", config.user_block),
        ("item_block", config.item_block),
    ] {
        if v == 0 {
            return Err(MetricsError::InvalidConfig {
                name,
                value: "0".into(),
                reason: "a block holds at least one row",
            });
        }
    }
    Ok(())
}

/// Each user's seen items in compressed sparse row form: the items of user `u` are
/// `items[offsets[u]..offsets[u + 1]]`, sorted ascending.
///
/// ```
/// use artist2vec_metrics::SeenItems;
/// let seen = SeenItems::new(&[0, 2, 2, 3], &[1, 4, 0])?;
/// assert_eq!(seen.of(0), &[1, 4]);
/// assert!(seen.of(1).is_empty());
/// # Ok::<(), artist2vec_metrics::MetricsError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SeenItems<'a> {
    offsets: &'a [usize],
    items: &'a [u32],
}

impl<'a> SeenItems<'a> {
    /// Wraps CSR arrays after checking them.
    ///
    /// # Errors
    ///
    /// [`MetricsError::InvalidSeen`] if `offsets` is empty, does not start at 0, decreases, does
    /// not end at `items.len()`, or a user's items are not sorted ascending.
    pub fn new(offsets: &'a [usize], items: &'a [u32]) -> Result<Self> {
        let bad = |m: String| Err(MetricsError::InvalidSeen(m));
        if offsets.first() != Some(&0) {
            return bad("offsets must start with 0".into());
        }
        if let Some(u) = offsets.windows(2).position(|w| w[0] > w[1]) {
            return bad(format!("offsets decrease at user {u}"));
        }
        if offsets[offsets.len() - 1] != items.len() {
            return bad(format!(
                "offsets end at {} but there are {} items",
                offsets[offsets.len() - 1],
                items.len()
            ));
        }
        let seen = SeenItems { offsets, items };
        for u in 0..seen.num_users() {
            if !seen.of(u).is_sorted() {
                return bad(format!("items of user {u} are not sorted ascending"));
            }
        }
        Ok(seen)
    }

    /// The number of users.
    pub fn num_users(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The seen items of `user`, ascending.
    ///
    /// # Panics
    ///
    /// If `user >= self.num_users()`.
    pub fn of(&self, user: usize) -> &'a [u32] {
        &self.items[self.offsets[user]..self.offsets[user + 1]]
    }
}

/// Scores every item for every user by dot product and keeps each user's `k` best unseen items.
///
/// `users` is a row-major `n_users × dim` matrix, `items` a row-major `n_items × dim` matrix.
/// `seen`, when given, lists for every user the items to exclude. Results are best first; equal
/// scores put the lower item id first.
///
/// # Errors
///
/// * [`MetricsError::InvalidK`] / [`MetricsError::InvalidConfig`] for a bad `config` or
///   `dim == 0`;
/// * [`MetricsError::Shape`] if a matrix length is not a multiple of `dim`, the item count does
///   not fit in `u32`, or `seen` has a different number of users;
/// * [`MetricsError::InvalidSeen`] if a seen item is not a row of `items`;
/// * [`MetricsError::NonFinite`] if a vector holds NaN or ±∞, or a dot product of finite vectors
///   overflows to NaN (∞ − ∞). A NaN is never ranked.
///
/// ```
/// use artist2vec_metrics::{full_catalogue_top_k, SeenItems, TopKConfig};
/// let users = [1.0, 0.0, /* user 1: */ 0.0, 1.0];
/// let items = [0.9, 0.1, 0.2, 0.8, 0.5, 0.5];
/// let seen = SeenItems::new(&[0, 1, 1], &[0])?; // user 0 has seen item 0
/// let top = full_catalogue_top_k(&users, &items, 2, Some(&seen), &TopKConfig::new(2))?;
/// assert_eq!(top.items(0), vec![2, 1]);
/// assert_eq!(top.items(1), vec![1, 2]);
/// # Ok::<(), artist2vec_metrics::MetricsError>(())
/// ```
pub fn full_catalogue_top_k(
    users: &[f32],
    items: &[f32],
    dim: usize,
    seen: Option<&SeenItems<'_>>,
    config: &TopKConfig,
) -> Result<TopKLists> {
    check_config(config)?;
    if dim == 0 {
        return Err(MetricsError::InvalidConfig {
            name: "dim",
            value: "0".into(),
            reason: "vectors need at least one dimension",
        });
    }
    for (what, m) in [("user", users), ("item", items)] {
        if m.len() % dim != 0 {
            return Err(MetricsError::Shape(format!(
                "{what} matrix has {} values, not a multiple of dim {dim}",
                m.len()
            )));
        }
    }
    let n_users = users.len() / dim;
    let n_items = items.len() / dim;
    if let Some(s) = seen {
        if s.num_users() != n_users {
            return Err(MetricsError::Shape(format!(
                "seen items cover {} users, the user matrix has {n_users}",
                s.num_users()
            )));
        }
        if let Some(&i) = s.items.iter().find(|&&i| i as usize >= n_items) {
            return Err(MetricsError::InvalidSeen(format!(
                "item {i} is not a row of the {n_items}-item matrix"
            )));
        }
    }
    check_finite("user vectors", users, dim)?;
    check_finite("item vectors", items, dim)?;

    let packed = PackedItems::new(items, dim).map_err(|e| MetricsError::Shape(e.to_string()))?;
    let lists = top_k_dot(
        &packed,
        n_users,
        |u, out| {
            out.copy_from_slice(&users[u * dim..(u + 1) * dim]);
            Ok(())
        },
        |u| seen.map_or(&[][..], |s| s.of(u)),
        config,
        NanScores::Error,
    );
    lists.map_err(|e| match e {
        CoreError::Invalid(detail) => MetricsError::NonFinite {
            what: "scores",
            detail,
        },
        e => MetricsError::Shape(e.to_string()),
    })
}

fn check_finite(what: &'static str, m: &[f32], dim: usize) -> Result<()> {
    let bad = m
        .par_chunks(dim * 1024)
        .enumerate()
        .find_first(|(_, c)| !c.iter().fold(true, |ok, x| ok & x.is_finite()));
    if let Some((chunk, c)) = bad {
        let pos = c.iter().position(|x| !x.is_finite()).expect("found above");
        let row = chunk * 1024 + pos / dim;
        return Err(MetricsError::NonFinite {
            what,
            detail: format!("row {row}, column {} is {}", pos % dim, c[pos]),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_items_are_validated() {
        assert!(SeenItems::new(&[], &[]).is_err());
        assert!(SeenItems::new(&[1, 1], &[0]).is_err());
        assert!(SeenItems::new(&[0, 2], &[0]).is_err());
        assert!(SeenItems::new(&[0, 2, 1], &[0, 1]).is_err());
        assert!(SeenItems::new(&[0, 2], &[3, 1]).is_err());
        assert_eq!(SeenItems::new(&[0], &[]).unwrap().num_users(), 0);
    }
}
