//! 30Music idomaar loader: the committed fixture, each kind of bad input, lenient counts.

use artist2vec_data::{
    ArtistPolicy, DataError, IdomaarFiles, IdomaarOptions, Mode, load_idomaar, load_idomaar_files,
};

use crate::common::{append_line, copy_fixture_dir, fixture, replace_line};

#[test]
fn fixture_loads_with_first_artist() {
    let d = load_idomaar(&fixture("30music"), &IdomaarOptions::new()).unwrap();
    let s = d.sessions.as_ref().unwrap();
    assert_eq!(d.users().ids(), &["10", "11", "12"]);
    assert_eq!(d.artists().len(), 5);
    assert_eq!(s.len(), 3);
    assert_eq!(s.n_plays(), 6);
    assert_eq!(d.interactions.len(), 6);
    // Names: `+` is a space, %XX a UTF-8 byte.
    assert_eq!(d.artists().name(0), "Paolo Conte");
    assert_eq!(d.artists().name(1), "Simon & Garfunkel");
    assert_eq!(d.artists().name(2), "Beyoncé");
    assert_eq!(d.artists().name(3), "AC/DC");
    assert_eq!(d.artists().name(4), "Sigur Rós");
    assert_eq!(d.artists().id(4), "4");

    let s0 = s.get(0);
    assert_eq!(s0.id, 1);
    assert_eq!(d.users().id(s0.user), "10");
    assert_eq!(s0.items, &[0, 2, 2]);
    assert_eq!(s0.times, &[1_390_000_000, 1_390_000_223, 1_390_000_243]);
    assert_eq!(s0.durations.unwrap(), &[223, 20, 200]);
    // Track 105 has no artist: its play is dropped and counted.
    let s1 = s.get(1);
    assert_eq!((s1.id, s1.items), (2, &[1u32][..]));
    let s2 = s.get(2);
    assert_eq!(s2.items, &[3, 4]);
    assert_eq!(s2.times, &[1_390_200_000, 1_390_200_031]);
    assert_eq!(s2.play(0).duration, Some(31));
    assert_eq!(
        s2.durations.unwrap()[1],
        u32::MAX,
        "playtime null = unknown"
    );
    assert_eq!(d.report.dropped["play of a track without artist"], 1);
    assert_eq!(d.report.dropped["track without artist"], 1);
    assert_eq!(d.report.dropped["empty playlist"], 1);
    assert!(d.report.skipped.is_empty());

    // Playlists: `"objects":[[]]` is counted above, not kept.
    let p = d.playlists.as_ref().unwrap();
    assert_eq!(p.len(), 2);
    assert_eq!((p.get(0).id, p.get(0).items), (500, &[0u32, 1][..]));
    assert_eq!(p.get(1).items, &[4, 2]);
    assert_eq!(p.get(1).times, &[1_300_001_000, 1_300_001_000]);
    assert!(!p.has_durations());

    let l = d.loves.as_ref().unwrap();
    assert_eq!(l.len(), 2);
    assert_eq!(d.users().id(l.get(0).user), "12");
    assert_eq!(l.get(0).item, 4);
    assert_eq!(l.get(1).time, Some(1_391_000_100));

    let t = d.tags.as_ref().unwrap();
    let names: Vec<&str> = (0..t.tags.len() as u32).map(|i| t.tags.name(i)).collect();
    assert_eq!(names, ["italian", "folk rock", "r&b"]);
    assert_eq!(t.by_artist, vec![vec![0], vec![1], vec![2], vec![], vec![]]);
}

#[test]
fn fixture_with_all_artists() {
    let opts = IdomaarOptions::new().with_artists(ArtistPolicy::All);
    let d = load_idomaar(&fixture("30music"), &opts).unwrap();
    let s = d.sessions.as_ref().unwrap();
    // Track 102 (Beyoncé feat. AC/DC) credits both artists.
    assert_eq!(s.get(0).items, &[0, 2, 3, 2, 3]);
    assert_eq!(s.get(0).times[1..3], [1_390_000_223, 1_390_000_223]);
    assert_eq!(s.n_plays(), 8);
    assert_eq!(d.tags.as_ref().unwrap().by_artist[3], vec![2]);
}

#[test]
fn individual_files_without_persons_or_users() {
    let f = |n: &str| fixture("30music").join(n);
    let files = IdomaarFiles::new()
        .with_tracks(f("tracks.idomaar"))
        .with_sessions(f("sessions.idomaar"));
    let d = load_idomaar_files(&files, &IdomaarOptions::new()).unwrap();
    // Artists and users come from the references, in order of appearance; no names.
    assert_eq!(d.artists().ids(), &["0", "1", "2", "3", "4"]);
    assert_eq!(d.users().ids(), &["10", "11"]);
    assert_eq!(d.artists().name_opt(0), None);
    assert_eq!(d.sessions.as_ref().unwrap().n_plays(), 6);
    assert!(d.playlists.is_none() && d.loves.is_none());

    let err = load_idomaar_files(
        &IdomaarFiles::new().with_sessions(f("sessions.idomaar")),
        &IdomaarOptions::new(),
    );
    assert!(matches!(err, Err(DataError::Invalid(m)) if m.contains("tracks.idomaar")));
}

/// Loads a modified copy of the fixture and returns the error message.
fn strict_error(name: &str, edit: impl FnOnce(&std::path::Path)) -> String {
    let dir = copy_fixture_dir("30music", name);
    edit(&dir);
    let msg = load_idomaar(&dir, &IdomaarOptions::new())
        .unwrap_err()
        .to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    msg
}

#[test]
fn truncated_json_line() {
    let msg = strict_error("trunc", |d| {
        replace_line(
            &d.join("sessions.idomaar"),
            2,
            b"event.session\t2\t1390100000\t{\"numtracks\":2}\t{\"subjects\":[{\"type\":\"user\",\"id\":11}],\"objects\":[{\"type\":\"track\",\"id\":101,\"playst",
        )
    });
    assert!(
        msg.contains("sessions.idomaar:2: truncated JSON: EOF while parsing"),
        "{msg}"
    );
    assert!(
        msg.contains("of the linked-entities field 5 (expected {\"subjects\""),
        "{msg}"
    );
}

#[test]
fn non_number_where_a_number_belongs() {
    let msg = strict_error("nan-id", |d| {
        let p = d.join("sessions.idomaar");
        let line = std::fs::read_to_string(&p)
            .unwrap()
            .lines()
            .nth(0)
            .unwrap()
            .replacen("\t1\t", "\tone\t", 1);
        replace_line(&p, 1, line.as_bytes());
    });
    assert!(
        msg.ends_with(
            "sessions.idomaar:1: bad number: id «one» in field 2 is not a non-negative integer"
        ),
        "{msg}"
    );

    let msg = strict_error("nan-ts", |d| {
        let p = d.join("love.idomaar");
        let line = std::fs::read_to_string(&p)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .replace("1391000100", "yesterday");
        replace_line(&p, 2, line.as_bytes());
    });
    assert!(
        msg.ends_with("love.idomaar:2: bad number: timestamp «yesterday» in field 3 is not an integer (expected seconds since the epoch)"),
        "{msg}"
    );

    let msg = strict_error("nan-json", |d| {
        let p = d.join("sessions.idomaar");
        let line = std::fs::read_to_string(&p)
            .unwrap()
            .lines()
            .nth(2)
            .unwrap()
            .replace("\"playstart\":31", "\"playstart\":\"31s\"");
        replace_line(&p, 3, line.as_bytes());
    });
    assert!(
        msg.contains("sessions.idomaar:3: bad value: invalid type: string \"31s\", expected f64"),
        "{msg}"
    );
}

#[test]
fn unknown_track_user_and_artist() {
    let msg = strict_error("unknown-track", |d| {
        let p = d.join("sessions.idomaar");
        let line = std::fs::read_to_string(&p)
            .unwrap()
            .lines()
            .nth(2)
            .unwrap()
            .replace("\"id\":104", "\"id\":999");
        replace_line(&p, 3, line.as_bytes());
    });
    assert!(
        msg.contains(
            "sessions.idomaar:3: unknown track: session 3 names track 999, which is not in "
        ),
        "{msg}"
    );
    assert!(
        msg.ends_with("tracks.idomaar (expected a track id defined there)"),
        "{msg}"
    );

    let msg = strict_error("unknown-user", |d| {
        let p = d.join("playlist.idomaar");
        let line = std::fs::read_to_string(&p)
            .unwrap()
            .lines()
            .nth(0)
            .unwrap()
            .replace("\"id\":10}", "\"id\":77}");
        replace_line(&p, 1, line.as_bytes());
    });
    assert!(
        msg.contains(
            "playlist.idomaar:1: unknown user: playlist 500 names user 77, which is not in "
        ),
        "{msg}"
    );

    let msg = strict_error("unknown-person", |d| {
        let p = d.join("tracks.idomaar");
        let line = std::fs::read_to_string(&p)
            .unwrap()
            .lines()
            .nth(0)
            .unwrap()
            .replace("\"person\",\"id\":0", "\"person\",\"id\":55");
        replace_line(&p, 1, line.as_bytes());
    });
    assert!(
        msg.contains("tracks.idomaar:1: unknown artist: track 100 names person 55"),
        "{msg}"
    );
}

#[test]
fn invalid_utf8_missing_field_wrong_type_duplicate() {
    let msg = strict_error("utf8", |d| {
        replace_line(
            &d.join("persons.idomaar"),
            2,
            b"person\t1\t-1\t{\"MBID\":null,\"name\":\"Caf\xE9\"}\t{}",
        )
    });
    assert!(
        msg.ends_with("persons.idomaar:2: invalid UTF-8: byte 0xE9 at column 37 is not valid UTF-8 (expected UTF-8 text; is the file ISO-8859-1?)"),
        "{msg}"
    );

    let msg = strict_error("fields", |d| {
        replace_line(
            &d.join("tracks.idomaar"),
            4,
            b"track\t103\t-1\t{\"duration\":-1}",
        )
    });
    assert!(
        msg.ends_with("tracks.idomaar:4: missing field: expected 5 tab-separated fields (type, id, timestamp, properties, linked entities), found 4"),
        "{msg}"
    );

    let msg = strict_error("type", |d| {
        append_line(&d.join("love.idomaar"), b"playlist\t9\t0\t{}\t{}")
    });
    assert!(msg.ends_with("love.idomaar:3: unexpected type: expected \"preference.love\" in field 1, found «playlist»"), "{msg}");

    let msg = strict_error("dup", |d| {
        append_line(
            &d.join("tracks.idomaar"),
            b"track\t101\t-1\t{}\t{\"artists\":[{\"type\":\"person\",\"id\":1}]}",
        )
    });
    assert!(
        msg.ends_with(
            "tracks.idomaar:7: duplicate id: track 101 is defined twice (expected each id once)"
        ),
        "{msg}"
    );
}

#[test]
fn empty_file() {
    let msg = strict_error("empty", |d| {
        std::fs::write(d.join("love.idomaar"), b"").unwrap()
    });
    assert!(
        msg.ends_with("love.idomaar: empty file (expected \"preference.love\" lines)"),
        "{msg}"
    );
}

#[test]
fn lenient_mode_skips_and_counts_by_reason() {
    let dir = copy_fixture_dir("30music", "lenient");
    let p = dir.join("sessions.idomaar");
    let text = std::fs::read_to_string(&p).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // 1: a non-number id; 2: truncated JSON; 3: one unknown track (the other play is kept);
    // then an invalid UTF-8 line and an unknown user.
    replace_line(&p, 1, lines[0].replacen("\t1\t", "\tx1\t", 1).as_bytes());
    replace_line(&p, 2, &lines[1].as_bytes()[..lines[1].len() - 20]);
    replace_line(
        &p,
        3,
        lines[2].replace("\"id\":103", "\"id\":4242").as_bytes(),
    );
    append_line(&p, b"event.session\t9\t1\t{}\t{\"subjects\":[{\"type\":\"user\",\"id\":10}],\"objects\":[{\"name\":\"\xFF\"}]}");
    append_line(
        &p,
        lines[2]
            .replace("\"id\":10}", "\"id\":99}")
            .replacen("\t3\t", "\t10\t", 1)
            .as_bytes(),
    );
    std::fs::write(dir.join("love.idomaar"), b"").unwrap();

    let strict = load_idomaar(&dir, &IdomaarOptions::new());
    assert!(
        strict
            .unwrap_err()
            .to_string()
            .contains("sessions.idomaar:1: bad number")
    );

    let d = load_idomaar(&dir, &IdomaarOptions::new().with_mode(Mode::Lenient)).unwrap();
    let sk = &d.report.skipped;
    assert_eq!(sk["bad number"], 1);
    assert_eq!(sk["truncated JSON"], 1);
    assert_eq!(sk["unknown track"], 1);
    assert_eq!(sk["invalid UTF-8"], 1);
    assert_eq!(sk["unknown user"], 1);
    assert_eq!(sk["empty file"], 1);
    assert_eq!(d.report.total_skipped(), 6);
    assert_eq!(d.report.examples.len(), 5);
    let s = d.sessions.as_ref().unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!((s.get(0).id, s.get(0).items), (3, &[4u32][..]));
    assert_eq!(d.report.lines_read[&p.display().to_string()], 5);
    assert!(d.loves.as_ref().unwrap().is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}
