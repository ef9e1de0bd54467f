//! The committed reference cases (reference/cases.json, made by reference/make_cases.py with
//! ranx 0.3.21 and a port of evaluate.py) reproduced to 1e-12.

use std::collections::{BTreeMap, HashSet};

use artist2vec_metrics::{Metric, evaluate_run, rank_by_score};
use serde_json::Value;

const TOL: f64 = 1e-12;

fn cases() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/reference/cases.json");
    let text = std::fs::read_to_string(path).expect("reference/cases.json is committed");
    let v: Value = serde_json::from_str(&text).expect("cases.json parses");
    v["cases"].as_array().expect("a list of cases").clone()
}

fn id(s: &str) -> u32 {
    s.parse().expect("ids are u32")
}

struct Case {
    name: String,
    k: usize,
    qrels: BTreeMap<u32, BTreeMap<u32, u32>>,
    run: BTreeMap<u32, Vec<(u32, f64)>>,
    ranked: BTreeMap<u32, Vec<u32>>,
    expected: Value,
}

fn parse(c: &Value) -> Case {
    let qrels = c["qrels"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(q, j)| {
            let grades = j
                .as_object()
                .unwrap()
                .iter()
                .map(|(i, g)| (id(i), g.as_u64().unwrap() as u32))
                .collect();
            (id(q), grades)
        })
        .collect();
    let run = c["run"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(q, l)| {
            let scored = l
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_u64().unwrap() as u32, p[1].as_f64().unwrap()))
                .collect();
            (id(q), scored)
        })
        .collect();
    let ranked = c["ranked"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(q, l)| {
            let items = l
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_u64().unwrap() as u32)
                .collect();
            (id(q), items)
        })
        .collect();
    Case {
        name: c["name"].as_str().unwrap().to_owned(),
        k: c["k"].as_u64().unwrap() as usize,
        qrels,
        run,
        ranked,
        expected: c["expected"].clone(),
    }
}

#[test]
fn cases_file_covers_what_it_promises() {
    let all: Vec<Case> = cases().iter().map(parse).collect();
    assert!(all.len() >= 10);
    // ties, graded relevance, empty or missing runs, k larger than a list
    assert!(all.iter().any(|c| c.name.starts_with("ties")));
    assert!(
        all.iter()
            .any(|c| c.qrels.values().any(|j| j.values().any(|&g| g > 1)))
    );
    assert!(all.iter().any(|c| {
        c.qrels
            .keys()
            .any(|q| c.run.get(q).is_none_or(|r| r.is_empty()))
    }));
    assert!(
        all.iter()
            .any(|c| c.run.values().any(|r| !r.is_empty() && r.len() < c.k))
    );
}

#[test]
fn rank_by_score_orders_like_the_reference() {
    for c in cases().iter().map(parse) {
        for (q, expected) in &c.ranked {
            let got = rank_by_score(c.run.get(q).map_or(&[][..], |v| v)).unwrap();
            assert_eq!(&got, expected, "case {} query {q}", c.name);
        }
    }
}

#[test]
fn every_metric_matches_the_reference_per_query() {
    let mut checked = 0;
    for c in cases().iter().map(parse) {
        for m in Metric::ALL {
            let exp = &c.expected[m.name()];
            assert!(exp.is_object(), "case {} lacks {}", c.name, m.name());
            for (q, grades) in &c.qrels {
                let want = exp[q.to_string()].as_f64().unwrap();
                let ranked = &c.ranked[q];
                // Graded judgments as u32 grades and as f64 grades.
                let got = m.score(ranked, grades, c.k);
                let as_f64: BTreeMap<u32, f64> =
                    grades.iter().map(|(&i, &g)| (i, g as f64)).collect();
                let got_f64 = m.score(ranked, &as_f64, c.k);
                assert!(
                    (got - want).abs() <= TOL && (got_f64 - want).abs() <= TOL,
                    "case {} query {q} {}@{}: got {got} / {got_f64}, want {want}",
                    c.name,
                    m.name(),
                    c.k
                );
                // With binary judgments every metric but graded NDCG sees the same set.
                if grades.values().all(|&g| g <= 1) {
                    let set: HashSet<u32> = grades
                        .iter()
                        .filter(|&(_, &g)| g > 0)
                        .map(|(&i, _)| i)
                        .collect();
                    let got_set = m.score(ranked, &set, c.k);
                    assert!(
                        (got_set - want).abs() <= TOL,
                        "case {} query {q} set",
                        c.name
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 500, "only {checked} values checked");
}

#[test]
fn batch_helper_matches_the_reference_and_means_are_plain_averages() {
    for c in cases().iter().map(parse) {
        let scores = evaluate_run(&Metric::ALL, &c.ranked, &c.qrels, c.k).unwrap();
        for (m, s) in Metric::ALL.iter().zip(&scores) {
            assert_eq!(s.ids, c.qrels.keys().copied().collect::<Vec<_>>());
            let want: Vec<f64> = s
                .ids
                .iter()
                .map(|q| c.expected[m.name()][q.to_string()].as_f64().unwrap())
                .collect();
            for (g, w) in s.values.iter().zip(&want) {
                assert!((g - w).abs() <= TOL, "case {} {}", c.name, m.name());
            }
            let mean = want.iter().sum::<f64>() / want.len() as f64;
            assert!((s.mean() - mean).abs() <= TOL);
        }
    }
}
