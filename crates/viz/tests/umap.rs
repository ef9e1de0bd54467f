//! UMAP on data with a known structure: clusters stay clusters, the map is seeded, bad input
//! is refused.

use artist2vec_core::{Embeddings, Vocabulary};
use artist2vec_viz::umap::{Init, Umap, UmapConfig, fuzzy_simplicial_set, pca_init};
use artist2vec_viz::{ArtistMap, Groups, KnnGraph, MapSettings, VizError, project_embeddings};

/// `clusters` groups of `per` points in `dim` dimensions: each group around its own axis, with
/// deterministic noise.
fn clustered(clusters: usize, per: usize, dim: usize) -> (Embeddings, Vec<usize>) {
    let mut vocab = Vocabulary::new();
    let mut data = Vec::new();
    let mut labels = Vec::new();
    let mut state = 12345u64;
    let mut noise = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
    };
    for c in 0..clusters {
        for p in 0..per {
            let ix = vocab.insert(format!("c{c}p{p}"));
            vocab.set_name(ix, format!("Cluster {c} artist {p}"));
            for d in 0..dim {
                data.push(if d % clusters == c { 1.0 } else { 0.0 } + 0.35 * noise());
            }
            labels.push(c);
        }
    }
    (Embeddings::new(vocab, dim, data).unwrap(), labels)
}

/// Share of every point's `k` nearest map neighbours that carry its label.
fn label_purity(coords: &[f32], labels: &[usize], k: usize) -> f64 {
    let n = labels.len();
    let mut same = 0usize;
    for i in 0..n {
        let mut d: Vec<(f32, usize)> = (0..n)
            .filter(|&j| j != i)
            .map(|j| {
                let dx = coords[2 * i] - coords[2 * j];
                let dy = coords[2 * i + 1] - coords[2 * j + 1];
                (dx * dx + dy * dy, j)
            })
            .collect();
        d.sort_by(|a, b| a.0.total_cmp(&b.0));
        same += d[..k].iter().filter(|p| labels[p.1] == labels[i]).count();
    }
    same as f64 / (n * k) as f64
}

#[test]
fn clusters_stay_together_and_the_map_is_seeded() {
    let (table, labels) = clustered(5, 60, 20);
    let settings = MapSettings {
        seed: 7,
        ..Default::default()
    };
    let a = project_embeddings(&table, &settings).unwrap();
    assert_eq!(a.len(), 2 * 300);
    assert!(a.iter().all(|v| v.is_finite()));
    let purity = label_purity(&a, &labels, 10);
    assert!(purity > 0.95, "10-NN label purity in the map {purity}");
    // Same seed: the same map bit for bit; another seed: another map, as good.
    let b = project_embeddings(&table, &settings).unwrap();
    assert_eq!(a, b);
    let c = project_embeddings(
        &table,
        &MapSettings {
            seed: 8,
            ..settings
        },
    )
    .unwrap();
    assert_ne!(a, c);
    assert!(label_purity(&c, &labels, 10) > 0.95);
}

#[test]
fn random_start_from_a_graph_also_separates_clusters() {
    let (table, labels) = clustered(4, 50, 16);
    let graph = KnnGraph::from_embeddings(&table, 14).unwrap();
    let coords = Umap::new(UmapConfig::default())
        .fit(&graph, Init::Random)
        .unwrap();
    let purity = label_purity(&coords, &labels, 10);
    assert!(purity > 0.9, "purity {purity}");
}

#[test]
fn fuzzy_graph_is_symmetric_with_weights_in_unit_interval() {
    let (table, _) = clustered(3, 20, 9);
    let graph = KnnGraph::from_embeddings(&table, 5).unwrap();
    let f = fuzzy_simplicial_set(&graph, 6);
    assert!(!f.weights.is_empty());
    assert!(f.weights.iter().all(|&w| w > 0.0 && w <= 1.0));
    let mut edges: Vec<(u32, u32, u32)> = f
        .heads
        .iter()
        .zip(&f.tails)
        .zip(&f.weights)
        .map(|((&h, &t), &w)| (h, t, w.to_bits()))
        .collect();
    let mut rev: Vec<(u32, u32, u32)> = edges.iter().map(|&(h, t, w)| (t, h, w)).collect();
    edges.sort_unstable();
    rev.sort_unstable();
    assert_eq!(edges, rev);
    // Every point's nearest neighbour has membership 1 (local connectivity).
    for i in 0..graph.n() {
        let j = graph.row(i).0[0];
        let w = f
            .heads
            .iter()
            .zip(&f.tails)
            .zip(&f.weights)
            .find(|&((&h, &t), _)| h as usize == i && t == j)
            .map(|(_, &w)| w)
            .unwrap();
        assert!((w - 1.0).abs() < 1e-6, "point {i}: {w}");
    }
}

#[test]
fn pca_start_follows_the_main_axis() {
    // Points on a line in 3-D (plus a small second axis): PCA's first coordinate orders them.
    let n = 50;
    let data: Vec<f32> = (0..n)
        .flat_map(|i| {
            let t = i as f32 / n as f32;
            [1.0, t * 2.0 - 1.0, 0.05 * (i % 3) as f32]
        })
        .collect();
    let c = pca_init(&data, n, 3).unwrap();
    let xs: Vec<f32> = c.iter().step_by(2).copied().collect();
    let increasing = xs.windows(2).all(|w| w[1] > w[0]);
    let decreasing = xs.windows(2).all(|w| w[1] < w[0]);
    assert!(increasing || decreasing, "{xs:?}");
    assert!(matches!(pca_init(&data, n, 4), Err(VizError::Invalid(_))));
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let (table, _) = clustered(2, 3, 4);
    let e = KnnGraph::from_embeddings(&table, 6)
        .unwrap_err()
        .to_string();
    assert!(e.contains("1..6"), "{e}");
    let e = KnnGraph::new(2, 1, vec![0, 0], vec![0.5, 0.5])
        .unwrap_err()
        .to_string();
    assert!(e.contains("itself"), "{e}");
    assert!(KnnGraph::new(2, 1, vec![1, 0], vec![f32::NAN, 0.5]).is_err());
    assert!(KnnGraph::new(3, 1, vec![1, 0], vec![0.5, 0.5]).is_err());
    let bad = UmapConfig {
        min_dist: 2.0,
        ..Default::default()
    };
    assert!(bad.validate().unwrap_err().to_string().contains("min_dist"));
    let graph = KnnGraph::from_embeddings(&table, 2).unwrap();
    assert!(
        Umap::default()
            .fit(&graph, Init::Given(vec![0.0; 3]))
            .is_err()
    );
    assert!(ArtistMap::new("t", vec!["a".into()], vec![0.0]).is_err());
    assert!(ArtistMap::new("t", vec!["a".into()], vec![0.0, f32::NAN]).is_err());
    let m = ArtistMap::new("t", vec!["a".into(), "b".into()], vec![0.0, 0.0, 1.0, 1.0]).unwrap();
    assert!(m.clone().with_plays("plays", vec![1.0]).is_err());
    assert!(m.clone().with_plays("plays", vec![1.0, -1.0]).is_err());
    assert!(
        m.with_groups(Groups {
            names: vec!["rock".into()],
            of: vec![Some(0), Some(1)]
        })
        .is_err()
    );
}

#[test]
fn html_and_svg_carry_every_artist_and_escape_names() {
    let names = vec![
        "</script><b>x".to_owned(),
        "AC/DC & \"friends\"".to_owned(),
        "Кино".to_owned(),
    ];
    let map = ArtistMap::new("a <map>", names, vec![0.0, 0.0, 1.0, 0.5, 2.0, 2.0])
        .unwrap()
        .with_plays("plays", vec![3.0, 10.0, 7.0])
        .unwrap()
        .with_groups(Groups {
            names: vec!["rock".into(), "post-punk".into()],
            of: vec![Some(0), Some(0), None],
        })
        .unwrap();
    let html = map.to_html();
    // The data cannot close its script element, and no resource is fetched.
    assert_eq!(html.matches("</script>").count(), 2, "{html}");
    assert!(html.contains("\\u003c/script>\\u003cb>x"));
    assert!(html.contains("Кино") && html.contains("post-punk"));
    assert!(html.contains("<title>a &lt;map&gt;</title>"));
    for remote in ["http://", "https://", "src=", "href="] {
        assert!(!html.contains(remote), "the page refers to {remote}");
    }
    let svg = map.to_svg();
    assert!(svg.contains("AC/DC &amp; &quot;friends&quot;"));
    assert!(svg.contains("&lt;/script&gt;"));
    assert_eq!(
        svg.matches("<circle").count(),
        3 + 2,
        "3 artists + 2 legend entries"
    );
}
