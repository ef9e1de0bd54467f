//! Writers of generated data in every format the loaders read.
//!
//! Lines are formatted into reused byte buffers (hand-written integer formatting), big files in
//! parallel blocks written in order, so the full 30Music scale is written in minutes.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use polars::prelude::{Column, DataFrame, ParquetWriter};
use rayon::prelude::*;

use super::{Synthetic, mix};
use crate::DataError;
use crate::idomaar::url_encode_into;
use crate::iso8601::push_iso8601;
use crate::lines::{LineReader, TextEncoding};
use crate::table::{TableColumns, TableFormat};

/// What [`Synthetic::write_mpd`] turns into MPD playlists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MpdSource {
    /// The generated playlists (empty ones included, as `"tracks": []`); `duration_ms` is the
    /// track length.
    #[default]
    Playlists,
    /// The listening sessions, one playlist each (pid = session id, `modified_at` = session
    /// start); `duration_ms` is the play time.
    Sessions,
}

/// Where [`Synthetic::write_all`] put each format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthPaths {
    /// Directory of the idomaar files.
    pub idomaar: PathBuf,
    /// The Last.fm-1K TSV file.
    pub lastfm1k: PathBuf,
    /// The hetrec directory.
    pub hetrec: PathBuf,
    /// Directory of the MPD slices (from the playlists).
    pub mpd: PathBuf,
    /// CSV, TSV and Parquet tables (one row per play).
    pub csv: PathBuf,
    /// See `csv`.
    pub tsv: PathBuf,
    /// See `csv`.
    pub parquet: PathBuf,
    /// The ground truth `artist\tgenre`.
    pub ground_truth: PathBuf,
}

// ---------------------------------------------------------------------------------------------
// Formatting helpers

fn push_u64(b: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    b.extend_from_slice(&tmp[i..]);
}

fn push_i64(b: &mut Vec<u8>, v: i64) {
    if v < 0 {
        b.push(b'-');
    }
    push_u64(b, v.unsigned_abs());
}

fn push_json_str(b: &mut Vec<u8>, s: &str) {
    b.push(b'"');
    for &c in s.as_bytes() {
        match c {
            b'"' => b.extend_from_slice(b"\\\""),
            b'\\' => b.extend_from_slice(b"\\\\"),
            b'\n' => b.extend_from_slice(b"\\n"),
            b'\r' => b.extend_from_slice(b"\\r"),
            b'\t' => b.extend_from_slice(b"\\t"),
            c if c < 0x20 => {
                b.extend_from_slice(format!("\\u{:04x}", c).as_bytes());
            }
            c => b.push(c),
        }
    }
    b.push(b'"');
}

fn push_url(b: &mut Vec<u8>, s: &str, scratch: &mut String) {
    scratch.clear();
    url_encode_into(s, scratch);
    b.extend_from_slice(scratch.as_bytes());
}

/// Ratio `num/den` with two decimals (`0.57`).
fn push_ratio(b: &mut Vec<u8>, num: u32, den: u32) {
    let r = ((num as u64 * 100 + den as u64 / 2) / den.max(1) as u64).min(100);
    push_u64(b, r / 100);
    b.push(b'.');
    b.push(b'0' + (r % 100 / 10) as u8);
    b.push(b'0' + (r % 10) as u8);
}

/// A Spotify-style base-62 id, unique per `(kind, i)`.
fn b62(kind: u64, i: u64, b: &mut Vec<u8>) {
    const A: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut h = mix(kind ^ (i << 8));
    for _ in 0..11 {
        b.push(A[(h % 62) as usize]);
        h /= 62;
    }
    let mut v = i;
    for _ in 0..11 {
        b.push(A[(v % 62) as usize]);
        v /= 62;
    }
}

fn create(path: &Path) -> Result<BufWriter<File>, DataError> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
        }
    }
    let f = File::create(path).map_err(|e| DataError::io(path, e))?;
    Ok(BufWriter::with_capacity(1 << 20, f))
}

/// Writes `n` items, formatted in parallel blocks of `block` items, in order.
fn write_par<F>(path: &Path, header: &[u8], n: usize, block: usize, f: F) -> Result<(), DataError>
where
    F: Fn(Range<usize>, &mut Vec<u8>) + Sync,
{
    let mut w = create(path)?;
    let io = |e| DataError::io(path, e);
    w.write_all(header).map_err(io)?;
    let blocks: Vec<Range<usize>> = (0..n.div_ceil(block.max(1)))
        .map(|k| k * block..((k + 1) * block).min(n))
        .collect();
    let group = rayon::current_num_threads().max(1) * 4;
    for g in blocks.chunks(group) {
        let bufs: Vec<Vec<u8>> = g
            .par_iter()
            .map(|r| {
                let mut b = Vec::with_capacity(r.len() * 64);
                f(r.clone(), &mut b);
                b
            })
            .collect();
        for b in bufs {
            w.write_all(&b).map_err(io)?;
        }
    }
    w.flush().map_err(io)?;
    Ok(())
}

impl Synthetic {
    fn first_track_of(&self, t: usize) -> bool {
        t == 0 || self.tracks.artist[t - 1] != self.tracks.artist[t]
    }

    fn artist_name(&self, a: u32) -> &str {
        self.dataset.artists().name(a)
    }

    /// The columns [`Synthetic::write_table`] writes, ready for [`crate::load_table`]:
    /// `session`, `user`, `artist`, `artist_name`, `timestamp`, `duration`.
    pub fn table_columns() -> TableColumns {
        TableColumns::new()
            .with_session("session")
            .with_timestamp("timestamp")
            .with_duration("duration")
            .with_artist_name("artist_name")
    }

    /// Writes the 30Music idomaar files into `dir` (created if needed): `persons`, `users`,
    /// `tags`, `tracks`, `sessions`, `playlist` and `love`, each `.idomaar`. Names are
    /// URL-encoded (`+` for space), empty playlists are written as `"objects":[[]]`, and the
    /// tags of an artist hang on its first track.
    ///
    /// # Errors
    /// [`DataError::Io`] naming the file that could not be written.
    pub fn write_idomaar(&self, dir: &Path) -> Result<(), DataError> {
        std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
        let users = self.dataset.users();
        let artists = self.dataset.artists();
        let sessions = self.sessions();
        let block = 4096;

        write_par(
            &dir.join("persons.idomaar"),
            b"",
            artists.len(),
            block,
            |r, b| {
                let mut s = String::new();
                for a in r {
                    b.extend_from_slice(b"person\t");
                    b.extend_from_slice(artists.id(a as u32).as_bytes());
                    b.extend_from_slice(b"\t-1\t{\"MBID\":");
                    match self.artist_mbids[a].as_str() {
                        "" => b.extend_from_slice(b"null"),
                        m => push_json_str(b, m),
                    }
                    b.extend_from_slice(b",\"name\":\"");
                    push_url(b, self.artist_name(a as u32), &mut s);
                    b.extend_from_slice(b"\"}\t{}\n");
                }
            },
        )?;

        let mut plays_per_user = vec![0u64; users.len()];
        for r in sessions.iter() {
            plays_per_user[r.user as usize] += r.len() as u64;
        }
        write_par(
            &dir.join("users.idomaar"),
            b"",
            users.len(),
            block,
            |r, b| {
                for u in r {
                    b.extend_from_slice(b"user\t");
                    b.extend_from_slice(users.id(u as u32).as_bytes());
                    b.push(b'\t');
                    push_i64(b, self.config.start_time - 86_400 * (1 + (u as i64 % 1000)));
                    b.extend_from_slice(b"\t{\"lastfm_username\":\"user");
                    push_u64(b, u as u64);
                    b.extend_from_slice(
                        b"\",\"gender\":\"n\",\"age\":null,\"country\":\"\",\"playcount\":",
                    );
                    push_u64(b, plays_per_user[u]);
                    b.extend_from_slice(b",\"playlists\":0,\"subscribertype\":\"base\"}\t{}\n");
                }
            },
        )?;

        if let Some(tags) = &self.dataset.tags {
            write_par(
                &dir.join("tags.idomaar"),
                b"",
                tags.tags.len(),
                block,
                |r, b| {
                    let mut s = String::new();
                    for t in r {
                        b.extend_from_slice(b"tag\t");
                        b.extend_from_slice(tags.tags.id(t as u32).as_bytes());
                        b.extend_from_slice(b"\t-1\t{\"value\":\"");
                        push_url(b, tags.tags.name(t as u32), &mut s);
                        b.extend_from_slice(b"\",\"url\":\"http://www.last.fm/tag/");
                        push_url(b, tags.tags.name(t as u32), &mut s);
                        b.extend_from_slice(b"\"}\t{}\n");
                    }
                },
            )?;
        }

        let tags = self.dataset.tags.as_ref();
        write_par(
            &dir.join("tracks.idomaar"),
            b"",
            self.tracks.len(),
            block,
            |r, b| {
                for t in r {
                    let a = self.tracks.artist[t];
                    b.extend_from_slice(b"track\t");
                    push_u64(b, t as u64);
                    b.extend_from_slice(b"\t-1\t{\"duration\":");
                    push_u64(b, self.tracks.duration[t] as u64);
                    b.extend_from_slice(b",\"playcount\":0,\"MBID\":null,\"name\":\"Song+");
                    push_u64(b, t as u64);
                    b.extend_from_slice(b"\"}\t{\"artists\":[");
                    for (k, x) in self.tracks.artists(t as u32).enumerate() {
                        if k > 0 {
                            b.push(b',');
                        }
                        b.extend_from_slice(b"{\"type\":\"person\",\"id\":");
                        b.extend_from_slice(artists.id(x).as_bytes());
                        b.push(b'}');
                    }
                    b.extend_from_slice(b"],\"albums\":[],\"tags\":[");
                    if let (Some(tags), true) = (tags, self.first_track_of(t)) {
                        for (k, &tag) in tags.by_artist[a as usize].iter().enumerate() {
                            if k > 0 {
                                b.push(b',');
                            }
                            b.extend_from_slice(b"{\"type\":\"tag\",\"id\":");
                            b.extend_from_slice(tags.tags.id(tag).as_bytes());
                            b.push(b'}');
                        }
                    }
                    b.extend_from_slice(b"]}\n");
                }
            },
        )?;

        let offs = sessions.offsets();
        write_par(
            &dir.join("sessions.idomaar"),
            b"",
            sessions.len(),
            2048,
            |r, b| {
                for i in r {
                    let s = sessions.get(i);
                    let ts = s.start();
                    let durs = s.durations.unwrap_or(&[]);
                    b.extend_from_slice(b"event.session\t");
                    push_u64(b, s.id);
                    b.push(b'\t');
                    push_i64(b, ts);
                    b.extend_from_slice(b"\t{\"numtracks\":");
                    push_u64(b, s.len() as u64);
                    b.extend_from_slice(b",\"playtime\":");
                    push_u64(b, durs.iter().map(|&d| d as u64).sum());
                    b.extend_from_slice(b"}\t{\"subjects\":[{\"type\":\"user\",\"id\":");
                    b.extend_from_slice(users.id(s.user).as_bytes());
                    b.extend_from_slice(b"}],\"objects\":[");
                    for j in 0..s.len() {
                        let t = self.session_tracks[offs[i] + j];
                        if j > 0 {
                            b.push(b',');
                        }
                        b.extend_from_slice(b"{\"type\":\"track\",\"id\":");
                        push_u64(b, t as u64);
                        b.extend_from_slice(b",\"playstart\":");
                        push_i64(b, s.times[j] - ts);
                        b.extend_from_slice(b",\"playtime\":");
                        let d = durs.get(j).copied().unwrap_or(u32::MAX);
                        if d == u32::MAX {
                            b.extend_from_slice(b"null,\"playratio\":null");
                        } else {
                            push_u64(b, d as u64);
                            b.extend_from_slice(b",\"playratio\":");
                            push_ratio(b, d, self.tracks.duration[t as usize]);
                        }
                        b.extend_from_slice(b",\"action\":\"play\"}");
                    }
                    b.extend_from_slice(b"]}\n");
                }
            },
        )?;

        // Playlists, empty ones in their place (both lists are ordered by id).
        let pl = self.dataset.playlists.as_ref();
        let n_full = pl.map_or(0, |p| p.len());
        let mut items: Vec<(u64, Option<usize>, usize)> =
            Vec::with_capacity(n_full + self.empty_playlists.len());
        if let Some(p) = pl {
            items.extend(p.iter().map(|s| (s.id, Some(s.index), 0)));
        }
        items.extend(
            self.empty_playlists
                .iter()
                .enumerate()
                .map(|(k, e)| (e.id, None, k)),
        );
        items.sort_unstable_by_key(|x| x.0);
        write_par(
            &dir.join("playlist.idomaar"),
            b"",
            items.len(),
            block,
            |r, b| {
                for &(id, full, k) in &items[r] {
                    let (user, time, n) = match full {
                        Some(i) => {
                            let s = pl.expect("present").get(i);
                            (s.user, s.start(), s.len())
                        }
                        None => {
                            let e = self.empty_playlists[k];
                            (e.user, e.time, 0)
                        }
                    };
                    b.extend_from_slice(b"playlist\t");
                    push_u64(b, id);
                    b.push(b'\t');
                    push_i64(b, time);
                    b.extend_from_slice(b"\t{\"ID\":");
                    push_u64(b, id);
                    b.extend_from_slice(b",\"Title\":\"playlist+");
                    push_u64(b, id);
                    b.extend_from_slice(b"\",\"numtracks\":");
                    push_u64(b, n as u64);
                    b.extend_from_slice(b"}\t{\"subjects\":[{\"type\":\"user\",\"id\":");
                    b.extend_from_slice(users.id(user).as_bytes());
                    b.extend_from_slice(b"}],\"objects\":[");
                    match full {
                        Some(i) => {
                            let o = pl.expect("present").offsets()[i];
                            for j in 0..n {
                                if j > 0 {
                                    b.push(b',');
                                }
                                b.extend_from_slice(b"{\"type\":\"track\",\"id\":");
                                push_u64(b, self.playlist_tracks[o + j] as u64);
                                b.push(b'}');
                            }
                        }
                        None => b.extend_from_slice(b"[]"),
                    }
                    b.extend_from_slice(b"]}\n");
                }
            },
        )?;

        if let Some(loves) = &self.dataset.loves {
            let times = loves.time_col().unwrap_or(&[]);
            write_par(
                &dir.join("love.idomaar"),
                b"",
                loves.len(),
                block,
                |r, b| {
                    for k in r {
                        b.extend_from_slice(b"preference.love\t");
                        push_u64(b, k as u64);
                        b.push(b'\t');
                        push_i64(b, times.get(k).copied().unwrap_or(0));
                        b.extend_from_slice(
                            b"\t{\"value\":\"love\"}\t{\"subjects\":[{\"type\":\"user\",\"id\":",
                        );
                        b.extend_from_slice(users.id(loves.user_col()[k]).as_bytes());
                        b.extend_from_slice(b"}],\"objects\":[{\"type\":\"track\",\"id\":");
                        push_u64(b, self.love_tracks[k] as u64);
                        b.extend_from_slice(b"}]}\n");
                    }
                },
            )?;
        }
        Ok(())
    }

    /// Writes the sessions as a Last.fm-1K TSV (`userid, ISO-8601 time, artist MBID, artist
    /// name, track MBID, track name`), users in order, each user's plays newest first. About
    /// 10 % of artists have an empty MBID (the loader then keys them by name).
    ///
    /// # Errors
    /// [`DataError::Io`] naming the file.
    pub fn write_lastfm1k(&self, path: &Path) -> Result<(), DataError> {
        let sessions = self.sessions();
        let users = self.dataset.users();
        // Sessions of each user (they are in time order already).
        let mut by_user: Vec<Vec<u32>> = vec![Vec::new(); users.len()];
        for (i, &u) in sessions.session_users().iter().enumerate() {
            by_user[u as usize].push(i as u32);
        }
        let offs = sessions.offsets();
        write_par(path, b"", users.len(), 64, |r, b| {
            let mut iso = String::with_capacity(24);
            for u in r {
                for &i in by_user[u].iter().rev() {
                    let sr = sessions.get(i as usize);
                    for j in (0..sr.len()).rev() {
                        let t = self.session_tracks[offs[i as usize] + j];
                        let a = sr.items[j];
                        b.extend_from_slice(users.id(u as u32).as_bytes());
                        b.push(b'\t');
                        iso.clear();
                        push_iso8601(&mut iso, sr.times[j]);
                        b.extend_from_slice(iso.as_bytes());
                        b.push(b'\t');
                        b.extend_from_slice(self.artist_mbids[a as usize].as_bytes());
                        b.push(b'\t');
                        b.extend_from_slice(self.artist_name(a).as_bytes());
                        b.push(b'\t');
                        if t % 3 != 0 {
                            b.extend_from_slice(
                                super::mbid(self.config.seed ^ 0x7AC, t as usize).as_bytes(),
                            );
                        }
                        b.extend_from_slice(b"\tSong ");
                        push_u64(b, t as u64);
                        b.push(b'\n');
                    }
                }
            }
        })
    }

    /// Writes a hetrec2011-lastfm-2k directory: `artists.dat` (UTF-8), `user_artists.dat`
    /// (play counts per user and artist, CRLF), `tags.dat` (ISO-8859-1, CRLF; characters outside
    /// it become `?`), `user_taggedartists.dat` (every artist tag, CRLF) and `user_friends.dat`
    /// (CRLF), each with its header line. Returns the number of friend rows written.
    ///
    /// # Errors
    /// [`DataError::Io`] naming the file.
    pub fn write_hetrec(&self, dir: &Path) -> Result<usize, DataError> {
        std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
        let artists = self.dataset.artists();
        let users = self.dataset.users();
        write_par(
            &dir.join("artists.dat"),
            b"id\tname\turl\tpictureURL\n",
            artists.len(),
            4096,
            |r, b| {
                let mut s = String::new();
                for a in r {
                    let id = artists.id(a as u32);
                    b.extend_from_slice(id.as_bytes());
                    b.push(b'\t');
                    b.extend_from_slice(self.artist_name(a as u32).as_bytes());
                    b.extend_from_slice(b"\thttp://www.last.fm/music/");
                    push_url(b, self.artist_name(a as u32), &mut s);
                    b.push(b'\t');
                    if a % 7 != 3 {
                        b.extend_from_slice(b"http://userserve-ak.last.fm/serve/252/");
                        b.extend_from_slice(id.as_bytes());
                        b.extend_from_slice(b".jpg");
                    }
                    b.push(b'\n');
                }
            },
        )?;
        let counts = self.sessions().to_counts();
        let (uc, ic, wc) = (counts.user_col(), counts.item_col(), counts.weight_col());
        write_par(
            &dir.join("user_artists.dat"),
            b"userID\tartistID\tweight\r\n",
            counts.len(),
            65_536,
            |r, b| {
                for k in r {
                    b.extend_from_slice(users.id(uc[k]).as_bytes());
                    b.push(b'\t');
                    b.extend_from_slice(artists.id(ic[k]).as_bytes());
                    b.push(b'\t');
                    push_u64(b, wc[k] as u64);
                    b.extend_from_slice(b"\r\n");
                }
            },
        )?;
        if let Some(tags) = &self.dataset.tags {
            write_par(
                &dir.join("tags.dat"),
                b"tagID\ttagValue\r\n",
                tags.tags.len(),
                4096,
                |r, b| {
                    for t in r {
                        b.extend_from_slice(tags.tags.id(t as u32).as_bytes());
                        b.push(b'\t');
                        for ch in tags.tags.name(t as u32).chars() {
                            b.push(if (ch as u32) < 256 {
                                ch as u32 as u8
                            } else {
                                b'?'
                            });
                        }
                        b.extend_from_slice(b"\r\n");
                    }
                },
            )?;
            let rows: Vec<(u32, u32)> = tags
                .by_artist
                .iter()
                .enumerate()
                .flat_map(|(a, v)| v.iter().map(move |&t| (a as u32, t)))
                .collect();
            write_par(
                &dir.join("user_taggedartists.dat"),
                b"userID\tartistID\ttagID\tday\tmonth\tyear\r\n",
                rows.len(),
                65_536,
                |r, b| {
                    for &(a, t) in &rows[r] {
                        let u = (mix(self.config.seed ^ a as u64) % users.len() as u64) as u32;
                        b.extend_from_slice(users.id(u).as_bytes());
                        b.push(b'\t');
                        b.extend_from_slice(artists.id(a).as_bytes());
                        b.push(b'\t');
                        b.extend_from_slice(tags.tags.id(t).as_bytes());
                        b.extend_from_slice(b"\t1\t");
                        push_u64(b, 1 + (a as u64 % 12));
                        b.extend_from_slice(b"\t2014\r\n");
                    }
                },
            )?;
        }
        let n = users.len();
        let pairs: Vec<(u32, u32)> = (0..n)
            .filter_map(|u| {
                let f = (mix(self.config.seed ^ 0xF00D ^ u as u64) % n as u64) as usize;
                (f != u).then_some((u as u32, f as u32))
            })
            .flat_map(|(u, f)| [(u, f), (f, u)])
            .collect();
        write_par(
            &dir.join("user_friends.dat"),
            b"userID\tfriendID\r\n",
            pairs.len(),
            65_536,
            |r, b| {
                for &(u, f) in &pairs[r] {
                    b.extend_from_slice(users.id(u).as_bytes());
                    b.push(b'\t');
                    b.extend_from_slice(users.id(f).as_bytes());
                    b.extend_from_slice(b"\r\n");
                }
            },
        )?;
        Ok(pairs.len())
    }

    /// Writes MPD slices `mpd.slice.<first>-<last>.json` of `per_slice` playlists each into
    /// `dir`, one track object per line, and returns their paths.
    ///
    /// # Errors
    /// [`DataError::Invalid`] when `per_slice` is 0; [`DataError::Io`] naming the file.
    pub fn write_mpd(
        &self,
        dir: &Path,
        per_slice: usize,
        source: MpdSource,
    ) -> Result<Vec<PathBuf>, DataError> {
        if per_slice == 0 {
            return Err(DataError::Invalid(
                "write_mpd: per_slice must be positive".into(),
            ));
        }
        std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
        // (pid, Some(index into the collection) or None for an empty playlist, time)
        let (coll, items): (&artist2vec_core::Sessions, Vec<(u64, Option<usize>, i64)>) =
            match source {
                MpdSource::Sessions => (
                    self.sessions(),
                    self.sessions()
                        .iter()
                        .map(|s| (s.id, Some(s.index), s.start()))
                        .collect(),
                ),
                MpdSource::Playlists => {
                    let p = self
                        .dataset
                        .playlists
                        .as_ref()
                        .ok_or_else(|| DataError::Invalid("no playlists".into()))?;
                    let mut v: Vec<(u64, Option<usize>, i64)> =
                        p.iter().map(|s| (s.id, Some(s.index), s.start())).collect();
                    v.extend(self.empty_playlists.iter().map(|e| (e.id, None, e.time)));
                    v.sort_unstable_by_key(|x| x.0);
                    (p, v)
                }
            };
        let track_of = |i: usize, j: usize| match source {
            MpdSource::Sessions => self.session_tracks[coll.offsets()[i] + j],
            MpdSource::Playlists => self.playlist_tracks[coll.offsets()[i] + j],
        };
        let slices: Vec<Range<usize>> = (0..items.len().div_ceil(per_slice))
            .map(|k| k * per_slice..((k + 1) * per_slice).min(items.len()))
            .collect();
        slices
            .par_iter()
            .map(|r| {
                let path = dir.join(format!("mpd.slice.{}-{}.json", r.start, r.end - 1));
                let mut b = Vec::with_capacity(r.len() * 2048);
                b.extend_from_slice(
                    b"{\n    \"info\": {\"generated_on\": \"synthetic\", \"slice\": \"",
                );
                push_u64(&mut b, r.start as u64);
                b.push(b'-');
                push_u64(&mut b, (r.end - 1) as u64);
                b.extend_from_slice(b"\", \"version\": \"v1\"},\n    \"playlists\": [\n");
                for (k, &(pid, idx, time)) in items[r.clone()].iter().enumerate() {
                    let n = idx.map_or(0, |i| coll.get(i).len());
                    b.extend_from_slice(b"        {\"name\": \"playlist ");
                    push_u64(&mut b, pid);
                    b.extend_from_slice(b"\", \"collaborative\": \"false\", \"pid\": ");
                    push_u64(&mut b, pid);
                    b.extend_from_slice(b", \"modified_at\": ");
                    push_i64(&mut b, time);
                    b.extend_from_slice(b", \"num_tracks\": ");
                    push_u64(&mut b, n as u64);
                    b.extend_from_slice(b", \"num_followers\": 1, \"tracks\": [");
                    if let Some(i) = idx {
                        let s = coll.get(i);
                        for j in 0..n {
                            let t = track_of(i, j);
                            let a = s.items[j];
                            let ms = match (source, s.durations) {
                                (MpdSource::Sessions, Some(d)) if d[j] != u32::MAX => {
                                    d[j] as u64 * 1000
                                }
                                _ => self.tracks.duration[t as usize] as u64 * 1000,
                            };
                            b.extend_from_slice(if j == 0 { b"\n" } else { b",\n" });
                            b.extend_from_slice(b"            {\"pos\": ");
                            push_u64(&mut b, j as u64);
                            b.extend_from_slice(b", \"artist_name\": ");
                            push_json_str(&mut b, self.artist_name(a));
                            b.extend_from_slice(b", \"track_uri\": \"spotify:track:");
                            b62(1, t as u64, &mut b);
                            b.extend_from_slice(b"\", \"artist_uri\": \"spotify:artist:");
                            b62(2, a as u64, &mut b);
                            b.extend_from_slice(b"\", \"track_name\": \"Song ");
                            push_u64(&mut b, t as u64);
                            b.extend_from_slice(b"\", \"album_uri\": \"spotify:album:");
                            b62(3, a as u64, &mut b);
                            b.extend_from_slice(b"\", \"duration_ms\": ");
                            push_u64(&mut b, ms);
                            b.extend_from_slice(b", \"album_name\": \"Album ");
                            push_u64(&mut b, a as u64);
                            b.extend_from_slice(b"\"}");
                        }
                        b.extend_from_slice(b"\n        ");
                    }
                    b.extend_from_slice(b"], \"num_edits\": 1}");
                    b.extend_from_slice(if k + 1 < r.len() { b",\n" } else { b"\n" });
                }
                b.extend_from_slice(b"    ]\n}\n");
                std::fs::write(&path, &b).map_err(|e| DataError::io(&path, e))?;
                Ok(path)
            })
            .collect()
    }

    /// Writes one row per session play — columns `session`, `user`, `artist`, `artist_name`,
    /// `timestamp` (seconds since the epoch) and `duration` (seconds) — as CSV (quoted where
    /// needed), TSV or Parquet. [`Synthetic::table_columns`] reads it back.
    ///
    /// # Errors
    /// [`DataError::Io`] naming the file; [`DataError::Table`] when polars cannot write Parquet.
    pub fn write_table(&self, path: &Path, format: TableFormat) -> Result<(), DataError> {
        let s = self.sessions();
        let users = self.dataset.users();
        let artists = self.dataset.artists();
        if format == TableFormat::Parquet {
            return self.write_parquet(path);
        }
        let (sep, header): (u8, &[u8]) = match format {
            TableFormat::Csv => (
                b',',
                b"session,user,artist,artist_name,timestamp,duration\n",
            ),
            _ => (
                b'\t',
                b"session\tuser\tartist\tartist_name\ttimestamp\tduration\n",
            ),
        };
        write_par(path, header, s.len(), 4096, |r, b| {
            for i in r {
                let sr = s.get(i);
                for j in 0..sr.len() {
                    let a = sr.items[j];
                    push_u64(b, sr.id);
                    b.push(sep);
                    b.extend_from_slice(users.id(sr.user).as_bytes());
                    b.push(sep);
                    b.extend_from_slice(artists.id(a).as_bytes());
                    b.push(sep);
                    let name = self.artist_name(a);
                    if sep == b',' && name.bytes().any(|c| c == b',' || c == b'"') {
                        b.push(b'"');
                        for c in name.bytes() {
                            if c == b'"' {
                                b.push(b'"');
                            }
                            b.push(c);
                        }
                        b.push(b'"');
                    } else {
                        b.extend_from_slice(name.as_bytes());
                    }
                    b.push(sep);
                    push_i64(b, sr.times[j]);
                    b.push(sep);
                    if let Some(d) = sr.durations.map(|d| d[j]).filter(|&d| d != u32::MAX) {
                        push_u64(b, d as u64);
                    }
                    b.push(b'\n');
                }
            }
        })
    }

    fn write_parquet(&self, path: &Path) -> Result<(), DataError> {
        let s = self.sessions();
        let users = self.dataset.users();
        let artists = self.dataset.artists();
        let tl = |e: polars::error::PolarsError| DataError::Table {
            path: path.to_owned(),
            message: e.to_string(),
        };
        let w = create(path)?;
        let mut writer = None;
        let mut pending = Some(w);
        const BATCH: usize = 1 << 20;
        let mut i = 0;
        while i < s.len() || writer.is_none() {
            let (mut sid, mut us, mut ar, mut an, mut ts, mut du) = (
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
            );
            while i < s.len() && sid.len() < BATCH {
                let sr = s.get(i);
                for j in 0..sr.len() {
                    let a = sr.items[j];
                    sid.push(sr.id);
                    us.push(users.id(sr.user));
                    ar.push(artists.id(a));
                    an.push(self.artist_name(a));
                    ts.push(sr.times[j]);
                    du.push(sr.durations.map(|d| d[j]).filter(|&d| d != u32::MAX));
                }
                i += 1;
            }
            let height = sid.len();
            let df = DataFrame::new(
                height,
                vec![
                    Column::new("session".into(), sid),
                    Column::new("user".into(), us),
                    Column::new("artist".into(), ar),
                    Column::new("artist_name".into(), an),
                    Column::new("timestamp".into(), ts),
                    Column::new("duration".into(), du),
                ],
            )
            .map_err(tl)?;
            if writer.is_none() {
                let w = pending.take().expect("writer created once");
                writer = Some(ParquetWriter::new(w).batched(df.schema()).map_err(tl)?);
            }
            writer
                .as_mut()
                .expect("created above")
                .write_batch(&df)
                .map_err(tl)?;
            if i >= s.len() {
                break;
            }
        }
        if let Some(w) = writer {
            w.finish().map_err(tl)?;
        }
        Ok(())
    }

    /// Writes the ground truth as TSV with header `artist\tgenre`: each artist id and its genre
    /// name.
    ///
    /// # Errors
    /// [`DataError::Io`] naming the file.
    pub fn write_ground_truth(&self, path: &Path) -> Result<(), DataError> {
        let artists = self.dataset.artists();
        write_par(path, b"artist\tgenre\n", artists.len(), 65_536, |r, b| {
            for a in r {
                b.extend_from_slice(artists.id(a as u32).as_bytes());
                b.push(b'\t');
                b.extend_from_slice(self.genres[self.artist_genre[a] as usize].as_bytes());
                b.push(b'\n');
            }
        })
    }

    /// Writes every format under `dir`: `idomaar/`, `lastfm-1k.tsv`, `hetrec2011-lastfm-2k/`,
    /// `mpd/` (the playlists, 1,000 per slice), `plays.csv`, `plays.tsv`, `plays.parquet` and
    /// `ground_truth.tsv`.
    ///
    /// # Errors
    /// As the single writers.
    pub fn write_all(&self, dir: &Path) -> Result<SynthPaths, DataError> {
        let p = SynthPaths {
            idomaar: dir.join("idomaar"),
            lastfm1k: dir.join("lastfm-1k.tsv"),
            hetrec: dir.join("hetrec2011-lastfm-2k"),
            mpd: dir.join("mpd"),
            csv: dir.join("plays.csv"),
            tsv: dir.join("plays.tsv"),
            parquet: dir.join("plays.parquet"),
            ground_truth: dir.join("ground_truth.tsv"),
        };
        self.write_idomaar(&p.idomaar)?;
        self.write_lastfm1k(&p.lastfm1k)?;
        self.write_hetrec(&p.hetrec)?;
        self.write_mpd(&p.mpd, 1000, MpdSource::Playlists)?;
        self.write_table(&p.csv, TableFormat::Csv)?;
        self.write_table(&p.tsv, TableFormat::Tsv)?;
        self.write_table(&p.parquet, TableFormat::Parquet)?;
        self.write_ground_truth(&p.ground_truth)?;
        Ok(p)
    }
}

/// Reads a ground-truth TSV written by [`Synthetic::write_ground_truth`]: `(artist, genre)`
/// pairs in file order.
///
/// # Errors
/// [`DataError::Io`] for an unreadable file; [`DataError::Empty`] without rows;
/// [`DataError::Parse`] naming file:line for a line without two fields or invalid UTF-8.
pub fn read_ground_truth(path: &Path) -> Result<Vec<(String, String)>, DataError> {
    let mut r = LineReader::open(path, TextEncoding::Utf8)?;
    let mut out = Vec::new();
    while let Some((n, line)) = r.next_line()? {
        if n == 1 && line == "artist\tgenre" {
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let (a, g) = line.split_once('\t').ok_or_else(|| {
            DataError::parse(
                path,
                n,
                "missing field: expected 2 tab-separated fields (artist, genre), found 1",
            )
        })?;
        out.push((a.to_owned(), g.to_owned()));
    }
    if out.is_empty() {
        return Err(DataError::Empty {
            path: path.to_owned(),
            expected: "artist\\tgenre rows".into(),
        });
    }
    Ok(out)
}
