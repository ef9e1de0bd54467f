//! CSV / TSV / Parquet tables through polars: fixtures, bad input, lenient counts.

use artist2vec_data::synth::{SynthConfig, Synthetic};
use artist2vec_data::{Mode, TableColumns, TableFormat, TableOptions, load_table};

use crate::common::{fixture, replace_line, temp_dir};

fn csv_columns() -> TableColumns {
    TableColumns::new()
        .with_weight("weight")
        .with_timestamp("timestamp")
}

#[test]
fn csv_with_quotes_and_iso_times() {
    let p = fixture("table/plays.csv");
    let d = load_table(&p, &TableOptions::new().with_columns(csv_columns())).unwrap();
    assert!(d.sessions.is_none());
    assert_eq!(d.users().ids(), &["u1", "u2"]);
    assert_eq!(d.artists().ids(), &["Simon, Paul", "Beyoncé"]);
    assert_eq!(d.interactions.weight_col(), &[1.0, 1.0, 2.0, 1.0]);
    assert_eq!(
        d.interactions.time_col().unwrap(),
        &[1_390_000_000, 1_390_000_200, 1_390_003_200, 1_390_000_380]
    );

    let cols = csv_columns()
        .with_session("session")
        .with_duration("duration");
    let d = load_table(&p, &TableOptions::new().with_columns(cols)).unwrap();
    let s = d.sessions.as_ref().unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!((s.get(0).id, s.get(0).items), (7, &[0u32, 1, 0][..]));
    assert_eq!(s.get(0).durations.unwrap(), &[200, 180, 15]);
    assert_eq!((s.get(1).id, d.users().id(s.get(1).user)), (8, "u2"));
}

#[test]
fn tsv_with_crlf_and_renamed_columns() {
    let cols = TableColumns::new().with_weight("plays");
    let d = load_table(
        &fixture("table/plays.tsv"),
        &TableOptions::new().with_columns(cols),
    )
    .unwrap();
    assert_eq!(d.interactions.weight_col(), &[3.0, 1.5, 2.0]);
    assert_eq!(d.artists().ids(), &["A", "B"]);
    assert_eq!(d.n_plays(), 7);
}

#[test]
fn missing_column_lists_the_columns_present() {
    let cols = TableColumns::new().with_weight("count");
    let msg = load_table(
        &fixture("table/plays.csv"),
        &TableOptions::new().with_columns(cols),
    )
    .unwrap_err()
    .to_string();
    assert!(
        msg.ends_with("plays.csv:1: missing column: no column \"count\" for the weight (columns present: session, user, artist, weight, timestamp, duration)"),
        "{msg}"
    );
    let cols = TableColumns::new().with_artist("item");
    let msg = load_table(
        &fixture("table/plays.tsv"),
        &TableOptions::new().with_columns(cols),
    )
    .unwrap_err()
    .to_string();
    assert!(msg.ends_with("plays.tsv:1: missing column: no column \"item\" for the artist (columns present: user, artist, plays)"), "{msg}");
}

#[test]
fn non_number_names_row_and_line_and_lenient_counts() {
    let dir = temp_dir("table-bad");
    let p = dir.join("plays.csv");
    std::fs::copy(fixture("table/plays.csv"), &p).unwrap();
    replace_line(&p, 3, b"7,u1,Beyonc\xC3\xA9,many,1390000200,180");
    let msg = load_table(&p, &TableOptions::new().with_columns(csv_columns()))
        .unwrap_err()
        .to_string();
    assert!(
        msg.ends_with(
            "plays.csv:3: bad number: weight in row 2 (line 3) is «many» (expected a play count: a finite number >= 0)"
        ),
        "{msg}"
    );

    replace_line(&p, 4, b"8,u2,Beyonc\xC3\xA9,2,last tuesday,30");
    replace_line(&p, 5, b"7,,x,1,1390000380,15");
    let d = load_table(
        &p,
        &TableOptions::new()
            .with_columns(csv_columns())
            .with_mode(Mode::Lenient),
    )
    .unwrap();
    assert_eq!(d.report.skipped["bad number"], 2);
    assert_eq!(d.report.skipped["missing value"], 1);
    assert_eq!(d.interactions.len(), 1);
    // Skipped rows leave no trace in the vocabularies.
    assert_eq!(d.users().ids(), &["u1"]);
    assert_eq!(d.artists().ids(), &["Simon, Paul"]);

    let cols = csv_columns().with_session("session");
    replace_line(&p, 5, b"7,u2,x,1,1390000380,15");
    let msg = load_table(
        &p,
        &TableOptions::new()
            .with_columns(cols)
            .with_mode(Mode::Strict),
    )
    .unwrap_err()
    .to_string();
    assert!(
        msg.contains("plays.csv:3: bad number"),
        "first bad row first: {msg}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn empty_table_and_unknown_format() {
    let dir = temp_dir("table-empty");
    let p = dir.join("e.csv");
    std::fs::write(&p, b"user,artist\n").unwrap();
    let msg = load_table(&p, &TableOptions::new())
        .unwrap_err()
        .to_string();
    assert!(
        msg.ends_with("e.csv: empty file (expected data rows)"),
        "{msg}"
    );
    let d = load_table(&p, &TableOptions::new().with_mode(Mode::Lenient)).unwrap();
    assert_eq!(d.report.skipped["empty file"], 1);
    std::fs::write(&p, b"").unwrap();
    assert!(
        load_table(&p, &TableOptions::new())
            .unwrap_err()
            .to_string()
            .contains("empty file")
    );
    let q = dir.join("plays.json");
    std::fs::write(&q, b"{}").unwrap();
    let msg = load_table(&q, &TableOptions::new())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("cannot tell the table format"), "{msg}");
    // An explicit format overrides the extension.
    std::fs::write(&q, b"user\tartist\nu\ta\n").unwrap();
    let d = load_table(&q, &TableOptions::new().with_format(TableFormat::Tsv)).unwrap();
    assert_eq!(d.interactions.len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn parquet_columns_and_errors() {
    let syn = Synthetic::generate(&SynthConfig::tiny().with_seed(21)).unwrap();
    let dir = temp_dir("table-parquet");
    let p = dir.join("plays.parquet");
    syn.write_table(&p, TableFormat::Parquet).unwrap();
    let cols = TableColumns::new()
        .with_timestamp("timestamp")
        .with_weight("plays");
    let msg = load_table(&p, &TableOptions::new().with_columns(cols))
        .unwrap_err()
        .to_string();
    assert!(
        msg.ends_with("plays.parquet:0: missing column: no column \"plays\" for the weight (columns present: session, user, artist, artist_name, timestamp, duration)"),
        "{msg}"
    );
    // Only user/artist/timestamp: interactions with times, no sessions; integer columns work as ids.
    let cols = TableColumns::new()
        .with_timestamp("timestamp")
        .with_user("session");
    let d = load_table(&p, &TableOptions::new().with_columns(cols)).unwrap();
    assert_eq!(d.interactions.len(), syn.config.n_plays);
    assert_eq!(
        d.users().len(),
        syn.config.n_sessions,
        "session ids as users"
    );
    assert_eq!(
        d.interactions.time_col().unwrap()[0],
        syn.sessions().get(0).times[0]
    );
    // One column may serve two roles.
    let cols = TableColumns::new()
        .with_artist_name("artist")
        .with_session("session")
        .with_user("session");
    let d = load_table(&p, &TableOptions::new().with_columns(cols)).unwrap();
    assert_eq!(d.sessions.as_ref().unwrap().len(), syn.config.n_sessions);
    assert_eq!(d.artists().name(0), d.artists().id(0));
    std::fs::write(&p, b"not parquet").unwrap();
    let err = load_table(&p, &TableOptions::new()).unwrap_err();
    assert!(
        matches!(err, artist2vec_data::DataError::Table { .. }),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_session_with_two_users_is_an_error() {
    let dir = temp_dir("table-session-users");
    let p = dir.join("s.tsv");
    std::fs::write(
        &p,
        b"session\tuser\tartist\n1\ta\tx\n1\ta\ty\n2\tb\tx\n1\tb\tz\n",
    )
    .unwrap();
    let cols = TableColumns::new().with_session("session");
    let msg = load_table(&p, &TableOptions::new().with_columns(cols.clone()))
        .unwrap_err()
        .to_string();
    assert!(
        msg.ends_with(
            "s.tsv:5: inconsistent session: session 1 has rows of users \"a\" and \"b\" (expected one user per session), user in row 4 (line 5)"
        ),
        "{msg}"
    );
    let d = load_table(
        &p,
        &TableOptions::new()
            .with_columns(cols)
            .with_mode(Mode::Lenient),
    )
    .unwrap();
    assert_eq!(d.report.skipped["inconsistent session"], 1);
    let s = d.sessions.as_ref().unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s.get(0).items, &[0, 1]);
    assert_eq!(d.artists().len(), 2, "z only appeared in the skipped row");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn invalid_utf8_in_a_csv_row() {
    let dir = temp_dir("table-utf8");
    let p = dir.join("plays.csv");
    std::fs::copy(fixture("table/plays.csv"), &p).unwrap();
    replace_line(&p, 4, b"8,u2,Beyonc\xE9,2,2014-01-18T00:00:00Z,30");
    let msg = load_table(&p, &TableOptions::new().with_columns(csv_columns()))
        .unwrap_err()
        .to_string();
    assert!(
        msg.ends_with("plays.csv:4: invalid UTF-8: byte 0xE9 at column 12 is not valid UTF-8 (expected UTF-8 text; is the file ISO-8859-1?)"),
        "{msg}"
    );
    let d = load_table(
        &p,
        &TableOptions::new()
            .with_columns(csv_columns())
            .with_mode(Mode::Lenient),
    )
    .unwrap();
    assert_eq!(d.report.skipped["invalid UTF-8"], 1);
    assert_eq!(
        d.interactions.len(),
        4,
        "the row is kept, its text decoded lossily"
    );
    assert_eq!(
        d.artists().ids(),
        &["Simon, Paul", "Beyoncé", "Beyonc\u{FFFD}"]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn non_finite_negative_and_huge_weights_are_refused_with_file_line_and_a_short_excerpt() {
    let dir = temp_dir("table-finite");
    let long = "9".repeat(5000);
    for (i, (weight, shown)) in [
        ("inf", "«inf»"),
        ("-inf", "«-inf»"),
        ("NaN", "«NaN»"),
        ("-2", "«-2»"),
        ("-0.5", "«-0.5»"),
        ("1e39", "«1000000000000000000000000000000000000000»"),
        // Read as a float (inf) or as text (cut): either way a short excerpt.
        (long.as_str(), "«"),
    ]
    .into_iter()
    .enumerate()
    {
        for (ext, sep) in [("csv", ","), ("tsv", "\t")] {
            let p = dir.join(format!("w{i}.{ext}"));
            let rows = [
                ["user", "artist", "weight"],
                ["u1", "a", "3"],
                ["u2", "b", weight],
            ];
            let text: String = rows.iter().map(|r| r.join(sep) + "\n").collect();
            std::fs::write(&p, text).unwrap();
            let cols = TableColumns::new().with_weight("weight");
            let msg = load_table(&p, &TableOptions::new().with_columns(cols.clone()))
                .unwrap_err()
                .to_string();
            assert!(
                msg.contains(&format!(
                    "w{i}.{ext}:3: bad number: weight in row 2 (line 3) is "
                )),
                "{weight:.50}: {msg}"
            );
            assert!(msg.contains(shown), "{weight:.50}: {msg}");
            assert!(msg.contains("finite number >= 0"), "{msg}");
            assert!(msg.len() < 300, "the message quotes a short excerpt: {msg}");
            // Lenient mode skips the row instead.
            let d = load_table(
                &p,
                &TableOptions::new()
                    .with_columns(cols)
                    .with_mode(Mode::Lenient),
            )
            .unwrap();
            assert_eq!(d.interactions.weight_col(), &[3.0], "{weight:.50}");
        }
    }
}
