use serde::{Deserialize, Serialize};

use crate::{CoreError, Interactions, Vocabulary};

/// One play inside a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Play {
    /// Dense artist index.
    pub item: u32,
    /// Start of the play, seconds since the Unix epoch.
    pub time: i64,
    /// How long it played, in seconds, when the source says.
    pub duration: Option<u32>,
}

/// Ordered listening sessions (or playlists), stored compactly: one offsets array and one column
/// per play attribute, so 31 million plays take 12–16 bytes each.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Sessions {
    /// Users (dense index ⇄ external id).
    pub users: Vocabulary,
    /// Artists (dense index ⇄ external id, with names).
    pub items: Vocabulary,
    ids: Vec<u64>,
    user: Vec<u32>,
    offsets: Vec<usize>,
    play_item: Vec<u32>,
    play_time: Vec<i64>,
    play_duration: Option<Vec<u32>>,
}

/// A borrowed view of one session.
#[derive(Debug, Clone, Copy)]
pub struct SessionRef<'a> {
    /// Position in the collection.
    pub index: usize,
    /// External session (or playlist) id.
    pub id: u64,
    /// Dense user index.
    pub user: u32,
    /// Artists in play order.
    pub items: &'a [u32],
    /// Play start times, seconds since the epoch.
    pub times: &'a [i64],
    /// Play durations in seconds, when known.
    pub durations: Option<&'a [u32]>,
}

impl SessionRef<'_> {
    /// Start time of the session (time of its first play; `i64::MIN` when empty).
    pub fn start(&self) -> i64 {
        self.times.first().copied().unwrap_or(i64::MIN)
    }

    /// Number of plays.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the session has no plays.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Play `j`.
    ///
    /// # Panics
    /// When `j >= len()`.
    pub fn play(&self, j: usize) -> Play {
        Play {
            item: self.items[j],
            time: self.times[j],
            duration: self.durations.map(|d| d[j]),
        }
    }
}

impl Sessions {
    /// An empty collection over the given vocabularies; `with_durations` says whether plays carry
    /// a duration.
    pub fn new(users: Vocabulary, items: Vocabulary, with_durations: bool) -> Self {
        Self {
            users,
            items,
            ids: Vec::new(),
            user: Vec::new(),
            offsets: vec![0],
            play_item: Vec::new(),
            play_time: Vec::new(),
            play_duration: with_durations.then(Vec::new),
        }
    }

    /// Sessions from timestamped rows (one row = one play, e.g. a split TSV with a timestamp
    /// column): each user's rows in time order (ties keep row order), cut where the time between
    /// two plays exceeds `gap_secs`; `None` makes one sequence per user. Session ids count from
    /// 0 in (user, time) order; the vocabularies are the rows'.
    ///
    /// ```
    /// use artist2vec_core::{Interactions, Sessions, Vocabulary};
    /// let t = Interactions::from_columns(
    ///     Vocabulary::from_ids(["u"])?, Vocabulary::from_ids(["a", "b", "c"])?,
    ///     vec![0, 0, 0], vec![2, 0, 1], vec![1.0; 3], Some(vec![5000, 0, 60]))?;
    /// let s = Sessions::from_timed_rows(&t, Some(1800))?;
    /// assert_eq!(s.len(), 2);
    /// assert_eq!(s.play_items(), &[0, 1, 2]);
    /// assert_eq!(Sessions::from_timed_rows(&t, None)?.len(), 1);
    /// # Ok::<(), artist2vec_core::CoreError>(())
    /// ```
    ///
    /// # Errors
    /// [`CoreError::Invalid`] when the rows have no times or `gap_secs` is negative.
    pub fn from_timed_rows(rows: &Interactions, gap_secs: Option<i64>) -> Result<Self, CoreError> {
        let Some(times) = rows.time_col() else {
            return Err(CoreError::Invalid(
                "rows without timestamps have no play order".into(),
            ));
        };
        if let Some(g) = gap_secs.filter(|&g| g < 0) {
            return Err(CoreError::Invalid(format!(
                "session gap of {g} s: expected a number of seconds >= 0"
            )));
        }
        let mut order: Vec<u32> = (0..rows.len() as u32).collect();
        let (users, items) = (rows.user_col(), rows.item_col());
        order.sort_by_key(|&r| (users[r as usize], times[r as usize]));
        let mut out = Sessions::new(rows.users.clone(), rows.items.clone(), false);
        let mut start = 0;
        while start < order.len() {
            let u = users[order[start] as usize];
            let mut end = start + 1;
            while end < order.len()
                && users[order[end] as usize] == u
                && gap_secs.is_none_or(|g| {
                    times[order[end] as usize].saturating_sub(times[order[end - 1] as usize]) <= g
                })
            {
                end += 1;
            }
            let plays = order[start..end].iter().map(|&r| Play {
                item: items[r as usize],
                time: times[r as usize],
                duration: None,
            });
            out.push(out.len() as u64, u, plays)?;
            start = end;
        }
        Ok(out)
    }

    /// Appends a session.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for a user or artist outside the vocabularies.
    pub fn push<I: IntoIterator<Item = Play>>(
        &mut self,
        id: u64,
        user: u32,
        plays: I,
    ) -> Result<(), CoreError> {
        if user as usize >= self.users.len() {
            return Err(CoreError::IndexOutOfRange {
                kind: "user",
                index: user as usize,
                len: self.users.len(),
            });
        }
        let start = self.play_item.len();
        for p in plays {
            if p.item as usize >= self.items.len() {
                self.truncate_plays(start);
                return Err(CoreError::IndexOutOfRange {
                    kind: "artist",
                    index: p.item as usize,
                    len: self.items.len(),
                });
            }
            self.play_item.push(p.item);
            self.play_time.push(p.time);
            if let Some(d) = &mut self.play_duration {
                d.push(p.duration.unwrap_or(u32::MAX));
            }
        }
        self.ids.push(id);
        self.user.push(user);
        self.offsets.push(self.play_item.len());
        Ok(())
    }

    fn truncate_plays(&mut self, n: usize) {
        self.play_item.truncate(n);
        self.play_time.truncate(n);
        if let Some(d) = &mut self.play_duration {
            d.truncate(n);
        }
    }

    /// Number of sessions.
    pub fn len(&self) -> usize {
        self.user.len()
    }

    /// Whether there are no sessions.
    pub fn is_empty(&self) -> bool {
        self.user.is_empty()
    }

    /// Number of plays over all sessions.
    pub fn n_plays(&self) -> usize {
        self.play_item.len()
    }

    /// Whether plays carry durations.
    pub fn has_durations(&self) -> bool {
        self.play_duration.is_some()
    }

    /// Session `i`.
    ///
    /// # Panics
    /// When `i >= len()`.
    pub fn get(&self, i: usize) -> SessionRef<'_> {
        let (a, b) = (self.offsets[i], self.offsets[i + 1]);
        SessionRef {
            index: i,
            id: self.ids[i],
            user: self.user[i],
            items: &self.play_item[a..b],
            times: &self.play_time[a..b],
            durations: self.play_duration.as_ref().map(|d| &d[a..b]),
        }
    }

    /// Iterates over sessions in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = SessionRef<'_>> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// The artist column of all plays, session after session.
    pub fn play_items(&self) -> &[u32] {
        &self.play_item
    }

    /// The session boundaries: session `i` is plays `offsets[i]..offsets[i+1]`.
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// The user of each session.
    pub fn session_users(&self) -> &[u32] {
        &self.user
    }

    /// Rebuilds the collection keeping, for each session, the plays for which `keep_play` is true,
    /// then keeping the sessions for which `keep_session` is true. Vocabularies are unchanged.
    pub fn filter(
        &self,
        mut keep_play: impl FnMut(&SessionRef<'_>, usize) -> bool,
        mut keep_session: impl FnMut(&SessionRef<'_>, &[Play]) -> bool,
    ) -> Sessions {
        let mut out = Sessions::new(self.users.clone(), self.items.clone(), self.has_durations());
        let mut buf = Vec::new();
        for s in self.iter() {
            buf.clear();
            buf.extend(
                (0..s.len())
                    .filter(|&j| keep_play(&s, j))
                    .map(|j| s.play(j)),
            );
            if keep_session(&s, &buf) {
                out.push(s.id, s.user, buf.iter().copied())
                    .expect("indices come from the same vocabularies");
            }
        }
        out
    }

    /// Replaces the vocabularies and remaps indices (`u32::MAX` in a map drops the play; a session
    /// whose user maps to `u32::MAX` is dropped). Used after filtering rare artists or users.
    ///
    /// # Panics
    /// When a map is shorter than its vocabulary.
    pub fn remap(
        &self,
        users: Vocabulary,
        user_map: &[u32],
        items: Vocabulary,
        item_map: &[u32],
    ) -> Sessions {
        let mut out = Sessions::new(users, items, self.has_durations());
        for s in self.iter() {
            let u = user_map[s.user as usize];
            if u == u32::MAX {
                continue;
            }
            let plays = (0..s.len()).filter_map(|j| {
                let p = s.play(j);
                let m = item_map[p.item as usize];
                (m != u32::MAX).then_some(Play { item: m, ..p })
            });
            out.push(s.id, u, plays)
                .expect("maps point into the new vocabularies");
        }
        out
    }

    /// One interaction per play (weight 1, time = play start), in session order.
    pub fn to_play_interactions(&self) -> Interactions {
        let mut users = Vec::with_capacity(self.n_plays());
        for (i, &u) in self.user.iter().enumerate() {
            let n = self.offsets[i + 1] - self.offsets[i];
            users.extend(std::iter::repeat_n(u, n));
        }
        Interactions::from_columns(
            self.users.clone(),
            self.items.clone(),
            users,
            self.play_item.clone(),
            vec![1.0; self.n_plays()],
            Some(self.play_time.clone()),
        )
        .expect("columns are consistent")
    }

    /// Play counts per (user, artist), sorted by (user, artist).
    pub fn to_counts(&self) -> Interactions {
        self.to_play_interactions().aggregate()
    }

    /// Every play as `(user, time, artist)`, session after session.
    pub fn timed_plays(&self) -> impl Iterator<Item = (u32, i64, u32)> + '_ {
        self.iter().flat_map(|s| {
            s.times
                .iter()
                .zip(s.items)
                .map(move |(&t, &a)| (s.user, t, a))
        })
    }

    /// For every session, what its user played before it: the artists of the last `max` of
    /// `plays` (`(user, time, artist)` in this collection's user indices, any order; they may
    /// include this collection's own plays, e.g. from [`timed_plays`](Self::timed_plays)) of
    /// the session's user that started strictly before the session's first play, in time
    /// order. The context of the session protocol with a listener's earlier sessions.
    ///
    /// ```
    /// use artist2vec_core::{Play, Sessions, Vocabulary};
    /// let users = Vocabulary::from_ids(["u0", "u1"]).unwrap();
    /// let items = Vocabulary::from_ids(["a", "b", "c"]).unwrap();
    /// let mut s = Sessions::new(users, items, false);
    /// let p = |item, time| Play { item, time, duration: None };
    /// s.push(1, 0, [p(0, 100), p(1, 110)]).unwrap();
    /// s.push(2, 0, [p(2, 5000)]).unwrap();
    /// s.push(3, 1, [p(1, 200)]).unwrap();
    /// // Earlier plays kept elsewhere (a training file): u0 played c at t = 50.
    /// let mut plays: Vec<_> = s.timed_plays().collect();
    /// plays.push((0, 50, 2));
    /// assert_eq!(s.plays_before(plays.clone(), 10), vec![vec![2], vec![2, 0, 1], vec![]]);
    /// assert_eq!(s.plays_before(plays, 1), vec![vec![2], vec![1], vec![]]);
    /// ```
    pub fn plays_before(&self, mut plays: Vec<(u32, i64, u32)>, max: usize) -> Vec<Vec<u32>> {
        plays.sort_unstable_by_key(|&(u, t, _)| (u, t));
        self.iter()
            .map(|s| {
                let start = s.times.first().copied().unwrap_or(i64::MIN);
                let from = plays.partition_point(|&(u, _, _)| u < s.user);
                let to =
                    plays.partition_point(|&(u, t, _)| u < s.user || (u == s.user && t < start));
                let before = &plays[from..to];
                before[before.len().saturating_sub(max)..]
                    .iter()
                    .map(|&(_, _, a)| a)
                    .collect()
            })
            .collect()
    }

    /// Earliest and latest play time, when there is a play.
    pub fn time_range(&self) -> Option<(i64, i64)> {
        let min = self.play_time.iter().min()?;
        let max = self.play_time.iter().max()?;
        Some((*min, *max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(item: u32, time: i64) -> Play {
        Play {
            item,
            time,
            duration: Some(60),
        }
    }

    #[test]
    fn push_get_filter_remap() {
        let users = Vocabulary::from_ids(["u0", "u1"]).unwrap();
        let items = Vocabulary::from_ids(["a", "b", "c"]).unwrap();
        let mut s = Sessions::new(users, items, true);
        s.push(10, 0, [p(0, 100), p(1, 160), p(1, 220)]).unwrap();
        s.push(11, 1, [p(2, 500)]).unwrap();
        assert!(s.push(12, 1, [p(9, 1)]).is_err());
        assert_eq!(s.len(), 2);
        assert_eq!(s.n_plays(), 4, "a failed push leaves nothing behind");
        assert_eq!(s.get(0).items, &[0, 1, 1]);
        assert_eq!(s.get(1).start(), 500);
        assert_eq!(s.time_range(), Some((100, 500)));

        let f = s.filter(|r, j| r.items[j] != 1, |_, plays| !plays.is_empty());
        assert_eq!(f.len(), 2);
        assert_eq!(f.n_plays(), 2);

        let (iv, imap) = s.items.filter(&[true, false, true]);
        let (uv, umap) = s.users.filter(&[true, true]);
        let r = s.remap(uv, &umap, iv, &imap);
        assert_eq!(r.get(0).items, &[0]);
        assert_eq!(r.get(1).items, &[1]);

        let c = s.to_counts();
        assert_eq!(c.weight_col(), &[1.0, 2.0, 1.0]);
    }
}
