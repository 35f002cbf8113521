//! The build: runs the stages after `pull` in order — load packages, validate, anonymise
//! (into `build/anonymised/<name>/`), publish — into a staging copy of `public/`, and swaps it in only when every stage
//! succeeded, so a failed build leaves the last good output untouched.

use std::fmt;

use anyhow::Context;
use serde::Serialize;
use vidkryto_search::output::Staging;
use vidkryto_search::Layout;

use crate::anonymise;
use crate::catalog::Package;
use crate::config::Config;
use crate::publish;

/// What a build produced.
#[derive(Debug, Serialize)]
pub struct BuildSummary {
    /// The published directory.
    pub public: String,
    /// Published datasets, by name.
    pub datasets: Vec<String>,
    /// Datasets kept private (raw input, never published).
    pub private: Vec<String>,
    pub seconds: f64,
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
        if !self.private.is_empty() {
            writeln!(f, "kept private: {}", self.private.join(", "))?;
        }
        Ok(())
    }
}

/// Loads every configured data package, in configuration order.
pub fn load_packages(config: &Config) -> anyhow::Result<Vec<Package>> {
    config
        .datasets
        .iter()
        .map(|entry| {
            let dir = config.dataset_dir(entry);
            Package::load(&dir).with_context(|| format!("dataset `{}`", entry.name))
        })
        .collect()
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
        vidkryto_search::output::write_atomic(&to, &bytes)
            .with_context(|| format!("cannot write `{}`", to.display()))?;
    }
    Ok(())
}

/// Builds the portal described by `config` into its public directory.
pub fn build(config: &Config) -> anyhow::Result<BuildSummary> {
    let started = std::time::Instant::now();
    let packages = load_packages(config)?;
    let public = config.public_dir();
    let staging = Staging::new(&public).with_context(|| {
        format!(
            "cannot create a staging directory beside `{}`",
            public.display()
        )
    })?;
    let layout = Layout::new(staging.path());

    let mut published = Vec::new();
    let mut private = Vec::new();
    for package in &packages {
        // Packages with a privacy policy publish their anonymised output, never the raw input.
        let anonymised = anonymise::anonymise_package(package, &config.build_dir(), None)
            .with_context(|| format!("cannot anonymise dataset `{}`", package.name))?;
        let data_dir = anonymised.as_ref().map_or(&package.dir, |a| &a.dir);
        let result = publish::publish_package(package, data_dir, &layout)
            .with_context(|| format!("cannot publish dataset `{}`", package.name))?;
        if let (Some(a), Some(_)) = (&anonymised, &result) {
            publish_privacy_files(a, &package.name, &layout)?;
        }
        match result {
            Some(p) => published.push(p),
            None => private.push(package.name.clone()),
        }
    }
    publish::write_catalog(&published, &layout)?;

    staging
        .commit()
        .with_context(|| format!("cannot move the build into `{}`", public.display()))?;
    Ok(BuildSummary {
        public: public.display().to_string(),
        datasets: published.into_iter().map(|p| p.name).collect(),
        private,
        seconds: started.elapsed().as_secs_f64(),
    })
}
