//! The map as one self-contained HTML page (template `map.html`, data inlined as JSON).

use serde_json::{Value, json};

use crate::map::{ArtistMap, VIRIDIS, palette};

const TEMPLATE: &str = include_str!("map.html");
const DATA_SLOT: &str = "__A2V_DATA__";
const TITLE_SLOT: &str = "__A2V_TITLE__";

fn round4(v: f32) -> Value {
    json!((f64::from(v) * 1e4).round() / 1e4)
}

impl ArtistMap {
    /// The data the page reads, as JSON.
    fn page_data(&self) -> Value {
        let colours = self.colours();
        // Colour table and each artist's index into it (drawing batches by colour).
        let mut table: Vec<&str> = Vec::new();
        let colour_ix: Vec<usize> = colours
            .iter()
            .map(|c| match table.iter().position(|t| t == c) {
                Some(p) => p,
                None => {
                    table.push(c);
                    table.len() - 1
                }
            })
            .collect();
        let (plays_label, plays) = match &self.plays {
            Some((l, p)) => (json!(l), json!(p)),
            None => (Value::Null, Value::Null),
        };
        let (group_names, group) = match &self.groups {
            Some(g) => (
                json!(g.names),
                json!(
                    g.of.iter()
                        .map(|o| o.map_or(-1, i64::from))
                        .collect::<Vec<_>>()
                ),
            ),
            None => (Value::Null, Value::Null),
        };
        json!({
            "title": self.title,
            "x": self.coords.iter().step_by(2).map(|&v| round4(v)).collect::<Vec<_>>(),
            "y": self.coords.iter().skip(1).step_by(2).map(|&v| round4(v)).collect::<Vec<_>>(),
            "names": self.names,
            "playsLabel": plays_label,
            "plays": plays,
            "groupNames": group_names,
            "group": group,
            "palette": palette(),
            "viridis": VIRIDIS,
            "colours": table,
            "colour": colour_ix,
            "order": self.by_plays(),
        })
    }

    /// The map as one HTML page with everything inline (script, style, data): no network
    /// access. Canvas drawing with pan (drag) and zoom (wheel, buttons, `+`/`-`), search by
    /// name (highlights and centres the artist), a tooltip with the name, the count and the
    /// group, a legend, and labels for the most played artists in view. The page exposes
    /// `window.a2vMap` for tests (frame times, screen position of an artist, the hovered one).
    pub fn to_html(&self) -> String {
        // `<` only occurs inside JSON strings, where `\u003c` means the same: the data can
        // never close its <script> element.
        let data = self.page_data().to_string().replace('<', "\\u003c");
        TEMPLATE
            .replace(TITLE_SLOT, &crate::svg::xml_escape(&self.title))
            .replace(DATA_SLOT, &data)
    }
}
