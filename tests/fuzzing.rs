//! The bodies of the fuzz targets in `fuzz/` (cargo-fuzz), one function per parser, so that
//! the committed corpus and every crash case found are replayed by a plain `cargo test`
//! (`tests/it/fuzz_replay.rs`) on stable, without cargo-fuzz.
//!
//! Every parser of the workspace reads files, so each harness writes its input to a scratch
//! directory (under `/dev/shm` when it exists) and calls the public loader on it. A harness
//! returns nothing: an error is the expected answer to almost every input, and only a panic,
//! an abort or an allocation over the fuzzer's RSS limit is a finding. Inputs that hold
//! several files (idomaar, hetrec, split directories, `.npy` + vocabulary) are cut at
//! [`SEP`] bytes, which never occur in UTF-8 text.
//!
//! Some harnesses take their first byte as options (strict or lenient mode, chunk size, which
//! format or model kind) so that one corpus covers every code path.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use artist2vec::core::modelfile::{self, Header};
use artist2vec::core::{Query, Recommender, SimilarArtists};
use artist2vec::data::{
    ArtistPolicy, Dataset, Format, HetrecOptions, IdomaarFiles, IdomaarOptions, LastFm1kOptions,
    Mode, MpdOptions, TableColumns, TableFormat, TableOptions,
};
use artist2vec::skipgram::{Word2VecFormat, read_npy, read_word2vec};

/// The longest error message a harness accepts, in characters: messages quote at most a short
/// excerpt of the input ([`artist2vec::core::excerpt`]), so a longer one is a finding too.
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// Fails (a finding) when `result` is an error whose message is over [`MAX_MESSAGE_CHARS`].
fn check<T, E: std::fmt::Display>(result: Result<T, E>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            let msg = e.to_string();
            let n = msg.chars().count();
            assert!(
                n <= MAX_MESSAGE_CHARS,
                "error message of {n} characters (at most {MAX_MESSAGE_CHARS}): {}…",
                msg.chars().take(300).collect::<String>()
            );
            None
        }
    }
}

/// The byte that separates the files of a multi-file input (never part of UTF-8 text).
pub const SEP: u8 = 0xff;

/// Every fuzz target: its name (the `fuzz/fuzz_targets/<name>.rs` binary and the
/// `fuzz/corpus/<name>` directory) and its harness.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("idomaar", idomaar),
    ("lastfm1k", lastfm1k),
    ("hetrec", hetrec),
    ("mpd", mpd),
    ("table", table),
    ("split", split),
    ("dataset", dataset),
    ("model", model),
    ("word2vec", word2vec),
    ("config", config),
    ("experiment", experiment),
];

/// A scratch directory of this process and thread, emptied and created anew.
fn scratch(name: &str) -> PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    let root = ROOT.get_or_init(|| {
        let base = Path::new("/dev/shm");
        let base = if base.is_dir() {
            base.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        base.join(format!("a2v-fuzz-{}", std::process::id()))
    });
    let dir = root.join(format!("{name}-{:?}", std::thread::current().id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).expect("scratch file");
}

/// The first byte (options) and the rest.
fn options(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((&b, rest)) => (b, rest),
        None => (0, data),
    }
}

fn mode(b: u8) -> Mode {
    if b & 1 == 0 {
        Mode::Strict
    } else {
        Mode::Lenient
    }
}

/// Small chunks (1 ..= 64 bytes, or the default) so that records cross chunk boundaries.
fn chunk_bytes(b: u8) -> Option<usize> {
    match (b >> 1) & 0x3f {
        0 => None,
        n => Some(n as usize),
    }
}

/// The input cut at [`SEP`] bytes, at most `n` parts; missing parts are `None`.
fn parts(data: &[u8], n: usize) -> Vec<Option<&[u8]>> {
    let mut out: Vec<Option<&[u8]>> = data.splitn(n, |&b| b == SEP).map(Some).collect();
    out.resize(n, None);
    out
}

/// 30Music idomaar files: tracks, persons, users, tags, sessions, playlists, loves.
pub fn idomaar(data: &[u8]) {
    let (o, rest) = options(data);
    let dir = scratch("idomaar");
    let names = [
        "tracks",
        "persons",
        "users",
        "tags",
        "sessions",
        "playlists",
        "loves",
    ];
    let mut files = IdomaarFiles::new();
    for (name, part) in names.iter().zip(parts(rest, names.len())) {
        let Some(bytes) = part else { continue };
        let p = dir.join(format!("{name}.idomaar"));
        write(&p, bytes);
        files = match *name {
            "tracks" => files.with_tracks(p),
            "persons" => files.with_persons(p),
            "users" => files.with_users(p),
            "tags" => files.with_tags(p),
            "sessions" => files.with_sessions(p),
            "playlists" => files.with_playlists(p),
            _ => files.with_loves(p),
        };
    }
    let mut opts = IdomaarOptions::new()
        .with_mode(mode(o))
        .with_artists(if o & 0x80 == 0 {
            ArtistPolicy::First
        } else {
            ArtistPolicy::All
        });
    if let Some(c) = chunk_bytes(o) {
        opts = opts.with_chunk_bytes(c);
    }
    check(artist2vec::data::load_idomaar_files(&files, &opts));
}

/// A Last.fm 1K listening-history TSV.
pub fn lastfm1k(data: &[u8]) {
    let (o, rest) = options(data);
    let dir = scratch("lastfm1k");
    let p = dir.join("userid-timestamp-artid-artname-traid-traname.tsv");
    write(&p, rest);
    let mut opts = LastFm1kOptions::new().with_mode(mode(o));
    if let Some(c) = chunk_bytes(o) {
        opts = opts.with_chunk_bytes(c);
    }
    if o & 0x80 != 0 {
        opts = opts.with_session_gap_secs(i64::from(o & 0x7f) * 60);
    }
    check(artist2vec::data::load_lastfm1k(&p, &opts));
}

/// A hetrec2011-lastfm-2k directory: user_artists, artists, tags, user_taggedartists,
/// user_friends (`.dat`).
pub fn hetrec(data: &[u8]) {
    let (o, rest) = options(data);
    let dir = scratch("hetrec");
    let names = [
        "user_artists.dat",
        "artists.dat",
        "tags.dat",
        "user_taggedartists.dat",
        "user_friends.dat",
    ];
    for (name, part) in names.iter().zip(parts(rest, names.len())) {
        if let Some(bytes) = part {
            write(&dir.join(name), bytes);
        }
    }
    check(artist2vec::data::load_hetrec(
        &dir,
        &HetrecOptions::new().with_mode(mode(o)),
    ));
}

/// A Million Playlist Dataset JSON slice.
pub fn mpd(data: &[u8]) {
    let (o, rest) = options(data);
    let dir = scratch("mpd");
    let p = dir.join("mpd.slice.0-999.json");
    write(&p, rest);
    check(artist2vec::data::load_mpd(
        &p,
        &MpdOptions::new().with_mode(mode(o)),
    ));
}

/// A CSV, TSV or Parquet table, with guessed columns (as `load_any`) or every role named.
pub fn table(data: &[u8]) {
    let (o, rest) = options(data);
    let dir = scratch("table");
    let (format, ext) = match (o >> 1) % 3 {
        0 => (TableFormat::Csv, "csv"),
        1 => (TableFormat::Tsv, "tsv"),
        _ => (TableFormat::Parquet, "parquet"),
    };
    let p = dir.join(format!("plays.{ext}"));
    write(&p, rest);
    // polars' Parquet decoder panics on some malformed files; the loader catches that and
    // answers an error. libFuzzer's panic hook would abort at the panic, before the loader's
    // catch, so a quiet hook stands in while the loader runs (a panic that escapes the
    // loader still reaches libfuzzer-sys's catch and aborts: a finding).
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    if o & 0x80 == 0 {
        let f = match format {
            TableFormat::Csv => Format::Csv,
            TableFormat::Tsv => Format::Tsv,
            TableFormat::Parquet => Format::Parquet,
        };
        check(artist2vec::data::load_any(&p, Some(f), mode(o)));
    } else {
        let columns = TableColumns::new()
            .with_weight("weight")
            .with_timestamp("timestamp")
            .with_session("session")
            .with_duration("duration")
            .with_artist_name("artist_name");
        let opts = TableOptions::new()
            .with_columns(columns)
            .with_format(format)
            .with_mode(mode(o));
        check(artist2vec::data::load_table(&p, &opts));
    }
    std::panic::set_hook(hook);
}

/// A split directory: train.tsv, test.tsv and (when given) validation.tsv.
pub fn split(data: &[u8]) {
    let dir = scratch("split");
    for (name, part) in ["train.tsv", "test.tsv", "validation.tsv"]
        .iter()
        .zip(parts(data, 3))
    {
        if let Some(bytes) = part {
            write(&dir.join(name), bytes);
        }
    }
    check(artist2vec::data::read_split_dir(&dir));
}

/// The umbrella's registry plus the burn models (the umbrella adds them only with its
/// `neural` feature).
fn registry() -> &'static artist2vec::core::Registry {
    static REGISTRY: OnceLock<artist2vec::core::Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut r = artist2vec::registry();
        if r.get("burn-skipgram").is_err() {
            r.extend(artist2vec_neural::registry());
        }
        r
    })
}

/// Writes a model container around `rest`: the first byte picks raw bytes (the file as given)
/// or a well-formed container (the checksum right) with `kind`, the kind's version from the
/// next byte and a configuration and payload cut at [`SEP`], so that the payload decoders are
/// reached.
fn container(path: &Path, o: u8, kind: &str, rest: &[u8]) {
    if o & 1 == 0 {
        write(path, rest);
        return;
    }
    let (v, rest) = options(rest);
    let mut it = rest.splitn(2, |&b| b == SEP);
    let config = String::from_utf8_lossy(it.next().unwrap_or_default()).into_owned();
    let payload = it.next().unwrap_or_default();
    let header = Header {
        kind: kind.to_owned(),
        version: u32::from(v & 3),
        config,
    };
    modelfile::write(path, &header, payload).expect("scratch model file");
}

/// A `.a2vd` dataset file, loaded as `Dataset::load` and through format detection.
pub fn dataset(data: &[u8]) {
    let (o, rest) = options(data);
    let dir = scratch("dataset");
    let p = dir.join("data.a2vd");
    container(&p, o, artist2vec::data::dataset::DATASET_KIND, rest);
    if o & 2 == 0 {
        check(Dataset::load(&p));
    } else {
        check(artist2vec::data::load_any(&p, None, Mode::Strict));
    }
}

/// A model file of any registered kind (burn models included), loaded through the registry,
/// then asked for a few recommendations and neighbours (a model that decodes must also serve).
pub fn model(data: &[u8]) {
    let registry = registry();
    let (o, rest) = options(data);
    let kinds: Vec<&str> = registry.families().map(|f| f.file_kind()).collect();
    let kind = kinds[(o >> 1) as usize % kinds.len()];
    let dir = scratch("model");
    let p = dir.join("model.a2v");
    container(&p, o, kind, rest);
    let Some(m) = check(registry.load(&p)) else {
        return;
    };
    let n_items = m.n_items() as u32;
    for k in [1, 10, usize::MAX] {
        check(m.recommend(&Query::User(0), k, true));
        check(m.recommend(&Query::History(&[(0, 1.0), (n_items / 2, 3.0)]), k, false));
        check(m.similar(0, k));
        check(m.similar(n_items.saturating_sub(1), k));
    }
}

/// Word2vec text or binary vectors, or a `.npy` matrix with its vocabulary file.
pub fn word2vec(data: &[u8]) {
    let (o, rest) = options(data);
    let dir = scratch("word2vec");
    match o % 3 {
        0 | 1 => {
            let p = dir.join("vectors.w2v");
            write(&p, rest);
            let format = if o % 3 == 0 {
                Word2VecFormat::Text
            } else {
                Word2VecFormat::Binary
            };
            check(read_word2vec(&p, format));
        }
        _ => {
            let [npy, vocab] = [0, 1].map(|i| dir.join(["m.npy", "m.vocab"][i]));
            let ps = parts(rest, 2);
            write(&npy, ps[0].unwrap_or_default());
            write(&vocab, ps[1].unwrap_or_default());
            check(read_npy(&npy, &vocab));
        }
    }
}

/// A JSON configuration merged onto a family's defaults and checked (`fit --config`, the
/// `config` command); the first byte picks the family.
pub fn config(data: &[u8]) {
    let registry = registry();
    let (o, rest) = options(data);
    let families: Vec<_> = registry.families().collect();
    let family = families[o as usize % families.len()];
    let json = String::from_utf8_lossy(rest);
    check(family.check_config_json(&json));
}

/// Experiment files of `artist2vec run` (and `tune`): parsed and checked as the command does
/// before any work (JSON shape, sizes against their caps, model names and configurations
/// against the registry).
pub fn experiment(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check(artist2vec_cli::check_experiment_json(&text));
}
