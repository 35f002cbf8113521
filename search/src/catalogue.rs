//! The published catalogue as the dataset APIs read it: `data/catalog.json` and each
//! `data/<name>/datapackage.json` (plus the validation and privacy reports beside it), typed
//! just enough for the APIs and kept whole as JSON for `package_show` and `/api/v1/datasets/{name}`.
//! Not for: writing packages (the generator's `publish` does) or reading rows (`rowstore`).

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::Layout;

/// Why the published catalogue could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` is not a valid published package or catalogue: {error}")]
    Parse {
        path: PathBuf,
        error: serde_json::Error,
    },
}

/// Every published package, in catalogue order.
#[derive(Debug, Default)]
pub struct Catalogue {
    pub packages: Vec<Package>,
    /// `data/portal.json`: who publishes the portal and where it lives.
    pub portal: Portal,
    /// A digest of everything read; changes whenever a build changes the catalogue.
    pub version: String,
}

/// The portal's identity as `publish` wrote it (the `[portal]` table of `vidkryto.toml`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Portal {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub description_en: String,
    /// The public URL of the portal: every absolute URL the server writes starts with it.
    #[serde(default)]
    pub base_url: String,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub publisher: String,
    #[serde(default)]
    pub publisher_en: String,
    #[serde(default)]
    pub licence: String,
    #[serde(default)]
    pub spatial: Option<String>,
}

impl Portal {
    /// `base_url` without its trailing slash, for joining with absolute paths; empty (so URLs
    /// stay relative) for a build without `portal.json`. Never taken from a request's `Host`:
    /// a reflected Host would poison every cache in front of the server.
    pub fn origin(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}

/// A published data package: the package model (`datapackage`) as published, with the
/// files beside it. Dereferences to the model.
#[derive(Debug, Clone)]
pub struct Package {
    pub model: crate::datapackage::Package,
    /// The whole `datapackage.json`, as published.
    pub json: Value,
    /// `validation.json` beside it, when the build wrote one.
    pub validation: Option<Value>,
    /// `privacy.json` beside it, for anonymised packages.
    pub privacy: Option<Value>,
}

impl std::ops::Deref for Package {
    type Target = crate::datapackage::Package;

    fn deref(&self) -> &crate::datapackage::Package {
        &self.model
    }
}

pub use crate::datapackage::{Contributor, Field, License, Resource, Schema};

#[derive(Deserialize)]
struct CatalogEntry {
    name: String,
}

impl Catalogue {
    /// Reads `data/catalog.json` and every package it lists.
    pub fn load(layout: &Layout) -> Result<Catalogue, CatalogueError> {
        let mut digest = Sha256::new();
        let path = layout.catalog_file();
        let bytes = read(&path)?;
        digest.update(&bytes);
        let entries: Vec<CatalogEntry> = parse(&path, &bytes)?;
        let mut packages = Vec::with_capacity(entries.len());
        for entry in entries {
            let path = layout.package_file(&entry.name);
            let bytes = read(&path)?;
            digest.update(&bytes);
            let json: Value = parse(&path, &bytes)?;
            let mut model: crate::datapackage::Package = serde_json::from_value(json.clone())
                .map_err(|error| CatalogueError::Parse {
                    path: path.clone(),
                    error,
                })?;
            let dir = layout.dataset_dir(&entry.name);
            model.dir = dir.clone();
            packages.push(Package {
                model,
                json,
                validation: optional_json(&dir.join("validation.json"), &mut digest)?,
                privacy: optional_json(&dir.join("privacy.json"), &mut digest)?,
            });
        }
        let portal_path = layout.portal_file();
        let portal = match optional_json(&portal_path, &mut digest)? {
            Some(json) => serde_json::from_value(json).map_err(|error| CatalogueError::Parse {
                path: portal_path,
                error,
            })?,
            None => Portal::default(),
        };
        let version = hex(&digest.finalize()[..8]);
        Ok(Catalogue {
            packages,
            portal,
            version,
        })
    }

    pub fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == name)
    }

    pub fn names(&self) -> Vec<String> {
        self.packages.iter().map(|p| p.name.clone()).collect()
    }
}

impl Package {
    /// A short summary of `validation.json`: whether it passed, and its counts.
    pub fn validation_summary(&self) -> Value {
        match &self.validation {
            None => Value::Null,
            Some(report) => serde_json::json!({
                "valid": report.get("valid").cloned().unwrap_or(Value::Null),
                "stats": report.get("stats").cloned().unwrap_or(Value::Null),
                "url": format!("/data/{}/validation.json", self.name),
            }),
        }
    }

    /// The privacy report's top-level figures (lists are left out; the full report is a file).
    pub fn privacy_summary(&self) -> Value {
        match &self.privacy {
            Some(Value::Object(report)) => {
                let mut summary: serde_json::Map<String, Value> = report
                    .iter()
                    .filter(|(_, v)| !v.is_array())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                summary.insert(
                    "url".into(),
                    Value::String(format!("/data/{}/privacy.json", self.name)),
                );
                Value::Object(summary)
            }
            _ => Value::Null,
        }
    }
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, CatalogueError> {
    std::fs::read(path).map_err(|source| CatalogueError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn parse<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
    bytes: &[u8],
) -> Result<T, CatalogueError> {
    serde_json::from_slice(bytes).map_err(|error| CatalogueError::Parse {
        path: path.to_path_buf(),
        error,
    })
}

fn optional_json(
    path: &std::path::Path,
    digest: &mut Sha256,
) -> Result<Option<Value>, CatalogueError> {
    if !path.is_file() {
        return Ok(None);
    }
    let bytes = read(path)?;
    digest.update(&bytes);
    parse(path, &bytes).map(Some)
}

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A catalogue topic (a package's `topic`): its labels and the EU data themes it maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Topic {
    pub code: &'static str,
    pub title: &'static str,
    pub title_en: &'static str,
    /// Codes of the EU data-theme vocabulary
    /// (`http://publications.europa.eu/resource/authority/data-theme/<code>`), DCAT-AP's
    /// themes; the first is the main one.
    pub themes: &'static [&'static str],
}

/// Every topic the portal knows. The one table of them: site labels, CKAN groups and DCAT
/// themes all read it.
pub const TOPICS: &[Topic] = &[
    Topic {
        code: "budget",
        title: "Бюджет",
        title_en: "Budget",
        themes: &["ECON", "GOVE"],
    },
    Topic {
        code: "e-government",
        title: "Електронне урядування",
        title_en: "E-government",
        themes: &["GOVE", "TECH"],
    },
    Topic {
        code: "appeals",
        title: "Звернення громадян",
        title_en: "Citizens' appeals",
        themes: &["GOVE", "SOCI"],
    },
    Topic {
        code: "documents",
        title: "Документообіг",
        title_en: "Documents",
        themes: &["GOVE"],
    },
    Topic {
        code: "public-information",
        title: "Публічна інформація",
        title_en: "Public information",
        themes: &["GOVE", "JUST"],
    },
    Topic {
        code: "survey",
        title: "Опитування",
        title_en: "Survey",
        themes: &["TECH", "REGI"],
    },
];

/// The English labels of the EU data themes (the vocabulary's own `skos:prefLabel`s).
pub const THEMES: &[(&str, &str)] = &[
    ("AGRI", "Agriculture, fisheries, forestry and food"),
    ("ECON", "Economy and finance"),
    ("EDUC", "Education, culture and sport"),
    ("ENER", "Energy"),
    ("ENVI", "Environment"),
    ("GOVE", "Government and public sector"),
    ("HEAL", "Health"),
    ("INTR", "International issues"),
    ("JUST", "Justice, legal system and public safety"),
    ("REGI", "Regions and cities"),
    ("SOCI", "Population and society"),
    ("TECH", "Science and technology"),
    ("TRAN", "Transport"),
];

/// The label of a theme code (the code itself for one the table lacks).
pub fn theme_label(code: &str) -> &str {
    THEMES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, label)| label)
}

/// The EU data-theme IRI of a theme code.
pub fn theme_iri(code: &str) -> String {
    format!("http://publications.europa.eu/resource/authority/data-theme/{code}")
}

/// The topic `code`, if the portal knows it.
pub fn topic(code: &str) -> Option<&'static Topic> {
    TOPICS.iter().find(|t| t.code == code)
}
