//! `/api/v1/datasets` (the catalogue), `/api/v1/datasets/{name}` (one package with its
//! validation and privacy summaries) and `/datasets/{name}.zip`, plus [`DataState`]: the
//! catalogue and row stores the dataset endpoints share, and [`LiveData`], which re-opens
//! them when a new build replaces them. Rows are `server::rows`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use serde_json::{json, Value};
use warp::reply::Response;

use super::respond::{self, Cache, Reply, Req};
use super::{rows, ApiError};
use crate::catalogue::{Catalogue, CatalogueError, Package};
use crate::reload::ReloadCheck;
use crate::rowstore::{Store, StoreError};
use crate::Layout;

/// The published catalogue and every resource's opened row store.
#[derive(Debug, Default)]
pub struct DataState {
    pub catalogue: Catalogue,
    stores: HashMap<String, Arc<Store>>,
    /// Changes with every build: part of every ETag.
    pub version: String,
    /// The files this state was opened from, as they were: a build that replaces them
    /// changes the stamp.
    stamp: BuildStamp,
    /// Slots for `_stream=on` exports.
    pub exports: respond::Exports,
}

/// Modification time and length of the files a [`DataState`] is opened from (the catalogue and
/// every store's `meta.json`; a missing file is `None`).
type BuildStamp = Vec<Option<(SystemTime, u64)>>;

fn build_stamp(files: &[PathBuf]) -> BuildStamp {
    files
        .iter()
        .map(|path| {
            let meta = std::fs::metadata(path).ok()?;
            Some((meta.modified().ok()?, meta.len()))
        })
        .collect()
}

/// The data of the build being served, re-opened (at most every
/// [`crate::reload::CHECK_EVERY`]) when a new build has replaced it, so a rebuild needs no
/// restart. Requests keep the [`DataState`] they started with.
#[derive(Debug)]
pub struct LiveData {
    layout: Layout,
    current: RwLock<Arc<DataState>>,
    check: ReloadCheck,
}

impl LiveData {
    pub fn open(layout: &Layout) -> Result<LiveData, DataError> {
        Ok(LiveData {
            layout: layout.clone(),
            current: RwLock::new(Arc::new(DataState::open(layout)?)),
            check: ReloadCheck::new(),
        })
    }

    /// The data to answer a request with.
    pub fn current(&self) -> Arc<DataState> {
        if self.check.due() {
            let loaded = self.loaded();
            if build_stamp(&loaded.stamped_files(&self.layout)) != loaded.stamp {
                match DataState::open(&self.layout) {
                    Ok(fresh) => {
                        if let Ok(mut slot) = self.current.write() {
                            *slot = Arc::new(fresh);
                        }
                    }
                    // A build caught mid-commit, or a damaged one: keep serving what we have;
                    // the next check retries.
                    Err(err) => eprintln!("published data: cannot switch to the new build: {err}"),
                }
            }
        }
        self.loaded()
    }

    fn loaded(&self) -> Arc<DataState> {
        match self.current.read() {
            Ok(slot) => slot.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// Why the published data could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DataState {
    /// Reads the catalogue and opens every row store `build` wrote. A build without a
    /// catalogue (an empty portal) serves an empty one; a damaged store is an error.
    pub fn open(layout: &Layout) -> Result<DataState, DataError> {
        if !layout.catalog_file().is_file() {
            return Ok(DataState {
                stamp: build_stamp(&[layout.catalog_file()]),
                ..DataState::default()
            });
        }
        let stamp_before = build_stamp(&[layout.catalog_file()]);
        let catalogue = Catalogue::load(layout)?;
        let mut stores = HashMap::new();
        let mut version = catalogue.version.clone();
        for package in &catalogue.packages {
            for resource in &package.resources {
                let dir = layout.store_resource_dir(&package.name, &resource.name);
                if !dir.join("meta.json").is_file() {
                    continue;
                }
                let store = Store::open(layout, &package.name, &resource.name)?;
                version.push('-');
                version.push_str(&store.build);
                stores.insert(store.id.clone(), Arc::new(store));
            }
        }
        let mut state = DataState {
            catalogue,
            stores,
            version,
            stamp: Vec::new(),
            exports: respond::Exports::default(),
        };
        state.stamp = build_stamp(&state.stamped_files(layout));
        // Stamped after reading: a build that landed meanwhile shows as a changed catalogue
        // time here, and the next check opens it.
        if state.stamp.first() != stamp_before.first() {
            state.stamp.clear();
        }
        Ok(state)
    }

    /// The files whose replacement means a new build: the catalogue, then each store's meta.
    fn stamped_files(&self, layout: &Layout) -> Vec<PathBuf> {
        let mut files = vec![layout.catalog_file()];
        for package in &self.catalogue.packages {
            for resource in &package.resources {
                files.push(
                    layout
                        .store_resource_dir(&package.name, &resource.name)
                        .join("meta.json"),
                );
            }
        }
        files
    }

    /// Where absolute URLs start: the portal's `base_url` (relative URLs without one).
    pub fn origin(&self) -> &str {
        self.catalogue.portal.origin()
    }

    pub fn store(&self, dataset: &str, resource: &str) -> Option<&Arc<Store>> {
        self.stores.get(&format!("{dataset}/{resource}"))
    }

    /// The package `name`, or a 404 naming the datasets there are.
    pub fn package(&self, name: &str) -> Result<&Package, ApiError> {
        self.catalogue.package(name).ok_or_else(|| {
            ApiError::not_found(format!(
                "no dataset `{}`; see /api/v1/datasets",
                shorten(name)
            ))
            .with_parameter("name")
            .with_allowed(self.catalogue.names())
        })
    }

    /// The store of `dataset`/`resource`, or a 404 naming the resources there are.
    pub fn resource_store(&self, dataset: &str, resource: &str) -> Result<&Arc<Store>, ApiError> {
        let package = self.package(dataset)?;
        if package.resource(resource).is_none() {
            return Err(ApiError::not_found(format!(
                "dataset `{dataset}` has no resource `{}`",
                shorten(resource)
            ))
            .with_parameter("resource")
            .with_allowed(package.resources.iter().map(|r| r.name.clone())));
        }
        self.store(dataset, resource).ok_or_else(|| {
            ApiError::not_found(format!(
                "resource `{dataset}/{resource}` has no row store; run `vidkryto build` again"
            ))
        })
    }
}

/// At most 60 characters of a user-given name, for messages.
pub fn shorten(text: &str) -> String {
    let short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

/// The URLs of one resource in each format.
pub fn resource_links(data: &DataState, origin: &str, dataset: &str, resource: &str) -> Value {
    let api = format!("{origin}/api/v1/datasets/{dataset}/{resource}");
    let mut links = json!({
        "csv": format!("{origin}{}", Layout::resource_csv_url(dataset, resource)),
        "json": format!("{api}.json"),
        "csv_query": format!("{api}.csv"),
        "ndjson": format!("{api}.ndjson"),
    });
    if data
        .store(dataset, resource)
        .is_some_and(|s| rows::geometry(s).is_some())
    {
        links["geojson"] = Value::String(format!("{api}.geojson"));
    }
    links
}

fn package_entry(data: &DataState, origin: &str, package: &Package) -> Value {
    let resources: Vec<Value> = package
        .resources
        .iter()
        .map(|r| {
            let store = data.store(&package.name, &r.name);
            json!({
                "name": r.name,
                "title": r.title,
                "title_en": r.title_en,
                "rows": store.map(|s| s.rows),
                "formats": resource_links(data, origin, &package.name, &r.name),
            })
        })
        .collect();
    json!({
        "name": package.name,
        "title": package.title,
        "title_en": package.title_en,
        "description": package.description,
        "description_en": package.description_en,
        "licenses": package.licenses.iter().map(|l| json!({"name": l.name, "title": l.title, "path": l.path})).collect::<Vec<_>>(),
        "modified": package.modified,
        "topic": package.topic,
        "keywords": package.keywords,
        "url": format!("{origin}/api/v1/datasets/{}", package.name),
        "page": format!("{origin}/datasets/{}/", package.name),
        "download": format!("{origin}/datasets/{}.zip", package.name),
        "datapackage": format!("{origin}/data/{}/datapackage.json", package.name),
        "resources": resources,
        "open311": super::open311::links(data, package),
    })
}

/// `GET /api/v1/datasets`.
pub fn list(data: &DataState, req: &Req) -> Result<Response, ApiError> {
    let origin = data.origin();
    let datasets: Vec<Value> = data
        .catalogue
        .packages
        .iter()
        .map(|p| package_entry(data, origin, p))
        .collect();
    let body = json!({ "total": datasets.len(), "datasets": datasets });
    Ok(json_reply(req, &data.version, &body, Cache::Metadata))
}

/// `GET /api/v1/datasets/{name}`.
pub fn show(data: &DataState, req: &Req, name: &str) -> Result<Response, ApiError> {
    let package = data.package(name)?;
    let origin = data.origin();
    let mut body = package_entry(data, origin, package);
    body["datapackage_json"] = package.json.clone();
    body["validation"] = package.validation_summary();
    body["privacy"] = package.privacy_summary();
    Ok(json_reply(req, &data.version, &body, Cache::Metadata))
}

/// `GET /datasets/{name}.zip`: the zip `build` wrote, streamed from disk.
pub fn zip(data: &DataState, layout: &Layout, req: &Req, name: &str) -> Result<Response, ApiError> {
    data.package(name)?;
    let path = layout.store_zip(name);
    let file = std::fs::File::open(&path).map_err(|_| {
        ApiError::not_found(format!(
            "dataset `{name}` has no download yet; run `vidkryto build` again"
        ))
    })?;
    let length = file.metadata().map(|m| m.len()).unwrap_or_default();
    let reply = Reply::new("application/zip", Cache::Download)
        .header(
            "content-disposition",
            format!("attachment; filename=\"{name}.zip\""),
        )
        .header("content-length", length.to_string());
    reply.stream(req, &data.version, None, move |sink| {
        use std::io::Read;
        let mut file = file;
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut chunk).map_err(|_| respond::Stop)?;
            if n == 0 {
                return Ok(());
            }
            sink.buffer().extend_from_slice(&chunk[..n]);
            sink.flush_if_full()?;
        }
    })
}

/// A JSON body with the shared HTTP behaviours.
pub fn json_reply(req: &Req, version: &str, body: &Value, cache: Cache) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    Reply::new("application/json", cache).body(req, version, bytes)
}
