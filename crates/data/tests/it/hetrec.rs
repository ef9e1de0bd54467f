//! hetrec2011-lastfm-2k loader: the committed fixture, bad input, lenient counts.

use artist2vec_data::{HetrecOptions, Mode, load_hetrec};

use crate::common::{copy_fixture_dir, fixture, replace_line};

#[test]
fn fixture_loads_crlf_latin1_and_links() {
    let h = load_hetrec(&fixture("hetrec"), &HetrecOptions::new()).unwrap();
    let d = &h.dataset;
    assert_eq!(d.users().ids(), &["2", "3", "4"]);
    assert_eq!(d.artists().ids(), &["1", "2", "89", "289", "707"]);
    assert_eq!(d.interactions.len(), 6);
    assert!(d.sessions.is_none());
    assert!(d.interactions.time_col().is_none());
    assert_eq!(d.n_plays(), 13_883 + 11_690 + 100 + 5 + 42 + 7);
    let a = d.artists().get("289").unwrap();
    assert_eq!(d.artists().name(a), "Britney Spears");
    assert_eq!(
        d.artists().name(d.artists().get("707").unwrap()),
        "Sigur Rós"
    );
    let r = d.interactions.get(2);
    assert_eq!(
        (d.users().id(r.user), d.artists().id(r.item), r.weight),
        ("2", "289", 100.0)
    );

    let t = d.tags.as_ref().unwrap();
    let names: Vec<&str> = (0..t.tags.len() as u32).map(|i| t.tags.name(i)).collect();
    assert_eq!(
        names,
        ["metal", "alternative metal", "música", "rock ö roll"],
        "decoded from ISO-8859-1"
    );
    assert_eq!(
        t.by_artist,
        vec![vec![0], vec![], vec![], vec![3], vec![1, 2]]
    );
    assert_eq!(d.report.dropped["tag assignment of an unknown artist"], 1);

    assert_eq!(
        h.friends.as_ref().unwrap(),
        &[(0, 1), (1, 0), (0, 2), (2, 0)]
    );
    assert_eq!(
        d.report.lines_read[&fixture("hetrec")
            .join("user_artists.dat")
            .display()
            .to_string()],
        7
    );
}

fn strict_error(name: &str, file: &str, line: usize, text: &[u8]) -> String {
    let dir = copy_fixture_dir("hetrec", name);
    replace_line(&dir.join(file), line, text);
    let msg = load_hetrec(&dir, &HetrecOptions::new())
        .unwrap_err()
        .to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    msg
}

#[test]
fn bad_input_names_file_and_line() {
    let msg = strict_error("h-weight", "user_artists.dat", 3, b"2\t89\tlots");
    assert!(
        msg.ends_with("user_artists.dat:3: bad number: weight «lots» in field 3 is not a non-negative number (expected a play count)"),
        "{msg}"
    );
    let msg = strict_error("h-id", "user_artists.dat", 4, b"2\tBritney\t100");
    assert!(
        msg.ends_with(
            "user_artists.dat:4: bad number: artistID «Britney» in field 2 is not an integer"
        ),
        "{msg}"
    );
    let msg = strict_error("h-unknown", "user_artists.dat", 5, b"3\t12345\t5");
    assert!(
        msg.contains("user_artists.dat:5: unknown artist: artistID 12345 is not in "),
        "{msg}"
    );
    let msg = strict_error("h-fields", "user_artists.dat", 6, b"3\t707");
    assert!(
        msg.ends_with("user_artists.dat:6: missing field: expected 3 or more tab-separated fields (userID\\tartistID\\tweight), found 2"),
        "{msg}"
    );
    let msg = strict_error("h-utf8", "artists.dat", 6, b"707\tSigur R\xF3s\thttp://x\t");
    assert!(msg.ends_with("artists.dat:6: invalid UTF-8: byte 0xF3 at column 12 is not valid UTF-8 (expected UTF-8 text; is the file ISO-8859-1?)"), "{msg}");
    let msg = strict_error("h-dup", "artists.dat", 3, b"1\tAgain\thttp://x\t");
    assert!(
        msg.ends_with(
            "artists.dat:3: duplicate id: artist 1 is defined twice (expected each id once)"
        ),
        "{msg}"
    );

    let dir = copy_fixture_dir("hetrec", "h-empty");
    std::fs::write(
        dir.join("user_artists.dat"),
        b"userID\tartistID\tweight\r\n",
    )
    .unwrap();
    let msg = load_hetrec(&dir, &HetrecOptions::new())
        .unwrap_err()
        .to_string();
    assert!(
        msg.ends_with("user_artists.dat: empty file (expected rows of userID\\tartistID\\tweight)"),
        "{msg}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lenient_counts() {
    let dir = copy_fixture_dir("hetrec", "h-lenient");
    let ua = dir.join("user_artists.dat");
    replace_line(&ua, 2, b"2\t1\tmany");
    replace_line(&ua, 3, b"2\t99999\t5");
    replace_line(&ua, 4, b"x\t289\t100");
    let h = load_hetrec(&dir, &HetrecOptions::new().with_mode(Mode::Lenient)).unwrap();
    assert_eq!(h.dataset.report.skipped["bad number"], 2);
    assert_eq!(h.dataset.report.skipped["unknown artist"], 1);
    assert_eq!(h.dataset.interactions.len(), 3);
    // User 2 lost all rows: its friend pairs are counted, not kept.
    assert_eq!(h.dataset.users().ids(), &["3", "4"]);
    assert_eq!(
        h.dataset.report.dropped["friend pair with an unknown user"],
        4
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
