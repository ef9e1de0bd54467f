//! ISO-8601 date-times: parsing `YYYY-MM-DDTHH:MM:SS[.frac][Z|±HH:MM]` into seconds since the
//! Unix epoch and formatting them back as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian calendar,
//! H. Hinnant's day arithmetic). Used by the Last.fm-1K loader, the table loader's time column,
//! format detection and the synthetic-data writers.

use crate::lines;

/// Parses an ISO-8601 date-time into seconds since the Unix epoch: `YYYY-MM-DDTHH:MM:SS`
/// (a space may replace the `T`), optional fractional seconds (truncated), then `Z`, an offset
/// `±HH:MM` / `±HHMM`, or nothing (UTC).
///
/// ```
/// use artist2vec_data::iso8601::parse_iso8601;
/// assert_eq!(parse_iso8601("2009-05-04T23:08:57Z"), Some(1_241_478_537));
/// assert_eq!(parse_iso8601("2009-05-05T01:08:57+02:00"), Some(1_241_478_537));
/// assert_eq!(parse_iso8601("1970-01-01 00:00:00.9"), Some(0));
/// assert_eq!(parse_iso8601("2009-13-04T23:08:57Z"), None);
/// ```
pub fn parse_iso8601(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| lines::parse_u64(&b[r]).map(|v| v as i64);
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60
    {
        return None;
    }
    let mut rest = &b[19..];
    if let [b'.', tail @ ..] = rest {
        let digits = tail.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &tail[digits..];
    }
    let offset = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), hh @ ..] => {
            let (oh, om) = match hh {
                [a, b, b':', c, d] | [a, b, c, d] => (
                    lines::parse_u64(&[*a, *b])? as i64,
                    lines::parse_u64(&[*c, *d])? as i64,
                ),
                [a, b] => (lines::parse_u64(&[*a, *b])? as i64, 0),
                _ => return None,
            };
            let o = oh * 3600 + om * 60;
            if *sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// Formats seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (the Last.fm-1K form).
///
/// ```
/// use artist2vec_data::iso8601::format_iso8601;
/// assert_eq!(format_iso8601(1_241_478_537), "2009-05-04T23:08:57Z");
/// ```
pub fn format_iso8601(t: i64) -> String {
    let mut s = String::with_capacity(20);
    push_iso8601(&mut s, t);
    s
}

pub(crate) fn push_iso8601(out: &mut String, t: i64) {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let two = |out: &mut String, v: i64| {
        out.push((b'0' + (v / 10) as u8) as char);
        out.push((b'0' + (v % 10) as u8) as char);
    };
    let y = y.clamp(0, 9999);
    two(out, y / 100);
    two(out, y % 100);
    out.push('-');
    two(out, m);
    out.push('-');
    two(out, d);
    out.push('T');
    two(out, secs / 3600);
    out.push(':');
    two(out, secs / 60 % 60);
    out.push(':');
    two(out, secs % 60);
    out.push('Z');
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_roundtrip_over_years() {
        for t in [
            0i64,
            951_782_400,
            1_241_478_537,
            1_709_164_800,
            -86_400,
            4_102_444_799,
        ] {
            assert_eq!(parse_iso8601(&format_iso8601(t)), Some(t), "{t}");
        }
        for t in (0..2_000_000_000i64).step_by(7_777_777) {
            assert_eq!(parse_iso8601(&format_iso8601(t)), Some(t));
        }
        assert_eq!(parse_iso8601("2008-02-29T00:00:00Z"), Some(1_204_243_200));
        assert_eq!(parse_iso8601("2009-02-29T00:00:00Z"), None);
        assert_eq!(parse_iso8601("2009-05-04T23:08Z"), None);
        assert_eq!(
            parse_iso8601("2009-05-04T23:08:57+0100"),
            Some(1_241_478_537 - 3600)
        );
        assert_eq!(parse_iso8601("2009-05-04T23:08:57X"), None);
        assert_eq!(parse_iso8601("yesterday"), None);
    }
}
