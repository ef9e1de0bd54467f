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
//!
//! [`SplitTsvReader`] is the one reader of these files in the workspace: the typed readers
//! here are built on it, and so is `artist2vec-data`'s `split::read_tsv_into`, which reads the
//! same files with text ids into vocabularies (and the optional fourth column `timestamp`). The
//! rules above are the reader's; how ids are read is the caller's choice between
//! [`SplitRow::user_id`] (an integer, as `evaluate.py`) and [`SplitRow::user`] (the text).

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
        ValueColumn::Weight,
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
        ValueColumn::Rank,
        |user, item, rank| Recommendation { user, item, rank },
    )
}

fn parse_triples<T>(
    reader: impl BufRead,
    path: &Path,
    column: ValueColumn,
    make: impl Fn(u32, u32, f64) -> T,
) -> Result<TsvTable<T>> {
    let mut r = SplitTsvReader::new(reader, path, column)?;
    let mut rows = Vec::new();
    while let Some(row) = r.next_row()? {
        rows.push(make(row.user_id()?, row.item_id()?, row.value()?));
    }
    Ok(TsvTable {
        header: r.into_header(),
        rows,
    })
}

/// What the third column of a split TSV holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueColumn {
    /// `weight` (interactions: a play count, a rating, …).
    Weight,
    /// `rank` (recommendations: 1 = best).
    Rank,
}

impl ValueColumn {
    /// The column's name, `weight` or `rank`.
    pub fn name(self) -> &'static str {
        match self {
            ValueColumn::Weight => "weight",
            ValueColumn::Rank => "rank",
        }
    }

    /// The header expected with this column, e.g. `user\titem\tweight`.
    pub fn header(self) -> &'static str {
        match self {
            ValueColumn::Weight => "user\titem\tweight",
            ValueColumn::Rank => "user\titem\trank",
        }
    }

    /// The names of the columns read, for error messages.
    fn names(self, timestamps: bool) -> &'static str {
        match (self, timestamps) {
            (ValueColumn::Weight, false) => "user, item, weight",
            (ValueColumn::Weight, true) => "user, item, weight, timestamp",
            (ValueColumn::Rank, false) => "user, item, rank",
            (ValueColumn::Rank, true) => "user, item, rank, timestamp",
        }
    }
}

/// The reader of split TSV files (`user\titem\tweight[\ttimestamp]` or `user\titem\trank`,
/// with a header line), under the rules of the [module](self): the header is read when the
/// reader is made, then [`next_row`](Self::next_row) yields the data rows, blank lines skipped.
///
/// A row has at least three columns (four when [`read_timestamps`](Self::read_timestamps) is
/// on); its fields are parsed when asked for, so the caller picks the id rule and the order of
/// the checks.
///
/// ```
/// use artist2vec_metrics::tsv::{SplitTsvReader, ValueColumn};
/// let text = "user\titem\tweight\ttimestamp\n a7 \t12\t3\t1400000000\n";
/// let mut r = SplitTsvReader::new(text.as_bytes(), "mem.tsv", ValueColumn::Weight)?;
/// assert_eq!(r.header(), ["user", "item", "weight", "timestamp"]);
/// r.read_timestamps(true);
/// let row = r.next_row()?.unwrap();
/// assert_eq!((row.user(), row.item_id()?, row.value()?), ("a7", 12, 3.0));
/// assert_eq!(row.timestamp()?, Some(1_400_000_000));
/// assert!(row.user_id().is_err(), "not an integer id");
/// assert!(r.next_row()?.is_none());
/// # Ok::<(), artist2vec_metrics::MetricsError>(())
/// ```
#[derive(Debug)]
pub struct SplitTsvReader<R> {
    reader: R,
    path: PathBuf,
    column: ValueColumn,
    header: Vec<String>,
    timestamps: bool,
    line_no: usize,
    buf: Vec<u8>,
}

impl SplitTsvReader<BufReader<File>> {
    /// Opens `path` and reads its header.
    ///
    /// # Errors
    ///
    /// [`MetricsError::Io`] if the file cannot be read, [`MetricsError::EmptyFile`] if it has no
    /// header line, [`MetricsError::NotUtf8`] if the header is not UTF-8.
    pub fn open(path: impl AsRef<Path>, column: ValueColumn) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| MetricsError::io(path, e))?;
        Self::new(BufReader::with_capacity(1 << 20, file), path, column)
    }
}

impl<R: BufRead> SplitTsvReader<R> {
    /// Reads the header from `reader` (a leading byte-order mark is dropped); `origin` names the
    /// source in error messages.
    ///
    /// # Errors
    ///
    /// As [`open`](SplitTsvReader::open).
    pub fn new(reader: R, origin: impl AsRef<Path>, column: ValueColumn) -> Result<Self> {
        let mut r = Self {
            reader,
            path: origin.as_ref().to_path_buf(),
            column,
            header: Vec::new(),
            timestamps: false,
            line_no: 0,
            buf: Vec::new(),
        };
        if !r.next_line()? {
            return Err(MetricsError::EmptyFile {
                path: r.path,
                expected: column.header(),
            });
        }
        let line = r.line()?;
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        r.header = line.split('\t').map(str::to_owned).collect();
        Ok(r)
    }

    /// The fields of the header line, as written (not trimmed).
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The header fields.
    pub fn into_header(self) -> Vec<String> {
        self.header
    }

    /// Whether rows must have a fourth column, a timestamp (see [`SplitRow::timestamp`]).
    /// Off by default: columns after the third are ignored.
    pub fn read_timestamps(&mut self, on: bool) {
        self.timestamps = on;
    }

    /// The next data row, or `None` at the end of the file.
    ///
    /// # Errors
    ///
    /// [`MetricsError::Io`], [`MetricsError::NotUtf8`], and [`MetricsError::MissingColumn`] for
    /// a line with fewer than three columns (four with timestamps).
    pub fn next_row(&mut self) -> Result<Option<SplitRow<'_>>> {
        loop {
            if !self.next_line()? {
                return Ok(None);
            }
            if !self.buf.is_empty() {
                break;
            }
        }
        let (line_no, path, column, timestamps) =
            (self.line_no, &self.path, self.column, self.timestamps);
        let line = std::str::from_utf8(&self.buf).map_err(|_| MetricsError::NotUtf8 {
            path: path.clone(),
            line: line_no,
        })?;
        let need = if timestamps { 4 } else { 3 };
        let mut fields = [""; 4];
        let mut found = 0;
        for (slot, f) in fields.iter_mut().zip(line.split('\t')).take(need) {
            *slot = f;
            found += 1;
        }
        if found < need {
            return Err(MetricsError::MissingColumn {
                path: path.clone(),
                line: line_no,
                expected: need,
                found,
                names: column.names(timestamps),
            });
        }
        Ok(Some(SplitRow {
            path,
            line: line_no,
            column,
            fields,
            timestamps,
        }))
    }

    /// Reads the next line into `buf` without its line end; `false` at the end of the input.
    fn next_line(&mut self) -> Result<bool> {
        self.buf.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| MetricsError::io(&self.path, e))?;
        if n == 0 {
            return Ok(false);
        }
        self.line_no += 1;
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        Ok(true)
    }

    fn line(&self) -> Result<&str> {
        std::str::from_utf8(&self.buf).map_err(|_| MetricsError::NotUtf8 {
            path: self.path.clone(),
            line: self.line_no,
        })
    }
}

/// One data row of a split TSV, from [`SplitTsvReader::next_row`]. Its fields are parsed on
/// demand; errors name the file, the line, the column and what was expected.
#[derive(Debug, Clone, Copy)]
pub struct SplitRow<'a> {
    path: &'a Path,
    line: usize,
    column: ValueColumn,
    fields: [&'a str; 4],
    timestamps: bool,
}

impl<'a> SplitRow<'a> {
    /// The 1-based line number (the header is line 1).
    pub fn line(&self) -> usize {
        self.line
    }

    /// The user id as text, without surrounding spaces.
    pub fn user(&self) -> &'a str {
        self.fields[0].trim()
    }

    /// The item id as text, without surrounding spaces.
    pub fn item(&self) -> &'a str {
        self.fields[1].trim()
    }

    /// The user id as an integer in `0..2^32` (the rule of `evaluate.py`).
    ///
    /// # Errors
    ///
    /// [`MetricsError::Parse`] naming column 1.
    pub fn user_id(&self) -> Result<u32> {
        parse_id(self.fields[0], self.path, self.line, 1, "user")
    }

    /// The item id as an integer in `0..2^32`.
    ///
    /// # Errors
    ///
    /// [`MetricsError::Parse`] naming column 2.
    pub fn item_id(&self) -> Result<u32> {
        parse_id(self.fields[1], self.path, self.line, 2, "item")
    }

    /// The third column (weight or rank) as a number; `inf` and `-inf` are accepted.
    ///
    /// # Errors
    ///
    /// [`MetricsError::Parse`] naming column 3 for text that is not a number, or NaN.
    pub fn value(&self) -> Result<f64> {
        parse_number(self.fields[2], self.path, self.line, self.column.name())
    }

    /// The fourth column as an integer (seconds since the epoch) when the reader reads
    /// timestamps, else `None`.
    ///
    /// # Errors
    ///
    /// [`MetricsError::Parse`] naming column 4 for text that is not an integer.
    pub fn timestamp(&self) -> Result<Option<i64>> {
        if !self.timestamps {
            return Ok(None);
        }
        let field = self.fields[3];
        field.trim().parse::<i64>().map(Some).map_err(|_| {
            parse_error(
                self.path,
                self.line,
                4,
                "timestamp",
                "an integer (seconds since the epoch)",
                field,
            )
        })
    }
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
        found: short(found),
    }
}

/// At most [`EXCERPT_CHARS`](artist2vec_core::EXCERPT_CHARS) characters of a field, with `…`
/// where it was cut (the message quotes it), so that an error stays short whatever the line.
fn short(found: &str) -> String {
    let n = artist2vec_core::EXCERPT_CHARS;
    match found.char_indices().nth(n) {
        Some((end, _)) => format!("{}…", &found[..end]),
        None => found.to_owned(),
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
    fn split_reader_reads_timestamps_and_text_ids_on_demand() {
        let text = "user\titem\tweight\ttimestamp\nu1\t 7 \t2\t100\nu2\t8\t1\n";
        let mut r = SplitTsvReader::new(text.as_bytes(), "s.tsv", ValueColumn::Weight).unwrap();
        r.read_timestamps(true);
        let row = r.next_row().unwrap().unwrap();
        assert_eq!((row.user(), row.item(), row.line()), ("u1", "7", 2));
        assert_eq!((row.item_id().unwrap(), row.value().unwrap()), (7, 2.0));
        assert_eq!(row.timestamp().unwrap(), Some(100));
        assert_eq!(
            row.user_id().unwrap_err().to_string(),
            "s.tsv:2: column 1 (user): expected an integer id in 0..4294967296, found \"u1\""
        );
        assert_eq!(
            r.next_row().unwrap_err().to_string(),
            "s.tsv:3: expected 4 tab-separated columns (user, item, weight, timestamp), found 3"
        );
        let bad = "user\titem\tweight\ttimestamp\n1\t2\t3\tsoon\n";
        let mut r = SplitTsvReader::new(bad.as_bytes(), "s.tsv", ValueColumn::Weight).unwrap();
        assert_eq!(r.next_row().unwrap().unwrap().timestamp().unwrap(), None);
        let mut r = SplitTsvReader::new(bad.as_bytes(), "s.tsv", ValueColumn::Weight).unwrap();
        r.read_timestamps(true);
        let e = r.next_row().unwrap().unwrap().timestamp().unwrap_err();
        assert!(
            e.to_string().starts_with("s.tsv:2: column 4 (timestamp)"),
            "{e}"
        );
    }

    #[test]
    fn missing_file_is_an_io_error_naming_it() {
        let e = read_interactions("/nonexistent/x.tsv").unwrap_err();
        assert!(matches!(e, MetricsError::Io { .. }));
        assert!(e.to_string().starts_with("/nonexistent/x.tsv"));
    }
}
