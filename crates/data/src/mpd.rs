//! Playlists in the layout of the Million Playlist Dataset (MPD) slices:
//! `{"info":{…},"playlists":[{"pid":…,"name":…,"modified_at":…,"tracks":[{"pos":…,
//! "artist_name":…,"artist_uri":…,"track_uri":…,"duration_ms":…},…]},…]}` — one file or a
//! directory of slices (`mpd.slice.0-999.json`, …, read in natural name order).
//!
//! Each playlist becomes a session: the user is the playlist (its `pid`, as a string), the session
//! id is the `pid`, plays are its tracks in `pos` order, all at `modified_at`, with durations from
//! `duration_ms` (rounded to seconds). Artists are keyed by `artist_uri` and named by
//! `artist_name`.
//!
//! Each slice is read into memory once and split into playlists without building a JSON tree;
//! every playlist is then parsed on its own with borrowed serde structs, so a bad playlist is
//! reported (or, in lenient mode, skipped) with the line and column where it goes wrong, and
//! slices are parsed in parallel.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use artist2vec_core::{Play, Sessions, Vocabulary};
use rayon::prelude::*;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

use crate::lines::{self, FxHashMap};
use crate::{DataError, Dataset, Mode, Report};

/// How to read MPD slices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MpdOptions {
    /// Strict (first bad playlist is an error) or lenient (bad playlists skipped and counted).
    pub mode: Mode,
}

impl MpdOptions {
    /// Strict mode.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the mode.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }
}

#[derive(Deserialize)]
struct PlaylistJ<'a> {
    pid: u64,
    modified_at: i64,
    #[serde(borrow)]
    tracks: Vec<TrackJ<'a>>,
}

#[derive(Deserialize)]
struct TrackJ<'a> {
    #[serde(default)]
    pos: Option<u64>,
    #[serde(borrow, default)]
    artist_name: Cow<'a, str>,
    #[serde(borrow, default)]
    artist_uri: Cow<'a, str>,
    #[serde(default)]
    duration_ms: Option<f64>,
}

struct PlaylistOut {
    pid: u64,
    line: u64,
    time: i64,
    plays: Vec<(u32, Option<u32>)>,
}

#[derive(Default)]
struct FileOut {
    artists: Vec<(String, String)>,
    playlists: Vec<PlaylistOut>,
    /// Errors in file order (skipped in lenient mode).
    errors: Vec<DataError>,
    n_lines: u64,
    n_empty: u64,
    n_seen: u64,
}

/// Loads one MPD slice or a directory of them (files ending in `.json`).
///
/// # Errors
/// [`DataError::Io`] for an unreadable file; [`DataError::Invalid`] for a directory without
/// `.json` files; [`DataError::Empty`] for a slice without playlists (strict mode);
/// [`DataError::Parse`] naming file:line (and column) for the first bad input (strict mode):
/// truncated or malformed JSON, a missing `"playlists"` array, a playlist without `pid`,
/// `modified_at` or `tracks`, a wrong value type (e.g. a string where a number belongs), a track
/// with neither artist URI nor name, a playlist id seen before, or invalid UTF-8 (which lenient
/// mode counts and decodes lossily).
///
/// # Example
///
/// ```
/// use artist2vec_data::{load_mpd, MpdOptions};
///
/// let path = std::env::temp_dir().join(format!("a2v-doc-mpd-{}.json", std::process::id()));
/// std::fs::write(&path, r#"{"info": {"slice": "0-0"}, "playlists": [
///   {"pid": 7, "name": "mix", "modified_at": 1493424000, "tracks": [
///     {"pos": 1, "artist_name": "Beyonc\u00e9", "artist_uri": "spotify:artist:6vWD", "track_uri": "t2", "duration_ms": 236000},
///     {"pos": 0, "artist_name": "Toto", "artist_uri": "spotify:artist:0PFt", "track_uri": "t1", "duration_ms": 295000}]}]}"#)?;
/// let data = load_mpd(&path, &MpdOptions::new())?;
/// let s = data.sessions.as_ref().unwrap().get(0);
/// assert_eq!((s.id, data.users().id(s.user)), (7, "7"));
/// let names: Vec<&str> = s.items.iter().map(|&a| data.artists().name(a)).collect();
/// assert_eq!(names, ["Toto", "Beyoncé"]);
/// assert_eq!(s.durations.unwrap(), &[295, 236]);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_mpd(path: &Path, options: &MpdOptions) -> Result<Dataset, DataError> {
    let files = if path.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| DataError::io(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
            .collect();
        v.sort_by(|a, b| natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
        if v.is_empty() {
            return Err(DataError::Invalid(format!(
                "{}: no .json files (expected MPD slices such as mpd.slice.0-999.json)",
                path.display()
            )));
        }
        v
    } else {
        vec![path.to_owned()]
    };
    let mode = options.mode;
    let mut report = Report::new();
    let mut sessions = Sessions::new(Vocabulary::new(), Vocabulary::new(), true);
    let mut n_empty = 0u64;
    let batch = rayon::current_num_threads().max(1);
    for group in files.chunks(batch) {
        let outs: Vec<Result<FileOut, DataError>> =
            group.par_iter().map(|p| parse_file(p, mode)).collect();
        for (p, out) in group.iter().zip(outs) {
            let out = out?;
            for e in out.errors {
                report.bad_line(mode, e)?;
            }
            lines::count_lines(&mut report, p, out.n_lines);
            if out.n_seen == 0 {
                lines::empty_file(
                    &mut report,
                    mode,
                    p,
                    "a \"playlists\" array with at least one playlist",
                )?;
            }
            n_empty += out.n_empty;
            let map: Vec<u32> = out
                .artists
                .iter()
                .map(|(uri, name)| {
                    let before = sessions.items.len();
                    let ix = sessions.items.insert_str(uri);
                    if sessions.items.len() > before && !name.is_empty() {
                        sessions.items.set_name(ix, name.as_str());
                    }
                    ix
                })
                .collect();
            for pl in out.playlists {
                let key = pl.pid.to_string();
                if sessions.users.get(&key).is_some() {
                    report.bad_line(
                        mode,
                        DataError::parse(
                            p,
                            pl.line,
                            format!("duplicate id: playlist pid {} was seen before (expected each pid once)", pl.pid),
                        ),
                    )?;
                    continue;
                }
                let user = sessions.users.insert(key);
                let plays = pl.plays.iter().map(|&(a, d)| Play {
                    item: map[a as usize],
                    time: pl.time,
                    duration: d,
                });
                sessions.push(pl.pid, user, plays)?;
            }
        }
    }
    report.drop_rows("empty playlist", n_empty);
    Ok(Dataset::from_sessions(
        format!("mpd:{}", path.display()),
        sessions,
        report,
    ))
}

fn parse_file(path: &Path, mode: Mode) -> Result<FileOut, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    let mut out = FileOut {
        n_lines: memchr::memchr_iter(b'\n', &bytes).count() as u64
            + u64::from(bytes.last().is_some_and(|&b| b != b'\n')),
        ..FileOut::default()
    };
    let text: Cow<'_, str> = match std::str::from_utf8(&bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(e) => {
            let at = e.valid_up_to();
            let line = 1 + memchr::memchr_iter(b'\n', &bytes[..at]).count() as u64;
            let col = at - memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1) + 1;
            out.errors.push(DataError::parse(
                path,
                line,
                format!(
                    "invalid UTF-8: byte 0x{:02X} at column {col} is not valid UTF-8 (expected UTF-8 JSON)",
                    bytes[at]
                ),
            ));
            if mode == Mode::Strict {
                return Ok(out);
            }
            Cow::Owned(String::from_utf8_lossy(&bytes).into_owned())
        }
    };
    let text: &str = &text;
    if text.trim().is_empty() {
        return Ok(out);
    }
    let mut raws: Vec<&RawValue> = Vec::new();
    let mut found = false;
    let mut de = serde_json::Deserializer::from_str(text);
    let top = (&mut de)
        .deserialize_map(TopVisitor {
            out: &mut raws,
            found: &mut found,
        })
        .and_then(|()| de.end());
    let mut pos = Position::new(text);
    let mut local: FxHashMap<String, u32> = FxHashMap::default();
    for raw in &raws {
        out.n_seen += 1;
        let off = raw.get().as_ptr() as usize - text.as_ptr() as usize;
        let (line, col) = pos.at(off);
        match parse_playlist(path, raw.get(), line, col, &mut local, &mut out.artists) {
            Ok(Some(pl)) => out.playlists.push(pl),
            Ok(None) => out.n_empty += 1,
            Err(e) => {
                out.errors.push(e);
                if mode == Mode::Strict {
                    return Ok(out);
                }
            }
        }
    }
    match top {
        Err(e) => {
            let (line, col) = (e.line() as u64, e.column());
            out.errors.push(json_err(
                path,
                line,
                col,
                &e,
                "an MPD slice {\"info\":…,\"playlists\":[…]}",
            ));
        }
        Ok(()) if !found => out.errors.push(DataError::parse(
            path,
            1,
            "missing field: no \"playlists\" array (expected {\"info\":…,\"playlists\":[…]})",
        )),
        Ok(()) => {}
    }
    Ok(out)
}

fn parse_playlist(
    path: &Path,
    raw: &str,
    line: u64,
    col: usize,
    local: &mut FxHashMap<String, u32>,
    artists: &mut Vec<(String, String)>,
) -> Result<Option<PlaylistOut>, DataError> {
    let pl: PlaylistJ<'_> = serde_json::from_str(raw).map_err(|e| {
        let (l, c) = (e.line() as u64, e.column());
        let (al, ac) = if l <= 1 { (line, col + c.saturating_sub(1)) } else { (line + l - 1, c) };
        json_err(
            path,
            al,
            ac,
            &e,
            "a playlist {\"pid\":N,\"modified_at\":N,\"tracks\":[{\"pos\":N,\"artist_name\":…,\"artist_uri\":…,…}]}",
        )
    })?;
    if pl.tracks.is_empty() {
        return Ok(None);
    }
    let mut tracks: Vec<(u64, usize)> = pl
        .tracks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.pos.unwrap_or(i as u64), i))
        .collect();
    tracks.sort_by_key(|&(p, _)| p);
    let mut plays = Vec::with_capacity(tracks.len());
    for (_, i) in tracks {
        let t = &pl.tracks[i];
        let key: &str = if t.artist_uri.is_empty() {
            &t.artist_name
        } else {
            &t.artist_uri
        };
        if key.is_empty() {
            return Err(DataError::parse(
                path,
                line,
                format!(
                    "missing artist: track {i} of playlist {} has neither artist_uri nor artist_name",
                    pl.pid
                ),
            ));
        }
        let a = match local.get(key) {
            Some(&a) => a,
            None => {
                let a = artists.len() as u32;
                artists.push((key.to_owned(), t.artist_name.to_string()));
                local.insert(key.to_owned(), a);
                a
            }
        };
        let d = t
            .duration_ms
            .filter(|d| d.is_finite() && *d >= 0.0)
            .map(|d| (d / 1000.0).round().min((u32::MAX - 1) as f64) as u32);
        plays.push((a, d));
    }
    Ok(Some(PlaylistOut {
        pid: pl.pid,
        line,
        time: pl.modified_at,
        plays,
    }))
}

/// A serde_json error as a parse error at an absolute line and column.
fn json_err(
    path: &Path,
    line: u64,
    col: usize,
    e: &serde_json::Error,
    expected: &str,
) -> DataError {
    use serde_json::error::Category;
    let reason = match e.classify() {
        Category::Eof => "truncated JSON",
        Category::Syntax | Category::Io => "bad JSON",
        Category::Data => "bad value",
    };
    let msg = e.to_string();
    let msg = msg.rfind(" at line ").map_or(msg.as_str(), |i| &msg[..i]);
    let msg = artist2vec_core::shorten_quotes(msg);
    DataError::parse(
        path,
        line,
        format!("{reason}: {msg} at column {col} (expected {expected})"),
    )
}

/// Turns increasing byte offsets into 1-based (line, column), scanning the text once.
struct Position<'a> {
    text: &'a [u8],
    off: usize,
    line: u64,
    line_start: usize,
}

impl<'a> Position<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text: text.as_bytes(),
            off: 0,
            line: 1,
            line_start: 0,
        }
    }

    fn at(&mut self, off: usize) -> (u64, usize) {
        if off >= self.off {
            for i in memchr::memchr_iter(b'\n', &self.text[self.off..off]) {
                self.line += 1;
                self.line_start = self.off + i + 1;
            }
            self.off = off;
        }
        (self.line, off - self.line_start + 1)
    }
}

struct TopVisitor<'v, 'a> {
    out: &'v mut Vec<&'a RawValue>,
    found: &'v mut bool,
}

impl<'de> Visitor<'de> for TopVisitor<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an MPD slice object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "playlists" {
                *self.found = true;
                map.next_value_seed(PlaylistsSeed {
                    out: &mut *self.out,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct PlaylistsSeed<'v, 'a> {
    out: &'v mut Vec<&'a RawValue>,
}

impl<'de> DeserializeSeed<'de> for PlaylistsSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for PlaylistsSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of playlists")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(r) = seq.next_element::<&'de RawValue>()? {
            self.out.push(r);
        }
        Ok(())
    }
}

/// Compares names so that embedded numbers sort by value (`slice.2` before `slice.10`).
pub(crate) fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let nx = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let ny = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let (dx, dy) = (&x[..nx], &y[..ny]);
                let tx = dx.iter().skip_while(|&&c| c == b'0').count();
                let ty = dy.iter().skip_while(|&&c| c == b'0').count();
                let o = tx
                    .cmp(&ty)
                    .then_with(|| dx[nx - tx..].cmp(&dy[ny - ty..]))
                    .then(nx.cmp(&ny));
                if o.is_ne() {
                    return o;
                }
                x = &x[nx..];
                y = &y[ny..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut v = vec![
            "mpd.slice.1000-1999.json",
            "mpd.slice.0-999.json",
            "mpd.slice.200-299.json",
        ];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            [
                "mpd.slice.0-999.json",
                "mpd.slice.200-299.json",
                "mpd.slice.1000-1999.json"
            ]
        );
        assert!(natural_cmp("a01", "a1").is_gt());
    }

    #[test]
    fn positions() {
        let t = "ab\ncd\n\nef";
        let mut p = Position::new(t);
        assert_eq!(p.at(0), (1, 1));
        assert_eq!(p.at(4), (2, 2));
        assert_eq!(p.at(8), (4, 2));
    }
}
