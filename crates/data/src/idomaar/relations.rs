//! The relation files of idomaar: sessions (`event.session`, plays with start offsets and play
//! times), playlists and loves, each naming a user and tracks. Tracks are resolved to artists in
//! the parallel parsing stage.

use std::path::Path;

use artist2vec_core::{Play, Sessions};

use super::loader::{Loader, file_name};
use super::lookup::{NO_ARTIST, NO_TRACK, SLOW, TrackLookup};
use super::records::{ChunkOut, Fields, Obj, RelLinked, check_kind, json};
use crate::DataError;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Rel {
    Session,
    Playlist,
    Love,
}

impl Rel {
    fn kind(self) -> &'static str {
        match self {
            Rel::Session => "event.session",
            Rel::Playlist => "playlist",
            Rel::Love => "preference.love",
        }
    }
    fn noun(self) -> &'static str {
        match self {
            Rel::Session => "session",
            Rel::Playlist => "playlist",
            Rel::Love => "love",
        }
    }
}

/// A play as parsed, before its track is resolved.
struct RawPlay {
    track: u64,
    time: i64,
    duration: Option<u32>,
}

/// Per-chunk buffers of relation records: parsed plays, resolved plays, unknown track ids.
#[derive(Default)]
struct RelBuf {
    raw: Vec<RawPlay>,
    plays: Vec<Play>,
    unknown: Vec<u64>,
}

struct RelRec {
    id: u64,
    user: u64,
    raw: (u32, u32),
    plays: (u32, u32),
    unknown: (u32, u32),
    no_artist: u32,
}

impl Loader {
    /// Loads sessions, playlists or loves: sessions/playlists as [`Sessions`], loves as
    /// (user, artist, time) rows (the other half of the pair is empty).
    ///
    /// Tracks are resolved to artists in the parallel parsing stage; the sequential stage only
    /// resolves users, counts and appends.
    pub(super) fn load_relations(
        &mut self,
        path: &Path,
        rel: Rel,
    ) -> Result<(Sessions, Vec<(u32, u32, i64)>), DataError> {
        let tracks = std::mem::take(&mut self.tracks);
        let lookup = TrackLookup::new(&tracks, self.opts.artists);
        let lookup = &lookup;
        let parse = move |p: &Path, n: u64, f: Fields<'_>, x: &mut RelBuf| {
            let linked: RelLinked<'_> = json(
                p,
                n,
                f.linked,
                "linked-entities field 5",
                "{\"subjects\":[{\"type\":\"user\",\"id\":N}],\"objects\":[{\"type\":\"track\",\"id\":N,…},…]}",
            )?;
            let mut user = None;
            for s in &linked.subjects {
                if let Obj::Entity(e) = s {
                    if e.kind == "user" {
                        user = Some(e.id);
                        break;
                    }
                }
            }
            let user = user.ok_or_else(|| {
                DataError::parse(
                    p,
                    n,
                    format!(
                        "missing user: {} {} has no subject of type \"user\"",
                        rel.noun(),
                        f.id
                    ),
                )
            })?;
            let start = x.raw.len() as u32;
            for o in &linked.objects {
                let Obj::Entity(e) = o else { continue };
                check_kind(p, n, e, "track", "object")?;
                let (offset, duration) = if rel == Rel::Session {
                    let ps = e.playstart.ok_or_else(|| {
                        DataError::parse(
                            p,
                            n,
                            format!("missing field: play of track {} has no \"playstart\" (expected seconds after the session start)", e.id),
                        )
                    })?;
                    if !ps.is_finite() {
                        return Err(DataError::parse(
                            p,
                            n,
                            format!("bad number: play of track {} has playstart {ps}", e.id),
                        ));
                    }
                    let dur = e
                        .playtime
                        .filter(|t| t.is_finite() && *t >= 0.0)
                        .map(|t| t.round().min((u32::MAX - 1) as f64) as u32);
                    (ps.round() as i64, dur)
                } else {
                    (0, None)
                };
                x.raw.push(RawPlay {
                    track: e.id,
                    time: f.ts + offset,
                    duration,
                });
            }
            Ok(RelRec {
                id: f.id,
                user,
                raw: (start, x.raw.len() as u32),
                plays: (0, 0),
                unknown: (0, 0),
                no_artist: 0,
            })
        };
        // Resolve all tracks of a chunk in one tight loop (independent loads overlap), then
        // assemble each record's plays.
        let post = move |out: &mut ChunkOut<RelRec, RelBuf>| {
            let x = &mut out.extra;
            let hits: Vec<u32> = x.raw.iter().map(|p| lookup.fast(p.track)).collect();
            x.plays.reserve(x.raw.len());
            for (_, r) in out.recs.iter_mut() {
                let Ok(rec) = r else { continue };
                let (p0, u0) = (x.plays.len() as u32, x.unknown.len() as u32);
                for i in rec.raw.0 as usize..rec.raw.1 as usize {
                    let p = &x.raw[i];
                    let play = |a: u32| Play {
                        item: a,
                        time: p.time,
                        duration: p.duration,
                    };
                    match hits[i] {
                        NO_TRACK => x.unknown.push(p.track),
                        NO_ARTIST => rec.no_artist += 1,
                        SLOW => match lookup.get(p.track) {
                            None => x.unknown.push(p.track),
                            Some([]) => rec.no_artist += 1,
                            Some(arts) => x.plays.extend(arts.iter().map(|&a| play(a))),
                        },
                        a => x.plays.push(play(a)),
                    }
                }
                rec.plays = (p0, x.plays.len() as u32);
                rec.unknown = (u0, x.unknown.len() as u32);
            }
        };
        let mut sessions = Sessions::new(
            std::mem::take(&mut self.users),
            std::mem::take(&mut self.artists),
            rel == Rel::Session,
        );
        let mut loves: Vec<(u32, u32, i64)> = Vec::new();
        let empty_key = match rel {
            Rel::Session => "empty session",
            Rel::Playlist => "empty playlist",
            Rel::Love => "love without track",
        };
        let (mut n_empty, mut n_no_artist) = (0u64, 0u64);
        let result = self.drive(path, rel.kind(), true, parse, post, |l, n, r, x: &RelBuf| {
            // The vocabularies live in `sessions` while loading.
            std::mem::swap(&mut l.users, &mut sessions.users);
            let user = l.user(r.user);
            std::mem::swap(&mut l.users, &mut sessions.users);
            let Some(user) = user else {
                let err = DataError::parse(
                    path,
                    n,
                    format!(
                        "unknown user: {} {} names user {}, which is not in {} (expected a user id defined there)",
                        rel.noun(),
                        r.id,
                        r.user,
                        file_name(l.users_fixed.as_deref())
                    ),
                );
                return l.bad(err);
            };
            for &t in &x.unknown[r.unknown.0 as usize..r.unknown.1 as usize] {
                let err = DataError::parse(
                    path,
                    n,
                    format!(
                        "unknown track: {} {} names track {t}, which is not in {} (expected a track id defined there)",
                        rel.noun(),
                        r.id,
                        l.tracks_file.display()
                    ),
                );
                l.bad(err)?;
            }
            n_no_artist += r.no_artist as u64;
            let plays = &x.plays[r.plays.0 as usize..r.plays.1 as usize];
            if plays.is_empty() {
                n_empty += 1;
                return Ok(());
            }
            if rel == Rel::Love {
                loves.extend(plays.iter().map(|p| (user, p.item, p.time)));
            } else {
                sessions.push(r.id, user, plays.iter().copied()).map_err(DataError::from)?;
            }
            Ok(())
        });
        self.users = std::mem::take(&mut sessions.users);
        self.artists = std::mem::take(&mut sessions.items);
        self.tracks = tracks;
        *self.drops.entry(empty_key).or_default() += n_empty;
        *self
            .drops
            .entry("play of a track without artist")
            .or_default() += n_no_artist;
        result?;
        Ok((sessions, loves))
    }
}
