//! Training users' histories (artists and summed weights, sorted by artist), shared by the
//! content model and the tag baseline, and the weighted profile both score with.

use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::persist::DecodeError;
use artist2vec_core::{CoreError, Interactions, Query};

/// Each training user's artists (sorted, distinct) and summed weights.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histories {
    offsets: Vec<u64>,
    items: Vec<u32>,
    weights: Vec<f32>,
}

impl Histories {
    /// Groups the rows of `t` by user.
    pub fn new(t: &Interactions) -> Self {
        let mut by_user: Vec<Vec<(u32, f32)>> = vec![Vec::new(); t.n_users()];
        for r in t.iter() {
            by_user[r.user as usize].push((r.item, r.weight));
        }
        let mut h = Histories {
            offsets: vec![0],
            ..Default::default()
        };
        for mut rows in by_user {
            rows.sort_unstable_by_key(|p| p.0);
            let mut last = None;
            for (i, w) in rows {
                if last == Some(i) {
                    *h.weights.last_mut().expect("a previous row") += w;
                } else {
                    h.items.push(i);
                    h.weights.push(w);
                    last = Some(i);
                }
            }
            h.offsets.push(h.items.len() as u64);
        }
        h
    }

    /// The number of users.
    pub fn n_users(&self) -> usize {
        self.offsets.len() - 1
    }

    /// User `u`'s artists (sorted).
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown user.
    pub fn items(&self, u: u32) -> Result<&[u32], CoreError> {
        let (a, b) = self.range(u)?;
        Ok(&self.items[a..b])
    }

    fn range(&self, u: u32) -> Result<(usize, usize), CoreError> {
        if u as usize >= self.n_users() {
            return Err(CoreError::IndexOutOfRange {
                kind: "user",
                index: u as usize,
                len: self.n_users(),
            });
        }
        Ok((
            self.offsets[u as usize] as usize,
            self.offsets[u as usize + 1] as usize,
        ))
    }

    /// The `(artist, weight)` pairs of a query: a training user's history, or the history
    /// given. The query must have been checked.
    pub fn of_query(&self, query: &Query<'_>) -> Result<Vec<(u32, f32)>, CoreError> {
        match query {
            Query::User(u) => {
                let (a, b) = self.range(*u)?;
                Ok(self.items[a..b]
                    .iter()
                    .copied()
                    .zip(self.weights[a..b].iter().copied())
                    .collect())
            }
            Query::History(h) => Ok(h.to_vec()),
        }
    }

    /// Appends the histories to a payload.
    pub fn encode(&self, e: &mut Encoder) {
        e.u64s(&self.offsets);
        e.u32s(&self.items);
        e.f32s(&self.weights);
    }

    /// Reads what [`encode`](Self::encode) wrote, checking its consistency against `n_items`.
    pub fn decode(d: &mut Decoder<'_>, n_items: usize) -> Result<Self, DecodeError> {
        let h = Histories {
            offsets: d.u64s()?,
            items: d.u32s()?,
            weights: d.f32s()?,
        };
        let ok = h.offsets.first() == Some(&0)
            && h.offsets.windows(2).all(|w| w[0] <= w[1])
            && h.offsets.last() == Some(&(h.items.len() as u64))
            && h.items.len() == h.weights.len()
            && h.items.iter().all(|&i| (i as usize) < n_items);
        if ok {
            Ok(h)
        } else {
            Err(DecodeError("inconsistent user histories".into()))
        }
    }
}

/// How much a history row counts in a profile: `ln(1 + weight)`, so that a few heavily played
/// artists do not drown the rest (0 for a non-positive weight).
pub fn row_weight(w: f32) -> f32 {
    if w > 0.0 { w.ln_1p() } else { 0.0 }
}
