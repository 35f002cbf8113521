//! The emulated Zola subset: reads a Zola site folder (`config.toml`, `content/`,
//! `templates/`, `static/`) and renders it to a published directory with the crates Zola is
//! built on (tera, pulldown-cmark, slug), giving templates the context Zola 0.22 gives them —
//! sections and pages, `+++` TOML front matter, `*.en.md` translations, `@/` links,
//! pagination, `get_section` / `get_page` / `get_url` / `load_data` / `trans`, `config`,
//! `404.html`, `sitemap.xml`, `robots.txt` and the feeds — and refusing, by name, the Zola
//! settings it does not emulate. It knows nothing about datasets: generating the content is
//! `content`'s job. See ARCHITECTURE.md for the subset; tests/conformance/test_zola.py holds
//! it to the real zola.

mod cache;
mod config;
mod docs;
mod functions;
mod index;
mod markdown;
mod outputs;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use cache::RenderCache;
pub use config::{LanguageOptions, SiteConfig};
use index::SiteIndex;
use outputs::Output;

/// `zola_version` in page templates as zola 0.22.1 gives it: the version of its components'
/// workspace, which that release left at 0.21.0.
pub const ZOLA_VERSION: &str = "0.21.0";

/// Why a site could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ZolaError {
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write `{path}`")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}`: {message}")]
    Config { path: PathBuf, message: String },
    #[error("`{path}`: the front matter must open the file between `+++` lines")]
    NoFrontMatter { path: PathBuf },
    #[error("`{path}`: invalid front matter: {message}")]
    FrontMatter { path: PathBuf, message: String },
    #[error("`{path}`: link `{link}` points to no content file; give a path under content/ such as `@/about.md`")]
    BrokenLink { path: PathBuf, link: String },
    #[error("templates/{name} is missing: Zola would render its built-in default, which the built-in renderer does not carry; add the template to the site")]
    MissingTemplate { name: String },
    #[error("cannot load the templates in `{dir}`")]
    Templates { dir: PathBuf, source: tera::Error },
    #[error("cannot render `{what}` with template `{template}`")]
    Render {
        what: String,
        template: String,
        source: tera::Error,
    },
}

/// What a render produced.
#[derive(Debug, Default, Serialize)]
pub struct RenderStats {
    pub pages: usize,
    pub sections: usize,
    /// HTML and XML files written, including pagination pages, 404, sitemap and feeds.
    pub files: usize,
    /// Files rendered by this run.
    pub rendered: usize,
    /// Files linked unchanged from the previous render.
    pub reused: usize,
}

/// Renders the Zola site in `site_dir` into `out_dir` (which may already hold other files).
pub fn render(
    site_dir: &Path,
    config: &SiteConfig,
    out_dir: &Path,
) -> Result<RenderStats, ZolaError> {
    render_incremental(site_dir, config, out_dir, None)
}

/// A content file given in memory rather than on disk: its path under `content/` (with `/`
/// separators), its front matter as a value (what the TOML between `+++` lines would
/// deserialize to) and its Markdown body. Generated pages that are numerous (one per register
/// document) come this way: writing 100 000 Markdown files, and even printing and parsing
/// their TOML, cost more than rendering them. A file in memory replaces one at the same path
/// on disk.
#[derive(Debug, Clone)]
pub struct ContentFile {
    pub path: String,
    pub front: Value,
    pub body: String,
}

impl ContentFile {
    /// The file as Zola reads it from disk: TOML front matter between `+++` lines, then body.
    pub fn text(&self) -> Result<String, toml::ser::Error> {
        Ok(format!(
            "+++\n{}+++\n{}",
            toml::to_string(&self.front)?,
            self.body
        ))
    }
}

/// Where an incremental render finds the last render: the previously published directory
/// and the render cache file.
#[derive(Debug, Clone)]
pub struct Previous<'a> {
    pub dir: &'a Path,
    pub cache_file: &'a Path,
}

/// [`render`], linking unchanged files from the previous render instead of rendering them.
pub fn render_incremental(
    site_dir: &Path,
    config: &SiteConfig,
    out_dir: &Path,
    previous: Option<Previous<'_>>,
) -> Result<RenderStats, ZolaError> {
    render_with(site_dir, config, Vec::new(), out_dir, previous)
}

/// [`render_incremental`] of the site in `site_dir` plus the content files in `memory`.
pub fn render_with(
    site_dir: &Path,
    config: &SiteConfig,
    memory: Vec<ContentFile>,
    out_dir: &Path,
    previous: Option<Previous<'_>>,
) -> Result<RenderStats, ZolaError> {
    let docs = docs::load_docs(site_dir, config, memory)?;
    let index = Arc::new(SiteIndex::new(config.clone(), docs, site_dir.to_path_buf()));
    let tera = functions::load_templates(site_dir, &index)?;
    let global = global_digest(site_dir)?;
    let (old, here) = match &previous {
        Some(p) => (
            RenderCache::load(p.cache_file, p.dir, global),
            RenderCache::load(p.cache_file, out_dir, global),
        ),
        None => (None, None),
    };
    // From here on `out_dir` no longer holds the render its id names.
    remove_if_present(&out_dir.join(cache::ID_FILE))?;
    let mut others = copy_static(&site_dir.join("static"), out_dir, "")?;
    let current = |what: &str| index.dependency_digest(what);

    let outputs: Vec<Output> = outputs::outputs(&index);
    let reuse = Reuse {
        here: here.as_ref(),
        old: old.as_ref(),
        previous_dir: previous.as_ref().map(|p| p.dir),
        out_dir,
        current: &current,
    };
    let done: Result<Vec<(String, cache::Entry, bool)>, ZolaError> = outputs
        .par_iter()
        .map(|output| {
            let rel = output.output_file(&index);
            let rel_text = rel.to_string_lossy().into_owned();
            let key = output.key(&index);
            if let Some(entry) = reuse.entry(&rel_text, key) {
                return Ok((rel_text, entry, true));
            }
            cache::start_recording();
            let html = output.render(&tera, &index);
            let read = cache::finish_recording();
            write(&out_dir.join(&rel), html?.as_bytes())?;
            let deps = read
                .into_iter()
                .filter_map(|what| current(&what).map(|digest| (what, digest)))
                .collect();
            Ok((rel_text, cache::Entry { key, deps }, false))
        })
        .collect();
    let mut done = done?;
    let site_files = outputs::write_site_files(&index, &tera, out_dir, &reuse)?;
    done.extend(site_files.keyed);
    let reused = done.iter().filter(|(_, _, reused)| *reused).count();
    let files = done.len() + site_files.others.len();
    others.extend(site_files.others);
    if let Some(p) = &previous {
        let entries: HashMap<String, cache::Entry> = done
            .into_iter()
            .map(|(file, entry, _)| (file, entry))
            .collect();
        if let Some(here) = &here {
            remove_stale(out_dir, here, &entries, &others)?;
        }
        let keep = cache::render_id(p.dir);
        RenderCache::with_entries(global, entries, others)
            .save(p.cache_file, keep.as_deref(), out_dir)
            .map_err(|source| ZolaError::Write {
                path: p.cache_file.to_path_buf(),
                source,
            })?;
    }
    let stats = RenderStats {
        pages: index.docs.iter().filter(|d| !d.is_section()).count(),
        sections: index.docs.iter().filter(|d| d.is_section()).count(),
        files,
        rendered: files - reused,
        reused,
    };
    drop_aside((tera, index));
    Ok(stats)
}

/// Frees `value` on a thread of its own: the values of a 200 000-page site take seconds to
/// free, and the build has other stages to run meanwhile.
fn drop_aside<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
}

/// Where an unchanged output comes from instead of being rendered again.
pub(super) struct Reuse<'a> {
    /// The cache of the render `out_dir` holds (a reused tree).
    here: Option<&'a RenderCache>,
    /// The cache of the previous published render, in `previous_dir`.
    old: Option<&'a RenderCache>,
    previous_dir: Option<&'a Path>,
    out_dir: &'a Path,
    current: &'a (dyn Fn(&str) -> Option<u64> + Sync),
}

impl Reuse<'_> {
    /// The cache entry of `rel` when the file with `key` is already in `out_dir` or could be
    /// linked from the previous render; `None` means it must be rendered.
    pub(super) fn entry(&self, rel: &str, key: u64) -> Option<cache::Entry> {
        if let Some(entry) = self.here.and_then(|h| h.fresh(rel, key, self.current)) {
            return Some(entry.clone());
        }
        let (dir, old) = (self.previous_dir?, self.old?);
        let entry = old.fresh(rel, key, self.current)?;
        link_previous(&dir.join(rel), &self.out_dir.join(rel)).then(|| entry.clone())
    }
}

/// Whether `out_dir` holds a render one of the cache files of `cache_file` describes, so a
/// render into it may keep what is still right and remove what is stale.
pub fn render_known(out_dir: &Path, cache_file: &Path) -> bool {
    RenderCache::known(cache_file, out_dir)
}

/// Removes the files the render in `out_dir` wrote that this render did not, and the folders
/// they leave empty (a deleted document's `register/<id>/`).
fn remove_stale(
    out_dir: &Path,
    here: &RenderCache,
    entries: &HashMap<String, cache::Entry>,
    others: &[String],
) -> Result<(), ZolaError> {
    let others: std::collections::HashSet<&str> = others.iter().map(String::as_str).collect();
    for rel in here.files() {
        if entries.contains_key(rel) || others.contains(rel) || rel == cache::ID_FILE {
            continue;
        }
        let file = out_dir.join(rel);
        remove_if_present(&file)?;
        let mut dir = file.parent();
        while let Some(d) = dir.filter(|d| d.starts_with(out_dir) && *d != out_dir) {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<(), ZolaError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ZolaError::Write {
            path: path.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Hard-links (or copies) an unchanged file from the previous render, replacing what `to`
/// held (a new directory entry: the old inode may be shared with the published tree).
fn link_previous(from: &Path, to: &Path) -> bool {
    if let Some(parent) = to.parent() {
        if std::fs::create_dir_all(parent).is_err() {
            return false;
        }
    }
    if remove_if_present(to).is_err() {
        return false;
    }
    std::fs::hard_link(from, to).is_ok() || std::fs::copy(from, to).is_ok()
}

/// Digest of `config.toml` and every template: when either changes, everything re-renders.
fn global_digest(site_dir: &Path) -> Result<u64, ZolaError> {
    let mut digest = cache::Digest::default();
    digest.bytes(read(&site_dir.join("config.toml"))?.as_bytes());
    let templates = site_dir.join("templates");
    let mut stack = vec![templates.clone()];
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| ZolaError::Read {
            path: dir.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    for file in files {
        digest.bytes(file.to_string_lossy().as_bytes());
        digest.bytes(read(&file)?.as_bytes());
    }
    Ok(digest.finish())
}

fn read(path: &Path) -> Result<String, ZolaError> {
    std::fs::read_to_string(path).map_err(|source| ZolaError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `bytes` to `path` as a new file: an existing file is unlinked first, never
/// overwritten, because in a reused staging tree it may be a hard link to a published file.
fn write(path: &Path, bytes: &[u8]) -> Result<(), ZolaError> {
    use std::io::Write;
    let fail = |source| ZolaError::Write {
        path: path.to_path_buf(),
        source,
    };
    let create = || {
        std::fs::File::options()
            .write(true)
            .create_new(true)
            .open(path)
    };
    let mut file = match create() {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(path).map_err(fail)?;
            create().map_err(fail)?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(fail)?;
            }
            create().map_err(fail)?
        }
        Err(e) => return Err(fail(e)),
    };
    file.write_all(bytes).map_err(fail)
}

/// Copies `static/` into the output, keeping the folder structure; returns the files
/// written, relative to `to`'s root (`rel` is `to`'s own path under it).
fn copy_static(from: &Path, to: &Path, rel: &str) -> Result<Vec<String>, ZolaError> {
    let mut written = Vec::new();
    if !from.is_dir() {
        return Ok(written);
    }
    let entries = std::fs::read_dir(from).map_err(|source| ZolaError::Read {
        path: from.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| ZolaError::Read {
            path: from.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let target = to.join(&name);
        let target_rel = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if path.is_dir() {
            written.extend(copy_static(&path, &target, &target_rel)?);
        } else {
            let bytes = std::fs::read(&path).map_err(|source| ZolaError::Read {
                path: path.clone(),
                source,
            })?;
            write(&target, &bytes)?;
            written.push(target_rel);
        }
    }
    Ok(written)
}
