//! Any CSV, TSV or Parquet table with named user / artist / weight / timestamp / session columns,
//! read with polars' eager readers.
//!
//! Column names are configurable ([`TableColumns`]); user, artist and session values keep their
//! raw string form as vocabulary ids (integers in Parquet are formatted in decimal). Numbers are
//! parsed here rather than by polars, so a bad value is reported with its row and line:
//! for CSV/TSV, data row *r* (1-based) is line *r* + 1 (the header is line 1; quoted fields with
//! embedded line breaks would shift this); for Parquet, the error's line is the row number.
//! Timestamps may be integers (seconds since the epoch), ISO-8601 strings, or Parquet
//! dates / datetimes.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use artist2vec_core::{Interactions, Play, Sessions, Vocabulary};
use polars::prelude::{
    CsvEncoding, CsvReadOptions, DataFrame, DataType, ParquetReader, PlSmallStr, SerReader,
    StringChunked, TimeUnit,
};
use serde::{Deserialize, Serialize};

use crate::iso8601::parse_iso8601;
use crate::lines::{self, LineReader, TextEncoding};
use crate::{DataError, Dataset, Mode, Report};

/// File format of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    /// Comma-separated, with a header line.
    Csv,
    /// Tab-separated, with a header line.
    Tsv,
    /// Apache Parquet.
    Parquet,
}

impl TableFormat {
    /// The format a file name suggests: `.csv`; `.tsv`, `.tab`, `.txt`, `.dat`; `.parquet`, `.pq`.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Self::Csv),
            "tsv" | "tab" | "txt" | "dat" => Some(Self::Tsv),
            "parquet" | "pq" => Some(Self::Parquet),
            _ => None,
        }
    }
}

/// Which columns hold what. `user` and `artist` are required; every other role is used only when
/// named, and a named column must exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableColumns {
    /// User id column. Default `"user"`.
    pub user: String,
    /// Artist id column. Default `"artist"`.
    pub artist: String,
    /// Weight (play count) column; without it every row weighs 1.
    pub weight: Option<String>,
    /// Timestamp column (seconds since the epoch, ISO-8601, or a Parquet date/datetime).
    pub timestamp: Option<String>,
    /// Session id column (non-negative integers); with it, rows are grouped into sessions.
    pub session: Option<String>,
    /// Play duration column (seconds); used for sessions.
    pub duration: Option<String>,
    /// Artist display-name column.
    pub artist_name: Option<String>,
}

impl Default for TableColumns {
    fn default() -> Self {
        Self {
            user: "user".into(),
            artist: "artist".into(),
            weight: None,
            timestamp: None,
            session: None,
            duration: None,
            artist_name: None,
        }
    }
}

impl TableColumns {
    /// Columns `user` and `artist`, nothing else.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the user column.
    pub fn with_user(mut self, name: impl Into<String>) -> Self {
        self.user = name.into();
        self
    }
    /// Sets the artist column.
    pub fn with_artist(mut self, name: impl Into<String>) -> Self {
        self.artist = name.into();
        self
    }
    /// Sets the weight column.
    pub fn with_weight(mut self, name: impl Into<String>) -> Self {
        self.weight = Some(name.into());
        self
    }
    /// Sets the timestamp column.
    pub fn with_timestamp(mut self, name: impl Into<String>) -> Self {
        self.timestamp = Some(name.into());
        self
    }
    /// Sets the session column.
    pub fn with_session(mut self, name: impl Into<String>) -> Self {
        self.session = Some(name.into());
        self
    }
    /// Sets the duration column.
    pub fn with_duration(mut self, name: impl Into<String>) -> Self {
        self.duration = Some(name.into());
        self
    }
    /// Sets the artist-name column.
    pub fn with_artist_name(mut self, name: impl Into<String>) -> Self {
        self.artist_name = Some(name.into());
        self
    }

    fn roles(&self) -> Vec<(&'static str, &str)> {
        let mut v = vec![
            ("user", self.user.as_str()),
            ("artist", self.artist.as_str()),
        ];
        for (role, c) in [
            ("weight", &self.weight),
            ("timestamp", &self.timestamp),
            ("session", &self.session),
            ("duration", &self.duration),
            ("artist name", &self.artist_name),
        ] {
            if let Some(c) = c {
                v.push((role, c.as_str()));
            }
        }
        v
    }
}

/// How to read a table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableOptions {
    /// The column names.
    pub columns: TableColumns,
    /// The format; `None` guesses it from the file name ([`TableFormat::from_path`]).
    pub format: Option<TableFormat>,
    /// Strict (first bad row is an error) or lenient (bad rows skipped and counted).
    pub mode: Mode,
}

impl TableOptions {
    /// Default columns, format from the file name, strict.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the columns.
    pub fn with_columns(mut self, columns: TableColumns) -> Self {
        self.columns = columns;
        self
    }

    /// Sets the format.
    pub fn with_format(mut self, format: TableFormat) -> Self {
        self.format = Some(format);
        self
    }

    /// Sets the mode.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }
}

/// One cell, as the row loop sees it.
#[derive(Clone, Copy)]
enum Cell<'a> {
    Null,
    Str(&'a str),
    Int(i64),
    Float(f64),
}

type Cells<'a> = Box<dyn Iterator<Item = Cell<'a>> + 'a>;

/// Loads a CSV, TSV or Parquet table.
///
/// Without a session column the dataset holds interactions only (one row per table row, in file
/// order). With one, rows are also grouped into sessions — in order of each session's first row,
/// plays ordered by time when there is a timestamp column (else by row) — and the session's user
/// is the user of its rows. Users and artists are numbered in order of first appearance.
///
/// # Errors
/// [`DataError::Invalid`] when the format cannot be guessed; [`DataError::Io`] for an unreadable
/// file; [`DataError::Empty`] for a table without rows (strict mode); [`DataError::Parse`] for a
/// missing column (naming it and listing the columns present; line 1, or 0 for Parquet) and, in
/// strict mode, for the first bad row, naming its row and line: an empty user, artist or session,
/// a non-number where a number belongs, a session whose rows name two users, invalid UTF-8 in
/// CSV/TSV (which lenient mode counts and decodes lossily);
/// [`DataError::Table`] for what polars cannot read (malformed CSV, a damaged Parquet file).
///
/// # Example
///
/// ```
/// use artist2vec_data::{load_table, TableColumns, TableOptions};
///
/// let path = std::env::temp_dir().join(format!("a2v-doc-table-{}.csv", std::process::id()));
/// std::fs::write(&path, "listener,band,plays\nana,\"Earth, Wind & Fire\",12\nana,Toto,3\nbo,Toto,7\n")?;
/// let cols = TableColumns::new().with_user("listener").with_artist("band").with_weight("plays");
/// let data = load_table(&path, &TableOptions::new().with_columns(cols))?;
/// assert_eq!(data.users().ids(), &["ana", "bo"]);
/// assert_eq!(data.artists().id(0), "Earth, Wind & Fire");
/// assert_eq!(data.interactions.weight_col(), &[12.0, 3.0, 7.0]);
///
/// // A missing column is named, with the columns that are there.
/// let err = load_table(&path, &TableOptions::new()).unwrap_err().to_string();
/// assert!(err.ends_with("missing column: no column \"user\" for the user (columns present: listener, band, plays)"));
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_table(path: &Path, options: &TableOptions) -> Result<Dataset, DataError> {
    let format = options
        .format
        .or_else(|| TableFormat::from_path(path))
        .ok_or_else(|| {
            DataError::Invalid(format!(
            "{}: cannot tell the table format from the file name (expected .csv, .tsv or .parquet; \
             set TableOptions::format)",
            path.display()
        ))
        })?;
    let cols = &options.columns;
    let mut report = Report::new();
    let (df, header_lines) = match format {
        TableFormat::Csv => (read_csv(path, b',', cols, options.mode, &mut report)?, 1),
        TableFormat::Tsv => (read_csv(path, b'\t', cols, options.mode, &mut report)?, 1),
        TableFormat::Parquet => (read_parquet(path, cols, &mut report)?, 0),
    };
    if df.height() == 0 {
        lines::empty_file(&mut report, options.mode, path, "data rows")?;
        let empty = Interactions::new(
            Vocabulary::new(),
            Vocabulary::new(),
            cols.timestamp.is_some(),
        );
        return Ok(Dataset::from_interactions(
            format!("table:{}", path.display()),
            empty,
            report,
        ));
    }
    let tl = |e: polars::error::PolarsError| DataError::Table {
        path: path.to_owned(),
        message: artist2vec_core::shorten_quotes(&e.to_string()),
    };
    // Converted columns are kept alive here while the row loop borrows them.
    let mut keep: Vec<polars::prelude::Column> = Vec::new();
    let names: Vec<&str> = cols.roles().iter().map(|r| r.1).collect();
    for name in &names {
        let c = df.column(name).map_err(tl)?;
        keep.push(normalise(c).map_err(tl)?);
    }
    let mut cells: Vec<Cells<'_>> = Vec::with_capacity(keep.len());
    for c in &keep {
        cells.push(column_cells(c, path)?);
    }
    let roles = cols.roles();
    let pos = |role: &str| roles.iter().position(|r| r.0 == role);
    let (pw, pt, ps, pd, pn) = (
        pos("weight"),
        pos("timestamp"),
        pos("session"),
        pos("duration"),
        pos("artist name"),
    );

    let mut users = Vocabulary::new();
    let mut artists = Vocabulary::new();
    let mut inter_u = Vec::new();
    let mut inter_a = Vec::new();
    let mut inter_w = Vec::new();
    let mut inter_t = pt.map(|_| Vec::new());
    // Session bookkeeping: per row (session slot, time, duration).
    // Per row of a session table: (session slot, duration); artist and time are in inter_*.
    let mut sess_rows: Vec<(u32, u32)> = Vec::new();
    let mut sess_ids: Vec<u64> = Vec::new();
    let mut sess_user: Vec<u32> = Vec::new();
    let mut sess_slot = std::collections::HashMap::<u64, u32>::new();
    let mut numbuf_u = String::new();
    let mut numbuf_a = String::new();
    let mut last_user: (String, u32) = (String::new(), u32::MAX);
    let mut last_slot: Option<(u64, u32)> = None;
    let mut row_cells: Vec<Cell<'_>> = vec![Cell::Null; cells.len()];
    for r in 0..df.height() {
        for (slot, it) in row_cells.iter_mut().zip(cells.iter_mut()) {
            *slot = it.next().unwrap_or(Cell::Null);
        }
        let line = (r + 1 + header_lines) as u64;
        let at = |role: &str| -> String {
            if header_lines == 1 {
                format!("{role} in row {} (line {line})", r + 1)
            } else {
                format!("{role} in row {}", r + 1)
            }
        };
        let res = (|| -> Result<(), DataError> {
            // Everything is checked before anything is added, so a skipped row leaves no trace.
            let user = id_cell(row_cells[0], &mut numbuf_u)
                .ok_or_else(|| missing(path, line, &at("user")))?;
            let artist = id_cell(row_cells[1], &mut numbuf_a)
                .ok_or_else(|| missing(path, line, &at("artist")))?;
            let w = match pw {
                // A play count: finite, >= 0 and within f32 (1e39 would become inf).
                Some(p) => num_cell(row_cells[p])
                    .filter(|w| w.is_finite() && *w >= 0.0 && *w <= f32::MAX as f64)
                    .ok_or_else(|| {
                        bad_number(
                            path,
                            line,
                            &at("weight"),
                            row_cells[p],
                            "a play count: a finite number >= 0",
                        )
                    })? as f32,
                None => 1.0,
            };
            let t = match pt {
                Some(p) => Some(time_cell(row_cells[p]).ok_or_else(|| {
                    bad_number(
                        path,
                        line,
                        &at("timestamp"),
                        row_cells[p],
                        "seconds since the epoch or an ISO-8601 time",
                    )
                })?),
                None => None,
            };
            let d = match pd {
                Some(p) => match row_cells[p] {
                    Cell::Null => u32::MAX,
                    c => num_cell(c)
                        .filter(|d| d.is_finite() && *d >= 0.0)
                        .map(|d| d.round().min((u32::MAX - 1) as f64) as u32)
                        .ok_or_else(|| {
                            bad_number(
                                path,
                                line,
                                &at("duration"),
                                c,
                                "a non-negative number of seconds",
                            )
                        })?,
                },
                None => u32::MAX,
            };
            let session = match ps {
                None => None,
                Some(p) => {
                    let sid = match row_cells[p] {
                        Cell::Int(v) if v >= 0 => v as u64,
                        Cell::Str(s) if lines::parse_u64(s.trim().as_bytes()).is_some() => {
                            lines::parse_u64(s.trim().as_bytes()).unwrap_or(0)
                        }
                        Cell::Null => return Err(missing(path, line, &at("session"))),
                        c => {
                            return Err(bad_number(
                                path,
                                line,
                                &at("session"),
                                c,
                                "a non-negative integer session id",
                            ));
                        }
                    };
                    let slot = match last_slot {
                        Some((id, slot)) if id == sid => Some(slot),
                        _ => sess_slot.get(&sid).copied(),
                    };
                    if let Some(slot) = slot {
                        let su = sess_user[slot as usize];
                        if users.id(su) != user {
                            return Err(DataError::parse(
                                path,
                                line,
                                format!(
                                    "inconsistent session: session {sid} has rows of users \"{}\" and \"{user}\" \
                                     (expected one user per session), {}",
                                    users.id(su),
                                    at("user")
                                ),
                            ));
                        }
                    }
                    Some((sid, slot))
                }
            };
            // Rows of one user (and session) usually come together: skip the hash lookups then.
            let u = if last_user.1 != u32::MAX && last_user.0 == user {
                last_user.1
            } else {
                let u = users.insert_str(user);
                last_user.0.clear();
                last_user.0.push_str(user);
                last_user.1 = u;
                u
            };
            let a = artists.insert_str(artist);
            if let Some(p) = pn {
                if let Cell::Str(n) = row_cells[p] {
                    if artists.name_opt(a).is_none() && !n.is_empty() {
                        artists.set_name(a, n);
                    }
                }
            }
            if let Some((sid, slot)) = session {
                let slot = slot.unwrap_or_else(|| {
                    sess_ids.push(sid);
                    sess_user.push(u);
                    let slot = (sess_ids.len() - 1) as u32;
                    sess_slot.insert(sid, slot);
                    slot
                });
                last_slot = Some((sid, slot));
                sess_rows.push((slot, d));
            }
            inter_u.push(u);
            inter_a.push(a);
            inter_w.push(w);
            if let Some(tc) = &mut inter_t {
                tc.push(t.unwrap_or(i64::MIN));
            }
            Ok(())
        })();
        if let Err(e) = res {
            report.bad_line(options.mode, e)?;
        }
    }
    // The table is no longer needed: free it before the sessions are built.
    drop(cells);
    drop(keep);
    drop(df);

    let sessions = ps.map(|_| {
        // Group rows by session slot (stable), then order each session by time.
        let time = |i: usize| inter_t.as_ref().map_or(0, |t| t[i]);
        let mut order: Vec<u32> = (0..sess_rows.len() as u32).collect();
        let in_order = (1..sess_rows.len())
            .all(|i| (sess_rows[i - 1].0, time(i - 1)) <= (sess_rows[i].0, time(i)));
        if !in_order {
            order.sort_by_key(|&i| (sess_rows[i as usize].0, time(i as usize)));
        }
        let mut s = Sessions::new(users.clone(), artists.clone(), pd.is_some());
        let mut k = 0;
        while k < order.len() {
            let slot = sess_rows[order[k] as usize].0;
            let mut end = k;
            while end < order.len() && sess_rows[order[end] as usize].0 == slot {
                end += 1;
            }
            let plays = order[k..end].iter().map(|&i| {
                let (_, d) = sess_rows[i as usize];
                Play {
                    item: inter_a[i as usize],
                    time: time(i as usize),
                    duration: (d != u32::MAX).then_some(d),
                }
            });
            s.push(sess_ids[slot as usize], sess_user[slot as usize], plays)
                .expect("indices come from the vocabularies");
            k = end;
        }
        s
    });
    drop(sess_rows);
    let interactions =
        Interactions::from_columns(users, artists, inter_u, inter_a, inter_w, inter_t)?;
    let mut d =
        Dataset::from_interactions(format!("table:{}", path.display()), interactions, report);
    d.sessions = sessions;
    Ok(d)
}

fn missing(path: &Path, line: u64, what: &str) -> DataError {
    DataError::parse(
        path,
        line,
        format!("missing value: {what} is empty (expected a value)"),
    )
}

fn bad_number(path: &Path, line: u64, what: &str, c: Cell<'_>, expected: &str) -> DataError {
    let found = match c {
        Cell::Null => "an empty value".to_owned(),
        Cell::Str(s) => lines::excerpt(s.as_bytes()),
        Cell::Int(v) => lines::excerpt(v.to_string().as_bytes()),
        Cell::Float(v) => lines::excerpt(v.to_string().as_bytes()),
    };
    DataError::parse(
        path,
        line,
        format!("bad number: {what} is {found} (expected {expected})"),
    )
}

fn id_cell<'a>(c: Cell<'a>, buf: &'a mut String) -> Option<&'a str> {
    match c {
        Cell::Str(s) if !s.is_empty() => Some(s),
        Cell::Int(v) => {
            buf.clear();
            use std::fmt::Write;
            let _ = write!(buf, "{v}");
            Some(buf.as_str())
        }
        _ => None,
    }
}

fn num_cell(c: Cell<'_>) -> Option<f64> {
    match c {
        Cell::Int(v) => Some(v as f64),
        Cell::Float(v) => Some(v),
        Cell::Str(s) => s.trim().parse::<f64>().ok(),
        Cell::Null => None,
    }
}

fn time_cell(c: Cell<'_>) -> Option<i64> {
    match c {
        Cell::Int(v) => Some(v),
        Cell::Float(v) if v.is_finite() => Some(v.round() as i64),
        Cell::Str(s) => {
            let s = s.trim();
            lines::parse_i64(s.as_bytes()).or_else(|| parse_iso8601(s))
        }
        _ => None,
    }
}

/// Brings a column to one of the forms the row loop reads: String, Int64 (datetimes and dates
/// as seconds since the epoch) or Float64.
fn normalise(c: &polars::prelude::Column) -> polars::error::PolarsResult<polars::prelude::Column> {
    let dt = c.dtype().clone();
    match dt {
        DataType::String => Ok(c.clone()),
        DataType::Datetime(unit, _) => {
            let div = match unit {
                TimeUnit::Nanoseconds => 1_000_000_000,
                TimeUnit::Microseconds => 1_000_000,
                TimeUnit::Milliseconds => 1_000,
            };
            let raw = c.cast(&DataType::Int64)?;
            let v: Vec<Option<i64>> = raw
                .i64()?
                .iter()
                .map(|x| x.map(|x| x.div_euclid(div)))
                .collect();
            Ok(polars::prelude::Column::new(c.name().clone(), v))
        }
        DataType::Date => {
            let raw = c.cast(&DataType::Int32)?.cast(&DataType::Int64)?;
            let v: Vec<Option<i64>> = raw.i64()?.iter().map(|x| x.map(|x| x * 86_400)).collect();
            Ok(polars::prelude::Column::new(c.name().clone(), v))
        }
        d if d.is_integer() => c.cast(&DataType::Int64),
        d if d.is_float() => c.cast(&DataType::Float64),
        _ => c.cast(&DataType::String),
    }
}

fn column_cells<'a>(c: &'a polars::prelude::Column, path: &Path) -> Result<Cells<'a>, DataError> {
    let tl = |e: polars::error::PolarsError| DataError::Table {
        path: path.to_owned(),
        message: artist2vec_core::shorten_quotes(&e.to_string()),
    };
    Ok(match c.dtype() {
        DataType::Int64 => Box::new(
            c.i64()
                .map_err(tl)?
                .iter()
                .map(|v| v.map_or(Cell::Null, Cell::Int)),
        ),
        DataType::Float64 => Box::new(
            c.f64()
                .map_err(tl)?
                .iter()
                .map(|v| v.map_or(Cell::Null, Cell::Float)),
        ),
        _ => {
            let s: &'a StringChunked = c.str().map_err(tl)?;
            Box::new(s.iter().map(|v| v.map_or(Cell::Null, Cell::Str)))
        }
    })
}

fn missing_column(path: &Path, line: u64, role: &str, name: &str, present: &[String]) -> DataError {
    DataError::parse(
        path,
        line,
        format!(
            "missing column: no column \"{name}\" for the {role} (columns present: {})",
            present.join(", ")
        ),
    )
}

fn read_csv(
    path: &Path,
    sep: u8,
    cols: &TableColumns,
    mode: Mode,
    report: &mut Report,
) -> Result<DataFrame, DataError> {
    // Read the header ourselves: clear errors for a missing column or an empty file.
    let mut r = LineReader::open(path, TextEncoding::Utf8)?;
    let header: Vec<String> = match r.next_line()? {
        Some((_, h)) => split_header(h, sep),
        None => {
            return Err(DataError::Empty {
                path: path.to_owned(),
                expected: "a header line and data rows".into(),
            });
        }
    };
    for (role, name) in cols.roles() {
        if !header.iter().any(|h| h == name) {
            return Err(missing_column(path, 1, role, name, &header));
        }
    }
    // The first data row tells which numeric columns polars may parse itself (less memory than
    // strings); anything it then rejects is re-read as text, so that the row loop can name the
    // bad row.
    let first: Option<Vec<String>> = loop {
        match r.next_line() {
            Ok(Some((_, l))) if l.trim().is_empty() => continue,
            Ok(Some((_, l))) => break Some(split_header(l, sep)),
            Ok(None) => break None,
            // Counted below, when polars trips over it.
            Err(DataError::Parse { .. }) if mode == Mode::Lenient => continue,
            Err(e) => return Err(e),
        }
    };
    let Some(first) = first else {
        lines::count_lines(report, path, r.line_number());
        return Ok(DataFrame::empty_with_schema(&Default::default()));
    };
    let value = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .and_then(|i| first.get(i))
            .map(String::as_str)
            .unwrap_or("")
    };
    let mut typed: Vec<(PlSmallStr, DataType)> = Vec::new();
    for (role, name) in cols.roles() {
        let v = value(name);
        let dt = match role {
            "weight" | "duration" if v.parse::<f64>().is_ok() => DataType::Float64,
            "timestamp" | "session" if lines::parse_i64(v.as_bytes()).is_some() => DataType::Int64,
            _ => continue,
        };
        typed.push((PlSmallStr::from(name), dt));
    }
    let wanted: Vec<PlSmallStr> = distinct(cols).into_iter().map(PlSmallStr::from).collect();
    let read = |typed: &[(PlSmallStr, DataType)], encoding: CsvEncoding| {
        let overwrite = (!typed.is_empty())
            .then(|| Arc::new(polars::prelude::Schema::from_iter(typed.iter().cloned())));
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .with_schema_overwrite(overwrite)
            .with_columns(Some(Arc::from(wanted.clone())))
            .map_parse_options(|o| o.with_separator(sep).with_encoding(encoding))
            .try_into_reader_with_file_path(Some(path.to_owned()))
            .and_then(|r| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| r.finish()))
                    .unwrap_or_else(|p| {
                        Err(polars::error::PolarsError::ComputeError(
                            format!("the CSV reader failed ({})", panic_text(&*p)).into(),
                        ))
                    })
            })
    };
    let table_error = |e: polars::error::PolarsError| DataError::Table {
        path: path.to_owned(),
        message: artist2vec_core::shorten_quotes(&e.to_string()),
    };
    let df = match read(&typed, CsvEncoding::Utf8) {
        Ok(df) => df,
        Err(first) => {
            // Invalid UTF-8 is reported with its line (polars does not say where); in lenient
            // mode every such line is counted and the text decoded lossily.
            let bad = invalid_utf8_lines(path, mode)?;
            if let Some(e) = bad.first() {
                if mode == Mode::Strict {
                    return Err(DataError::parse(path, e.0, e.1.clone()));
                }
                for (n, m) in &bad {
                    report.bad_line(mode, DataError::parse(path, *n, m.clone()))?;
                }
                read(&typed, CsvEncoding::LossyUtf8)
                    .or_else(|_| read(&[], CsvEncoding::LossyUtf8))
                    .map_err(table_error)?
            } else if typed.is_empty() {
                return Err(table_error(first));
            } else {
                read(&[], CsvEncoding::Utf8).map_err(table_error)?
            }
        }
    };
    lines::count_lines(report, path, df.height() as u64 + 1);
    Ok(df)
}

/// The lines of `path` that are not UTF-8, with the error message of each (only the first one
/// in strict mode).
fn invalid_utf8_lines(path: &Path, mode: Mode) -> Result<Vec<(u64, String)>, DataError> {
    let mut r = LineReader::open(path, TextEncoding::Utf8)?;
    let mut out = Vec::new();
    loop {
        match r.next_line() {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(DataError::Parse { line, message, .. }) => {
                out.push((line, message));
                if mode == Mode::Strict {
                    break;
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The configured column names, each once (one column may serve two roles).
fn distinct(cols: &TableColumns) -> Vec<&str> {
    let mut v: Vec<&str> = Vec::new();
    for (_, name) in cols.roles() {
        if !v.contains(&name) {
            v.push(name);
        }
    }
    v
}

fn split_header(h: &str, sep: u8) -> Vec<String> {
    h.split(sep as char)
        .map(|s| {
            let s = s.trim();
            s.strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .unwrap_or(s)
                .to_owned()
        })
        .collect()
}

/// What a panic carried, for an error message.
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    let text = p
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| p.downcast_ref::<&str>().copied())
        .unwrap_or("no message");
    lines::excerpt(text.as_bytes())
}

/// Runs a polars reader, turning a panic inside polars (its Parquet decoder panics on some
/// malformed files instead of returning an error) into an error naming the file.
fn guarded<T>(path: &Path, read: impl FnOnce() -> Result<T, DataError>) -> Result<T, DataError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|p| {
        Err(DataError::Table {
            path: path.to_owned(),
            message: format!(
                "malformed table: the reader failed ({}); expected a valid file of its format",
                panic_text(&*p)
            ),
        })
    })
}

fn read_parquet(
    path: &Path,
    cols: &TableColumns,
    report: &mut Report,
) -> Result<DataFrame, DataError> {
    guarded(path, || read_parquet_unguarded(path, cols, report))
}

fn read_parquet_unguarded(
    path: &Path,
    cols: &TableColumns,
    report: &mut Report,
) -> Result<DataFrame, DataError> {
    let tl = |e: polars::error::PolarsError| DataError::Table {
        path: path.to_owned(),
        message: artist2vec_core::shorten_quotes(&e.to_string()),
    };
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut reader = ParquetReader::new(file);
    let schema = reader.schema().map_err(tl)?;
    let present: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    for (role, name) in cols.roles() {
        if !present.iter().any(|h| h == name) {
            return Err(missing_column(path, 0, role, name, &present));
        }
    }
    let wanted: Vec<String> = distinct(cols).into_iter().map(str::to_owned).collect();
    let df = reader.with_columns(Some(wanted)).finish().map_err(tl)?;
    lines::count_lines(report, path, df.height() as u64);
    Ok(df)
}
