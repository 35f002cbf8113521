//! Getting a source's bytes: HTTP(S) with conditional requests, timeouts, bounded retries
//! with backoff, a size limit and gzip (ureq), local files, and CKAN `package_show`
//! resolution. Bytes go to a temporary file beside the cache; what they mean is `table`'s
//! and `map`'s job, and replacing the cached copy is the stage's (`super`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use tempfile::NamedTempFile;

use super::spec::{Location, SourceFormat};

/// Limits of one pull.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The whole request, connection to last byte.
    pub timeout: Duration,
    /// Further attempts after a failure that may pass (timeouts, connection errors, 5xx, 429).
    pub retries: u32,
    /// The first wait between attempts; doubled each time.
    pub backoff: Duration,
    /// The largest body accepted, after gzip decoding.
    pub max_bytes: u64,
}

impl Default for FetchOptions {
    fn default() -> FetchOptions {
        FetchOptions {
            timeout: Duration::from_secs(60),
            retries: 2,
            backoff: Duration::from_millis(500),
            max_bytes: 256 << 20,
        }
    }
}

/// What the cached copy's last retrieval said, for a conditional request.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The cached original's SHA-256: a local file with the same bytes is not modified.
    pub sha256: Option<String>,
}

/// A successful answer.
#[derive(Debug)]
pub enum Fetched {
    /// 304 (or a local file with the cached bytes): keep the cached copy.
    NotModified { http_status: Option<u16> },
    /// New bytes, in a temporary file beside the cache.
    Body(Body),
}

/// New bytes and what the server said about them.
#[derive(Debug)]
pub struct Body {
    pub file: NamedTempFile,
    pub bytes: u64,
    pub sha256: String,
    pub http_status: Option<u16>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_type: Option<String>,
}

/// Why a source could not be fetched. Messages name the URL and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("`{url}` answered HTTP {status}{}", attempts_note(*attempts))]
    Status {
        url: String,
        status: u16,
        attempts: u32,
    },
    #[error("`{url}`: {message}{}", attempts_note(*attempts))]
    Transport {
        url: String,
        message: String,
        attempts: u32,
    },
    #[error("`{url}` is larger than the limit of {limit} bytes; raise it with `--max-bytes` if the file is right")]
    TooLarge { url: String, limit: u64 },
    #[error("cannot read `{path}`: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write a temporary file in `{dir}`: {source}")]
    Temp {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("CKAN `{url}`: {message}")]
    Ckan { url: String, message: String },
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

/// One HTTP agent for a whole pull (connections are reused across sources of a host).
pub struct Fetcher {
    agent: ureq::Agent,
    options: FetchOptions,
}

/// Reports bytes received so far and the expected total, if known.
pub type Progress<'a> = &'a (dyn Fn(u64, Option<u64>) + Sync);

/// A CKAN resource resolved to its download URL.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub url: String,
    /// The resource's declared format, when it is one `pull` reads.
    pub format: Option<SourceFormat>,
}

impl Fetcher {
    pub fn new(options: FetchOptions) -> Fetcher {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(options.timeout))
            .http_status_as_error(false)
            .user_agent(concat!("vidkryto/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Fetcher { agent, options }
    }

    /// Asks `package_show` of a CKAN portal for the download URL of one resource, by name or id.
    pub fn resolve_ckan(
        &self,
        base: &str,
        dataset: &str,
        resource: &str,
    ) -> Result<Resolved, FetchError> {
        let url = format!(
            "{}/api/3/action/package_show?id={}",
            base.trim_end_matches('/'),
            percent_encode(dataset)
        );
        let body = self.get_small(&url)?;
        let ckan_err = |message: String| FetchError::Ckan {
            url: url.clone(),
            message,
        };
        let json: Value = serde_json::from_slice(&body)
            .map_err(|e| ckan_err(format!("the answer is not JSON ({e})")))?;
        if json.get("success").and_then(Value::as_bool) != Some(true) {
            return Err(ckan_err(format!(
                "`success` is not true: {}",
                json.get("error").cloned().unwrap_or(Value::Null)
            )));
        }
        let resources = json
            .pointer("/result/resources")
            .and_then(Value::as_array)
            .ok_or_else(|| ckan_err("the answer has no `result.resources`".into()))?;
        let found = resources.iter().find(|r| {
            r.get("id").and_then(Value::as_str) == Some(resource)
                || r.get("name").and_then(Value::as_str) == Some(resource)
        });
        let Some(found) = found else {
            let names: Vec<&str> = resources
                .iter()
                .filter_map(|r| r.get("name").or(r.get("id")).and_then(Value::as_str))
                .collect();
            return Err(ckan_err(format!(
                "dataset `{dataset}` has no resource named or identified `{resource}`; it has: {}",
                names.join(", ")
            )));
        };
        let download = found
            .get("url")
            .and_then(Value::as_str)
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
            .ok_or_else(|| {
                ckan_err(format!(
                    "resource `{resource}` has no http(s) `url` to download"
                ))
            })?;
        Ok(Resolved {
            url: download.to_string(),
            format: found
                .get("format")
                .and_then(Value::as_str)
                .and_then(SourceFormat::from_label),
        })
    }

    /// A small JSON document (CKAN's answers), with the same retries and limit.
    fn get_small(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let dir = std::env::temp_dir();
        match self.http(url, &Validators::default(), &dir, None)? {
            Fetched::Body(body) => {
                let mut bytes = Vec::new();
                body.file
                    .reopen()
                    .and_then(|mut f| f.read_to_end(&mut bytes))
                    .map_err(|source| FetchError::File {
                        path: body.file.path().to_path_buf(),
                        source,
                    })?;
                Ok(bytes)
            }
            Fetched::NotModified { .. } => Err(FetchError::Ckan {
                url: url.to_string(),
                message: "answered 304 to an unconditional request".into(),
            }),
        }
    }

    /// Fetches a plain location into a temporary file in `dir`.
    pub fn fetch(
        &self,
        location: &Location,
        validators: &Validators,
        dir: &Path,
        progress: Option<Progress<'_>>,
    ) -> Result<Fetched, FetchError> {
        match location {
            Location::Http(url) => self.http(url, validators, dir, progress),
            Location::File(path) => self.file(path, validators, dir),
            Location::Ckan { base, .. } => Err(FetchError::Ckan {
                url: base.clone(),
                message: "resolve the resource first".into(),
            }),
        }
    }

    fn file(
        &self,
        path: &Path,
        validators: &Validators,
        dir: &Path,
    ) -> Result<Fetched, FetchError> {
        let file_err = |source| FetchError::File {
            path: path.to_path_buf(),
            source,
        };
        let source = std::fs::File::open(path).map_err(file_err)?;
        let mut temp = temp_in(dir)?;
        let (bytes, sha256) = copy_limited(source, &mut temp, self.options.max_bytes, None, None)
            .map_err(|e| match e {
            CopyError::TooLarge => FetchError::TooLarge {
                url: path.display().to_string(),
                limit: self.options.max_bytes,
            },
            CopyError::Io(source) => file_err(source),
        })?;
        if validators.sha256.as_deref() == Some(sha256.as_str()) {
            return Ok(Fetched::NotModified { http_status: None });
        }
        Ok(Fetched::Body(Body {
            file: temp,
            bytes,
            sha256,
            http_status: None,
            etag: None,
            last_modified: None,
            content_type: None,
        }))
    }

    fn http(
        &self,
        url: &str,
        validators: &Validators,
        dir: &Path,
        progress: Option<Progress<'_>>,
    ) -> Result<Fetched, FetchError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.attempt(url, validators, dir, progress);
            let transient = match &result {
                Err(Attempt::Transient(_)) => true,
                Err(Attempt::Status(status)) => *status >= 500 || *status == 429,
                _ => false,
            };
            if transient && attempt <= self.options.retries {
                std::thread::sleep(self.options.backoff * 2u32.saturating_pow(attempt - 1));
                continue;
            }
            return result.map_err(|e| match e {
                Attempt::Status(status) => FetchError::Status {
                    url: url.to_string(),
                    status,
                    attempts: attempt,
                },
                Attempt::Transient(message) | Attempt::Fatal(message) => FetchError::Transport {
                    url: url.to_string(),
                    message,
                    attempts: attempt,
                },
                Attempt::Other(e) => e,
            });
        }
    }

    fn attempt(
        &self,
        url: &str,
        validators: &Validators,
        dir: &Path,
        progress: Option<Progress<'_>>,
    ) -> Result<Fetched, Attempt> {
        let mut request = self.agent.get(url);
        if let Some(etag) = &validators.etag {
            request = request.header("If-None-Match", etag);
        }
        if let Some(date) = &validators.last_modified {
            request = request.header("If-Modified-Since", date);
        }
        let mut response = request.call().map_err(classify)?;
        let status = response.status().as_u16();
        if status == 304 {
            return Ok(Fetched::NotModified {
                http_status: Some(304),
            });
        }
        if !(200..300).contains(&status) {
            return Err(Attempt::Status(status));
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let etag = header("etag");
        let last_modified = header("last-modified");
        let content_type = header("content-type");
        let total = header("content-length").and_then(|v| v.parse::<u64>().ok());
        let too_large = || {
            Attempt::Other(FetchError::TooLarge {
                url: url.to_string(),
                limit: self.options.max_bytes,
            })
        };
        // A gzip-encoded body's length says nothing about the decoded size; the copy checks that.
        if header("content-encoding").is_none() && total.is_some_and(|t| t > self.options.max_bytes)
        {
            return Err(too_large());
        }
        let mut temp = temp_in(dir).map_err(Attempt::Other)?;
        let reader = response.body_mut().with_config().limit(u64::MAX).reader();
        let (bytes, sha256) =
            copy_limited(reader, &mut temp, self.options.max_bytes, progress, total).map_err(
                |e| match e {
                    CopyError::TooLarge => too_large(),
                    CopyError::Io(e) => Attempt::Transient(format!("reading the body: {e}")),
                },
            )?;
        Ok(Fetched::Body(Body {
            file: temp,
            bytes,
            sha256,
            http_status: Some(status),
            etag,
            last_modified,
            content_type,
        }))
    }
}

/// One attempt's failure, before deciding whether to retry.
enum Attempt {
    Status(u16),
    Transient(String),
    Fatal(String),
    Other(FetchError),
}

fn classify(error: ureq::Error) -> Attempt {
    use ureq::Error as E;
    match error {
        E::Timeout(what) => Attempt::Transient(format!(
            "timed out ({what}); raise `--timeout` if the server is slow"
        )),
        E::Io(e) => Attempt::Transient(e.to_string()),
        E::ConnectionFailed => Attempt::Transient("connection failed".into()),
        E::HostNotFound => Attempt::Fatal("host not found; check the URL".into()),
        other => Attempt::Fatal(other.to_string()),
    }
}

fn temp_in(dir: &Path) -> Result<NamedTempFile, FetchError> {
    std::fs::create_dir_all(dir)
        .and_then(|_| cache_file_builder(".part").tempfile_in(dir))
        .map_err(|source| FetchError::Temp {
            dir: dir.to_path_buf(),
            source,
        })
}

/// Temporary files that become cache files: readable like any other file the build writes
/// (tempfile's default is owner-only).
pub fn cache_file_builder(suffix: &str) -> tempfile::Builder<'_, '_> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".pull-").suffix(suffix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder
}

enum CopyError {
    TooLarge,
    Io(std::io::Error),
}

/// Copies at most `limit` bytes, hashing them; more is an error.
fn copy_limited(
    mut from: impl Read,
    to: &mut NamedTempFile,
    limit: u64,
    progress: Option<Progress<'_>>,
    total: Option<u64>,
) -> Result<(u64, String), CopyError> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 << 10];
    let mut copied: u64 = 0;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Io(e)),
        };
        copied += n as u64;
        if copied > limit {
            return Err(CopyError::TooLarge);
        }
        hasher.update(&buf[..n]);
        to.write_all(&buf[..n]).map_err(CopyError::Io)?;
        if let Some(progress) = progress {
            progress(copied, total);
        }
    }
    to.flush().map_err(CopyError::Io)?;
    Ok((copied, super::hex(&hasher.finalize())))
}

/// Percent-encodes a CKAN id for a query string (ids are usually slugs or UUIDs).
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
