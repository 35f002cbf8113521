//! The manifest of servable files (`_files/manifest.json`): every public file's content hash
//! (strong ETags) and its precompressed copies (`_files/<2 hex>/<hash>.br`, `.gz`), written by the
//! build once everything else is in the staging tree and read by the server's static-file
//! handler. Owns the hashing, the choice of what is worth compressing and the reuse of
//! copies between builds; not the HTTP side (`server::static_files`).

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::layout::is_private;
use crate::output::write_atomic;
use crate::Layout;

/// 2: copies in 256 folders by the hash's first byte (format 1 kept them in `_files/`).
const FORMAT: u32 = 2;

/// Smaller files gain nothing from compression (one TCP segment either way).
const MIN_COMPRESS: u64 = 256;
/// Larger files are served as they are (a compressed copy would double a huge download's
/// disk and build time for a file nobody opens in a browser).
const MAX_COMPRESS: u64 = 64 * 1024 * 1024;

/// What the manifest says of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Hex SHA-256 (first 16 bytes) of the file's bytes.
    pub hash: String,
    pub len: u64,
    /// Length of the `.br` copy ([`copy_path`]), when one was kept (it is smaller than the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub br: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gz: Option<u64>,
}

/// `_files/manifest.json`: URL path (relative, `/`-separated) → entry.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub files: BTreeMap<String, Entry>,
}

/// What [`write`] did.
#[derive(Debug, Default, Serialize)]
pub struct FilesSummary {
    pub files: usize,
    /// Precompressed copies made by this build (the others were reused).
    pub compressed: usize,
}

impl Manifest {
    /// Reads the manifest of the tree at `layout`; a tree without one has an empty manifest
    /// (its files are served with weak ETags and no precompressed copies).
    pub fn read(layout: &Layout) -> Manifest {
        fs::read(layout.files_manifest())
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok())
            .filter(|m| m.format == FORMAT)
            .unwrap_or_default()
    }
}

/// The precompressed copy of a file with `hash`, `ext` `br` or `gz`: in one of 256 folders
/// named by the hash's first byte. One folder of every copy (four per page of a
/// 100 000-document portal: 400 000 entries, each created as a temporary file and renamed)
/// made every creation wait on that folder's lock; spread out, 400 000 such files written
/// by two writers took 30 s instead of 44 on the build machine's disk.
pub fn copy_path(layout: &Layout, hash: &str, ext: &str) -> PathBuf {
    let shard = hash.get(..2).unwrap_or("00");
    layout.files_dir().join(shard).join(format!("{hash}.{ext}"))
}

/// Every folder [`copy_path`] may name.
fn make_shards(layout: &Layout) -> io::Result<()> {
    for byte in 0..=255u8 {
        fs::create_dir_all(layout.files_dir().join(format!("{byte:02x}")))?;
    }
    Ok(())
}

/// Hashes every public file of `layout` and makes the precompressed copies it lacks: a copy
/// already in the tree (a build that left it in the spare) or in one of `previous` (the
/// published tree, hard-linked) is reused, since copies are named by content. Copies no file
/// refers to any more are removed. Writes `_files/manifest.json` last.
pub fn write(layout: &Layout, previous: &[&Path]) -> io::Result<FilesSummary> {
    let mut files = Vec::new();
    walk(layout.root(), &mut Vec::new(), &mut files)?;
    make_shards(layout)?;
    let previous: Vec<Layout> = previous.iter().map(|p| Layout::new(*p)).collect();
    let next = AtomicUsize::new(0);
    let compressed = AtomicUsize::new(0);
    let results = Mutex::new(BTreeMap::new());
    let failure = Mutex::new(None);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(rel) = files.get(i) else { break };
                match entry_for(layout, &previous, rel, &compressed) {
                    Ok(entry) => {
                        if let Ok(mut map) = results.lock() {
                            map.insert(rel.clone(), entry);
                        }
                    }
                    Err(err) => {
                        if let Ok(mut slot) = failure.lock() {
                            slot.get_or_insert((rel.clone(), err));
                        }
                        break;
                    }
                }
            });
        }
    });
    if let Some((rel, err)) = failure.into_inner().ok().flatten() {
        return Err(io::Error::new(err.kind(), format!("`{rel}`: {err}")));
    }
    let files = results.into_inner().unwrap_or_default();
    remove_unreferenced(layout, &files)?;
    let manifest = Manifest {
        format: FORMAT,
        files,
    };
    let json = serde_json::to_vec(&manifest).map_err(io::Error::other)?;
    write_atomic(&layout.files_manifest(), &json)?;
    Ok(FilesSummary {
        files: manifest.files.len(),
        compressed: compressed.into_inner(),
    })
}

/// Every regular file under `dir` that may be served, as `/`-joined relative paths.
/// Symbolic links are not followed: a published tree holds none, and one would point outside.
fn walk(dir: &Path, prefix: &mut Vec<String>, out: &mut Vec<String>) -> io::Result<()> {
    for item in fs::read_dir(dir)? {
        let item = item?;
        let Ok(name) = item.file_name().into_string() else {
            continue;
        };
        prefix.push(name);
        let kind = item.file_type()?;
        if !is_private(prefix) {
            if kind.is_dir() {
                walk(&item.path(), prefix, out)?;
            } else if kind.is_file() {
                out.push(prefix.join("/"));
            }
        }
        prefix.pop();
    }
    Ok(())
}

fn entry_for(
    layout: &Layout,
    previous: &[Layout],
    rel: &str,
    compressed: &AtomicUsize,
) -> io::Result<Entry> {
    let bytes = fs::read(layout.root().join(rel))?;
    let hash = hex(&Sha256::digest(&bytes)[..16]);
    let len = bytes.len() as u64;
    let mut entry = Entry {
        hash,
        len,
        br: None,
        gz: None,
    };
    if !(MIN_COMPRESS..=MAX_COMPRESS).contains(&len) || !compressible(rel) {
        return Ok(entry);
    }
    for ext in ["br", "gz"] {
        let path = copy_path(layout, &entry.hash, ext);
        let size = match reuse(&path, previous, &entry.hash, ext) {
            Some(size) => size,
            None => {
                let packed = compress(&bytes, ext)?;
                // A copy that saves less than 5 % is not worth a second representation.
                if packed.len() as u64 * 20 > len * 19 {
                    continue;
                }
                write_copy(&path, &packed)?;
                compressed.fetch_add(1, Ordering::Relaxed);
                packed.len() as u64
            }
        };
        match ext {
            "br" => entry.br = Some(size),
            _ => entry.gz = Some(size),
        }
    }
    Ok(entry)
}

/// Two files with the same bytes share a copy and may be compressed at once by two workers:
/// each writes its own temporary file, and the second rename replaces identical bytes.
fn write_copy(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp-{}-{n}", std::process::id()));
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

/// The size of an existing copy: in the tree itself, or hard-linked from a previous tree.
fn reuse(path: &Path, previous: &[Layout], hash: &str, ext: &str) -> Option<u64> {
    if let Ok(meta) = fs::metadata(path) {
        return Some(meta.len());
    }
    previous.iter().find_map(|tree| {
        let from = copy_path(tree, hash, ext);
        let meta = fs::metadata(&from).ok()?;
        (fs::hard_link(&from, path).is_ok() || fs::copy(&from, path).is_ok()).then_some(meta.len())
    })
}

/// Brotli quality 6 with the largest window, gzip level 6. Measured on portal pages (4 KB to
/// 300 KB): brotli 9 is 10-20× slower for 1 % smaller files, because each encoder clears a
/// hash table of tens of megabytes; windows of 16 bits or less switch to a hasher that is
/// slower still on small pages. Gzip 9 costs 1.5× gzip 6 for under 1 %.
fn compress(bytes: &[u8], ext: &str) -> io::Result<Vec<u8>> {
    const BROTLI_QUALITY: u32 = 6;
    const BROTLI_WINDOW_BITS: u32 = 22;
    if ext == "br" {
        let mut out = Vec::with_capacity(bytes.len() / 4);
        {
            let mut writer = brotli::CompressorWriter::new(
                &mut out,
                64 * 1024,
                BROTLI_QUALITY,
                BROTLI_WINDOW_BITS,
            );
            writer.write_all(bytes)?;
            writer.flush()?;
        }
        Ok(out)
    } else {
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(bytes.len() / 3),
            flate2::Compression::default(),
        );
        encoder.write_all(bytes)?;
        encoder.finish()
    }
}

/// Text formats compress; images, archives and fonts already are.
fn compressible(rel: &str) -> bool {
    let ext = rel.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    matches!(
        ext.as_deref(),
        Some(
            "html"
                | "htm"
                | "css"
                | "js"
                | "mjs"
                | "json"
                | "jsonld"
                | "geojson"
                | "xml"
                | "svg"
                | "txt"
                | "csv"
                | "ttl"
                | "md"
                | "map"
                | "webmanifest"
                | "ico"
        )
    )
}

/// Removes copies in `_files/` that no entry names (a file changed or went away), and
/// anything an older layout of `_files/` left there.
fn remove_unreferenced(layout: &Layout, files: &BTreeMap<String, Entry>) -> io::Result<()> {
    let keep: HashSet<PathBuf> = files
        .values()
        .flat_map(|e| {
            let mut paths = Vec::new();
            if e.br.is_some() {
                paths.push(copy_path(layout, &e.hash, "br"));
            }
            if e.gz.is_some() {
                paths.push(copy_path(layout, &e.hash, "gz"));
            }
            paths
        })
        .collect();
    let manifest = layout.files_manifest();
    for item in fs::read_dir(layout.files_dir())? {
        let item = item?;
        if item.file_type()?.is_dir() {
            for copy in fs::read_dir(item.path())? {
                let copy = copy?.path();
                if !keep.contains(&copy) {
                    let _ = fs::remove_file(copy);
                }
            }
        } else if item.path() != manifest {
            let _ = fs::remove_file(item.path());
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn hashes_public_files_compresses_text_and_skips_private_trees() {
        let dir = std::env::temp_dir().join(format!("vidkryto-sitefiles-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("_store/a")).unwrap();
        fs::create_dir_all(dir.join("css")).unwrap();
        fs::write(dir.join("index.html"), "<p>Відкрито</p>".repeat(100)).unwrap();
        fs::write(dir.join("css/x.png"), [7u8; 1000]).unwrap();
        fs::write(dir.join("_store/a/meta.json"), "{}").unwrap();
        fs::write(dir.join(".render-id"), "1").unwrap();
        let layout = Layout::new(&dir);
        let summary = write(&layout, &[]).unwrap();
        let manifest = Manifest::read(&layout);
        let names: Vec<&str> = manifest.files.keys().map(String::as_str).collect();
        assert_eq!(names, ["css/x.png", "index.html"]);
        assert_eq!(summary.compressed, 2);
        let page = &manifest.files["index.html"];
        assert!(page.br.is_some() && page.gz.is_some());
        assert!(manifest.files["css/x.png"].br.is_none());
        let original = fs::read(dir.join("index.html")).unwrap();
        let mut unbrotli = Vec::new();
        brotli::Decompressor::new(
            fs::File::open(copy_path(&layout, &page.hash, "br")).unwrap(),
            4096,
        )
        .read_to_end(&mut unbrotli)
        .unwrap();
        assert_eq!(unbrotli, original);
        let mut ungzip = Vec::new();
        flate2::read::GzDecoder::new(fs::File::open(copy_path(&layout, &page.hash, "gz")).unwrap())
            .read_to_end(&mut ungzip)
            .unwrap();
        assert_eq!(ungzip, original);
        // A second run reuses the copies; a changed page drops its old ones.
        assert_eq!(write(&layout, &[]).unwrap().compressed, 0);
        fs::write(dir.join("index.html"), "<p>інше</p>".repeat(100)).unwrap();
        write(&layout, &[]).unwrap();
        assert!(!copy_path(&layout, &page.hash, "br").exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
