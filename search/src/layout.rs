//! Where things live in a published directory (`public/`). The build writes this layout and
//! the server reads it; both go through these functions, so the layout is said once.
//!
//! ```text
//! public/
//!   index.html, en/, datasets/<name>/index.html, …   the rendered site
//!   data/catalog.json                                 every published package, in order
//!   data/<name>/datapackage.json                      the published package
//!   data/<name>/<resource>.csv                        the published (clean) data
//!   data/<name>/validation.json                       the dataset's validation report
//!   data/<name>/privacy.json, requests.json           privacy report, Open311 (anonymised data)
//!   _store/<name>/<resource>/                         row stores for the rows API
//!   _index/<version>/ , _index/CURRENT                versioned search indexes
//!   _files/manifest.json, _files/<2 hex>/<hash>.br|.gz  content hashes and precompressed copies
//!   .render-id, …                                     the build's own bookkeeping (dot-files)
//! ```
//!
//! Beside `public/` (never inside it, so never servable): `.public.spare` (the previous
//! tree), `.public.tmp-<pid>` (a build's staging tree), `.public.lock` (one build at a
//! time) and `.public.cursor-key` (the key that signs paging cursors).
//!
//! Names that become path segments (packages, resources) are untrusted input: they must match
//! [`check_name`], and every write under a published tree goes through [`Layout::join`].

use std::path::{Component, Path, PathBuf};

/// The top-level trees of `public/` that are never served (compared case-insensitively);
/// dot-files and dot-folders at any depth are private too (see [`is_private`]).
pub const PRIVATE_TREES: [&str; 3] = ["_store", "_index", "_files"];

/// True when the URL path `segments` (already percent-decoded and normalised: no empty, `.`
/// or `..` segments) names something the server must not serve.
pub fn is_private<S: AsRef<str>>(segments: &[S]) -> bool {
    let first_private = segments.first().is_some_and(|first| {
        PRIVATE_TREES
            .iter()
            .any(|tree| first.as_ref().eq_ignore_ascii_case(tree))
    });
    first_private || segments.iter().any(|s| s.as_ref().starts_with('.'))
}

/// Why a name or a relative path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsafePath {
    #[error(
        "`{0}` is not a valid name: use lower-case letters, digits, `-`, `_` and `.` \
         (starting with a letter or digit, at most 100 characters; no `/`), as Frictionless asks"
    )]
    Name(String),
    #[error(
        "`{0}` is not a relative path inside its folder: no absolute paths, no `..`, no empty \
         segments, no backslashes"
    )]
    Path(String),
}

/// The rule for package and resource names, which become folder and file names under
/// `public/`: Frictionless' name pattern (lower-case letters, digits, `-`, `_`, `.`) without
/// `/`, starting with a letter or digit (so never `.`, `..` or a dot-file), at most 100
/// characters.
pub fn check_name(name: &str) -> Result<(), UnsafePath> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let rest_ok =
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if first_ok && rest_ok && name.len() <= 100 {
        Ok(())
    } else {
        Err(UnsafePath::Name(name.to_string()))
    }
}

/// Checks that `rel` is a plain relative path (every component a normal name: no root, no
/// `..`, no `.`, no empty segment, no backslash) and returns it joined under `base`.
pub fn join_relative(base: &Path, rel: &str) -> Result<PathBuf, UnsafePath> {
    let refuse = || UnsafePath::Path(rel.to_string());
    if rel.is_empty() || rel.contains('\\') || rel.contains('\0') {
        return Err(refuse());
    }
    if rel
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err(refuse());
    }
    let path = Path::new(rel);
    if !path.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(refuse());
    }
    Ok(base.join(path))
}

/// The layout of one published directory.
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    pub fn new(root: impl Into<PathBuf>) -> Layout {
        Layout { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The one way to a path under this tree from a relative one: refused unless it is a
    /// plain relative path (see [`join_relative`]), so no stage can write outside the tree.
    pub fn join(&self, rel: &str) -> Result<PathBuf, UnsafePath> {
        join_relative(&self.root, rel)
    }

    /// Checks that `path` (made by one of this layout's functions from untrusted names)
    /// stays under the tree: below the root, every component a plain name. Every stage that
    /// writes under a published tree goes through this, via `output::write_in`.
    pub fn checked(&self, path: &Path) -> Result<PathBuf, UnsafePath> {
        let refuse = || UnsafePath::Path(path.display().to_string());
        let rel = path.strip_prefix(&self.root).map_err(|_| refuse())?;
        let rel = rel.to_str().ok_or_else(refuse)?;
        self.join(rel).map_err(|_| refuse())
    }

    /// `_files/`: the content hashes of every servable file (`manifest.json`) and their
    /// precompressed copies, named by hash (`<hash>.br`, `<hash>.gz`).
    pub fn files_dir(&self) -> PathBuf {
        self.root.join("_files")
    }

    /// `_files/manifest.json`.
    pub fn files_manifest(&self) -> PathBuf {
        self.files_dir().join("manifest.json")
    }

    /// What each file of the manifest was on disk when it was written (`sitefiles::Stats`).
    pub fn files_stats(&self) -> PathBuf {
        self.files_dir().join("stats.json")
    }

    /// `.<public>.cursor-key` beside the tree: the cursor-signing key, outside `public/` so it
    /// is never served and never copied with the published files.
    pub fn cursor_key_file(&self) -> PathBuf {
        crate::output::hidden_sibling(&self.root, "cursor-key")
    }

    /// `.<public>.lock` beside the tree: held by the build that writes it.
    pub fn lock_file(&self) -> PathBuf {
        crate::output::hidden_sibling(&self.root, "lock")
    }

    /// `data/`: every published data package.
    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// `data/catalog.json`: the list of published packages.
    pub fn catalog_file(&self) -> PathBuf {
        self.data_dir().join("catalog.json")
    }

    /// `data/portal.json`: the portal's identity (title, base URL, publisher, licence), written
    /// by `publish` so the server builds absolute URLs from `base_url`, never from `Host`.
    pub fn portal_file(&self) -> PathBuf {
        self.data_dir().join("portal.json")
    }

    /// `data/<name>/`: one published package.
    pub fn dataset_dir(&self, dataset: &str) -> PathBuf {
        self.data_dir().join(dataset)
    }

    /// `data/<name>/datapackage.json`.
    pub fn package_file(&self, dataset: &str) -> PathBuf {
        self.dataset_dir(dataset).join("datapackage.json")
    }

    /// `data/<name>/<resource>.csv`.
    pub fn resource_csv(&self, dataset: &str, resource: &str) -> PathBuf {
        self.dataset_dir(dataset).join(format!("{resource}.csv"))
    }

    /// `data/<name>/validation.json`: the dataset's validation report (frictionless shape).
    pub fn validation_file(&self, dataset: &str) -> PathBuf {
        self.dataset_dir(dataset).join("validation.json")
    }

    /// `data/<name>/privacy.json`: the privacy report of an anonymised dataset.
    pub fn privacy_file(&self, dataset: &str) -> PathBuf {
        self.dataset_dir(dataset).join("privacy.json")
    }

    /// `data/<name>/requests.json`: the Open311 GeoReport v2 export of anonymised appeals.
    pub fn open311_file(&self, dataset: &str) -> PathBuf {
        self.dataset_dir(dataset).join("requests.json")
    }

    /// The URL path of a published file, relative to the site root.
    pub fn resource_csv_url(dataset: &str, resource: &str) -> String {
        format!("/data/{dataset}/{resource}.csv")
    }

    /// `_store/`: row stores prepared for the rows API.
    pub fn store_dir(&self) -> PathBuf {
        self.root.join("_store")
    }

    /// `_store/<name>/<resource>/`: one resource's row store.
    pub fn store_resource_dir(&self, dataset: &str, resource: &str) -> PathBuf {
        self.store_dir().join(dataset).join(resource)
    }

    /// `_store/<name>/package.zip`: every resource and `datapackage.json` in one download.
    pub fn store_zip(&self, dataset: &str) -> PathBuf {
        self.store_dir().join(dataset).join("package.zip")
    }

    /// `_index/`: the versioned search indexes.
    pub fn index_root(&self) -> PathBuf {
        self.root.join("_index")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_frictionless_pattern_without_slashes() {
        for good in ["kyiv-appeals", "a", "r_1.v2", "2024"] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for bad in [
            "", ".", "..", "../x", "a/b", "A", "-a", ".hidden", "a b", "a\\b", "ґ", "a\0",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_name(&"a".repeat(101)).is_err());
    }

    #[test]
    fn joins_only_plain_relative_paths() {
        let base = Path::new("/p");
        assert_eq!(
            join_relative(base, "a/b.csv"),
            Ok(PathBuf::from("/p/a/b.csv"))
        );
        for bad in [
            "",
            "/etc/hostname",
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "a\\..\\b",
            "a/.",
        ] {
            assert!(join_relative(base, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn layout_paths_from_unsafe_names_are_refused() {
        let layout = Layout::new("/srv/public");
        assert!(layout.checked(&layout.resource_csv("a", "b")).is_ok());
        assert!(layout
            .checked(&layout.resource_csv("../../x", "b"))
            .is_err());
        assert!(layout
            .checked(&layout.store_resource_dir("a", "/etc"))
            .is_err());
        assert!(layout.checked(Path::new("/srv/other/x")).is_err());
    }

    #[test]
    fn private_trees_and_dot_files() {
        assert!(is_private(&["_store", "x"]));
        assert!(is_private(&["_STORE"]));
        assert!(is_private(&["_Index", "CURRENT"]));
        assert!(is_private(&[".render-id"]));
        assert!(is_private(&["data", ".x"]));
        assert!(!is_private(&["data", "x", "_store"]));
        assert!(!is_private(&["datasets", "index.html"]));
        assert!(!is_private::<&str>(&[]));
    }
}
