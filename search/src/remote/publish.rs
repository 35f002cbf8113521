//! `vidkryto publish --to`: uploads a local build as a new version. Files whose path and
//! content hash match the current version are copied inside the store (no bytes uploaded);
//! the pointer moves only after every file of the new version is in place; versions older
//! than the one just replaced are deleted last.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use futures_util::{stream, StreamExt, TryStreamExt};
use object_store::{Attribute, Attributes, ObjectStoreExt, PutOptions, PutPayload, WriteMultipart};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{runtime, Entry, Manifest, Pointer, Remote, RemoteError};
use crate::Layout;

/// Requests in flight at once: object stores answer each PUT or COPY in tens of
/// milliseconds, so the work is latency-bound, not bandwidth-bound.
const IN_FLIGHT: usize = 16;
/// Files above this are uploaded in parts (S3 refuses single PUTs above 5 GiB, and parts can
/// be retried on their own).
const MULTIPART_ABOVE: u64 = 32 << 20;

/// What one publish did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PublishSummary {
    pub url: String,
    /// The version now current.
    pub version: String,
    /// The version it replaced, if any.
    pub previous: Option<String>,
    pub files: u64,
    pub uploaded: u64,
    pub uploaded_bytes: u64,
    /// Files already in the store with the same content (copied inside it, or the whole
    /// version unchanged).
    pub unchanged: u64,
    pub unchanged_bytes: u64,
    /// Objects of retired versions deleted.
    pub deleted: u64,
    /// The paths whose bytes were uploaded (new or changed files), sorted.
    pub uploaded_paths: Vec<String>,
    pub seconds: f64,
}

/// Publishes the build in `layout` to `remote`; `progress(done, total)` is called as files
/// are handled.
pub fn publish(
    layout: &Layout,
    remote: &Remote,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<PublishSummary, RemoteError> {
    let started = Instant::now();
    let manifest = local_manifest(layout.root())?;
    let mut summary = runtime()?.block_on(upload(layout.root(), remote, manifest, progress))?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

async fn upload(
    root: &Path,
    remote: &Remote,
    manifest: Manifest,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<PublishSummary, RemoteError> {
    let current = remote.pointer().await?;
    let mut summary = PublishSummary {
        url: remote.url().to_string(),
        version: manifest.version.clone(),
        previous: current.as_ref().map(|p| p.version.clone()),
        files: manifest.files.len() as u64,
        ..PublishSummary::default()
    };
    let total_bytes: u64 = manifest.files.iter().map(|e| e.bytes).sum();
    if current
        .as_ref()
        .is_some_and(|p| p.version == manifest.version)
    {
        summary.previous = None;
        summary.unchanged = summary.files;
        summary.unchanged_bytes = total_bytes;
        progress(summary.files, summary.files);
        return Ok(summary);
    }
    let previous = match &current {
        Some(pointer) => remote.manifest(pointer).await?,
        None => Manifest::default(),
    };
    let before: HashMap<&str, &Entry> = previous
        .files
        .iter()
        .map(|e| (e.path.as_str(), e))
        .collect();
    let total = manifest.files.len() as u64;
    let done = std::sync::atomic::AtomicU64::new(0);
    let (old_version, new_version) = (previous.version.as_str(), manifest.version.as_str());
    let outcomes: Vec<(bool, &Entry)> = stream::iter(manifest.files.iter())
        .map(|entry| {
            let same = before.get(entry.path.as_str()).copied() == Some(entry);
            let done = &done;
            async move {
                let moved = if same {
                    let from = remote.file_key(old_version, &entry.path);
                    let to = remote.file_key(new_version, &entry.path);
                    remote
                        .store
                        .copy(&from, &to)
                        .await
                        .map_err(|source| remote.failed("copy", &from, source))?;
                    false
                } else {
                    put_file(root, remote, new_version, entry).await?;
                    true
                };
                progress(
                    done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
                    total,
                );
                Ok::<_, RemoteError>((moved, entry))
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect()
        .await?;
    for (uploaded, entry) in outcomes {
        if uploaded {
            summary.uploaded += 1;
            summary.uploaded_bytes += entry.bytes;
            summary.uploaded_paths.push(entry.path.clone());
        } else {
            summary.unchanged += 1;
            summary.unchanged_bytes += entry.bytes;
        }
    }
    summary.uploaded_paths.sort();
    let manifest_key = remote.manifest_key(&manifest.version);
    remote
        .put_json(
            &manifest_key,
            &manifest,
            "public, max-age=31536000, immutable",
        )
        .await?;
    // The switch: one small PUT. Everything it names is already in place.
    let pointer = Pointer {
        version: manifest.version.clone(),
        manifest: manifest_key,
        published_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    remote
        .put_json(super::POINTER, &pointer, "no-cache, max-age=0")
        .await?;
    let keep = [manifest.version.as_str(), previous.version.as_str()];
    summary.deleted = retire(remote, &keep).await?;
    Ok(summary)
}

/// Deletes every version (files and manifest) not in `keep`. The replaced version stays one
/// publish longer, so a replica that read the old pointer a moment ago can still finish
/// syncing it.
async fn retire(remote: &Remote, keep: &[&str]) -> Result<u64, RemoteError> {
    let versions_dir = remote.key("v");
    let listing = remote
        .store
        .list_with_delimiter(Some(&versions_dir))
        .await
        .map_err(|source| remote.failed("list", &versions_dir, source))?;
    let mut deleted = 0;
    for dir in listing.common_prefixes {
        let Some(version) = dir.filename().map(str::to_string) else {
            continue;
        };
        if keep.contains(&version.as_str()) || version.is_empty() {
            continue;
        }
        let objects: Vec<_> = remote
            .store
            .list(Some(&dir))
            .map_ok(|meta| meta.location)
            .try_collect()
            .await
            .map_err(|source| remote.failed("list", &dir, source))?;
        deleted += objects.len() as u64;
        let located = stream::iter(objects.into_iter().map(Ok)).boxed();
        remote
            .store
            .delete_stream(located)
            .try_collect::<Vec<_>>()
            .await
            .map_err(|source| remote.failed("delete", &dir, source))?;
        let manifest = remote.key(&remote.manifest_key(&version));
        match remote.store.delete(&manifest).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(source) => return Err(remote.failed("delete", &manifest, source)),
        }
    }
    Ok(deleted)
}

async fn put_file(
    root: &Path,
    remote: &Remote,
    version: &str,
    entry: &Entry,
) -> Result<(), RemoteError> {
    let key = remote.file_key(version, &entry.path);
    let local = root.join(&entry.path);
    let options = put_options(
        &entry.content_type,
        entry.content_encoding.as_deref(),
        &entry.cache_control,
    );
    let read_error = |err: std::io::Error| RemoteError::Local {
        path: local.display().to_string(),
        message: format!("cannot read it: {err}"),
    };
    if entry.bytes <= MULTIPART_ABOVE {
        let bytes = tokio::fs::read(&local).await.map_err(read_error)?;
        remote
            .store
            .put_opts(&key, PutPayload::from(bytes), options)
            .await
            .map_err(|source| remote.failed("upload", &key, source))?;
        return Ok(());
    }
    let upload = remote
        .store
        .put_multipart_opts(
            &key,
            object_store::PutMultipartOptions {
                attributes: options.attributes,
                ..Default::default()
            },
        )
        .await
        .map_err(|source| remote.failed("upload", &key, source))?;
    let mut writer = WriteMultipart::new(upload);
    let mut file = tokio::fs::File::open(&local).await.map_err(read_error)?;
    let mut buffer = vec![0u8; 8 << 20];
    loop {
        let n = tokio::io::AsyncReadExt::read(&mut file, &mut buffer)
            .await
            .map_err(read_error)?;
        if n == 0 {
            break;
        }
        writer
            .wait_for_capacity(4)
            .await
            .map_err(|source| remote.failed("upload", &key, source))?;
        writer.write(&buffer[..n]);
    }
    writer
        .finish()
        .await
        .map_err(|source| remote.failed("upload", &key, source))?;
    Ok(())
}

pub(super) fn put_options(
    content_type: &str,
    content_encoding: Option<&str>,
    cache_control: &str,
) -> PutOptions {
    let mut attributes = Attributes::new();
    attributes.insert(Attribute::ContentType, content_type.to_string().into());
    attributes.insert(Attribute::CacheControl, cache_control.to_string().into());
    if let Some(encoding) = content_encoding {
        attributes.insert(Attribute::ContentEncoding, encoding.to_string().into());
    }
    PutOptions {
        attributes,
        ..PutOptions::default()
    }
}

/// Every file of the build with its hash and headers. Refuses (rather than skips) anything
/// private or unexpected: a symlink, or a cursor-signing secret left inside `public/`.
fn local_manifest(root: &Path) -> Result<Manifest, RemoteError> {
    if !root.join("data").is_dir() {
        return Err(RemoteError::Local {
            path: root.display().to_string(),
            message: "is not a Vidkryto build (no `data/` inside); run `vidkryto build` first"
                .into(),
        });
    }
    let mut files = Vec::new();
    walk(root, root, &mut files)?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut digest = Sha256::new();
    for entry in &files {
        digest.update(entry.path.as_bytes());
        digest.update([0]);
        digest.update(entry.sha256.as_bytes());
        digest.update([0]);
        digest.update(entry.cache_control.as_bytes());
        digest.update([0]);
    }
    let version = hex(&digest.finalize())[..16].to_string();
    Ok(Manifest { version, files })
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<Entry>) -> Result<(), RemoteError> {
    let local_error = |path: &Path, err: std::io::Error| RemoteError::Local {
        path: path.display().to_string(),
        message: format!("cannot read it: {err}"),
    };
    let mut children: Vec<_> = std::fs::read_dir(dir)
        .map_err(|err| local_error(dir, err))?
        .collect::<Result<_, _>>()
        .map_err(|err| local_error(dir, err))?;
    children.sort_by_key(|c| c.file_name());
    for child in children {
        let path = child.path();
        let name = child.file_name();
        let Some(name) = name.to_str() else {
            return Err(RemoteError::Local {
                path: path.display().to_string(),
                message: "has a name that is not UTF-8; object keys must be".into(),
            });
        };
        // Dot-files are the build's bookkeeping (render ids, locks, staging), never the portal.
        if name.starts_with('.') {
            continue;
        }
        let kind = child.file_type().map_err(|err| local_error(&path, err))?;
        if kind.is_symlink() {
            return Err(RemoteError::Private {
                path: path.display().to_string(),
                why: "it is a symbolic link; a build never writes one, and following it could \
                      upload a file from outside the portal"
                    .into(),
            });
        }
        if kind.is_dir() {
            walk(root, &path, files)?;
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .map_err(|_| RemoteError::Local {
                path: path.display().to_string(),
                message: "is outside the build".into(),
            })?
            .to_string_lossy()
            .replace('\\', "/");
        if relative.starts_with("_store/") && relative.ends_with("/meta.json") {
            let meta = std::fs::read(&path).map_err(|err| local_error(&path, err))?;
            refuse_private(&relative, &meta)?;
        }
        let (sha256, bytes) = hash_file(&path).map_err(|err| local_error(&path, err))?;
        let (content_type, content_encoding) = content_type(&relative);
        files.push(Entry {
            cache_control: cache_control(&relative).to_string(),
            content_type,
            content_encoding,
            sha256,
            bytes,
            path: relative,
        });
    }
    Ok(())
}

/// SHA-256 and length of a file, read in blocks (row stores can be larger than memory).
fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut digest = Sha256::new();
    let bytes = std::io::copy(&mut std::fs::File::open(path)?, &mut digest)?;
    Ok((hex(&digest.finalize()), bytes))
}

/// A row store's `meta.json` that still carries its cursor-signing secret belongs to a build
/// made before keys moved out of `public/`: uploading it would let anyone forge cursors.
fn refuse_private(relative: &str, bytes: &[u8]) -> Result<(), RemoteError> {
    if relative.starts_with("_store/") && relative.ends_with("/meta.json") {
        let meta: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
        if meta.get("secret").is_some() {
            return Err(RemoteError::Private {
                path: relative.to_string(),
                why: "it holds a cursor-signing secret; rebuild with this version of vidkryto \
                      (keys now come from VIDKRYTO_CURSOR_KEY or a key file outside public/)"
                    .into(),
            });
        }
    }
    Ok(())
}

/// The media type of a published file; a precompressed sibling (`x.html.br`) is the media
/// type of the original with its `Content-Encoding`.
fn content_type(relative: &str) -> (String, Option<String>) {
    let (original, encoding) = match relative.rsplit_once('.') {
        Some((stem, "br")) => (stem, Some("br")),
        Some((stem, "gz")) if !stem.ends_with(".tar") => (stem, Some("gzip")),
        _ => (relative, None),
    };
    let guessed = match original.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8".to_string(),
        Some("csv") => "text/csv; charset=utf-8".to_string(),
        Some("json") => "application/json".to_string(),
        Some("jsonld") => "application/ld+json".to_string(),
        Some("geojson") => "application/geo+json".to_string(),
        Some("ttl") => "text/turtle; charset=utf-8".to_string(),
        Some("xml") => "application/xml".to_string(),
        Some("svg") => "image/svg+xml".to_string(),
        Some("js" | "mjs") => "text/javascript; charset=utf-8".to_string(),
        Some("css") => "text/css; charset=utf-8".to_string(),
        Some("txt" | "md") => "text/plain; charset=utf-8".to_string(),
        _ => mime_guess::from_path(original)
            .first_or_octet_stream()
            .essence_str()
            .to_string(),
    };
    (guessed, encoding.map(str::to_string))
}

/// Cache lifetimes by kind: what changes with every build (pages, the catalogue, feeds) is
/// revalidated within a minute; data within minutes; assets whose name carries a content
/// hash never change; the internal trees (`_store/`, `_index/`, `_files/`: never served by the
/// portal itself) are for replicas only.
fn cache_control(relative: &str) -> &'static str {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    if relative.starts_with('_') {
        "no-cache"
    } else if has_content_hash(name) {
        "public, max-age=31536000, immutable"
    } else if name.ends_with(".html")
        || name.ends_with(".html.br")
        || name.ends_with(".html.gz")
        || matches!(
            name,
            "sitemap.xml" | "atom.xml" | "robots.txt" | "catalog.json"
        )
        || relative.starts_with("catalog.")
    {
        "public, max-age=60, must-revalidate"
    } else if relative.starts_with("data/") {
        "public, max-age=300"
    } else {
        "public, max-age=3600"
    }
}

/// `app.3f9a12c4.js`, `style-3f9a12c4e5.css`: a name part of 8+ hex digits.
fn has_content_hash(name: &str) -> bool {
    name.split(['.', '-'])
        .any(|part| part.len() >= 8 && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_follow_the_kind_of_file() {
        assert_eq!(
            content_type("datasets/index.html.br"),
            ("text/html; charset=utf-8".into(), Some("br".into()))
        );
        assert_eq!(content_type("data/x/y.csv").0, "text/csv; charset=utf-8");
        assert_eq!(
            cache_control("datasets/index.html"),
            "public, max-age=60, must-revalidate"
        );
        assert_eq!(
            cache_control("data/catalog.json"),
            "public, max-age=60, must-revalidate"
        );
        assert_eq!(cache_control("data/x/y.csv"), "public, max-age=300");
        assert_eq!(
            cache_control("js/app.3f9a12c4.js"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(cache_control("css/site.css"), "public, max-age=3600");
        assert_eq!(cache_control("_index/CURRENT"), "no-cache");
    }

    #[test]
    fn a_store_secret_is_refused() {
        assert!(refuse_private("_store/a/b/meta.json", br#"{"secret":"x"}"#).is_err());
        assert!(refuse_private("_store/a/b/meta.json", br#"{"rows":3}"#).is_ok());
        assert!(refuse_private("data/a/meta.json", br#"{"secret":"x"}"#).is_ok());
    }

    #[test]
    fn the_version_is_the_content() {
        let dir = std::env::temp_dir().join(format!("vidkryto-remote-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::write(dir.join("index.html"), "a").unwrap();
        std::fs::write(dir.join(".render-id"), "x").unwrap();
        let first = local_manifest(&dir).unwrap();
        assert_eq!(first.files.len(), 1, "dot-files are not published");
        assert_eq!(local_manifest(&dir).unwrap().version, first.version);
        std::fs::write(dir.join("index.html"), "b").unwrap();
        assert_ne!(local_manifest(&dir).unwrap().version, first.version);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
