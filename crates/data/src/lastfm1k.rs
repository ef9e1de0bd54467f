//! The Last.fm-1K listening log (`userid-timestamp-artid-artname-traid-traname.tsv`), split into
//! sessions by an idle gap.
//!
//! One play per line, six tab-separated fields:
//! `userid\ttimestamp\tartist-mbid\tartist-name\ttrack-mbid\ttrack-name`, with ISO-8601 UTC times
//! (`2009-05-04T23:08:57Z`). Artists are keyed by MusicBrainz id, or by name when the id is
//! empty; the artist name is kept as the display name. The track fields are not used (lines with
//! only the first four fields are accepted). The file lists each user's plays newest first; plays
//! are put back in time order per user (ties keep their true order: the reverse of the file's) and
//! a new session starts whenever more than the idle gap passes between two plays of a user.

use std::cmp::Reverse;
use std::path::Path;

use artist2vec_core::{Play, Sessions, Vocabulary};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::lines::{self, DEFAULT_CHUNK_BYTES, FxHashMap};
use crate::{DataError, Dataset, Mode, Report};

/// The ISO-8601 helpers, at their former path (they live in [`crate::iso8601`]).
pub use crate::iso8601::{format_iso8601, parse_iso8601};

/// Default idle gap that ends a session: 30 minutes.
pub const DEFAULT_SESSION_GAP_SECS: i64 = 30 * 60;

/// How to read a Last.fm-1K file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastFm1kOptions {
    /// Strict (first bad line is an error) or lenient (bad lines skipped and counted).
    pub mode: Mode,
    /// A gap of more than this many seconds between two plays of a user starts a new session.
    /// Default [`DEFAULT_SESSION_GAP_SECS`].
    pub session_gap_secs: i64,
    /// Bytes per parallel parsing chunk. Default [`DEFAULT_CHUNK_BYTES`].
    pub chunk_bytes: usize,
}

impl Default for LastFm1kOptions {
    fn default() -> Self {
        Self {
            mode: Mode::Strict,
            session_gap_secs: DEFAULT_SESSION_GAP_SECS,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
        }
    }
}

impl LastFm1kOptions {
    /// Strict mode, 30-minute sessions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the mode.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the idle gap (seconds) that ends a session.
    pub fn with_session_gap_secs(mut self, secs: i64) -> Self {
        self.session_gap_secs = secs;
        self
    }

    /// Sets the chunk size of the parallel reader (at least 1 byte).
    pub fn with_chunk_bytes(mut self, chunk_bytes: usize) -> Self {
        self.chunk_bytes = chunk_bytes.max(1);
        self
    }
}

/// One parsed line: byte ranges into its chunk, and the chunk-local artist.
struct Rec {
    user: (u32, u32),
    time: i64,
    mbid: (u32, u32),
    name: (u32, u32),
    artist: u32,
}

/// A parsed chunk: its lines, and its distinct artists as (key, name) byte ranges in order of
/// first appearance.
struct ChunkRecs {
    recs: Vec<(u64, Result<Rec, DataError>)>,
    distinct: Vec<((u32, u32), (u32, u32))>,
}

#[derive(Clone, Copy)]
struct Row {
    user: u32,
    artist: u32,
    time: i64,
    seq: u32,
}

/// Loads a Last.fm-1K TSV file and splits each user's plays into sessions.
///
/// Users are numbered in order of first appearance, artists likewise (id = MBID, or the name when
/// the MBID is empty); sessions are ordered by user, then time, and numbered from 0. Plays carry
/// no duration (the log has none).
///
/// # Errors
/// [`DataError::Io`] for an unreadable file; [`DataError::Invalid`] for a negative session gap;
/// [`DataError::Empty`] for a file without plays (strict mode); [`DataError::Parse`] naming
/// file:line for the first bad line (strict mode): fewer than four fields, an empty user, a
/// timestamp that is not ISO-8601, no artist (empty MBID and name), or invalid UTF-8.
///
/// # Example
///
/// ```
/// use artist2vec_data::{load_lastfm1k, LastFm1kOptions};
///
/// let path = std::env::temp_dir().join(format!("a2v-doc-lfm-{}.tsv", std::process::id()));
/// std::fs::write(
///     &path,
///     "u1\t2009-05-04T13:54:10Z\t\tBand B\t\tSong 2\n\
///      u1\t2009-05-04T13:50:00Z\tf1b1cf71-bd35-4e99-8624-24a6e15f133a\tDeep Dish\t\tSong 1\n\
///      u1\t2009-05-03T08:00:00Z\t\tBand B\t\tSong 3\n",
/// )?;
/// let data = load_lastfm1k(&path, &LastFm1kOptions::new())?;
/// let sessions = data.sessions.as_ref().unwrap();
/// assert_eq!(sessions.len(), 2); // a day apart
/// assert_eq!(sessions.get(1).items.len(), 2); // 4 minutes apart, oldest first
/// assert_eq!(data.artists().name(sessions.get(1).items[0]), "Deep Dish");
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_lastfm1k(path: &Path, options: &LastFm1kOptions) -> Result<Dataset, DataError> {
    if options.session_gap_secs < 0 {
        return Err(DataError::Invalid(format!(
            "session gap must be non-negative, got {} s",
            options.session_gap_secs
        )));
    }
    let mode = options.mode;
    let mut report = Report::new();
    let mut users = Vocabulary::new();
    let mut artists = Vocabulary::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut n_lines = 0u64;
    let mut last_user: (Vec<u8>, u32) = (Vec::new(), u32::MAX);
    lines::par_map_chunks(
        path,
        options.chunk_bytes,
        |chunk| {
            // Artists are deduplicated per chunk here, in parallel, so that the sequential
            // stage looks each distinct artist of a chunk up once rather than once per play.
            let data = chunk.data();
            let base = data.as_ptr() as usize;
            let mut out = ChunkRecs {
                recs: Vec::with_capacity(chunk.n_lines() as usize),
                distinct: Vec::new(),
            };
            let mut local: FxHashMap<&[u8], u32> = FxHashMap::default();
            for (n, bytes) in chunk.lines() {
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let off = (bytes.as_ptr() as usize - base) as u32;
                let r = parse_line(path, n, bytes, off).map(|mut r| {
                    let key = if r.mbid.0 == r.mbid.1 { r.name } else { r.mbid };
                    let next = out.distinct.len() as u32;
                    r.artist = *local
                        .entry(&data[key.0 as usize..key.1 as usize])
                        .or_insert_with(|| {
                            out.distinct.push((key, r.name));
                            next
                        });
                    r
                });
                out.recs.push((n, r));
            }
            out
        },
        |chunk, out: ChunkRecs| {
            n_lines += chunk.n_lines();
            let data = chunk.data();
            let field = |r: (u32, u32)| -> &str {
                std::str::from_utf8(&data[r.0 as usize..r.1 as usize])
                    .expect("validated while parsing")
            };
            let mut global: Vec<u32> = Vec::with_capacity(out.distinct.len());
            for &(key, name) in &out.distinct {
                let before = artists.len();
                let a = artists.insert_str(field(key));
                if artists.len() > before && name.0 != name.1 {
                    artists.set_name(a, field(name));
                }
                global.push(a);
            }
            for (_, r) in out.recs {
                let r = match r {
                    Ok(r) => r,
                    Err(e) => {
                        report.bad_line(mode, e)?;
                        continue;
                    }
                };
                let ub = &data[r.user.0 as usize..r.user.1 as usize];
                let user = if last_user.1 != u32::MAX && last_user.0 == ub {
                    last_user.1
                } else {
                    let u = users.insert_str(field(r.user));
                    last_user = (ub.to_vec(), u);
                    u
                };
                let artist = global[r.artist as usize];
                let seq = u32::try_from(rows.len()).map_err(|_| {
                    DataError::Invalid(format!("{}: more than 4 billion plays", path.display()))
                })?;
                rows.push(Row {
                    user,
                    artist,
                    time: r.time,
                    seq,
                });
            }
            Ok(())
        },
    )?;
    lines::count_lines(&mut report, path, n_lines);
    if rows.is_empty() {
        lines::empty_file(
            &mut report,
            mode,
            path,
            "plays (userid, timestamp, artist-mbid, artist-name, …)",
        )?;
    }
    let sessions = sessionize(users, artists, rows, options.session_gap_secs);
    Ok(Dataset::from_sessions(
        format!("lastfm-1k:{}", path.display()),
        sessions,
        report,
    ))
}

/// Orders plays by (user, time), ties in reverse file order, and cuts sessions at gaps.
fn sessionize(users: Vocabulary, artists: Vocabulary, mut rows: Vec<Row>, gap: i64) -> Sessions {
    rows.par_sort_unstable_by_key(|r| (r.user, r.time, Reverse(r.seq)));
    let mut s = Sessions::new(users, artists, false);
    let mut start = 0;
    let mut id = 0u64;
    for i in 1..=rows.len() {
        let cut = i == rows.len()
            || rows[i].user != rows[i - 1].user
            || rows[i].time.saturating_sub(rows[i - 1].time) > gap;
        if cut {
            let plays = rows[start..i].iter().map(|r| Play {
                item: r.artist,
                time: r.time,
                duration: None,
            });
            s.push(id, rows[start].user, plays)
                .expect("indices come from the vocabularies");
            id += 1;
            start = i;
        }
    }
    s
}

fn parse_line(path: &Path, n: u64, bytes: &[u8], off: u32) -> Result<Rec, DataError> {
    lines::utf8(path, n, bytes)?;
    let mut f: [(u32, u32); 4] = [(0, 0); 4];
    let mut pos = 0usize;
    for (k, slot) in f.iter_mut().enumerate() {
        let end = if k == 3 {
            memchr::memchr(b'\t', &bytes[pos..]).map_or(bytes.len(), |t| pos + t)
        } else {
            match memchr::memchr(b'\t', &bytes[pos..]) {
                Some(t) => pos + t,
                None => {
                    return Err(DataError::parse(
                        path,
                        n,
                        format!(
                            "missing field: expected 6 tab-separated fields (userid, timestamp, artist-mbid, \
                             artist-name, track-mbid, track-name), found {}",
                            k + 1
                        ),
                    ));
                }
            }
        };
        *slot = (off + pos as u32, off + end as u32);
        pos = (end + 1).min(bytes.len());
    }
    let get = |r: (u32, u32)| &bytes[(r.0 - off) as usize..(r.1 - off) as usize];
    if f[0].0 == f[0].1 {
        return Err(DataError::parse(
            path,
            n,
            "missing user: field 1 (userid) is empty",
        ));
    }
    let ts = get(f[1]);
    let time = std::str::from_utf8(ts).ok().and_then(parse_iso8601).ok_or_else(|| {
        DataError::parse(
            path,
            n,
            format!(
                "bad timestamp: {} in field 2 is not an ISO-8601 time (expected e.g. 2009-05-04T23:08:57Z)",
                lines::excerpt(ts)
            ),
        )
    })?;
    if f[2].0 == f[2].1 && f[3].0 == f[3].1 {
        return Err(DataError::parse(
            path,
            n,
            "missing artist: artist-mbid and artist-name (fields 3 and 4) are both empty",
        ));
    }
    Ok(Rec {
        user: f[0],
        time,
        mbid: f[2],
        name: f[3],
        artist: 0,
    })
}
