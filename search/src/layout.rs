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
//! ```

use std::path::{Path, PathBuf};

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

    /// `data/`: every published data package.
    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// `data/catalog.json`: the list of published packages.
    pub fn catalog_file(&self) -> PathBuf {
        self.data_dir().join("catalog.json")
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
