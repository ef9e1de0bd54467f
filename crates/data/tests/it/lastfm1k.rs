//! Last.fm-1K loader: the committed fixture, bad input, lenient counts.

use artist2vec_data::{LastFm1kOptions, Mode, load_lastfm1k};

use crate::common::{append_line, fixture, replace_line, temp_dir};

const FILE: &str = "lastfm1k/userid-timestamp-artid-artname-traid-traname.tsv";
const DEEP_DISH: &str = "f1b1cf71-bd35-4e99-8624-24a6e15f133a";

#[test]
fn fixture_sessionized_in_time_order() {
    let d = load_lastfm1k(&fixture(FILE), &LastFm1kOptions::new()).unwrap();
    let s = d.sessions.as_ref().unwrap();
    assert_eq!(d.users().ids(), &["user_000001", "user_000002"]);
    assert_eq!(d.artists().len(), 3);
    // Keyed by MBID when present, by name when the MBID is empty.
    let dd = d.artists().get(DEEP_DISH).unwrap();
    assert_eq!(d.artists().name(dd), "Deep Dish");
    let band = d.artists().get("Some Unknown Band").unwrap();
    assert_eq!(d.artists().name(band), "Some Unknown Band");
    let ryu = d
        .artists()
        .get("a7f7df4a-77d8-4f12-8acd-5c60c93f4de8")
        .unwrap();
    assert_eq!(d.artists().name(ryu), "坂本龍一");

    assert_eq!(s.len(), 4);
    assert_eq!(s.n_plays(), 7);
    assert!(!s.has_durations());
    let t = |iso: &str| artist2vec_data::lastfm1k::parse_iso8601(iso).unwrap();
    // user 1: three plays within 30 minutes, then one 9 hours later.
    assert_eq!(s.get(0).items, &[ryu, ryu, ryu]);
    assert_eq!(
        s.get(0).times,
        &[
            t("2009-05-04T13:42:52Z"),
            t("2009-05-04T13:52:04Z"),
            t("2009-05-04T13:54:10Z")
        ]
    );
    assert_eq!(s.get(1).items, &[dd]);
    // user 2: a day apart.
    assert_eq!(d.users().id(s.get(2).user), "user_000002");
    assert_eq!(s.get(2).items, &[dd]);
    assert_eq!(s.get(3).items, &[band, band]);
    assert_eq!(s.iter().map(|r| r.id).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
    assert_eq!(d.interactions.len(), 7);

    // A 5-minute gap also splits 13:42:52 | 13:52:04 (9 min) and 11:50 | 12:00 (10 min).
    let short = load_lastfm1k(
        &fixture(FILE),
        &LastFm1kOptions::new().with_session_gap_secs(300),
    )
    .unwrap();
    assert_eq!(short.sessions.unwrap().len(), 6);
}

fn copy(name: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    let p = dir.join("plays.tsv");
    std::fs::copy(fixture(FILE), &p).unwrap();
    p
}

fn strict_error(p: &std::path::Path) -> String {
    load_lastfm1k(p, &LastFm1kOptions::new())
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_timestamp_missing_field_utf8_empty() {
    let p = copy("lfm-bad");
    replace_line(
        &p,
        3,
        b"user_000001\t2009-05-04 13:52\ta7f7df4a-77d8-4f12-8acd-5c60c93f4de8\tX\t\tY",
    );
    let msg = strict_error(&p);
    assert!(
        msg.ends_with("plays.tsv:3: bad timestamp: «2009-05-04 13:52» in field 2 is not an ISO-8601 time (expected e.g. 2009-05-04T23:08:57Z)"),
        "{msg}"
    );

    let p = copy("lfm-fields");
    replace_line(&p, 2, b"user_000001\t2009-05-04T13:54:10Z");
    let msg = strict_error(&p);
    assert!(
        msg.ends_with(
            "plays.tsv:2: missing field: expected 6 tab-separated fields (userid, timestamp, artist-mbid, artist-name, track-mbid, track-name), found 2"
        ),
        "{msg}"
    );

    let p = copy("lfm-utf8");
    replace_line(
        &p,
        5,
        b"user_000002\t2009-05-03T12:00:00Z\t\tSome Unknown B\xE4nd\t\tTrack X",
    );
    let msg = strict_error(&p);
    assert!(msg.ends_with("plays.tsv:5: invalid UTF-8: byte 0xE4 at column 49 is not valid UTF-8 (expected UTF-8 text; is the file ISO-8859-1?)"), "{msg}");

    let p = copy("lfm-noartist");
    replace_line(&p, 6, b"user_000002\t2009-05-03T11:50:00Z\t\t\t\tTrack Y");
    let msg = strict_error(&p);
    assert!(msg.ends_with("plays.tsv:6: missing artist: artist-mbid and artist-name (fields 3 and 4) are both empty"), "{msg}");

    let p = copy("lfm-empty");
    std::fs::write(&p, b"\n").unwrap();
    let msg = strict_error(&p);
    assert!(msg.ends_with("plays.tsv: empty file (expected plays (userid, timestamp, artist-mbid, artist-name, …))"), "{msg}");
}

#[test]
fn lenient_counts() {
    let p = copy("lfm-lenient");
    replace_line(&p, 1, b"user_000001\tnot a time\tx\tDeep Dish\t\tT");
    replace_line(&p, 4, b"user_000001\t2009-05-04T13:42:52Z");
    append_line(&p, b"user_000003\t2009-05-04T13:42:52Z\t\tB\xE4nd\t\tT");
    append_line(&p, b"user_000003\t2009-05-04T13:42:53Z\t\tBand\t\tT");
    let d = load_lastfm1k(&p, &LastFm1kOptions::new().with_mode(Mode::Lenient)).unwrap();
    assert_eq!(d.report.skipped["bad timestamp"], 1);
    assert_eq!(d.report.skipped["missing field"], 1);
    assert_eq!(d.report.skipped["invalid UTF-8"], 1);
    assert_eq!(d.report.total_skipped(), 3);
    assert_eq!(d.sessions.as_ref().unwrap().n_plays(), 7 - 2 + 1);
    assert_eq!(d.users().len(), 3);
}
