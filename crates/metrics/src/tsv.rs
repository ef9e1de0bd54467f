//! Readers for the TSV files of the evaluation protocol: interactions (`user\titem\tweight`) and
//! recommendations (`user\titem\trank`), each with a header line.
//!
//! The rules follow `evaluate.py` (Python's `csv` module with a tab delimiter and no quoting):
//! the first line is the header and is never read as data; blank lines are skipped; columns after
//! the third are ignored; fields may carry surrounding spaces; `\r\n` line ends are accepted.
//! Where Python would crash or silently accept something odd, these readers stop with an error
//! that names the file, the line, the column and what was expected:
//!
//! * ids must be integers in `0..2^32` (`u32`);
//! * the third column must be a number; `NaN` is refused (a NaN rank cannot be ordered, a NaN
//!   weight is a corrupt file); `inf` and `-inf` are accepted and order as usual;
//! * an empty file (no header) and a line with fewer than three columns are errors.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{MetricsError, Result};

/// One row of an interactions file: `user`, `item`, `weight` (a play count, a rating, …).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    /// User id.
    pub user: u32,
    /// Item id.
    pub item: u32,
    /// Weight; the evaluator ignores it (relevance is binary).
    pub weight: f64,
}

/// One row of a recommendations file: `user`, `item`, `rank` (1 = best; ranks may repeat and
/// need not be integers).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// User id.
    pub user: u32,
    /// Item id.
    pub item: u32,
    /// Rank, smaller is better; never NaN.
    pub rank: f64,
}

/// The content of a TSV file: its header fields and its rows in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct TsvTable<T> {
    /// The fields of the header line.
    pub header: Vec<String>,
    /// The data rows, in file order.
    pub rows: Vec<T>,
}

/// The header `evaluate.py` expects on recommendation files.
pub const RECS_HEADER: [&str; 3] = ["user", "item", "rank"];

/// Reads an interactions file (`user\titem\tweight` with a header line).
///
/// # Errors
///
/// [`MetricsError::Io`] if the file cannot be read, [`MetricsError::EmptyFile`] if it has no
/// header line, [`MetricsError::MissingColumn`], [`MetricsError::Parse`] or
/// [`MetricsError::NotUtf8`] for a bad line.
pub fn read_interactions(path: impl AsRef<Path>) -> Result<TsvTable<Interaction>> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| MetricsError::io(path, e))?;
    parse_interactions(BufReader::new(file), path)
}

/// Reads a recommendations file (`user\titem\trank` with a header line).
///
/// # Errors
///
/// As [`read_interactions`].
pub fn read_recommendations(path: impl AsRef<Path>) -> Result<TsvTable<Recommendation>> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| MetricsError::io(path, e))?;
    parse_recommendations(BufReader::new(file), path)
}

/// Parses interactions from any reader; `origin` names the source in error messages.
///
/// # Errors
///
/// As [`read_interactions`].
///
/// ```
/// use artist2vec_metrics::parse_interactions;
/// let t = parse_interactions("user\titem\tweight\n1\t2\t3.5\n".as_bytes(), "mem.tsv")?;
/// assert_eq!((t.rows[0].user, t.rows[0].item, t.rows[0].weight), (1, 2, 3.5));
/// let err = parse_interactions("user\titem\tweight\n1\tx\t3\n".as_bytes(), "mem.tsv");
/// assert!(err.unwrap_err().to_string().starts_with("mem.tsv:2: column 2 (item)"));
/// # Ok::<(), artist2vec_metrics::MetricsError>(())
/// ```
pub fn parse_interactions(
    reader: impl BufRead,
    origin: impl AsRef<Path>,
) -> Result<TsvTable<Interaction>> {
    parse_triples(
        reader,
        origin.as_ref(),
        "user\titem\tweight",
        "weight",
        |user, item, weight| Interaction { user, item, weight },
    )
}

/// Parses recommendations from any reader; `origin` names the source in error messages.
///
/// # Errors
///
/// As [`read_interactions`].
pub fn parse_recommendations(
    reader: impl BufRead,
    origin: impl AsRef<Path>,
) -> Result<TsvTable<Recommendation>> {
    parse_triples(
        reader,
        origin.as_ref(),
        "user\titem\trank",
        "rank",
        |user, item, rank| Recommendation { user, item, rank },
    )
}

fn parse_triples<T>(
    mut reader: impl BufRead,
    path: &Path,
    expected_header: &'static str,
    third: &'static str,
    make: impl Fn(u32, u32, f64) -> T,
) -> Result<TsvTable<T>> {
    let names: &'static str = if third == "rank" {
        "user, item, rank"
    } else {
        "user, item, weight"
    };
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| MetricsError::io(path, e))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        let line = std::str::from_utf8(&buf).map_err(|_| MetricsError::NotUtf8 {
            path: path.to_path_buf(),
            line: line_no,
        })?;
        if header.is_none() {
            let line = line.strip_prefix('\u{feff}').unwrap_or(line);
            header = Some(line.split('\t').map(str::to_owned).collect());
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let mut fields = line.split('\t');
        let mut next = |found: usize| {
            fields.next().ok_or_else(|| MetricsError::MissingColumn {
                path: path.to_path_buf(),
                line: line_no,
                expected: 3,
                found,
                names,
            })
        };
        let (f1, f2, f3) = (next(0)?, next(1)?, next(2)?);
        let user = parse_id(f1, path, line_no, 1, "user")?;
        let item = parse_id(f2, path, line_no, 2, "item")?;
        let value = parse_number(f3, path, line_no, third)?;
        rows.push(make(user, item, value));
    }
    let Some(header) = header else {
        return Err(MetricsError::EmptyFile {
            path: path.to_path_buf(),
            expected: expected_header,
        });
    };
    Ok(TsvTable { header, rows })
}

fn parse_error(
    path: &Path,
    line: usize,
    column: usize,
    name: &'static str,
    expected: &'static str,
    found: &str,
) -> MetricsError {
    MetricsError::Parse {
        path: PathBuf::from(path),
        line,
        column,
        name,
        expected,
        found: found.to_owned(),
    }
}

fn parse_id(
    field: &str,
    path: &Path,
    line: usize,
    column: usize,
    name: &'static str,
) -> Result<u32> {
    field.trim().parse::<u32>().map_err(|_| {
        parse_error(
            path,
            line,
            column,
            name,
            "an integer id in 0..4294967296",
            field,
        )
    })
}

fn parse_number(field: &str, path: &Path, line: usize, name: &'static str) -> Result<f64> {
    match field.trim().parse::<f64>() {
        Ok(v) if !v.is_nan() => Ok(v),
        Ok(_) => Err(parse_error(path, line, 3, name, "a number, not NaN", field)),
        Err(_) => Err(parse_error(path, line, 3, name, "a number", field)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interactions(s: &str) -> Result<TsvTable<Interaction>> {
        parse_interactions(s.as_bytes(), "t.tsv")
    }

    #[test]
    fn reads_header_rows_crlf_blank_lines_and_extra_columns() {
        let t = interactions("\u{feff}user\titem\tweight\r\n1\t2\t3\r\n\r\n 4 \t5\t6.5\textra\n")
            .unwrap();
        assert_eq!(t.header, vec!["user", "item", "weight"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(
            t.rows[1],
            Interaction {
                user: 4,
                item: 5,
                weight: 6.5
            }
        );
    }

    #[test]
    fn errors_name_file_line_column_and_expectation() {
        let e = interactions("h\n1\t2\t3\n1\t2\n").unwrap_err();
        assert!(
            matches!(
                e,
                MetricsError::MissingColumn {
                    line: 3,
                    found: 2,
                    ..
                }
            ),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            "t.tsv:3: expected 3 tab-separated columns (user, item, weight), found 2"
        );
        let e = interactions("h\n-1\t2\t3\n").unwrap_err();
        assert!(e.to_string().contains("t.tsv:2: column 1 (user)"), "{e}");
        let e = interactions("h\n1\t2\tabc\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.tsv:2: column 3 (weight): expected a number, found \"abc\""
        );
        let e =
            parse_recommendations("user\titem\trank\n1\t2\tnan\n".as_bytes(), "r.tsv").unwrap_err();
        assert_eq!(
            e.to_string(),
            "r.tsv:2: column 3 (rank): expected a number, not NaN, found \"nan\""
        );
        let e = interactions("").unwrap_err();
        assert!(matches!(e, MetricsError::EmptyFile { .. }));
        assert!(e.to_string().contains("empty file"));
        let e = parse_interactions(&b"h\n1\t\xff\t2\n"[..], "t.tsv").unwrap_err();
        assert!(matches!(e, MetricsError::NotUtf8 { line: 2, .. }));
    }

    #[test]
    fn header_only_file_has_no_rows_and_infinite_ranks_are_kept() {
        assert!(
            interactions("user\titem\tweight\n")
                .unwrap()
                .rows
                .is_empty()
        );
        let r = parse_recommendations("u\ti\tr\n1\t2\t-inf\n".as_bytes(), "r").unwrap();
        assert_eq!(r.rows[0].rank, f64::NEG_INFINITY);
    }

    #[test]
    fn missing_file_is_an_io_error_naming_it() {
        let e = read_interactions("/nonexistent/x.tsv").unwrap_err();
        assert!(matches!(e, MetricsError::Io { .. }));
        assert!(e.to_string().starts_with("/nonexistent/x.tsv"));
    }
}
