//! Builds the index of a published layout into a new versioned directory
//! `_index/<version>/`, then points `_index/CURRENT` at it (an atomic rename), so a running
//! server never sees a half-built index and switches over on its next check.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use tantivy::{IndexWriter, TantivyDocument};

use super::schema::{add_text, facet_value, schema, Fields};
use super::sources::{read_documents, SearchDoc};
use super::IndexError;
use crate::analysis::{analyzer, analyzer_unstemmed, ANALYZER, ANALYZER_UNSTEMMED};
use crate::output::write_atomic;
use crate::Layout;

/// The file in `_index/` naming the live version.
pub const CURRENT: &str = "CURRENT";
/// How many versions stay on disk (the live one and the one before, which a server that has
/// not switched yet may still be reading).
const KEEP_VERSIONS: usize = 2;

/// How to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Indexing threads (default: available cores, at most 4).
    pub threads: Option<usize>,
    /// Indexing memory per thread, in bytes.
    pub memory_per_thread: usize,
}

impl Default for BuildOptions {
    fn default() -> BuildOptions {
        BuildOptions {
            threads: None,
            memory_per_thread: 128 << 20,
        }
    }
}

/// What a build produced.
#[derive(Debug, Clone, Serialize)]
pub struct IndexSummary {
    /// The new version's directory name under `_index/`.
    pub version: String,
    pub documents: u64,
    /// Documents per type (`appeal`, `document`, …).
    pub by_type: BTreeMap<String, u64>,
}

/// Registers the analyzers every index of ours uses.
pub fn register_analyzers(index: &tantivy::Index) {
    index.tokenizers().register(ANALYZER, analyzer());
    index
        .tokenizers()
        .register(ANALYZER_UNSTEMMED, analyzer_unstemmed());
}

/// Indexes everything searchable in `layout` (and the editorial pages in `content_dir`) into
/// `layout`'s `_index/<new version>/` and makes it current.
pub fn build_index(
    layout: &Layout,
    content_dir: Option<&Path>,
    options: &BuildOptions,
) -> Result<IndexSummary, IndexError> {
    let root = layout.index_root();
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| IndexError::Write { path, source }
    };
    fs::create_dir_all(&root).map_err(write_error(&root))?;
    let version = new_version(&root);
    let building = root.join(format!(".{version}.building"));
    if building.exists() {
        fs::remove_dir_all(&building).map_err(write_error(&building))?;
    }
    fs::create_dir_all(&building).map_err(write_error(&building))?;
    let result = write_index(layout, content_dir, options, &building);
    let (documents, by_type) = match result {
        Ok(counts) => counts,
        Err(err) => {
            let _ = fs::remove_dir_all(&building);
            return Err(err);
        }
    };
    remove_lock_files(&building);
    let target = root.join(&version);
    fs::rename(&building, &target).map_err(write_error(&target))?;
    let current = root.join(CURRENT);
    write_atomic(&current, version.as_bytes()).map_err(write_error(&current))?;
    prune_versions(&root, &version);
    Ok(IndexSummary {
        version,
        documents,
        by_type,
    })
}

fn write_index(
    layout: &Layout,
    content_dir: Option<&Path>,
    options: &BuildOptions,
    dir: &Path,
) -> Result<(u64, BTreeMap<String, u64>), IndexError> {
    let tantivy_error = |source| IndexError::Tantivy {
        path: dir.to_path_buf(),
        source,
    };
    let (schema, fields) = schema();
    let index = tantivy::Index::create_in_dir(dir, schema).map_err(tantivy_error)?;
    register_analyzers(&index);
    let threads = options.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(4)
    });
    let mut writer: IndexWriter<TantivyDocument> = index
        .writer_with_num_threads(threads.max(1), options.memory_per_thread * threads.max(1))
        .map_err(tantivy_error)?;
    let mut documents = 0u64;
    let mut by_type = BTreeMap::new();
    // Rows that describe one thing (a measure with two funding sources is two rows of one
    // measure) arrive one after another: they become one document, so a hit list shows
    // the thing once.
    let mut group: Vec<SearchDoc> = Vec::new();
    let mut flush = |group: &mut Vec<SearchDoc>| -> Result<(), IndexError> {
        let Some(first) = group.first() else {
            return Ok(());
        };
        documents += 1;
        *by_type
            .entry(first.doc_type.as_str().to_string())
            .or_insert(0) += 1;
        writer
            .add_document(to_tantivy(group, &fields))
            .map_err(tantivy_error)?;
        group.clear();
        Ok(())
    };
    read_documents(layout, content_dir, &mut |doc| {
        let same = group
            .first()
            .is_some_and(|first| first.doc_type == doc.doc_type && first.id == doc.id);
        if !same {
            flush(&mut group)?;
        }
        group.push(doc);
        Ok(())
    })?;
    flush(&mut group)?;
    writer.commit().map_err(tantivy_error)?;
    // One segment per index: each query then walks one posting list per term.
    let segments = index.searchable_segment_ids().map_err(tantivy_error)?;
    if segments.len() > 1 {
        writer.merge(&segments).wait().map_err(tantivy_error)?;
    }
    writer.wait_merging_threads().map_err(tantivy_error)?;
    Ok((documents, by_type))
}

/// One index document for rows of one thing: the first row's title and URL, every row's
/// text and facet values.
fn to_tantivy(group: &[SearchDoc], fields: &Fields) -> TantivyDocument {
    let mut out = TantivyDocument::default();
    let Some(doc) = group.first() else {
        return out;
    };
    let kind = doc.doc_type.as_str();
    out.add_text(fields.key, format!("{kind}:{}", doc.id));
    out.add_text(fields.kind, kind);
    out.add_text(fields.id, &doc.id);
    out.add_text(fields.url, &doc.url);
    let [type_f, year, district, category, status, dataset, language] = fields.facets;
    out.add_facet(type_f, facet_value(kind));
    out.add_facet(language, facet_value(&doc.language));
    let mut seen: Vec<(tantivy::schema::Field, String)> = Vec::new();
    let body: Vec<&str> = group.iter().map(|d| d.body.as_str()).collect();
    add_text(&mut out, fields, &doc.title, &body.join("\n"));
    for doc in group {
        let years = doc.years.iter().map(|y| (year, y.to_string()));
        let others = [
            (district, &doc.district),
            (category, &doc.category),
            (status, &doc.status),
            (dataset, &doc.dataset),
        ]
        .into_iter()
        .filter_map(|(field, value)| value.clone().map(|v| (field, v)));
        for (field, value) in years.chain(others) {
            if !seen.contains(&(field, value.clone())) {
                out.add_facet(field, facet_value(&value));
                seen.push((field, value));
            }
        }
    }
    out
}

/// The writer's lock files are meaningless once the index is sealed; the artefact holds only
/// index files (the reader takes no locks, see `directory`).
fn remove_lock_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".tantivy-") && name.ends_with(".lock") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// `v<unix milliseconds>`, made unique among the existing versions.
fn new_version(root: &Path) -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let mut version = format!("v{millis}");
    let mut n = 1;
    while root.join(&version).exists() {
        version = format!("v{millis}-{n}");
        n += 1;
    }
    version
}

/// Removes all but the newest [`KEEP_VERSIONS`] versions. Failing to remove one only costs
/// disk space, so errors are ignored.
fn prune_versions(root: &Path, live: &str) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    let mut versions: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('v') && e.path().is_dir())
        .filter(|e| e.file_name() != live)
        .map(|e| {
            let modified = e
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (modified, e.path())
        })
        .collect();
    versions.sort();
    let excess = (versions.len() + 1).saturating_sub(KEEP_VERSIONS);
    for (_, path) in versions.into_iter().take(excess) {
        let _ = fs::remove_dir_all(path);
    }
}
