//! The Last.fm-1K writer: one TSV line per play, ISO-8601 times, newest first per user.

use std::path::Path;

use super::super::Synthetic;
use super::format::{push_u64, write_par};
use crate::DataError;
use crate::iso8601::push_iso8601;

impl Synthetic {
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
                                crate::synth::names::mbid(self.config.seed ^ 0x7AC, t as usize)
                                    .as_bytes(),
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
}
