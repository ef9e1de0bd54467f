//! MPD slice loader: the committed fixture, bad input, lenient counts.

use artist2vec_data::{Mode, MpdOptions, load_mpd};

use crate::common::{copy_fixture_dir, fixture};

#[test]
fn fixture_directory_in_slice_order() {
    let d = load_mpd(&fixture("mpd"), &MpdOptions::new()).unwrap();
    let s = d.sessions.as_ref().unwrap();
    assert_eq!(s.len(), 3);
    assert_eq!(s.n_plays(), 6);
    assert_eq!(d.users().ids(), &["0", "1", "2"], "user = pid");
    assert_eq!(s.iter().map(|r| r.id).collect::<Vec<_>>(), vec![0, 1, 2]);
    let name = |i: u32| d.artists().name(i).to_owned();
    let p0: Vec<String> = s.get(0).items.iter().map(|&i| name(i)).collect();
    assert_eq!(
        p0,
        ["Missy Elliott", "Britney Spears", "Beyoncé"],
        "\\u00e9 escape decoded"
    );
    // Tracks are put in `pos` order (the file lists pos 1 before pos 0).
    let p1: Vec<String> = s.get(1).items.iter().map(|&i| name(i)).collect();
    assert_eq!(p1, ["Britney Spears", "Beyoncé"]);
    assert_eq!(s.get(1).times, &[1_506_556_800, 1_506_556_800]);
    assert_eq!(s.get(0).durations.unwrap(), &[227, 199, 236]);
    assert_eq!(name(s.get(2).items[0]), "Sigur Rós");
    assert_eq!(d.artists().len(), 4);
    assert_eq!(
        d.artists().id(s.get(2).items[0]),
        "spotify:artist:6UUrUCIZtQeOf8tC0WuzRy"
    );

    // A single slice.
    let one = load_mpd(&fixture("mpd/mpd.slice.2-2.json"), &MpdOptions::new()).unwrap();
    assert_eq!(one.sessions.unwrap().len(), 1);
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap()].matches('\n').count() + 1
}

#[test]
fn truncated_json_names_the_last_line() {
    let dir = copy_fixture_dir("mpd", "mpd-trunc");
    let p = dir.join("mpd.slice.0-1.json");
    let text = std::fs::read_to_string(&p).unwrap();
    let cut = &text[..text.find("\"Awesome Playlist\"").unwrap() + 5];
    std::fs::write(&p, cut).unwrap();
    let msg = load_mpd(&dir, &MpdOptions::new()).unwrap_err().to_string();
    let last = cut.matches('\n').count() + 1;
    assert!(
        msg.contains(&format!(
            "mpd.slice.0-1.json:{last}: truncated JSON: EOF while parsing a string at column "
        )),
        "{msg}"
    );
    assert!(
        msg.ends_with("(expected an MPD slice {\"info\":…,\"playlists\":[…]})"),
        "{msg}"
    );

    // Lenient: the complete first playlist is kept, the truncation counted.
    let d = load_mpd(&dir, &MpdOptions::new().with_mode(Mode::Lenient)).unwrap();
    assert_eq!(d.report.skipped["truncated JSON"], 1);
    assert_eq!(
        d.sessions.as_ref().unwrap().len(),
        2,
        "playlist 0 of the cut slice and playlist 2"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn wrong_value_names_its_line_and_lenient_skips_the_playlist() {
    let dir = copy_fixture_dir("mpd", "mpd-value");
    let p = dir.join("mpd.slice.0-1.json");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("\"pid\": 1,", "\"pid\": \"one\",");
    std::fs::write(&p, &text).unwrap();
    let line = line_of(&text, "\"pid\": \"one\"");
    let msg = load_mpd(&dir, &MpdOptions::new()).unwrap_err().to_string();
    assert!(
        msg.contains(&format!("mpd.slice.0-1.json:{line}: bad value: invalid type: string \"one\", expected u64 at column ")),
        "{msg}"
    );
    let d = load_mpd(&dir, &MpdOptions::new().with_mode(Mode::Lenient)).unwrap();
    assert_eq!(d.report.skipped["bad value"], 1);
    assert_eq!(d.users().ids(), &["0", "2"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_playlists_empty_file_utf8_duplicate() {
    let dir = copy_fixture_dir("mpd", "mpd-misc");
    let p = dir.join("mpd.slice.2-2.json");

    std::fs::write(&p, b"{\"info\": {}}").unwrap();
    let msg = load_mpd(&p, &MpdOptions::new()).unwrap_err().to_string();
    assert!(msg.ends_with("mpd.slice.2-2.json:1: missing field: no \"playlists\" array (expected {\"info\":…,\"playlists\":[…]})"), "{msg}");

    std::fs::write(&p, b"").unwrap();
    let msg = load_mpd(&p, &MpdOptions::new()).unwrap_err().to_string();
    assert!(msg.ends_with("mpd.slice.2-2.json: empty file (expected a \"playlists\" array with at least one playlist)"), "{msg}");

    std::fs::write(&p, b"{\"playlists\": [\n{\"pid\": 5, \"modified_at\": 1, \"tracks\": [\n{\"pos\": 0, \"artist_name\": \"Bj\xF6rk\", \"artist_uri\": \"spotify:artist:x\"}]}]}").unwrap();
    let msg = load_mpd(&p, &MpdOptions::new()).unwrap_err().to_string();
    assert!(msg.ends_with("mpd.slice.2-2.json:3: invalid UTF-8: byte 0xF6 at column 30 is not valid UTF-8 (expected UTF-8 JSON)"), "{msg}");
    // Lenient: counted, and the name decoded lossily rather than dropped.
    let d = load_mpd(&p, &MpdOptions::new().with_mode(Mode::Lenient)).unwrap();
    assert_eq!(d.report.skipped["invalid UTF-8"], 1);
    assert_eq!(d.artists().name(0), "Bj\u{FFFD}rk");

    std::fs::write(&p, b"{\"playlists\": [{\"pid\": 0, \"modified_at\": 1, \"tracks\": [{\"pos\": 0, \"artist_name\": \"A\", \"artist_uri\": \"u:a\"}]}]}").unwrap();
    let msg = load_mpd(&dir, &MpdOptions::new()).unwrap_err().to_string();
    assert!(msg.ends_with("mpd.slice.2-2.json:1: duplicate id: playlist pid 0 was seen before (expected each pid once)"), "{msg}");
    std::fs::remove_dir_all(&dir).unwrap();
}
