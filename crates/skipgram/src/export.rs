//! Export and import of embedding tables: the word2vec text and binary formats (as gensim 4.4's
//! `KeyedVectors.save_word2vec_format` writes them and `load_word2vec_format` reads them) and
//! NumPy `.npy` files with a vocabulary file beside them.
//!
//! | format | layout |
//! |---|---|
//! | word2vec text | header `"N D\n"`, then per row `id v1 … vD\n`, values as NumPy prints `float32` (`str(np.float32(x))`) |
//! | word2vec binary | header `"N D\n"`, then per row `id`, a space and `D` little-endian `f32` (gensim 4 writes no newline after a row; word2vec.c writes one — both are read) |
//! | `.npy` | NPY format 1.0, `'<f4'`, C order, shape `(N, D)`, header padded to 64 bytes as `np.save` does |
//! | vocabulary | one id per line, UTF-8, in row order |

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use artist2vec_core::modelfile::write_atomic;
use artist2vec_core::{Embeddings, Vocabulary};

use crate::error::{Result, SkipGramError};

/// The two word2vec file layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word2VecFormat {
    /// Plain text, one row per line.
    Text,
    /// Ids as text, values as little-endian `f32`.
    Binary,
}

fn check_ids(table: &Embeddings, what: &str) -> Result<()> {
    for id in table.vocab().ids() {
        if id.is_empty() || id.chars().any(char::is_whitespace) {
            return Err(SkipGramError::Export(format!(
                "id {} is empty or contains whitespace, which the {what} format cannot hold",
                artist2vec_core::excerpt(id)
            )));
        }
    }
    Ok(())
}

/// Formats an `f32` exactly as NumPy's `str(np.float32(x))` does (and so gensim's text writer):
/// the shortest digits that round-trip, positional for `1e-4 <= |x| < 1e6`, otherwise
/// scientific with an at-least-two-digit exponent.
pub fn format_f32_like_numpy(x: f32) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    // NumPy's cut-offs for float32, compared in f64 (the f32 nearest 1e-4 is below 1e-4).
    let a = x.abs() as f64;
    if a == 0.0 || (1e-4..1e6).contains(&a) {
        let mut s = format!("{x}");
        if !s.contains('.') {
            s.push_str(".0");
        }
        s
    } else {
        let s = format!("{x:e}");
        let (mant, exp) = s.split_once('e').expect("`{:e}` has an exponent");
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exp),
        };
        format!("{mant}e{sign}{digits:0>2}")
    }
}

/// Writes `table` in a word2vec format, atomically.
///
/// # Errors
/// [`SkipGramError::Export`] for an id that is empty or contains whitespace; I/O errors
/// naming the file.
pub fn write_word2vec(
    table: &Embeddings,
    path: impl AsRef<Path>,
    format: Word2VecFormat,
) -> Result<()> {
    check_ids(table, "word2vec")?;
    let dim = table.dim();
    write_atomic(path.as_ref(), |w| {
        writeln!(w, "{} {}", table.len(), dim)?;
        for (i, row) in table.as_slice().chunks_exact(dim).enumerate() {
            let id = table.vocab().id(i as u32);
            match format {
                Word2VecFormat::Text => {
                    w.write_all(id.as_bytes())?;
                    for &v in row {
                        w.write_all(b" ")?;
                        w.write_all(format_f32_like_numpy(v).as_bytes())?;
                    }
                    w.write_all(b"\n")?;
                }
                Word2VecFormat::Binary => {
                    w.write_all(id.as_bytes())?;
                    w.write_all(b" ")?;
                    for &v in row {
                        w.write_all(&v.to_le_bytes())?;
                    }
                }
            }
        }
        Ok(())
    })?;
    Ok(())
}

fn parse_header(path: &Path, line: &str) -> Result<(usize, usize)> {
    let mut it = line.split_whitespace();
    let parse = |s: Option<&str>| s.and_then(|s| s.parse::<usize>().ok());
    match (parse(it.next()), parse(it.next()), it.next()) {
        (Some(n), Some(d), None) if d > 0 => Ok((n, d)),
        _ => Err(SkipGramError::parse(
            path,
            1,
            format!(
                "expected a header \"<rows> <dimension>\", found {}",
                artist2vec_core::excerpt(line)
            ),
        )),
    }
}

/// Reads a word2vec file (text or binary) into a table; ids become the vocabulary.
///
/// Accepts what gensim's `load_word2vec_format` accepts: in text, rows of exactly `D + 1`
/// space-separated fields (trailing whitespace ignored); in binary, rows with or without a
/// newline after the values.
///
/// # Errors
/// [`SkipGramError::Parse`] naming the file, the line (row + 1) and what was expected: a bad
/// header, a wrong number of values, a non-number, a duplicate id, or a file that ends early;
/// I/O errors naming the file; [`CoreError::Invalid`](artist2vec_core::CoreError) for a
/// non-finite value.
pub fn read_word2vec(path: impl AsRef<Path>, format: Word2VecFormat) -> Result<Embeddings> {
    let path = path.as_ref();
    let f = File::open(path).map_err(|e| SkipGramError::io(path, e))?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line)
        .map_err(|e| SkipGramError::io(path, e))?;
    let header = std::str::from_utf8(&line)
        .map_err(|_| SkipGramError::parse(path, 1, "header is not UTF-8"))?;
    let (n, dim) = parse_header(path, header)?;
    // The header is checked against the file's size before anything is allocated: a binary row
    // holds `4·dim` bytes, a text row at least `2·dim` (a digit and a separator per value).
    let file_len = r
        .get_ref()
        .metadata()
        .map_err(|e| SkipGramError::io(path, e))?
        .len();
    let per_value = match format {
        Word2VecFormat::Text => 2u64,
        Word2VecFormat::Binary => 4,
    };
    let needed = (n as u64)
        .checked_mul(dim as u64)
        .and_then(|v| v.checked_mul(per_value));
    if needed.is_none_or(|b| b > file_len) {
        return Err(SkipGramError::parse(
            path,
            1,
            format!(
                "the header announces {n} rows of {dim} values, at least {} bytes, but the \
                 file has {file_len} bytes",
                needed.map_or_else(|| "more than 2^64".to_owned(), |b| b.to_string())
            ),
        ));
    }
    let mut vocab = Vocabulary::new();
    let mut data = Vec::with_capacity(n * dim);
    for row in 0..n {
        let line_no = row as u64 + 2;
        let id = match format {
            Word2VecFormat::Text => {
                line.clear();
                let got = r
                    .read_until(b'\n', &mut line)
                    .map_err(|e| SkipGramError::io(path, e))?;
                if got == 0 {
                    return Err(SkipGramError::parse(
                        path,
                        line_no,
                        format!(
                            "unexpected end of file: the header announces {n} rows, found {row}"
                        ),
                    ));
                }
                let text = std::str::from_utf8(&line)
                    .map_err(|_| SkipGramError::parse(path, line_no, "not UTF-8"))?
                    .trim_end();
                let mut parts = text.split(' ');
                let id = parts.next().unwrap_or_default().to_owned();
                let before = data.len();
                for p in parts {
                    let v: f32 = p.parse().map_err(|_| {
                        SkipGramError::parse(
                            path,
                            line_no,
                            format!("{} is not a number", artist2vec_core::excerpt(p)),
                        )
                    })?;
                    data.push(v);
                }
                if data.len() - before != dim {
                    return Err(SkipGramError::parse(
                        path,
                        line_no,
                        format!(
                            "expected {dim} values after the id, found {}",
                            data.len() - before
                        ),
                    ));
                }
                id
            }
            Word2VecFormat::Binary => {
                line.clear();
                let got = r
                    .read_until(b' ', &mut line)
                    .map_err(|e| SkipGramError::io(path, e))?;
                if got == 0 || line.last() != Some(&b' ') {
                    return Err(SkipGramError::parse(
                        path,
                        line_no,
                        format!(
                            "unexpected end of file: the header announces {n} rows, found {row}"
                        ),
                    ));
                }
                line.pop();
                let start = line.iter().position(|&b| b != b'\n').unwrap_or(line.len());
                let id = std::str::from_utf8(&line[start..])
                    .map_err(|_| SkipGramError::parse(path, line_no, "id is not UTF-8"))?
                    .to_owned();
                let mut buf = vec![0u8; dim * 4];
                r.read_exact(&mut buf).map_err(|_| {
                    SkipGramError::parse(
                        path,
                        line_no,
                        format!(
                            "unexpected end of file inside the {dim} values of {}",
                            artist2vec_core::excerpt(&id)
                        ),
                    )
                })?;
                data.extend(
                    buf.chunks_exact(4)
                        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))),
                );
                id
            }
        };
        if id.is_empty() {
            return Err(SkipGramError::parse(path, line_no, "empty id"));
        }
        if vocab.get(&id).is_some() {
            return Err(SkipGramError::parse(
                path,
                line_no,
                format!("duplicate id {}", artist2vec_core::excerpt(&id)),
            ));
        }
        vocab.insert(id);
    }
    Ok(Embeddings::new(vocab, dim, data)?)
}

/// The NPY 1.0 header `np.save` writes for a C-order `float32` matrix.
fn npy_header(rows: usize, cols: usize) -> Vec<u8> {
    let dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    // magic (6) + version (2) + length (2) + dict + padding + '\n' ≡ 0 (mod 64)
    let unpadded = 10 + dict.len() + 1;
    let pad = (64 - unpadded % 64) % 64;
    let mut h = Vec::with_capacity(unpadded + pad);
    h.extend_from_slice(b"\x93NUMPY\x01\x00");
    h.extend_from_slice(&((dict.len() + pad + 1) as u16).to_le_bytes());
    h.extend_from_slice(dict.as_bytes());
    h.extend(std::iter::repeat_n(b' ', pad));
    h.push(b'\n');
    h
}

/// Writes a row-major `rows × cols` `f32` matrix as a `.npy` file (format 1.0), atomically;
/// byte for byte what `np.save(path, a.astype(np.float32))` writes.
///
/// # Errors
/// [`SkipGramError::Export`] when `data.len() != rows * cols`; I/O errors naming the file.
pub fn write_npy_matrix(
    path: impl AsRef<Path>,
    rows: usize,
    cols: usize,
    data: &[f32],
) -> Result<()> {
    if rows.checked_mul(cols) != Some(data.len()) {
        return Err(SkipGramError::Export(format!(
            "{} values for a {rows} × {cols} matrix",
            data.len()
        )));
    }
    write_atomic(path.as_ref(), |w| {
        w.write_all(&npy_header(rows, cols))?;
        let mut buf = Vec::with_capacity(1 << 16);
        for chunk in data.chunks(1 << 14) {
            buf.clear();
            for v in chunk {
                buf.extend_from_slice(&v.to_le_bytes());
            }
            w.write_all(&buf)?;
        }
        Ok(())
    })?;
    Ok(())
}

/// Reads a two-dimensional little-endian `float32` `.npy` file (format 1.0, 2.0 or 3.0) in
/// C order: `(rows, cols, data)`.
///
/// # Errors
/// [`SkipGramError::Parse`] (line 0) for a bad magic number, an unsupported dtype, Fortran
/// order, a shape that is not two-dimensional or a file shorter than its shape says; I/O
/// errors naming the file.
pub fn read_npy_matrix(path: impl AsRef<Path>) -> Result<(usize, usize, Vec<f32>)> {
    let path = path.as_ref();
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| SkipGramError::io(path, e))?;
    let bad = |m: String| SkipGramError::parse(path, 0, m);
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("not a .npy file (bad magic number)".into()));
    }
    let (hlen, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes")) as usize,
            12,
        ),
        v => return Err(bad(format!("unsupported .npy format version {v}"))),
    };
    let header = bytes
        .get(start..start + hlen)
        .ok_or_else(|| bad("truncated header".into()))?;
    let header = std::str::from_utf8(header).map_err(|_| bad("header is not text".into()))?;
    let field = |key: &str| -> Option<&str> {
        let at = header.find(&format!("'{key}':"))? + key.len() + 3;
        Some(header[at..].trim_start())
    };
    let descr = field("descr").ok_or_else(|| bad("header has no 'descr'".into()))?;
    if !(descr.starts_with("'<f4'") || descr.starts_with("'float32'")) {
        return Err(bad(format!(
            "dtype {} is not little-endian float32 ('<f4')",
            descr.split(',').next().unwrap_or(descr)
        )));
    }
    let fortran =
        field("fortran_order").ok_or_else(|| bad("header has no 'fortran_order'".into()))?;
    if !fortran.starts_with("False") {
        return Err(bad("Fortran-order arrays are not supported".into()));
    }
    let shape = field("shape").ok_or_else(|| bad("header has no 'shape'".into()))?;
    let inner = shape
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad(format!("bad shape {}", artist2vec_core::excerpt(shape))))?;
    let dims: Vec<usize> = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| bad(format!("bad shape ({inner})")))?;
    let [rows, cols] = dims[..] else {
        return Err(bad(format!("shape ({inner}) is not two-dimensional")));
    };
    let body = &bytes[start + hlen..];
    let n = rows
        .checked_mul(cols)
        .ok_or_else(|| bad("shape overflows".into()))?;
    if body.len() != n * 4 {
        return Err(bad(format!(
            "{} data bytes for shape ({rows}, {cols}); expected {}",
            body.len(),
            n * 4
        )));
    }
    let data = body
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect();
    Ok((rows, cols, data))
}

/// Writes `table` as a `.npy` matrix and its ids, one per line, to `vocab_path`.
///
/// # Errors
/// [`SkipGramError::Export`] for an id that is empty or contains a line break; I/O errors
/// naming the file.
pub fn write_npy(
    table: &Embeddings,
    npy_path: impl AsRef<Path>,
    vocab_path: impl AsRef<Path>,
) -> Result<()> {
    if let Some(id) = table
        .vocab()
        .ids()
        .iter()
        .find(|id| id.is_empty() || id.contains(['\n', '\r']))
    {
        return Err(SkipGramError::Export(format!(
            "id {} is empty or contains a line break, which a vocabulary file cannot hold",
            artist2vec_core::excerpt(id)
        )));
    }
    write_npy_matrix(npy_path, table.len(), table.dim(), table.as_slice())?;
    write_atomic(vocab_path.as_ref(), |w| {
        for id in table.vocab().ids() {
            w.write_all(id.as_bytes())?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })?;
    Ok(())
}

/// Reads a table written by [`write_npy`] (or by `np.save` plus a one-id-per-line file).
///
/// # Errors
/// As [`read_npy_matrix`]; [`SkipGramError::Parse`] when the vocabulary file has a different
/// number of ids than the matrix has rows, or a duplicate id.
pub fn read_npy(npy_path: impl AsRef<Path>, vocab_path: impl AsRef<Path>) -> Result<Embeddings> {
    let (rows, cols, data) = read_npy_matrix(npy_path.as_ref())?;
    let vp = vocab_path.as_ref();
    let text = std::fs::read_to_string(vp).map_err(|e| SkipGramError::io(vp, e))?;
    let mut vocab = Vocabulary::new();
    for (i, line) in text.lines().enumerate() {
        if vocab.insert(line) as usize != i {
            return Err(SkipGramError::parse(
                vp,
                i as u64 + 1,
                format!("duplicate id {}", artist2vec_core::excerpt(line)),
            ));
        }
    }
    if vocab.len() != rows {
        return Err(SkipGramError::parse(
            vp,
            vocab.len() as u64,
            format!("{} ids for a matrix of {rows} rows", vocab.len()),
        ));
    }
    if cols == 0 {
        return Err(SkipGramError::parse(npy_path.as_ref(), 0, "zero columns"));
    }
    Ok(Embeddings::new(vocab, cols, data)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_float_formatting() {
        let cases = [
            (0.0f32, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (1e-5, "1e-05"),
            (-3.25e-7, "-3.25e-07"),
            (1e-4, "1e-04"),
            (0.00012345678, "0.00012345678"),
            (123456.78, "123456.78"),
            (999999.0, "999999.0"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (1e16, "1e+16"),
            (3.4028235e38, "3.4028235e+38"),
            (1e-40, "1e-40"),
        ];
        for (x, want) in cases {
            assert_eq!(format_f32_like_numpy(x), want, "{x:e}");
            assert_eq!(want.parse::<f32>().unwrap().to_bits(), x.to_bits());
        }
    }

    #[test]
    fn npy_header_is_64_byte_aligned() {
        for (r, c) in [(0, 1), (3, 5), (123456, 300)] {
            let h = npy_header(r, c);
            assert_eq!(h.len() % 64, 0);
            assert_eq!(*h.last().unwrap(), b'\n');
        }
    }
}
