//! Ranking metrics and evaluation for **artist2vec**, matching the reference tools to the last
//! digit.
//!
//! * [`ranking`]: precision@k, recall@k, MAP@k (normalised by min(k, |R|): [`map_at_k`]; by |R|:
//!   [`ap_allrel_at_k`], the trec_eval / ranx convention), NDCG@k with binary or graded relevance
//!   and linear or exponential [`Gain`], hit rate@k, MRR@k, [`catalogue_coverage`] — pure
//!   functions of one ranked list and one user's [`Relevance`] judgments.
//! * [`batch`]: the same for every user of a run, as per-user [`Scores`] (the input of
//!   statistical tests) whose mean is one call away.
//! * [`sequence`]: next-item accuracy, HR@k and MRR@k per sequence.
//! * [`evaluate`](mod@evaluate): a port of `tools/evaluate.py` — the same rules (rank ties in
//!   file order, duplicates and train items removed, users without recs score 0, …), the same
//!   numbers to the last digit and the same JSON report ([`EvalReport`]), with TSV readers
//!   ([`tsv`]) whose errors name the file, line and column.
//! * [`protocols`]: the five evaluation protocols of the seed notebooks as functions over any
//!   model of the shared traits, with per-unit scores, and the subsample–retrain driver.
//! * [`topk`]: full-catalogue top-k by dot product with seen items excluded — blocked, SIMD
//!   friendly, multithreaded.
//!
//! # Quick start
//!
//! ```
//! use std::collections::{BTreeMap, HashSet};
//! use artist2vec_metrics::{
//!     evaluate, evaluate_run, full_catalogue_top_k, ndcg_at_k, EvalConfig, Gain, Interaction,
//!     Metric, Recommendation, SeenItems, TopKConfig,
//! };
//!
//! // One list, one user: NDCG@3 of a list that finds one of two relevant items at rank 2.
//! let relevant: HashSet<u32> = [4, 7].into();
//! let ndcg = ndcg_at_k(&[1, 4, 2], &relevant, 3, Gain::Linear);
//! assert!((ndcg - (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2())).abs() < 1e-12);
//!
//! // Recommend from vectors: 2 users, 4 items, 2 dimensions; user 0 has seen item 0.
//! let users = [1.0, 0.0, 0.0, 1.0];
//! let items = [1.0, 0.0, 0.8, 0.1, 0.1, 0.9, 0.0, 0.5];
//! let seen = SeenItems::new(&[0, 1, 1], &[0])?;
//! let top = full_catalogue_top_k(&users, &items, 2, Some(&seen), &TopKConfig::new(2))?;
//! assert_eq!(top.items(0), vec![1, 2]);
//!
//! // Per-user scores for a whole run, ready for a paired test; the mean is one call away.
//! let run: BTreeMap<u32, Vec<u32>> = (0..2).map(|u| (u, top.items(u as usize))).collect();
//! let qrels: BTreeMap<u32, HashSet<u32>> = [(0, [1].into()), (1, [3].into())].into();
//! let scores = evaluate_run(&[Metric::HitRate, Metric::Precision], &run, &qrels, 2)?;
//! assert_eq!(top.items(1), vec![2, 3]);
//! assert_eq!(scores[0].values, vec![1.0, 1.0]); // hit rate@2 per user
//! assert_eq!(scores[1].mean(), 0.5); // mean precision@2
//!
//! // The evaluate.py protocol on in-memory rows (see `evaluate_files` for TSV files).
//! let row = |user, item| Interaction { user, item, weight: 1.0 };
//! let recs: Vec<Recommendation> = (0..2u32)
//!     .flat_map(|u| top.get(u as usize).iter().enumerate().map(move |(r, n)| {
//!         Recommendation { user: u, item: n.item, rank: r as f64 + 1.0 }
//!     }))
//!     .collect();
//! let report = evaluate(&EvalConfig::new(2), &[row(0, 0)], &[row(0, 1), row(1, 3)], &recs)?;
//! assert_eq!(report.mean_of(Metric::Precision), Some(0.5));
//! assert_eq!(report.users, vec![0, 1]);
//! # Ok::<(), artist2vec_metrics::MetricsError>(())
//! ```
#![warn(missing_docs)]

pub mod batch;
mod error;
pub mod evaluate;
pub mod numeric;
pub mod protocols;
pub mod ranking;
mod relevance;
pub mod sequence;
pub mod topk;
pub mod tsv;

pub use batch::{Scores, evaluate_run, per_user};
pub use error::{MetricsError, Result};
pub use evaluate::{EvalConfig, EvalReport, MetricMap, evaluate, evaluate_files};
pub use ranking::{
    Coverage, Gain, Metric, ap_allrel_at_k, catalogue_coverage, hit_rate_at_k, hits_at_k, map_at_k,
    mrr_at_k, ndcg_at_k, precision_at_k, rank_by_score, recall_at_k,
};
pub use relevance::Relevance;
pub use sequence::{NextItemPerSequence, NextItemScores, next_item, next_item_per_sequence};
pub use topk::{Neighbor, SeenItems, TopKConfig, TopKLists, full_catalogue_top_k};
pub use tsv::{
    Interaction, Recommendation, SplitRow, SplitTsvReader, TsvTable, ValueColumn,
    parse_interactions, parse_recommendations, read_interactions, read_recommendations,
};
