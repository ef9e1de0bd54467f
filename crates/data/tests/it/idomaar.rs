//! 30Music idomaar loader on the committed fixture.

use artist2vec_data::{load_idomaar, ArtistPolicy, IdomaarOptions};

use crate::common::fixture;

#[test]
fn fixture_loads_with_first_artist() {
    let d = load_idomaar(&fixture("30music"), &IdomaarOptions::new()).unwrap();
    let s = d.sessions.as_ref().unwrap();
    assert_eq!(d.users().len(), 3);
    assert_eq!(d.artists().len(), 5);
    assert_eq!(s.len(), 3);
    assert_eq!(s.n_plays(), 6);
    assert_eq!(d.artists().name(1), "Simon & Garfunkel");
    assert_eq!(d.artists().name(2), "Beyoncé");
    assert_eq!(d.artists().name(3), "AC/DC");
    let s0 = s.get(0);
    assert_eq!(s0.id, 1);
    assert_eq!(d.users().id(s0.user), "10");
    assert_eq!(s0.items, &[0, 2, 2]);
    assert_eq!(s0.times, &[1_390_000_000, 1_390_000_223, 1_390_000_243]);
    assert_eq!(s0.durations.unwrap(), &[223, 20, 200]);
    let _ = ArtistPolicy::All;
}
