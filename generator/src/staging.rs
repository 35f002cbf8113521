//! The build's staging copy of `public/`, reused between builds so that a rebuild costs what
//! changed rather than the size of the site. Owns only the directory swap; which files of the
//! reused tree are still right is the render cache's business (`site::zola`), and what goes
//! into `data/`, `_store/` and `_index/` is the other stages'.
//!
//! Two trees take turns: `public/` (published) and the spare `.public.spare` beside it (the
//! tree published before it). A build takes the spare as its staging directory, lets every
//! stage bring it up to date, then swaps: `public/` becomes the spare and the staging
//! directory becomes `public/` — two renames, as with `vidkryto_search::output::Staging`, so
//! a failed build still leaves the last good `public/` untouched and nothing is ever
//! half-visible. One build at a time per output folder: [`BuildLock`] holds an advisory
//! lock on `.public.lock` beside it, and the build holding it clears the staging trees
//! that builds which died left behind. Unchanged site pages are shared between the trees as hard links, and every
//! file written into a staging tree is a new inode (never an overwrite), so updating the
//! spare never changes a published file.

use std::fs;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use vidkryto_search::output::hidden_sibling;
use vidkryto_search::Layout;

/// A staging directory for `target`, started from the spare tree when there is one.
#[derive(Debug)]
pub struct ReusedStaging {
    target: PathBuf,
    path: PathBuf,
    spare: PathBuf,
    committed: bool,
}

impl ReusedStaging {
    /// Takes the spare tree of `target` as the staging directory (or creates an empty one),
    /// without the published data, row stores and search index, which their stages write
    /// again from scratch (a dataset removed since must not survive in them); `commit`
    /// already removed them, this covers a spare left by a failed build.
    /// Call it holding the [`BuildLock`] of `target`: it removes other builds' staging trees.
    pub fn new(target: &Path) -> io::Result<ReusedStaging> {
        let path = hidden_sibling(target, &format!("tmp-{}", std::process::id()));
        let spare = hidden_sibling(target, "spare");
        remove_leftovers(target)?;
        if path.exists() {
            fs::remove_dir_all(&path)?;
        }
        if spare.is_dir() {
            fs::rename(&spare, &path)?;
            remove_data(&path)?;
        } else {
            fs::create_dir_all(&path)?;
        }
        Ok(ReusedStaging {
            target: target.to_path_buf(),
            path,
            spare,
            committed: false,
        })
    }

    /// Where to write.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Publishes the staged tree as `target`; the tree it replaces becomes the spare.
    pub fn commit(mut self) -> io::Result<()> {
        if self.spare.exists() {
            fs::remove_dir_all(&self.spare)?;
        }
        let had_target = self.target.exists();
        if had_target {
            fs::rename(&self.target, &self.spare)?;
        }
        if let Err(err) = fs::rename(&self.path, &self.target) {
            if had_target {
                fs::rename(&self.spare, &self.target)?;
            }
            return Err(err);
        }
        self.committed = true;
        // The spare keeps only site pages between builds, not a second copy of the data;
        // what is left here is removed when the next build takes the spare.
        if had_target {
            let _ = remove_data(&self.spare);
        }
        Ok(())
    }
}

/// Removes `.<name>.tmp-<pid>` staging trees beside `target` left by builds that died
/// (SIGKILL, power loss): with the build lock held, no live build owns one.
fn remove_leftovers(target: &Path) -> io::Result<()> {
    let Some(name) = target.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Ok(());
    };
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let leftover = file_name
            .strip_prefix(&prefix)
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()));
        if leftover && entry.file_type().is_ok_and(|t| t.is_dir()) {
            fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

/// The advisory lock of one output folder (`.<name>.lock` beside it), held for a whole
/// build so that two builds never write the same staging tree or swap in turn. Released
/// when dropped, and by the kernel when the process dies.
#[derive(Debug)]
pub struct BuildLock {
    _file: fs::File,
}

/// Why a build could not take the lock.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another `vidkryto build` ({holder}) is writing `{target}` (lock `{lock}`); \
         wait for it to finish, or run `vidkryto build --wait` to start when it has"
    )]
    Busy {
        target: PathBuf,
        lock: PathBuf,
        holder: String,
    },
    #[error("cannot lock `{lock}`")]
    Io { lock: PathBuf, source: io::Error },
}

impl BuildLock {
    /// Takes the lock of `target`; when another build holds it, refuses, or with `wait`
    /// says so on stderr and waits.
    pub fn acquire(target: &Path, wait: bool) -> Result<BuildLock, LockError> {
        let lock = Layout::new(target).lock_file();
        let io_error = |source| LockError::Io {
            lock: lock.clone(),
            source,
        };
        if let Some(parent) = lock.parent() {
            fs::create_dir_all(parent).map_err(io_error)?;
        }
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock)
            .map_err(io_error)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = match holder.trim() {
                    "" => "its process id unknown".to_string(),
                    pid => format!("process {pid}"),
                };
                if !wait {
                    return Err(LockError::Busy {
                        target: target.to_path_buf(),
                        lock,
                        holder,
                    });
                }
                eprintln!(
                    "waiting for another `vidkryto build` ({holder}) to finish writing `{}` …",
                    target.display()
                );
                file.lock().map_err(io_error)?;
            }
            Err(fs::TryLockError::Error(err)) => return Err(io_error(err)),
        }
        // The holder's pid, for the message a second build prints.
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| write!(file, "{}", std::process::id()))
            .map_err(io_error)?;
        Ok(BuildLock { _file: file })
    }
}

/// Removes the published data, row stores and search index from the tree at `root`.
fn remove_data(root: &Path) -> io::Result<()> {
    let layout = Layout::new(root);
    for dir in [layout.data_dir(), layout.store_dir(), layout.index_root()] {
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
    }
    Ok(())
}

impl Drop for ReusedStaging {
    /// A build that failed keeps its staging tree as the spare: the render cache decides on
    /// the next build whether its site files can be trusted (a render that did not finish
    /// left no render id, so they are not).
    fn drop(&mut self) {
        if !self.committed && (self.spare.exists() || fs::rename(&self.path, &self.spare).is_err())
        {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("vidkryto-staging-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_second_lock_is_refused_naming_the_holder_until_the_first_is_dropped() {
        let dir = scratch("lock");
        let target = dir.join("public");
        let first = BuildLock::acquire(&target, false).unwrap();
        let err = BuildLock::acquire(&target, false).unwrap_err().to_string();
        assert!(
            err.contains(&format!("process {}", std::process::id())),
            "{err}"
        );
        assert!(err.contains("--wait"), "{err}");
        drop(first);
        BuildLock::acquire(&target, false).unwrap();
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn staging_trees_of_dead_builds_are_removed() {
        let dir = scratch("leftovers");
        let target = dir.join("public");
        fs::create_dir_all(dir.join(".public.tmp-999999/data")).unwrap();
        fs::create_dir_all(dir.join(".other.tmp-1")).unwrap();
        let staging = ReusedStaging::new(&target).unwrap();
        assert!(!dir.join(".public.tmp-999999").exists());
        assert!(
            dir.join(".other.tmp-1").exists(),
            "another folder's tree is left alone"
        );
        drop(staging);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn commits_swap_and_keep_the_replaced_tree_as_spare() {
        let dir = scratch("swap");
        let target = dir.join("public");
        let first = ReusedStaging::new(&target).unwrap();
        fs::write(first.path().join("index.html"), "one").unwrap();
        fs::create_dir_all(first.path().join("data")).unwrap();
        fs::write(first.path().join("data/catalog.json"), "[]").unwrap();
        first.commit().unwrap();
        let second = ReusedStaging::new(&target).unwrap();
        assert!(!second.path().join("index.html").exists(), "no spare yet");
        fs::write(second.path().join("index.html"), "two").unwrap();
        second.commit().unwrap();
        assert!(
            !dir.join(".public.spare/data").exists(),
            "no second copy of the data"
        );
        let third = ReusedStaging::new(&target).unwrap();
        // The spare (first tree) comes back without its data; the published tree is intact.
        assert_eq!(
            fs::read_to_string(third.path().join("index.html")).unwrap(),
            "one"
        );
        assert!(!third.path().join("data").exists());
        assert_eq!(
            fs::read_to_string(target.join("index.html")).unwrap(),
            "two"
        );
        drop(third);
        assert_eq!(
            fs::read_to_string(target.join("index.html")).unwrap(),
            "two"
        );
        let names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "public and its spare only: {names:?}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
