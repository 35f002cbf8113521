//! Incremental rendering: for every output file, a digest of what it was rendered from (its
//! template context) and of everything its template read through `load_data`,
//! `get_section` and `get_page` while rendering. A rebuild whose digests all match links the
//! file from the previous published directory instead of rendering it again, so changing one
//! dataset re-renders only the pages that depend on it. Any change to `config.toml` or the
//! templates invalidates everything.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hasher;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Bump when the digest scheme changes.
const FORMAT: u32 = 1;

/// The file in a rendered directory naming the render (see `RenderCache::id`).
pub const ID_FILE: &str = ".render-id";

/// What the last render remembered.
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

impl RenderCache {
    /// Reads the cache of the render published in `previous_dir`; a missing, unreadable or
    /// outdated cache, or one from another render, gives an empty cache.
    pub fn load(path: &Path, previous_dir: &Path, global: u64) -> RenderCache {
        let published_id = std::fs::read_to_string(previous_dir.join(ID_FILE)).unwrap_or_default();
        let cache: Option<RenderCache> = std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        match cache {
            Some(cache)
                if cache.format == FORMAT
                    && cache.global == global
                    && !cache.id.is_empty()
                    && cache.id == published_id.trim() =>
            {
                cache
            }
            _ => RenderCache::default(),
        }
    }

    /// The entry of `file` if its key matches and every dependency still has its digest.
    pub fn fresh(
        &self,
        file: &str,
        key: u64,
        current: &(dyn Fn(&str) -> Option<u64> + Sync),
    ) -> bool {
        self.entries.get(file).is_some_and(|entry| {
            entry.key == key
                && entry
                    .deps
                    .iter()
                    .all(|(what, digest)| current(what) == Some(*digest))
        })
    }

    pub fn entry(&self, file: &str) -> Option<&Entry> {
        self.entries.get(file)
    }

    /// A new cache holding `entries`.
    pub fn with_entries(global: u64, entries: HashMap<String, Entry>) -> RenderCache {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        RenderCache {
            format: FORMAT,
            global,
            id: format!("{now}-{}", std::process::id()),
            entries,
        }
    }

    /// Saves the cache and marks `out_dir` as the render it describes.
    pub fn save(&self, path: &Path, out_dir: &Path) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        vidkryto_search::output::write_atomic(path, &bytes)?;
        std::fs::write(out_dir.join(ID_FILE), &self.id)
    }
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
