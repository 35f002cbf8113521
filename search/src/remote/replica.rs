//! A stateless replica's local copy of the published portal: `CACHE/v/<version>/` holds one
//! complete version, `CACHE/current` is a symbolic link to the one being served. A new version
//! is downloaded beside the served one (files the previous version had with the same hash are
//! copied locally, not downloaded), checked against its manifest, and switched in with one
//! rename of the link, so the server — which resolves every path through `current` — never
//! sees a mixed or partial version.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::{stream, StreamExt, TryStreamExt};
use object_store::ObjectStoreExt;
use sha2::{Digest, Sha256};

use super::publish::hex;
use super::{runtime, Entry, Manifest, Remote, RemoteError};

/// Downloads in flight at once.
const IN_FLIGHT: usize = 16;
/// Local versions kept: the one served and the one before it (requests that started on it may
/// still be reading its files).
const KEEP_VERSIONS: usize = 2;

/// The version a sync left current.
#[derive(Debug, Clone)]
pub struct Synced {
    pub version: String,
    /// `CACHE/current`: the directory to serve.
    pub current: PathBuf,
    /// Files downloaded (the rest were copied from the previous local version).
    pub downloaded: u64,
    /// True when the pointer named a version other than the one served before.
    pub switched: bool,
}

/// Makes `cache/current` the version the remote's pointer names, downloading what is new.
pub fn sync_current(remote: &Remote, cache: &Path) -> Result<Synced, RemoteError> {
    runtime()?.block_on(sync(remote, cache))
}

/// Follows the pointer for ever: every `every`, syncs and switches when it names a new
/// version. Errors are reported and retried at the next tick; the served version stays.
pub fn follow(remote: Remote, cache: PathBuf, every: Duration) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let runtime = match runtime() {
            Ok(runtime) => runtime,
            Err(err) => {
                eprintln!("replica: {err}");
                return;
            }
        };
        loop {
            std::thread::sleep(every);
            match runtime.block_on(sync(&remote, &cache)) {
                Ok(synced) if synced.switched => eprintln!(
                    "replica: now serving version {} ({} files downloaded)",
                    synced.version, synced.downloaded
                ),
                Ok(_) => {}
                Err(err) => eprintln!("replica: keeping the current version: {err}"),
            }
        }
    })
}

async fn sync(remote: &Remote, cache: &Path) -> Result<Synced, RemoteError> {
    let pointer = remote
        .pointer()
        .await?
        .ok_or_else(|| RemoteError::NothingPublished(remote.url().to_string()))?;
    let current = cache.join("current");
    let versions = cache.join("v");
    let served = std::fs::read_link(&current)
        .ok()
        .and_then(|target| target.file_name().map(|n| n.to_string_lossy().into_owned()));
    if served.as_deref() == Some(pointer.version.as_str()) {
        return Ok(Synced {
            version: pointer.version,
            current,
            downloaded: 0,
            switched: false,
        });
    }
    let manifest = remote.manifest(&pointer).await?;
    let target = versions.join(&manifest.version);
    let mut downloaded = 0;
    if !target.is_dir() {
        let previous = served
            .as_deref()
            .and_then(|version| read_local_manifest(&versions, version));
        downloaded = download(remote, &manifest, previous.as_ref(), &versions).await?;
    }
    switch(cache, &manifest.version)?;
    prune(&versions, &manifest.version);
    Ok(Synced {
        version: manifest.version,
        current,
        downloaded,
        switched: true,
    })
}

/// Downloads a version into `versions/<id>.partial/` and renames it complete.
async fn download(
    remote: &Remote,
    manifest: &Manifest,
    previous: Option<&Manifest>,
    versions: &Path,
) -> Result<u64, RemoteError> {
    let partial = versions.join(format!("{}.partial", manifest.version));
    let local = |path: &Path, err: std::io::Error| RemoteError::Local {
        path: path.display().to_string(),
        message: err.to_string(),
    };
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(|err| local(&partial, err))?;
    }
    std::fs::create_dir_all(&partial).map_err(|err| local(&partial, err))?;
    let reusable: HashMap<&str, &Entry> = previous
        .map(|m| m.files.iter().map(|e| (e.path.as_str(), e)).collect())
        .unwrap_or_default();
    let previous_dir = previous.map(|m| versions.join(&m.version));
    let fetched: Vec<bool> = stream::iter(manifest.files.iter())
        .map(|entry| {
            let destination = partial.join(&entry.path);
            let reuse = match (&previous_dir, reusable.get(entry.path.as_str())) {
                (Some(dir), Some(old)) if *old == entry => Some(dir.join(&entry.path)),
                _ => None,
            };
            async move {
                if let Some(parent) = destination.parent() {
                    std::fs::create_dir_all(parent).map_err(|err| local(parent, err))?;
                }
                // A fresh copy, not a hard link: the server notices a new build by its
                // files' modification times.
                if let Some(source) = reuse {
                    if std::fs::copy(&source, &destination).is_ok() {
                        return Ok(false);
                    }
                }
                fetch(remote, &manifest.version, entry, &destination).await?;
                Ok::<_, RemoteError>(true)
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect()
        .await?;
    let manifest_file = versions.join(format!("{}.json", manifest.version));
    let json = serde_json::to_vec(manifest).map_err(|source| RemoteError::Format {
        what: "manifest",
        key: manifest_file.display().to_string(),
        source,
    })?;
    crate::output::write_atomic(&manifest_file, &json).map_err(|err| local(&manifest_file, err))?;
    let target = versions.join(&manifest.version);
    std::fs::rename(&partial, &target).map_err(|err| local(&target, err))?;
    Ok(fetched.into_iter().filter(|&downloaded| downloaded).count() as u64)
}

async fn fetch(
    remote: &Remote,
    version: &str,
    entry: &Entry,
    destination: &Path,
) -> Result<(), RemoteError> {
    let key = remote.file_key(version, &entry.path);
    let got = remote
        .store
        .get(&key)
        .await
        .map_err(|source| remote.failed("download", &key, source))?;
    let bytes = got
        .bytes()
        .await
        .map_err(|source| remote.failed("download", &key, source))?;
    let sha256 = hex(&Sha256::digest(&bytes));
    if sha256 != entry.sha256 {
        return Err(RemoteError::Corrupt {
            key: key.to_string(),
            got: sha256,
            expected: entry.sha256.clone(),
        });
    }
    std::fs::write(destination, &bytes).map_err(|err| RemoteError::Local {
        path: destination.display().to_string(),
        message: err.to_string(),
    })
}

fn read_local_manifest(versions: &Path, version: &str) -> Option<Manifest> {
    let bytes = std::fs::read(versions.join(format!("{version}.json"))).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Points `cache/current` at `v/<version>` with one rename (atomic on POSIX).
fn switch(cache: &Path, version: &str) -> Result<(), RemoteError> {
    let link = cache.join("current");
    let fresh = cache.join(format!(".current.{}", std::process::id()));
    let _ = std::fs::remove_file(&fresh);
    let failed = |err: std::io::Error| RemoteError::Local {
        path: link.display().to_string(),
        message: format!("cannot switch to version {version}: {err}"),
    };
    std::os::unix::fs::symlink(Path::new("v").join(version), &fresh).map_err(failed)?;
    std::fs::rename(&fresh, &link).map_err(failed)
}

/// Removes local versions beyond the newest [`KEEP_VERSIONS`] (by modification time), and
/// partial downloads other syncs left.
fn prune(versions: &Path, current: &str) {
    let Ok(children) = std::fs::read_dir(versions) else {
        return;
    };
    let mut complete: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
    for child in children.flatten() {
        let path = child.path();
        let name = child.file_name().to_string_lossy().into_owned();
        if !path.is_dir() || name == current {
            continue;
        }
        if name.ends_with(".partial") {
            let _ = std::fs::remove_dir_all(&path);
            continue;
        }
        let modified = child
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(std::time::UNIX_EPOCH);
        complete.push((modified, path));
    }
    complete.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    for (_, path) in complete.into_iter().skip(KEEP_VERSIONS - 1) {
        let _ = std::fs::remove_dir_all(&path);
        let _ = std::fs::remove_file(path.with_extension("json"));
    }
}
