//! The map as an SVG for papers: points coloured by group (or play count), the most played
//! artists labelled without overlaps, a legend.

use std::fmt::Write;

use crate::map::{ArtistMap, palette};

const WIDTH: f32 = 1200.0;
const HEIGHT: f32 = 900.0;
const MARGIN: f32 = 40.0;
/// Labels at most.
const LABELS: usize = 40;
const FONT: f32 = 11.0;

/// Escapes text for XML content and attribute values.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

impl ArtistMap {
    /// The map as a standalone SVG document (1200 × 900): one circle per artist with its name
    /// as tooltip (`<title>`), the most played artists drawn last and labelled (up to 40
    /// labels that do not overlap), and a legend of the groups.
    pub fn to_svg(&self) -> String {
        let n = self.len();
        let (mut lo_x, mut hi_x, mut lo_y, mut hi_y) = (
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
        );
        for p in self.coords.chunks_exact(2) {
            lo_x = lo_x.min(p[0]);
            hi_x = hi_x.max(p[0]);
            lo_y = lo_y.min(p[1]);
            hi_y = hi_y.max(p[1]);
        }
        let top = MARGIN + 20.0;
        let span = ((hi_x - lo_x) / (WIDTH - 2.0 * MARGIN))
            .max((hi_y - lo_y) / (HEIGHT - top - MARGIN))
            .max(f32::MIN_POSITIVE);
        let scale = 1.0 / span;
        let ox = (WIDTH - (hi_x - lo_x) * scale) / 2.0;
        let oy = top + (HEIGHT - top - MARGIN - (hi_y - lo_y) * scale) / 2.0;
        // y grows upwards in the map, downwards in SVG.
        let at = |i: usize| {
            (
                ox + (self.coords[2 * i] - lo_x) * scale,
                oy + (hi_y - self.coords[2 * i + 1]) * scale,
            )
        };
        let colours = self.colours();
        let plays = self.plays.as_ref().map(|p| &p.1);
        let max = plays.map_or(0.0, |p| p.iter().copied().fold(0f64, f64::max).ln_1p());
        let radius = |i: usize| match plays {
            Some(p) if max > 0.0 => 1.2 + 2.8 * (p[i].ln_1p() / max) as f32,
            _ => 2.0,
        };
        let order = self.by_plays();
        let mut s = String::with_capacity(n * 90 + 4096);
        let _ = write!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
             width=\"{WIDTH}\" height=\"{HEIGHT}\" font-family=\"Helvetica, Arial, sans-serif\">\n\
             <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n\
             <text x=\"{MARGIN}\" y=\"{}\" font-size=\"16\" fill=\"#222\">{}</text>\n<g fill-opacity=\"0.8\">\n",
            MARGIN - 8.0,
            xml_escape(&self.title)
        );
        for &i in order.iter().rev() {
            let (x, y) = at(i);
            let _ = writeln!(
                s,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{:.1}\" fill=\"{}\"><title>{}</title></circle>",
                radius(i),
                colours[i],
                xml_escape(&self.names[i])
            );
        }
        s.push_str("</g>\n<g font-size=\"11\" fill=\"#111\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">\n");
        let mut placed: Vec<(f32, f32, f32, f32)> = Vec::new();
        if plays.is_some() {
            for &i in &order {
                if placed.len() >= LABELS {
                    break;
                }
                let (x, y) = at(i);
                let name = &self.names[i];
                let w = 0.6 * FONT * name.chars().count() as f32;
                let rect = (
                    x + 4.0,
                    y - FONT / 2.0 - 1.0,
                    x + 4.0 + w,
                    y + FONT / 2.0 + 1.0,
                );
                if rect.2 > WIDTH || placed.iter().any(|r| overlap(r, &rect)) {
                    continue;
                }
                placed.push(rect);
                let _ = writeln!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                    rect.0,
                    y + FONT / 2.0 - 2.0,
                    xml_escape(name)
                );
            }
        }
        s.push_str("</g>\n");
        if let Some(g) = &self.groups {
            let pal = palette();
            s.push_str("<g font-size=\"11\" fill=\"#222\">\n");
            for (k, name) in g.names.iter().enumerate().take(40) {
                let y = top + 14.0 * k as f32;
                let _ = writeln!(
                    s,
                    "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                    WIDTH - 150.0,
                    pal[k % pal.len()],
                    WIDTH - 140.0,
                    y + 4.0,
                    xml_escape(name)
                );
            }
            s.push_str("</g>\n");
        }
        s.push_str("</svg>\n");
        s
    }
}

fn overlap(a: &(f32, f32, f32, f32), b: &(f32, f32, f32, f32)) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}
