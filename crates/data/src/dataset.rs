//! The canonical in-memory dataset every loader produces, and its on-disk binary form.

use std::path::Path;

use artist2vec_core::modelfile::{self, Decoder, Encoder, Header, Truncated};
use artist2vec_core::{ArtistContent, Interactions, Sessions, Vocabulary};
use serde::{Deserialize, Serialize};

use crate::{DataError, Report};

/// What any loader produces: listening sessions when the source has them, user × artist
/// interactions always, and the optional extras some sources carry.
///
/// For sources with sessions, `interactions` holds one row per play (weight 1, time = play start),
/// so that time-based splits and play-count weightings can be derived from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Where the data came from (a format name and path).
    pub source: String,
    /// Listening sessions (or playlists, for playlist-only sources), when the source has them.
    pub sessions: Option<Sessions>,
    /// User × artist rows (plays or play counts).
    pub interactions: Interactions,
    /// Playlists, when the source has them besides sessions (30Music).
    pub playlists: Option<Sessions>,
    /// Loved tracks as (user, artist) rows, when the source has them (30Music).
    pub loves: Option<Interactions>,
    /// Tag vocabulary and, per artist, the tags attached to it (sorted tag indices), when known.
    pub tags: Option<ArtistTags>,
    /// What was read, skipped and dropped.
    pub report: Report,
}

/// Tags of artists: a tag vocabulary and one sorted list of tag indices per artist.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArtistTags {
    /// Tag id ⇄ index, with the tag text as name.
    pub tags: Vocabulary,
    /// For each artist (dense index of the dataset's artist vocabulary), its tags.
    pub by_artist: Vec<Vec<u32>>,
}

/// Format version of the binary dataset file.
pub const DATASET_FORMAT_VERSION: u32 = 1;
/// Kind string of the binary dataset file.
pub const DATASET_KIND: &str = "dataset";

impl Dataset {
    /// A dataset made of sessions only; `interactions` is derived (one row per play).
    pub fn from_sessions(source: impl Into<String>, sessions: Sessions, report: Report) -> Self {
        let interactions = sessions.to_play_interactions();
        Self {
            source: source.into(),
            sessions: Some(sessions),
            interactions,
            playlists: None,
            loves: None,
            tags: None,
            report,
        }
    }

    /// A dataset made of interactions only.
    pub fn from_interactions(
        source: impl Into<String>,
        interactions: Interactions,
        report: Report,
    ) -> Self {
        Self {
            source: source.into(),
            sessions: None,
            interactions,
            playlists: None,
            loves: None,
            tags: None,
            report,
        }
    }

    /// The artist vocabulary.
    pub fn artists(&self) -> &Vocabulary {
        &self.interactions.items
    }

    /// The user vocabulary.
    pub fn users(&self) -> &Vocabulary {
        &self.interactions.users
    }

    /// The artists' tags as content features keyed by artist id (with the artists' names and
    /// the tag texts as feature ids; a tag given several times weighs that many), for content
    /// models. Every artist of the dataset is listed, those without tags with none.
    /// `None` when the dataset has no tags at all.
    pub fn content(&self) -> Option<ArtistContent> {
        let tags = self.tags.as_ref()?;
        let artists = self.artists();
        let mut c = ArtistContent::new();
        for a in 0..artists.len() as u32 {
            let ix = c.add_artist(artists.id(a));
            if let Some(name) = artists.name_opt(a) {
                c.artists.set_name(ix, name);
            }
            for &t in tags
                .by_artist
                .get(a as usize)
                .map_or(&[][..], Vec::as_slice)
            {
                // Weight 1 is always valid, so this cannot fail.
                c.add(artists.id(a), tags.tags.name(t), 1.0).ok();
            }
        }
        Some(c)
    }

    /// Total plays: the number of plays in sessions, or else the sum of interaction weights.
    pub fn n_plays(&self) -> u64 {
        match &self.sessions {
            Some(s) => s.n_plays() as u64,
            None => self
                .interactions
                .weight_col()
                .iter()
                .map(|&w| w as f64)
                .sum::<f64>()
                .round() as u64,
        }
    }

    /// Saves the dataset in the documented binary format (see [`crate::dataset`] docs:
    /// an artist2vec container of kind `"dataset"`, version 1, whose payload is the JSON-free
    /// column encoding written by this function). Written atomically.
    ///
    /// # Errors
    /// [`DataError::Io`] naming the file.
    pub fn save(&self, path: &Path) -> Result<(), DataError> {
        let mut e = Encoder::new();
        e.str(&self.source);
        encode_interactions(&mut e, &self.interactions);
        encode_opt_sessions(&mut e, self.sessions.as_ref());
        encode_opt_sessions(&mut e, self.playlists.as_ref());
        match &self.loves {
            Some(l) => {
                e.u32(1);
                encode_interactions(&mut e, l);
            }
            None => e.u32(0),
        }
        match &self.tags {
            Some(t) => {
                e.u32(1);
                encode_vocab(&mut e, &t.tags);
                e.u64(t.by_artist.len() as u64);
                for v in &t.by_artist {
                    e.u32s(v);
                }
            }
            None => e.u32(0),
        }
        e.str(&serde_json::to_string(&self.report).expect("report serialises"));
        let header = Header {
            kind: DATASET_KIND.into(),
            version: DATASET_FORMAT_VERSION,
            config: "{}".into(),
        };
        modelfile::write(path, &header, &e.buf)?;
        Ok(())
    }

    /// Loads a dataset saved by [`save`](Self::save).
    ///
    /// # Errors
    /// [`DataError::Io`] when unreadable; [`DataError::Parse`] (line 0) when the file is not a
    /// dataset, of an unknown version, truncated or damaged.
    pub fn load(path: &Path) -> Result<Self, DataError> {
        let (_, payload) = modelfile::read(path, DATASET_KIND, &[DATASET_FORMAT_VERSION])?;
        let bad = |_: Truncated| {
            DataError::parse(
                path,
                0,
                "corrupt dataset: payload ends early or holds invalid data",
            )
        };
        let mut d = Decoder::new(&payload);
        let source = d.str().map_err(bad)?;
        let interactions = decode_interactions(&mut d, path)?;
        let sessions = decode_opt_sessions(&mut d, path)?;
        let playlists = decode_opt_sessions(&mut d, path)?;
        let loves = match d.u32().map_err(bad)? {
            0 => None,
            _ => Some(decode_interactions(&mut d, path)?),
        };
        let tags = match d.u32().map_err(bad)? {
            0 => None,
            _ => {
                let tags = decode_vocab(&mut d).map_err(bad)?;
                let n = d.u64().map_err(bad)? as usize;
                let mut by_artist = Vec::with_capacity(n.min(1 << 24));
                for _ in 0..n {
                    by_artist.push(d.u32s().map_err(bad)?);
                }
                Some(ArtistTags { tags, by_artist })
            }
        };
        let report: Report = serde_json::from_str(&d.str().map_err(bad)?)
            .map_err(|e| DataError::parse(path, 0, format!("corrupt dataset report: {e}")))?;
        Ok(Self {
            source,
            sessions,
            interactions,
            playlists,
            loves,
            tags,
            report,
        })
    }
}

fn encode_vocab(e: &mut Encoder, v: &Vocabulary) {
    e.u64(v.len() as u64);
    for i in 0..v.len() as u32 {
        e.str(v.id(i));
        e.str(v.name_opt(i).unwrap_or(""));
        e.u32(u32::from(v.name_opt(i).is_some()));
    }
}

fn decode_vocab(d: &mut Decoder<'_>) -> Result<Vocabulary, Truncated> {
    let n = d.u64()? as usize;
    let mut v = Vocabulary::new();
    for _ in 0..n {
        let id = d.str()?;
        let name = d.str()?;
        let has = d.u32()?;
        let ix = v.insert(id);
        if has == 1 {
            v.set_name(ix, name);
        }
    }
    if v.len() != n {
        return Err(Truncated);
    }
    Ok(v)
}

fn encode_interactions(e: &mut Encoder, t: &Interactions) {
    encode_vocab(e, &t.users);
    encode_vocab(e, &t.items);
    e.u32s(t.user_col());
    e.u32s(t.item_col());
    e.f32s(t.weight_col());
    match t.time_col() {
        Some(c) => {
            e.u32(1);
            e.i64s(c);
        }
        None => e.u32(0),
    }
}

fn decode_interactions(d: &mut Decoder<'_>, path: &Path) -> Result<Interactions, DataError> {
    let bad = |_: Truncated| DataError::parse(path, 0, "corrupt dataset: interactions end early");
    let users = decode_vocab(d).map_err(bad)?;
    let items = decode_vocab(d).map_err(bad)?;
    let u = d.u32s().map_err(bad)?;
    let i = d.u32s().map_err(bad)?;
    let w = d.f32s().map_err(bad)?;
    let t = match d.u32().map_err(bad)? {
        0 => None,
        _ => Some(d.i64s().map_err(bad)?),
    };
    Interactions::from_columns(users, items, u, i, w, t)
        .map_err(|e| DataError::parse(path, 0, format!("corrupt dataset: {e}")))
}

fn encode_opt_sessions(e: &mut Encoder, s: Option<&Sessions>) {
    let Some(s) = s else {
        e.u32(0);
        return;
    };
    e.u32(1);
    encode_vocab(e, &s.users);
    encode_vocab(e, &s.items);
    let ids: Vec<u64> = s.iter().map(|r| r.id).collect();
    e.u64s(&ids);
    e.u32s(s.session_users());
    let offs: Vec<u64> = s.offsets().iter().map(|&o| o as u64).collect();
    e.u64s(&offs);
    e.u32s(s.play_items());
    let mut times = Vec::with_capacity(s.n_plays());
    let mut durs = Vec::with_capacity(if s.has_durations() { s.n_plays() } else { 0 });
    for r in s.iter() {
        times.extend_from_slice(r.times);
        if let Some(d) = r.durations {
            durs.extend_from_slice(d);
        }
    }
    e.i64s(&times);
    e.u32(u32::from(s.has_durations()));
    if s.has_durations() {
        e.u32s(&durs);
    }
}

fn decode_opt_sessions(d: &mut Decoder<'_>, path: &Path) -> Result<Option<Sessions>, DataError> {
    let bad = |_: Truncated| DataError::parse(path, 0, "corrupt dataset: sessions end early");
    if d.u32().map_err(bad)? == 0 {
        return Ok(None);
    }
    let users = decode_vocab(d).map_err(bad)?;
    let items = decode_vocab(d).map_err(bad)?;
    let ids = d.u64s().map_err(bad)?;
    let su = d.u32s().map_err(bad)?;
    let offs = d.u64s().map_err(bad)?;
    let pi = d.u32s().map_err(bad)?;
    let pt = d.i64s().map_err(bad)?;
    let has = d.u32().map_err(bad)? == 1;
    let pd = if has {
        Some(d.u32s().map_err(bad)?)
    } else {
        None
    };
    let n_plays = pi.len();
    if ids.len() != su.len()
        || offs.len() != su.len() + 1
        || pt.len() != n_plays
        || pd.as_ref().is_some_and(|v| v.len() != n_plays)
        || offs.last().copied() != Some(n_plays as u64)
        || offs.windows(2).any(|w| w[0] > w[1])
    {
        return Err(DataError::parse(
            path,
            0,
            "corrupt dataset: inconsistent session columns",
        ));
    }
    let mut s = Sessions::new(users, items, has);
    for k in 0..su.len() {
        let (a, b) = (offs[k] as usize, offs[k + 1] as usize);
        let plays = (a..b).map(|j| artist2vec_core::Play {
            item: pi[j],
            time: pt[j],
            duration: pd.as_ref().map(|v| v[j]),
        });
        s.push(ids[k], su[k], plays)
            .map_err(|e| DataError::parse(path, 0, format!("corrupt dataset: {e}")))?;
    }
    Ok(Some(s))
}
