//! The map as data: names, coordinates, play counts and groups, checked once.

use crate::VizError;

/// 20 colours for groups (Tableau 20, strong and light shades interleaved so that neighbouring
/// group indices differ clearly); group `g` gets `palette()[g % 20]`.
pub fn palette() -> &'static [&'static str; 20] {
    &[
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
        "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
        "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
    ]
}

/// Eight steps of the viridis colour map, dark (few plays) to light (many): the colours of a
/// map without groups.
pub(crate) const VIRIDIS: [&str; 8] = [
    "#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d", "#a0da39", "#fde725",
];

/// A labelling of the artists (on generated data: the planted genre).
#[derive(Debug, Clone, PartialEq)]
pub struct Groups {
    /// Group names; the colour of group `g` is [`palette()`]`[g % 20]`.
    pub names: Vec<String>,
    /// Each artist's group (index into `names`), or `None`.
    pub of: Vec<Option<u32>>,
}

/// A 2-D map of artists: what [`to_html`](ArtistMap::to_html) and
/// [`to_svg`](ArtistMap::to_svg) draw.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtistMap {
    pub(crate) title: String,
    pub(crate) names: Vec<String>,
    pub(crate) coords: Vec<f32>,
    pub(crate) plays: Option<(String, Vec<f64>)>,
    pub(crate) groups: Option<Groups>,
}

impl ArtistMap {
    /// A map of `names.len()` artists at `coords = [x₀, y₀, x₁, y₁, …]`.
    ///
    /// # Errors
    /// [`VizError::Invalid`] when the lengths differ, there is no artist, or a coordinate is
    /// not finite.
    pub fn new(
        title: impl Into<String>,
        names: Vec<String>,
        coords: Vec<f32>,
    ) -> Result<Self, VizError> {
        if names.is_empty() {
            return Err(VizError::Invalid("a map needs at least one artist".into()));
        }
        if coords.len() != 2 * names.len() {
            return Err(VizError::Invalid(format!(
                "{} coordinates for {} artists (expected two per artist)",
                coords.len(),
                names.len()
            )));
        }
        if let Some(p) = coords.iter().position(|c| !c.is_finite()) {
            return Err(VizError::Invalid(format!(
                "coordinate {} of artist {:?} is {}",
                p % 2,
                names[p / 2],
                coords[p]
            )));
        }
        Ok(Self {
            title: title.into(),
            names,
            coords,
            plays: None,
            groups: None,
        })
    }

    /// Adds a count per artist, shown in the tooltip as `label: count` and used for point size
    /// and labels (the most played artists are labelled first).
    ///
    /// # Errors
    /// [`VizError::Invalid`] for a length other than the number of artists or a negative or
    /// non-finite count.
    pub fn with_plays(
        mut self,
        label: impl Into<String>,
        plays: Vec<f64>,
    ) -> Result<Self, VizError> {
        if plays.len() != self.names.len() {
            return Err(VizError::Invalid(format!(
                "{} counts for {} artists",
                plays.len(),
                self.names.len()
            )));
        }
        if let Some(p) = plays.iter().position(|c| !(c.is_finite() && *c >= 0.0)) {
            return Err(VizError::Invalid(format!(
                "count {} of artist {:?} (counts are >= 0)",
                plays[p], self.names[p]
            )));
        }
        self.plays = Some((label.into(), plays));
        Ok(self)
    }

    /// Adds groups (colours and a legend).
    ///
    /// # Errors
    /// [`VizError::Invalid`] for a length other than the number of artists or a group index
    /// out of range.
    pub fn with_groups(mut self, groups: Groups) -> Result<Self, VizError> {
        if groups.of.len() != self.names.len() {
            return Err(VizError::Invalid(format!(
                "{} group labels for {} artists",
                groups.of.len(),
                self.names.len()
            )));
        }
        if let Some(g) = groups
            .of
            .iter()
            .flatten()
            .find(|&&g| g as usize >= groups.names.len())
        {
            return Err(VizError::Invalid(format!(
                "group {g} of {} groups",
                groups.names.len()
            )));
        }
        self.groups = Some(groups);
        Ok(self)
    }

    /// Number of artists.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there is no artist (never: [`new`](Self::new) refuses that).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Coordinates `[x₀, y₀, …]`.
    pub fn coords(&self) -> &[f32] {
        &self.coords
    }

    /// The colour of every artist: its group's, or (without groups) a viridis step by
    /// log play count (the middle step without counts).
    pub fn colours(&self) -> Vec<&'static str> {
        let pal = palette();
        match (&self.groups, &self.plays) {
            (Some(g), _) => {
                g.of.iter()
                    .map(|o| o.map_or("#9a9a9a", |g| pal[g as usize % pal.len()]))
                    .collect()
            }
            (None, Some((_, p))) => {
                let max = p.iter().copied().fold(0f64, f64::max).ln_1p();
                p.iter()
                    .map(|&c| {
                        let t = if max > 0.0 { c.ln_1p() / max } else { 0.5 };
                        VIRIDIS[((t * 7.999) as usize).min(7)]
                    })
                    .collect()
            }
            (None, None) => vec![VIRIDIS[3]; self.len()],
        }
    }

    /// Artists in order of decreasing count (ties: lower index first); all of them in index
    /// order without counts.
    pub(crate) fn by_plays(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        if let Some((_, p)) = &self.plays {
            order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
        }
        order
    }

    /// Writes [`to_html`](Self::to_html) to `path`.
    ///
    /// # Errors
    /// [`VizError::Io`] naming the file.
    pub fn write_html(&self, path: &std::path::Path) -> Result<(), VizError> {
        write(path, self.to_html())
    }

    /// Writes [`to_svg`](Self::to_svg) to `path`.
    ///
    /// # Errors
    /// [`VizError::Io`] naming the file.
    pub fn write_svg(&self, path: &std::path::Path) -> Result<(), VizError> {
        write(path, self.to_svg())
    }
}

fn write(path: &std::path::Path, text: String) -> Result<(), VizError> {
    std::fs::write(path, text).map_err(|source| VizError::Io {
        path: path.to_path_buf(),
        source,
    })
}
