//! Incremental rendering: for every output file, a digest of what it was rendered from (its
//! template context) and of everything its template read through `load_data`,
//! `get_section` and `get_page` while rendering. A rebuild whose digests all match links the
//! file from the previous published directory instead of rendering it again, so changing one
//! dataset re-renders only the pages that depend on it. Any change to `config.toml` or the
//! templates invalidates everything.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hasher;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Bump when the digest scheme changes.
const FORMAT: u32 = 2;

/// The file in a rendered directory naming the render (see `RenderCache::id`).
pub const ID_FILE: &str = ".render-id";

/// What a render wrote and from what. Two are kept (`cache_files`): the published tree's and
/// the spare tree's (see `crate::staging`), each naming its render in `ID_FILE`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RenderCache {
    format: u32,
    /// Digest of `config.toml` and every template.
    global: u64,
    /// Identifies the render; the rendered directory holds it in `ID_FILE`, so a cache whose
    /// render was never published (a failed build) is not trusted.
    id: String,
    /// Output file (relative) → what it was rendered from.
    entries: HashMap<String, Entry>,
    /// Other files the render wrote (static files, 404, sitemap, feeds), relative.
    #[serde(default)]
    others: Vec<String>,
    /// Whether `global` is this build's: only then may entries be reused.
    #[serde(skip)]
    current: bool,
}

/// One output file's inputs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// Digest of the template context.
    pub key: u64,
    /// What the template read (`data:<path>`, `section:<path>:<metadata_only>`,
    /// `page:<path>`) and the digest it had.
    pub deps: Vec<(String, u64)>,
}

/// The two cache files kept for `path`: the one named, and `<stem>.prev.json`.
pub fn cache_files(path: &Path) -> [PathBuf; 2] {
    [path.to_path_buf(), path.with_extension("prev.json")]
}

/// The render id `dir` holds, if any.
pub fn render_id(dir: &Path) -> Option<String> {
    let id = std::fs::read_to_string(dir.join(ID_FILE)).ok()?;
    let id = id.trim();
    (!id.is_empty()).then(|| id.to_string())
}

impl RenderCache {
    /// The cache (among `cache_files(path)`) of the render that `dir` holds, if it is known;
    /// its entries are reusable only when `global` (templates and config) is unchanged.
    pub fn load(path: &Path, dir: &Path, global: u64) -> Option<RenderCache> {
        let id = render_id(dir)?;
        cache_files(path).iter().find_map(|file| {
            let bytes = std::fs::read(file).ok()?;
            let mut cache: RenderCache = serde_json::from_slice(&bytes).ok()?;
            if cache.format != FORMAT || cache.id != id {
                return None;
            }
            cache.current = cache.global == global;
            Some(cache)
        })
    }

    /// Whether `dir` holds a render one of `cache_files(path)` describes.
    pub fn known(path: &Path, dir: &Path) -> bool {
        RenderCache::load(path, dir, 0).is_some()
    }

    /// The entry of `file` if its key matches and every dependency still has its digest.
    pub fn fresh(
        &self,
        file: &str,
        key: u64,
        current: &(dyn Fn(&str) -> Option<u64> + Sync),
    ) -> Option<&Entry> {
        if !self.current {
            return None;
        }
        self.entries.get(file).filter(|entry| {
            entry.key == key
                && entry
                    .deps
                    .iter()
                    .all(|(what, digest)| current(what) == Some(*digest))
        })
    }

    /// Every file the render wrote, relative to its directory.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.entries
            .keys()
            .map(String::as_str)
            .chain(self.others.iter().map(String::as_str))
    }

    /// A new cache holding `entries` and `others`.
    pub fn with_entries(
        global: u64,
        entries: HashMap<String, Entry>,
        others: Vec<String>,
    ) -> RenderCache {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        RenderCache {
            format: FORMAT,
            global,
            // Not in decimal: see `vidkryto_search::packed`.
            id: vidkryto_search::packed::Packed([now as u64, u64::from(std::process::id())])
                .to_string(),
            entries,
            others,
            current: true,
        }
    }

    /// Saves the cache among `cache_files(path)` — not over the cache of render `keep` (the
    /// published tree's, which becomes the spare) — and marks `out_dir` as the render it
    /// describes.
    pub fn save(&self, path: &Path, keep: Option<&str>, out_dir: &Path) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        let [first, second] = cache_files(path);
        let holds_keep = |file: &Path| {
            keep.is_some_and(|keep| {
                std::fs::read(file)
                    .ok()
                    .and_then(|b| serde_json::from_slice::<IdOnly>(&b).ok())
                    .is_some_and(|c| c.id == keep)
            })
        };
        let file = if holds_keep(&first) { second } else { first };
        vidkryto_search::output::write_atomic(&file, &bytes)?;
        super::write(&out_dir.join(ID_FILE), self.id.as_bytes()).map_err(|e| match e {
            super::ZolaError::Write { source, .. } => source,
            other => std::io::Error::other(other.to_string()),
        })
    }
}

/// Just the id of a cache file.
#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

thread_local! {
    /// Dependencies read by the template being rendered on this thread.
    static RECORDING: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Starts recording what the template functions read on this thread.
pub fn start_recording() {
    RECORDING.with(|r| *r.borrow_mut() = Some(Vec::new()));
}

/// Stops recording and returns what was read.
pub fn finish_recording() -> Vec<String> {
    RECORDING.with(|r| r.borrow_mut().take().unwrap_or_default())
}

/// Notes that the template being rendered read `what`.
pub fn record(what: String) {
    RECORDING.with(|r| {
        if let Some(deps) = r.borrow_mut().as_mut() {
            deps.push(what);
        }
    });
}

/// A stable-within-a-toolchain digest (SipHash with fixed keys).
#[derive(Default)]
pub struct Digest(std::collections::hash_map::DefaultHasher);

impl Digest {
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.write(bytes);
        self.0.write_u8(0xff);
        self
    }

    pub fn value(&mut self, value: &Value) -> &mut Self {
        self.serialized(value)
    }

    /// Digests anything serializable by its JSON form, without building it.
    pub fn serialized<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> &mut Self {
        let _ = serde_json::to_writer(&mut *self, value);
        self.0.write_u8(0xfe);
        self
    }

    pub fn finish(&self) -> u64 {
        self.0.finish()
    }
}

impl std::io::Write for Digest {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recording_is_per_render() {
        record("ignored".into());
        start_recording();
        record("data:a.csv".into());
        assert_eq!(finish_recording(), ["data:a.csv"]);
        assert!(finish_recording().is_empty());
    }

    #[test]
    fn digests_distinguish_values() {
        let a = Digest::default()
            .value(&serde_json::json!({"x": 1}))
            .finish();
        let b = Digest::default()
            .value(&serde_json::json!({"x": 2}))
            .finish();
        assert_ne!(a, b);
    }
}
