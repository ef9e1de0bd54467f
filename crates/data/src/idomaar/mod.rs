//! The 30Music dataset in its idomaar layout.
//!
//! Every file holds one record per line, five tab-separated fields:
//! `type\tid\ttimestamp\tproperties-json\tlinked-entities-json` (entity files — persons, users,
//! tags — may omit the fifth). The files read here:
//!
//! | file | type | what is taken |
//! |---|---|---|
//! | `persons.idomaar` | `person` | artist ids (the person ids) and names, URL-encoded with `+` for space |
//! | `users.idomaar` | `user` | the user ids |
//! | `tags.idomaar` | `tag` | tag ids and their (URL-encoded) `value` |
//! | `tracks.idomaar` | `track` | track → artists (`{"artists":[{"type":"person","id":N}],"tags":[…]}`) |
//! | `sessions.idomaar` | `event.session` | sessions: user, and per play the track, `playstart` (seconds after the session timestamp) and `playtime` |
//! | `playlist.idomaar` | `playlist` | playlists: user and tracks (`"objects":[[]]` is an empty playlist) |
//! | `love.idomaar` | `preference.love` | loved tracks |
//!
//! A play of a track goes to its first artist ([`ArtistPolicy::First`], as the seed notebooks did)
//! or to each of its artists ([`ArtistPolicy::All`]). Artist tags are the union of the tags of the
//! tracks the artist gets plays of under the same policy.
//!
//! The big files are parsed in parallel chunks (see [`crate::lines::par_map_chunks`]) with
//! borrowed serde structs, in file order, so results and error lines do not depend on the thread
//! count.
//!
//! One concept a file: `options` (how to read), `files` (which files, found by name), `names`
//! (the URL coding of names), `records` (a line split into fields, and its JSON shapes),
//! `lookup` (track → artists), `loader` (the public entry points, the loader's state and the
//! parallel file driver), `entities` (users, persons, tags, tracks) and `relations` (sessions,
//! playlists, loves).

mod entities;
mod files;
mod loader;
mod lookup;
mod names;
mod options;
mod records;
mod relations;

pub use files::IdomaarFiles;
pub use loader::{load_idomaar, load_idomaar_files};
pub(crate) use names::url_encode_into;
pub use names::{url_decode, url_encode};
pub use options::{ArtistPolicy, IdomaarOptions};
