use std::path::PathBuf;

/// Errors of the core types.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// An artist (or user) id that the vocabulary does not hold.
    #[error("unknown {kind} {}", excerpt(id))]
    UnknownId {
        /// What was looked up ("artist", "user").
        kind: &'static str,
        /// The external id or name that was asked for.
        id: String,
    },
    /// A dense index outside the vocabulary.
    #[error("{kind} index {index} out of range (size {len})")]
    IndexOutOfRange {
        /// What was indexed ("artist", "user").
        kind: &'static str,
        /// The index asked for.
        index: usize,
        /// The number of entries.
        len: usize,
    },
    /// Two pieces of data whose sizes must agree do not.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// A value that is not allowed (NaN, zero dimension, …).
    #[error("invalid value: {0}")]
    Invalid(String),
    /// An I/O error on a named file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A model name that no registered family answers to.
    #[error("unknown model {}; known models: {known}", excerpt(name))]
    UnknownModel {
        /// The name asked for.
        name: String,
        /// The registered names, comma-separated.
        known: String,
    },
    /// A model configuration that does not parse or has a bad value.
    #[error("{model} configuration: {message}")]
    Config {
        /// The model family.
        model: &'static str,
        /// What is wrong.
        message: String,
    },
    /// An error reported by a model family's own crate while fitting.
    #[error("{}", prefixed(model, &source.to_string()))]
    Model {
        /// The model family.
        model: &'static str,
        /// The crate's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A file whose content is not what was expected.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
}

impl CoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CoreError::Io {
            path: path.into(),
            source,
        }
    }
}

/// `source`'s message, prefixed with `model` unless it already starts with it.
fn prefixed(model: &str, msg: &str) -> String {
    if msg.starts_with(model) {
        msg.to_owned()
    } else {
        format!("{model}: {msg}")
    }
}

/// The longest excerpt of outside input an error message quotes, in characters.
pub const EXCERPT_CHARS: usize = 40;

/// A short, marked excerpt of outside input for an error message: at most
/// [`EXCERPT_CHARS`] characters between `«` and `»`, with `…` where it was cut, control
/// characters escaped; so a message stays short whatever the size of the input.
///
/// ```
/// use artist2vec_core::excerpt;
/// assert_eq!(excerpt("inf"), "«inf»");
/// assert_eq!(excerpt(&"x".repeat(1000)), format!("«{}…»", "x".repeat(40)));
/// assert_eq!(excerpt("a\tb"), "«a\\tb»");
/// ```
pub fn excerpt(text: &str) -> String {
    let mut out = String::from("«");
    for (i, c) in text.chars().enumerate() {
        if i == EXCERPT_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('»');
    out
}

/// [`excerpt`] of bytes that may not be UTF-8 (invalid sequences shown as U+FFFD).
pub fn excerpt_bytes(bytes: &[u8]) -> String {
    // 4 bytes per character at most: enough to fill the excerpt and see that it was cut.
    let cut = bytes.len().min(4 * EXCERPT_CHARS + 4);
    let text = String::from_utf8_lossy(&bytes[..cut]);
    let mut s = excerpt(&text);
    if cut < bytes.len() && !s.ends_with("…»") {
        // Cut before the excerpt filled up (wide invalid sequences): still mark it.
        s.insert(s.len() - '»'.len_utf8(), '…');
    }
    s
}

/// `message` (typically a serde error, which quotes the offending value whole) with every
/// quoted stretch — between `"` or between backticks — longer than [`EXCERPT_CHARS`] cut to
/// that many characters and `…`, and the whole message to at most 400 characters; so an error
/// about a megabyte-long JSON string stays a line long.
///
/// ```
/// use artist2vec_core::shorten_quotes;
/// let long = "x".repeat(1000);
/// let m = shorten_quotes(&format!("invalid type: string \"{long}\", expected u32"));
/// assert_eq!(m, format!("invalid type: string \"{}…\", expected u32", "x".repeat(40)));
/// ```
pub fn shorten_quotes(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(512));
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '"' && c != '`' {
            continue;
        }
        // Inside a quote: keep EXCERPT_CHARS characters, skip to the closing quote.
        let mut n = 0;
        let mut escaped = false;
        for d in chars.by_ref() {
            if d == c && !escaped {
                if n > EXCERPT_CHARS {
                    out.push('…');
                }
                out.push(d);
                break;
            }
            escaped = c == '"' && d == '\\' && !escaped;
            if n < EXCERPT_CHARS {
                out.push(d);
            }
            n += 1;
        }
    }
    if out.chars().count() > 400 {
        out = out.chars().take(400).collect();
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_and_marked() {
        assert_eq!(excerpt(""), "«»");
        let long = "é".repeat(10_000);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 3);
        assert!(e.starts_with('«') && e.ends_with("…»"));
        assert_eq!(excerpt_bytes(b"-3"), "«-3»");
        let e = excerpt_bytes(&[0xff; 5000]);
        assert!(
            e.chars().count() <= EXCERPT_CHARS + 3 && e.ends_with("…»"),
            "{e}"
        );
        let e = excerpt_bytes(&[0u8; 5000]);
        assert!(e.len() < 300 && e.ends_with("…»"), "{e}");
        let q = shorten_quotes(&format!(
            "unknown field `{}`, expected one of `a`, `b`",
            "y".repeat(500)
        ));
        assert_eq!(
            q,
            format!(
                "unknown field `{}…`, expected one of `a`, `b`",
                "y".repeat(40)
            )
        );
        let q = shorten_quotes(&format!(
            "bad \"{}\\\"{}\" end",
            "a".repeat(10),
            "b".repeat(100)
        ));
        assert!(q.ends_with("…\" end") && q.len() < 80, "{q}");
        assert!(shorten_quotes(&"z ".repeat(5000)).chars().count() <= 401);
        let id = "x".repeat(100_000);
        let msg = CoreError::UnknownId { kind: "artist", id }.to_string();
        assert!(msg.len() < 100, "{msg}");
    }
}
