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
//! half-visible. Unchanged site pages are shared between the trees as hard links, and every
//! file written into a staging tree is a new inode (never an overwrite), so updating the
//! spare never changes a published file.

use std::fs;
use std::io;
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
    pub fn new(target: &Path) -> io::Result<ReusedStaging> {
        let path = hidden_sibling(target, &format!("tmp-{}", std::process::id()));
        let spare = hidden_sibling(target, "spare");
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
