//! The idomaar loader: the public entry points [`load_idomaar`] and [`load_idomaar_files`], the
//! loader's state (vocabularies, id maps, tracks, drop counts), the parallel file driver every
//! file goes through, and the assembly of the [`Dataset`]. Entities and relations are read in
//! `entities` and `relations`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use artist2vec_core::{Interactions, Sessions, Vocabulary};

use super::lookup::Tracks;
use super::records::{ChunkOut, Fields, parse_chunk};
use super::relations::Rel;
use super::{IdomaarFiles, IdomaarOptions};
use crate::lines::{self, IdMap};
use crate::{ArtistTags, DataError, Dataset, Report};

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

pub(super) struct Loader {
    pub(super) opts: IdomaarOptions,
    pub(super) report: Report,
    pub(super) users: Vocabulary,
    pub(super) user_ids: IdMap,
    pub(super) users_fixed: Option<PathBuf>,
    pub(super) artists: Vocabulary,
    pub(super) person_ids: IdMap,
    pub(super) persons_fixed: Option<PathBuf>,
    pub(super) tags: Vocabulary,
    pub(super) tag_ids: IdMap,
    pub(super) tags_fixed: Option<PathBuf>,
    pub(super) tracks: Tracks,
    pub(super) tracks_file: PathBuf,
    pub(super) by_artist: Vec<Vec<u32>>,
    pub(super) any_track_tags: bool,
    pub(super) drops: BTreeMap<&'static str, u64>,
}

impl Loader {
    /// Reads one file in parallel chunks; `sink` sees every parsed record in file order.
    ///
    /// `post` runs on each parsed chunk in the parallel stage, after `parse` saw all its lines.
    pub(super) fn drive<T, X, P, Q, S>(
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

    pub(super) fn bad(&mut self, err: DataError) -> Result<(), DataError> {
        self.report.bad_line(self.opts.mode, err)
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

pub(super) fn duplicate(path: &Path, n: u64, what: &str, id: u64) -> DataError {
    DataError::parse(
        path,
        n,
        format!("duplicate id: {what} {id} is defined twice (expected each id once)"),
    )
}

pub(super) fn file_name(p: Option<&Path>) -> String {
    p.map_or_else(|| "the given files".to_owned(), |p| p.display().to_string())
}
