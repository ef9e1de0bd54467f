//! The URL coding of names in idomaar files (`+` for a space, `%XX` for a byte):
//! [`url_decode`] on reading, [`url_encode`] on writing.

use std::borrow::Cow;

/// Decodes an idomaar name: `+` is a space and `%XX` a byte; the bytes are read as UTF-8, or as
/// ISO-8859-1 when they are not valid UTF-8. A `%` not followed by two hex digits is kept.
///
/// ```
/// use artist2vec_data::idomaar::url_decode;
/// assert_eq!(url_decode("Simon+%26+Garfunkel"), "Simon & Garfunkel");
/// assert_eq!(url_decode("Beyonc%C3%A9"), "Beyoncé");
/// assert_eq!(url_decode("Beyonc%E9"), "Beyoncé");
/// ```
pub fn url_decode(s: &str) -> Cow<'_, str> {
    if !s.bytes().any(|b| b == b'+' || b == b'%') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() && hex(b[i + 1]).is_some() && hex(b[i + 2]).is_some() => {
                out.push(hex(b[i + 1]).unwrap_or(0) * 16 + hex(b[i + 2]).unwrap_or(0));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(e) => Cow::Owned(e.into_bytes().iter().map(|&c| c as char).collect()),
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Encodes a name the way idomaar files do: space → `+`, ASCII letters, digits and `-_.~` kept,
/// every other byte of the UTF-8 encoding as `%XX`. [`url_decode`] inverts it.
///
/// ```
/// use artist2vec_data::idomaar::{url_decode, url_encode};
/// assert_eq!(url_encode("AC/DC & Björk"), "AC%2FDC+%26+Bj%C3%B6rk");
/// assert_eq!(url_decode(&url_encode("a+b 100%")), "a+b 100%");
/// ```
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    url_encode_into(s, &mut out);
    out
}

pub(crate) fn url_encode_into(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &c in s.as_bytes() {
        match c {
            b' ' => out.push('+'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(c as char)
            }
            _ => {
                out.push('%');
                out.push(HEX[(c >> 4) as usize] as char);
                out.push(HEX[(c & 15) as usize] as char);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_coding_roundtrips() {
        for s in [
            "",
            "plain",
            "Simon & Garfunkel",
            "a+b=c 100%",
            "Sigur Rós",
            "日本",
            "tab\there",
        ] {
            assert_eq!(url_decode(&url_encode(s)), s);
        }
        assert_eq!(url_decode("50%"), "50%");
        assert_eq!(url_decode("%zz+x"), "%zz x");
    }
}
