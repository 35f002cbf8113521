//! The server's cursor-signing key, kept out of `public/`: from the environment
//! (`VIDKRYTO_CURSOR_KEY`), else the key file beside the published tree
//! (`Layout::cursor_key_file`, created by `build`, readable by its owner only), else a random
//! key for this process alone. Every replica given the same key accepts the others' cursors.
//! Row-store and search cursors sign with keys derived from it, per purpose. Not for: the
//! cursor formats (`rowstore::cursor`, `query::cursor`).

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};

use crate::Layout;

/// The environment variable that gives the key (at least 32 characters, e.g. the output of
/// `openssl rand -hex 32`); it takes precedence over the key file.
pub const ENV: &str = "VIDKRYTO_CURSOR_KEY";

const MIN_ENV_LEN: usize = 32;

/// Where the key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Env,
    File(PathBuf),
    /// No key configured: random for this process; its cursors die with it.
    Ephemeral,
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Env => write!(f, "the {ENV} environment variable"),
            KeySource::File(path) => write!(f, "`{}`", path.display()),
            KeySource::Ephemeral => write!(
                f,
                "a random key for this process (set {ENV} or run `vidkryto build` to create the key file, so cursors survive restarts and work on every replica)"
            ),
        }
    }
}

/// Why the key could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "{ENV} is {0} characters long; give at least {MIN_ENV_LEN} (e.g. `openssl rand -hex 32`)"
    )]
    ShortEnv(usize),
    #[error("cannot read the cursor key file `{path}`; remove it and run `vidkryto build` to make a new one")]
    File { path: PathBuf, source: io::Error },
    #[error("the cursor key file `{0}` holds fewer than {MIN_ENV_LEN} characters; remove it and run `vidkryto build` to make a new one")]
    ShortFile(PathBuf),
    #[error("cannot create the cursor key file `{path}`")]
    Create { path: PathBuf, source: io::Error },
    #[error("the system has no randomness source to make a cursor key from")]
    Random,
}

/// The secret every cursor key of a server derives from.
#[derive(Clone)]
pub struct ServerKey {
    secret: [u8; 32],
    pub source: KeySource,
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServerKey(.., from {:?})", self.source)
    }
}

impl ServerKey {
    /// The key for the tree at `layout`, as this process first loaded it.
    pub fn for_layout(layout: &Layout) -> Result<Arc<ServerKey>, KeyError> {
        static KEYS: OnceLock<Mutex<HashMap<PathBuf, Arc<ServerKey>>>> = OnceLock::new();
        let keys = KEYS.get_or_init(Default::default);
        let root = layout.root().to_path_buf();
        if let Some(key) = keys.lock().ok().and_then(|k| k.get(&root).cloned()) {
            return Ok(key);
        }
        let key = Arc::new(ServerKey::load(layout)?);
        if let Ok(mut map) = keys.lock() {
            map.entry(root).or_insert_with(|| key.clone());
        }
        Ok(key)
    }

    fn load(layout: &Layout) -> Result<ServerKey, KeyError> {
        if let Some(value) = std::env::var_os(ENV) {
            let value = value.to_string_lossy().into_owned();
            if value.trim().len() < MIN_ENV_LEN {
                return Err(KeyError::ShortEnv(value.trim().len()));
            }
            return Ok(ServerKey::from_text(value.trim(), KeySource::Env));
        }
        let path = layout.cursor_key_file();
        match std::fs::read_to_string(&path) {
            Ok(text) if text.trim().len() >= MIN_ENV_LEN => {
                Ok(ServerKey::from_text(text.trim(), KeySource::File(path)))
            }
            Ok(_) => Err(KeyError::ShortFile(path)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(ServerKey {
                secret: random()?,
                source: KeySource::Ephemeral,
            }),
            Err(source) => Err(KeyError::File { path, source }),
        }
    }

    fn from_text(text: &str, source: KeySource) -> ServerKey {
        let mut digest = Sha256::new();
        digest.update(b"vidkryto cursor key\0");
        digest.update(text.as_bytes());
        ServerKey {
            secret: digest.finalize().into(),
            source,
        }
    }

    /// A key for one purpose (`rows/<build>`, `search`): cursors of one purpose never verify
    /// under another.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut digest = Sha256::new();
        digest.update(self.secret);
        digest.update([0]);
        digest.update(purpose.as_bytes());
        digest.finalize().into()
    }
}

/// Creates the key file beside the tree at `layout` unless it (or the environment
/// variable) already gives a key: 32 random bytes in hex, readable by the owner only. An
/// existing file is never replaced, so cursors stay valid across builds and every replica
/// that is given a copy of the file accepts the others' cursors.
pub fn ensure_file(layout: &Layout) -> Result<Option<PathBuf>, KeyError> {
    let path = layout.cursor_key_file();
    if std::env::var_os(ENV).is_some() || path.exists() {
        return Ok(None);
    }
    let create_error = |source| KeyError::Create {
        path: path.clone(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(create_error)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = match options.open(&path) {
        Ok(file) => file,
        // Another build made it first: that key is the key.
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => return Ok(None),
        Err(err) => return Err(create_error(err)),
    };
    let hex: String = random()?.iter().map(|b| format!("{b:02x}")).collect();
    file.write_all(format!("{hex}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(create_error)?;
    Ok(Some(path))
}

fn random() -> Result<[u8; 32], KeyError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| KeyError::Random)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_lives_beside_the_tree_owner_only_and_is_never_replaced() {
        let dir = std::env::temp_dir().join(format!("vidkryto-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let layout = Layout::new(dir.join("public"));
        let path = ensure_file(&layout).unwrap().unwrap();
        assert!(!path.starts_with(layout.root()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let first = std::fs::read_to_string(&path).unwrap();
        assert_eq!(ensure_file(&layout).unwrap(), None);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), first);
        let key = ServerKey::load(&layout).unwrap();
        assert_eq!(key.source, KeySource::File(path));
        let again = ServerKey::load(&layout).unwrap();
        assert_eq!(key.derive("search"), again.derive("search"));
        assert_ne!(key.derive("search"), key.derive("rows/1"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
