//! The hetrec2011-lastfm-2k writer: artists, play counts, tags, tag assignments and friends.

use std::path::Path;

use super::super::Synthetic;
use super::format::{push_u64, push_url, write_par};
use crate::DataError;
use crate::synth::random::mix;

impl Synthetic {
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
}
