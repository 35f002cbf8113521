//! The server's view of the index: opens the version `_index/CURRENT` names, read-only and
//! memory-mapped, and switches to a new version when `CURRENT` changes. The check is one
//! small file read at most every [`crate::reload::CHECK_EVERY`], done by whichever request
//! comes first.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use tantivy::{IndexReader, ReloadPolicy};

use super::build::{register_analyzers, CURRENT};
use super::directory::ReadOnlyDirectory;
use super::facet_table::FacetTable;
use super::schema::{fields_of, Fields};
use super::term_sets::TermSets;
use super::IndexError;
use crate::query::CursorKey;
use crate::reload::ReloadCheck;
use crate::Layout;

/// One opened index version.
pub struct LoadedIndex {
    pub version: String,
    pub index: tantivy::Index,
    pub reader: IndexReader,
    pub fields: Fields,
    /// Every document's facet values, for counting them over a result: decoded on a
    /// background thread when the version is opened (so start-up does not wait for it), or
    /// by the first search that needs it first.
    facets: OnceLock<Result<Arc<FacetTable>, String>>,
    /// The documents of the common words searched so far, for counting conjunctions.
    pub(crate) term_sets: TermSets,
}

impl std::fmt::Debug for LoadedIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedIndex")
            .field("version", &self.version)
            .finish()
    }
}

impl LoadedIndex {
    /// Opens the index in `dir` read-only.
    pub fn open(dir: &Path, version: &str) -> Result<LoadedIndex, IndexError> {
        let tantivy_error = |source| IndexError::Tantivy {
            path: dir.to_path_buf(),
            source,
        };
        let directory = ReadOnlyDirectory::open(dir).map_err(tantivy_error)?;
        let index = tantivy::Index::open(directory).map_err(tantivy_error)?;
        register_analyzers(&index);
        let fields = fields_of(&index.schema()).map_err(|field| IndexError::Schema {
            path: dir.to_path_buf(),
            field,
        })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(tantivy_error)?;
        let largest_segment = reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|segment| segment.max_doc())
            .max()
            .unwrap_or(0);
        Ok(LoadedIndex {
            version: version.to_string(),
            index,
            reader,
            fields,
            facets: OnceLock::new(),
            term_sets: TermSets::new(largest_segment),
        })
    }

    /// Whether the facet table is decoded, so that a search will not wait for it.
    pub fn is_warm(&self) -> bool {
        self.facets.get().is_some()
    }

    /// The facet table of this version (decoded on first use).
    pub fn facet_table(&self) -> Result<Arc<FacetTable>, String> {
        self.facets
            .get_or_init(|| {
                FacetTable::load(&self.reader.searcher())
                    .map(Arc::new)
                    .map_err(|e| format!("cannot read the facet columns of {}: {e}", self.version))
            })
            .clone()
    }
}

/// The live index of a published directory, reloaded when a build replaces it.
#[derive(Debug)]
pub struct SearchIndex {
    root: PathBuf,
    current: RwLock<Option<Arc<LoadedIndex>>>,
    check: ReloadCheck,
    cursor_key: CursorKey,
}

impl SearchIndex {
    /// Opens the current index of `layout`; a layout without one is not an error (the search
    /// API then answers 503 until a build writes one).
    pub fn open(layout: &Layout) -> Result<SearchIndex, IndexError> {
        let index = SearchIndex {
            root: layout.index_root(),
            current: RwLock::new(None),
            check: ReloadCheck::new(),
            // The server's key when it has one (so every replica accepts the others'
            // cursors); `AppState::open` has already refused a bad one.
            cursor_key: crate::keys::ServerKey::for_layout(layout)
                .map(|key| CursorKey::from_secret(key.derive("search")))
                .unwrap_or_else(|_| CursorKey::random()),
        };
        index.reload()?;
        Ok(index)
    }

    /// The version `CURRENT` names, if there is one and it is a plain directory name.
    fn read_current(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.root.join(CURRENT)).ok()?;
        let version = text.trim();
        let plain = !version.is_empty()
            && version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        plain.then(|| version.to_string())
    }

    /// Switches to the version `CURRENT` names if it is not the loaded one. Returns whether
    /// it switched.
    pub fn reload(&self) -> Result<bool, IndexError> {
        let Some(version) = self.read_current() else {
            return Ok(false);
        };
        let loaded = self.loaded();
        if loaded.as_ref().is_some_and(|l| l.version == version) {
            return Ok(false);
        }
        let fresh = Arc::new(LoadedIndex::open(&self.root.join(&version), &version)?);
        let warm = fresh.clone();
        std::thread::spawn(move || warm.facet_table());
        if let Ok(mut slot) = self.current.write() {
            *slot = Some(fresh);
        }
        Ok(true)
    }

    /// The key this server signs paging cursors with.
    pub fn cursor_key(&self) -> &CursorKey {
        &self.cursor_key
    }

    fn loaded(&self) -> Option<Arc<LoadedIndex>> {
        self.current.read().ok().and_then(|slot| slot.clone())
    }

    /// The index to answer a request with, after switching versions if `CURRENT` changed.
    pub fn current(&self) -> Option<Arc<LoadedIndex>> {
        if self.check.due() {
            if let Err(err) = self.reload() {
                // Keep answering from the version we have; the next check retries.
                eprintln!("search index: cannot switch versions: {err}");
            }
        }
        self.loaded()
    }
}
