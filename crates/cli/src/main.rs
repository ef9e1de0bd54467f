//! `artist2vec`: the command-line tool.
//!
//! Every command reads and writes files other tools can use (TSV splits, JSON reports) or the
//! canonical binary dataset (`.a2vd`, documented in `docs/dataset-format.md`). The commands
//! live in the `artist2vec_cli` library of this package; this is their dispatch.

use artist2vec_cli::progress::Ui;
use artist2vec_cli::{data_cmds, error_chain, eval_cmds, map_cmd, model_cmds, session_cmds, study};
use clap::{Parser, Subcommand};

/// Learn, use and judge vectors of music artists.
#[derive(Parser)]
#[command(name = "artist2vec", version, about, long_about = None)]
struct Cli {
    /// No progress bars or step timings (results are still printed).
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate 30Music-like data with planted genres, in every supported format.
    Synth(data_cmds::SynthArgs),
    /// Read a dataset in any supported format and write the canonical binary dataset.
    Ingest(data_cmds::IngestArgs),
    /// Apply the preparation steps (short plays, repeats, rare artists, short sessions, users).
    Prepare(data_cmds::PrepareArgs),
    /// Split a dataset into train/validation/test TSV files.
    Split(data_cmds::SplitArgs),
    /// Print users, artists, plays, sessions, time range and drops of a dataset.
    Stats(data_cmds::StatsArgs),
    /// Run the whole chain on a generated dataset and say what it did.
    Demo(data_cmds::DemoArgs),
    /// Score any tool's recommendations against a test split (as evaluate.py does).
    Evaluate(eval_cmds::EvaluateArgs),
    /// Session protocol: the next play at every step of test sessions, for any fitted model
    /// (MAP@20, precision@1/5/10/20, hit rate and MRR), written for `compare`.
    EvaluateSessions(session_cmds::EvaluateSessionsArgs),
    /// Compare evaluated models: means, 95 % CIs, paired Wilcoxon p-values, corrected p-values.
    Compare(eval_cmds::CompareArgs),
    /// Fit a model on a training TSV and save it.
    Fit(model_cmds::FitArgs),
    /// Write top-k recommendations (`user\titem\trank`) for the users of a TSV.
    Recommend(model_cmds::RecommendArgs),
    /// List the artists most similar to one, by name.
    Similar(model_cmds::SimilarArgs),
    /// Print a model's default configuration as JSON (or list the models).
    Config(model_cmds::ConfigArgs),
    /// Search a model's hyper-parameters on a validation split (TPE or random search).
    Tune(study::tune::TuneArgs),
    /// Run an experiment file: data, split, models, protocol, significance; writes a report.
    Run(study::run::RunArgs),
    /// Draw a 2-D map (UMAP) of a model's artists: an interactive HTML page and an SVG.
    Map(map_cmd::MapArgs),
}

fn main() {
    let cli = Cli::parse();
    let ui = Ui { quiet: cli.quiet };
    let res = match cli.command {
        Command::Synth(a) => data_cmds::synth(&ui, a),
        Command::Ingest(a) => data_cmds::ingest(&ui, a),
        Command::Prepare(a) => data_cmds::prepare(&ui, a),
        Command::Split(a) => data_cmds::split(&ui, a),
        Command::Stats(a) => data_cmds::stats(&ui, a),
        Command::Demo(a) => data_cmds::demo(&ui, a),
        Command::Evaluate(a) => eval_cmds::evaluate(&ui, a),
        Command::EvaluateSessions(a) => session_cmds::evaluate_sessions(&ui, a),
        Command::Compare(a) => eval_cmds::compare(&ui, a),
        Command::Fit(a) => model_cmds::fit(&ui, a),
        Command::Recommend(a) => model_cmds::recommend(&ui, a),
        Command::Similar(a) => model_cmds::similar(&ui, a),
        Command::Config(a) => model_cmds::config(a),
        Command::Tune(a) => study::tune::tune_cmd(&ui, a),
        Command::Run(a) => study::run::run_cmd(&ui, a),
        Command::Map(a) => map_cmd::map(&ui, a),
    };
    if let Err(e) = res {
        eprintln!("error: {}", error_chain(&e));
        std::process::exit(1);
    }
}
