//! The `vidkryto` command line: parses arguments, calls the pipeline stages in the library,
//! and reports errors. Nothing else lives here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use vidkryto::config::Config;

/// See the `mimalloc` line in Cargo.toml: allocation-heavy rendering on two threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Fetch each dataset's source documents and every resource with a `pull` object
    /// (HTTP, CKAN, files; CSV, XLSX, ODS, JSON) into the raw cache (build/raw/), map them
    /// onto their schemas and record their provenance; exit 1 when a resource failed (its
    /// last good copy is kept).
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
    /// Upload the last build to S3-compatible object storage as a new version and switch
    /// readers to it at once (files already there are not uploaded again).
    Publish(PublishArgs),
    /// Serve the last build: the site, the search API and the dataset API.
    Serve(ServeArgs),
    /// Pull the bundled demo portal's (local) sources, build it and serve it on 127.0.0.1.
    Demo(DemoArgs),
    /// Generate realistic synthetic input data for tests and benchmarks.
    #[command(subcommand)]
    Synth(SynthCommand),
}

#[derive(clap::Args)]
struct PullArgs {
    /// Only these datasets (default: every dataset in the configuration).
    names: Vec<String>,
    /// Print the summary as JSON (per resource: status downloaded | not-modified | failed).
    #[arg(long)]
    json: bool,
    /// Sources fetched at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    /// Seconds one request may take, connection to last byte.
    #[arg(long, default_value_t = 60.0)]
    timeout: f64,
    /// Further attempts after a timeout, connection error, 5xx or 429 (waits 0.5 s, 1 s, …).
    #[arg(long, default_value_t = 2)]
    retries: u32,
    /// The largest source accepted, in bytes (after gzip decoding).
    #[arg(long, default_value_t = 256 << 20)]
    max_bytes: u64,
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
    /// List at most this many warnings of each kind per resource (default 1000; 0: none);
    /// the report counts every warning (`warningTotals`).
    #[arg(long)]
    max_warnings: Option<usize>,
    /// Validate only this resource of the data package; a known-bad raw resource
    /// (`x_raw_ocr`) validated alone fails like any other.
    #[arg(long, conflicts_with = "schema")]
    resource: Option<String>,
}

#[derive(clap::Args)]
struct AnonymiseArgs {
    /// The dataset whose policy applies (default: every dataset that has a policy).
    dataset: Option<String>,
    /// A raw input file to anonymise instead of the dataset's own raw files.
    #[arg(long = "in", requires_all = ["dataset", "out"])]
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
    /// When another build is writing the same public folder, wait for it instead of
    /// refusing.
    #[arg(long)]
    wait: bool,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The published directory to serve (default: `paths.public` of the configuration).
    #[arg(long, conflicts_with = "from")]
    dir: Option<PathBuf>,
    /// Serve as a stateless replica of a portal published with `vidkryto publish`
    /// (s3://BUCKET/PREFIX): sync its current version into --cache, then follow it.
    #[arg(long, value_name = "URL")]
    from: Option<String>,
    /// The object store's endpoint for --from (MinIO, Ceph, R2, …; default
    /// `AWS_ENDPOINT_URL`, else AWS S3).
    #[arg(long, value_name = "URL", requires = "from")]
    endpoint: Option<String>,
    /// Where a replica keeps its local copy (default: `<paths.build>/replica`).
    #[arg(long, value_name = "DIR", requires = "from")]
    cache: Option<PathBuf>,
    /// How often a replica checks for a new version, in seconds.
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS", requires = "from")]
    poll: f64,
}

#[derive(clap::Args)]
struct PublishArgs {
    /// Where to: s3://BUCKET/PREFIX.
    #[arg(long, value_name = "URL")]
    to: String,
    /// The object store's endpoint (MinIO, Ceph, R2, …; default `AWS_ENDPOINT_URL`, else
    /// AWS S3).
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// The build to publish (default: `paths.public` of the configuration).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Print what was uploaded, left unchanged and deleted as JSON.
    #[arg(long)]
    json: bool,
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
    // Peak memory is what a city's small server must have for a stage; see the function.
    vidkryto_search::memory::without_huge_pages();
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

fn serve(dir: &std::path::Path, addr: SocketAddr) -> anyhow::Result<ExitCode> {
    vidkryto_search::server::serve(dir, addr, |bound| {
        println!(
            "serving {} on http://{bound}/ (Ctrl-C to stop)",
            dir.display()
        );
    })?;
    Ok(ExitCode::SUCCESS)
}

fn publish(cli: &Cli, args: &PublishArgs) -> anyhow::Result<ExitCode> {
    use vidkryto_search::remote::{self, Remote};
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => load_config(cli)?.public_dir(),
    };
    let target = Remote::open(&args.to, args.endpoint.as_deref())?;
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} files")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(format!("publishing to {}", args.to));
    let summary = remote::publish(
        &vidkryto_search::Layout::new(&dir),
        &target,
        &|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    )
    .with_context(|| format!("cannot publish `{}` to {}", dir.display(), args.to))?;
    bar.finish_and_clear();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        let previous = summary.previous.as_deref().unwrap_or("none");
        println!(
            "published {} as version {} (replacing {previous}): {} files, {} uploaded ({} bytes), \
             {} unchanged, {} deleted, {:.1} s",
            dir.display(),
            summary.version,
            summary.files,
            summary.uploaded,
            summary.uploaded_bytes,
            summary.unchanged,
            summary.deleted,
            summary.seconds
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn serve_replica(cli: &Cli, args: &ServeArgs, url: &str) -> anyhow::Result<ExitCode> {
    use vidkryto_search::remote::{self, Remote};
    let cache = match &args.cache {
        Some(dir) => dir.clone(),
        None => load_config(cli)?.build_dir().join("replica"),
    };
    if !(args.poll.is_finite() && args.poll > 0.0) {
        anyhow::bail!(
            "--poll must be a positive number of seconds, not {}",
            args.poll
        );
    }
    let source = Remote::open(url, args.endpoint.as_deref())?;
    let synced = remote::sync_current(&source, &cache)
        .with_context(|| format!("cannot sync {url} into `{}`", cache.display()))?;
    eprintln!(
        "replica of {url}: version {} in `{}` ({} files downloaded)",
        synced.version,
        cache.display(),
        synced.downloaded
    );
    remote::follow(source, cache, std::time::Duration::from_secs_f64(args.poll));
    serve(&synced.current, args.addr)
}

fn validate(cli: &Cli, args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    use vidkryto::validate::{self, Options, Report};
    let options = Options {
        max_errors: args.max_errors,
        max_warnings: Some(
            args.max_warnings
                .unwrap_or(vidkryto::validate::report::DEFAULT_WARNING_CAP),
        ),
        ..Options::default()
    };
    let report = match (&args.schema, &args.path) {
        (Some(schema), Some(data)) => {
            validate::validate_with_schema(data, schema, &options).map_err(anyhow::Error::msg)?
        }
        (Some(_), None) => anyhow::bail!("--schema needs the CSV file to validate: vidkryto validate --schema SCHEMA.json DATA.csv"),
        // A package folder, descriptor (JSON or YAML) or table; of a dataset with a privacy
        // policy, the raw inputs, as `build` validates them.
        (None, Some(path)) => {
            let mut loaded = validate::descriptor::load(path).map_err(anyhow::Error::msg)?;
            if loaded.package.resources.iter().any(|r| r.pull.is_some()) {
                // Pulled resources are read from the pull stage's cache, as `build` reads them.
                let mut package = loaded.package.clone();
                pulled_from_cache(cli, path, &mut package)?;
                let errors = std::mem::take(&mut loaded.errors);
                loaded = validate::descriptor::from_package(&package);
                loaded.errors = errors;
            }
            let inputs = vidkryto::anonymise::inputs_only(loaded.package.clone())?;
            loaded.retain(|r| inputs.resource(&r.name).is_some());
            validate::validate_descriptor(loaded, args.resource.as_deref(), &options)
                .map_err(anyhow::Error::msg)?
        }
        (None, None) => {
            let config = load_config(cli)?;
            let packages = vidkryto::build::load_packages(&config)?
                .into_iter()
                .map(vidkryto::anonymise::inputs_only)
                .collect::<Result<Vec<_>, _>>()?;
            Report::merge(
                packages
                    .iter()
                    .map(|p| validate::validate_package(p, &options))
                    .collect(),
            )
        }
    };
    if args.json {
        // Written as it is serialised, not built as one string first.
        let stdout = std::io::stdout().lock();
        let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout);
        serde_json::to_writer_pretty(&mut out, &report)?;
        std::io::Write::write_all(&mut out, b"\n")?;
        std::io::Write::flush(&mut out)?;
    } else {
        println!("{report}");
    }
    Ok(if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Points the pulled resources of the package in `dir` at their cached copies, found through
/// the configuration (the cache is `build/raw/<dataset>/`).
fn pulled_from_cache(
    cli: &Cli,
    dir: &std::path::Path,
    package: &mut vidkryto::catalog::Package,
) -> anyhow::Result<()> {
    let config = load_config(cli)?;
    let wanted = std::fs::canonicalize(dir).ok();
    let name = config
        .datasets
        .iter()
        .find(|e| std::fs::canonicalize(config.dataset_dir(e)).ok() == wanted)
        .map_or_else(|| package.name.clone(), |e| e.name.clone());
    vidkryto::pull::use_cache(&config.build_dir().join("raw").join(&name), package)
        .with_context(|| format!("dataset `{name}`"))
}

/// A spinner with a row count on stderr; indicatif hides it when stderr is not a terminal.
fn progress_bar(dataset: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    let style = indicatif::ProgressStyle::with_template(&format!(
        "{{spinner}} {dataset}: {{msg}} — {{human_pos}} rows ({{per_sec}})"
    ))
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
    bar.set_style(style);
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

fn anonymise(cli: &Cli, args: &AnonymiseArgs) -> anyhow::Result<ExitCode> {
    use vidkryto::anonymise::{self, Outputs, Policy};
    let config = load_config(cli)?;
    let packages = match &args.dataset {
        Some(name) => {
            let entry = config
                .dataset(name)
                .with_context(|| format!("no dataset `{name}` in `{}`", cli.config.display()))?;
            let package = vidkryto::catalog::Package::load(&config.dataset_dir(entry))
                .with_context(|| format!("dataset `{name}`"))?;
            vec![package]
        }
        None => vidkryto::build::load_packages(&config)?,
    };
    let mut reports = Vec::new();
    for package in &packages {
        if let (Some(input), Some(out)) = (&args.input, &args.out) {
            let policy =
                Policy::of(package)?.ok_or_else(|| anonymise::AnonymiseError::NoPolicy {
                    dataset: package.name.clone(),
                })?;
            let outputs = Outputs {
                csv: out.clone(),
                report: args.report.clone(),
                open311: None,
            };
            let bar = progress_bar(&package.name);
            let update = |pass: &'static str, rows: u64| {
                bar.set_message(pass);
                bar.set_position(rows);
            };
            let report =
                anonymise::anonymise_file(package, &policy, input, &outputs, Some(&update));
            bar.finish_and_clear();
            reports.push(report?);
            continue;
        }
        let bar = progress_bar(&package.name);
        let update = |pass: &'static str, rows: u64| {
            bar.set_message(pass);
            bar.set_position(rows);
        };
        let done = anonymise::anonymise_package(package, &config.build_dir(), Some(&update));
        bar.finish_and_clear();
        if let Some(done) = done? {
            if let Some(path) = &args.report {
                let json = serde_json::to_vec_pretty(&done.report)?;
                vidkryto_search::output::write_atomic(path, &json)
                    .with_context(|| format!("cannot write `{}`", path.display()))?;
            }
            eprintln!("anonymised into {}", done.dir.display());
            reports.push(done.report);
        } else if args.dataset.is_some() {
            anyhow::bail!(anonymise::AnonymiseError::NoPolicy {
                dataset: package.name.clone(),
            });
        }
    }
    for report in &reports {
        print!("{report}");
    }
    Ok(ExitCode::SUCCESS)
}

fn pull(cli: &Cli, args: &PullArgs) -> anyhow::Result<ExitCode> {
    use vidkryto::pull::{FetchOptions, PullOptions};
    let config = load_config(cli)?;
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        anyhow::bail!(
            "--timeout must be a positive number of seconds, not {}",
            args.timeout
        );
    }
    let options = PullOptions {
        fetch: FetchOptions {
            timeout: std::time::Duration::from_secs_f64(args.timeout),
            retries: args.retries,
            max_bytes: args.max_bytes,
            ..FetchOptions::default()
        },
        jobs: usize::from(args.jobs),
        progress: !args.json,
    };
    let summary = vidkryto::pull::pull(&config, &args.names, &options)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{summary}");
    }
    Ok(if summary.failed().next().is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Pull(args) => pull(&cli, args),
        Command::Validate(args) => validate(&cli, args),
        Command::Anonymise(args) => anonymise(&cli, args),
        Command::Build(args) => {
            let config = load_config(&cli)?;
            let engine = match args.engine {
                Engine::Builtin => vidkryto::site::Engine::Builtin,
                Engine::Zola => vidkryto::site::Engine::Zola,
            };
            let options = vidkryto::build::BuildOptions {
                engine,
                wait: args.wait,
            };
            let summary = vidkryto::build::build_with_options(&config, &options)?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                println!("{summary}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Publish(args) => publish(&cli, args),
        Command::Serve(args) => match &args.from {
            Some(url) => serve_replica(&cli, args, url),
            None => {
                let dir = match &args.dir {
                    Some(dir) => dir.clone(),
                    None => load_config(&cli)?.public_dir(),
                };
                serve(&dir, args.addr)
            }
        },
        Command::Demo(args) => {
            let config = load_config(&cli)?;
            // The bundled sources are local files, so this stays offline; it gives the
            // dataset pages their provenance. A failure only leaves the cache as it was.
            match vidkryto::pull::pull(&config, &[], &vidkryto::pull::PullOptions::default()) {
                Ok(summary) if summary.failed().next().is_some() => eprint!("warning: {summary}"),
                Ok(_) => {}
                Err(err) => eprintln!("warning: pull: {err:#}; building from the cache as it is"),
            }
            let summary = vidkryto::build::build(&config)?;
            println!("{summary}");
            serve(&config.public_dir(), args.addr)
        }
        Command::Synth(SynthCommand::Appeals(args)) => {
            let summary = vidkryto::synth::appeals::write(args.rows, args.seed, &args.out)
                .with_context(|| format!("cannot write `{}`", args.out.display()))?;
            eprintln!(
                "wrote {} appeals (seed {}) to {} and {} planted values to {}",
                summary.rows,
                summary.seed,
                summary.csv.display(),
                summary.planted,
                summary.manifest.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
