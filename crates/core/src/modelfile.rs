//! A small binary container for saved models and datasets: a magic number, a kind, a format
//! version, the JSON configuration the model was made with, and a checksummed payload.
//!
//! Files are written to a temporary sibling and renamed into place, so a crash never leaves half
//! a file behind, and a reader refuses an unknown kind, an unknown version, a truncated file or a
//! damaged payload with a typed error.
//!
//! Layout (little endian):
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `b"A2VMODEL"` |
//! | 4 | container version (1) |
//! | 4 + n | kind, UTF-8, length-prefixed |
//! | 4 | the kind's format version |
//! | 8 + n | configuration JSON, length-prefixed |
//! | 8 + n | payload, length-prefixed |
//! | 8 | FNV-1a 64 checksum of every byte before it (container version 2; version 1 files, still read, checksum the payload only) |
//!
//! The checksum covers the header too, so a configuration edited by hand (say, a factor count
//! that disagrees with the payload) is refused as damage before any model code sees it.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::CoreError;

/// The magic number at the start of every file.
pub const MAGIC: &[u8; 8] = b"A2VMODEL";
/// The container layout version this crate writes. It also reads version 1, whose checksum
/// covers the payload only.
pub const CONTAINER_VERSION: u32 = 2;

/// What a file's header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Kind of content, e.g. `"als"`.
    pub kind: String,
    /// Format version of that kind.
    pub version: u32,
    /// The configuration as JSON.
    pub config: String,
}

/// FNV-1a 64-bit hash.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    Fnv1a::new().update(bytes).finish()
}

/// FNV-1a 64 over several pieces, equal to [`fnv1a`] of their concatenation.
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a(u64);

impl Fnv1a {
    /// The hash of nothing.
    pub fn new() -> Self {
        Fnv1a(0xcbf29ce484222325)
    }

    /// Hashes `bytes` after what came before.
    pub fn update(mut self, bytes: &[u8]) -> Self {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x100000001b3);
        }
        self
    }

    /// The hash so far.
    pub fn finish(self) -> u64 {
        self.0
    }
}

impl Default for Fnv1a {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes to `path` atomically: a temporary sibling with a unique name, flushed and fsynced,
/// renamed into place, then the directory fsynced.
///
/// # Errors
/// [`CoreError::Io`] naming the file.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), CoreError> {
    let tmp = tmp_path(path);
    let res = (|| {
        let f = File::create(&tmp)?;
        let mut w = BufWriter::new(f);
        write(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        sync_parent(path)
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(CoreError::io(path, e));
    }
    Ok(())
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    // Unique per process and per call, so that two saves to one path never share a file.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    name.push(format!(".tmp-{}-{n}", std::process::id()));
    path.with_file_name(name)
}

/// Makes a rename in `path`'s directory durable (Unix: fsync of the directory).
fn sync_parent(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The bytes of a model file: header, payload and checksum, as [`write()`] stores them (a model
/// kept inside another model's payload, for instance).
pub fn to_bytes(header: &Header, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(48 + header.kind.len() + header.config.len() + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&CONTAINER_VERSION.to_le_bytes());
    out.extend_from_slice(&(header.kind.len() as u32).to_le_bytes());
    out.extend_from_slice(header.kind.as_bytes());
    out.extend_from_slice(&header.version.to_le_bytes());
    out.extend_from_slice(&(header.config.len() as u64).to_le_bytes());
    out.extend_from_slice(header.config.as_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(payload);
    let sum = fnv1a(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// Writes a model file atomically.
///
/// # Errors
/// [`CoreError::Io`] naming the file.
pub fn write(path: &Path, header: &Header, payload: &[u8]) -> Result<(), CoreError> {
    let mut head = Vec::with_capacity(40 + header.kind.len() + header.config.len());
    head.extend_from_slice(MAGIC);
    head.extend_from_slice(&CONTAINER_VERSION.to_le_bytes());
    head.extend_from_slice(&(header.kind.len() as u32).to_le_bytes());
    head.extend_from_slice(header.kind.as_bytes());
    head.extend_from_slice(&header.version.to_le_bytes());
    head.extend_from_slice(&(header.config.len() as u64).to_le_bytes());
    head.extend_from_slice(header.config.as_bytes());
    head.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    let sum = Fnv1a::new().update(&head).update(payload).finish();
    write_atomic(path, |w| {
        w.write_all(&head)?;
        w.write_all(payload)?;
        w.write_all(&sum.to_le_bytes())
    })
}

/// Reads a model file, checking the magic number, the kind, the version (one of
/// `supported_versions`) and the checksum.
///
/// # Errors
/// [`CoreError::Io`] when the file cannot be read; [`CoreError::Format`] for anything else,
/// naming what was expected.
pub fn read(
    path: &Path,
    kind: &str,
    supported_versions: &[u32],
) -> Result<(Header, Vec<u8>), CoreError> {
    read_with(path, kind, |v| supported_versions.contains(&v)).map_err(|e| match e {
        CoreError::Format { path, message } if message.starts_with(VERSION_MESSAGE) => {
            CoreError::Format {
                path,
                message: format!("{message} (this build reads {supported_versions:?})"),
            }
        }
        e => e,
    })
}

const VERSION_MESSAGE: &str = "format version";

/// Longest kind accepted in a header.
const MAX_KIND_LEN: usize = 256;

/// Parses the header from `d`; also returns the container version.
fn parse_header(d: &mut Decoder<'_>, path: &Path) -> Result<(Header, u32), CoreError> {
    let fmt = |message: String| CoreError::Format {
        path: path.to_path_buf(),
        message,
    };
    let magic = d
        .bytes(8)
        .map_err(|_| fmt("file too short to be an artist2vec model".into()))?;
    if magic != MAGIC {
        return Err(fmt("not an artist2vec model file (bad magic number)".into()));
    }
    let trunc = |what: &str| fmt(format!("truncated file: expected {what}"));
    let cv = d.u32().map_err(|_| trunc("container version"))?;
    if cv != 1 && cv != CONTAINER_VERSION {
        return Err(fmt(format!(
            "container version {cv}, this build reads 1 to {CONTAINER_VERSION}"
        )));
    }
    let n = d.u32().map_err(|_| trunc("kind"))? as usize;
    if n > MAX_KIND_LEN {
        return Err(fmt(format!(
            "kind of {n} bytes (at most {MAX_KIND_LEN} expected)"
        )));
    }
    let k = d.bytes(n).map_err(|_| trunc("kind"))?;
    let kind = String::from_utf8(k.to_vec()).map_err(|_| fmt("kind is not UTF-8".into()))?;
    let version = d.u32().map_err(|_| trunc("format version"))?;
    let n = d.u64().map_err(|_| trunc("configuration"))?;
    if n > d.remaining() as u64 {
        return Err(trunc(&format!("{n} bytes of configuration")));
    }
    let c = d.bytes(n as usize).map_err(|_| trunc("configuration"))?;
    let config =
        String::from_utf8(c.to_vec()).map_err(|_| fmt("configuration is not UTF-8".into()))?;
    Ok((
        Header {
            kind,
            version,
            config,
        },
        cv,
    ))
}

/// Reads only the header of a model file (kind, format version, configuration), without
/// reading or checking the payload: what a program needs to decide which model type to load.
///
/// # Errors
/// [`CoreError::Io`] when the file cannot be read; [`CoreError::Format`] when it is not an
/// artist2vec model file or its header is cut short.
pub fn read_header(path: &Path) -> Result<Header, CoreError> {
    let f = File::open(path).map_err(|e| CoreError::io(path, e))?;
    let len = f.metadata().map_err(|e| CoreError::io(path, e))?.len();
    let mut r = std::io::BufReader::new(f);
    let mut head = Vec::new();
    // Appends up to `n` more bytes (fewer at the end of the file: the parser says what is cut).
    let mut more = |head: &mut Vec<u8>, n: u64| {
        (&mut r)
            .take(n)
            .read_to_end(head)
            .map_err(|e| CoreError::io(path, e))
    };
    more(&mut head, 8 + 4 + 4)?;
    let kind_len = head.get(12..16).map_or(0, |b| {
        u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize
    });
    more(&mut head, kind_len.min(MAX_KIND_LEN) as u64 + 4 + 8)?;
    let config_len = head
        .len()
        .checked_sub(8)
        .and_then(|at| head.get(at..))
        .map_or(0, |b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
    // Never more than the file holds, whatever the header claims.
    more(&mut head, config_len.min(len))?;
    parse_header(&mut Decoder::new(&head), path).map(|(h, _)| h)
}

/// The header of a model file held in memory ([`to_bytes`]); `origin` names it in errors.
///
/// # Errors
/// [`CoreError::Format`] when the bytes are not an artist2vec model or the header is cut short.
pub fn read_header_bytes(bytes: &[u8], origin: &Path) -> Result<Header, CoreError> {
    parse_header(&mut Decoder::new(bytes), origin).map(|(h, _)| h)
}

/// [`read`] with the accepted format versions given by a predicate.
///
/// # Errors
/// As [`read`].
pub fn read_with(
    path: &Path,
    kind: &str,
    accepts_version: impl Fn(u32) -> bool,
) -> Result<(Header, Vec<u8>), CoreError> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| CoreError::io(path, e))?;
    read_bytes_with(&bytes, path, kind, accepts_version)
}

/// [`read_with`] on a model file held in memory ([`to_bytes`]); `origin` names it in errors.
///
/// # Errors
/// [`CoreError::Format`] naming `origin`, as [`read`].
pub fn read_bytes_with(
    bytes: &[u8],
    origin: &Path,
    kind: &str,
    accepts_version: impl Fn(u32) -> bool,
) -> Result<(Header, Vec<u8>), CoreError> {
    let path = origin;
    let fmt = |message: String| CoreError::Format {
        path: path.to_path_buf(),
        message,
    };
    let mut d = Decoder::new(&bytes);
    let (header, cv) = parse_header(&mut d, path)?;
    if header.kind != kind {
        return Err(fmt(format!(
            "holds a {:?} model, expected {kind:?}",
            header.kind
        )));
    }
    if !accepts_version(header.version) {
        return Err(fmt(format!(
            "{VERSION_MESSAGE} {} of {kind} is not supported",
            header.version
        )));
    }
    let trunc = |what: &str| fmt(format!("truncated file: expected {what}"));
    let n = d.u64().map_err(|_| trunc("payload length"))?;
    if n > d.remaining() as u64 {
        return Err(trunc(&format!("{n} payload bytes")));
    }
    let payload = d.bytes(n as usize).map_err(|_| trunc("payload"))?.to_vec();
    let covered = bytes.len() - d.remaining();
    let sum = d.u64().map_err(|_| trunc("checksum"))?;
    let expected = if cv == 1 {
        fnv1a(&payload)
    } else {
        fnv1a(&bytes[..covered])
    };
    if sum != expected {
        return Err(fmt("checksum mismatch: the file is damaged".into()));
    }
    if !d.is_empty() {
        return Err(fmt(format!(
            "{} unexpected bytes after the checksum",
            d.remaining()
        )));
    }
    Ok((header, payload))
}

/// Appends little-endian values to a byte buffer.
#[derive(Debug, Default)]
pub struct Encoder {
    /// The bytes written so far.
    pub buf: Vec<u8>,
}

impl Encoder {
    /// An empty encoder.
    pub fn new() -> Self {
        Self::default()
    }
    /// Appends a `u32`.
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Appends a `u64`.
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Appends an `i64`.
    pub fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Appends a length-prefixed string.
    pub fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.buf.extend_from_slice(s.as_bytes());
    }
    /// Appends a length-prefixed `f32` slice.
    pub fn f32s(&mut self, v: &[f32]) {
        self.u64(v.len() as u64);
        self.buf.reserve(v.len() * 4);
        for x in v {
            self.buf.extend_from_slice(&x.to_le_bytes());
        }
    }
    /// Appends a length-prefixed `u32` slice.
    pub fn u32s(&mut self, v: &[u32]) {
        self.u64(v.len() as u64);
        self.buf.reserve(v.len() * 4);
        for x in v {
            self.buf.extend_from_slice(&x.to_le_bytes());
        }
    }
    /// Appends a length-prefixed `u64` slice.
    pub fn u64s(&mut self, v: &[u64]) {
        self.u64(v.len() as u64);
        for x in v {
            self.buf.extend_from_slice(&x.to_le_bytes());
        }
    }
    /// Appends a length-prefixed `i64` slice.
    pub fn i64s(&mut self, v: &[i64]) {
        self.u64(v.len() as u64);
        for x in v {
            self.buf.extend_from_slice(&x.to_le_bytes());
        }
    }
}

/// Reading past the end of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unexpected end of data")]
pub struct Truncated;

/// Reads little-endian values from a byte slice.
#[derive(Debug)]
pub struct Decoder<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    /// A decoder at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }
    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }
    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }
    /// The next `n` bytes.
    ///
    /// # Errors
    /// [`Truncated`] past the end.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], Truncated> {
        if self.remaining() < n {
            return Err(Truncated);
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    /// A `u32`.
    ///
    /// # Errors
    /// [`Truncated`] past the end.
    pub fn u32(&mut self) -> Result<u32, Truncated> {
        Ok(u32::from_le_bytes(
            self.bytes(4)?.try_into().expect("4 bytes"),
        ))
    }
    /// A `u64`.
    ///
    /// # Errors
    /// [`Truncated`] past the end.
    pub fn u64(&mut self) -> Result<u64, Truncated> {
        Ok(u64::from_le_bytes(
            self.bytes(8)?.try_into().expect("8 bytes"),
        ))
    }
    /// An `i64`.
    ///
    /// # Errors
    /// [`Truncated`] past the end.
    pub fn i64(&mut self) -> Result<i64, Truncated> {
        Ok(i64::from_le_bytes(
            self.bytes(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn len_prefix(&mut self, elem: usize) -> Result<usize, Truncated> {
        let n = self.u64()? as usize;
        if n.checked_mul(elem).is_none_or(|b| b > self.remaining()) {
            return Err(Truncated);
        }
        Ok(n)
    }
    /// A length-prefixed string.
    ///
    /// # Errors
    /// [`Truncated`] past the end or on invalid UTF-8.
    pub fn str(&mut self) -> Result<String, Truncated> {
        let n = self.len_prefix(1)?;
        String::from_utf8(self.bytes(n)?.to_vec()).map_err(|_| Truncated)
    }
    /// A length-prefixed `f32` slice.
    ///
    /// # Errors
    /// [`Truncated`] past the end.
    pub fn f32s(&mut self) -> Result<Vec<f32>, Truncated> {
        let n = self.len_prefix(4)?;
        Ok(self
            .bytes(n * 4)?
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4")))
            .collect())
    }
    /// A length-prefixed `u32` slice.
    ///
    /// # Errors
    /// [`Truncated`] past the end.
    pub fn u32s(&mut self) -> Result<Vec<u32>, Truncated> {
        let n = self.len_prefix(4)?;
        Ok(self
            .bytes(n * 4)?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4")))
            .collect())
    }
    /// A length-prefixed `u64` slice.
    ///
    /// # Errors
    /// [`Truncated`] past the end.
    pub fn u64s(&mut self) -> Result<Vec<u64>, Truncated> {
        let n = self.len_prefix(8)?;
        Ok(self
            .bytes(n * 8)?
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8")))
            .collect())
    }
    /// A length-prefixed `i64` slice.
    ///
    /// # Errors
    /// [`Truncated`] past the end.
    pub fn i64s(&mut self) -> Result<Vec<i64>, Truncated> {
        let n = self.len_prefix(8)?;
        Ok(self
            .bytes(n * 8)?
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().expect("8")))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_every_kind_of_damage() {
        let dir = std::env::temp_dir().join(format!("a2v-modelfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.a2v");
        let header = Header {
            kind: "als".into(),
            version: 1,
            config: "{\"factors\":8}".into(),
        };
        let mut e = Encoder::new();
        e.f32s(&[1.0, 2.5]);
        e.str("hé");
        write(&path, &header, &e.buf).unwrap();
        let (h, p) = read(&path, "als", &[1]).unwrap();
        assert_eq!(h, header);
        let mut d = Decoder::new(&p);
        assert_eq!(d.f32s().unwrap(), vec![1.0, 2.5]);
        assert_eq!(d.str().unwrap(), "hé");
        assert!(d.is_empty());

        let msg = |r: Result<(Header, Vec<u8>), CoreError>| r.unwrap_err().to_string();
        assert!(msg(read(&path, "bpr", &[1])).contains("expected \"bpr\""));
        assert!(
            msg(read(&path, "als", &[2]))
                .contains("version 1 of als is not supported (this build reads [2])")
        );
        let full = std::fs::read(&path).unwrap();
        for cut in [3, 20, full.len() - 9, full.len() - 1] {
            std::fs::write(&path, &full[..cut]).unwrap();
            let m = msg(read(&path, "als", &[1]));
            assert!(
                m.contains("truncated") || m.contains("too short"),
                "{cut}: {m}"
            );
        }
        let mut bad = full.clone();
        let n = bad.len();
        bad[n - 12] ^= 0xff;
        std::fs::write(&path, &bad).unwrap();
        assert!(msg(read(&path, "als", &[1])).contains("checksum"));
        // The header is checksummed too: a hand-edited configuration is damage.
        let at = full.windows(8).position(|w| w == b"factors\"").unwrap();
        let mut edited = full.clone();
        edited[at + 9] = b'9';
        std::fs::write(&path, &edited).unwrap();
        assert!(msg(read(&path, "als", &[1])).contains("checksum"));
        // Version 1 files (payload-only checksum) still read.
        let mut v1 = full.clone();
        v1[8..12].copy_from_slice(&1u32.to_le_bytes());
        let n = v1.len();
        v1[n - 8..].copy_from_slice(&fnv1a(&e.buf).to_le_bytes());
        std::fs::write(&path, &v1).unwrap();
        assert_eq!(
            read(&path, "als", &[1]).unwrap(),
            (header.clone(), e.buf.clone())
        );
        std::fs::write(&path, b"hello world, not a model").unwrap();
        assert!(msg(read(&path, "als", &[1])).contains("bad magic"));
        assert!(matches!(
            read(&dir.join("missing"), "als", &[1]),
            Err(CoreError::Io { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
