//! The `vidkryto` command line: parses arguments, calls the pipeline stages in the library,
//! and reports errors. Nothing else lives here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use vidkryto::config::Config;

/// Vidkryto: an open-data and transparency portal generator for municipalities.
///
/// The pipeline runs one way: pull → validate → anonymise → build (publish, render, index) →
/// serve. Each stage reads the previous stage's files, so any stage can be re-run alone.
#[derive(Parser)]
#[command(name = "vidkryto", version, propagate_version = true)]
struct Cli {
    /// The portal configuration.
    #[arg(long, global = true, default_value = "vidkryto.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fetch each dataset's source documents into the raw cache (build/raw/) and record
    /// their provenance (where from, when, SHA-256).
    Pull(PullArgs),
    /// Check datasets against their Table Schemas and declared totals; exit 0 valid,
    /// 1 invalid, 2 usage or I/O error.
    Validate(ValidateArgs),
    /// Anonymise citizen-appeal data by the dataset's privacy policy: remove direct
    /// identifiers, redact free text, generalise place and time, enforce k-anonymity.
    Anonymise(AnonymiseArgs),
    /// Validate, anonymise and publish every dataset, render the site to `public/` and
    /// build the search index beside it.
    Build(BuildArgs),
    /// Serve the last build: the site, the search API and the dataset API.
    Serve(ServeArgs),
    /// Build the bundled demo portal and serve it on 127.0.0.1.
    Demo(DemoArgs),
    /// Generate realistic synthetic input data for tests and benchmarks.
    #[command(subcommand)]
    Synth(SynthCommand),
}

#[derive(clap::Args)]
struct PullArgs {
    /// Only these datasets (default: every dataset in the configuration).
    names: Vec<String>,
    /// Print the provenance records as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct ValidateArgs {
    /// A data package folder (datasets/NAME), or with --schema a CSV file. Without it,
    /// every dataset in the configuration.
    path: Option<PathBuf>,
    /// Validate one CSV file against this Table Schema (JSON).
    #[arg(long)]
    schema: Option<PathBuf>,
    /// Print the report as JSON, in the shape of frictionless-py's report.
    #[arg(long)]
    json: bool,
    /// Stop after this many errors per resource (the report says it stopped early).
    #[arg(long)]
    max_errors: Option<usize>,
}

#[derive(clap::Args)]
struct AnonymiseArgs {
    /// The dataset whose policy applies (default: every dataset that has a policy).
    dataset: Option<String>,
    /// A raw input file to anonymise instead of the dataset's own raw files.
    #[arg(long = "in", requires = "dataset")]
    input: Option<PathBuf>,
    /// Where to write the anonymised CSV (with --in).
    #[arg(long, requires = "input")]
    out: Option<PathBuf>,
    /// Where to write the privacy report (JSON).
    #[arg(long)]
    report: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Engine {
    /// Render with Vidkryto's built-in renderer (the crates Zola is built on).
    Builtin,
    /// Run a `zola` binary found on PATH on the generated site.
    Zola,
}

#[derive(clap::Args)]
struct BuildArgs {
    /// Which renderer turns the generated Zola site into HTML.
    #[arg(long, value_enum, default_value = "builtin")]
    engine: Engine,
    /// Print the build summary as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The published directory to serve (default: `paths.public` of the configuration).
    #[arg(long)]
    dir: Option<PathBuf>,
}

#[derive(clap::Args)]
struct DemoArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
}

#[derive(Subcommand)]
enum SynthCommand {
    /// Raw citizen appeals with planted personal data, and a manifest of what was planted.
    Appeals(SynthAppealsArgs),
}

#[derive(clap::Args)]
struct SynthAppealsArgs {
    /// How many appeals.
    #[arg(long, default_value_t = 10_000)]
    rows: u64,
    /// Random seed; the same seed gives the same file.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The CSV to write; the manifest goes to FILE.planted.json.
    #[arg(long)]
    out: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    Config::load(&cli.config).with_context(|| {
        format!(
            "run vidkryto from the portal's folder or pass --config (looked for `{}`)",
            cli.config.display()
        )
    })
}

fn not_implemented(what: &str) -> anyhow::Result<ExitCode> {
    eprintln!("vidkryto {what}: not implemented yet");
    Ok(ExitCode::from(2))
}

fn serve(dir: &std::path::Path, addr: SocketAddr) -> anyhow::Result<ExitCode> {
    vidkryto_search::server::serve(dir, addr, |bound| {
        println!(
            "serving {} on http://{bound}/ (Ctrl-C to stop)",
            dir.display()
        );
    })?;
    Ok(ExitCode::SUCCESS)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Pull(args) => {
            let config = load_config(&cli)?;
            let records = vidkryto::pull::pull(&config, &args.names)?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&records)?);
            } else {
                for record in &records {
                    println!("{}  {}  {}", record.sha256, record.dataset, record.source);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate(_) => not_implemented("validate"),
        Command::Anonymise(_) => not_implemented("anonymise"),
        Command::Build(args) => {
            let config = load_config(&cli)?;
            let engine = match args.engine {
                Engine::Builtin => vidkryto::site::Engine::Builtin,
                Engine::Zola => vidkryto::site::Engine::Zola,
            };
            let summary = vidkryto::build::build_with(&config, engine)?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                println!("{summary}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => {
            let dir = match &args.dir {
                Some(dir) => dir.clone(),
                None => load_config(&cli)?.public_dir(),
            };
            serve(&dir, args.addr)
        }
        Command::Demo(args) => {
            let config = load_config(&cli)?;
            let summary = vidkryto::build::build(&config)?;
            println!("{summary}");
            serve(&config.public_dir(), args.addr)
        }
        Command::Synth(SynthCommand::Appeals(_)) => not_implemented("synth appeals"),
    }
}
