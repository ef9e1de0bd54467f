//! Writers of generated data in every format the loaders read.
//!
//! Lines are formatted into reused byte buffers (hand-written integer formatting), big files in
//! parallel blocks written in order, so the full 30Music scale is written in minutes.
//!
//! One format a file: `idomaar`, `lastfm1k`, `hetrec`, `mpd` and `table` (CSV, TSV, Parquet);
//! `format` holds the shared byte formatting and the parallel block writer. This file holds what
//! ties them together: [`Synthetic::write_all`] and the ground truth.

mod format;
mod hetrec;
mod idomaar;
mod lastfm1k;
mod mpd;
mod table;

use std::path::{Path, PathBuf};

use super::Synthetic;
use crate::DataError;
use crate::lines::{LineReader, TextEncoding};
use crate::table::TableFormat;
use format::write_par;

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

impl Synthetic {
    fn first_track_of(&self, t: usize) -> bool {
        t == 0 || self.tracks.artist[t - 1] != self.tracks.artist[t]
    }

    fn artist_name(&self, a: u32) -> &str {
        self.dataset.artists().name(a)
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
