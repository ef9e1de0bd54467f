//! `artist2vec map` end to end: fit, map (HTML + SVG), genres and plays, the same seed giving
//! the same file, and clear errors.

use std::path::PathBuf;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_artist2vec"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn ok(o: &Output) -> (String, String) {
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(o.status.success(), "stdout:\n{out}\nstderr:\n{err}");
    (out, err)
}

fn tmp() -> PathBuf {
    let d = std::env::temp_dir().join(format!("a2v-cli-map-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn map_writes_html_and_svg_for_vector_and_neighbour_models() {
    let d = tmp();
    let p = |f: &str| d.join(f).to_str().unwrap().to_owned();
    // 80 listeners of 4 genres × 12 artists; each listener plays 8 artists of their genre.
    let mut train = String::from("user\titem\tweight\n");
    for u in 0..80 {
        let g = u % 4;
        for i in 0..8 {
            let a = g * 12 + (u * 5 + i * 7) % 12;
            train.push_str(&format!("u{u}\ta{a}\t{}\n", 1 + (u + i) % 5));
        }
    }
    std::fs::write(p("train.tsv"), &train).unwrap();
    let mut truth = String::from("artist\tgenre\n");
    let mut names = String::from("id\tname\n");
    for a in 0..48 {
        truth.push_str(&format!(
            "a{a}\t{}\n",
            ["rock", "jazz", "pop", "metal"][a / 12]
        ));
        names.push_str(&format!("a{a}\tBand <{a}> & co\n"));
    }
    std::fs::write(p("truth.tsv"), truth).unwrap();
    std::fs::write(p("artists.dat"), names).unwrap();

    ok(&run(&[
        "--quiet",
        "fit",
        "--model",
        "als",
        "--config",
        r#"{"factors": 8}"#,
        "--train",
        &p("train.tsv"),
        "--out",
        &p("als.a2v"),
    ]));
    let args = |out: &str, svg: &str| {
        vec![
            "map".to_owned(),
            "--model".into(),
            p("als.a2v"),
            "--out".into(),
            p(out),
            "--svg".into(),
            p(svg),
            "--names".into(),
            p("artists.dat"),
            "--plays".into(),
            p("train.tsv"),
            "--genres".into(),
            p("truth.tsv"),
        ]
    };
    let a: Vec<String> = args("a.html", "a.svg");
    let (out, err) = ok(&run(&a.iter().map(String::as_str).collect::<Vec<_>>()));
    assert!(out.contains("48 artists"), "{out}");
    assert!(
        err.contains("artist vectors") && err.contains("48 of 48 artists have a genre"),
        "{err}"
    );
    let html = std::fs::read_to_string(p("a.html")).unwrap();
    assert!(
        html.contains("Band \\u003c7> & co"),
        "names are inlined, `<` escaped"
    );
    assert!(html.contains("\"metal\"") && html.contains("\"playsLabel\":\"plays\""));
    let svg = std::fs::read_to_string(p("a.svg")).unwrap();
    assert!(svg.contains("Band &lt;7&gt; &amp; co"));
    assert_eq!(
        svg.matches("<circle").count(),
        48 + 4,
        "48 artists + 4 legend entries"
    );
    // Same model, same seed: the same page, byte for byte.
    let b: Vec<String> = args("b.html", "b.svg");
    ok(&run(&b.iter().map(String::as_str).collect::<Vec<_>>()));
    assert_eq!(html, std::fs::read_to_string(p("b.html")).unwrap());

    // A model without vectors is mapped from its neighbour lists.
    ok(&run(&[
        "--quiet",
        "fit",
        "--model",
        "item-knn",
        "--train",
        &p("train.tsv"),
        "--out",
        &p("knn.a2v"),
    ]));
    let (_, err) = ok(&run(&[
        "map",
        "--model",
        &p("knn.a2v"),
        "--out",
        &p("knn.html"),
        "--neighbors",
        "6",
    ]));
    assert!(err.contains("similar-artist lists"), "{err}");
    assert!(
        std::fs::read_to_string(p("knn.html"))
            .unwrap()
            .contains("\"listeners\"")
    );

    // Only artists with enough listeners, from vectors and from neighbour lists.
    let listeners = |a: usize| {
        (0..80)
            .filter(|u| u % 4 == a / 12 && (0..8).any(|i| (u * 5 + i * 7) % 12 == a % 12))
            .count()
    };
    // The highest threshold that keeps at least 4 artists (and not all of them).
    let (t, many) = (1..=20)
        .rev()
        .map(|t| (t, (0..48).filter(|&a| listeners(a) >= t).count()))
        .find(|&(_, m)| m >= 4)
        .unwrap();
    assert!(many < 48, "{t} {many}");
    let t = t.to_string();
    for m in ["als.a2v", "knn.a2v"] {
        let (out, err) = ok(&run(&[
            "map",
            "--model",
            &p(m),
            "--out",
            &p("few.html"),
            "--min-listeners",
            &t,
            "--neighbors",
            "4",
        ]));
        assert!(out.contains(&format!("({many} artists)")), "{out}");
        assert!(
            err.contains(&format!("{many} of 48 artists have at least {t}")),
            "{err}"
        );
    }
    let o = run(&[
        "map",
        "--model",
        &p("als.a2v"),
        "--out",
        &p("c.html"),
        "--min-listeners",
        "1000",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("lower --min-listeners"),
        "{err}"
    );

    // Popularity has nothing to map; bad files are named.
    ok(&run(&[
        "--quiet",
        "fit",
        "--model",
        "popularity",
        "--train",
        &p("train.tsv"),
        "--out",
        &p("pop.a2v"),
    ]));
    let o = run(&["map", "--model", &p("pop.a2v"), "--out", &p("pop.html")]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("neither artist vectors"),
        "{err}"
    );
    std::fs::write(p("other.tsv"), "artist\tgenre\nzz1\trock\n").unwrap();
    let o = run(&[
        "map",
        "--model",
        &p("als.a2v"),
        "--out",
        &p("c.html"),
        "--genres",
        &p("other.tsv"),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("none of its"), "{err}");
    std::fs::write(p("bad.tsv"), "artist\tgenre\nonly-one-field\n").unwrap();
    let o = run(&[
        "map",
        "--model",
        &p("als.a2v"),
        "--out",
        &p("c.html"),
        "--genres",
        &p("bad.tsv"),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("bad.tsv:2"), "{err}");
    let o = run(&[
        "map",
        "--model",
        &p("als.a2v"),
        "--out",
        &p("c.html"),
        "--min-dist",
        "5",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("min_dist"), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}
