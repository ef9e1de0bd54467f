//! Fast line-oriented reading: a buffered [`LineReader`] for sequential work and a chunked,
//! order-preserving parallel path ([`par_map_chunks`]) for the multi-gigabyte files.
//!
//! Both number lines from 1, strip `\n` / `\r\n` line ends, and decode UTF-8 (or ISO-8859-1, see
//! [`TextEncoding`]); invalid UTF-8 is a [`DataError::Parse`] naming the file and line, with the
//! reason `"invalid UTF-8"`.
//!
//! ```
//! use std::io::Cursor;
//! use artist2vec_data::lines::{LineReader, TextEncoding};
//!
//! let mut r = LineReader::new(Cursor::new(&b"a\tb\r\nc\n"[..]), "mem.tsv", TextEncoding::Utf8);
//! assert_eq!(r.next_line()?, Some((1, "a\tb")));
//! assert_eq!(r.next_line()?, Some((2, "c")));
//! assert_eq!(r.next_line()?, None);
//! # Ok::<(), artist2vec_data::DataError>(())
//! ```

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{DataError, Mode, Report};

/// Buffer size of [`LineReader::open`] (1 MiB).
pub const DEFAULT_BUFFER_BYTES: usize = 1 << 20;

/// Default chunk size of [`ChunkReader`] and [`par_map_chunks`] (8 MiB).
pub const DEFAULT_CHUNK_BYTES: usize = 8 << 20;

/// How the bytes of a text file are decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextEncoding {
    /// UTF-8; an invalid sequence is an error.
    #[default]
    Utf8,
    /// ISO-8859-1 (Latin-1): every byte is the code point of the same value; never fails.
    Latin1,
}

/// Strips a trailing `\n` and then a trailing `\r`.
pub fn strip_eol(mut line: &[u8]) -> &[u8] {
    if let [rest @ .., b'\n'] = line {
        line = rest;
    }
    if let [rest @ .., b'\r'] = line {
        line = rest;
    }
    line
}

/// Decodes one line (without its line end) of `path` at 1-based `line`.
///
/// # Errors
/// [`DataError::Parse`] with the reason `"invalid UTF-8"`, naming the byte and its column, when
/// `encoding` is UTF-8 and the bytes are not.
pub fn decode_line<'a>(
    path: &Path,
    line: u64,
    bytes: &'a [u8],
    encoding: TextEncoding,
) -> Result<Cow<'a, str>, DataError> {
    match encoding {
        TextEncoding::Utf8 => utf8(path, line, bytes).map(Cow::Borrowed),
        TextEncoding::Latin1 => Ok(latin1(bytes)),
    }
}

/// Decodes UTF-8, or fails with an error naming the file, the line and the offending byte.
pub(crate) fn utf8<'a>(path: &Path, line: u64, bytes: &'a [u8]) -> Result<&'a str, DataError> {
    std::str::from_utf8(bytes).map_err(|e| invalid_utf8(path, line, bytes, &e))
}

fn invalid_utf8(path: &Path, line: u64, bytes: &[u8], e: &std::str::Utf8Error) -> DataError {
    let at = e.valid_up_to();
    DataError::parse(
        path,
        line,
        format!(
            "invalid UTF-8: byte 0x{:02X} at column {} is not valid UTF-8 (expected UTF-8 text; \
             is the file ISO-8859-1?)",
            bytes.get(at).copied().unwrap_or(0),
            at + 1
        ),
    )
}

/// Decodes ISO-8859-1 (borrowing when the bytes are ASCII).
pub(crate) fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    if bytes.is_ascii() {
        // ASCII is valid UTF-8.
        Cow::Borrowed(std::str::from_utf8(bytes).expect("ASCII is UTF-8"))
    } else {
        Cow::Owned(bytes.iter().map(|&b| b as char).collect())
    }
}

/// A buffered line reader over any [`BufRead`], numbering lines from 1.
///
/// Lines are read with `read_until(b'\n')` into one reused buffer, so reading allocates nothing
/// per line. A line with invalid UTF-8 is consumed and reported as an error; the next call goes on
/// with the following line, so lenient readers can skip it.
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    path: PathBuf,
    encoding: TextEncoding,
    buf: Vec<u8>,
    text: String,
    line: u64,
}

impl LineReader<BufReader<File>> {
    /// Opens `path` with a [`DEFAULT_BUFFER_BYTES`] buffer.
    ///
    /// # Errors
    /// [`DataError::Io`] naming the file when it cannot be opened.
    pub fn open(path: impl AsRef<Path>, encoding: TextEncoding) -> Result<Self, DataError> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| DataError::io(path, e))?;
        Ok(Self::new(
            BufReader::with_capacity(DEFAULT_BUFFER_BYTES, file),
            path,
            encoding,
        ))
    }
}

impl<R: BufRead> LineReader<R> {
    /// A reader over `inner`; `path` is only used to name the source in errors.
    pub fn new(inner: R, path: impl Into<PathBuf>, encoding: TextEncoding) -> Self {
        Self {
            inner,
            path: path.into(),
            encoding,
            buf: Vec::with_capacity(256),
            text: String::new(),
            line: 0,
        }
    }

    /// The file this reader reads (as given).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number of the last line returned (0 before the first).
    pub fn line_number(&self) -> u64 {
        self.line
    }

    /// The next line as raw bytes without its line end, with its 1-based number.
    ///
    /// # Errors
    /// [`DataError::Io`] when reading fails.
    pub fn next_bytes(&mut self) -> Result<Option<(u64, &[u8])>, DataError> {
        if !self.fill()? {
            return Ok(None);
        }
        Ok(Some((self.line, strip_eol(&self.buf))))
    }

    /// The next line decoded as text, without its line end, with its 1-based number.
    ///
    /// # Errors
    /// [`DataError::Io`] when reading fails; [`DataError::Parse`] (`"invalid UTF-8: …"`) for a
    /// line that is not UTF-8 (the line is consumed, the next call reads the following one).
    pub fn next_line(&mut self) -> Result<Option<(u64, &str)>, DataError> {
        if !self.fill()? {
            return Ok(None);
        }
        let bytes = strip_eol(&self.buf);
        match self.encoding {
            TextEncoding::Utf8 => match std::str::from_utf8(bytes) {
                Ok(s) => Ok(Some((self.line, s))),
                Err(e) => Err(invalid_utf8(&self.path, self.line, bytes, &e)),
            },
            TextEncoding::Latin1 => {
                if bytes.is_ascii() {
                    let s = std::str::from_utf8(bytes).expect("ASCII is UTF-8");
                    Ok(Some((self.line, s)))
                } else {
                    self.text.clear();
                    self.text.extend(bytes.iter().map(|&b| b as char));
                    Ok(Some((self.line, self.text.as_str())))
                }
            }
        }
    }

    fn fill(&mut self) -> Result<bool, DataError> {
        self.buf.clear();
        let n = self
            .inner
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| DataError::io(&self.path, e))?;
        if n == 0 {
            return Ok(false);
        }
        self.line += 1;
        Ok(true)
    }
}

/// A block of whole lines of a file, as read by a [`ChunkReader`].
#[derive(Debug, Clone, Default)]
pub struct Chunk {
    first_line: u64,
    n_lines: u64,
    data: Vec<u8>,
}

impl Chunk {
    /// The 1-based number of the chunk's first line.
    pub fn first_line(&self) -> u64 {
        self.first_line
    }

    /// How many lines the chunk holds.
    pub fn n_lines(&self) -> u64 {
        self.n_lines
    }

    /// The raw bytes (whole lines, line ends included).
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The lines with their 1-based numbers, line ends (`\n`, `\r\n`) stripped.
    pub fn lines(&self) -> ChunkLines<'_> {
        ChunkLines {
            data: &self.data,
            pos: 0,
            line: self.first_line,
        }
    }
}

/// Iterator over the numbered lines of a [`Chunk`].
#[derive(Debug, Clone)]
pub struct ChunkLines<'a> {
    data: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> Iterator for ChunkLines<'a> {
    type Item = (u64, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.data.len() {
            return None;
        }
        let rest = &self.data[self.pos..];
        let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        self.pos += end;
        let n = self.line;
        self.line += 1;
        Some((n, strip_eol(&rest[..end])))
    }
}

/// Reads a file in blocks of whole lines (about `chunk_bytes` each; a longer line makes a longer
/// chunk), so that blocks can be parsed in parallel while line numbers stay exact.
#[derive(Debug)]
pub struct ChunkReader {
    file: File,
    path: PathBuf,
    chunk_bytes: usize,
    carry: Vec<u8>,
    next_line: u64,
    eof: bool,
    free: Vec<Vec<u8>>,
}

impl ChunkReader {
    /// Opens `path`.
    ///
    /// # Errors
    /// [`DataError::Io`] naming the file when it cannot be opened.
    pub fn open(path: impl AsRef<Path>, chunk_bytes: usize) -> Result<Self, DataError> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| DataError::io(path, e))?;
        Ok(Self {
            file,
            path: path.to_owned(),
            chunk_bytes: chunk_bytes.max(1),
            carry: Vec::new(),
            next_line: 1,
            eof: false,
            free: Vec::new(),
        })
    }

    /// Gives a chunk's buffer back for reuse by later chunks (saves allocating and faulting in
    /// fresh memory for every chunk).
    pub fn recycle(&mut self, chunk: Chunk) {
        if self.free.len() < 64 {
            self.free.push(chunk.data);
        }
    }

    /// The next block of whole lines, or `None` at the end of the file.
    ///
    /// # Errors
    /// [`DataError::Io`] when reading fails.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, DataError> {
        let mut data = match self.free.pop() {
            Some(mut buf) => {
                buf.clear();
                buf.extend_from_slice(&self.carry);
                self.carry.clear();
                buf
            }
            None => std::mem::take(&mut self.carry),
        };
        let mut want = self.chunk_bytes;
        loop {
            if !self.eof {
                let start = data.len();
                data.resize(start + want, 0);
                let mut filled = start;
                while filled < data.len() {
                    match self.file.read(&mut data[filled..]) {
                        Ok(0) => {
                            self.eof = true;
                            break;
                        }
                        Ok(n) => filled += n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(DataError::io(&self.path, e)),
                    }
                }
                data.truncate(filled);
            }
            if data.is_empty() {
                return Ok(None);
            }
            let cut = if self.eof {
                Some(data.len())
            } else {
                memchr::memrchr(b'\n', &data).map(|i| i + 1)
            };
            match cut {
                Some(cut) => {
                    self.carry.clear();
                    self.carry.extend_from_slice(&data[cut..]);
                    data.truncate(cut);
                    let mut n_lines = memchr::memchr_iter(b'\n', &data).count() as u64;
                    if data.last() != Some(&b'\n') {
                        n_lines += 1;
                    }
                    let chunk = Chunk {
                        first_line: self.next_line,
                        n_lines,
                        data,
                    };
                    self.next_line += n_lines;
                    return Ok(Some(chunk));
                }
                // A line longer than the chunk: read more.
                None => want = want.saturating_mul(2),
            }
        }
    }
}

fn read_batch(reader: &mut ChunkReader, n: usize) -> Result<Vec<Chunk>, DataError> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        match reader.next_chunk()? {
            Some(c) => out.push(c),
            None => break,
        }
    }
    Ok(out)
}

/// Parses a file in parallel, chunk by chunk, and hands the results to `sink` in file order.
///
/// `map` runs on the rayon pool, one call per [`Chunk`]; `sink` sees every chunk, with its result,
/// in file order, one call at a time. The stages overlap: while `sink` consumes one batch of
/// chunks the next batch is parsed, so a sequential `sink` costs little wall time. At most about
/// `6 × threads × chunk_bytes` bytes of the file (plus parse results) are in memory at once.
///
/// # Errors
/// [`DataError::Io`] when reading fails; the first error returned by `sink` (reading stops there).
pub fn par_map_chunks<T, M, S>(
    path: &Path,
    chunk_bytes: usize,
    map: M,
    mut sink: S,
) -> Result<(), DataError>
where
    T: Send,
    M: Fn(&Chunk) -> T + Sync,
    S: FnMut(&Chunk, T) -> Result<(), DataError> + Send,
{
    let mut reader = ChunkReader::open(path, chunk_bytes)?;
    let batch_len = rayon::current_num_threads().max(1) * 2;
    let mut batch = read_batch(&mut reader, batch_len)?;
    let mut results: Vec<T> = batch.par_iter().map(&map).collect();
    while !batch.is_empty() {
        let next = read_batch(&mut reader, batch_len)?;
        let sink = &mut sink;
        let (sunk, next_results) = rayon::join(
            || -> Result<(), DataError> {
                for (chunk, r) in batch.iter().zip(results) {
                    sink(chunk, r)?;
                }
                Ok(())
            },
            || next.par_iter().map(&map).collect::<Vec<T>>(),
        );
        sunk?;
        for c in std::mem::replace(&mut batch, next) {
            reader.recycle(c);
        }
        results = next_results;
    }
    Ok(())
}

/// Parses an unsigned decimal integer (ASCII digits only, no sign, no spaces).
pub(crate) fn parse_u64(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(d as u64)?;
    }
    Some(v)
}

/// Parses a signed decimal integer (optional leading `-` or `+`).
pub(crate) fn parse_i64(s: &[u8]) -> Option<i64> {
    match s.first()? {
        b'-' => {
            let v = parse_u64(&s[1..])?;
            if v <= i64::MAX as u64 + 1 {
                Some((v as i64).wrapping_neg())
            } else {
                None
            }
        }
        b'+' => i64::try_from(parse_u64(&s[1..])?).ok(),
        _ => i64::try_from(parse_u64(s)?).ok(),
    }
}

/// A short, marked excerpt of a field for error messages ([`artist2vec_core::excerpt_bytes`]).
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    artist2vec_core::excerpt_bytes(bytes)
}

/// Handles a file that holds no data records: an error in strict mode, a skip counted under
/// `"empty file"` in lenient mode.
pub(crate) fn empty_file(
    report: &mut Report,
    mode: Mode,
    path: &Path,
    expected: &str,
) -> Result<(), DataError> {
    let err = DataError::Empty {
        path: path.to_owned(),
        expected: expected.to_owned(),
    };
    match mode {
        Mode::Strict => Err(err),
        Mode::Lenient => {
            *report.skipped.entry("empty file".to_owned()).or_default() += 1;
            if report.examples.len() < 5 {
                report.examples.push(err.to_string());
            }
            Ok(())
        }
    }
}

/// Adds `n` to the lines read from `path`.
pub(crate) fn count_lines(report: &mut Report, path: &Path, n: u64) {
    *report
        .lines_read
        .entry(path.display().to_string())
        .or_default() += n;
}

/// A serde_json error inside one field of a line, as a parse error whose reason tells a truncated
/// document (`"truncated JSON"`), a syntax error (`"bad JSON"`) and a well-formed document with a
/// wrong or missing value (`"bad value"`) apart.
pub(crate) fn json_error(
    path: &Path,
    line: u64,
    e: &serde_json::Error,
    field: &str,
    expected: &str,
) -> DataError {
    use serde_json::error::Category;
    let reason = match e.classify() {
        Category::Eof => "truncated JSON",
        Category::Syntax | Category::Io => "bad JSON",
        Category::Data => "bad value",
    };
    DataError::parse(
        path,
        line,
        format!(
            "{reason}: {} of the {field} (expected {expected})",
            artist2vec_core::shorten_quotes(&e.to_string())
        ),
    )
}

/// A fast, non-cryptographic hasher (the multiply-rotate scheme of rustc's FxHash) for
/// short-lived maps keyed by input text, where SipHash's DoS resistance buys nothing.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

const FX_K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(FX_K);
    }
}

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` with [`FxHasher`].
pub(crate) type FxHashMap<K, V> =
    std::collections::HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

/// Maps numeric external ids to dense indices: a flat table for small, dense ids, a hash map for
/// the rest, so a few huge ids never blow up memory.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdMap {
    dense: Vec<u32>,
    sparse: std::collections::HashMap<u64, u32>,
    len: usize,
}

impl IdMap {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn get(&self, id: u64) -> Option<u32> {
        match self.dense.get(id as usize) {
            Some(&v) if v != u32::MAX => Some(v),
            _ if self.sparse.is_empty() => None,
            _ => self.sparse.get(&id).copied(),
        }
    }

    /// Inserts `id → value`; returns the previous value when the id was already there (and
    /// keeps it).
    pub(crate) fn insert(&mut self, id: u64, value: u32) -> Option<u32> {
        if let Some(prev) = self.get(id) {
            return Some(prev);
        }
        let idx = id as usize;
        if idx < self.dense.len() {
            self.dense[idx] = value;
        } else if (id as u128) < 2 * self.len as u128 + (1 << 20) {
            let new_len = (idx + 1).max(self.dense.len() * 3 / 2);
            self.dense.resize(new_len, u32::MAX);
            self.dense[idx] = value;
        } else {
            self.sparse.insert(id, value);
        }
        self.len += 1;
        None
    }

    /// The flat part: `table[id]` is the value of `id`, or `u32::MAX`.
    pub(crate) fn dense(&self) -> &[u32] {
        &self.dense
    }

    /// Whether some ids live in the hash map.
    pub(crate) fn has_sparse(&self) -> bool {
        !self.sparse.is_empty()
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    #[test]
    fn line_reader_numbers_strips_and_decodes() {
        let data = b"h1\th2\r\n\xE9t\xE9\r\nlast";
        let mut r = LineReader::new(Cursor::new(&data[..]), "x.dat", TextEncoding::Latin1);
        assert_eq!(r.next_line().unwrap(), Some((1, "h1\th2")));
        assert_eq!(r.next_line().unwrap(), Some((2, "été")));
        assert_eq!(r.next_line().unwrap(), Some((3, "last")));
        assert_eq!(r.next_line().unwrap(), None);

        let mut r = LineReader::new(Cursor::new(&data[..]), "x.dat", TextEncoding::Utf8);
        assert_eq!(r.next_line().unwrap(), Some((1, "h1\th2")));
        let err = r.next_line().unwrap_err().to_string();
        assert_eq!(
            err,
            "x.dat:2: invalid UTF-8: byte 0xE9 at column 1 is not valid UTF-8 (expected UTF-8 text; \
             is the file ISO-8859-1?)"
        );
        // The bad line was consumed; reading goes on.
        assert_eq!(r.next_line().unwrap(), Some((3, "last")));
    }

    #[test]
    fn chunks_keep_whole_lines_and_numbers() {
        let dir = std::env::temp_dir().join(format!("a2v-lines-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.txt");
        let mut text = String::new();
        for i in 1..=1000 {
            text.push_str(&format!("line {i}{}\n", if i % 3 == 0 { "\r" } else { "" }));
        }
        text.push_str("tail without newline");
        std::fs::write(&path, &text).unwrap();
        for chunk_bytes in [1, 7, 64, 1 << 20] {
            let mut seen = Vec::new();
            let mut chunks = 0;
            par_map_chunks(
                &path,
                chunk_bytes,
                |c| {
                    c.lines()
                        .map(|(n, l)| (n, String::from_utf8(l.to_vec()).unwrap()))
                        .collect::<Vec<_>>()
                },
                |c, v| {
                    assert_eq!(c.n_lines() as usize, v.len());
                    chunks += 1;
                    seen.extend(v);
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(seen.len(), 1001, "chunk_bytes {chunk_bytes}");
            assert!(chunks >= 1);
            for (k, (n, l)) in seen.iter().enumerate().take(1000) {
                assert_eq!(*n, k as u64 + 1);
                assert_eq!(l, &format!("line {}", k + 1));
            }
            assert_eq!(seen[1000], (1001, "tail without newline".to_string()));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn numbers_and_fields() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b"1a"), None);
        assert_eq!(parse_i64(b"-1"), Some(-1));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b"-"), None);
        assert_eq!(strip_eol(b"x\r\n"), b"x");
        assert_eq!(strip_eol(b"x\r"), b"x");
        assert_eq!(excerpt(&[b'a'; 50]).chars().count(), 43);
    }
}
