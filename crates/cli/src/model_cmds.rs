//! The model commands: `fit`, `recommend`, `similar`, `config`. Every model goes through the
//! one registry (`artist2vec::registry()`).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use artist2vec::core::registry::ModelFamily;
use artist2vec::core::{
    AnyModel, ArtistContent, Interactions, Neighbor, Query, Recommender, Registry, Sessions,
    TrainingData, Vocabulary,
};
use artist2vec::data::Mode;
use artist2vec::data::formats::{Format, detect, load_any};
use artist2vec::data::split::read_tsv_into;
use clap::{ArgAction, Args};

use crate::progress::Ui;

/// Reads `id\tname…` lines (a header line starting with a non-number id such as `id` is skipped),
/// as hetrec's `artists.dat`, and names the vocabulary's entries. Returns how many were named.
pub(crate) fn apply_names(vocab: &mut Vocabulary, path: &Path) -> Result<usize> {
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut n = 0;
    for (i, line) in BufReader::new(f).split(b'\n').enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches('\r');
        let mut cols = line.splitn(3, '\t');
        let (Some(id), Some(name)) = (cols.next(), cols.next()) else {
            if line.is_empty() {
                continue;
            }
            bail!(
                "{}:{}: expected `id<TAB>name`, found {}",
                path.display(),
                i + 1,
                excerpt(line)
            );
        };
        if let Some(ix) = vocab.get(id) {
            vocab.set_name(ix, name);
            n += 1;
        }
    }
    Ok(n)
}

/// At most 40 characters of `s`, quoted, marked when cut.
fn excerpt(s: &str) -> String {
    let cut: String = s.chars().take(40).collect();
    if cut.len() < s.len() {
        format!("{cut:?}… ({} bytes)", s.len())
    } else {
        format!("{cut:?}")
    }
}

/// A `--config` value: inline JSON (starts with `{`) or the path of a JSON file.
fn config_arg(arg: &str) -> Result<(String, String)> {
    if arg.trim_start().starts_with('{') {
        Ok((arg.to_owned(), "--config".to_owned()))
    } else {
        let text = std::fs::read_to_string(arg).with_context(|| format!("reading {arg}"))?;
        Ok((text, arg.to_owned()))
    }
}

#[derive(Args)]
pub struct FitArgs {
    /// Model name or alias (see `artist2vec config --list`).
    #[arg(long)]
    model: String,
    /// Configuration: inline JSON (`'{"factors": 128}'`) or a JSON file. Fields left out take
    /// the model's defaults (`artist2vec config --model NAME` prints them); unknown fields are
    /// refused.
    #[arg(long)]
    config: Option<String>,
    /// Where a burn model trains (burn-skipgram, two-tower, gru4rec, youtube-dnn): `cpu` (the
    /// default), `cuda` (the first NVIDIA GPU) or `cuda:N` (GPU N, 0 first); sets the
    /// configuration's `device` field, over the one of --config. A GPU needs a build with
    /// `--features cuda` and an NVIDIA driver; the fitted model loads and serves in any build.
    #[arg(long, value_name = "cpu|cuda|cuda:N")]
    device: Option<String>,
    /// Training data: a split TSV (`user\titem\tweight[\ttimestamp]`, header), or any dataset
    /// `artist2vec stats` reads (.a2vd, idomaar, Last.fm-1K, hetrec, MPD, CSV/Parquet).
    /// Sequence models (skip-gram) train on sessions in play order when the data has them: a
    /// TSV with a timestamp column is cut into sessions at idle gaps (--session-gap), a dataset
    /// brings its own sessions; otherwise each user's artists form one bag.
    #[arg(long)]
    train: PathBuf,
    /// Idle gap in minutes that ends a session, for a TSV with timestamps (0 = one sequence per
    /// user, in time order).
    #[arg(long, default_value_t = 30)]
    session_gap: u32,
    /// Artist names: `id<TAB>name` lines, e.g. hetrec's artists.dat; stored in the model.
    #[arg(long)]
    names: Option<PathBuf>,
    /// A validation split (a directory with `train.tsv` and `test.tsv`) to tune on, for the
    /// models that tune (the hybrid's weights): sets the configuration's `validation` field.
    #[arg(long)]
    validation: Option<PathBuf>,
    /// Artist content (tags) for content models (`--model content`: vectors for cold-start
    /// artists from their tags): a TSV of `artist<TAB>tag[<TAB>count]` lines (artist = the
    /// training data's artist id; a first line starting with `artist` is a header), or a
    /// dataset with tag assignments (a hetrec directory with user_taggedartists.dat, an
    /// .a2vd). Artists it names that have no training rows are the cold-start artists: they
    /// get vectors, neighbours and recommendations from their tags. Without it, a training
    /// dataset's own tags are used. Other models ignore it.
    #[arg(long)]
    content: Option<PathBuf>,
    /// Output model file.
    #[arg(long)]
    out: PathBuf,
}

/// Whether a family's configuration has `field` (its defaults name it).
fn has_field(family: &dyn ModelFamily, field: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(&family.default_config_json())
        .ok()
        .is_some_and(|v| v.get(field).is_some())
}

/// Sets `field` to `value` in a JSON configuration (`None`: `{}`), for a family whose
/// configuration has that field; `refused` is the error otherwise.
fn with_field(
    family: &dyn ModelFamily,
    json: Option<String>,
    field: &str,
    value: &str,
    refused: impl FnOnce() -> String,
) -> Result<String> {
    if !has_field(family, field) {
        bail!(refused());
    }
    let mut config: serde_json::Value = match json {
        Some(j) => serde_json::from_str(&j).context("--config is not valid JSON")?,
        None => serde_json::json!({}),
    };
    let Some(map) = config.as_object_mut() else {
        bail!("--config: expected a JSON object of {} settings", family.name());
    };
    map.insert(field.into(), serde_json::Value::String(value.to_owned()));
    Ok(config.to_string())
}

/// Adds `"validation": dir` to a JSON configuration, for a family whose configuration has that
/// field.
fn with_validation(family: &dyn ModelFamily, json: Option<String>, dir: &Path) -> Result<String> {
    let json = with_field(family, json, "validation", &dir.display().to_string(), || {
        format!(
            "--validation: the {} model does not tune on a validation split (the hybrid does)",
            family.name()
        )
    })?;
    if !dir.is_dir() {
        bail!(
            "--validation {}: expected a directory with train.tsv and test.tsv",
            dir.display()
        );
    }
    Ok(json)
}

/// Adds `"device": device` to a JSON configuration, for a family that trains on a device (the
/// burn models).
fn with_device(
    registry: &Registry,
    family: &dyn ModelFamily,
    json: Option<String>,
    device: &str,
) -> Result<String> {
    with_field(family, json, "device", device, || {
        let burn: Vec<&str> = registry
            .families()
            .filter(|f| has_field(*f, "device"))
            .map(|f| f.name())
            .collect();
        format!(
            "--device {device}: the {} model has no `device` setting; --device is for the burn \
             models ({})",
            family.name(),
            if burn.is_empty() {
                "none in this build, which was built without `neural`".to_owned()
            } else {
                burn.join(", ")
            }
        )
    })
}

/// What `fit` trains on.
pub(crate) struct Training {
    pub(crate) rows: Interactions,
    pub(crate) sessions: Option<Sessions>,
    /// The training dataset's own tags, when it has some.
    pub(crate) content: Option<ArtistContent>,
}

/// Reads `--content`: a dataset with tags (directory, .a2vd, …) or `artist<TAB>tag[<TAB>count]`
/// lines.
fn read_content(ui: &Ui, path: &Path) -> Result<ArtistContent> {
    let dataset = path.is_dir()
        || matches!(
            detect(path),
            Ok(Format::Dataset | Format::Parquet | Format::Hetrec | Format::Idomaar | Format::Mpd)
        );
    if dataset {
        let (data, format) = ui.step(&format!("read {}", path.display()), |_| {
            Ok(load_any(path, None, Mode::Strict)?)
        })?;
        let content = data.content().with_context(|| {
            format!(
                "{}: this {} dataset has no tags; --content needs tag assignments",
                path.display(),
                format.name()
            )
        })?;
        if content.n_with_features() == 0 {
            bail!(
                "{}: the {} dataset names {} tags but assigns none to an artist (hetrec needs \
                 user_taggedartists.dat for that); --content needs tag assignments",
                path.display(),
                format.name(),
                data.tags.as_ref().map_or(0, |t| t.tags.len())
            );
        }
        return Ok(content);
    }
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut content = ArtistContent::new();
    for (i, line) in BufReader::new(f).split(b'\n').enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
        if i == 0 && cols[0].eq_ignore_ascii_case("artist") {
            continue;
        }
        let at = || format!("{}:{}", path.display(), i + 1);
        if cols.len() < 2 || cols.len() > 3 || cols[0].is_empty() || cols[1].is_empty() {
            bail!(
                "{}: expected `artist<TAB>tag[<TAB>count]`, found {}",
                at(),
                excerpt(line)
            );
        }
        let count = match cols.get(2) {
            Some(c) => match c.parse::<f32>() {
                Ok(v) if v.is_finite() && v > 0.0 => v,
                _ => bail!("{}: count {} is not a positive number", at(), excerpt(c)),
            },
            None => 1.0,
        };
        content.add(cols[0], cols[1], count).with_context(|| at())?;
    }
    if content.n_with_features() == 0 {
        bail!("{}: no `artist<TAB>tag` line", path.display());
    }
    Ok(content)
}

pub(crate) fn read_training(ui: &Ui, path: &Path, gap_minutes: u32) -> Result<Training> {
    let split_tsv = matches!(detect(path), Ok(Format::Tsv) | Err(_)) && is_split_tsv(path)?;
    if split_tsv {
        let mut rows = Interactions::default();
        ui.step(&format!("read {}", path.display()), |_| {
            Ok(read_tsv_into(path, &mut rows)?)
        })?;
        if rows.is_empty() {
            bail!("{}: no training rows", path.display());
        }
        let sessions = match rows.time_col() {
            Some(_) => {
                let gap = (gap_minutes > 0).then_some(i64::from(gap_minutes) * 60);
                let s = Sessions::from_timed_rows(&rows, gap)?;
                ui.say(format!(
                    "{} sessions in play order ({})",
                    s.len(),
                    match gap {
                        Some(_) => format!("cut at idle gaps over {gap_minutes} min"),
                        None => "one per user".to_owned(),
                    }
                ));
                Some(s)
            }
            None => None,
        };
        return Ok(Training {
            rows,
            sessions,
            content: None,
        });
    }
    let (data, format) = ui.step(&format!("read {}", path.display()), |_| {
        Ok(load_any(path, None, Mode::Strict)?)
    })?;
    ui.say(format!("read {} as {}", path.display(), format.name()));
    let content = data.content().filter(|c| c.n_with_features() > 0);
    match data.sessions {
        Some(s) if !s.is_empty() => Ok(Training {
            rows: s.to_counts(),
            sessions: Some(s),
            content,
        }),
        _ if data.interactions.is_empty() => bail!("{}: no training rows", path.display()),
        _ => Ok(Training {
            rows: data.interactions,
            sessions: None,
            content,
        }),
    }
}

/// Whether the file starts with a split TSV header (`user\titem…`).
fn is_split_tsv(path: &Path) -> Result<bool> {
    if path.is_dir() {
        return Ok(false);
    }
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut first = Vec::new();
    BufReader::new(f)
        .take(4096)
        .read_until(b'\n', &mut first)
        .with_context(|| format!("reading {}", path.display()))?;
    let first = String::from_utf8_lossy(&first);
    let mut cols = first.trim_end().split('\t');
    Ok(cols
        .next()
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("user"))
        && cols
            .next()
            .is_some_and(|c| c.trim().eq_ignore_ascii_case("item")))
}

pub fn fit(ui: &Ui, a: FitArgs) -> Result<()> {
    let registry = artist2vec::registry();
    let family = registry.get(&a.model)?;
    let config = match &a.config {
        Some(arg) => {
            let (json, source) = config_arg(arg)?;
            family
                .check_config_json(&json)
                .with_context(|| format!("in {source}"))?;
            Some(json)
        }
        None => None,
    };
    let config = match &a.validation {
        Some(dir) => Some(with_validation(family, config, dir)?),
        None => config,
    };
    let config = match &a.device {
        Some(device) => Some(with_device(&registry, family, config, device)?),
        None => config,
    };
    // Everything a fit needs beyond valid values (the device asked for), before the data.
    if let Some(json) = &config {
        family.check_fit_json(json)?;
    }
    let mut train = read_training(ui, &a.train, a.session_gap)?;
    if let Some(p) = &a.names {
        let n = apply_names(&mut train.rows.items, p)?;
        if let Some(s) = &mut train.sessions {
            s.items = train.rows.items.clone();
        }
        ui.say(format!(
            "named {n} of {} artists from {}",
            train.rows.items.len(),
            p.display()
        ));
    }
    if let Some(p) = &a.content {
        let mut c = read_content(ui, p)?;
        if let Some(n) = &a.names {
            apply_names(&mut c.artists, n)?;
        }
        let unseen = (0..c.artists.len() as u32)
            .filter(|&i| train.rows.items.get(c.artists.id(i)).is_none())
            .count();
        ui.say(format!(
            "content: {} artists with tags ({} tags, {} pairs), {unseen} of its artists not in \
             the training data",
            c.n_with_features(),
            c.features.len(),
            c.n_pairs()
        ));
        train.content = Some(c);
    }
    let mut data = match &train.sessions {
        Some(s) => TrainingData::with_sessions(&train.rows, s)?,
        None => TrainingData::new(&train.rows),
    };
    if let Some(c) = &train.content {
        data = data.with_content(c);
    }
    let t = std::time::Instant::now();
    let model = ui.step(&format!("fit {}", family.name()), |obs| {
        Ok(family.fit(config.as_deref(), &data, obs)?)
    })?;
    let secs = t.elapsed().as_secs_f64();
    model.save(&a.out)?;
    println!(
        "fitted {} on {} users × {} artists ({} rows{}) in {secs:.2} s → {}",
        family.name(),
        train.rows.n_users(),
        train.rows.n_items(),
        train.rows.len(),
        match &train.sessions {
            Some(s) if data.sessions.is_some() => format!(", {} sessions", s.len()),
            _ => String::new(),
        },
        a.out.display()
    );
    if a.validation.is_some() {
        println!("tuned configuration: {}", model.config_json());
    }
    Ok(())
}

#[derive(Args)]
#[command(after_help = "\
Users known from training are scored from their training profile. Every other user of the \
users file is a new listener: the model folds them in from the rows the file gives for them \
(their history: artist and weight), without refitting — ALS and WMF solve the user's \
least-squares problem against the fixed artist factors, BPR and SVD project the history onto \
the artist vectors, skip-gram averages the history's artist vectors, the kNN models score from \
the history's neighbours, EASE and RP3beta multiply the history by their artist × artist \
matrix (exactly what they do for training users), popularity ignores it. The fold-in is an approximation of refitting with the new rows: the artist vectors stay where training left them (a refit would move each by that listener's share of its rows). For ALS with its defaults the folded-in top-10 shares at least 9 of 10 artists with a refit's on average (tested on generated data). Artists of a history that the model does not \
know are dropped and counted. A model that cannot fold in says so with the number of users \
affected; no user is skipped silently.

--exclude-seen (the default) leaves out, for a known user, the artists of their training \
profile, and for a new listener, the artists of the history given.")]
pub struct RecommendArgs {
    /// Model file written by `artist2vec fit`.
    #[arg(long)]
    model: PathBuf,
    /// TSV of the users to recommend for (`user\titem\tweight`, header; e.g. a test split).
    /// For users not in training, their rows are the history they are folded in from.
    #[arg(long)]
    users: PathBuf,
    /// Recommendations per user (at most the number of artists).
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Leave out the artists a user already has (training profile, or the history given for a
    /// new listener). `--exclude-seen false` keeps them.
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    exclude_seen: bool,
    /// Same as `--exclude-seen false`.
    #[arg(long, conflicts_with = "exclude_seen")]
    include_seen: bool,
    /// Output recs TSV (`user\titem\trank`).
    #[arg(long)]
    out: PathBuf,
}

/// Checks `k` against the model's artists: 0 is refused, more than there are is capped.
fn check_k(ui: &Ui, k: usize, n_items: usize) -> Result<usize> {
    if k == 0 {
        bail!("--k must be at least 1");
    }
    if k > n_items {
        ui.say(format!(
            "note: --k {k} is more than the model's {n_items} artists; lists hold at most {n_items}"
        ));
    }
    Ok(k.min(n_items))
}

pub fn recommend(ui: &Ui, a: RecommendArgs) -> Result<()> {
    let registry = artist2vec::registry();
    let model = ui.step("load model", |_| Ok(registry.load(&a.model)?))?;
    let k = check_k(ui, a.k, model.n_items())?;
    let exclude_seen = a.exclude_seen && !a.include_seen;
    let mut wanted = Interactions::default();
    read_tsv_into(&a.users, &mut wanted)?;
    let plan = FoldIn::plan(&model, &wanted);
    // One batch for everybody: training users by index, new listeners by their history. The
    // models with vectors serve it with the blocked full-catalogue top-k.
    let mut queries: Vec<Query<'_>> = plan.known.iter().map(|&u| Query::User(u)).collect();
    if model.folds_in() {
        queries.extend(plan.histories.iter().map(|h| Query::History(h)));
    }
    let t = std::time::Instant::now();
    let mut recs = ui.step("recommend", |_| {
        Ok(model.recommend_batch(&queries, k, exclude_seen)?)
    })?;
    let secs = t.elapsed().as_secs_f64();
    let new_recs: Vec<Vec<Neighbor>> = recs.split_off(plan.known.len());
    let known_recs = recs;
    let f =
        std::fs::File::create(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let mut w = std::io::BufWriter::new(f);
    writeln!(w, "user\titem\trank")?;
    let items = model.items();
    let known = plan.known.iter().map(|&u| model.users().id(u));
    let new = plan.new_users.iter().map(|&u| wanted.users.id(u));
    for (user, list) in known.zip(&known_recs).chain(new.zip(&new_recs)) {
        for (r, n) in list.iter().enumerate() {
            writeln!(w, "{user}\t{}\t{}", items.id(n.item), r + 1)?;
        }
    }
    w.flush()
        .with_context(|| format!("writing {}", a.out.display()))?;
    println!(
        "top-{k} for {} users ({} from training, {} new listeners folded in) in {secs:.2} s → {}",
        known_recs.len() + new_recs.len(),
        known_recs.len(),
        new_recs.len(),
        a.out.display()
    );
    plan.report(&model, &a.users);
    Ok(())
}

/// Which users of a users file are known to the model, and the histories of the others.
struct FoldIn {
    /// Known users, as the model's user indices.
    known: Vec<u32>,
    /// New users, as indices of the users file's vocabulary.
    new_users: Vec<u32>,
    /// Their histories in the model's artist indices.
    histories: Vec<Vec<(u32, f32)>>,
    /// New users none of whose artists the model knows.
    empty: usize,
    /// Rows of new users whose artist the model does not know.
    unknown_artists: usize,
}

impl FoldIn {
    fn plan(model: &AnyModel, wanted: &Interactions) -> Self {
        let n = wanted.users.len();
        let model_user: Vec<Option<u32>> = (0..n as u32)
            .map(|u| model.users().get(wanted.users.id(u)))
            .collect();
        let mut histories: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n];
        let mut unknown_artists = 0;
        for r in wanted.iter() {
            if model_user[r.user as usize].is_some() {
                continue;
            }
            match model.items().get(wanted.items.id(r.item)) {
                Some(i) => histories[r.user as usize].push((i, r.weight)),
                None => unknown_artists += 1,
            }
        }
        let mut plan = FoldIn {
            known: Vec::new(),
            new_users: Vec::new(),
            histories: Vec::new(),
            empty: 0,
            unknown_artists,
        };
        for (u, (m, h)) in model_user.into_iter().zip(histories).enumerate() {
            match m {
                Some(mu) => plan.known.push(mu),
                None => {
                    plan.empty += usize::from(h.is_empty());
                    plan.new_users.push(u as u32);
                    plan.histories.push(h);
                }
            }
        }
        plan
    }

    /// Says what happened to the users that were not scored from training.
    fn report(&self, model: &AnyModel, users_file: &Path) {
        let new = self.new_users.len();
        if new == 0 {
            return;
        }
        if !model.folds_in() {
            println!(
                "note: {new} users of {} were not in the training data and the {} model cannot \
                 fold in new listeners; they got no recommendations",
                users_file.display(),
                model.kind()
            );
            return;
        }
        if self.unknown_artists > 0 {
            println!(
                "note: {} history rows of new listeners name artists the model does not know; \
                 they were left out",
                self.unknown_artists
            );
        }
        if self.empty > 0 {
            println!(
                "note: {} new listeners have no artist the model knows; their lists are the \
                 model's answer to an empty history",
                self.empty
            );
        }
    }
}

#[derive(Args)]
pub struct SimilarArgs {
    /// Model file written by `artist2vec fit`.
    #[arg(long)]
    model: PathBuf,
    /// Artist name (or id).
    #[arg(long)]
    artist: String,
    /// How many (at most the number of artists).
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Only artists with at least this many training listeners (1 = every trained artist).
    #[arg(long, default_value_t = 1)]
    min_listeners: u32,
    /// Artist names (`id<TAB>name` lines), when the model was fitted without them.
    #[arg(long)]
    names: Option<PathBuf>,
}

pub fn similar(ui: &Ui, a: SimilarArgs) -> Result<()> {
    let registry = artist2vec::registry();
    let model = ui.step("load model", |_| Ok(registry.load(&a.model)?))?;
    let k = check_k(ui, a.k, model.n_items())?;
    // Names for display and lookup: the model's own, or those of --names.
    let mut names = model.items().clone();
    if let Some(p) = &a.names {
        apply_names(&mut names, p)?;
    }
    let ix = match names.get(&a.artist) {
        Some(ix) => ix,
        None => match names.find(&a.artist) {
            Ok(ix) => ix,
            Err(_) if (0..names.len() as u32).all(|i| names.name_opt(i).is_none()) => bail!(
                "no artist with id {:?} in the model, and it has no artist names to search: \
                 pass --names FILE (id<TAB>name lines, e.g. hetrec's artists.dat) here or to `fit`",
                a.artist
            ),
            Err(_) => bail!("no artist named or with id {:?} in the model", a.artist),
        },
    };
    let list = model.similar_min_listeners(ix, k, a.min_listeners)?;
    println!(
        "artists most similar to {} ({}), by {}:",
        names.name(ix),
        names.id(ix),
        model.kind()
    );
    for (r, n) in list.iter().enumerate() {
        println!(
            "{:>3}. {:<40} {:>8} {:.4}",
            r + 1,
            names.name(n.item),
            names.id(n.item),
            n.score
        );
    }
    Ok(())
}

#[derive(Args)]
pub struct ConfigArgs {
    /// Model name or alias.
    #[arg(long, required_unless_present = "list")]
    model: Option<String>,
    /// List the models, with their aliases.
    #[arg(long)]
    list: bool,
}

pub fn config(a: ConfigArgs) -> Result<()> {
    let registry = artist2vec::registry();
    if a.list {
        for f in registry.families() {
            let aliases = if f.aliases().is_empty() {
                String::new()
            } else {
                format!(" (also: {})", f.aliases().join(", "))
            };
            println!("{:<14} {}{aliases}", f.name(), f.description());
        }
        return Ok(());
    }
    let family = registry.get(a.model.as_deref().unwrap_or_default())?;
    println!("{}", family.default_config_json());
    Ok(())
}
