//! Builds the index of a published layout into a new versioned directory
//! `_index/<version>/`, then points `_index/CURRENT` at it (an atomic rename), so a running
//! server never sees a half-built index and switches over on its next check.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::{IndexWriter, TantivyDocument, Term};

use super::schema::{add_text, facet_value, schema, Fields};
use super::sources::{read_documents, SearchDoc};
use super::IndexError;
use crate::analysis::{analyzer, analyzer_unstemmed, ANALYZER, ANALYZER_UNSTEMMED};
use crate::output::write_atomic;
use crate::packed::Packed;
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
    /// A published tree whose live index this build may update (its files linked, the
    /// documents that changed replaced) instead of indexing everything again.
    pub update_from: Option<PathBuf>,
}

impl Default for BuildOptions {
    fn default() -> BuildOptions {
        BuildOptions {
            threads: None,
            memory_per_thread: 128 << 20,
            update_from: None,
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
    /// Documents (re)indexed by this build; the others were kept from the updated index.
    pub indexed: u64,
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
    let counts = match result {
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
        documents: counts.documents,
        by_type: counts.by_type,
        indexed: counts.indexed,
    })
}

/// `documents.json` in a version's folder: what each of its documents was made from.
const DOCUMENTS: &str = "documents.json";

/// What an index version holds, for the next build to update it.
#[derive(Serialize, Deserialize)]
struct Indexed {
    /// The program that indexed: tokens are made by code, so another build of the program
    /// indexes afresh rather than mix its tokens with the old ones.
    program: Packed<1>,
    /// Document key (`type:id`) → digest of the rows it was made from.
    documents: HashMap<String, Packed<1>>,
}

/// This executable, by a digest of its version, size and modification time.
fn program() -> Option<Packed<1>> {
    let meta = fs::metadata(std::env::current_exe().ok()?).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (env!("CARGO_PKG_VERSION"), meta.len(), modified.as_nanos()).hash(&mut hasher);
    Some(Packed([hasher.finish()]))
}

/// The live index of the tree `from`, if this program made it and it says what it holds.
fn updatable(from: &Path, program: &Packed<1>) -> Option<(PathBuf, Indexed)> {
    let root = Layout::new(from).index_root();
    let version = fs::read_to_string(root.join(CURRENT)).ok()?;
    let dir = root.join(version.trim());
    let indexed: Indexed = serde_json::from_slice(&fs::read(dir.join(DOCUMENTS)).ok()?).ok()?;
    (indexed.program == *program).then_some((dir, indexed))
}

/// Links (or copies) every file of index folder `from` into the empty folder `to`. Tantivy
/// never rewrites a file (segments are written once; `meta.json` is replaced by rename), so
/// the published index is untouched by the update.
fn link_index(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == DOCUMENTS || !entry.file_type()?.is_file() {
            continue;
        }
        let target = to.join(&name);
        if fs::hard_link(entry.path(), &target).is_err() {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Digest of the rows one document is made from.
fn digest(group: &[SearchDoc]) -> Packed<1> {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    group.hash(&mut hasher);
    Packed([hasher.finish()])
}

/// An index left with more than this many segments is merged into one.
const MAX_SEGMENTS: usize = 8;

/// What [`write_index`] wrote.
struct Counts {
    documents: u64,
    by_type: BTreeMap<String, u64>,
    indexed: u64,
}

fn write_index(
    layout: &Layout,
    content_dir: Option<&Path>,
    options: &BuildOptions,
    dir: &Path,
) -> Result<Counts, IndexError> {
    let tantivy_error = |source| IndexError::Tantivy {
        path: dir.to_path_buf(),
        source,
    };
    let (schema, fields) = schema();
    let program = program();
    let previous = match (&options.update_from, &program) {
        (Some(from), Some(program)) => updatable(from, program),
        _ => None,
    };
    let (index, previous) = match previous {
        Some((from, indexed)) => match open_linked(&from, dir, &schema) {
            Some(index) => (index, Some(indexed)),
            None => (create_empty(dir, schema)?, None),
        },
        None => (create_empty(dir, schema)?, None),
    };
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
    // Merges are decided below, once, not while documents arrive.
    writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
    let mut counts = Counts {
        documents: 0,
        by_type: BTreeMap::new(),
        indexed: 0,
    };
    let mut digests: HashMap<String, Packed<1>> = HashMap::new();
    // Rows that describe one thing (a measure with two funding sources is two rows of one
    // measure) arrive one after another: they become one document, so a hit list shows
    // the thing once.
    let mut group: Vec<SearchDoc> = Vec::new();
    let mut flush = |group: &mut Vec<SearchDoc>| -> Result<(), IndexError> {
        let Some(first) = group.first() else {
            return Ok(());
        };
        counts.documents += 1;
        *counts
            .by_type
            .entry(first.doc_type.as_str().to_string())
            .or_insert(0) += 1;
        let key = format!("{}:{}", first.doc_type.as_str(), first.id);
        let made_from = digest(group);
        let before = previous.as_ref().and_then(|p| p.documents.get(&key));
        if before != Some(&made_from) {
            if before.is_some() {
                writer.delete_term(Term::from_field_text(fields.key, &key));
            }
            writer
                .add_document(to_tantivy(group, &fields))
                .map_err(tantivy_error)?;
            counts.indexed += 1;
        }
        digests.insert(key, made_from);
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
    if let Some(previous) = &previous {
        let gone = previous
            .documents
            .keys()
            .filter(|key| !digests.contains_key(*key));
        for key in gone {
            writer.delete_term(Term::from_field_text(fields.key, key));
        }
    }
    writer.commit().map_err(tantivy_error)?;
    merge_if_scattered(&index, &mut writer).map_err(tantivy_error)?;
    writer.wait_merging_threads().map_err(tantivy_error)?;
    if let Some(program) = program {
        let indexed = Indexed {
            program,
            documents: digests,
        };
        let file = dir.join(DOCUMENTS);
        let json = serde_json::to_vec(&indexed).map_err(std::io::Error::other);
        json.and_then(|json| write_atomic(&file, &json))
            .map_err(|source| IndexError::Write { path: file, source })?;
    }
    Ok(counts)
}

fn create_empty(dir: &Path, schema: tantivy::schema::Schema) -> Result<tantivy::Index, IndexError> {
    tantivy::Index::create_in_dir(dir, schema).map_err(|source| IndexError::Tantivy {
        path: dir.to_path_buf(),
        source,
    })
}

/// The index of `from`, linked into the empty folder `dir` and opened there, if it has
/// this build's schema; otherwise `dir` is emptied again and `None` says to index afresh.
fn open_linked(
    from: &Path,
    dir: &Path,
    schema: &tantivy::schema::Schema,
) -> Option<tantivy::Index> {
    let opened = link_index(from, dir)
        .ok()
        .and_then(|()| tantivy::Index::open_in_dir(dir).ok())
        .filter(|index| index.schema() == *schema);
    if opened.is_none() {
        let _ = fs::remove_dir_all(dir);
        let _ = fs::create_dir_all(dir);
    }
    opened
}

/// One segment per index, so each query walks one posting list per term — unless an update
/// added a few documents beside one large segment: the index is merged once the documents
/// outside its largest segment's live ones (new segments, deleted documents) pass a tenth
/// of the index, or it has more than [`MAX_SEGMENTS`] segments.
fn merge_if_scattered(
    index: &tantivy::Index,
    writer: &mut IndexWriter<TantivyDocument>,
) -> tantivy::Result<()> {
    let metas = index.searchable_segment_metas()?;
    if metas.len() < 2 {
        return Ok(());
    }
    let all: u64 = metas.iter().map(|m| u64::from(m.max_doc())).sum();
    let live: u64 = metas.iter().map(|m| u64::from(m.num_docs())).sum();
    let largest = metas
        .iter()
        .map(|m| u64::from(m.num_docs()))
        .max()
        .unwrap_or(0);
    if metas.len() > MAX_SEGMENTS || (all - largest) * 10 > live {
        let ids: Vec<_> = metas.iter().map(|m| m.id()).collect();
        writer.merge(&ids).wait()?;
    }
    Ok(())
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
