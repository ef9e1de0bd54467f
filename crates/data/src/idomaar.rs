//! The 30Music dataset in its idomaar layout.
//!
//! Every file holds one record per line, five tab-separated fields:
//! `type\tid\ttimestamp\tproperties-json\tlinked-entities-json` (entity files — persons, users,
//! tags — may omit the fifth). The files read here:
//!
//! | file | type | what is taken |
//! |---|---|---|
//! | `persons.idomaar` | `person` | artist ids (the person ids) and names, URL-encoded with `+` for space |
//! | `users.idomaar` | `user` | the user ids |
//! | `tags.idomaar` | `tag` | tag ids and their (URL-encoded) `value` |
//! | `tracks.idomaar` | `track` | track → artists (`{"artists":[{"type":"person","id":N}],"tags":[…]}`) |
//! | `sessions.idomaar` | `event.session` | sessions: user, and per play the track, `playstart` (seconds after the session timestamp) and `playtime` |
//! | `playlist.idomaar` | `playlist` | playlists: user and tracks (`"objects":[[]]` is an empty playlist) |
//! | `love.idomaar` | `preference.love` | loved tracks |
//!
//! A play of a track goes to its first artist ([`ArtistPolicy::First`], as the seed notebooks did)
//! or to each of its artists ([`ArtistPolicy::All`]). Artist tags are the union of the tags of the
//! tracks the artist gets plays of under the same policy.
//!
//! The big files are parsed in parallel chunks (see [`crate::lines::par_map_chunks`]) with
//! borrowed serde structs, in file order, so results and error lines do not depend on the thread
//! count.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use artist2vec_core::{Interactions, Play, Sessions, Vocabulary};
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::lines::{self, Chunk, DEFAULT_CHUNK_BYTES, IdMap};
use crate::{ArtistTags, DataError, Dataset, Mode, Report};

/// Which artists of a multi-artist track get its plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtistPolicy {
    /// Only the first artist listed (the seed notebooks' choice).
    #[default]
    First,
    /// Every artist listed: a play of a track with two artists becomes two plays.
    All,
}

/// How to read idomaar files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdomaarOptions {
    /// Strict (first bad line is an error) or lenient (bad lines skipped and counted).
    pub mode: Mode,
    /// Which artists of a track get its plays. Default [`ArtistPolicy::First`].
    pub artists: ArtistPolicy,
    /// Bytes per parallel parsing chunk. Default [`DEFAULT_CHUNK_BYTES`].
    pub chunk_bytes: usize,
}

impl Default for IdomaarOptions {
    fn default() -> Self {
        Self {
            mode: Mode::Strict,
            artists: ArtistPolicy::First,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
        }
    }
}

impl IdomaarOptions {
    /// Strict mode, first artist, default chunks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the mode.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the artist policy.
    pub fn with_artists(mut self, artists: ArtistPolicy) -> Self {
        self.artists = artists;
        self
    }

    /// Sets the chunk size of the parallel reader (at least 1 byte).
    pub fn with_chunk_bytes(mut self, chunk_bytes: usize) -> Self {
        self.chunk_bytes = chunk_bytes.max(1);
        self
    }
}

/// The idomaar files to read; any may be absent, but sessions, playlists and loves need tracks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdomaarFiles {
    /// `tracks.idomaar`.
    pub tracks: Option<PathBuf>,
    /// `persons.idomaar`; without it artists are known by id only, created as tracks name them.
    pub persons: Option<PathBuf>,
    /// `users.idomaar`; without it users are created as sessions name them.
    pub users: Option<PathBuf>,
    /// `tags.idomaar`.
    pub tags: Option<PathBuf>,
    /// `sessions.idomaar`.
    pub sessions: Option<PathBuf>,
    /// `playlist.idomaar`.
    pub playlists: Option<PathBuf>,
    /// `love.idomaar`.
    pub loves: Option<PathBuf>,
}

/// File names looked for by [`IdomaarFiles::in_dir`], per role (first found wins).
const NAMES: [(&str, &[&str]); 7] = [
    ("tracks", &["tracks.idomaar"]),
    ("persons", &["persons.idomaar"]),
    ("users", &["users.idomaar"]),
    ("tags", &["tags.idomaar"]),
    ("sessions", &["sessions.idomaar"]),
    ("playlists", &["playlist.idomaar", "playlists.idomaar"]),
    ("loves", &["love.idomaar", "loves.idomaar"]),
];

impl IdomaarFiles {
    /// No files.
    pub fn new() -> Self {
        Self::default()
    }

    /// Finds the idomaar files in `dir`, in `dir/entities` or in `dir/relations` (the layout of
    /// the 30Music download) by their usual names: `tracks`, `persons`, `users`, `tags`,
    /// `sessions`, `playlist` (or `playlists`) and `love` (or `loves`), each with the
    /// `.idomaar` extension.
    ///
    /// # Errors
    /// [`DataError::Invalid`] when `dir` holds none of them.
    pub fn in_dir(dir: &Path) -> Result<Self, DataError> {
        let mut out = Self::default();
        let mut found = false;
        for (role, names) in NAMES {
            let hit = [
                dir.to_path_buf(),
                dir.join("entities"),
                dir.join("relations"),
            ]
            .iter()
            .flat_map(|d| names.iter().map(move |n| d.join(n)))
            .find(|p| p.is_file());
            if let Some(p) = hit {
                found = true;
                *out.slot(role) = Some(p);
            }
        }
        if !found {
            return Err(DataError::Invalid(format!(
                "{}: no idomaar files (expected tracks.idomaar, sessions.idomaar, persons.idomaar, … \
                 in the directory or in its entities/ and relations/ subdirectories)",
                dir.display()
            )));
        }
        Ok(out)
    }

    fn slot(&mut self, role: &str) -> &mut Option<PathBuf> {
        match role {
            "tracks" => &mut self.tracks,
            "persons" => &mut self.persons,
            "users" => &mut self.users,
            "tags" => &mut self.tags,
            "sessions" => &mut self.sessions,
            "playlists" => &mut self.playlists,
            _ => &mut self.loves,
        }
    }

    /// Sets `tracks.idomaar`.
    pub fn with_tracks(mut self, p: impl Into<PathBuf>) -> Self {
        self.tracks = Some(p.into());
        self
    }
    /// Sets `persons.idomaar`.
    pub fn with_persons(mut self, p: impl Into<PathBuf>) -> Self {
        self.persons = Some(p.into());
        self
    }
    /// Sets `users.idomaar`.
    pub fn with_users(mut self, p: impl Into<PathBuf>) -> Self {
        self.users = Some(p.into());
        self
    }
    /// Sets `tags.idomaar`.
    pub fn with_tags(mut self, p: impl Into<PathBuf>) -> Self {
        self.tags = Some(p.into());
        self
    }
    /// Sets `sessions.idomaar`.
    pub fn with_sessions(mut self, p: impl Into<PathBuf>) -> Self {
        self.sessions = Some(p.into());
        self
    }
    /// Sets `playlist.idomaar`.
    pub fn with_playlists(mut self, p: impl Into<PathBuf>) -> Self {
        self.playlists = Some(p.into());
        self
    }
    /// Sets `love.idomaar`.
    pub fn with_loves(mut self, p: impl Into<PathBuf>) -> Self {
        self.loves = Some(p.into());
        self
    }
}

/// Loads the 30Music idomaar files found in `dir` (see [`IdomaarFiles::in_dir`]).
///
/// # Errors
/// As [`load_idomaar_files`], and [`DataError::Invalid`] when `dir` holds no idomaar file.
///
/// # Example
///
/// Writing generated data as idomaar files and reading it back gives the same sessions:
///
/// ```
/// use artist2vec_data::synth::{SynthConfig, Synthetic};
/// use artist2vec_data::{load_idomaar, IdomaarOptions};
///
/// let syn = Synthetic::generate(&SynthConfig::tiny())?;
/// let dir = std::env::temp_dir().join(format!("a2v-doc-idomaar-{}", std::process::id()));
/// syn.write_idomaar(&dir)?;
/// let data = load_idomaar(&dir, &IdomaarOptions::new())?;
/// assert_eq!(data.sessions, syn.dataset.sessions);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), artist2vec_data::DataError>(())
/// ```
pub fn load_idomaar(dir: &Path, options: &IdomaarOptions) -> Result<Dataset, DataError> {
    let files = IdomaarFiles::in_dir(dir)?;
    let mut d = load_idomaar_files(&files, options)?;
    d.source = format!("30music-idomaar:{}", dir.display());
    Ok(d)
}

/// Loads the given idomaar files into a [`Dataset`]: `sessions` (when a sessions file is given;
/// else the playlists), `interactions` (one row per play), `playlists`, `loves` and `tags`.
///
/// The artist vocabulary holds the persons (ids as in the file, e.g. `"707"`, URL-decoded names)
/// in file order, then any artist a track names that persons.idomaar lacks (only when no persons
/// file is given). The user vocabulary holds the users of users.idomaar in file order (or, without
/// it, users in order of appearance). Play start = session timestamp + `playstart`; play duration
/// = `playtime` (none when null or negative).
///
/// Counted in the report, never silently dropped: empty playlists and sessions
/// (`"objects":[[]]`), tracks without artists and the plays of such tracks; in lenient mode every
/// skipped line or play by reason (`"unknown track"`, `"bad number"`, `"truncated JSON"`, …).
///
/// # Errors
/// [`DataError::Invalid`] when sessions, playlists or loves are given without tracks;
/// [`DataError::Io`] for an unreadable file; [`DataError::Empty`] for a file without records
/// (strict mode); [`DataError::Parse`] naming file:line for the first bad line (strict mode):
/// a missing field, a wrong record type, a non-number id or timestamp, invalid UTF-8, truncated or
/// malformed JSON, a wrong JSON value, a duplicate id, or an unknown track, user, artist or tag.
pub fn load_idomaar_files(
    files: &IdomaarFiles,
    options: &IdomaarOptions,
) -> Result<Dataset, DataError> {
    let needs_tracks =
        files.sessions.is_some() || files.playlists.is_some() || files.loves.is_some();
    if needs_tracks && files.tracks.is_none() {
        return Err(DataError::Invalid(
            "sessions, playlists and loves need tracks.idomaar to map tracks to artists; none given".into(),
        ));
    }
    let mut l = Loader {
        opts: options.clone(),
        report: Report::new(),
        users: Vocabulary::new(),
        user_ids: IdMap::new(),
        users_fixed: files.users.clone(),
        artists: Vocabulary::new(),
        person_ids: IdMap::new(),
        persons_fixed: files.persons.clone(),
        tags: Vocabulary::new(),
        tag_ids: IdMap::new(),
        tags_fixed: files.tags.clone(),
        tracks: Tracks::default(),
        tracks_file: files.tracks.clone().unwrap_or_default(),
        by_artist: Vec::new(),
        any_track_tags: false,
        drops: BTreeMap::new(),
    };
    if let Some(p) = &files.users {
        l.load_users(p)?;
    }
    if let Some(p) = &files.persons {
        l.load_persons(p)?;
    }
    if let Some(p) = &files.tags {
        l.load_tags(p)?;
    }
    if let Some(p) = &files.tracks {
        l.load_tracks(p)?;
    }
    let sessions = match &files.sessions {
        Some(p) => Some(l.load_relations(p, Rel::Session)?.0),
        None => None,
    };
    let playlists = match &files.playlists {
        Some(p) => Some(l.load_relations(p, Rel::Playlist)?.0),
        None => None,
    };
    let loves = match &files.loves {
        Some(p) => Some(l.load_relations(p, Rel::Love)?.1),
        None => None,
    };
    l.finish(files, sessions, playlists, loves)
}

/// Decodes an idomaar name: `+` is a space and `%XX` a byte; the bytes are read as UTF-8, or as
/// ISO-8859-1 when they are not valid UTF-8. A `%` not followed by two hex digits is kept.
///
/// ```
/// use artist2vec_data::idomaar::url_decode;
/// assert_eq!(url_decode("Simon+%26+Garfunkel"), "Simon & Garfunkel");
/// assert_eq!(url_decode("Beyonc%C3%A9"), "Beyoncé");
/// assert_eq!(url_decode("Beyonc%E9"), "Beyoncé");
/// ```
pub fn url_decode(s: &str) -> Cow<'_, str> {
    if !s.bytes().any(|b| b == b'+' || b == b'%') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() && hex(b[i + 1]).is_some() && hex(b[i + 2]).is_some() => {
                out.push(hex(b[i + 1]).unwrap_or(0) * 16 + hex(b[i + 2]).unwrap_or(0));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(e) => Cow::Owned(e.into_bytes().iter().map(|&c| c as char).collect()),
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Encodes a name the way idomaar files do: space → `+`, ASCII letters, digits and `-_.~` kept,
/// every other byte of the UTF-8 encoding as `%XX`. [`url_decode`] inverts it.
///
/// ```
/// use artist2vec_data::idomaar::{url_decode, url_encode};
/// assert_eq!(url_encode("AC/DC & Björk"), "AC%2FDC+%26+Bj%C3%B6rk");
/// assert_eq!(url_decode(&url_encode("a+b 100%")), "a+b 100%");
/// ```
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    url_encode_into(s, &mut out);
    out
}

pub(crate) fn url_encode_into(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &c in s.as_bytes() {
        match c {
            b' ' => out.push('+'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(c as char)
            }
            _ => {
                out.push('%');
                out.push(HEX[(c >> 4) as usize] as char);
                out.push(HEX[(c & 15) as usize] as char);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// JSON shapes (borrowed; unknown fields are skipped)

/// An entity reference in a linked-entities list, or an empty `[]` placeholder.
enum Obj<'a> {
    Entity(Entity<'a>),
    Empty,
}

#[derive(Deserialize)]
struct Entity<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    id: u64,
    #[serde(default)]
    playstart: Option<f64>,
    #[serde(default)]
    playtime: Option<f64>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Obj<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Obj<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an entity object {\"type\":…,\"id\":…} or an empty list")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<'a>, A::Error> {
                Entity::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Obj::Entity)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Obj<'a>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Obj::Empty)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct RelLinked<'a> {
    #[serde(default, borrow)]
    subjects: Vec<Obj<'a>>,
    #[serde(default, borrow)]
    objects: Vec<Obj<'a>>,
}

#[derive(Deserialize)]
struct TrackLinked<'a> {
    #[serde(default, borrow)]
    artists: Vec<Obj<'a>>,
    #[serde(default, borrow)]
    tags: Vec<Obj<'a>>,
}

#[derive(Deserialize)]
struct NameProps<'a> {
    #[serde(default, borrow)]
    name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ValueProps<'a> {
    #[serde(default, borrow)]
    value: Option<Cow<'a, str>>,
}

// ---------------------------------------------------------------------------------------------
// Line splitting

/// The common fields of one idomaar line.
struct Fields<'a> {
    id: u64,
    ts: i64,
    props: &'a str,
    linked: &'a str,
}

const FIELD_NAMES: &str = "type, id, timestamp, properties, linked entities";

fn split_line<'a>(
    path: &Path,
    n: u64,
    bytes: &'a [u8],
    kind: &str,
    need_linked: bool,
) -> Result<Fields<'a>, DataError> {
    let line = lines::utf8(path, n, bytes)?;
    let mut it = line.splitn(5, '\t');
    let mut f: [&str; 5] = [""; 5];
    let mut k = 0;
    for (slot, s) in f.iter_mut().zip(&mut it) {
        *slot = s;
        k += 1;
    }
    let need = if need_linked { 5 } else { 4 };
    if k < need {
        return Err(DataError::parse(
            path,
            n,
            format!(
                "missing field: expected {need} tab-separated fields ({FIELD_NAMES}), found {k}"
            ),
        ));
    }
    if f[0] != kind {
        return Err(DataError::parse(
            path,
            n,
            format!(
                "unexpected type: expected \"{kind}\" in field 1, found \"{}\"",
                lines::excerpt(f[0].as_bytes())
            ),
        ));
    }
    let id = lines::parse_u64(f[1].as_bytes()).ok_or_else(|| {
        DataError::parse(
            path,
            n,
            format!(
                "bad number: id \"{}\" in field 2 is not a non-negative integer",
                lines::excerpt(f[1].as_bytes())
            ),
        )
    })?;
    let ts = lines::parse_i64(f[2].as_bytes()).ok_or_else(|| {
        DataError::parse(
            path,
            n,
            format!(
                "bad number: timestamp \"{}\" in field 3 is not an integer (expected seconds since the epoch)",
                lines::excerpt(f[2].as_bytes())
            ),
        )
    })?;
    Ok(Fields {
        id,
        ts,
        props: f[3],
        linked: if k == 5 { f[4] } else { "" },
    })
}

/// Per-chunk parse output: one result per non-blank line, plus shared buffers.
struct ChunkOut<T, X> {
    recs: Vec<(u64, Result<T, DataError>)>,
    extra: X,
}

fn parse_chunk<T, X: Default>(
    chunk: &Chunk,
    path: &Path,
    kind: &str,
    need_linked: bool,
    parse: &(impl Fn(&Path, u64, Fields<'_>, &mut X) -> Result<T, DataError> + Sync),
) -> ChunkOut<T, X> {
    let mut out = ChunkOut {
        recs: Vec::with_capacity(chunk.n_lines() as usize),
        extra: X::default(),
    };
    for (n, bytes) in chunk.lines() {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let r = split_line(path, n, bytes, kind, need_linked)
            .and_then(|f| parse(path, n, f, &mut out.extra));
        out.recs.push((n, r));
    }
    out
}

fn json<'a, T: Deserialize<'a>>(
    path: &Path,
    n: u64,
    s: &'a str,
    field: &str,
    expected: &str,
) -> Result<T, DataError> {
    serde_json::from_str(s).map_err(|e| lines::json_error(path, n, &e, field, expected))
}

fn check_kind(
    path: &Path,
    n: u64,
    e: &Entity<'_>,
    want: &str,
    role: &str,
) -> Result<(), DataError> {
    if e.kind == want {
        Ok(())
    } else {
        Err(DataError::parse(
            path,
            n,
            format!(
                "unexpected type: {role} {} has type \"{}\" (expected \"{want}\")",
                e.id,
                lines::excerpt(e.kind.as_bytes())
            ),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// The loader

#[derive(Default)]
struct Tracks {
    map: IdMap,
    off: Vec<u32>,
    artists: Vec<u32>,
}

impl Tracks {
    fn get(&self, id: u64) -> Option<&[u32]> {
        let t = self.map.get(id)? as usize;
        Some(&self.artists[self.off[t] as usize..self.off[t + 1] as usize])
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rel {
    Session,
    Playlist,
    Love,
}

impl Rel {
    fn kind(self) -> &'static str {
        match self {
            Rel::Session => "event.session",
            Rel::Playlist => "playlist",
            Rel::Love => "preference.love",
        }
    }
    fn noun(self) -> &'static str {
        match self {
            Rel::Session => "session",
            Rel::Playlist => "playlist",
            Rel::Love => "love",
        }
    }
}

/// A play as parsed, before its track is resolved.
struct RawPlay {
    track: u64,
    time: i64,
    duration: Option<u32>,
}

/// Per-chunk buffers of relation records: parsed plays, resolved plays, unknown track ids.
#[derive(Default)]
struct RelBuf {
    raw: Vec<RawPlay>,
    plays: Vec<Play>,
    unknown: Vec<u64>,
}

struct RelRec {
    id: u64,
    user: u64,
    raw: (u32, u32),
    plays: (u32, u32),
    unknown: (u32, u32),
    no_artist: u32,
}

/// Track id → artists under a policy, with a flat id-indexed table of first artists so that the
/// common case (first artist, dense ids) costs one memory access per play.
struct TrackLookup<'a> {
    direct: Vec<u32>,
    tracks: &'a Tracks,
    policy: ArtistPolicy,
}

const NO_TRACK: u32 = u32::MAX;
const NO_ARTIST: u32 = u32::MAX - 1;
/// Not in the flat table: use [`TrackLookup::get`].
const SLOW: u32 = u32::MAX - 2;

impl<'a> TrackLookup<'a> {
    fn new(tracks: &'a Tracks, policy: ArtistPolicy) -> Self {
        let direct = match policy {
            ArtistPolicy::First => tracks
                .map
                .dense()
                .iter()
                .map(|&t| {
                    if t == u32::MAX {
                        NO_TRACK
                    } else {
                        let (a, b) = (tracks.off[t as usize], tracks.off[t as usize + 1]);
                        if a == b {
                            NO_ARTIST
                        } else {
                            tracks.artists[a as usize]
                        }
                    }
                })
                .collect(),
            ArtistPolicy::All => Vec::new(),
        };
        Self {
            direct,
            tracks,
            policy,
        }
    }

    /// The first artist from the flat table, [`NO_TRACK`], [`NO_ARTIST`] or [`SLOW`].
    fn fast(&self, id: u64) -> u32 {
        match self.direct.get(id as usize) {
            Some(&NO_TRACK) if self.tracks.map.has_sparse() => SLOW,
            Some(&v) => v,
            None => SLOW,
        }
    }

    fn get(&self, id: u64) -> Option<&[u32]> {
        if let Some(v) = self.direct.get(id as usize) {
            match *v {
                NO_ARTIST => return Some(&[]),
                NO_TRACK if !self.tracks.map.has_sparse() => return None,
                NO_TRACK => {}
                _ => return Some(std::slice::from_ref(v)),
            }
        }
        let arts = self.tracks.get(id)?;
        Some(match self.policy {
            ArtistPolicy::First => &arts[..arts.len().min(1)],
            ArtistPolicy::All => arts,
        })
    }
}

struct Loader {
    opts: IdomaarOptions,
    report: Report,
    users: Vocabulary,
    user_ids: IdMap,
    users_fixed: Option<PathBuf>,
    artists: Vocabulary,
    person_ids: IdMap,
    persons_fixed: Option<PathBuf>,
    tags: Vocabulary,
    tag_ids: IdMap,
    tags_fixed: Option<PathBuf>,
    tracks: Tracks,
    tracks_file: PathBuf,
    by_artist: Vec<Vec<u32>>,
    any_track_tags: bool,
    drops: BTreeMap<&'static str, u64>,
}

impl Loader {
    /// Reads one file in parallel chunks; `sink` sees every parsed record in file order.
    ///
    /// `post` runs on each parsed chunk in the parallel stage, after `parse` saw all its lines.
    fn drive<T, X, P, Q, S>(
        &mut self,
        path: &Path,
        kind: &'static str,
        need_linked: bool,
        parse: P,
        post: Q,
        mut sink: S,
    ) -> Result<u64, DataError>
    where
        T: Send,
        X: Default + Send,
        P: Fn(&Path, u64, Fields<'_>, &mut X) -> Result<T, DataError> + Sync,
        Q: Fn(&mut ChunkOut<T, X>) + Sync,
        S: FnMut(&mut Self, u64, T, &X) -> Result<(), DataError> + Send,
    {
        let mut records = 0u64;
        let mut n_lines = 0u64;
        let mode = self.opts.mode;
        lines::par_map_chunks(
            path,
            self.opts.chunk_bytes,
            |chunk| {
                let mut out = parse_chunk(chunk, path, kind, need_linked, &parse);
                post(&mut out);
                out
            },
            |chunk, out: ChunkOut<T, X>| {
                n_lines += chunk.n_lines();
                for (n, r) in out.recs {
                    records += 1;
                    match r {
                        Ok(t) => sink(self, n, t, &out.extra)?,
                        Err(e) => self.report.bad_line(mode, e)?,
                    }
                }
                Ok(())
            },
        )?;
        lines::count_lines(&mut self.report, path, n_lines);
        if records == 0 {
            lines::empty_file(&mut self.report, mode, path, &format!("\"{kind}\" lines"))?;
        }
        Ok(records)
    }

    fn bad(&mut self, err: DataError) -> Result<(), DataError> {
        self.report.bad_line(self.opts.mode, err)
    }

    fn load_users(&mut self, path: &Path) -> Result<(), DataError> {
        self.drive(
            path,
            "user",
            false,
            |_, _, f, _: &mut ()| Ok(f.id),
            |_| {},
            |l, n, id, _| {
                let ix = l.users.len() as u32;
                if l.user_ids.insert(id, ix).is_some() {
                    return l.bad(duplicate(path, n, "user", id));
                }
                l.users.insert(id.to_string());
                Ok(())
            },
        )?;
        Ok(())
    }

    fn load_persons(&mut self, path: &Path) -> Result<(), DataError> {
        let parse = |p: &Path, n: u64, f: Fields<'_>, _: &mut ()| {
            let props: NameProps<'_> = json(
                p,
                n,
                f.props,
                "properties field 4",
                "a JSON object with a \"name\"",
            )?;
            Ok((f.id, props.name.map(|s| url_decode(&s).into_owned())))
        };
        self.drive(
            path,
            "person",
            false,
            parse,
            |_| {},
            |l, n, (id, name), _| {
                let ix = l.artists.len() as u32;
                if l.person_ids.insert(id, ix).is_some() {
                    return l.bad(duplicate(path, n, "person", id));
                }
                let ix = l.artists.insert(id.to_string());
                if let Some(name) = name {
                    l.artists.set_name(ix, name);
                }
                Ok(())
            },
        )?;
        Ok(())
    }

    fn load_tags(&mut self, path: &Path) -> Result<(), DataError> {
        let parse = |p: &Path, n: u64, f: Fields<'_>, _: &mut ()| {
            let props: ValueProps<'_> = json(
                p,
                n,
                f.props,
                "properties field 4",
                "a JSON object with a \"value\"",
            )?;
            Ok((f.id, props.value.map(|s| url_decode(&s).into_owned())))
        };
        self.drive(
            path,
            "tag",
            false,
            parse,
            |_| {},
            |l, n, (id, value), _| {
                let ix = l.tags.len() as u32;
                if l.tag_ids.insert(id, ix).is_some() {
                    return l.bad(duplicate(path, n, "tag", id));
                }
                let ix = l.tags.insert(id.to_string());
                if let Some(v) = value {
                    l.tags.set_name(ix, v);
                }
                Ok(())
            },
        )?;
        Ok(())
    }

    fn load_tracks(&mut self, path: &Path) -> Result<(), DataError> {
        // Per chunk: person ids and tag ids of all tracks, each track holding its two ranges.
        let parse = |p: &Path, n: u64, f: Fields<'_>, x: &mut (Vec<u64>, Vec<u64>)| {
            let linked: TrackLinked<'_> = json(
                p,
                n,
                f.linked,
                "linked-entities field 5",
                "{\"artists\":[{\"type\":\"person\",\"id\":N},…]}",
            )?;
            let a0 = x.0.len() as u32;
            let t0 = x.1.len() as u32;
            for o in &linked.artists {
                if let Obj::Entity(e) = o {
                    check_kind(p, n, e, "person", "artist")?;
                    x.0.push(e.id);
                }
            }
            for o in &linked.tags {
                if let Obj::Entity(e) = o {
                    check_kind(p, n, e, "tag", "tag")?;
                    x.1.push(e.id);
                }
            }
            Ok((f.id, (a0, x.0.len() as u32), (t0, x.1.len() as u32)))
        };
        self.tracks.off.push(0);
        let mut arts: Vec<u32> = Vec::new();
        let mut tags: Vec<u32> = Vec::new();
        self.drive(path, "track", true, parse, |_| {}, |l, n, (id, ar, tr), x: &(Vec<u64>, Vec<u64>)| {
            arts.clear();
            for &pid in &x.0[ar.0 as usize..ar.1 as usize] {
                match l.person(pid) {
                    Some(a) => arts.push(a),
                    None => {
                        let err = DataError::parse(
                            path,
                            n,
                            format!(
                                "unknown artist: track {id} names person {pid}, which is not in {} (expected a person id defined there)",
                                file_name(l.persons_fixed.as_deref())
                            ),
                        );
                        l.bad(err)?;
                    }
                }
            }
            tags.clear();
            for &tid in &x.1[tr.0 as usize..tr.1 as usize] {
                match l.tag(tid) {
                    Some(t) => tags.push(t),
                    None => {
                        let err = DataError::parse(
                            path,
                            n,
                            format!(
                                "unknown tag: track {id} names tag {tid}, which is not in {} (expected a tag id defined there)",
                                file_name(l.tags_fixed.as_deref())
                            ),
                        );
                        l.bad(err)?;
                    }
                }
            }
            let t = (l.tracks.off.len() - 1) as u32;
            if l.tracks.map.insert(id, t).is_some() {
                return l.bad(duplicate(path, n, "track", id));
            }
            if arts.is_empty() {
                *l.drops.entry("track without artist").or_default() += 1;
            }
            l.tracks.artists.extend_from_slice(&arts);
            l.tracks.off.push(l.tracks.artists.len() as u32);
            if !tags.is_empty() {
                l.any_track_tags = true;
                let take = match l.opts.artists {
                    ArtistPolicy::First => arts.len().min(1),
                    ArtistPolicy::All => arts.len(),
                };
                for &a in &arts[..take] {
                    if l.by_artist.len() <= a as usize {
                        l.by_artist.resize(a as usize + 1, Vec::new());
                    }
                    l.by_artist[a as usize].extend_from_slice(&tags);
                }
            }
            Ok(())
        })?;
        Ok(())
    }

    fn person(&mut self, pid: u64) -> Option<u32> {
        if let Some(a) = self.person_ids.get(pid) {
            return Some(a);
        }
        if self.persons_fixed.is_some() {
            return None;
        }
        let a = self.artists.insert(pid.to_string());
        self.person_ids.insert(pid, a);
        Some(a)
    }

    fn tag(&mut self, tid: u64) -> Option<u32> {
        if let Some(t) = self.tag_ids.get(tid) {
            return Some(t);
        }
        if self.tags_fixed.is_some() {
            return None;
        }
        let t = self.tags.insert(tid.to_string());
        self.tag_ids.insert(tid, t);
        Some(t)
    }

    fn user(&mut self, uid: u64) -> Option<u32> {
        if let Some(u) = self.user_ids.get(uid) {
            return Some(u);
        }
        if self.users_fixed.is_some() {
            return None;
        }
        let u = self.users.insert(uid.to_string());
        self.user_ids.insert(uid, u);
        Some(u)
    }

    /// Loads sessions, playlists or loves: sessions/playlists as [`Sessions`], loves as
    /// (user, artist, time) rows (the other half of the pair is empty).
    ///
    /// Tracks are resolved to artists in the parallel parsing stage; the sequential stage only
    /// resolves users, counts and appends.
    fn load_relations(
        &mut self,
        path: &Path,
        rel: Rel,
    ) -> Result<(Sessions, Vec<(u32, u32, i64)>), DataError> {
        let tracks = std::mem::take(&mut self.tracks);
        let lookup = TrackLookup::new(&tracks, self.opts.artists);
        let lookup = &lookup;
        let parse = move |p: &Path, n: u64, f: Fields<'_>, x: &mut RelBuf| {
            let linked: RelLinked<'_> = json(
                p,
                n,
                f.linked,
                "linked-entities field 5",
                "{\"subjects\":[{\"type\":\"user\",\"id\":N}],\"objects\":[{\"type\":\"track\",\"id\":N,…},…]}",
            )?;
            let mut user = None;
            for s in &linked.subjects {
                if let Obj::Entity(e) = s {
                    if e.kind == "user" {
                        user = Some(e.id);
                        break;
                    }
                }
            }
            let user = user.ok_or_else(|| {
                DataError::parse(
                    p,
                    n,
                    format!(
                        "missing user: {} {} has no subject of type \"user\"",
                        rel.noun(),
                        f.id
                    ),
                )
            })?;
            let start = x.raw.len() as u32;
            for o in &linked.objects {
                let Obj::Entity(e) = o else { continue };
                check_kind(p, n, e, "track", "object")?;
                let (offset, duration) = if rel == Rel::Session {
                    let ps = e.playstart.ok_or_else(|| {
                        DataError::parse(
                            p,
                            n,
                            format!("missing field: play of track {} has no \"playstart\" (expected seconds after the session start)", e.id),
                        )
                    })?;
                    if !ps.is_finite() {
                        return Err(DataError::parse(
                            p,
                            n,
                            format!("bad number: play of track {} has playstart {ps}", e.id),
                        ));
                    }
                    let dur = e
                        .playtime
                        .filter(|t| t.is_finite() && *t >= 0.0)
                        .map(|t| t.round().min((u32::MAX - 1) as f64) as u32);
                    (ps.round() as i64, dur)
                } else {
                    (0, None)
                };
                x.raw.push(RawPlay {
                    track: e.id,
                    time: f.ts + offset,
                    duration,
                });
            }
            Ok(RelRec {
                id: f.id,
                user,
                raw: (start, x.raw.len() as u32),
                plays: (0, 0),
                unknown: (0, 0),
                no_artist: 0,
            })
        };
        // Resolve all tracks of a chunk in one tight loop (independent loads overlap), then
        // assemble each record's plays.
        let post = move |out: &mut ChunkOut<RelRec, RelBuf>| {
            let x = &mut out.extra;
            let hits: Vec<u32> = x.raw.iter().map(|p| lookup.fast(p.track)).collect();
            x.plays.reserve(x.raw.len());
            for (_, r) in out.recs.iter_mut() {
                let Ok(rec) = r else { continue };
                let (p0, u0) = (x.plays.len() as u32, x.unknown.len() as u32);
                for i in rec.raw.0 as usize..rec.raw.1 as usize {
                    let p = &x.raw[i];
                    let play = |a: u32| Play {
                        item: a,
                        time: p.time,
                        duration: p.duration,
                    };
                    match hits[i] {
                        NO_TRACK => x.unknown.push(p.track),
                        NO_ARTIST => rec.no_artist += 1,
                        SLOW => match lookup.get(p.track) {
                            None => x.unknown.push(p.track),
                            Some([]) => rec.no_artist += 1,
                            Some(arts) => x.plays.extend(arts.iter().map(|&a| play(a))),
                        },
                        a => x.plays.push(play(a)),
                    }
                }
                rec.plays = (p0, x.plays.len() as u32);
                rec.unknown = (u0, x.unknown.len() as u32);
            }
        };
        let mut sessions = Sessions::new(
            std::mem::take(&mut self.users),
            std::mem::take(&mut self.artists),
            rel == Rel::Session,
        );
        let mut loves: Vec<(u32, u32, i64)> = Vec::new();
        let empty_key = match rel {
            Rel::Session => "empty session",
            Rel::Playlist => "empty playlist",
            Rel::Love => "love without track",
        };
        let (mut n_empty, mut n_no_artist) = (0u64, 0u64);
        let result = self.drive(path, rel.kind(), true, parse, post, |l, n, r, x: &RelBuf| {
            // The vocabularies live in `sessions` while loading.
            std::mem::swap(&mut l.users, &mut sessions.users);
            let user = l.user(r.user);
            std::mem::swap(&mut l.users, &mut sessions.users);
            let Some(user) = user else {
                let err = DataError::parse(
                    path,
                    n,
                    format!(
                        "unknown user: {} {} names user {}, which is not in {} (expected a user id defined there)",
                        rel.noun(),
                        r.id,
                        r.user,
                        file_name(l.users_fixed.as_deref())
                    ),
                );
                return l.bad(err);
            };
            for &t in &x.unknown[r.unknown.0 as usize..r.unknown.1 as usize] {
                let err = DataError::parse(
                    path,
                    n,
                    format!(
                        "unknown track: {} {} names track {t}, which is not in {} (expected a track id defined there)",
                        rel.noun(),
                        r.id,
                        l.tracks_file.display()
                    ),
                );
                l.bad(err)?;
            }
            n_no_artist += r.no_artist as u64;
            let plays = &x.plays[r.plays.0 as usize..r.plays.1 as usize];
            if plays.is_empty() {
                n_empty += 1;
                return Ok(());
            }
            if rel == Rel::Love {
                loves.extend(plays.iter().map(|p| (user, p.item, p.time)));
            } else {
                sessions.push(r.id, user, plays.iter().copied()).map_err(DataError::from)?;
            }
            Ok(())
        });
        self.users = std::mem::take(&mut sessions.users);
        self.artists = std::mem::take(&mut sessions.items);
        self.tracks = tracks;
        *self.drops.entry(empty_key).or_default() += n_empty;
        *self
            .drops
            .entry("play of a track without artist")
            .or_default() += n_no_artist;
        result?;
        Ok((sessions, loves))
    }

    fn finish(
        mut self,
        files: &IdomaarFiles,
        sessions: Option<Sessions>,
        playlists: Option<Sessions>,
        loves: Option<Vec<(u32, u32, i64)>>,
    ) -> Result<Dataset, DataError> {
        let with_vocab = |mut s: Sessions, users: &Vocabulary, artists: &Vocabulary| {
            s.users = users.clone();
            s.items = artists.clone();
            s
        };
        let sessions = sessions.map(|s| with_vocab(s, &self.users, &self.artists));
        let playlists = playlists.map(|s| with_vocab(s, &self.users, &self.artists));
        let loves = match loves {
            Some(rows) => Some(Interactions::from_columns(
                self.users.clone(),
                self.artists.clone(),
                rows.iter().map(|r| r.0).collect(),
                rows.iter().map(|r| r.1).collect(),
                vec![1.0; rows.len()],
                Some(rows.iter().map(|r| r.2).collect()),
            )?),
            None => None,
        };
        for (k, v) in std::mem::take(&mut self.drops) {
            self.report.drop_rows(k, v);
        }
        let tags = (files.tags.is_some() || self.any_track_tags).then(|| {
            let mut by_artist = std::mem::take(&mut self.by_artist);
            by_artist.resize(self.artists.len(), Vec::new());
            for v in &mut by_artist {
                v.sort_unstable();
                v.dedup();
            }
            ArtistTags {
                tags: std::mem::take(&mut self.tags),
                by_artist,
            }
        });
        let report = std::mem::take(&mut self.report);
        let source = "30music-idomaar".to_owned();
        let mut d = match (sessions, playlists) {
            (Some(s), p) => {
                let mut d = Dataset::from_sessions(source, s, report);
                d.playlists = p;
                d
            }
            (None, Some(p)) => Dataset::from_sessions(source, p, report),
            (None, None) => {
                let i = match &loves {
                    Some(l) => l.clone(),
                    None => Interactions::new(self.users.clone(), self.artists.clone(), true),
                };
                Dataset::from_interactions(source, i, report)
            }
        };
        d.loves = loves;
        d.tags = tags;
        Ok(d)
    }
}

fn duplicate(path: &Path, n: u64, what: &str, id: u64) -> DataError {
    DataError::parse(
        path,
        n,
        format!("duplicate id: {what} {id} is defined twice (expected each id once)"),
    )
}

fn file_name(p: Option<&Path>) -> String {
    p.map_or_else(|| "the given files".to_owned(), |p| p.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_coding_roundtrips() {
        for s in [
            "",
            "plain",
            "Simon & Garfunkel",
            "a+b=c 100%",
            "Sigur Rós",
            "日本",
            "tab\there",
        ] {
            assert_eq!(url_decode(&url_encode(s)), s);
        }
        assert_eq!(url_decode("50%"), "50%");
        assert_eq!(url_decode("%zz+x"), "%zz x");
    }

    #[test]
    fn obj_accepts_entities_and_empty_lists() {
        let l: RelLinked<'_> = serde_json::from_str(
            r#"{"subjects":[{"type":"user","id":3}],"objects":[[]],"other":{"x":[1,2]}}"#,
        )
        .unwrap();
        assert!(matches!(l.subjects[0], Obj::Entity(Entity { id: 3, .. })));
        assert!(matches!(l.objects[0], Obj::Empty));
    }

    #[test]
    fn idmap_dense_and_sparse() {
        let mut m = IdMap::new();
        assert_eq!(m.insert(5, 0), None);
        assert_eq!(m.insert(1 << 40, 1), None);
        assert_eq!(m.insert(7, 2), None);
        assert_eq!(m.insert(5, 9), Some(0));
        assert_eq!(m.get(5), Some(0));
        assert_eq!(m.get(1 << 40), Some(1));
        assert_eq!(m.get(7), Some(2));
        assert_eq!(m.get(6), None);
        assert_eq!(m.len(), 3);
    }
}
