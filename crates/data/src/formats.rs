//! One entry point for every supported format: detection from file names, loading, and a summary
//! of what a dataset holds.

use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::table::{TableColumns, TableFormat, TableOptions};
use crate::{
    DataError, Dataset, HetrecOptions, IdomaarOptions, LastFm1kOptions, Mode, MpdOptions,
    load_hetrec, load_idomaar, load_lastfm1k, load_mpd, load_table,
};

/// A supported input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// 30Music idomaar files (a directory holding `sessions.idomaar`, `tracks.idomaar`, …).
    Idomaar,
    /// Last.fm 1K listening history TSV.
    Lastfm1k,
    /// hetrec2011-lastfm-2k directory (`user_artists.dat`, …).
    Hetrec,
    /// Million Playlist Dataset JSON slices (a file or a directory of them).
    Mpd,
    /// CSV table with named columns.
    Csv,
    /// TSV table with named columns.
    Tsv,
    /// Parquet table with named columns.
    Parquet,
    /// The canonical binary dataset written by [`Dataset::save`] (`.a2vd`).
    Dataset,
}

impl Format {
    /// Every format, in the order [`detect`] tries them.
    pub const ALL: [Format; 8] = [
        Format::Dataset,
        Format::Idomaar,
        Format::Hetrec,
        Format::Mpd,
        Format::Lastfm1k,
        Format::Csv,
        Format::Tsv,
        Format::Parquet,
    ];

    /// The format's name as the CLI spells it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Idomaar => "idomaar",
            Format::Lastfm1k => "lastfm1k",
            Format::Hetrec => "hetrec",
            Format::Mpd => "mpd",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Parquet => "parquet",
            Format::Dataset => "dataset",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Format {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self, DataError> {
        Format::ALL
            .into_iter()
            .find(|f| {
                f.name().eq_ignore_ascii_case(s)
                    || (s.eq_ignore_ascii_case("a2vd") && *f == Format::Dataset)
            })
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                DataError::Invalid(format!(
                    "unknown format {s:?}; expected one of {}",
                    names.join(", ")
                ))
            })
    }
}

/// Guesses the format of `path` from file names (and, for a `.tsv`, from its first line: six
/// tab-separated fields with an ISO-8601 time in the second is Last.fm 1K).
///
/// # Errors
/// [`DataError::Invalid`] when nothing matches (the message lists what was looked for);
/// [`DataError::Io`] when the path cannot be read.
pub fn detect(path: &Path) -> Result<Format, DataError> {
    let meta = std::fs::metadata(path).map_err(|e| DataError::io(path, e))?;
    if meta.is_dir() {
        let has = |name: &str| path.join(name).exists();
        if has("sessions.idomaar") || has("tracks.idomaar") {
            return Ok(Format::Idomaar);
        }
        if has("user_artists.dat") {
            return Ok(Format::Hetrec);
        }
        let entries = std::fs::read_dir(path).map_err(|e| DataError::io(path, e))?;
        for e in entries.flatten() {
            if e.path().extension().and_then(|x| x.to_str()) == Some("json") {
                return Ok(Format::Mpd);
            }
        }
        return Err(DataError::Invalid(format!(
            "{}: cannot tell the format of this directory (looked for sessions.idomaar / tracks.idomaar, \
             user_artists.dat, *.json); pass --format",
            path.display()
        )));
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let ext = path
        .extension()
        .and_then(|x| x.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "a2vd" => return Ok(Format::Dataset),
        "idomaar" => return Ok(Format::Idomaar),
        "json" => return Ok(Format::Mpd),
        "csv" => return Ok(Format::Csv),
        "parquet" | "pq" => return Ok(Format::Parquet),
        _ => {}
    }
    if name == "user_artists.dat" {
        return Ok(Format::Hetrec);
    }
    if name.contains("userid-timestamp") || looks_like_lastfm1k(path)? {
        return Ok(Format::Lastfm1k);
    }
    if matches!(ext.as_str(), "tsv" | "tab" | "txt") {
        return Ok(Format::Tsv);
    }
    Err(DataError::Invalid(format!(
        "{}: cannot tell the format from the name (expected .a2vd, .idomaar, .json, .csv, .tsv, .parquet, \
         user_artists.dat or a Last.fm-1K TSV); pass --format",
        path.display()
    )))
}

fn looks_like_lastfm1k(path: &Path) -> Result<bool, DataError> {
    let f = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut line = Vec::new();
    BufReader::new(f)
        .read_until(b'\n', &mut line)
        .map_err(|e| DataError::io(path, e))?;
    let line = String::from_utf8_lossy(&line);
    let fields: Vec<&str> = line.trim_end_matches(['\r', '\n']).split('\t').collect();
    Ok(fields.len() == 6 && crate::iso8601::parse_iso8601(fields[1]).is_some())
}

/// The header of a CSV/TSV table, for guessing its columns.
fn header(path: &Path, sep: char) -> Result<Vec<String>, DataError> {
    let f = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut line = String::new();
    BufReader::new(f)
        .read_line(&mut line)
        .map_err(|e| DataError::io(path, e))?;
    Ok(line
        .trim_end_matches(['\r', '\n'])
        .split(sep)
        .map(|s| s.trim().to_owned())
        .collect())
}

/// Guesses table columns from a header: the user column is the first of `user`, `user_id`,
/// `userid`; the artist column the first of `artist`, `artist_id`, `artistid`, `item`; then
/// optional `weight`/`count`/`plays`, `timestamp`/`time`, `session`/`session_id`, `duration`,
/// `artist_name`. Unknown headers give the defaults (`user`, `artist`), which then fail with an
/// error listing the columns present.
pub fn guess_columns(names: &[String]) -> TableColumns {
    let find = |cands: &[&str]| {
        cands
            .iter()
            .find_map(|c| names.iter().find(|n| n.eq_ignore_ascii_case(c)).cloned())
    };
    let mut c = TableColumns::new();
    if let Some(u) = find(&["user", "user_id", "userid"]) {
        c = c.with_user(u);
    }
    if let Some(a) = find(&["artist", "artist_id", "artistid", "item"]) {
        c = c.with_artist(a);
    }
    c.weight = find(&["weight", "count", "plays", "playcount"]);
    c.timestamp = find(&["timestamp", "time", "ts"]);
    c.session = find(&["session", "session_id"]);
    c.duration = find(&["duration", "playtime"]);
    c.artist_name = find(&["artist_name", "artistname"]);
    c
}

/// Loads `path` in `format` (detected when `None`) with defaults for everything else; tables get
/// their columns from [`guess_columns`] (Parquet: the synthetic generator's column names).
///
/// # Errors
/// Whatever the format's loader reports (file:line and what was expected), or
/// [`DataError::Invalid`] when the format cannot be detected.
pub fn load_any(
    path: &Path,
    format: Option<Format>,
    mode: Mode,
) -> Result<(Dataset, Format), DataError> {
    let format = match format {
        Some(f) => f,
        None => detect(path)?,
    };
    let dir_of = |p: &Path| -> PathBuf {
        if p.is_dir() {
            p.to_path_buf()
        } else {
            p.parent().map(Path::to_path_buf).unwrap_or_default()
        }
    };
    let data = match format {
        Format::Dataset => Dataset::load(path)?,
        Format::Idomaar => load_idomaar(&dir_of(path), &IdomaarOptions::new().with_mode(mode))?,
        Format::Hetrec => {
            load_hetrec(&dir_of(path), &HetrecOptions::new().with_mode(mode))?.dataset
        }
        Format::Mpd => load_mpd(path, &MpdOptions::new().with_mode(mode))?,
        Format::Lastfm1k => load_lastfm1k(path, &LastFm1kOptions::new().with_mode(mode))?,
        Format::Csv | Format::Tsv | Format::Parquet => {
            let tf = match format {
                Format::Csv => TableFormat::Csv,
                Format::Tsv => TableFormat::Tsv,
                _ => TableFormat::Parquet,
            };
            let cols = match tf {
                TableFormat::Csv => guess_columns(&header(path, ',')?),
                TableFormat::Tsv => guess_columns(&header(path, '\t')?),
                TableFormat::Parquet => crate::Synthetic::table_columns(),
            };
            load_table(
                path,
                &TableOptions::new()
                    .with_columns(cols)
                    .with_format(tf)
                    .with_mode(mode),
            )?
        }
    };
    Ok((data, format))
}

/// What a dataset holds, as `artist2vec stats` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetStats {
    /// Where it came from.
    pub source: String,
    /// Users with at least one row.
    pub users: u64,
    /// Artists with at least one row.
    pub artists: u64,
    /// Plays (session plays, or the sum of weights).
    pub plays: u64,
    /// Interaction rows.
    pub rows: u64,
    /// Sessions (0 when the source has none).
    pub sessions: u64,
    /// Playlists (0 when none).
    pub playlists: u64,
    /// Loves (0 when none).
    pub loves: u64,
    /// Earliest and latest time, seconds since the epoch, when the data has times.
    pub time_range: Option<(i64, i64)>,
    /// Lines read, skipped and rows dropped, by reason.
    pub report: crate::Report,
}

impl DatasetStats {
    /// Summarises a dataset.
    pub fn of(d: &Dataset) -> Self {
        let c = crate::prepare::interaction_counts(&d.interactions);
        let time_range = match &d.sessions {
            Some(s) => s.time_range(),
            None => d.interactions.time_col().and_then(|t| {
                let v = t.iter().copied().filter(|&x| x != i64::MIN);
                let min = v.clone().min()?;
                Some((min, v.max()?))
            }),
        };
        Self {
            source: d.source.clone(),
            users: c.users,
            artists: c.artists,
            plays: d.n_plays(),
            rows: d.interactions.len() as u64,
            sessions: d.sessions.as_ref().map_or(0, |s| s.len() as u64),
            playlists: d.playlists.as_ref().map_or(0, |s| s.len() as u64),
            loves: d.loves.as_ref().map_or(0, |l| l.len() as u64),
            time_range,
            report: d.report.clone(),
        }
    }
}

/// Formats seconds since the epoch as `YYYY-MM-DD HH:MM:SS` UTC.
pub fn format_time(t: i64) -> String {
    crate::iso8601::format_iso8601(t)
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_owned()
}

impl fmt::Display for DatasetStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "source     {}", self.source)?;
        writeln!(f, "users      {}", self.users)?;
        writeln!(f, "artists    {}", self.artists)?;
        writeln!(f, "plays      {}", self.plays)?;
        writeln!(f, "rows       {}", self.rows)?;
        writeln!(f, "sessions   {}", self.sessions)?;
        if self.playlists > 0 {
            writeln!(f, "playlists  {}", self.playlists)?;
        }
        if self.loves > 0 {
            writeln!(f, "loves      {}", self.loves)?;
        }
        match self.time_range {
            Some((a, b)) => writeln!(f, "time range {} … {}", format_time(a), format_time(b))?,
            None => writeln!(f, "time range (no times)")?,
        }
        write!(f, "{}", self.report)?;
        if self.report.skipped.is_empty() && self.report.dropped.is_empty() {
            writeln!(f, "nothing skipped or dropped")?;
        }
        Ok(())
    }
}
