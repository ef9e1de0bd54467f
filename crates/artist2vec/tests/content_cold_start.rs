//! The content model for cold-start artists on seeded generated data: it beats the tag-only
//! baseline on the cold-start protocol (paired one-sided Wilcoxon), gives every held-out artist
//! a vector, and goes through the registry (fit, save, load) like every model.

use artist2vec::content::{ContentConfig, ContentModel, TagKnn};
use artist2vec::core::{
    ArtistContent, Interactions, Model, NoProgress, Query, Recommender, SimilarArtists,
    TrainingData,
};
use artist2vec::data::split::cold_start_artists;
use artist2vec::data::{SynthConfig, Synthetic};
use artist2vec::metrics::protocols::cold_start_listeners;
use artist2vec::stats::{Alternative, WilcoxonOptions, wilcoxon};

fn generated(seed: u64) -> (Interactions, ArtistContent) {
    let data = Synthetic::generate(&SynthConfig::small().with_seed(seed)).unwrap();
    let content = data.dataset.content().expect("generated data has tags");
    (data.sessions().to_counts(), content)
}

#[test]
fn content_model_beats_tag_only_baseline_on_cold_start_artists() {
    let (counts, content) = generated(42);
    let split = cold_start_artists(&counts, 0.1, 42).unwrap();
    let model = ContentConfig::default()
        .fit_with(&TrainingData::new(&split.train), &content, &NoProgress)
        .unwrap();
    let baseline = TagKnn::new(&split.train, &content).unwrap();

    // Every held-out artist gets a finite, non-zero vector from its content.
    let mut held: Vec<u32> = split.test.item_col().to_vec();
    held.sort_unstable();
    held.dedup();
    assert!(held.len() > 400, "{} held out", held.len());
    let vectors = model.artist_vectors().unwrap();
    for &a in &held {
        assert!(model.cold_artists().binary_search(&a).is_ok(), "artist {a}");
        let v = vectors.row(a).unwrap();
        assert!(v.iter().all(|x| x.is_finite()) && v.iter().any(|&x| x != 0.0));
    }

    let ks = [1, 5, 10, 20];
    let ours = cold_start_listeners(&model, &split.train, &split.test, &ks).unwrap();
    let tags = cold_start_listeners(&baseline, &split.train, &split.test, &ks).unwrap();
    assert!(ours.units().len() > 800, "{} listeners", ours.units().len());
    for key in ["map@10", "map@20"] {
        let (a, b) = (ours.get(key).unwrap(), tags.get(key).unwrap());
        assert_eq!(a.ids, b.ids);
        let p = wilcoxon(
            &a.values,
            &b.values,
            &WilcoxonOptions::new().with_alternative(Alternative::Greater),
        )
        .unwrap()
        .p_value;
        assert!(
            a.mean() > b.mean() && p < 0.05,
            "{key}: content {:.4} vs tags {:.4}, p = {p:.3}",
            a.mean(),
            b.mean()
        );
    }
}

#[test]
fn content_model_fits_saves_and_loads_through_the_registry() {
    let data = Synthetic::generate(&SynthConfig::tiny().with_seed(3)).unwrap();
    let mut content = data.dataset.content().unwrap();
    let counts = data.sessions().to_counts();
    // An artist that only the content knows, tagged like the first artist with tags.
    let first = (0..content.artists.len() as u32)
        .find(|&a| !content.features_of(a).is_empty())
        .unwrap();
    let tags0: Vec<(String, f32)> = content
        .features_of(first)
        .iter()
        .map(|&(f, w)| (content.features.id(f).to_owned(), w))
        .collect();
    for (t, w) in &tags0 {
        content.add("brand-new", t, *w).unwrap();
    }
    let registry = artist2vec::registry();
    let train = TrainingData::new(&counts).with_content(&content);
    let model = registry
        .fit(
            "content",
            Some(r#"{"base_config": {"factors": 8}}"#),
            &train,
            &NoProgress,
        )
        .unwrap();
    let new = model.artist("brand-new").unwrap();
    assert_eq!(new as usize, model.n_items() - 1);
    let inner = model.downcast_ref::<ContentModel>().unwrap();
    assert!(inner.cold_artists().contains(&new));
    // The regression gives the same vector for the same tags without refitting.
    let tags: Vec<(&str, f32)> = tags0.iter().map(|(t, w)| (t.as_str(), *w)).collect();
    let v = inner.embed_tags(&tags).unwrap();
    let row = model.artist_vectors().unwrap().row(new).unwrap();
    assert!(v.iter().zip(row).all(|(a, b)| (a - b).abs() < 1e-5));
    assert!(!model.similar(new, 5).unwrap().is_empty());

    let path = std::env::temp_dir().join(format!("a2v-content-{}.a2v", std::process::id()));
    model.save(&path).unwrap();
    let back = registry.load(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(back.kind(), "content");
    assert_eq!(back.config_json(), model.config_json());
    assert_eq!(
        back.similar(new, 5).unwrap(),
        model.similar(new, 5).unwrap()
    );
    let q = Query::History(&[(0, 3.0), (1, 1.0)]);
    assert_eq!(
        back.recommend(&q, 10, true).unwrap(),
        model.recommend(&q, 10, true).unwrap()
    );
    assert_eq!(
        back.recommend(&Query::User(0), 10, true).unwrap(),
        model.recommend(&Query::User(0), 10, true).unwrap()
    );
}

#[test]
fn content_model_says_what_is_missing() {
    let data = Synthetic::generate(&SynthConfig::tiny().with_seed(3)).unwrap();
    let counts = data.sessions().to_counts();
    let registry = artist2vec::registry();
    let e = registry
        .fit("content", None, &TrainingData::new(&counts), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("--content"), "{e}");
    // Tag names but no assignments (a hetrec copy without user_taggedartists.dat).
    let mut bare = ArtistContent::new();
    bare.add_artist("0");
    let e = registry
        .fit(
            "content",
            None,
            &TrainingData::new(&counts).with_content(&bare),
            &NoProgress,
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("user_taggedartists.dat"), "{e}");
    // Content whose artist ids are not the training data's.
    let mut other = ArtistContent::new();
    other.add("not-an-artist", "metal", 1.0).unwrap();
    let e = registry
        .fit(
            "content",
            None,
            &TrainingData::new(&counts).with_content(&other),
            &NoProgress,
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("item ids"), "{e}");
    for bad in [
        r#"{"ridge": 0}"#,
        r#"{"base": "content"}"#,
        r#"{"content_weight": 2}"#,
    ] {
        assert!(
            registry
                .get("content")
                .unwrap()
                .check_config_json(bad)
                .is_err(),
            "{bad}"
        );
    }
}
