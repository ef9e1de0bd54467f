//! What a skip-gram trainer reads: sentences of artists, and each training user's profile for
//! recommendation. Shared by this crate's trainer and the burn trainer of `artist2vec-neural`.

use std::borrow::Cow;

use artist2vec_core::{CoreError, Interactions, Sessions, Vocabulary};

/// Sentences of artists in the layout of [`Sessions`]: sentence `s` is
/// `items[offsets[s]..offsets[s + 1]]`, artists as dense indices of the artist vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentences<'a> {
    /// Sentence boundaries into `items`: `n_sentences + 1` ascending positions, the first 0.
    pub offsets: Cow<'a, [usize]>,
    /// Artists, sentence after sentence.
    pub items: Cow<'a, [u32]>,
}

/// Data a skip-gram model can be trained on: what its sentences are, and what a training user's
/// profile is for recommendation.
///
/// Implemented for [`Sessions`] (one sentence per session, in play order; a profile is a user's
/// play count per artist) and [`Interactions`] (one bag of distinct artists per user; a profile is
/// a user's summed weight per artist).
pub trait SkipGramInput {
    /// Whether the sentences are bags without a meaningful order:
    /// [`Order::Auto`](crate::Order::Auto) reshuffles bags every epoch and trains sequences in
    /// their order.
    const BAGS: bool;

    /// The artist vocabulary; the trained model's artist indices are its indices.
    fn artists(&self) -> &Vocabulary;

    /// The user vocabulary; the trained model's user indices are its indices.
    fn users(&self) -> &Vocabulary;

    /// The sentences the trainer reads.
    fn sentences(&self) -> Sentences<'_>;

    /// Each user's artists with their summed weights.
    fn profiles(&self) -> UserProfiles;
}

/// Sessions or playlists: each session is a sentence in play order; a user's profile is their
/// play count per artist.
impl SkipGramInput for Sessions {
    const BAGS: bool = false;

    fn artists(&self) -> &Vocabulary {
        &self.items
    }

    fn users(&self) -> &Vocabulary {
        &self.users
    }

    fn sentences(&self) -> Sentences<'_> {
        Sentences {
            offsets: Cow::Borrowed(self.offsets()),
            items: Cow::Borrowed(self.play_items()),
        }
    }

    fn profiles(&self) -> UserProfiles {
        let offsets = self.offsets();
        let mut play_users = Vec::with_capacity(self.n_plays());
        for (s, &u) in self.session_users().iter().enumerate() {
            play_users.extend(std::iter::repeat_n(u, offsets[s + 1] - offsets[s]));
        }
        UserProfiles::build(self.users.len(), &play_users, self.play_items(), |_| 1.0)
    }
}

/// User–artist interactions: each user's distinct artists, in row order (first occurrence), form
/// one sentence, a bag; a user's profile is their summed weight (play count) per artist.
impl SkipGramInput for Interactions {
    const BAGS: bool = true;

    fn artists(&self) -> &Vocabulary {
        &self.items
    }

    fn users(&self) -> &Vocabulary {
        &self.users
    }

    fn sentences(&self) -> Sentences<'_> {
        let n_users = self.n_users();
        let (starts, grouped) = group_by_user(n_users, self.user_col(), |r| self.item_col()[r]);
        let mut last_user = vec![u32::MAX; self.n_items()];
        let mut offsets = Vec::with_capacity(n_users + 1);
        offsets.push(0);
        let mut items = Vec::with_capacity(self.len());
        for u in 0..n_users {
            for &i in &grouped[starts[u]..starts[u + 1]] {
                if last_user[i as usize] != u as u32 {
                    last_user[i as usize] = u as u32;
                    items.push(i);
                }
            }
            offsets.push(items.len());
        }
        Sentences {
            offsets: Cow::Owned(offsets),
            items: Cow::Owned(items),
        }
    }

    fn profiles(&self) -> UserProfiles {
        let w = self.weight_col();
        UserProfiles::build(self.n_users(), self.user_col(), self.item_col(), |r| w[r])
    }
}

/// Groups rows by user with a stable counting sort: `(starts, values)` with user `u`'s values,
/// in row order, at `values[starts[u]..starts[u + 1]]`.
fn group_by_user<T: Copy + Default>(
    n_users: usize,
    users: &[u32],
    value: impl Fn(usize) -> T,
) -> (Vec<usize>, Vec<T>) {
    let mut starts = vec![0usize; n_users + 1];
    for &u in users {
        starts[u as usize + 1] += 1;
    }
    for u in 0..n_users {
        starts[u + 1] += starts[u];
    }
    let mut next = starts.clone();
    let mut values = vec![T::default(); users.len()];
    for (r, &u) in users.iter().enumerate() {
        values[next[u as usize]] = value(r);
        next[u as usize] += 1;
    }
    (starts, values)
}

/// Each training user's artists, sorted ascending and distinct, with their summed weights: what
/// a trained skip-gram model scores a [`Query::User`](artist2vec_core::Query::User) from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserProfiles {
    offsets: Vec<usize>,
    items: Vec<u32>,
    weights: Vec<f32>,
}

impl UserProfiles {
    /// Groups `(user, artist, weight)` rows by user (row `r` has weight `weight(r)`), then sorts
    /// each user's artists and sums the weights of repeated ones.
    fn build(n_users: usize, users: &[u32], items: &[u32], weight: impl Fn(usize) -> f32) -> Self {
        let (starts, mut pairs) = group_by_user(n_users, users, |r| (items[r], weight(r)));
        let mut out = UserProfiles {
            offsets: Vec::with_capacity(n_users + 1),
            items: Vec::new(),
            weights: Vec::new(),
        };
        out.offsets.push(0);
        for u in 0..n_users {
            let p = &mut pairs[starts[u]..starts[u + 1]];
            p.sort_unstable_by_key(|x| x.0);
            let first = out.items.len();
            for &(i, w) in p.iter() {
                if out.items.len() > first && out.items.last() == Some(&i) {
                    *out.weights.last_mut().expect("an artist was pushed") += w;
                } else {
                    out.items.push(i);
                    out.weights.push(w);
                }
            }
            out.offsets.push(out.items.len());
        }
        out
    }

    /// Profiles from their parts, as [`offsets`](Self::offsets), [`items`](Self::items) and
    /// [`weights`](Self::weights) return them, checked against a vocabulary of `n_items` artists.
    ///
    /// # Errors
    /// [`CoreError::Shape`] when the offsets are not ascending from 0 to `items.len()`, the
    /// weights do not match the artists, or an artist is `>= n_items`; [`CoreError::Invalid`]
    /// for a NaN, infinite or negative weight.
    pub fn from_parts(
        offsets: Vec<usize>,
        items: Vec<u32>,
        weights: Vec<f32>,
        n_items: usize,
    ) -> Result<Self, CoreError> {
        let consistent = offsets.first() == Some(&0)
            && offsets.windows(2).all(|w| w[0] <= w[1])
            && offsets.last() == Some(&items.len())
            && items.len() == weights.len()
            && items.iter().all(|&i| (i as usize) < n_items);
        if !consistent {
            return Err(CoreError::Shape(format!(
                "user profiles: {} offsets, {} artists, {} weights for {n_items} artists are \
                 inconsistent",
                offsets.len(),
                items.len(),
                weights.len()
            )));
        }
        if let Some((i, w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(CoreError::Invalid(format!(
                "user profiles: weight {w} of artist {} is not a play count (expected a finite \
                 number >= 0)",
                items[i]
            )));
        }
        Ok(Self {
            offsets,
            items,
            weights,
        })
    }

    /// Number of users.
    pub fn n_users(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// User `user`'s artists (ascending, distinct) and their weights.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown user.
    pub fn get(&self, user: u32) -> Result<(&[u32], &[f32]), CoreError> {
        let u = user as usize;
        if u >= self.n_users() {
            return Err(CoreError::IndexOutOfRange {
                kind: "user",
                index: u,
                len: self.n_users(),
            });
        }
        let (a, b) = (self.offsets[u], self.offsets[u + 1]);
        Ok((&self.items[a..b], &self.weights[a..b]))
    }

    /// Boundaries of each user's profile in [`items`](Self::items): `n_users + 1` positions.
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// Artists, user after user.
    pub fn items(&self) -> &[u32] {
        &self.items
    }

    /// Weights, aligned with [`items`](Self::items).
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }
}

#[cfg(test)]
mod tests {
    use artist2vec_core::Play;

    use super::*;

    fn vocab(n: usize) -> Vocabulary {
        Vocabulary::from_ids((0..n).map(|i| format!("x{i}"))).unwrap()
    }

    #[test]
    fn interactions_give_one_bag_of_distinct_artists_per_user_and_summed_profiles() {
        let mut data = Interactions::new(vocab(3), vocab(4), false);
        for (u, i, w) in [
            (1, 2, 1.0),
            (0, 3, 2.0),
            (1, 0, 1.0),
            (1, 2, 4.0),
            (0, 1, 1.0),
        ] {
            data.push(u, i, w, None);
        }
        let s = data.sentences();
        assert_eq!(&*s.offsets, &[0, 2, 4, 4]);
        assert_eq!(&*s.items, &[3, 1, 2, 0], "row order, first occurrence only");
        let p = data.profiles();
        assert_eq!(p.n_users(), 3);
        assert_eq!(p.get(1).unwrap(), (&[0, 2][..], &[1.0, 5.0][..]));
        assert_eq!(p.get(2).unwrap(), (&[][..], &[][..]));
        assert!(matches!(
            p.get(3),
            Err(CoreError::IndexOutOfRange { index: 3, .. })
        ));
        const { assert!(<Interactions as SkipGramInput>::BAGS) };
    }

    #[test]
    fn sessions_are_sentences_in_play_order_and_profiles_count_plays() {
        let mut s = Sessions::new(vocab(2), vocab(3), false);
        let play = |item| Play {
            item,
            time: 0,
            duration: None,
        };
        s.push(0, 1, [play(2), play(0), play(2)]).unwrap();
        s.push(1, 0, [play(1)]).unwrap();
        let sentences = s.sentences();
        assert!(matches!(sentences.items, Cow::Borrowed(_)));
        assert_eq!(&*sentences.offsets, &[0, 3, 4]);
        assert_eq!(&*sentences.items, &[2, 0, 2, 1]);
        let p = s.profiles();
        assert_eq!(p.get(1).unwrap(), (&[0, 2][..], &[1.0, 2.0][..]));
        assert_eq!(p.get(0).unwrap(), (&[1][..], &[1.0][..]));
        const { assert!(!<Sessions as SkipGramInput>::BAGS) };
    }

    #[test]
    fn from_parts_checks_the_layout() {
        let ok = UserProfiles::from_parts(vec![0, 1, 1], vec![2], vec![1.0], 3).unwrap();
        assert_eq!(ok.n_users(), 2);
        for (o, i, w) in [
            (vec![1, 1], vec![2], vec![1.0]),
            (vec![0, 2, 1], vec![2, 0], vec![1.0, 1.0]),
            (vec![0, 1], vec![2], vec![]),
            (vec![0, 1], vec![3], vec![1.0]),
        ] {
            assert!(matches!(
                UserProfiles::from_parts(o, i, w, 3),
                Err(CoreError::Shape(_))
            ));
        }
        for w in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -1.0] {
            let err =
                UserProfiles::from_parts(vec![0, 2], vec![2, 0], vec![1.0, w], 3).unwrap_err();
            assert!(matches!(err, CoreError::Invalid(_)), "{w}: {err}");
            assert!(err.to_string().contains("artist 0"), "{err}");
        }
    }
}
