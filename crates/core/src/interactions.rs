use serde::{Deserialize, Serialize};

use crate::{CoreError, Vocabulary};

/// One (user, artist, weight[, time]) row, with dense indices.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    /// Dense user index.
    pub user: u32,
    /// Dense artist index.
    pub item: u32,
    /// Weight, usually a play count.
    pub weight: f32,
    /// Seconds since the Unix epoch, when known.
    pub time: Option<i64>,
}

/// A column-oriented table of user–artist interactions with the two vocabularies that give the
/// dense indices their meaning.
///
/// Columns are kept separately (struct of arrays) so that 31 million rows take 12 bytes each
/// (20 with timestamps).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Interactions {
    /// Users (dense index ⇄ external id).
    pub users: Vocabulary,
    /// Artists (dense index ⇄ external id, with names).
    pub items: Vocabulary,
    user_col: Vec<u32>,
    item_col: Vec<u32>,
    weight_col: Vec<f32>,
    time_col: Option<Vec<i64>>,
}

impl Interactions {
    /// An empty table over the given vocabularies, with or without a time column.
    pub fn new(users: Vocabulary, items: Vocabulary, with_time: bool) -> Self {
        Self {
            users,
            items,
            user_col: Vec::new(),
            item_col: Vec::new(),
            weight_col: Vec::new(),
            time_col: with_time.then(Vec::new),
        }
    }

    /// A table from columns.
    ///
    /// # Errors
    /// [`CoreError::Shape`] when column lengths differ; [`CoreError::IndexOutOfRange`] when an
    /// index exceeds its vocabulary; [`CoreError::Invalid`] for a weight that is not a play
    /// count (NaN, ±inf or negative), naming the row.
    pub fn from_columns(
        users: Vocabulary,
        items: Vocabulary,
        user_col: Vec<u32>,
        item_col: Vec<u32>,
        weight_col: Vec<f32>,
        time_col: Option<Vec<i64>>,
    ) -> Result<Self, CoreError> {
        let n = user_col.len();
        if item_col.len() != n
            || weight_col.len() != n
            || time_col.as_ref().is_some_and(|t| t.len() != n)
        {
            return Err(CoreError::Shape(format!(
                "interaction columns have lengths user {}, item {}, weight {}, time {:?}",
                n,
                item_col.len(),
                weight_col.len(),
                time_col.as_ref().map(Vec::len)
            )));
        }
        check_range(&user_col, users.len(), "user")?;
        check_range(&item_col, items.len(), "artist")?;
        if let Some((row, &w)) = weight_col
            .iter()
            .enumerate()
            .find(|(_, w)| !valid_weight(**w))
        {
            return Err(bad_weight(w, Some(row)));
        }
        Ok(Self {
            users,
            items,
            user_col,
            item_col,
            weight_col,
            time_col,
        })
    }

    /// Appends a row after checking it: both indices within their vocabularies and the weight
    /// a play count (finite and `>= 0`). `time` is ignored when the table has no time column.
    /// Readers of outside data use this; [`push`](Self::push) is for rows already checked.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an index outside its vocabulary;
    /// [`CoreError::Invalid`] for a NaN, infinite or negative weight. Nothing is appended then.
    pub fn try_push(
        &mut self,
        user: u32,
        item: u32,
        weight: f32,
        time: Option<i64>,
    ) -> Result<(), CoreError> {
        check_range(&[user], self.users.len(), "user")?;
        check_range(&[item], self.items.len(), "artist")?;
        if !valid_weight(weight) {
            return Err(bad_weight(weight, None));
        }
        self.push(user, item, weight, time);
        Ok(())
    }

    /// Appends a row that the caller has checked (see [`try_push`](Self::try_push) for rows
    /// from outside). `time` is ignored when the table has no time column.
    ///
    /// # Panics
    /// In debug builds, when an index exceeds its vocabulary or the weight is not finite and
    /// `>= 0`.
    pub fn push(&mut self, user: u32, item: u32, weight: f32, time: Option<i64>) {
        debug_assert!((user as usize) < self.users.len() && (item as usize) < self.items.len());
        debug_assert!(valid_weight(weight), "weight {weight}");
        self.user_col.push(user);
        self.item_col.push(item);
        self.weight_col.push(weight);
        if let Some(t) = &mut self.time_col {
            t.push(time.unwrap_or(i64::MIN));
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.user_col.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.user_col.is_empty()
    }

    /// Number of users in the vocabulary.
    pub fn n_users(&self) -> usize {
        self.users.len()
    }

    /// Number of artists in the vocabulary.
    pub fn n_items(&self) -> usize {
        self.items.len()
    }

    /// The user column.
    pub fn user_col(&self) -> &[u32] {
        &self.user_col
    }

    /// The artist column.
    pub fn item_col(&self) -> &[u32] {
        &self.item_col
    }

    /// The weight column.
    pub fn weight_col(&self) -> &[f32] {
        &self.weight_col
    }

    /// The time column, when present.
    pub fn time_col(&self) -> Option<&[i64]> {
        self.time_col.as_deref()
    }

    /// Row `i`.
    ///
    /// # Panics
    /// When `i >= len()`.
    pub fn get(&self, i: usize) -> Interaction {
        Interaction {
            user: self.user_col[i],
            item: self.item_col[i],
            weight: self.weight_col[i],
            time: self.time_col.as_ref().map(|t| t[i]),
        }
    }

    /// Iterates over rows.
    pub fn iter(&self) -> impl Iterator<Item = Interaction> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// Sum of weights per (user, artist) pair, sorted by (user, artist); times are dropped.
    /// This is the usual input of collaborative-filtering models.
    pub fn aggregate(&self) -> Interactions {
        // Counting sort by user (O(rows + users)), then a small sort of each user's artists.
        let nu = self.n_users();
        let mut ptr = vec![0usize; nu + 1];
        for &u in &self.user_col {
            ptr[u as usize + 1] += 1;
        }
        for u in 0..nu {
            ptr[u + 1] += ptr[u];
        }
        let mut next = ptr.clone();
        let mut pairs = vec![(0u32, 0f32); self.len()];
        for ((&u, &i), &w) in self
            .user_col
            .iter()
            .zip(&self.item_col)
            .zip(&self.weight_col)
        {
            pairs[next[u as usize]] = (i, w);
            next[u as usize] += 1;
        }
        let mut out = Interactions::new(self.users.clone(), self.items.clone(), false);
        for u in 0..nu {
            let row = &mut pairs[ptr[u]..ptr[u + 1]];
            row.sort_by_key(|p| p.0);
            for &(i, w) in row.iter() {
                let n = out.len();
                if n > 0 && out.user_col[n - 1] == u as u32 && out.item_col[n - 1] == i {
                    // Saturating: two finite play counts never sum to infinity.
                    out.weight_col[n - 1] = (out.weight_col[n - 1] + w).min(f32::MAX);
                } else {
                    out.push(u as u32, i, w, None);
                }
            }
        }
        out
    }

    /// Keeps the rows for which `keep(row)` is true (vocabularies unchanged).
    pub fn retain(&mut self, mut keep: impl FnMut(&Interaction) -> bool) {
        let mut w = 0;
        for i in 0..self.len() {
            let r = self.get(i);
            if keep(&r) {
                self.user_col[w] = r.user;
                self.item_col[w] = r.item;
                self.weight_col[w] = r.weight;
                if let Some(t) = &mut self.time_col {
                    t[w] = t[i];
                }
                w += 1;
            }
        }
        self.user_col.truncate(w);
        self.item_col.truncate(w);
        self.weight_col.truncate(w);
        if let Some(t) = &mut self.time_col {
            t.truncate(w);
        }
    }

    /// The per-user item lists (sorted, deduplicated), indexed by dense user index.
    pub fn items_by_user(&self) -> Vec<Vec<u32>> {
        let mut out = vec![Vec::new(); self.n_users()];
        for (&u, &i) in self.user_col.iter().zip(&self.item_col) {
            out[u as usize].push(i);
        }
        for v in &mut out {
            v.sort_unstable();
            v.dedup();
        }
        out
    }

    /// Total plays (sum of weights) per artist.
    pub fn item_weights(&self) -> Vec<f64> {
        let mut out = vec![0.0; self.n_items()];
        for (&i, &w) in self.item_col.iter().zip(&self.weight_col) {
            out[i as usize] += w as f64;
        }
        out
    }
}

/// Whether `w` is a play count: finite and `>= 0` (NaN fails both).
fn valid_weight(w: f32) -> bool {
    w.is_finite() && w >= 0.0
}

fn bad_weight(w: f32, row: Option<usize>) -> CoreError {
    let at = row.map(|r| format!(" in row {r}")).unwrap_or_default();
    CoreError::Invalid(format!(
        "weight {w}{at} is not a play count (expected a finite number >= 0)"
    ))
}

fn check_range(col: &[u32], len: usize, kind: &'static str) -> Result<(), CoreError> {
    if let Some(&bad) = col.iter().find(|&&v| v as usize >= len) {
        return Err(CoreError::IndexOutOfRange {
            kind,
            index: bad as usize,
            len,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregate_sums_duplicates() {
        let users = Vocabulary::from_ids(["u0", "u1"]).unwrap();
        let items = Vocabulary::from_ids(["a", "b"]).unwrap();
        let t = Interactions::from_columns(
            users,
            items,
            vec![1, 0, 1, 1],
            vec![0, 1, 0, 1],
            vec![1.0, 2.0, 3.0, 4.0],
            Some(vec![1, 2, 3, 4]),
        )
        .unwrap();
        let a = t.aggregate();
        assert_eq!(a.user_col(), &[0, 1, 1]);
        assert_eq!(a.item_col(), &[1, 0, 1]);
        assert_eq!(a.weight_col(), &[2.0, 4.0, 4.0]);
        assert!(a.time_col().is_none());
        assert_eq!(t.items_by_user(), vec![vec![1], vec![0, 1]]);
    }

    #[test]
    fn bad_columns_rejected() {
        let users = Vocabulary::from_ids(["u0"]).unwrap();
        let items = Vocabulary::from_ids(["a"]).unwrap();
        assert!(matches!(
            Interactions::from_columns(
                users.clone(),
                items.clone(),
                vec![0],
                vec![1],
                vec![1.0],
                None
            ),
            Err(CoreError::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            Interactions::from_columns(
                users.clone(),
                items.clone(),
                vec![0],
                vec![0, 0],
                vec![1.0],
                None
            ),
            Err(CoreError::Shape(_))
        ));
        assert!(matches!(
            Interactions::from_columns(users, items, vec![0], vec![0], vec![f32::NAN], None),
            Err(CoreError::Invalid(_))
        ));
    }

    #[test]
    fn non_finite_and_negative_weights_are_refused_by_every_constructor() {
        let users = Vocabulary::from_ids(["u0"]).unwrap();
        let items = Vocabulary::from_ids(["a"]).unwrap();
        for w in [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -1.0,
            -f32::MIN_POSITIVE,
        ] {
            let err = Interactions::from_columns(
                users.clone(),
                items.clone(),
                vec![0, 0],
                vec![0, 0],
                vec![1.0, w],
                None,
            )
            .unwrap_err();
            let text = err.to_string();
            assert!(matches!(err, CoreError::Invalid(_)), "{w}: {text}");
            assert!(text.contains("row 1") && text.contains(">= 0"), "{text}");
            let mut t = Interactions::new(users.clone(), items.clone(), false);
            let err = t.try_push(0, 0, w, None).unwrap_err();
            assert!(matches!(err, CoreError::Invalid(_)), "{w}: {err}");
            assert!(t.is_empty(), "a refused row is not appended");
        }
        let mut t = Interactions::new(users, items, true);
        t.try_push(0, 0, 0.0, Some(5)).unwrap();
        t.try_push(0, 0, f32::MAX, None).unwrap();
        assert!(matches!(
            t.try_push(1, 0, 1.0, None),
            Err(CoreError::IndexOutOfRange { kind: "user", .. })
        ));
        assert!(matches!(
            t.try_push(0, 1, 1.0, None),
            Err(CoreError::IndexOutOfRange { kind: "artist", .. })
        ));
        assert_eq!(t.weight_col(), &[0.0, f32::MAX]);
        // Two finite counts summing past f32::MAX saturate instead of becoming inf.
        assert_eq!(t.aggregate().weight_col(), &[f32::MAX]);
    }
}
