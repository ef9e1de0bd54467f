//! The generator: genres with Zipf popularity, the track catalogue, users' genre mixtures, their
//! sessions (parallel over users, one random stream each), playlists, loves and tags, assembled
//! into a [`Synthetic`].

use artist2vec_core::{Interactions, Play, Sessions, Vocabulary};
use rand::Rng;
use rand::rngs::StdRng;
use rayon::prelude::*;

use super::names::{GENERIC_TAGS, GENRE_NAMES, artist_name, mbid};
use super::random::{apportion, cumulative, exp1, mix, normal, rng_for, sample};
use super::{EmptyPlaylist, SESSION_SEPARATION_SECS, SynthConfig, SynthTracks, Synthetic};
use crate::{ArtistTags, DataError, Dataset, Report};

/// Per-genre samplers: artists of the genre and their cumulative Zipf weights.
struct Genres {
    members: Vec<Vec<u32>>,
    cum: Vec<Vec<f64>>,
    /// Global popularity of each artist (Zipf weight × genre share).
    weight: Vec<f64>,
    /// The planted successor of each artist (empty when `sequential_order` is 0).
    successor: Vec<u32>,
}

impl Genres {
    fn pick(&self, g: usize, rng: &mut StdRng) -> u32 {
        self.members[g][sample(&self.cum[g], rng)]
    }
}

/// Output of one user's generation.
struct UserOut {
    /// (start, first play index, number of plays) per session.
    sessions: Vec<(i64, u32, u32)>,
    tracks: Vec<u32>,
    times: Vec<i64>,
    durations: Vec<u32>,
}

impl Synthetic {
    /// Generates a dataset.
    ///
    /// # Errors
    /// [`DataError::Invalid`] for a bad configuration (see [`SynthConfig::validate`]).
    pub fn generate(config: &SynthConfig) -> Result<Self, DataError> {
        config.validate()?;
        let c = config;
        let seed = c.seed;
        let mut rng = rng_for(seed, 1, 0);

        // Genres and their shares of listening.
        let genres: Vec<String> = (0..c.n_genres)
            .map(|g| match GENRE_NAMES.get(g) {
                Some(n) => (*n).to_owned(),
                None => format!("genre {g}"),
            })
            .collect();
        let genre_share: Vec<f64> = (0..c.n_genres)
            .map(|g| 1.0 / (1.0 + g as f64).powf(0.5))
            .collect();
        let genre_cum = cumulative(&genre_share);

        // Artists: genre (every genre non-empty), popularity rank within the genre.
        let mut artist_genre: Vec<u32> = (0..c.n_artists)
            .map(|a| {
                if a < c.n_genres {
                    a as u32
                } else {
                    sample(&genre_cum, &mut rng) as u32
                }
            })
            .collect();
        // Shuffle so artist ids carry no genre information.
        for i in (1..artist_genre.len()).rev() {
            let j = rng.random_range(0..=i);
            artist_genre.swap(i, j);
        }
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); c.n_genres];
        for (a, &g) in artist_genre.iter().enumerate() {
            members[g as usize].push(a as u32);
        }
        let mut weight = vec![0.0; c.n_artists];
        let mut cum = Vec::with_capacity(c.n_genres);
        for (g, m) in members.iter().enumerate() {
            let w: Vec<f64> = (0..m.len())
                .map(|r| 1.0 / (1.0 + r as f64).powf(c.zipf_exponent))
                .collect();
            let s: f64 = w.iter().sum();
            for (r, &a) in m.iter().enumerate() {
                weight[a as usize] = w[r] / s * genre_share[g];
            }
            cum.push(cumulative(&w));
        }
        let successor = if c.sequential_order > 0.0 {
            planted_successors(&members, c.n_artists, &mut rng_for(seed, 7, 0))
        } else {
            Vec::new()
        };
        let gs = Genres {
            members,
            cum,
            weight,
            successor,
        };

        let mut names_rng = rng_for(seed, 2, 0);
        let artist_names: Vec<String> = (0..c.n_artists)
            .map(|i| artist_name(&mut names_rng, i))
            .collect();
        let artist_mbids: Vec<String> = (0..c.n_artists)
            .map(|i| {
                if mix(seed ^ 0x5EED ^ i as u64) % 10 == 3 {
                    String::new()
                } else {
                    mbid(seed, i)
                }
            })
            .collect();

        // Tracks: contiguous per artist, more for popular artists.
        let per_artist = apportion(
            c.n_tracks,
            &gs.weight.iter().map(|w| w.sqrt()).collect::<Vec<_>>(),
            1,
            &mut rng,
        );
        let mut first_track = Vec::with_capacity(c.n_artists + 1);
        let mut tracks = SynthTracks::default();
        first_track.push(0u32);
        for (a, &n) in per_artist.iter().enumerate() {
            for _ in 0..n {
                tracks.artist.push(a as u32);
                let second = if rng.random::<f64>() < c.multi_artist_tracks {
                    let g = artist_genre[a] as usize;
                    let b = gs.pick(g, &mut rng);
                    if b as usize == a { u32::MAX } else { b }
                } else {
                    u32::MAX
                };
                tracks.second_artist.push(second);
                tracks.duration.push(120 + rng.random_range(0..300));
            }
            first_track.push(tracks.artist.len() as u32);
        }

        // Tags.
        let (tag_vocab, by_artist) = make_tags(c, &genres, &artist_genre, &mut rng_for(seed, 3, 0));

        // Users: genre mixtures and activity.
        let mut user_rng = rng_for(seed, 4, 0);
        let user_genres: Vec<Vec<(u32, f32)>> = (0..c.n_users)
            .map(|_| {
                let k = 1 + user_rng.random_range(0..c.genres_per_user.min(c.n_genres));
                let mut gsel: Vec<u32> = Vec::with_capacity(k);
                while gsel.len() < k {
                    let g = sample(&genre_cum, &mut user_rng) as u32;
                    if !gsel.contains(&g) {
                        gsel.push(g);
                    }
                }
                let w: Vec<f64> = gsel.iter().map(|_| exp1(&mut user_rng) + 0.2).collect();
                let s: f64 = w.iter().sum();
                gsel.iter()
                    .zip(&w)
                    .map(|(&g, &x)| (g, (x / s) as f32))
                    .collect()
            })
            .collect();
        let activity: Vec<f64> = (0..c.n_users)
            .map(|_| normal(&mut user_rng).exp())
            .collect();
        let sessions_per_user = apportion(c.n_sessions, &activity, 1, &mut user_rng);
        // Session lengths (exact total), dealt to users in order.
        let len_w: Vec<f64> = (0..c.n_sessions).map(|_| exp1(&mut user_rng)).collect();
        let lengths = apportion(c.n_plays, &len_w, 1, &mut user_rng);
        let mut len_off = Vec::with_capacity(c.n_users + 1);
        len_off.push(0usize);
        for &k in &sessions_per_user {
            len_off.push(len_off.last().copied().unwrap_or(0) + k);
        }

        let span = c.span_days as i64 * 86_400;
        let outs: Vec<UserOut> = (0..c.n_users)
            .into_par_iter()
            .map(|u| {
                let mut r = rng_for(seed, 5, u as u64);
                gen_user(
                    c,
                    &gs,
                    &tracks,
                    &first_track,
                    &user_genres[u],
                    &lengths[len_off[u]..len_off[u + 1]],
                    span,
                    &mut r,
                )
            })
            .collect();

        // All sessions ordered by start time (then user), numbered from 0.
        let mut order: Vec<(i64, u32, u32)> = Vec::with_capacity(c.n_sessions);
        for (u, o) in outs.iter().enumerate() {
            for k in 0..o.sessions.len() {
                order.push((o.sessions[k].0, u as u32, k as u32));
            }
        }
        order.par_sort_unstable();

        let mut users = Vocabulary::new();
        for u in 0..c.n_users {
            users.insert(u.to_string());
        }
        let mut artists = Vocabulary::new();
        for (a, n) in artist_names.into_iter().enumerate() {
            let ix = artists.insert(a.to_string());
            artists.set_name(ix, n);
        }
        let mut sessions = Sessions::new(users.clone(), artists.clone(), true);
        let mut session_tracks = Vec::with_capacity(c.n_plays);
        for (id, &(_, u, k)) in order.iter().enumerate() {
            let o = &outs[u as usize];
            let (_, first, n) = o.sessions[k as usize];
            let range = first as usize..(first + n) as usize;
            session_tracks.extend_from_slice(&o.tracks[range.clone()]);
            let plays = range.map(|j| Play {
                item: tracks.artist[o.tracks[j] as usize],
                time: o.times[j],
                duration: Some(o.durations[j]),
            });
            sessions.push(id as u64, u, plays)?;
        }
        drop(outs);

        // Playlists and loves.
        let mut prng = rng_for(seed, 6, 0);
        let mut playlists = Sessions::new(users.clone(), artists.clone(), false);
        let mut playlist_tracks = Vec::new();
        let mut empty_playlists = Vec::new();
        let t0 = c.start_time;
        let mut pl_times: Vec<(i64, u32)> = (0..c.n_playlists)
            .map(|_| {
                (
                    t0 + prng.random_range(0..span),
                    prng.random_range(0..c.n_users as u32),
                )
            })
            .collect();
        pl_times.sort_unstable();
        let mut buf = Vec::new();
        for (id, &(time, user)) in pl_times.iter().enumerate() {
            if prng.random::<f64>() < c.empty_playlists {
                empty_playlists.push(EmptyPlaylist {
                    id: id as u64,
                    user,
                    time,
                });
                continue;
            }
            let len = 1 + prng.random_range(0..2 * c.playlist_len.max(1) - 1);
            buf.clear();
            for _ in 0..len {
                let g = pick_genre(&user_genres[user as usize], &mut prng);
                let a = gs.pick(g, &mut prng);
                buf.push(pick_track(&first_track, a, &mut prng));
            }
            playlist_tracks.extend_from_slice(&buf);
            playlists.push(
                id as u64,
                user,
                buf.iter().map(|&t| Play {
                    item: tracks.artist[t as usize],
                    time,
                    duration: None,
                }),
            )?;
        }
        let mut loves = Interactions::new(users, artists, true);
        let mut love_rows: Vec<(i64, u32, u32)> = (0..c.n_loves)
            .map(|_| {
                let user = prng.random_range(0..c.n_users as u32);
                let g = pick_genre(&user_genres[user as usize], &mut prng);
                let a = gs.pick(g, &mut prng);
                (
                    t0 + prng.random_range(0..span),
                    user,
                    pick_track(&first_track, a, &mut prng),
                )
            })
            .collect();
        love_rows.sort_unstable();
        let mut love_tracks = Vec::with_capacity(love_rows.len());
        for &(time, user, t) in &love_rows {
            loves.push(user, tracks.artist[t as usize], 1.0, Some(time));
            love_tracks.push(t);
        }

        let mut report = Report::new();
        report.drop_rows("empty playlist", empty_playlists.len() as u64);
        let mut dataset =
            Dataset::from_sessions(format!("synthetic:seed={seed}"), sessions, report);
        dataset.playlists = Some(playlists);
        dataset.loves = Some(loves);
        dataset.tags = Some(ArtistTags {
            tags: tag_vocab,
            by_artist,
        });
        Ok(Self {
            config: c.clone(),
            artist_successor: gs.successor,
            dataset,
            genres,
            artist_genre,
            user_genres,
            tracks,
            artist_mbids,
            session_tracks,
            playlist_tracks,
            love_tracks,
            empty_playlists,
        })
    }

    /// The sessions (always present in generated data).
    ///
    /// # Panics
    /// Never for data made by [`Synthetic::generate`].
    pub fn sessions(&self) -> &Sessions {
        self.dataset
            .sessions
            .as_ref()
            .expect("generated data has sessions")
    }
}

fn pick_genre(mixture: &[(u32, f32)], rng: &mut StdRng) -> usize {
    let x: f32 = rng.random::<f32>();
    let mut acc = 0.0;
    for &(g, w) in mixture {
        acc += w;
        if x < acc {
            return g as usize;
        }
    }
    mixture.last().map_or(0, |m| m.0 as usize)
}

/// A track of artist `a`, favouring its first (most popular) tracks.
fn pick_track(first_track: &[u32], a: u32, rng: &mut StdRng) -> u32 {
    let (lo, hi) = (first_track[a as usize], first_track[a as usize + 1]);
    let n = (hi - lo) as f64;
    let u: f64 = rng.random();
    lo + ((u * u * n) as u32).min(hi - lo - 1)
}

#[allow(clippy::too_many_arguments)]
fn gen_user(
    c: &SynthConfig,
    gs: &Genres,
    tracks: &SynthTracks,
    first_track: &[u32],
    mixture: &[(u32, f32)],
    lengths: &[usize],
    span: i64,
    rng: &mut StdRng,
) -> UserOut {
    let n_plays: usize = lengths.iter().sum();
    let mut out = UserOut {
        sessions: Vec::with_capacity(lengths.len()),
        tracks: Vec::with_capacity(n_plays),
        times: Vec::with_capacity(n_plays),
        durations: Vec::with_capacity(n_plays),
    };
    // Candidate starts, uniform over the span, sorted; pushed later when a session runs long.
    let mut starts: Vec<i64> = lengths.iter().map(|_| rng.random_range(0..span)).collect();
    starts.sort_unstable();
    let mut history: Vec<u32> = Vec::with_capacity(n_plays);
    let mut earliest = i64::MIN;
    for (k, &len) in lengths.iter().enumerate() {
        let mut t = (c.start_time + starts[k]).max(earliest);
        let first = out.tracks.len() as u32;
        let mut genre = pick_genre(mixture, rng);
        let mut prev: Option<u32> = None;
        for _ in 0..len {
            let planted = match prev {
                Some(p) if c.sequential_order > 0.0 => (rng.random::<f64>() < c.sequential_order)
                    .then(|| gs.successor[tracks.artist[p as usize] as usize]),
                _ => None,
            };
            let x: f64 = rng.random();
            let track = if let Some(a) = planted {
                pick_track(first_track, a, rng)
            } else {
                match prev {
                    Some(p) if x < c.repeat_track => p,
                    Some(p) if x < c.repeat_track + c.same_artist => {
                        pick_track(first_track, tracks.artist[p as usize], rng)
                    }
                    _ if x < c.repeat_track + c.same_artist + c.favorite && !history.is_empty() => {
                        let a = history[rng.random_range(0..history.len())];
                        pick_track(first_track, a, rng)
                    }
                    _ => {
                        if rng.random::<f64>() < c.drift {
                            genre = if rng.random::<f64>() < 0.1 {
                                rng.random_range(0..gs.members.len())
                            } else {
                                pick_genre(mixture, rng)
                            };
                        }
                        pick_track(first_track, gs.pick(genre, rng), rng)
                    }
                }
            };
            let full = tracks.duration[track as usize];
            let dur = if rng.random::<f64>() < c.short_play {
                1 + rng.random_range(0..29)
            } else if rng.random::<f64>() < 0.2 {
                30 + rng.random_range(0..full - 29)
            } else {
                full
            };
            out.tracks.push(track);
            out.times.push(t);
            out.durations.push(dur);
            history.push(tracks.artist[track as usize]);
            t += dur as i64 + rng.random_range(0..6);
            prev = Some(track);
        }
        let start = out.times[first as usize];
        out.sessions.push((start, first, len as u32));
        earliest = t + SESSION_SEPARATION_SECS + rng.random_range(0..600);
    }
    out
}

/// The planted order: within each genre, its artists in a seeded random order form one cycle;
/// `successor[a]` is the artist after `a` (itself in a genre of one artist).
fn planted_successors(members: &[Vec<u32>], n_artists: usize, rng: &mut StdRng) -> Vec<u32> {
    let mut successor: Vec<u32> = (0..n_artists as u32).collect();
    for m in members {
        let mut order = m.clone();
        for i in (1..order.len()).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        for (k, &a) in order.iter().enumerate() {
            successor[a as usize] = order[(k + 1) % order.len()];
        }
    }
    successor
}

fn make_tags(
    c: &SynthConfig,
    genres: &[String],
    artist_genre: &[u32],
    rng: &mut StdRng,
) -> (Vocabulary, Vec<Vec<u32>>) {
    let mut vocab = Vocabulary::new();
    if c.n_tags == 0 {
        return (vocab, vec![Vec::new(); artist_genre.len()]);
    }
    let n_generic = (c.n_tags / 5).min(c.n_tags - c.n_genres);
    let per_genre = (c.n_tags - n_generic) / c.n_genres;
    let n_genre_tags = per_genre * c.n_genres;
    let n_generic = c.n_tags - n_genre_tags;
    let forms = [
        "{}",
        "best of {}",
        "{} classics",
        "{} música",
        "{} vibes",
        "{} forever",
    ];
    let mut id = 0usize;
    for g in genres {
        for j in 0..per_genre {
            let name = match forms.get(j) {
                Some(f) => f.replace("{}", g),
                None => format!("{g} {j}"),
            };
            let ix = vocab.insert(id.to_string());
            vocab.set_name(ix, name);
            id += 1;
        }
    }
    for j in 0..n_generic {
        let name = match GENERIC_TAGS.get(j) {
            Some(n) => (*n).to_owned(),
            None => format!("tag {j}"),
        };
        let ix = vocab.insert(id.to_string());
        vocab.set_name(ix, name);
        id += 1;
    }
    let by_artist = artist_genre
        .iter()
        .map(|&g| {
            if rng.random::<f64>() < 0.1 {
                return Vec::new();
            }
            let k = 1 + rng.random_range(0..c.tags_per_artist.max(1));
            let mut v: Vec<u32> = (0..k)
                .map(|_| {
                    if rng.random::<f64>() < c.tag_noise || per_genre == 0 {
                        rng.random_range(0..c.n_tags as u32)
                    } else {
                        (g as usize * per_genre + rng.random_range(0..per_genre)) as u32
                    }
                })
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    (vocab, by_artist)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_counts_and_determinism() {
        let cfg = SynthConfig::tiny().with_seed(3);
        let a = Synthetic::generate(&cfg).unwrap();
        let b = Synthetic::generate(&cfg).unwrap();
        assert_eq!(a, b);
        let s = a.sessions();
        assert_eq!(s.len(), cfg.n_sessions);
        assert_eq!(s.n_plays(), cfg.n_plays);
        assert_eq!(a.dataset.users().len(), cfg.n_users);
        assert_eq!(a.dataset.artists().len(), cfg.n_artists);
        assert_eq!(a.tracks.len(), cfg.n_tracks);
        assert_eq!(a.session_tracks.len(), cfg.n_plays);
        let other = Synthetic::generate(&cfg.clone().with_seed(4)).unwrap();
        assert_ne!(a.sessions(), other.sessions());
        // Every user has a session.
        let mut seen = vec![false; cfg.n_users];
        for r in s.iter() {
            seen[r.user as usize] = true;
        }
        assert!(seen.iter().all(|&x| x));
        // Sessions ordered by start.
        assert!(
            s.iter()
                .zip(s.iter().skip(1))
                .all(|(x, y)| x.start() <= y.start())
        );
        let pl = a.dataset.playlists.as_ref().unwrap();
        assert_eq!(pl.len() + a.empty_playlists.len(), cfg.n_playlists);
        assert_eq!(a.dataset.loves.as_ref().unwrap().len(), cfg.n_loves);
    }

    #[test]
    fn same_result_with_one_thread() {
        let cfg = SynthConfig::tiny().with_seed(11);
        let many = Synthetic::generate(&cfg).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let one = pool.install(|| Synthetic::generate(&cfg)).unwrap();
        assert_eq!(many, one);
    }

    #[test]
    fn planted_order_follows_the_successor_cycle() {
        let off = Synthetic::generate(&SynthConfig::tiny().with_seed(5)).unwrap();
        assert!(off.artist_successor.is_empty());
        let cfg = SynthConfig::tiny().with_seed(5).with_sequential_order(0.6);
        let on = Synthetic::generate(&cfg).unwrap();
        assert_eq!(on, Synthetic::generate(&cfg).unwrap(), "seeded");
        let succ = &on.artist_successor;
        assert_eq!(succ.len(), cfg.n_artists);
        // The successor stays in the genre, and every genre is one cycle.
        for (a, &b) in succ.iter().enumerate() {
            assert_eq!(on.artist_genre[a], on.artist_genre[b as usize]);
        }
        let mut in_deg = vec![0; cfg.n_artists];
        for &b in succ {
            in_deg[b as usize] += 1;
        }
        assert!(in_deg.iter().all(|&d| d == 1), "a permutation");
        // Share of consecutive plays that follow the planted order: about 0.6 (plus chance)
        // with the option, near chance without it.
        let share = |d: &Synthetic, succ: &[u32]| {
            let (mut hit, mut n) = (0usize, 0usize);
            for s in d.sessions().iter() {
                for w in s.items.windows(2) {
                    n += 1;
                    hit += usize::from(succ[w[0] as usize] == w[1]);
                }
            }
            hit as f64 / n as f64
        };
        let with = share(&on, succ);
        let without = share(&off, succ);
        assert!(with > 0.55 && with < 0.75, "planted share {with}");
        assert!(without < 0.1, "chance share {without}");
    }

    #[test]
    fn partial_json_config_fills_in_defaults() {
        let c: SynthConfig = serde_json::from_str(r#"{"seed": 7, "n_users": 500}"#).unwrap();
        assert_eq!(c, SynthConfig::small().with_seed(7).with_users(500));
        let back: SynthConfig = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn bad_configs_fail_fast() {
        assert!(SynthConfig::tiny().with_tracks(10).validate().is_err());
        assert!(SynthConfig::tiny().with_drift(1.5).validate().is_err());
        assert!(SynthConfig::tiny().with_sessions(5).validate().is_err());
        assert!(SynthConfig::tiny().with_plays(10).validate().is_err());
        assert!(SynthConfig::tiny().with_users(0).validate().is_err());
        assert!(SynthConfig::tiny().validate().is_ok());
        assert!(SynthConfig::full_30music().validate().is_ok());
    }
}
