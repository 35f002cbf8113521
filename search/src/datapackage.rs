//! The one data package model: Frictionless `datapackage.json` with its Table Schemas, plus
//! Vidkryto's extensions (`title_en`, `topic`, `checks`, `private`, `pull`). Every stage
//! uses it: the generator reads, validates and publishes packages with it, and the site,
//! row store, index and APIs read the published ones back with it (`catalogue`). Unknown
//! keys are kept (`extra`), so publishing loses nothing. Checking data against a package is
//! the generator's `validate`; this module only reads, describes and guards names.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Why a data package could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` is not a valid data package: {error}")]
    Parse {
        path: PathBuf,
        error: serde_json::Error,
    },
    #[error("`{path}`: resource `{resource}` has no `path`; give the CSV file it describes")]
    NoPath { path: PathBuf, resource: String },
    #[error(
        "`{path}`: resource `{resource}` has no `schema`; a tabular resource needs a Table Schema"
    )]
    NoSchema { path: PathBuf, resource: String },
    #[error("`{path}`, key `{key}`: {error}")]
    Unsafe {
        path: PathBuf,
        key: String,
        error: crate::layout::UnsafePath,
    },
    #[error(
        "`{path}`, key `{key}`: `{file}` resolves to `{target}`, outside the package folder; \
         copy the file into the package instead of linking to it"
    )]
    Outside {
        path: PathBuf,
        key: String,
        file: String,
        target: PathBuf,
    },
}

/// A data package: `datapackage.json` and the folder it lives in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Package {
    /// Recommended, not required, by Data Package v1 (empty when absent).
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title_en: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Last change of the data (a Vidkryto extension; DCAT's `modified`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// Catalogue topic: budget, e-government, appeals, documents, public-information, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// The keywords in English, for English pages, search and DCAT.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords_en: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<License>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contributors: Vec<Contributor>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    #[serde(default)]
    pub resources: Vec<Resource>,
    /// Totals the source documents state, checked by `validate`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Value>,
    /// Never published: raw input with personal data.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private: bool,
    /// Every other key, kept so that publishing loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// The folder holding `datapackage.json`.
    #[serde(skip)]
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct License {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Contributor {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A source document the data was extracted from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Source {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The heading or table of the document the figures come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A tabular data resource: one CSV and its Table Schema.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resource {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title_en: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// CSV dialect (delimiter, quoteChar, header, …) as Frictionless describes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Schema>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private: bool,
    /// Where `vidkryto pull` fetches the data from and how it maps onto the schema (the
    /// generator's `pull::PullSpec` reads it); not published (the published `sources`
    /// carry its provenance instead).
    #[serde(default, skip_serializing)]
    pub pull: Option<Value>,
    /// The cached copy of a pulled resource (`pull::use_cache`); never read from input.
    #[serde(skip)]
    pub cached: Option<PathBuf>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A Table Schema.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    pub fields: Vec<Field>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_values: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One field (column) of a Table Schema.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type", default = "default_type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title_en: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_en: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub constraints: Map<String, Value>,
    /// Type options (decimalChar, groupChar, trueValues, …) and anything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn default_type() -> String {
    "string".into()
}

impl Package {
    /// Reads `<dir>/datapackage.json`.
    pub fn load(dir: &Path) -> Result<Package, CatalogError> {
        let path = dir.join("datapackage.json");
        let text = std::fs::read_to_string(&path).map_err(|source| CatalogError::Read {
            path: path.clone(),
            source,
        })?;
        let mut package: Package =
            serde_json::from_str(&text).map_err(|error| CatalogError::Parse {
                path: path.clone(),
                error,
            })?;
        package.dir = dir.to_path_buf();
        package.check_names(&path)?;
        for resource in &package.resources {
            // A pulled resource's file is its cached copy (`build::load_packages`).
            if resource.path.is_none() && resource.pull.is_none() {
                return Err(CatalogError::NoPath {
                    path,
                    resource: resource.name.clone(),
                });
            }
            if resource.schema.is_none() {
                return Err(CatalogError::NoSchema {
                    path,
                    resource: resource.name.clone(),
                });
            }
        }
        Ok(package)
    }

    /// Names and paths are untrusted input that becomes folders and files under `public/`:
    /// the package and every resource name must match `layout::check_name` (Frictionless'
    /// pattern without `/`), and every resource `path` must be a plain relative path that
    /// resolves inside the package folder (no absolute path, no `..`, no symbolic link out).
    pub fn check_names(&self, file: &Path) -> Result<(), CatalogError> {
        use crate::layout::{check_name, join_relative};
        let unsafe_key = |key: String, error| CatalogError::Unsafe {
            path: file.to_path_buf(),
            key,
            error,
        };
        // `name` is optional (recommended, not required, by Data Package v1).
        if !self.name.is_empty() {
            check_name(&self.name).map_err(|e| unsafe_key("name".into(), e))?;
        }
        let folder = self.dir.canonicalize().ok();
        for (i, resource) in self.resources.iter().enumerate() {
            check_name(&resource.name)
                .map_err(|e| unsafe_key(format!("resources[{i}].name"), e))?;
            let Some(rel) = resource.path.as_deref() else {
                continue;
            };
            let key = format!("resources[{i}].path");
            let joined = join_relative(&self.dir, rel).map_err(|e| unsafe_key(key.clone(), e))?;
            // A missing file is `validate`'s to report; one that exists must stay inside.
            if let (Some(folder), Ok(target)) = (&folder, joined.canonicalize()) {
                if !target.starts_with(folder) {
                    return Err(CatalogError::Outside {
                        path: file.to_path_buf(),
                        key,
                        file: rel.to_string(),
                        target,
                    });
                }
            }
        }
        Ok(())
    }

    /// The resources that may be published.
    pub fn public_resources(&self) -> impl Iterator<Item = &Resource> {
        let private = self.private;
        self.resources
            .iter()
            .filter(move |r| !private && !r.private)
    }

    /// The resource called `name`.
    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }

    /// The file of a resource, resolved against the package folder.
    pub fn resource_path(&self, resource: &Resource) -> PathBuf {
        if let Some(cached) = &resource.cached {
            return cached.clone();
        }
        self.dir.join(resource.path.as_deref().unwrap_or_default())
    }

    /// The publisher named in `contributors`, if any.
    pub fn publisher(&self) -> Option<&Contributor> {
        self.contributors
            .iter()
            .find(|c| c.role.as_deref() == Some("publisher"))
    }
}

impl Resource {
    /// The Table Schema's fields (none without a schema).
    pub fn fields(&self) -> &[Field] {
        self.schema.as_ref().map_or(&[], |s| s.fields.as_slice())
    }

    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields().iter().find(|f| f.name == name)
    }

    /// `missingValues` of the schema (Table Schema's default: only the empty cell).
    pub fn missing_values(&self) -> Vec<String> {
        self.schema
            .as_ref()
            .and_then(|s| s.missing_values.clone())
            .unwrap_or_else(|| vec![String::new()])
    }

    /// Size of the published file, as `publish` measured it.
    pub fn bytes(&self) -> Option<u64> {
        self.extra.get("bytes").and_then(Value::as_u64)
    }

    /// `sha256:<hex>` of the published file.
    pub fn hash(&self) -> Option<&str> {
        self.extra.get("hash").and_then(Value::as_str)
    }
}

/// What a published resource holds, by the column conventions every stage reads it by: the
/// site renders a page kind for it, the index writes its search documents, the APIs serve it
/// (Open311 over appeals). The one place these conventions are written; a package needs no
/// particular name to be recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// Documents of the public-information register: `document_id`, `title`.
    Register,
    /// Anonymised citizens' appeals: `id`, `date`, `category`, `district`, `status`.
    Appeals,
    /// Measures of a budget programme (topic `budget`): `measure`.
    Measures,
    /// Performance indicators of a budget programme (topic `budget`): `indicator`.
    Kpis,
}

impl ResourceKind {
    /// The kind of a table in a package of `topic` whose columns are those `has` knows.
    pub fn of(topic: Option<&str>, has: impl Fn(&str) -> bool) -> Option<ResourceKind> {
        let budget = topic == Some("budget");
        if has("document_id") && has("title") {
            Some(ResourceKind::Register)
        } else if ["id", "date", "category", "district", "status"]
            .iter()
            .all(|c| has(c))
        {
            Some(ResourceKind::Appeals)
        } else if budget && has("measure") {
            Some(ResourceKind::Measures)
        } else if budget && has("indicator") {
            Some(ResourceKind::Kpis)
        } else {
            None
        }
    }
}

impl Package {
    /// The kind of `resource` of this package, by its schema's fields.
    pub fn kind_of(&self, resource: &Resource) -> Option<ResourceKind> {
        ResourceKind::of(self.topic.as_deref(), |c| resource.field(c).is_some())
    }

    /// The first public resource of this package of `kind`.
    pub fn resource_of_kind(&self, kind: ResourceKind) -> Option<&Resource> {
        self.public_resources()
            .find(|r| self.kind_of(r) == Some(kind))
    }
}

impl Field {
    /// `trueValues`, when the schema gives them.
    pub fn true_values(&self) -> Option<Vec<String>> {
        self.extra
            .get("trueValues")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_survive_a_round_trip() {
        let json = r#"{"name": "x", "resources": [{"name": "r", "path": "r.csv",
            "schema": {"fields": [{"name": "a", "type": "integer", "bareNumber": false}]}}],
            "homepage": "https://example.org"}"#;
        let package: Package = serde_json::from_str(json).unwrap();
        assert_eq!(package.extra["homepage"], "https://example.org");
        let field = &package.resources[0].schema.as_ref().unwrap().fields[0];
        assert_eq!(field.kind, "integer");
        assert_eq!(field.extra["bareNumber"], false);
        let back = serde_json::to_value(&package).unwrap();
        assert_eq!(back["homepage"], "https://example.org");
    }

    fn load_json(name: &str, json: &str) -> Result<Package, CatalogError> {
        let dir =
            std::env::temp_dir().join(format!("vidkryto-catalog-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("datapackage.json"), json).unwrap();
        std::fs::write(dir.join("r.csv"), "a\n1\n").unwrap();
        let result = Package::load(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        result
    }

    #[test]
    fn untrusted_names_and_paths_are_refused_naming_the_key() {
        let schema = r#""schema": {"fields": [{"name": "a"}]}"#;
        let cases = [
            (r#""../../../../x""#, r#""r""#, r#""r.csv""#, "key `name`"),
            (
                r#""x""#,
                r#""../../../../x""#,
                r#""r.csv""#,
                "key `resources[0].name`",
            ),
            (r#""x""#, r#""R""#, r#""r.csv""#, "key `resources[0].name`"),
            (
                r#""x""#,
                r#""r""#,
                r#""/etc/hostname""#,
                "key `resources[0].path`",
            ),
            (
                r#""x""#,
                r#""r""#,
                r#""../../etc/hostname""#,
                "key `resources[0].path`",
            ),
        ];
        for (package, resource, path, key) in cases {
            let json = format!(
                r#"{{"name": {package}, "resources": [{{"name": {resource}, "path": {path}, {schema}}}]}}"#
            );
            let err = load_json("unsafe", &json).unwrap_err().to_string();
            assert!(
                err.contains("datapackage.json") && err.contains(key),
                "{err}"
            );
        }
        let ok = format!(
            r#"{{"name": "x", "resources": [{{"name": "r", "path": "r.csv", {schema}}}]}}"#
        );
        assert!(load_json("safe", &ok).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_out_of_the_package_is_refused() {
        let dir =
            std::env::temp_dir().join(format!("vidkryto-catalog-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", dir.join("r.csv")).unwrap();
        std::fs::write(
            dir.join("datapackage.json"),
            r#"{"name": "x", "resources": [{"name": "r", "path": "r.csv", "schema": {"fields": []}}]}"#,
        )
        .unwrap();
        let err = Package::load(&dir).unwrap_err().to_string();
        assert!(err.contains("outside the package folder"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_schema_is_named() {
        let dir = std::env::temp_dir().join(format!("vidkryto-catalog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("datapackage.json"),
            r#"{"name": "x", "resources": [{"name": "r", "path": "r.csv"}]}"#,
        )
        .unwrap();
        let err = Package::load(&dir).unwrap_err().to_string();
        assert!(err.contains("resource `r` has no `schema`"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
