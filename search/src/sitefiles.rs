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
use crate::packed::Packed;
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

/// What a file was on disk when its entry was made: inode, length, modification time (ns).
/// A build never rewrites a file in place (every write is a new file renamed or linked in),
/// so a file that still has all three holds the bytes its entry describes — the check git's
/// index makes, without the change time, which a hard link to the file also moves.
type Stat = Packed<3>;

fn stat_of(meta: &fs::Metadata) -> Stat {
    use std::os::unix::fs::MetadataExt;
    let mtime = (meta.mtime() as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(meta.mtime_nsec() as u64);
    Packed([meta.ino(), meta.len(), mtime])
}

/// `_files/stats.json`: the [`Stat`] of each file of the manifest beside it.
#[derive(Default, Serialize, Deserialize)]
struct Stats {
    format: u32,
    files: BTreeMap<String, Stat>,
    dirs: BTreeMap<String, Listing>,
}

/// The manifest a tree already holds, with the stats of its files, taken out of the tree so
/// that a build which stops half-way leaves none: the next one then checks every copy.
struct Carried {
    manifest: Manifest,
    stats: BTreeMap<String, Stat>,
    dirs: BTreeMap<String, Listing>,
}

impl Carried {
    fn take(layout: &Layout) -> Option<Carried> {
        let stats_file = layout.files_stats();
        let bytes = fs::read(&stats_file).ok();
        let _ = fs::remove_file(&stats_file);
        let stats: Stats = serde_json::from_slice(&bytes?).ok()?;
        let manifest = Manifest::read(layout);
        (stats.format == FORMAT && manifest.format == FORMAT).then_some(Carried {
            manifest,
            stats: stats.files,
            dirs: stats.dirs,
        })
    }

    /// The entry of `rel` if the file is the one it was made from.
    fn unchanged(&self, rel: &str, stat: &Stat) -> Option<&Entry> {
        (self.stats.get(rel) == Some(stat))
            .then(|| self.manifest.files.get(rel))
            .flatten()
    }

    /// The entry and stat of `rel`, a file of an unchanged folder.
    fn kept(&self, rel: &str) -> Option<(&Entry, &Stat)> {
        Some((self.manifest.files.get(rel)?, self.stats.get(rel)?))
    }
}

/// Hashes every public file of `layout` and makes the precompressed copies it lacks: a copy
/// already in the tree (a build that left it in the spare) or in one of `previous` (the
/// published tree, hard-linked) is reused, since copies are named by content. A file the
/// tree's own manifest describes and that is still the same file on disk keeps its entry
/// unread (a rebuild re-reads only what it replaced). Copies no file refers to any more are
/// removed. Writes `_files/manifest.json` and its stats last.
pub fn write(layout: &Layout, previous: &[&Path]) -> io::Result<FilesSummary> {
    let carried = Carried::take(layout);
    let started_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut walk = Walk {
        old: carried.as_ref().map(|c| &c.dirs),
        started_ns,
        files: Vec::new(),
        listings: BTreeMap::new(),
    };
    walk.dir(layout.root(), "")?;
    let Walk {
        files, listings, ..
    } = walk;
    make_shards(layout)?;
    let previous: Vec<Layout> = previous.iter().map(|p| Layout::new(*p)).collect();
    let next = AtomicUsize::new(0);
    let compressed = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(files.len()));
    let failure = Mutex::new(None);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((rel, folder_kept)) = files.get(i) else {
                    break;
                };
                let kept = folder_kept
                    .then(|| carried.as_ref().and_then(|c| c.kept(rel)))
                    .flatten();
                let made = match kept {
                    Some((entry, stat)) => Ok((entry.clone(), *stat)),
                    None => entry_for(layout, &previous, carried.as_ref(), rel, &compressed),
                };
                match made {
                    Ok(made) => {
                        if let Ok(mut all) = results.lock() {
                            all.push((rel.clone(), made));
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
    let mut entries = BTreeMap::new();
    let mut stats = BTreeMap::new();
    for (rel, (entry, stat)) in results.into_inner().unwrap_or_default() {
        stats.insert(rel.clone(), stat);
        entries.insert(rel, entry);
    }
    match &carried {
        Some(old) => remove_replaced(layout, &old.manifest.files, &entries),
        None => remove_unreferenced(layout, &entries)?,
    }
    let manifest = Manifest {
        format: FORMAT,
        files: entries,
    };
    let json = serde_json::to_vec(&manifest).map_err(io::Error::other)?;
    write_atomic(&layout.files_manifest(), &json)?;
    let stats = Stats {
        format: FORMAT,
        files: stats,
        dirs: listings,
    };
    let json = serde_json::to_vec(&stats).map_err(io::Error::other)?;
    write_atomic(&layout.files_stats(), &json)?;
    Ok(FilesSummary {
        files: manifest.files.len(),
        compressed: compressed.into_inner(),
    })
}

/// One folder's listing as the last walk saw it: the folder's inode and modification time
/// (ns), and the names of its files and folders. Creating, removing, renaming or replacing
/// an entry moves the folder's modification time, and a build never rewrites a file in
/// place, so a folder whose stat is unchanged still holds these very files, unread.
#[derive(Clone, Serialize, Deserialize)]
struct Listing {
    stat: Packed<2>,
    files: Vec<String>,
    dirs: Vec<String>,
}

/// A folder modified this recently when the walk began is read again by the next walk: a
/// change in the same tick of the file system's clock would not move its time.
const SETTLED_NS: u64 = 2_000_000_000;

/// A folder with this many folders in it is walked by several threads.
const SPLIT_FROM: usize = 256;

/// Finds every regular file that may be served, reusing the listings of unchanged folders.
struct Walk<'a> {
    old: Option<&'a BTreeMap<String, Listing>>,
    started_ns: u64,
    /// Files found (relative, `/`-joined), and whether their folder is unchanged.
    files: Vec<(String, bool)>,
    listings: BTreeMap<String, Listing>,
}

impl Walk<'_> {
    /// Walks `dir` (relative `rel`, `""` for the root). Symbolic links are not followed: a
    /// published tree holds none, and one would point outside.
    fn dir(&mut self, dir: &Path, rel: &str) -> io::Result<()> {
        let meta = fs::metadata(dir)?;
        let Packed([ino, _, mtime]) = stat_of(&meta);
        let stat = Packed([ino, mtime]);
        let join = |name: &str| match rel {
            "" => name.to_string(),
            _ => format!("{rel}/{name}"),
        };
        let known = self
            .old
            .and_then(|old| old.get(rel))
            .filter(|listing| listing.stat == stat)
            .cloned();
        let listing = match known {
            Some(listing) => {
                self.files
                    .extend(listing.files.iter().map(|f| (join(f), true)));
                listing
            }
            None => {
                let listing = read_listing(dir, rel, stat)?;
                self.files
                    .extend(listing.files.iter().map(|f| (join(f), false)));
                listing
            }
        };
        if listing.dirs.len() < SPLIT_FROM {
            for sub in &listing.dirs {
                self.dir(&dir.join(sub), &join(sub))?;
            }
        } else {
            // A folder of many folders (the register's 100 000 pages): one walker per core,
            // each `statx` waiting on the disk apart from the others.
            let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
            let per = listing.dirs.len().div_ceil(workers);
            let (old, started_ns) = (self.old, self.started_ns);
            let parts: Vec<io::Result<Walk<'_>>> = std::thread::scope(|scope| {
                let handles: Vec<_> = listing
                    .dirs
                    .chunks(per)
                    .map(|subs| {
                        let join = &join;
                        scope.spawn(move || {
                            let mut part = Walk {
                                old,
                                started_ns,
                                files: Vec::new(),
                                listings: BTreeMap::new(),
                            };
                            for sub in subs {
                                part.dir(&dir.join(sub), &join(sub))?;
                            }
                            Ok(part)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|_| Err(io::Error::other("walker panicked")))
                    })
                    .collect()
            });
            for part in parts {
                let part = part?;
                self.files.extend(part.files);
                self.listings.extend(part.listings);
            }
        }
        if mtime.saturating_add(SETTLED_NS) < self.started_ns {
            self.listings.insert(rel.to_string(), listing);
        }
        Ok(())
    }
}

/// The servable files and folders directly in `dir`.
fn read_listing(dir: &Path, rel: &str, stat: Packed<2>) -> io::Result<Listing> {
    let mut listing = Listing {
        stat,
        files: Vec::new(),
        dirs: Vec::new(),
    };
    let mut segments: Vec<String> = rel
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    for item in fs::read_dir(dir)? {
        let item = item?;
        let Ok(name) = item.file_name().into_string() else {
            continue;
        };
        segments.push(name);
        let private = is_private(&segments);
        let Some(name) = segments.pop() else { break };
        let kind = item.file_type()?;
        if private {
            continue;
        }
        if kind.is_dir() {
            listing.dirs.push(name);
        } else if kind.is_file() {
            listing.files.push(name);
        }
    }
    Ok(listing)
}

fn entry_for(
    layout: &Layout,
    previous: &[Layout],
    carried: Option<&Carried>,
    rel: &str,
    compressed: &AtomicUsize,
) -> io::Result<(Entry, Stat)> {
    let path = layout.root().join(rel);
    let stat = stat_of(&fs::metadata(&path)?);
    if let Some(entry) = carried.and_then(|c| c.unchanged(rel, &stat)) {
        return Ok((entry.clone(), stat));
    }
    let mut file = fs::File::open(&path)?;
    // The stat of the file read, not of the path a moment ago.
    let stat = stat_of(&file.metadata()?);
    let mut bytes = Vec::with_capacity(stat.0[1] as usize);
    io::Read::read_to_end(&mut file, &mut bytes)?;
    let hash = hex(&Sha256::digest(&bytes)[..16]);
    let len = bytes.len() as u64;
    let mut entry = Entry {
        hash,
        len,
        br: None,
        gz: None,
    };
    if !(MIN_COMPRESS..=MAX_COMPRESS).contains(&len) || !compressible(rel) {
        return Ok((entry, stat));
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
    Ok((entry, stat))
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

/// The copy files of `entry`.
fn copies_of<'a>(layout: &'a Layout, entry: &'a Entry) -> impl Iterator<Item = PathBuf> + 'a {
    [("br", entry.br), ("gz", entry.gz)]
        .into_iter()
        .filter(|(_, size)| size.is_some())
        .map(|(ext, _)| copy_path(layout, &entry.hash, ext))
}

/// Removes the copies the tree's last manifest named and the new one does not: with that
/// manifest's stats intact, its build finished, so nothing else is in `_files/`.
fn remove_replaced(layout: &Layout, old: &BTreeMap<String, Entry>, new: &BTreeMap<String, Entry>) {
    let kept: HashSet<&str> = new.values().map(|e| e.hash.as_str()).collect();
    for entry in old.values().filter(|e| !kept.contains(e.hash.as_str())) {
        for copy in copies_of(layout, entry) {
            let _ = fs::remove_file(copy);
        }
    }
}

/// Removes copies in `_files/` that no entry names (a file changed or went away), and
/// anything an older layout of `_files/` left there.
fn remove_unreferenced(layout: &Layout, files: &BTreeMap<String, Entry>) -> io::Result<()> {
    let keep: HashSet<PathBuf> = files.values().flat_map(|e| copies_of(layout, e)).collect();
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
        } else if item.path() != manifest && item.path() != layout.files_stats() {
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

    /// Marks every folder under `dir` as last changed an hour ago, as a tree published by an
    /// earlier build is.
    fn age_folders(dir: &Path) {
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for item in fs::read_dir(dir).unwrap() {
            let path = item.unwrap().path();
            if path.is_dir() {
                age_folders(&path);
            }
        }
        fs::File::open(dir).unwrap().set_modified(hour_ago).unwrap();
    }

    #[test]
    fn a_rebuild_reads_only_the_files_it_replaced() {
        let dir = std::env::temp_dir().join(format!("vidkryto-carried-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("a")).unwrap();
        fs::create_dir_all(dir.join("b")).unwrap();
        fs::write(dir.join("a/x.html"), "<p>сторінка а</p>".repeat(50)).unwrap();
        fs::write(dir.join("b/y.html"), "<p>сторінка б</p>".repeat(50)).unwrap();
        let layout = Layout::new(&dir);
        write(&layout, &[]).unwrap();
        age_folders(&dir);
        // Settled folders are listed in the stats from now on.
        assert_eq!(write(&layout, &[]).unwrap().compressed, 0);
        let before = Manifest::read(&layout);
        // As a build replaces a page: a new file, never the old one rewritten.
        fs::remove_file(dir.join("b/y.html")).unwrap();
        fs::write(dir.join("b/y.html"), "<p>нова сторінка б</p>".repeat(50)).unwrap();
        fs::create_dir_all(dir.join("c")).unwrap();
        fs::write(dir.join("c/z.html"), "<p>сторінка в</p>".repeat(50)).unwrap();
        let summary = write(&layout, &[]).unwrap();
        assert_eq!(
            summary.compressed, 4,
            "only the new and replaced pages are compressed"
        );
        let after = Manifest::read(&layout);
        assert_eq!(after.files["a/x.html"], before.files["a/x.html"]);
        let (old, new) = (&before.files["b/y.html"], &after.files["b/y.html"]);
        assert_ne!(old.hash, new.hash);
        assert_eq!(
            new.hash,
            hex(&Sha256::digest(fs::read(dir.join("b/y.html")).unwrap())[..16])
        );
        assert!(copy_path(&layout, &new.hash, "br").is_file());
        assert!(
            !copy_path(&layout, &old.hash, "br").exists(),
            "the replaced copy is removed"
        );
        assert!(after.files.contains_key("c/z.html"));
        // A build that stopped half-way left no stats: the next one checks every file.
        fs::remove_file(layout.files_stats()).unwrap();
        fs::remove_file(dir.join("a/x.html")).unwrap();
        write(&layout, &[]).unwrap();
        assert!(!Manifest::read(&layout).files.contains_key("a/x.html"));
        fs::remove_dir_all(&dir).unwrap();
    }
}
