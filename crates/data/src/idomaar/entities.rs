//! The entity files of idomaar: users, persons (the artists, with their names), tags (with their
//! values) and tracks (each track's artists and tags), read into the loader's vocabularies.

use std::path::Path;

use super::loader::{Loader, duplicate, file_name};
use super::records::{Fields, NameProps, Obj, TrackLinked, ValueProps, check_kind, json};
use super::{ArtistPolicy, url_decode};
use crate::DataError;

impl Loader {
    pub(super) fn load_users(&mut self, path: &Path) -> Result<(), DataError> {
        self.drive(
            path,
            "user",
            false,
            |_, _, f, _: &mut ()| Ok(f.id),
            |_| {},
            |l, n, id, _| {
                let ix = l.users.len() as u32;
                if l.user_ids.insert(id, ix).is_some() {
                    return l.bad(duplicate(path, n, "user", id));
                }
                l.users.insert(id.to_string());
                Ok(())
            },
        )?;
        Ok(())
    }

    pub(super) fn load_persons(&mut self, path: &Path) -> Result<(), DataError> {
        let parse = |p: &Path, n: u64, f: Fields<'_>, _: &mut ()| {
            let props: NameProps<'_> = json(
                p,
                n,
                f.props,
                "properties field 4",
                "a JSON object with a \"name\"",
            )?;
            Ok((f.id, props.name.map(|s| url_decode(&s).into_owned())))
        };
        self.drive(
            path,
            "person",
            false,
            parse,
            |_| {},
            |l, n, (id, name), _| {
                let ix = l.artists.len() as u32;
                if l.person_ids.insert(id, ix).is_some() {
                    return l.bad(duplicate(path, n, "person", id));
                }
                let ix = l.artists.insert(id.to_string());
                if let Some(name) = name {
                    l.artists.set_name(ix, name);
                }
                Ok(())
            },
        )?;
        Ok(())
    }

    pub(super) fn load_tags(&mut self, path: &Path) -> Result<(), DataError> {
        let parse = |p: &Path, n: u64, f: Fields<'_>, _: &mut ()| {
            let props: ValueProps<'_> = json(
                p,
                n,
                f.props,
                "properties field 4",
                "a JSON object with a \"value\"",
            )?;
            Ok((f.id, props.value.map(|s| url_decode(&s).into_owned())))
        };
        self.drive(
            path,
            "tag",
            false,
            parse,
            |_| {},
            |l, n, (id, value), _| {
                let ix = l.tags.len() as u32;
                if l.tag_ids.insert(id, ix).is_some() {
                    return l.bad(duplicate(path, n, "tag", id));
                }
                let ix = l.tags.insert(id.to_string());
                if let Some(v) = value {
                    l.tags.set_name(ix, v);
                }
                Ok(())
            },
        )?;
        Ok(())
    }

    pub(super) fn load_tracks(&mut self, path: &Path) -> Result<(), DataError> {
        // Per chunk: person ids and tag ids of all tracks, each track holding its two ranges.
        let parse = |p: &Path, n: u64, f: Fields<'_>, x: &mut (Vec<u64>, Vec<u64>)| {
            let linked: TrackLinked<'_> = json(
                p,
                n,
                f.linked,
                "linked-entities field 5",
                "{\"artists\":[{\"type\":\"person\",\"id\":N},…]}",
            )?;
            let a0 = x.0.len() as u32;
            let t0 = x.1.len() as u32;
            for o in &linked.artists {
                if let Obj::Entity(e) = o {
                    check_kind(p, n, e, "person", "artist")?;
                    x.0.push(e.id);
                }
            }
            for o in &linked.tags {
                if let Obj::Entity(e) = o {
                    check_kind(p, n, e, "tag", "tag")?;
                    x.1.push(e.id);
                }
            }
            Ok((f.id, (a0, x.0.len() as u32), (t0, x.1.len() as u32)))
        };
        self.tracks.off.push(0);
        let mut arts: Vec<u32> = Vec::new();
        let mut tags: Vec<u32> = Vec::new();
        self.drive(path, "track", true, parse, |_| {}, |l, n, (id, ar, tr), x: &(Vec<u64>, Vec<u64>)| {
            arts.clear();
            for &pid in &x.0[ar.0 as usize..ar.1 as usize] {
                match l.person(pid) {
                    Some(a) => arts.push(a),
                    None => {
                        let err = DataError::parse(
                            path,
                            n,
                            format!(
                                "unknown artist: track {id} names person {pid}, which is not in {} (expected a person id defined there)",
                                file_name(l.persons_fixed.as_deref())
                            ),
                        );
                        l.bad(err)?;
                    }
                }
            }
            tags.clear();
            for &tid in &x.1[tr.0 as usize..tr.1 as usize] {
                match l.tag(tid) {
                    Some(t) => tags.push(t),
                    None => {
                        let err = DataError::parse(
                            path,
                            n,
                            format!(
                                "unknown tag: track {id} names tag {tid}, which is not in {} (expected a tag id defined there)",
                                file_name(l.tags_fixed.as_deref())
                            ),
                        );
                        l.bad(err)?;
                    }
                }
            }
            let t = (l.tracks.off.len() - 1) as u32;
            if l.tracks.map.insert(id, t).is_some() {
                return l.bad(duplicate(path, n, "track", id));
            }
            if arts.is_empty() {
                *l.drops.entry("track without artist").or_default() += 1;
            }
            l.tracks.artists.extend_from_slice(&arts);
            l.tracks.off.push(l.tracks.artists.len() as u32);
            if !tags.is_empty() {
                l.any_track_tags = true;
                let take = match l.opts.artists {
                    ArtistPolicy::First => arts.len().min(1),
                    ArtistPolicy::All => arts.len(),
                };
                for &a in &arts[..take] {
                    if l.by_artist.len() <= a as usize {
                        l.by_artist.resize(a as usize + 1, Vec::new());
                    }
                    l.by_artist[a as usize].extend_from_slice(&tags);
                }
            }
            Ok(())
        })?;
        Ok(())
    }

    pub(super) fn person(&mut self, pid: u64) -> Option<u32> {
        if let Some(a) = self.person_ids.get(pid) {
            return Some(a);
        }
        if self.persons_fixed.is_some() {
            return None;
        }
        let a = self.artists.insert(pid.to_string());
        self.person_ids.insert(pid, a);
        Some(a)
    }

    pub(super) fn tag(&mut self, tid: u64) -> Option<u32> {
        if let Some(t) = self.tag_ids.get(tid) {
            return Some(t);
        }
        if self.tags_fixed.is_some() {
            return None;
        }
        let t = self.tags.insert(tid.to_string());
        self.tag_ids.insert(tid, t);
        Some(t)
    }

    pub(super) fn user(&mut self, uid: u64) -> Option<u32> {
        if let Some(u) = self.user_ids.get(uid) {
            return Some(u);
        }
        if self.users_fixed.is_some() {
            return None;
        }
        let u = self.users.insert(uid.to_string());
        self.user_ids.insert(uid, u);
        Some(u)
    }
}
