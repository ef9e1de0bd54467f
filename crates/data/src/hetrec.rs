//! The HetRec 2011 Last.fm-2K dataset (`hetrec2011-lastfm-2k/`).
//!
//! | file | columns | notes |
//! |---|---|---|
//! | `user_artists.dat` (required) | `userID\tartistID\tweight` | weight = plays; header line, CRLF |
//! | `artists.dat` | `id\tname\turl\tpictureURL` | UTF-8; gives the artist vocabulary and names |
//! | `tags.dat` | `tagID\ttagValue` | ISO-8859-1, CRLF |
//! | `user_taggedartists.dat` | `userID\tartistID\ttagID\tday\tmonth\tyear` | artist tags (absent from some copies) |
//! | `user_friends.dat` | `userID\tfriendID` | the social graph |
//!
//! Ids keep their raw string form in the vocabularies (`"707"`), so results can be joined with
//! other tools; they must still be integers. A first line whose first field is not an integer is
//! taken as the header.

use std::path::Path;

use artist2vec_core::{Interactions, Vocabulary};
use serde::{Deserialize, Serialize};

use crate::lines::{self, LineReader, TextEncoding};
use crate::{ArtistTags, DataError, Dataset, Mode, Report};

/// How to read a hetrec directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HetrecOptions {
    /// Strict (first bad line is an error) or lenient (bad lines skipped and counted).
    pub mode: Mode,
}

impl HetrecOptions {
    /// Strict mode.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the mode.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }
}

/// A loaded hetrec directory: the dataset and, when `user_friends.dat` is present, the friend
/// pairs as dense user indices (in file order, as listed: each friendship usually twice).
#[derive(Debug, Clone, PartialEq)]
pub struct Hetrec {
    /// Interactions (user, artist, play count; no times), artist names, tags.
    pub dataset: Dataset,
    /// `(user, friend)` pairs, when `user_friends.dat` is present.
    pub friends: Option<Vec<(u32, u32)>>,
}

/// Loads a hetrec2011-lastfm-2k directory.
///
/// The artist vocabulary is `artists.dat` in file order (names from its second column); the
/// user vocabulary holds the users of `user_artists.dat` in order of appearance. `tags.dat` gives
/// the tag vocabulary (decoded from ISO-8859-1) and `user_taggedartists.dat`, when present, the
/// tags of each artist. Counted in the report's drops, not errors: tag assignments and friend pairs
/// that name an artist, tag or user the other files do not define.
///
/// # Errors
/// [`DataError::Io`] for an unreadable or missing `user_artists.dat`; [`DataError::Empty`] for a
/// file without data rows (strict mode); [`DataError::Parse`] naming file:line for the first bad
/// line (strict mode): a missing field, a non-integer id, a weight that is not a non-negative
/// number, invalid UTF-8, a duplicate artist or tag id, or (when `artists.dat` exists) an artist
/// of `user_artists.dat` that it does not define.
///
/// # Example
///
/// ```
/// use artist2vec_data::synth::{SynthConfig, Synthetic};
/// use artist2vec_data::{load_hetrec, HetrecOptions};
///
/// let syn = Synthetic::generate(&SynthConfig::tiny())?;
/// let dir = std::env::temp_dir().join(format!("a2v-doc-hetrec-{}", std::process::id()));
/// syn.write_hetrec(&dir)?;
/// let h = load_hetrec(&dir, &HetrecOptions::new())?;
/// // user_artists.dat holds play counts per (user, artist).
/// assert_eq!(h.dataset.interactions, syn.sessions().to_counts());
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), artist2vec_data::DataError>(())
/// ```
pub fn load_hetrec(dir: &Path, options: &HetrecOptions) -> Result<Hetrec, DataError> {
    let mode = options.mode;
    let mut report = Report::new();

    let artists_path = dir.join("artists.dat");
    let have_artists = artists_path.is_file();
    let mut artists = Vocabulary::new();
    if have_artists {
        read_dat(
            &artists_path,
            TextEncoding::Utf8,
            mode,
            &mut report,
            "id\\tname\\turl\\tpictureURL",
            2,
            |n, f| {
                let id = int_field(&artists_path, n, f[0], "id", 1)?;
                if artists.get(id).is_some() {
                    return Err(dup(&artists_path, n, "artist", id));
                }
                let ix = artists.insert_str(id);
                if !f[1].is_empty() {
                    artists.set_name(ix, f[1]);
                }
                Ok(())
            },
        )?;
    }

    let tags_path = dir.join("tags.dat");
    let have_tags = tags_path.is_file();
    let mut tags = Vocabulary::new();
    if have_tags {
        read_dat(
            &tags_path,
            TextEncoding::Latin1,
            mode,
            &mut report,
            "tagID\\ttagValue",
            2,
            |n, f| {
                let id = int_field(&tags_path, n, f[0], "tagID", 1)?;
                if tags.get(id).is_some() {
                    return Err(dup(&tags_path, n, "tag", id));
                }
                let ix = tags.insert_str(id);
                tags.set_name(ix, f[1]);
                Ok(())
            },
        )?;
    }

    let ua_path = dir.join("user_artists.dat");
    let mut inter = Interactions::new(Vocabulary::new(), artists, false);
    read_dat(
        &ua_path,
        TextEncoding::Utf8,
        mode,
        &mut report,
        "userID\\tartistID\\tweight",
        3,
        |n, f| {
            let uid = int_field(&ua_path, n, f[0], "userID", 1)?;
            let aid = int_field(&ua_path, n, f[1], "artistID", 2)?;
            let w = f[2]
            .parse::<f32>()
            .ok()
            .filter(|w| w.is_finite() && *w >= 0.0)
            .ok_or_else(|| {
                DataError::parse(
                    &ua_path,
                    n,
                    format!(
                        "bad number: weight {} in field 3 is not a non-negative number (expected a play count)",
                        lines::excerpt(f[2].as_bytes())
                    ),
                )
            })?;
            let a = match inter.items.get(aid) {
                Some(a) => a,
                None if !have_artists => inter.items.insert_str(aid),
                None => {
                    return Err(DataError::parse(
                        &ua_path,
                        n,
                        format!(
                            "unknown artist: artistID {aid} is not in {} (expected an id defined there)",
                            artists_path.display()
                        ),
                    ));
                }
            };
            let u = inter.users.insert_str(uid);
            inter
                .try_push(u, a, w, None)
                .map_err(|e| DataError::parse(&ua_path, n, e.to_string()))?;
            Ok(())
        },
    )?;

    let ta_path = dir.join("user_taggedartists.dat");
    let have_ta = ta_path.is_file();
    let mut by_artist = vec![Vec::new(); inter.items.len()];
    if have_ta {
        let (mut no_artist, mut no_tag) = (0u64, 0u64);
        read_dat(
            &ta_path,
            TextEncoding::Utf8,
            mode,
            &mut report,
            "userID\\tartistID\\ttagID\\tday\\tmonth\\tyear",
            3,
            |n, f| {
                int_field(&ta_path, n, f[0], "userID", 1)?;
                let aid = int_field(&ta_path, n, f[1], "artistID", 2)?;
                let tid = int_field(&ta_path, n, f[2], "tagID", 3)?;
                let Some(a) = inter.items.get(aid) else {
                    no_artist += 1;
                    return Ok(());
                };
                let t = match tags.get(tid) {
                    Some(t) => t,
                    None if !have_tags => tags.insert_str(tid),
                    None => {
                        no_tag += 1;
                        return Ok(());
                    }
                };
                by_artist[a as usize].push(t);
                Ok(())
            },
        )?;
        report.drop_rows("tag assignment of an unknown artist", no_artist);
        report.drop_rows("tag assignment of an unknown tag", no_tag);
        for v in &mut by_artist {
            v.sort_unstable();
            v.dedup();
        }
    }

    let uf_path = dir.join("user_friends.dat");
    let friends = if uf_path.is_file() {
        let mut pairs = Vec::new();
        let mut unknown = 0u64;
        read_dat(
            &uf_path,
            TextEncoding::Utf8,
            mode,
            &mut report,
            "userID\\tfriendID",
            2,
            |n, f| {
                let a = int_field(&uf_path, n, f[0], "userID", 1)?;
                let b = int_field(&uf_path, n, f[1], "friendID", 2)?;
                match (inter.users.get(a), inter.users.get(b)) {
                    (Some(a), Some(b)) => pairs.push((a, b)),
                    _ => unknown += 1,
                }
                Ok(())
            },
        )?;
        report.drop_rows("friend pair with an unknown user", unknown);
        Some(pairs)
    } else {
        None
    };

    let mut dataset = Dataset::from_interactions(
        format!("hetrec2011-lastfm-2k:{}", dir.display()),
        inter,
        report,
    );
    if have_tags || have_ta {
        by_artist.resize(dataset.interactions.items.len(), Vec::new());
        dataset.tags = Some(ArtistTags { tags, by_artist });
    }
    Ok(Hetrec { dataset, friends })
}

/// Reads a tab-separated `.dat` file with an optional header; `row` gets the line number and at
/// least `min_fields` fields (at most 8; further fields stay joined in the last one).
fn read_dat(
    path: &Path,
    encoding: TextEncoding,
    mode: Mode,
    report: &mut Report,
    columns: &str,
    min_fields: usize,
    mut row: impl FnMut(u64, &[&str]) -> Result<(), DataError>,
) -> Result<u64, DataError> {
    let mut r = LineReader::open(path, encoding)?;
    let mut records = 0u64;
    let mut first = true;
    loop {
        let (n, line) = match r.next_line() {
            Ok(Some(x)) => x,
            Ok(None) => break,
            Err(e @ DataError::Parse { .. }) => {
                records += 1;
                first = false;
                report.bad_line(mode, e)?;
                continue;
            }
            Err(e) => return Err(e),
        };
        if line.trim().is_empty() {
            continue;
        }
        let mut f: [&str; 8] = [""; 8];
        let mut k = 0;
        for (slot, s) in f.iter_mut().zip(line.splitn(8, '\t')) {
            *slot = s;
            k += 1;
        }
        if first {
            first = false;
            if lines::parse_u64(f[0].trim().as_bytes()).is_none() {
                continue; // the header
            }
        }
        records += 1;
        let res = if k < min_fields {
            Err(DataError::parse(
                path,
                n,
                format!(
                    "missing field: expected {min_fields} or more tab-separated fields ({columns}), found {k}"
                ),
            ))
        } else {
            row(n, &f[..k])
        };
        if let Err(e) = res {
            report.bad_line(mode, e)?;
        }
    }
    lines::count_lines(report, path, r.line_number());
    if records == 0 {
        lines::empty_file(report, mode, path, &format!("rows of {columns}"))?;
    }
    Ok(records)
}

fn int_field<'a>(
    path: &Path,
    n: u64,
    s: &'a str,
    name: &str,
    k: usize,
) -> Result<&'a str, DataError> {
    if lines::parse_u64(s.as_bytes()).is_some() {
        Ok(s)
    } else {
        Err(DataError::parse(
            path,
            n,
            format!(
                "bad number: {name} {} in field {k} is not an integer",
                lines::excerpt(s.as_bytes())
            ),
        ))
    }
}

fn dup(path: &Path, n: u64, what: &str, id: &str) -> DataError {
    DataError::parse(
        path,
        n,
        format!("duplicate id: {what} {id} is defined twice (expected each id once)"),
    )
}
