//! A published portal in S3-compatible object storage: the versioned layout, the manifest of a
//! version, and the pointer that names the current one. `publish` uploads a local build into
//! it; `replica` brings the current version down for a stateless `vidkryto serve --from`.
//! Not for: deciding what a build contains (that is `Layout`) or serving HTTP.
//!
//! ```text
//! PREFIX/current.json                 the pointer: {"version", "manifest", "published_at"}
//! PREFIX/manifests/<version>.json     every file of a version: path, sha256, bytes, headers
//! PREFIX/v/<version>/<path>           the files of a version, immutable once written
//! ```
//!
//! A version is written completely before the pointer names it, and the pointer is one small
//! object replaced in one PUT, so a reader that follows the pointer never sees a half-published
//! portal. The version id is derived from the manifest's content: publishing the same build
//! twice is a no-op.

mod publish;
mod replica;

use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};

pub use publish::{publish, PublishSummary};
pub use replica::{follow, sync_current, Synced};

/// The pointer object's name under the prefix.
const POINTER: &str = "current.json";

/// Why talking to the object store failed.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("`{0}` is not an object-store URL: expected s3://BUCKET/PREFIX")]
    BadUrl(String),
    #[error("cannot configure the object store for `{url}`: {source}")]
    Config {
        url: String,
        source: object_store::Error,
    },
    #[error("object store: {what} `{key}` failed: {source}")]
    Store {
        what: &'static str,
        key: String,
        source: object_store::Error,
    },
    #[error("`{key}` in the object store is not a valid {what}: {source}")]
    Format {
        what: &'static str,
        key: String,
        source: serde_json::Error,
    },
    #[error("`{0}` holds no published portal yet (no `current.json`); run `vidkryto publish --to` first")]
    NothingPublished(String),
    #[error("`{path}`: {message}")]
    Local { path: String, message: String },
    #[error("refusing to publish `{path}`: {why}")]
    Private { path: String, why: String },
    #[error("`{key}` does not match its manifest (sha256 {got}, expected {expected}); the store may be mid-cleanup, try again")]
    Corrupt {
        key: String,
        got: String,
        expected: String,
    },
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// One published file as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Relative path inside the portal, with `/` separators.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    pub content_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    pub cache_control: String,
}

/// Every file of one version, sorted by path.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub version: String,
    pub files: Vec<Entry>,
}

/// What `current.json` says.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pointer {
    pub version: String,
    pub manifest: String,
    pub published_at: String,
}

/// A bucket and prefix in an S3-compatible store.
#[derive(Debug, Clone)]
pub struct Remote {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    url: String,
}

impl Remote {
    /// Opens `s3://BUCKET/PREFIX`. Credentials and region come from the standard `AWS_*`
    /// variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
    /// `AWS_DEFAULT_REGION` / `AWS_REGION`, web identity, container credentials) or, where
    /// those are unset, the `AWS_PROFILE` (default `default`) of `~/.aws/credentials` and
    /// `~/.aws/config`; the endpoint from `endpoint`, else `AWS_ENDPOINT_URL`.
    pub fn open(url: &str, endpoint: Option<&str>) -> Result<Remote, RemoteError> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| RemoteError::BadUrl(url.to_string()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() || prefix.split('/').any(|s| s == ".." || s == ".") {
            return Err(RemoteError::BadUrl(url.to_string()));
        }
        install_tls_provider();
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        builder = profile::fill(builder);
        if std::env::var_os("AWS_DEFAULT_REGION").is_none() {
            if let Ok(region) = std::env::var("AWS_REGION") {
                builder = builder.with_region(region);
            }
        }
        let endpoint = endpoint
            .map(str::to_string)
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok());
        if let Some(endpoint) = endpoint {
            builder = builder
                .with_allow_http(endpoint.starts_with("http://"))
                .with_endpoint(endpoint);
        }
        let store = builder.build().map_err(|source| RemoteError::Config {
            url: url.to_string(),
            source,
        })?;
        Ok(Remote {
            store: Arc::new(store),
            prefix: prefix.trim_matches('/').to_string(),
            url: url.to_string(),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    fn key(&self, relative: &str) -> Key {
        if self.prefix.is_empty() {
            Key::from(relative)
        } else {
            Key::from(format!("{}/{relative}", self.prefix))
        }
    }

    fn file_key(&self, version: &str, path: &str) -> Key {
        self.key(&format!("v/{version}/{path}"))
    }

    fn manifest_key(&self, version: &str) -> String {
        format!("manifests/{version}.json")
    }

    /// The current pointer, or `None` when nothing was published under the prefix.
    async fn pointer(&self) -> Result<Option<Pointer>, RemoteError> {
        let key = self.key(POINTER);
        match self.store.get(&key).await {
            Ok(got) => {
                let bytes = got
                    .bytes()
                    .await
                    .map_err(|source| self.failed("read", &key, source))?;
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|source| RemoteError::Format {
                        what: "pointer",
                        key: key.to_string(),
                        source,
                    })
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(source) => Err(self.failed("read", &key, source)),
        }
    }

    async fn manifest(&self, pointer: &Pointer) -> Result<Manifest, RemoteError> {
        let key = self.key(&pointer.manifest);
        let got = self
            .store
            .get(&key)
            .await
            .map_err(|source| self.failed("read", &key, source))?;
        let bytes = got
            .bytes()
            .await
            .map_err(|source| self.failed("read", &key, source))?;
        serde_json::from_slice(&bytes).map_err(|source| RemoteError::Format {
            what: "manifest",
            key: key.to_string(),
            source,
        })
    }

    async fn put_json(
        &self,
        relative: &str,
        value: &impl Serialize,
        cache_control: &str,
    ) -> Result<(), RemoteError> {
        let key = self.key(relative);
        let body = serde_json::to_vec_pretty(value).map_err(|source| RemoteError::Format {
            what: "JSON document",
            key: key.to_string(),
            source,
        })?;
        let options = publish::put_options("application/json", None, cache_control);
        self.store
            .put_opts(&key, PutPayload::from(body), options)
            .await
            .map_err(|source| self.failed("upload", &key, source))?;
        Ok(())
    }

    fn failed(&self, what: &'static str, key: &Key, source: object_store::Error) -> RemoteError {
        RemoteError::Store {
            what,
            key: key.to_string(),
            source,
        }
    }
}

/// rustls needs one process-wide crypto provider; ring keeps the build free of C toolchains
/// beyond `cc` (aws-lc would need cmake).
fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A runtime for the blocking entry points (the CLI is synchronous).
fn runtime() -> Result<tokio::runtime::Runtime, RemoteError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(RemoteError::Runtime)
}

mod profile {
    //! `AWS_PROFILE` from the shared credentials and config files, for the keys the
    //! environment does not set (object_store reads only the environment).
    use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
    use std::path::PathBuf;

    pub fn fill(mut builder: AmazonS3Builder) -> AmazonS3Builder {
        let Some(home) = std::env::var_os("HOME").map(PathBuf::from) else {
            return builder;
        };
        let profile = std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into());
        let credentials = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".aws/credentials"));
        let config = std::env::var_os("AWS_CONFIG_FILE")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".aws/config"));
        let wanted = [
            (
                "aws_access_key_id",
                "AWS_ACCESS_KEY_ID",
                AmazonS3ConfigKey::AccessKeyId,
            ),
            (
                "aws_secret_access_key",
                "AWS_SECRET_ACCESS_KEY",
                AmazonS3ConfigKey::SecretAccessKey,
            ),
            (
                "aws_session_token",
                "AWS_SESSION_TOKEN",
                AmazonS3ConfigKey::Token,
            ),
            ("region", "AWS_DEFAULT_REGION", AmazonS3ConfigKey::Region),
            (
                "endpoint_url",
                "AWS_ENDPOINT_URL",
                AmazonS3ConfigKey::Endpoint,
            ),
        ];
        // In the config file a profile's section is `[profile NAME]` (but `[default]`).
        let sections = [
            (credentials, profile.clone()),
            (config.clone(), format!("profile {profile}")),
            (config, profile.clone()),
        ];
        for (file, section) in sections {
            let Ok(ini) = ini::Ini::load_from_file(&file) else {
                continue;
            };
            let Some(props) = ini.section(Some(section.as_str())) else {
                continue;
            };
            for (name, env, key) in &wanted {
                let set_by_env = std::env::var_os(env).is_some()
                    || (*env == "AWS_DEFAULT_REGION" && std::env::var_os("AWS_REGION").is_some());
                if set_by_env || builder.get_config_value(key).is_some() {
                    continue;
                }
                if let Some(value) = props.get(name) {
                    builder = builder.with_config(*key, value);
                }
            }
        }
        builder
    }
}
