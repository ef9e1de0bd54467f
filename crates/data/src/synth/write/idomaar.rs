//! The 30Music idomaar writer: persons, users, tags, tracks, sessions, playlists and loves.

use std::path::Path;

use super::super::Synthetic;
use super::format::{push_i64, push_json_str, push_ratio, push_u64, push_url, write_par};
use crate::DataError;

impl Synthetic {
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
}
