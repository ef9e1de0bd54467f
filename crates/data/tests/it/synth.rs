//! The generator: planted structure, and exact round trips through every writer and loader.

use artist2vec_data::synth::{MpdSource, SynthConfig, Synthetic, read_ground_truth};
use artist2vec_data::{
    ArtistPolicy, HetrecOptions, IdomaarOptions, LastFm1kOptions, MpdOptions, TableFormat,
    TableOptions, load_hetrec, load_idomaar, load_lastfm1k, load_mpd, load_table,
};

use crate::common::{canonical, temp_dir};

fn by_name(v: &artist2vec_core::Vocabulary) -> impl Fn(u32) -> String + '_ {
    move |i| v.name(i).to_owned()
}

fn tiny(seed: u64) -> Synthetic {
    Synthetic::generate(&SynthConfig::tiny().with_seed(seed)).unwrap()
}

#[test]
fn idomaar_roundtrip_is_exact() {
    let syn =
        Synthetic::generate(&SynthConfig::tiny().with_seed(1).with_empty_playlists(0.3)).unwrap();
    let dir = temp_dir("synth-idomaar");
    syn.write_idomaar(&dir).unwrap();
    // Small chunks: many parallel blocks, same result.
    let d = load_idomaar(&dir, &IdomaarOptions::new().with_chunk_bytes(997)).unwrap();
    assert_eq!(d.sessions, syn.dataset.sessions);
    assert_eq!(d.interactions, syn.dataset.interactions);
    assert_eq!(d.playlists, syn.dataset.playlists);
    assert_eq!(d.loves, syn.dataset.loves);
    assert_eq!(d.tags, syn.dataset.tags);
    assert_eq!(d.report.skipped.len(), 0);
    assert_eq!(
        d.report.dropped.get("empty playlist").copied().unwrap_or(0),
        syn.empty_playlists.len() as u64
    );
    assert!(
        !syn.empty_playlists.is_empty(),
        "the tiny config plants empty playlists"
    );
    assert_eq!(d.report.dropped, syn.dataset.report.dropped);
    assert_eq!(
        d.report.lines_read[&dir.join("sessions.idomaar").display().to_string()],
        syn.config.n_sessions as u64
    );
    assert_eq!(
        d.report.lines_read[&dir.join("tracks.idomaar").display().to_string()],
        syn.config.n_tracks as u64
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn idomaar_all_artists_credits_featured_artists() {
    let syn = Synthetic::generate(
        &SynthConfig::tiny()
            .with_seed(2)
            .with_multi_artist_tracks(0.5),
    )
    .unwrap();
    let dir = temp_dir("synth-idomaar-all");
    syn.write_idomaar(&dir).unwrap();
    let d = load_idomaar(&dir, &IdomaarOptions::new().with_artists(ArtistPolicy::All)).unwrap();
    let expected: usize = syn
        .session_tracks
        .iter()
        .map(|&t| syn.tracks.artists(t).count())
        .sum();
    assert!(
        expected > syn.config.n_plays,
        "some tracks have two artists"
    );
    let s = d.sessions.as_ref().unwrap();
    assert_eq!(s.n_plays(), expected);
    assert_eq!(s.len(), syn.config.n_sessions);
    // Each play of a two-artist track became two plays at the same time, first artist first.
    let first = s.get(0);
    let t0 = syn.session_tracks[0];
    let arts: Vec<u32> = syn.tracks.artists(t0).collect();
    assert_eq!(&first.items[..arts.len()], &arts[..]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lastfm1k_roundtrip_recovers_sessions() {
    let syn = tiny(3);
    let dir = temp_dir("synth-lastfm");
    let path = dir.join("plays.tsv");
    syn.write_lastfm1k(&path).unwrap();
    let d = load_lastfm1k(&path, &LastFm1kOptions::new().with_chunk_bytes(1500)).unwrap();
    let s = d.sessions.as_ref().unwrap();
    assert_eq!(d.users().len(), syn.config.n_users);
    assert_eq!(s.len(), syn.config.n_sessions);
    assert_eq!(s.n_plays(), syn.config.n_plays);
    // Every artist that was played, keyed by MBID or (when empty) by name.
    let played: std::collections::BTreeSet<u32> =
        syn.sessions().play_items().iter().copied().collect();
    assert_eq!(d.artists().len(), played.len());
    assert_eq!(
        canonical(s, by_name(d.artists()), false),
        canonical(syn.sessions(), by_name(syn.dataset.artists()), false)
    );
    // Artists without MBID are keyed by their name.
    let a = syn.artist_mbids.iter().position(String::is_empty).unwrap() as u32;
    if played.contains(&a) {
        let name = syn.dataset.artists().name(a);
        assert_eq!(d.artists().name(d.artists().get(name).unwrap()), name);
    }
    // A shorter gap cuts more sessions; a huge one merges each user's plays.
    let one = load_lastfm1k(
        &path,
        &LastFm1kOptions::new().with_session_gap_secs(i64::MAX / 4),
    )
    .unwrap();
    assert_eq!(one.sessions.unwrap().len(), syn.config.n_users);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hetrec_roundtrip_is_exact() {
    let syn = tiny(4);
    let dir = temp_dir("synth-hetrec");
    let n_friends = syn.write_hetrec(&dir).unwrap();
    let h = load_hetrec(&dir, &HetrecOptions::new()).unwrap();
    let expected = syn.sessions().to_counts();
    assert_eq!(h.dataset.interactions, expected);
    assert_eq!(h.dataset.users().len(), syn.config.n_users);
    assert_eq!(h.dataset.artists().len(), syn.config.n_artists);
    assert_eq!(h.dataset.n_plays(), syn.config.n_plays as u64);
    assert_eq!(
        h.dataset.tags, syn.dataset.tags,
        "tags.dat (ISO-8859-1) and user_taggedartists.dat"
    );
    assert_eq!(h.friends.as_ref().unwrap().len(), n_friends);
    assert!(h.dataset.report.dropped.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mpd_roundtrip_from_playlists_and_sessions() {
    let syn = tiny(5);
    let dir = temp_dir("synth-mpd");
    let files = syn
        .write_mpd(&dir.join("pl"), 4, MpdSource::Playlists)
        .unwrap();
    assert_eq!(files.len(), syn.config.n_playlists.div_ceil(4));
    let d = load_mpd(&dir.join("pl"), &MpdOptions::new()).unwrap();
    let pl = syn.dataset.playlists.as_ref().unwrap();
    let s = d.sessions.as_ref().unwrap();
    assert_eq!(s.len(), pl.len());
    assert_eq!(s.n_plays(), pl.n_plays());
    assert_eq!(d.users().len(), pl.len(), "one user per playlist");
    let in_playlists: std::collections::BTreeSet<u32> = pl.play_items().iter().copied().collect();
    assert_eq!(d.artists().len(), in_playlists.len());
    assert_eq!(
        d.report.dropped["empty playlist"],
        syn.empty_playlists.len() as u64
    );
    for (a, b) in s.iter().zip(pl.iter()) {
        assert_eq!(a.id, b.id);
        assert_eq!(s.users.id(a.user), a.id.to_string(), "user = pid");
        assert_eq!(a.times, b.times);
        let names_a: Vec<&str> = a.items.iter().map(|&i| s.items.name(i)).collect();
        let names_b: Vec<&str> = b.items.iter().map(|&i| pl.items.name(i)).collect();
        assert_eq!(names_a, names_b);
    }
    // From sessions, durations survive too (duration_ms / 1000).
    syn.write_mpd(&dir.join("se"), 25, MpdSource::Sessions)
        .unwrap();
    let d = load_mpd(&dir.join("se"), &MpdOptions::new()).unwrap();
    let s = d.sessions.as_ref().unwrap();
    let orig = syn.sessions();
    assert_eq!(s.len(), orig.len());
    for (a, b) in s.iter().zip(orig.iter()) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.durations, b.durations);
        assert!(a.times.iter().all(|&t| t == b.start()));
        assert_eq!(a.items.len(), b.items.len());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn table_roundtrip_in_csv_tsv_and_parquet() {
    let syn = tiny(6);
    let dir = temp_dir("synth-table");
    let want = canonical(
        syn.sessions(),
        |i| syn.dataset.artists().id(i).to_owned(),
        true,
    );
    for (file, fmt) in [
        ("p.csv", TableFormat::Csv),
        ("p.tsv", TableFormat::Tsv),
        ("p.parquet", TableFormat::Parquet),
    ] {
        let path = dir.join(file);
        syn.write_table(&path, fmt).unwrap();
        let d = load_table(
            &path,
            &TableOptions::new().with_columns(Synthetic::table_columns()),
        )
        .unwrap();
        let s = d.sessions.as_ref().unwrap();
        assert_eq!(s.len(), syn.config.n_sessions, "{file}");
        assert_eq!(s.n_plays(), syn.config.n_plays, "{file}");
        assert_eq!(d.interactions.len(), syn.config.n_plays, "{file}");
        assert_eq!(d.users().len(), syn.config.n_users, "{file}");
        let played: std::collections::BTreeSet<u32> =
            syn.sessions().play_items().iter().copied().collect();
        assert_eq!(d.artists().len(), played.len(), "{file}");
        let got = canonical(s, |i| s.items.id(i).to_owned(), true);
        assert_eq!(got, want, "{file}");
        // Names (some with commas and quotes in CSV) come back from the artist_name column.
        for i in 0..d.artists().len() as u32 {
            let id = d.artists().id(i);
            let orig = syn.dataset.artists().get(id).unwrap();
            assert_eq!(
                d.artists().name(i),
                syn.dataset.artists().name(orig),
                "{file}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ground_truth_roundtrip_and_write_all() {
    let syn = tiny(7);
    let dir = temp_dir("synth-all");
    let paths = syn.write_all(&dir).unwrap();
    let gt = read_ground_truth(&paths.ground_truth).unwrap();
    assert_eq!(gt.len(), syn.config.n_artists);
    for (a, (id, genre)) in gt.iter().enumerate() {
        assert_eq!(id, syn.dataset.artists().id(a as u32));
        assert_eq!(genre, &syn.genres[syn.artist_genre[a] as usize]);
    }
    for p in [&paths.lastfm1k, &paths.csv, &paths.tsv, &paths.parquet] {
        assert!(std::fs::metadata(p).unwrap().len() > 0, "{}", p.display());
    }
    assert!(paths.idomaar.join("sessions.idomaar").is_file());
    assert!(paths.hetrec.join("user_artists.dat").is_file());
    assert!(paths.mpd.read_dir().unwrap().count() >= 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The share of consecutive plays (different artists) that stay within one genre.
fn same_genre_share(syn: &Synthetic) -> f64 {
    let (mut same, mut all) = (0usize, 0usize);
    for s in syn.sessions().iter() {
        for w in s.items.windows(2) {
            if w[0] != w[1] {
                all += 1;
                same +=
                    usize::from(syn.artist_genre[w[0] as usize] == syn.artist_genre[w[1] as usize]);
            }
        }
    }
    same as f64 / all as f64
}

#[test]
fn planted_structure_is_there() {
    let syn = Synthetic::generate(&SynthConfig::small().with_seed(9)).unwrap();
    let c = &syn.config;
    let s = syn.sessions();
    // Sessions stay in a genre far more often than chance (1 / n_genres = 0.1).
    let share = same_genre_share(&syn);
    assert!(share > 0.6, "same-genre share {share}");
    // Short plays below 30 s, at about the configured rate.
    let durs: Vec<u32> = s
        .iter()
        .flat_map(|r| r.durations.unwrap().to_vec())
        .collect();
    let short = durs.iter().filter(|&&d| d < 30).count() as f64 / durs.len() as f64;
    assert!((short - c.short_play).abs() < 0.01, "short share {short}");
    // Consecutive repeats of the same track, hence of the same artist.
    let mut rep = 0;
    for (i, r) in s.iter().enumerate() {
        let off = s.offsets()[i];
        rep += (1..r.len())
            .filter(|&j| syn.session_tracks[off + j] == syn.session_tracks[off + j - 1])
            .count();
    }
    // At least the planted straight repeats; more come from same-artist and favourite picks.
    let rep_share = rep as f64 / (c.n_plays - c.n_sessions) as f64;
    assert!(
        rep_share > 0.8 * c.repeat_track && rep_share < 0.2,
        "repeat share {rep_share}"
    );
    // Zipf: the most played artist of a genre is played far more than the genre's median.
    let counts = syn.dataset.interactions.item_weights();
    let mut g0: Vec<f64> = (0..c.n_artists)
        .filter(|&a| syn.artist_genre[a] == 0)
        .map(|a| counts[a])
        .collect();
    g0.sort_by(|a, b| b.total_cmp(a));
    assert!(
        g0[0] > 20.0 * g0[g0.len() / 2].max(1.0),
        "top {} median {}",
        g0[0],
        g0[g0.len() / 2]
    );
    // Tags follow genres: most tags of an artist are tags of its genre.
    let tags = syn.dataset.tags.as_ref().unwrap();
    let per_genre = (c.n_tags - c.n_tags / 5) / c.n_genres;
    let (mut own, mut all) = (0, 0);
    for (a, v) in tags.by_artist.iter().enumerate() {
        for &t in v {
            all += 1;
            own += usize::from(t as usize / per_genre == syn.artist_genre[a] as usize);
        }
    }
    assert!(own as f64 / all as f64 > 0.8, "own-genre tags {own}/{all}");
    // Users listen mostly to their own genres.
    let mut in_mix = 0;
    for r in s.iter() {
        let mix = &syn.user_genres[r.user as usize];
        in_mix += r
            .items
            .iter()
            .filter(|&&a| mix.iter().any(|m| m.0 == syn.artist_genre[a as usize]))
            .count();
    }
    assert!(in_mix as f64 / c.n_plays as f64 > 0.85);
    // Times span about 14 months.
    let (lo, hi) = s.time_range().unwrap();
    assert!(lo >= c.start_time);
    assert!((hi - lo) as f64 > 0.9 * c.span_days as f64 * 86_400.0);
    // Loves and playlists follow the users' genres as well.
    let loves = syn.dataset.loves.as_ref().unwrap();
    let lm = loves
        .iter()
        .filter(|r| {
            syn.user_genres[r.user as usize]
                .iter()
                .any(|m| m.0 == syn.artist_genre[r.item as usize])
        })
        .count();
    assert!(lm as f64 / loves.len() as f64 > 0.9);
}

#[test]
fn genre_drift_is_configurable() {
    let still = Synthetic::generate(
        &SynthConfig::tiny()
            .with_seed(12)
            .with_drift(0.0)
            .with_favorite(0.0)
            .with_genres_per_user(1),
    )
    .unwrap();
    assert_eq!(
        same_genre_share(&still),
        1.0,
        "no drift, one genre per user"
    );
    let moving = Synthetic::generate(
        &SynthConfig::tiny()
            .with_seed(12)
            .with_drift(1.0)
            .with_genres_per_user(2),
    )
    .unwrap();
    assert!(same_genre_share(&moving) < 0.95);
}
