//! One idomaar record: a line split into its tab-separated fields ([`Fields`]), the borrowed
//! JSON shapes of its properties and linked entities (unknown fields are skipped), and the
//! per-chunk parse that turns the lines of a chunk into records in file order.

use std::borrow::Cow;
use std::path::Path;

use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::DataError;
use crate::lines::{self, Chunk};

// ---------------------------------------------------------------------------------------------
// JSON shapes (borrowed; unknown fields are skipped)

/// An entity reference in a linked-entities list, or an empty `[]` placeholder.
pub(super) enum Obj<'a> {
    Entity(Entity<'a>),
    Empty,
}

#[derive(Deserialize)]
pub(super) struct Entity<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Cow<'a, str>,
    pub(super) id: u64,
    #[serde(default)]
    pub(super) playstart: Option<f64>,
    #[serde(default)]
    pub(super) playtime: Option<f64>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Obj<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Obj<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an entity object {\"type\":…,\"id\":…} or an empty list")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<'a>, A::Error> {
                Entity::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Obj::Entity)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Obj<'a>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Obj::Empty)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
pub(super) struct RelLinked<'a> {
    #[serde(default, borrow)]
    pub(super) subjects: Vec<Obj<'a>>,
    #[serde(default, borrow)]
    pub(super) objects: Vec<Obj<'a>>,
}

#[derive(Deserialize)]
pub(super) struct TrackLinked<'a> {
    #[serde(default, borrow)]
    pub(super) artists: Vec<Obj<'a>>,
    #[serde(default, borrow)]
    pub(super) tags: Vec<Obj<'a>>,
}

#[derive(Deserialize)]
pub(super) struct NameProps<'a> {
    #[serde(default, borrow)]
    pub(super) name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub(super) struct ValueProps<'a> {
    #[serde(default, borrow)]
    pub(super) value: Option<Cow<'a, str>>,
}

// ---------------------------------------------------------------------------------------------
// Line splitting

/// The common fields of one idomaar line.
pub(super) struct Fields<'a> {
    pub(super) id: u64,
    pub(super) ts: i64,
    pub(super) props: &'a str,
    pub(super) linked: &'a str,
}

const FIELD_NAMES: &str = "type, id, timestamp, properties, linked entities";

fn split_line<'a>(
    path: &Path,
    n: u64,
    bytes: &'a [u8],
    kind: &str,
    need_linked: bool,
) -> Result<Fields<'a>, DataError> {
    let line = lines::utf8(path, n, bytes)?;
    let mut it = line.splitn(5, '\t');
    let mut f: [&str; 5] = [""; 5];
    let mut k = 0;
    for (slot, s) in f.iter_mut().zip(&mut it) {
        *slot = s;
        k += 1;
    }
    let need = if need_linked { 5 } else { 4 };
    if k < need {
        return Err(DataError::parse(
            path,
            n,
            format!(
                "missing field: expected {need} tab-separated fields ({FIELD_NAMES}), found {k}"
            ),
        ));
    }
    if f[0] != kind {
        return Err(DataError::parse(
            path,
            n,
            format!(
                "unexpected type: expected \"{kind}\" in field 1, found {}",
                lines::excerpt(f[0].as_bytes())
            ),
        ));
    }
    let id = lines::parse_u64(f[1].as_bytes()).ok_or_else(|| {
        DataError::parse(
            path,
            n,
            format!(
                "bad number: id {} in field 2 is not a non-negative integer",
                lines::excerpt(f[1].as_bytes())
            ),
        )
    })?;
    let ts = lines::parse_i64(f[2].as_bytes()).ok_or_else(|| {
        DataError::parse(
            path,
            n,
            format!(
                "bad number: timestamp {} in field 3 is not an integer (expected seconds since the epoch)",
                lines::excerpt(f[2].as_bytes())
            ),
        )
    })?;
    Ok(Fields {
        id,
        ts,
        props: f[3],
        linked: if k == 5 { f[4] } else { "" },
    })
}

/// Per-chunk parse output: one result per non-blank line, plus shared buffers.
pub(super) struct ChunkOut<T, X> {
    pub(super) recs: Vec<(u64, Result<T, DataError>)>,
    pub(super) extra: X,
}

pub(super) fn parse_chunk<T, X: Default>(
    chunk: &Chunk,
    path: &Path,
    kind: &str,
    need_linked: bool,
    parse: &(impl Fn(&Path, u64, Fields<'_>, &mut X) -> Result<T, DataError> + Sync),
) -> ChunkOut<T, X> {
    let mut out = ChunkOut {
        recs: Vec::with_capacity(chunk.n_lines() as usize),
        extra: X::default(),
    };
    for (n, bytes) in chunk.lines() {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let r = split_line(path, n, bytes, kind, need_linked)
            .and_then(|f| parse(path, n, f, &mut out.extra));
        out.recs.push((n, r));
    }
    out
}

pub(super) fn json<'a, T: Deserialize<'a>>(
    path: &Path,
    n: u64,
    s: &'a str,
    field: &str,
    expected: &str,
) -> Result<T, DataError> {
    serde_json::from_str(s).map_err(|e| lines::json_error(path, n, &e, field, expected))
}

pub(super) fn check_kind(
    path: &Path,
    n: u64,
    e: &Entity<'_>,
    want: &str,
    role: &str,
) -> Result<(), DataError> {
    if e.kind == want {
        Ok(())
    } else {
        Err(DataError::parse(
            path,
            n,
            format!(
                "unexpected type: {role} {} has type {} (expected \"{want}\")",
                e.id,
                lines::excerpt(e.kind.as_bytes())
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obj_accepts_entities_and_empty_lists() {
        let l: RelLinked<'_> = serde_json::from_str(
            r#"{"subjects":[{"type":"user","id":3}],"objects":[[]],"other":{"x":[1,2]}}"#,
        )
        .unwrap();
        assert!(matches!(l.subjects[0], Obj::Entity(Entity { id: 3, .. })));
        assert!(matches!(l.objects[0], Obj::Empty));
    }
}
