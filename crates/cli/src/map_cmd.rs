//! `artist2vec map`: a UMAP of a model's artists as a self-contained HTML page (and an SVG).

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use artist2vec::core::{Interactions, Model};
use artist2vec::data::split::read_tsv_into;
use artist2vec::data::synth::read_ground_truth;
use artist2vec::viz::{
    ArtistMap, Groups, MapSettings, Source, project_model, project_model_subset,
};
use clap::Args;

use crate::model_cmds::apply_names;
use crate::progress::Ui;

#[derive(Args)]
pub struct MapArgs {
    /// Model file written by `artist2vec fit`. Models with artist vectors (ALS, skip-gram,
    /// SVD, WMF, BPR, two-tower, …) are mapped from their vectors (cosine); models with
    /// neighbour lists only (item-kNN, EASE, RP3beta, user-kNN) from those lists; popularity
    /// has neither and is refused.
    #[arg(long)]
    model: PathBuf,
    /// Output HTML page (one file, no network access needed).
    #[arg(long)]
    out: PathBuf,
    /// Also write the map as an SVG (for papers).
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Artist names: `id<TAB>name` lines, e.g. hetrec's artists.dat (default: the names stored
    /// in the model, else the ids).
    #[arg(long)]
    names: Option<PathBuf>,
    /// A split TSV (`user\titem\tweight…`, e.g. the training split): each artist's summed
    /// weight is shown as its play count and sets the point size. Default: the number of
    /// training listeners stored in the model.
    #[arg(long)]
    plays: Option<PathBuf>,
    /// Genre of each artist, `artist<TAB>genre` lines (`artist\tgenre` header optional), e.g.
    /// the `ground_truth.tsv` of `artist2vec synth`: colours the points and fills the legend.
    #[arg(long)]
    genres: Option<PathBuf>,
    /// UMAP neighbourhood size, the artist itself included.
    #[arg(long, default_value_t = 15)]
    neighbors: usize,
    /// UMAP minimum distance between points in the map.
    #[arg(long, default_value_t = 0.1)]
    min_dist: f32,
    /// UMAP epochs (default: 500 up to 10,000 artists, 200 above).
    #[arg(long)]
    epochs: Option<usize>,
    /// Only artists with at least this many training listeners (1 = every artist). Factor
    /// models place an artist heard by one or two listeners next to whatever those listeners
    /// played; leaving them out gives a clearer map.
    #[arg(long, default_value_t = 1)]
    min_listeners: u32,
    /// Seed: the same model and seed give the same map.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Title of the page (default: the model kind and file name).
    #[arg(long)]
    title: Option<String>,
}

pub fn map(ui: &Ui, a: MapArgs) -> Result<()> {
    let registry = artist2vec::registry();
    let model = ui.step("load model", |_| Ok(registry.load(&a.model)?))?;
    let settings = MapSettings {
        n_neighbors: a.neighbors,
        min_dist: a.min_dist,
        n_epochs: a.epochs,
        seed: a.seed,
    };
    let mut items = model.items().clone();
    if let Some(p) = &a.names {
        let named = apply_names(&mut items, p)?;
        ui.say(format!("{named} artist names from {}", p.display()));
    }
    let listeners = model.listeners();
    let kept: Vec<u32> = (0..items.len() as u32)
        .filter(|&i| {
            listeners
                .get(i as usize)
                .is_none_or(|&l| l >= a.min_listeners)
        })
        .collect();
    if kept.len() < 2 {
        bail!(
            "only {} of {} artists have at least {} listeners: nothing to map (lower --min-listeners)",
            kept.len(),
            items.len(),
            a.min_listeners
        );
    }
    let n = kept.len();
    if n < items.len() {
        ui.say(format!(
            "{n} of {} artists have at least {} training listeners",
            items.len(),
            a.min_listeners
        ));
    }
    let (coords, source) = ui.step(&format!("UMAP of {n} artists"), |_| {
        Ok(if n == items.len() {
            project_model(&model, &settings)?
        } else {
            project_model_subset(&model, &settings, &kept)?
        })
    })?;
    ui.say(match source {
        Source::Vectors => format!(
            "mapped from the {} model's artist vectors (cosine kNN, PCA start)",
            model.kind()
        ),
        Source::Neighbours => format!(
            "the {} model has no artist vectors: mapped from its similar-artist lists \
             (random start)",
            model.kind()
        ),
    });
    let names: Vec<String> = kept.iter().map(|&i| items.name(i).to_owned()).collect();
    let pick = |all: Vec<f64>| kept.iter().map(|&i| all[i as usize]).collect::<Vec<f64>>();
    let title = a.title.clone().unwrap_or_else(|| {
        format!(
            "{} — {}",
            model.kind(),
            a.model
                .file_name()
                .map_or_else(String::new, |f| f.to_string_lossy().into_owned())
        )
    });
    let mut map = ArtistMap::new(title, names, coords)?;
    map = match &a.plays {
        Some(p) => map.with_plays("plays", pick(plays_from_tsv(&*model, p)?))?,
        None => map.with_plays(
            "listeners",
            pick(listeners.iter().map(|&l| f64::from(l)).collect()),
        )?,
    };
    if let Some(p) = &a.genres {
        let (mut groups, known) = genres(&*model, p)?;
        groups.of = kept.iter().map(|&i| groups.of[i as usize]).collect();
        ui.say(format!(
            "{known} of {} artists have a genre in {} ({} genres)",
            items.len(),
            p.display(),
            groups.names.len()
        ));
        map = map.with_groups(groups)?;
    }
    map.write_html(&a.out)?;
    println!("wrote {} ({} artists)", a.out.display(), map.len());
    if let Some(svg) = &a.svg {
        map.write_svg(svg)?;
        println!("wrote {}", svg.display());
    }
    Ok(())
}

/// Each model artist's summed weight in a split TSV (0 for artists the file does not name).
fn plays_from_tsv(model: &dyn Model, path: &std::path::Path) -> Result<Vec<f64>> {
    let mut rows = Interactions::default();
    read_tsv_into(path, &mut rows)
        .with_context(|| format!("reading --plays {}", path.display()))?;
    if rows.is_empty() {
        bail!("{}: no rows to count plays from", path.display());
    }
    let items = model.items();
    let mut by_file = vec![0f64; rows.n_items()];
    for (&i, &w) in rows.item_col().iter().zip(rows.weight_col()) {
        by_file[i as usize] += f64::from(w);
    }
    let mut plays = vec![0f64; items.len()];
    let mut matched = 0;
    for (j, id) in rows.items.ids().iter().enumerate() {
        if let Some(ix) = items.get(id) {
            plays[ix as usize] = by_file[j];
            matched += 1;
        }
    }
    if matched == 0 {
        bail!(
            "{}: none of its {} artist ids is an artist of the model (is it the model's data?)",
            path.display(),
            rows.n_items()
        );
    }
    Ok(plays.into_iter().map(|p| p.max(0.0)).collect())
}

/// The genre of each model artist from `artist\tgenre` lines; genres sorted by name.
fn genres(model: &dyn Model, path: &std::path::Path) -> Result<(Groups, usize)> {
    let rows =
        read_ground_truth(path).with_context(|| format!("reading --genres {}", path.display()))?;
    let mut names: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
    names.sort();
    names.dedup();
    let index: HashMap<&str, u32> = names
        .iter()
        .enumerate()
        .map(|(g, s)| (s.as_str(), g as u32))
        .collect();
    let items = model.items();
    let mut of = vec![None; items.len()];
    let mut known = 0;
    for (artist, genre) in &rows {
        if let Some(ix) = items.get(artist) {
            if of[ix as usize].is_none() {
                known += 1;
            }
            of[ix as usize] = Some(index[genre.as_str()]);
        }
    }
    if known == 0 {
        bail!(
            "{}: none of its {} artists is an artist of the model",
            path.display(),
            rows.len()
        );
    }
    Ok((Groups { names, of }, known))
}
