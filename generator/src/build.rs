//! The build: runs the stages after `pull` in order — load packages, validate, anonymise
//! (into `build/anonymised/<name>/`), publish — into a staging copy of `public/` (the spare
//! tree of `crate::staging`, brought up to date), and swaps it in only when every stage
//! succeeded, so a failed build leaves the last good output untouched. One build at a time
//! per output folder (`staging::BuildLock`); the last stage records every servable file's
//! hash and precompressed copies (`vidkryto_search::sitefiles`).

use std::fmt;

use anyhow::Context;
use serde::Serialize;
use vidkryto_search::Layout;

use crate::anonymise;
use crate::catalog::Package;
use crate::config::Config;
use crate::publish;
use crate::staging::{BuildLock, ReusedStaging};
use crate::validate;

/// What a build produced.
#[derive(Debug, Serialize)]
pub struct BuildSummary {
    /// The published directory.
    pub public: String,
    /// Published datasets, by name.
    pub datasets: Vec<String>,
    /// Datasets kept private (raw input, never published).
    pub private: Vec<String>,
    /// What the site stage rendered.
    pub site: crate::site::SiteSummary,
    /// The search index written beside the site.
    pub index: vidkryto_search::index::IndexSummary,
    /// Servable files hashed, and precompressed copies made.
    pub files: vidkryto_search::sitefiles::FilesSummary,
    pub seconds: f64,
    /// Wall seconds of each stage, in the order they ran.
    pub stages: Vec<StageTime>,
}

/// How long one stage of a build took.
#[derive(Debug, Serialize)]
pub struct StageTime {
    pub stage: &'static str,
    pub seconds: f64,
}

/// The stages' clock: each `lap` closes the stage that ran since the last one.
struct Stopwatch {
    last: std::time::Instant,
    stages: Vec<StageTime>,
}

impl Stopwatch {
    fn new() -> Stopwatch {
        Stopwatch {
            last: std::time::Instant::now(),
            stages: Vec::new(),
        }
    }

    fn lap(&mut self, stage: &'static str) {
        let now = std::time::Instant::now();
        self.stages.push(StageTime {
            stage,
            seconds: (now - self.last).as_secs_f64(),
        });
        self.last = now;
    }
}

impl fmt::Display for BuildSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "built {} in {:.2} s: {} datasets published",
            self.public,
            self.seconds,
            self.datasets.len()
        )?;
        for name in &self.datasets {
            writeln!(f, "  {name}")?;
        }
        writeln!(
            f,
            "site: {} pages, {} files ({} rendered, {} unchanged) ({} programmes, {} register documents)",
            self.site.pages,
            self.site.files,
            self.site.rendered,
            self.site.reused,
            self.site.programmes.len(),
            self.site.documents
        )?;
        writeln!(
            f,
            "search index {}: {} documents",
            self.index.version, self.index.documents
        )?;
        writeln!(
            f,
            "static files: {} ({} copies compressed)",
            self.files.files, self.files.compressed
        )?;
        if !self.private.is_empty() {
            writeln!(f, "kept private: {}", self.private.join(", "))?;
        }
        let stages: Vec<String> = self
            .stages
            .iter()
            .map(|s| format!("{} {:.2} s", s.stage, s.seconds))
            .collect();
        writeln!(f, "stages: {}", stages.join(", "))
    }
}

/// Loads every configured data package, in configuration order.
pub fn load_packages(config: &Config) -> anyhow::Result<Vec<Package>> {
    config
        .datasets
        .iter()
        .map(|entry| {
            let dir = config.dataset_dir(entry);
            let mut package =
                Package::load(&dir).with_context(|| format!("dataset `{}`", entry.name))?;
            // Pulled resources are read from the raw cache; the build never fetches.
            crate::pull::use_cache(
                &config.build_dir().join("raw").join(&entry.name),
                &mut package,
            )
            .with_context(|| format!("dataset `{}`", entry.name))?;
            Ok(package)
        })
        .collect()
}

/// How many errors a refused build names.
const ERRORS_NAMED: usize = 5;

/// Validates `package` and, if it may be published, writes its report beside it; refuses
/// (with the first errors) a package that does not validate. Reports of private packages
/// and resources are not published: they may quote private cells.
fn validate_for_publishing(package: &Package, layout: &Layout) -> anyhow::Result<()> {
    let mut report = validate::validate_package(package, &validate::Options::default());
    if !report.valid {
        let errors = report.first_errors(ERRORS_NAMED);
        anyhow::bail!(
            "dataset `{}` does not validate ({} errors), so nothing was published; the first:\n  {}\nrun `vidkryto validate {}` for the full report",
            package.name,
            report.stats.errors,
            errors.join("\n  "),
            package.dir.display()
        );
    }
    if package.private {
        return Ok(());
    }
    report
        .tasks
        .retain(|t| package.resource(&t.name).is_some_and(|r| !r.private));
    reproducible(&mut report, package);
    let file = layout.validation_file(&package.name);
    vidkryto_search::output::write_in(layout, &file, &serde_json::to_vec_pretty(&report)?)
        .with_context(|| format!("cannot write `{}`", file.display()))
}

/// The published report says the same for the same data: no timings (they would make every
/// rebuild a changed file, re-uploaded and re-cached everywhere) and places relative to the
/// package, not the build machine's folders.
fn reproducible(report: &mut validate::Report, package: &Package) {
    report.stats.seconds = 0.0;
    for task in &mut report.tasks {
        task.stats.seconds = 0.0;
        if let Ok(relative) = std::path::Path::new(&task.place).strip_prefix(&package.dir) {
            task.place = relative.to_string_lossy().into_owned();
        }
    }
}

/// Copies the privacy report and the Open311 export of an anonymised dataset.
fn publish_privacy_files(
    anonymised: &anonymise::Anonymised,
    name: &str,
    layout: &Layout,
) -> anyhow::Result<()> {
    for (from, to) in [
        (anonymised.privacy_file(), layout.privacy_file(name)),
        (anonymised.open311_file(), layout.open311_file(name)),
    ] {
        let bytes =
            std::fs::read(&from).with_context(|| format!("cannot read `{}`", from.display()))?;
        vidkryto_search::output::write_in(layout, &to, &bytes)
            .with_context(|| format!("cannot write `{}`", to.display()))?;
    }
    Ok(())
}

/// What of `package` may be published, read from where its clean data is: the public
/// resources without known-bad raw input, from the anonymised output when the package has a
/// privacy policy.
fn publishable_view(package: &Package, anonymised: Option<&anonymise::Anonymised>) -> Package {
    let mut view = validate::publishable(package);
    view.resources.retain(|r| !r.private);
    if let Some(anonymised) = anonymised {
        view.dir = anonymised.dir.clone();
    }
    view
}

/// Builds the portal described by `config` into its public directory.
pub fn build(config: &Config) -> anyhow::Result<BuildSummary> {
    build_with(config, crate::site::Engine::Builtin)
}

/// How to build.
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions {
    pub engine: crate::site::Engine,
    /// Wait for another build of the same public folder instead of refusing.
    pub wait: bool,
}

/// [`build`] with a choice of site renderer.
pub fn build_with(config: &Config, engine: crate::site::Engine) -> anyhow::Result<BuildSummary> {
    build_with_options(
        config,
        &BuildOptions {
            engine,
            wait: false,
        },
    )
}

/// [`build`] with every option.
pub fn build_with_options(config: &Config, options: &BuildOptions) -> anyhow::Result<BuildSummary> {
    let engine = options.engine;
    let started = std::time::Instant::now();
    let mut clock = Stopwatch::new();
    let packages = load_packages(config)?;
    let public = config.public_dir();
    let _lock = BuildLock::acquire(&public, options.wait)?;
    // The cursor-signing key lives beside `public/`, never in it; made once, kept after.
    vidkryto_search::keys::ensure_file(&Layout::new(&public))?;
    let staging = ReusedStaging::new(&public).with_context(|| {
        format!(
            "cannot create a staging directory beside `{}`",
            public.display()
        )
    })?;
    let layout = Layout::new(staging.path());
    clock.lap("load");

    let mut published = Vec::new();
    let mut private = Vec::new();
    // What rendering sees: the published view of each package, never its raw resources.
    let mut views = Vec::new();
    for package in &packages {
        // Packages with a privacy policy publish their anonymised output, never the raw input.
        let anonymised = anonymise::anonymise_package(package, &config.build_dir(), None)
            .with_context(|| format!("cannot anonymise dataset `{}`", package.name))?;
        let view = publishable_view(package, anonymised.as_ref());
        validate_for_publishing(&view, &layout)?;
        let result = publish::publish_package(&view, &layout)
            .with_context(|| format!("cannot publish dataset `{}`", package.name))?;
        if let (Some(a), Some(_)) = (&anonymised, &result) {
            publish_privacy_files(a, &package.name, &layout)?;
        }
        match result {
            Some(p) => {
                published.push(p);
                views.push(view);
            }
            None => private.push(package.name.clone()),
        }
    }
    publish::write_catalog(&published, &layout)?;
    publish::write_portal(&config.portal, &layout)?;
    clock.lap("validate and publish");
    let site =
        crate::site::render(config, &views, &layout, engine).context("cannot render the site")?;
    clock.lap("render");
    for p in &published {
        vidkryto_search::rowstore::write_store(&layout, &p.name)
            .with_context(|| format!("cannot write the row store of dataset `{}`", p.name))?;
    }
    clock.lap("row stores");

    let content = config.resolve(&config.paths.content);
    let index = vidkryto_search::build_index(
        &layout,
        content.is_dir().then_some(content.as_path()),
        &vidkryto_search::index::BuildOptions {
            // The published index is updated, not rebuilt: only changed documents are indexed.
            update_from: Some(public.clone()),
            ..vidkryto_search::index::BuildOptions::default()
        },
    )
    .context("cannot build the search index")?;
    clock.lap("index");
    let files = vidkryto_search::sitefiles::write(&layout, &[&public])
        .context("cannot record the static files' hashes and compressed copies")?;
    clock.lap("file hashes and copies");

    staging
        .commit()
        .with_context(|| format!("cannot move the build into `{}`", public.display()))?;
    clock.lap("commit");
    Ok(BuildSummary {
        public: public.display().to_string(),
        datasets: published.into_iter().map(|p| p.name).collect(),
        private,
        site,
        index,
        files,
        seconds: started.elapsed().as_secs_f64(),
        stages: clock.stages,
    })
}
