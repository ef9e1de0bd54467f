//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

/// The committed fixture at `crates/data/tests/fixtures/<rel>`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// A fresh, empty temporary directory unique to `name` and this process.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("a2v-data-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Copies every file of fixture directory `rel` into a fresh temporary directory.
pub fn copy_fixture_dir(rel: &str, name: &str) -> PathBuf {
    let dst = temp_dir(name);
    for e in std::fs::read_dir(fixture(rel)).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dst.join(p.file_name().unwrap())).unwrap();
    }
    dst
}

/// Replaces line `line` (1-based) of `path` by `text` (bytes, without line end).
pub fn replace_line(path: &Path, line: usize, text: &[u8]) {
    let data = std::fs::read(path).unwrap();
    let mut out = Vec::new();
    for (i, l) in data.split_inclusive(|&b| b == b'\n').enumerate() {
        if i + 1 == line {
            out.extend_from_slice(text);
            let eol: &[u8] = if l.ends_with(b"\r\n") {
                b"\r\n"
            } else if l.ends_with(b"\n") {
                b"\n"
            } else {
                b""
            };
            out.extend_from_slice(eol);
        } else {
            out.extend_from_slice(l);
        }
    }
    std::fs::write(path, out).unwrap();
}

/// Appends `text` as a new line to `path`.
pub fn append_line(path: &Path, text: &[u8]) {
    let mut data = std::fs::read(path).unwrap();
    data.extend_from_slice(text);
    data.push(b'\n');
    std::fs::write(path, data).unwrap();
}

use artist2vec_core::Sessions;

/// One session in a vocabulary-independent form: user id and (artist key, time, duration) per
/// play.
pub type CanonSession = (String, Vec<(String, i64, Option<u32>)>);

/// Sessions in a form that does not depend on vocabulary order or session ids: sorted by user,
/// then start; artists keyed by `key(index)`.
pub fn canonical(
    s: &Sessions,
    key: impl Fn(u32) -> String,
    with_durations: bool,
) -> Vec<CanonSession> {
    let mut v: Vec<CanonSession> = s
        .iter()
        .map(|r| {
            let plays = (0..r.len())
                .map(|j| {
                    let p = r.play(j);
                    (
                        key(p.item),
                        p.time,
                        if with_durations { p.duration } else { None },
                    )
                })
                .collect();
            (s.users.id(r.user).to_owned(), plays)
        })
        .collect();
    v.sort_by(|a, b| (&a.0, a.1.first().map(|p| p.1)).cmp(&(&b.0, b.1.first().map(|p| p.1))));
    v
}
