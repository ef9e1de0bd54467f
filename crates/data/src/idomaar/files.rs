//! Which idomaar files to read ([`IdomaarFiles`]): set one by one, or found in a directory of the
//! 30Music download by their usual names.

use std::path::{Path, PathBuf};

use crate::DataError;

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
