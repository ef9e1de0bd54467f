//! The table writer: one row per session play as CSV, TSV or Parquet, and the columns to read it
//! back with.

use std::path::Path;

use super::super::Synthetic;
use super::format::{create, push_i64, push_u64, write_par};
use crate::DataError;
use crate::table::{TableColumns, TableFormat};
use polars::prelude::{Column, DataFrame, ParquetWriter};

impl Synthetic {
    /// The columns [`Synthetic::write_table`] writes, ready for [`crate::load_table`]:
    /// `session`, `user`, `artist`, `artist_name`, `timestamp`, `duration`.
    pub fn table_columns() -> TableColumns {
        TableColumns::new()
            .with_session("session")
            .with_timestamp("timestamp")
            .with_duration("duration")
            .with_artist_name("artist_name")
    }

    /// Writes one row per session play — columns `session`, `user`, `artist`, `artist_name`,
    /// `timestamp` (seconds since the epoch) and `duration` (seconds) — as CSV (quoted where
    /// needed), TSV or Parquet. [`Synthetic::table_columns`] reads it back.
    ///
    /// # Errors
    /// [`DataError::Io`] naming the file; [`DataError::Table`] when polars cannot write Parquet.
    pub fn write_table(&self, path: &Path, format: TableFormat) -> Result<(), DataError> {
        let s = self.sessions();
        let users = self.dataset.users();
        let artists = self.dataset.artists();
        if format == TableFormat::Parquet {
            return self.write_parquet(path);
        }
        let (sep, header): (u8, &[u8]) = match format {
            TableFormat::Csv => (
                b',',
                b"session,user,artist,artist_name,timestamp,duration\n",
            ),
            _ => (
                b'\t',
                b"session\tuser\tartist\tartist_name\ttimestamp\tduration\n",
            ),
        };
        write_par(path, header, s.len(), 4096, |r, b| {
            for i in r {
                let sr = s.get(i);
                for j in 0..sr.len() {
                    let a = sr.items[j];
                    push_u64(b, sr.id);
                    b.push(sep);
                    b.extend_from_slice(users.id(sr.user).as_bytes());
                    b.push(sep);
                    b.extend_from_slice(artists.id(a).as_bytes());
                    b.push(sep);
                    let name = self.artist_name(a);
                    if sep == b',' && name.bytes().any(|c| c == b',' || c == b'"') {
                        b.push(b'"');
                        for c in name.bytes() {
                            if c == b'"' {
                                b.push(b'"');
                            }
                            b.push(c);
                        }
                        b.push(b'"');
                    } else {
                        b.extend_from_slice(name.as_bytes());
                    }
                    b.push(sep);
                    push_i64(b, sr.times[j]);
                    b.push(sep);
                    if let Some(d) = sr.durations.map(|d| d[j]).filter(|&d| d != u32::MAX) {
                        push_u64(b, d as u64);
                    }
                    b.push(b'\n');
                }
            }
        })
    }

    fn write_parquet(&self, path: &Path) -> Result<(), DataError> {
        let s = self.sessions();
        let users = self.dataset.users();
        let artists = self.dataset.artists();
        let tl = |e: polars::error::PolarsError| DataError::Table {
            path: path.to_owned(),
            message: e.to_string(),
        };
        let w = create(path)?;
        let mut writer = None;
        let mut pending = Some(w);
        const BATCH: usize = 1 << 20;
        let mut i = 0;
        while i < s.len() || writer.is_none() {
            let (mut sid, mut us, mut ar, mut an, mut ts, mut du) = (
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
            );
            while i < s.len() && sid.len() < BATCH {
                let sr = s.get(i);
                for j in 0..sr.len() {
                    let a = sr.items[j];
                    sid.push(sr.id);
                    us.push(users.id(sr.user));
                    ar.push(artists.id(a));
                    an.push(self.artist_name(a));
                    ts.push(sr.times[j]);
                    du.push(sr.durations.map(|d| d[j]).filter(|&d| d != u32::MAX));
                }
                i += 1;
            }
            let height = sid.len();
            let df = DataFrame::new(
                height,
                vec![
                    Column::new("session".into(), sid),
                    Column::new("user".into(), us),
                    Column::new("artist".into(), ar),
                    Column::new("artist_name".into(), an),
                    Column::new("timestamp".into(), ts),
                    Column::new("duration".into(), du),
                ],
            )
            .map_err(tl)?;
            if writer.is_none() {
                let w = pending.take().expect("writer created once");
                writer = Some(ParquetWriter::new(w).batched(df.schema()).map_err(tl)?);
            }
            writer
                .as_mut()
                .expect("created above")
                .write_batch(&df)
                .map_err(tl)?;
            if i >= s.len() {
                break;
            }
        }
        if let Some(w) = writer {
            w.finish().map_err(tl)?;
        }
        Ok(())
    }
}
