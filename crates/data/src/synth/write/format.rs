//! Byte formatting shared by the writers (hand-written integer formatting, JSON strings, URL
//! coding, ratios, base-62 ids) and the writer of big files in parallel blocks, in order.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;

use crate::DataError;
use crate::idomaar::url_encode_into;
use crate::synth::random::mix;

pub(super) fn push_u64(b: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    b.extend_from_slice(&tmp[i..]);
}

pub(super) fn push_i64(b: &mut Vec<u8>, v: i64) {
    if v < 0 {
        b.push(b'-');
    }
    push_u64(b, v.unsigned_abs());
}

pub(super) fn push_json_str(b: &mut Vec<u8>, s: &str) {
    b.push(b'"');
    for &c in s.as_bytes() {
        match c {
            b'"' => b.extend_from_slice(b"\\\""),
            b'\\' => b.extend_from_slice(b"\\\\"),
            b'\n' => b.extend_from_slice(b"\\n"),
            b'\r' => b.extend_from_slice(b"\\r"),
            b'\t' => b.extend_from_slice(b"\\t"),
            c if c < 0x20 => {
                b.extend_from_slice(format!("\\u{:04x}", c).as_bytes());
            }
            c => b.push(c),
        }
    }
    b.push(b'"');
}

pub(super) fn push_url(b: &mut Vec<u8>, s: &str, scratch: &mut String) {
    scratch.clear();
    url_encode_into(s, scratch);
    b.extend_from_slice(scratch.as_bytes());
}

/// Ratio `num/den` with two decimals (`0.57`).
pub(super) fn push_ratio(b: &mut Vec<u8>, num: u32, den: u32) {
    let r = ((num as u64 * 100 + den as u64 / 2) / den.max(1) as u64).min(100);
    push_u64(b, r / 100);
    b.push(b'.');
    b.push(b'0' + (r % 100 / 10) as u8);
    b.push(b'0' + (r % 10) as u8);
}

/// A Spotify-style base-62 id, unique per `(kind, i)`.
pub(super) fn b62(kind: u64, i: u64, b: &mut Vec<u8>) {
    const A: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut h = mix(kind ^ (i << 8));
    for _ in 0..11 {
        b.push(A[(h % 62) as usize]);
        h /= 62;
    }
    let mut v = i;
    for _ in 0..11 {
        b.push(A[(v % 62) as usize]);
        v /= 62;
    }
}

pub(super) fn create(path: &Path) -> Result<BufWriter<File>, DataError> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
        }
    }
    let f = File::create(path).map_err(|e| DataError::io(path, e))?;
    Ok(BufWriter::with_capacity(1 << 20, f))
}

/// Writes `n` items, formatted in parallel blocks of `block` items, in order.
pub(super) fn write_par<F>(
    path: &Path,
    header: &[u8],
    n: usize,
    block: usize,
    f: F,
) -> Result<(), DataError>
where
    F: Fn(Range<usize>, &mut Vec<u8>) + Sync,
{
    let mut w = create(path)?;
    let io = |e| DataError::io(path, e);
    w.write_all(header).map_err(io)?;
    let blocks: Vec<Range<usize>> = (0..n.div_ceil(block.max(1)))
        .map(|k| k * block..((k + 1) * block).min(n))
        .collect();
    let group = rayon::current_num_threads().max(1) * 4;
    for g in blocks.chunks(group) {
        let bufs: Vec<Vec<u8>> = g
            .par_iter()
            .map(|r| {
                let mut b = Vec::with_capacity(r.len() * 64);
                f(r.clone(), &mut b);
                b
            })
            .collect();
        for b in bufs {
            w.write_all(&b).map_err(io)?;
        }
    }
    w.flush().map_err(io)?;
    Ok(())
}
