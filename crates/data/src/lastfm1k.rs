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
                "bad timestamp: \"{}\" in field 2 is not an ISO-8601 time (expected e.g. 2009-05-04T23:08:57Z)",
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

/// Parses an ISO-8601 date-time into seconds since the Unix epoch: `YYYY-MM-DDTHH:MM:SS`
/// (a space may replace the `T`), optional fractional seconds (truncated), then `Z`, an offset
/// `±HH:MM` / `±HHMM`, or nothing (UTC).
///
/// ```
/// use artist2vec_data::lastfm1k::parse_iso8601;
/// assert_eq!(parse_iso8601("2009-05-04T23:08:57Z"), Some(1_241_478_537));
/// assert_eq!(parse_iso8601("2009-05-05T01:08:57+02:00"), Some(1_241_478_537));
/// assert_eq!(parse_iso8601("1970-01-01 00:00:00.9"), Some(0));
/// assert_eq!(parse_iso8601("2009-13-04T23:08:57Z"), None);
/// ```
pub fn parse_iso8601(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| lines::parse_u64(&b[r]).map(|v| v as i64);
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60
    {
        return None;
    }
    let mut rest = &b[19..];
    if let [b'.', tail @ ..] = rest {
        let digits = tail.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &tail[digits..];
    }
    let offset = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), hh @ ..] => {
            let (oh, om) = match hh {
                [a, b, b':', c, d] | [a, b, c, d] => (
                    lines::parse_u64(&[*a, *b])? as i64,
                    lines::parse_u64(&[*c, *d])? as i64,
                ),
                [a, b] => (lines::parse_u64(&[*a, *b])? as i64, 0),
                _ => return None,
            };
            let o = oh * 3600 + om * 60;
            if *sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// Formats seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (the Last.fm-1K form).
///
/// ```
/// use artist2vec_data::lastfm1k::format_iso8601;
/// assert_eq!(format_iso8601(1_241_478_537), "2009-05-04T23:08:57Z");
/// ```
pub fn format_iso8601(t: i64) -> String {
    let mut s = String::with_capacity(20);
    push_iso8601(&mut s, t);
    s
}

pub(crate) fn push_iso8601(out: &mut String, t: i64) {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let two = |out: &mut String, v: i64| {
        out.push((b'0' + (v / 10) as u8) as char);
        out.push((b'0' + (v % 10) as u8) as char);
    };
    let y = y.clamp(0, 9999);
    two(out, y / 100);
    two(out, y % 100);
    out.push('-');
    two(out, m);
    out.push('-');
    two(out, d);
    out.push('T');
    two(out, secs / 3600);
    out.push(':');
    two(out, secs / 60 % 60);
    out.push(':');
    two(out, secs % 60);
    out.push('Z');
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_roundtrip_over_years() {
        for t in [
            0i64,
            951_782_400,
            1_241_478_537,
            1_709_164_800,
            -86_400,
            4_102_444_799,
        ] {
            assert_eq!(parse_iso8601(&format_iso8601(t)), Some(t), "{t}");
        }
        for t in (0..2_000_000_000i64).step_by(7_777_777) {
            assert_eq!(parse_iso8601(&format_iso8601(t)), Some(t));
        }
        assert_eq!(parse_iso8601("2008-02-29T00:00:00Z"), Some(1_204_243_200));
        assert_eq!(parse_iso8601("2009-02-29T00:00:00Z"), None);
        assert_eq!(parse_iso8601("2009-05-04T23:08Z"), None);
        assert_eq!(
            parse_iso8601("2009-05-04T23:08:57+0100"),
            Some(1_241_478_537 - 3600)
        );
        assert_eq!(parse_iso8601("2009-05-04T23:08:57X"), None);
        assert_eq!(parse_iso8601("yesterday"), None);
    }
}
