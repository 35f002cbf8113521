//! The build: runs the stages after `pull` in order — load packages, validate, anonymise,
//! publish — into a staging copy of `public/`, and swaps it in only when every stage
//! succeeded, so a failed build leaves the last good output untouched.

use std::fmt;

use anyhow::Context;
use serde::Serialize;
use vidkryto_search::output::Staging;
use vidkryto_search::Layout;

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
    /// What the site stage rendered.
    pub site: crate::site::SiteSummary,
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

/// Builds the portal described by `config` into its public directory.
pub fn build(config: &Config) -> anyhow::Result<BuildSummary> {
    build_with(config, crate::site::Engine::Builtin)
}

/// [`build`] with a choice of site renderer.
pub fn build_with(config: &Config, engine: crate::site::Engine) -> anyhow::Result<BuildSummary> {
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
        match publish::publish_package(package, &package.dir, &layout)
            .with_context(|| format!("cannot publish dataset `{}`", package.name))?
        {
            Some(p) => published.push(p),
            None => private.push(package.name.clone()),
        }
    }
    publish::write_catalog(&published, &layout)?;
    let site = crate::site::render(config, &packages, &layout, engine)
        .context("cannot render the site")?;

    staging
        .commit()
        .with_context(|| format!("cannot move the build into `{}`", public.display()))?;
    Ok(BuildSummary {
        public: public.display().to_string(),
        datasets: published.into_iter().map(|p| p.name).collect(),
        private,
        site,
        seconds: started.elapsed().as_secs_f64(),
    })
}
