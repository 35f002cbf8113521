//! The site stage: turns the published datasets into the Zola site's generated content
//! under `<build>/site/` (`content`, `budget`, `register`, `appeals`, with `charts` and
//! `maps`), then renders that folder into the published directory with the built-in Zola
//! subset (`zola`) or a `zola` binary on PATH. It reads only what `publish` wrote.

pub mod appeals;
pub mod budget;
pub mod charts;
pub mod content;
pub mod kinds;
pub mod labels;
pub mod maps;
pub mod numbers;
pub mod register;
pub mod zola;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use rayon::prelude::*;
use serde::Serialize;
use vidkryto_search::Layout;

use crate::catalog::Package;
use crate::config::Config;

/// Which renderer turns the generated site into HTML.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Engine {
    /// The built-in Zola subset (tera + pulldown-cmark); needs no zola binary.
    #[default]
    Builtin,
    /// A `zola` found on PATH, run on the same generated folder.
    Zola,
}

/// What the site stage produced.
#[derive(Debug, Default, Serialize)]
pub struct SiteSummary {
    /// The generated Zola site folder.
    pub site_dir: String,
    /// Content pages (both languages).
    pub pages: usize,
    /// Sections (both languages).
    pub sections: usize,
    /// Files written (HTML, XML).
    pub files: usize,
    /// Files rendered by this build.
    pub rendered: usize,
    /// Files unchanged since the last build, linked from it instead of rendered.
    pub reused: usize,
    /// Budget programmes with explorer pages.
    pub programmes: Vec<String>,
    /// Register documents.
    pub documents: usize,
}

/// Generates `<build>/site/` and renders it into `layout`'s root.
pub fn render(
    config: &Config,
    packages: &[Package],
    layout: &Layout,
    engine: Engine,
) -> anyhow::Result<SiteSummary> {
    let (mut summary, memory) = generate(config, packages, layout, engine)?;
    let site_dir = PathBuf::from(&summary.site_dir);
    match engine {
        Engine::Builtin => {
            let site_config = zola::SiteConfig::load(&site_dir)?;
            let previous = config.public_dir();
            let cache_file = config.build_dir().join("render-cache.json");
            // The staging tree is last-but-one build's `public/` (`crate::staging`): its site
            // files are brought up to date when the render cache knows them, else cleared.
            if !zola::render_known(layout.root(), &cache_file) {
                clear_site_files(layout)?;
            }
            let stats = zola::render_with(
                &site_dir,
                &site_config,
                memory,
                layout.root(),
                Some(zola::Previous {
                    dir: &previous,
                    cache_file: &cache_file,
                }),
            )
            .with_context(|| format!("cannot render the site in `{}`", site_dir.display()))?;
            summary.rendered = stats.rendered;
            summary.reused = stats.reused;
            summary.pages = stats.pages;
            summary.sections = stats.sections;
            summary.files = stats.files;
        }
        Engine::Zola => {
            // The staging tree must hold zola's output only: a page an earlier build rendered
            // and this site no longer has would survive a merge, and a built-in render's id
            // would vouch for files zola wrote.
            clear_site_files(layout)?;
            run_zola(&site_dir, layout.root())?
        }
    }
    Ok(summary)
}

/// Removes everything under `layout`'s root but the published data, row stores and index.
fn clear_site_files(layout: &Layout) -> anyhow::Result<()> {
    let keep = [layout.data_dir(), layout.store_dir(), layout.index_root()];
    let root = layout.root();
    let entries =
        std::fs::read_dir(root).with_context(|| format!("cannot read `{}`", root.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot read `{}`", root.display()))?
            .path();
        if keep.contains(&path) {
            continue;
        }
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.with_context(|| format!("cannot remove `{}`", path.display()))?;
    }
    Ok(())
}

/// Writes the Zola site (skeleton, editorial and generated content) into `<build>/site/`,
/// except the register's document pages, which are returned in memory and written to disk
/// only for `engine` zola (which reads nothing else).
pub fn generate(
    config: &Config,
    packages: &[Package],
    layout: &Layout,
    engine: Engine,
) -> anyhow::Result<(SiteSummary, Vec<zola::ContentFile>)> {
    // The folder is kept between builds and only changed files are rewritten; whatever this
    // build did not write or refresh is pruned at the end. File times come from the kernel's
    // coarse clock, which can lag `SystemTime::now()` by a tick, hence the margin.
    let site_dir = config.build_dir().join("site");
    let started = std::time::SystemTime::now() - std::time::Duration::from_millis(500);
    let skeleton = config.resolve(&config.paths.site);
    if !skeleton.join("config.toml").is_file() {
        bail!(
            "`{}` is not a Zola site (no config.toml); set `paths.site` in the configuration",
            skeleton.display()
        );
    }
    content::copy_tree(&skeleton, &site_dir)?;
    write_site_config(config, &site_dir)?;
    let labels = labels::Labels::load(&site_dir)?;
    let editorial = config.resolve(&config.paths.content);
    if editorial.is_dir() {
        content::copy_tree(&editorial, &site_dir.join("content"))?;
    }

    let published: Vec<&Package> = packages
        .iter()
        .filter(|p| !p.private && layout.package_file(&p.name).is_file())
        .collect();
    let site = kinds::Site {
        packages: &published,
        layout,
        dir: &site_dir,
        labels: &labels,
    };
    let kinds = kinds::all(&site)?;
    content::write_datasets(config, &published, layout, &site_dir, &labels, &kinds)?;
    let mut memory = Vec::new();
    for kind in &kinds {
        memory.extend(kind.write(&site)?);
    }
    if engine == Engine::Zola {
        let content_dir = site_dir.join("content");
        memory.par_iter().try_for_each(|f| {
            let text = f
                .text()
                .with_context(|| format!("cannot write the front matter of `{}`", f.path))?;
            content::write_file(&content_dir.join(&f.path), text.as_bytes())
        })?;
    }
    content::write_static_sections(&site_dir, &labels)?;
    content::prune_stale(&site_dir, started)?;
    let mut summary = SiteSummary {
        site_dir: site_dir.display().to_string(),
        ..SiteSummary::default()
    };
    for kind in &kinds {
        kind.summarise(&mut summary);
    }
    Ok((summary, memory))
}

/// The portal's identity (`vidkryto.toml`) overrides the site skeleton's `config.toml`, so a
/// city sets its name and URL once.
fn write_site_config(config: &Config, site_dir: &Path) -> anyhow::Result<()> {
    let path = site_dir.join("config.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let mut table: toml::Table =
        toml::from_str(&text).with_context(|| format!("`{}` is not valid TOML", path.display()))?;
    let portal = &config.portal;
    table.insert("base_url".into(), portal.base_url.clone().into());
    table.insert("title".into(), portal.title.clone().into());
    table.insert("description".into(), portal.description.clone().into());
    table.insert(
        "default_language".into(),
        portal.default_language.clone().into(),
    );
    if let Some(toml::Value::Table(languages)) = table.get_mut("languages") {
        if let Some(toml::Value::Table(en)) = languages.get_mut("en") {
            en.insert("title".into(), portal.title_en.clone().into());
            en.insert("description".into(), portal.description_en.clone().into());
        }
    }
    if let Some(toml::Value::Table(extra)) = table.get_mut("extra") {
        extra.insert("publisher".into(), portal.publisher.clone().into());
        extra.insert("publisher_en".into(), portal.publisher_en.clone().into());
        extra.insert("licence".into(), portal.licence.clone().into());
    }
    let text = toml::to_string(&table).context("cannot write the site configuration")?;
    content::write_file(&path, text.as_bytes())
}

/// Runs `zola build` on the generated site and merges its output into `out_dir`.
fn run_zola(site_dir: &Path, out_dir: &Path) -> anyhow::Result<()> {
    let temp = site_dir.with_file_name("zola-public");
    if temp.exists() {
        std::fs::remove_dir_all(&temp)
            .with_context(|| format!("cannot clear `{}`", temp.display()))?;
    }
    let status = Command::new("zola")
        .arg("--root")
        .arg(site_dir)
        .arg("build")
        .arg("--output-dir")
        .arg(&temp)
        .arg("--force")
        .status();
    match status {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "`--engine zola` needs the `zola` binary on PATH (https://www.getzola.org/documentation/getting-started/installation/); without it, build with the default `--engine builtin`"
        ),
        Err(e) => return Err(e).context("cannot run `zola`"),
        Ok(s) if !s.success() => bail!(
            "`zola build` failed on `{}` ({s}); its messages are above",
            site_dir.display()
        ),
        Ok(_) => {}
    }
    content::copy_tree(&temp, out_dir)?;
    std::fs::remove_dir_all(&temp).with_context(|| format!("cannot remove `{}`", temp.display()))
}
