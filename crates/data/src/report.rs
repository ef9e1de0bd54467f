use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DataError;

/// How strictly input is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The first bad line is an error naming the file, the line and what was expected.
    #[default]
    Strict,
    /// Bad lines are skipped and counted by reason in the [`Report`].
    Lenient,
}

/// Everything a loading or preparation step read, kept and dropped — nothing is dropped without
/// being counted here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Lines (records) read per file.
    pub lines_read: BTreeMap<String, u64>,
    /// Lines skipped in lenient mode, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Rows removed by a rule (e.g. "play shorter than 30 s"), by reason.
    pub dropped: BTreeMap<String, u64>,
    /// The first few skipped lines, as `file:line: message`, to show the user.
    pub examples: Vec<String>,
}

/// How many skipped-line examples a report keeps.
const MAX_EXAMPLES: usize = 5;

impl Report {
    /// An empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts a line read from `file`.
    pub fn read_line(&mut self, file: &str) {
        *self.lines_read.entry(file.to_owned()).or_default() += 1;
    }

    /// Handles a bad line according to `mode`: in strict mode returns the error, in lenient mode
    /// counts it and returns `Ok(())`.
    ///
    /// # Errors
    /// `err` itself in strict mode.
    pub fn bad_line(&mut self, mode: Mode, err: DataError) -> Result<(), DataError> {
        match mode {
            Mode::Strict => Err(err),
            Mode::Lenient => {
                let reason = err.skip_reason().unwrap_or("error").to_owned();
                *self.skipped.entry(reason).or_default() += 1;
                if self.examples.len() < MAX_EXAMPLES {
                    self.examples.push(err.to_string());
                }
                Ok(())
            }
        }
    }

    /// Counts `n` rows dropped for `reason`.
    pub fn drop_rows(&mut self, reason: &str, n: u64) {
        if n > 0 {
            *self.dropped.entry(reason.to_owned()).or_default() += n;
        }
    }

    /// Total lines skipped in lenient mode.
    pub fn total_skipped(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// Total rows dropped by rules.
    pub fn total_dropped(&self) -> u64 {
        self.dropped.values().sum()
    }

    /// Adds another report's counts to this one.
    pub fn merge(&mut self, other: &Report) {
        for (k, v) in &other.lines_read {
            *self.lines_read.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.skipped {
            *self.skipped.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.dropped {
            *self.dropped.entry(k.clone()).or_default() += v;
        }
        for e in &other.examples {
            if self.examples.len() < MAX_EXAMPLES {
                self.examples.push(e.clone());
            }
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (file, n) in &self.lines_read {
            writeln!(f, "read {n} lines from {file}")?;
        }
        if !self.skipped.is_empty() {
            writeln!(f, "skipped {} bad lines:", self.total_skipped())?;
            for (r, n) in &self.skipped {
                writeln!(f, "  {n:>10}  {r}")?;
            }
            for e in &self.examples {
                writeln!(f, "  e.g. {e}")?;
            }
        }
        if !self.dropped.is_empty() {
            writeln!(f, "dropped {} rows:", self.total_dropped())?;
            for (r, n) in &self.dropped {
                writeln!(f, "  {n:>10}  {r}")?;
            }
        }
        Ok(())
    }
}
