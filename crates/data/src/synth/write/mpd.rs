//! The Million Playlist Dataset writer: JSON slices of playlists (or sessions as playlists).

use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::super::Synthetic;
use super::MpdSource;
use super::format::{b62, push_i64, push_json_str, push_u64};
use crate::DataError;

impl Synthetic {
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
}
