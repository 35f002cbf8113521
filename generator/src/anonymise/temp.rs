//! Outputs written to a temporary sibling and renamed into place only when the whole run
//! succeeded (so a failed run writes nothing); not for what is written.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::AnonymiseError;

/// A temporary sibling renamed into place on commit, removed otherwise.
pub struct Temp {
    target: PathBuf,
    path: PathBuf,
}

impl Temp {
    pub fn new(target: &Path) -> Result<Temp, AnonymiseError> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|source| AnonymiseError::Write {
            file: target.to_path_buf(),
            source,
        })?;
        Ok(Temp {
            target: target.to_path_buf(),
            path: parent.join(format!(".{name}.tmp-{}", std::process::id())),
        })
    }

    pub fn create(&self) -> Result<File, AnonymiseError> {
        File::create(&self.path).map_err(|e| self.error(e))
    }

    pub fn error(&self, source: std::io::Error) -> AnonymiseError {
        AnonymiseError::Write {
            file: self.target.clone(),
            source,
        }
    }

    pub fn commit(self) -> Result<(), AnonymiseError> {
        std::fs::rename(&self.path, &self.target).map_err(|e| self.error(e))
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Flushes and syncs a finished output before it is renamed.
pub fn finish(mut inner: BufWriter<File>, tmp: &Temp) -> Result<(), AnonymiseError> {
    inner.flush().map_err(|e| tmp.error(e))?;
    let file = inner
        .into_inner()
        .map_err(|e| tmp.error(std::io::Error::other(e.to_string())))?;
    file.sync_all().map_err(|e| tmp.error(e))
}
