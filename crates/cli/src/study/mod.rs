//! Studies: hyper-parameter search (`tune`) and experiment files (`run`).

pub mod cache;
pub mod data;
pub mod experiment;
pub mod report;
pub mod run;
pub mod score;
pub mod space;
pub mod tpe;
pub mod tune;
