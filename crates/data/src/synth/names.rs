//! Names of generated things: genre names, generic tags, pronounceable artist names (some with
//! accents and punctuation, to exercise encodings) and MusicBrainz-style ids.

use rand::Rng;
use rand::rngs::StdRng;

use super::random::mix;

pub(super) const GENRE_NAMES: [&str; 24] = [
    "rock",
    "pop",
    "hip hop",
    "electronic",
    "jazz",
    "classical",
    "metal",
    "folk",
    "r&b",
    "reggae",
    "country",
    "blues",
    "punk",
    "soul",
    "indie",
    "ambient",
    "latin",
    "funk",
    "house",
    "techno",
    "disco",
    "gospel",
    "k-pop",
    "bossa nova",
];

pub(super) const GENERIC_TAGS: [&str; 12] = [
    "seen live",
    "favorites",
    "chill",
    "party",
    "öl & dance",
    "love",
    "90s",
    "2000s",
    "female vocalists",
    "instrumental",
    "beautiful",
    "música",
];

const SYLLABLES: [&str; 32] = [
    "ka", "lo", "mi", "ra", "ven", "tor", "sa", "bel", "dra", "no", "vi", "el", "mon", "ta", "ri",
    "zu", "fen", "gal", "ha", "jo", "qui", "ne", "sol", "ar", "ix", "ul", "pe", "dor", "ma", "ki",
    "ly", "os",
];

fn word(rng: &mut StdRng) -> String {
    let n = 2 + rng.random_range(0..2);
    let mut w = String::new();
    for _ in 0..n {
        w.push_str(SYLLABLES[rng.random_range(0..SYLLABLES.len())]);
    }
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => w,
    }
}

pub(super) fn artist_name(rng: &mut StdRng, i: usize) -> String {
    let r = rng.random::<f64>();
    let base = if r < 0.05 {
        format!("{} & the {}s", word(rng), word(rng))
    } else if r < 0.08 {
        // Accents, to exercise UTF-8 and URL encoding.
        format!("{}é {}ø", word(rng), word(rng))
    } else if r < 0.10 {
        format!("{}, {} & {}", word(rng), word(rng), word(rng))
    } else if r < 0.11 {
        format!("{}/{} +{}%", word(rng), word(rng), rng.random_range(1..100))
    } else if r < 0.5 {
        word(rng)
    } else {
        format!("{} {}", word(rng), word(rng))
    };
    // The index makes names unique (real catalogues have duplicates; loaders key by id).
    format!("{base} {}", to_roman_ish(i))
}

/// A short, letter-only rendering of `i` (base 26, upper case).
fn to_roman_ish(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        i /= 26;
        if i == 0 {
            break;
        }
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

pub(super) fn mbid(seed: u64, i: usize) -> String {
    let a = mix(seed ^ 0xA5A5 ^ (i as u64));
    let b = mix(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (a >> 32) as u32,
        (a >> 16) as u16,
        (a & 0xFFF) as u16,
        (b >> 52) as u16,
        b & 0xFFFF_FFFF_FFFF
    )
}
