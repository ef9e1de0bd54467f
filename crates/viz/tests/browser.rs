//! The HTML map in headless Chromium (through `tests/browser/run.sh`): a small UMAP map loads
//! without console errors or network requests, hovering an artist shows its name, searching
//! selects and centres it; a 20,000-artist page is panned and zoomed and its frame times are
//! printed. Skipped, with the reason printed, where Chromium or node is missing (the script
//! installs nothing but the small playwright-core npm package here; run it with `--install` by
//! hand to install Debian's chromium).

use std::path::{Path, PathBuf};
use std::process::Command;

use artist2vec_core::{Embeddings, Vocabulary};
use artist2vec_viz::{ArtistMap, Groups, MapSettings, project_embeddings};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/run.sh")
}

/// Runs the script; `None` when it skipped (after printing why).
fn run(args: &[&str]) -> Option<serde_json::Value> {
    let out = match Command::new("bash").arg(script()).args(args).output() {
        Ok(o) => o,
        Err(e) => {
            println!("skip: cannot run bash: {e}");
            return None;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(77) {
        println!("{}", stdout.trim());
        return None;
    }
    assert!(
        out.status.success(),
        "browser check {args:?} failed ({:?}):\n{stdout}\n{stderr}",
        out.status
    );
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or("");
    Some(serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {stdout}")))
}

fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!("a2v-viz-browser-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A real (small) UMAP map of 4 groups of artists with awkward names.
fn small_map() -> ArtistMap {
    let (n, dim) = (200, 12);
    let mut vocab = Vocabulary::new();
    let mut data = Vec::new();
    let mut names = Vec::new();
    for i in 0..n {
        let name = match i {
            0 => "Кино".to_owned(),
            1 => "</script>AC/DC & \"co\"".to_owned(),
            _ => format!("Artist {i}"),
        };
        let ix = vocab.insert(format!("a{i}"));
        vocab.set_name(ix, &name);
        names.push(name);
        for d in 0..dim {
            data.push(
                if d % 4 == i % 4 { 1.0 } else { 0.0 } + ((i * 31 + d * 17) % 13) as f32 * 0.02,
            );
        }
    }
    let table = Embeddings::new(vocab, dim, data).unwrap();
    let coords = project_embeddings(&table, &MapSettings::default()).unwrap();
    ArtistMap::new("browser check", names, coords)
        .unwrap()
        .with_plays("plays", (0..n).map(|i| (1000 / (i + 1)) as f64).collect())
        .unwrap()
        .with_groups(Groups {
            names: ["rock", "pop", "jazz", "metal"].map(String::from).to_vec(),
            of: (0..n).map(|i| Some((i % 4) as u32)).collect(),
        })
        .unwrap()
}

/// 20,000 artists in 20 clusters (coordinates drawn directly: this page measures drawing).
fn big_map() -> ArtistMap {
    let n = 20_000;
    let mut state = 7u64;
    let mut unit = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    let mut coords = Vec::with_capacity(2 * n);
    let mut of = Vec::with_capacity(n);
    for i in 0..n {
        let g = i % 20;
        let (cx, cy) = ((g % 5) as f32 * 3.0, (g / 5) as f32 * 3.0);
        let (r, t) = (unit().sqrt(), unit() * std::f32::consts::TAU);
        coords.push(cx + r * t.cos());
        coords.push(cy + r * t.sin());
        of.push(Some(g as u32));
    }
    ArtistMap::new(
        "20,000 artists",
        (0..n).map(|i| format!("Artist {i}")).collect(),
        coords,
    )
    .unwrap()
    .with_plays(
        "plays",
        (0..n).map(|i| (200_000 / (i + 1)) as f64).collect(),
    )
    .unwrap()
    .with_groups(Groups {
        names: (0..20).map(|g| format!("genre {g}")).collect(),
        of,
    })
    .unwrap()
}

#[test]
fn map_page_works_in_headless_chromium() {
    let dir = scratch();
    let small = dir.join("small.html");
    small_map().write_html(&small).unwrap();
    let Some(r) = run(&["check", small.to_str().unwrap()]) else {
        return;
    };
    println!("check: {r}");
    assert_eq!(r["ok"], true);
    assert!(
        r["tooltip"]
            .as_str()
            .unwrap()
            .contains(r["hoveredName"].as_str().unwrap())
    );

    let big = dir.join("big.html");
    big_map().write_html(&big).unwrap();
    let r = run(&["perf", big.to_str().unwrap()]).expect("chromium ran the first check");
    println!(
        "20,000 artists, pan + zoom over {} frames: draw median {} ms, p95 {} ms; frame interval \
         median {} ms, p95 {} ms (load {} ms)",
        r["frames"],
        r["drawMsMedian"],
        r["drawMsP95"],
        r["frameIntervalMsMedian"],
        r["frameIntervalMsP95"],
        r["loadMs"]
    );
    assert_eq!(r["n"], 20_000);
    let _ = std::fs::remove_dir_all(&dir);
}
