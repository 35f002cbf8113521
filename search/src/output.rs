//! Writing outputs so that nothing is ever half-written: files go to a temporary sibling and
//! are renamed into place; directories are built in a staging sibling and swapped in whole.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through a temporary sibling and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let tmp = sibling(path, "tmp");
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

/// [`write_atomic`] for a file under the published tree `layout`, refused (as
/// `InvalidInput`, naming the path) unless the path stays inside it: the one way every
/// stage writes there, so no name can make a stage write outside.
pub fn write_in(layout: &crate::Layout, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let path = layout
        .checked(path)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    write_atomic(&path, bytes)
}

/// A directory being built next to its final place; [`Staging::commit`] swaps it in.
/// Dropped without commit, it is removed and the previous output stays untouched.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    path: PathBuf,
    committed: bool,
}

impl Staging {
    /// Creates an empty staging directory for `target`.
    pub fn new(target: &Path) -> io::Result<Staging> {
        let path = sibling(target, "tmp");
        if path.exists() {
            fs::remove_dir_all(&path)?;
        }
        fs::create_dir_all(&path)?;
        Ok(Staging {
            target: target.to_path_buf(),
            path,
            committed: false,
        })
    }

    /// Where to write.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces `target` with the staged directory.
    pub fn commit(mut self) -> io::Result<()> {
        let old = sibling(&self.target, "old");
        if old.exists() {
            fs::remove_dir_all(&old)?;
        }
        let had_target = self.target.exists();
        if had_target {
            fs::rename(&self.target, &old)?;
        }
        if let Err(err) = fs::rename(&self.path, &self.target) {
            if had_target {
                fs::rename(&old, &self.target)?;
            }
            return Err(err);
        }
        self.committed = true;
        if had_target {
            fs::remove_dir_all(&old)?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// `<dir>/.<name>.<what>-<pid>`: hidden, beside the target, unique per process.
fn sibling(path: &Path, what: &str) -> PathBuf {
    hidden_sibling(path, &format!("{what}-{}", std::process::id()))
}

/// `<dir>/.<name>.<what>`: hidden, beside `path`, on the same file system (so a rename into
/// place is atomic).
pub fn hidden_sibling(path: &Path, what: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let parent = path.parent().unwrap_or(Path::new("."));
    parent.join(format!(".{name}.{what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("vidkryto-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn staging_replaces_the_target_whole() {
        let dir = scratch("commit");
        let target = dir.join("public");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("stale.html"), "old").unwrap();
        let staging = Staging::new(&target).unwrap();
        fs::write(staging.path().join("index.html"), "new").unwrap();
        staging.commit().unwrap();
        assert!(!target.join("stale.html").exists());
        assert_eq!(
            fs::read_to_string(target.join("index.html")).unwrap(),
            "new"
        );
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1, "no leftovers");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn dropped_staging_leaves_the_last_good_output() {
        let dir = scratch("drop");
        let target = dir.join("public");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("index.html"), "good").unwrap();
        {
            let staging = Staging::new(&target).unwrap();
            fs::write(staging.path().join("index.html"), "half").unwrap();
        }
        assert_eq!(
            fs::read_to_string(target.join("index.html")).unwrap(),
            "good"
        );
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1, "no leftovers");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn writes_in_a_layout_stay_inside_it() {
        let dir = scratch("write-in");
        let layout = crate::Layout::new(dir.join("public"));
        write_in(&layout, &layout.resource_csv("a", "b"), b"x").unwrap();
        let err = write_in(&layout, &layout.resource_csv("../../escape", "b"), b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("escape"), "{err}");
        assert!(!dir.join("escape").exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn atomic_write_creates_parents() {
        let dir = scratch("write");
        let file = dir.join("a/b/c.json");
        write_atomic(&file, b"{}").unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"{}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
