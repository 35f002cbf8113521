//! The portal configuration, `vidkryto.toml`: portal identity, paths and the dataset list.
//! It does not read the datasets themselves; that is `catalog`'s job.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration `{path}`")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` is not a valid configuration: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("`{path}`: dataset `{name}` is listed twice in `datasets`; remove one entry")]
    DuplicateDataset { path: PathBuf, name: String },
    #[error("`{path}`: dataset name `{name}` must be lower-case ASCII letters, digits and dashes, because it is a URL")]
    BadDatasetName { path: PathBuf, name: String },
}

/// `vidkryto.toml`, with every relative path resolved against the file's folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub portal: Portal,
    #[serde(default)]
    pub paths: Paths,
    #[serde(default)]
    pub datasets: Vec<DatasetEntry>,
    /// The folder holding `vidkryto.toml`; paths in the file are relative to it.
    #[serde(skip)]
    pub root: PathBuf,
}

/// Who publishes the portal and where it lives.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Portal {
    /// Portal title in the default language (Ukrainian).
    pub title: String,
    /// Portal title in English.
    pub title_en: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub description_en: String,
    /// The public URL the site is built for (links, sitemap, feed, DCAT).
    pub base_url: String,
    #[serde(default = "default_languages")]
    pub languages: Vec<String>,
    #[serde(default = "default_language")]
    pub default_language: String,
    #[serde(default)]
    pub publisher: String,
    #[serde(default)]
    pub publisher_en: String,
    /// Licence of the portal's own pages and of datasets that name none.
    #[serde(default = "default_licence")]
    pub licence: String,
    /// Where the data is about (DCAT `dct:spatial`): an IRI, e.g. an EU country or GeoNames place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spatial: Option<String>,
}

/// Where things are, relative to `vidkryto.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Paths {
    pub datasets: PathBuf,
    pub content: PathBuf,
    pub site: PathBuf,
    pub build: PathBuf,
    pub public: PathBuf,
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            datasets: "datasets".into(),
            content: "content".into(),
            site: "site".into(),
            build: "build".into(),
            public: "public".into(),
        }
    }
}

/// One `[[datasets]]` entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetEntry {
    /// The dataset's name: its folder under `paths.datasets` and its URL slug.
    pub name: String,
    /// Another folder for the data package, if not `paths.datasets/<name>`.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// Where `vidkryto pull` fetches the source documents from.
    #[serde(default)]
    pub sources: Vec<String>,
}

fn default_languages() -> Vec<String> {
    vec!["uk".into(), "en".into()]
}

fn default_language() -> String {
    "uk".into()
}

fn default_licence() -> String {
    "CC-BY-4.0".into()
}

impl Config {
    /// Reads and checks `vidkryto.toml`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Config::parse(&text, path)?;
        config.root = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Ok(config)
    }

    /// Parses the text of a configuration file; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut seen = std::collections::HashSet::new();
        for entry in &config.datasets {
            if !is_slug(&entry.name) {
                return Err(ConfigError::BadDatasetName {
                    path: path.to_path_buf(),
                    name: entry.name.clone(),
                });
            }
            if !seen.insert(entry.name.as_str()) {
                return Err(ConfigError::DuplicateDataset {
                    path: path.to_path_buf(),
                    name: entry.name.clone(),
                });
            }
        }
        Ok(config)
    }

    /// Resolves a configured path against the configuration's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.root.join(path)
        }
    }

    /// The folder of a configured dataset's data package.
    pub fn dataset_dir(&self, entry: &DatasetEntry) -> PathBuf {
        match &entry.path {
            Some(p) => self.resolve(p),
            None => self.resolve(&self.paths.datasets).join(&entry.name),
        }
    }

    /// The configured dataset called `name`, if any.
    pub fn dataset(&self, name: &str) -> Option<&DatasetEntry> {
        self.datasets.iter().find(|d| d.name == name)
    }

    pub fn build_dir(&self) -> PathBuf {
        self.resolve(&self.paths.build)
    }

    pub fn public_dir(&self) -> PathBuf {
        self.resolve(&self.paths.public)
    }
}

fn is_slug(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        [portal]
        title = "Т"
        title_en = "T"
        base_url = "http://127.0.0.1:8080"
        [[datasets]]
        name = "budget-2024"
    "#;

    #[test]
    fn minimal_config_gets_defaults() {
        let config = Config::parse(MINIMAL, Path::new("vidkryto.toml")).unwrap();
        assert_eq!(config.portal.languages, ["uk", "en"]);
        assert_eq!(config.paths.public, PathBuf::from("public"));
        assert_eq!(config.datasets[0].name, "budget-2024");
    }

    #[test]
    fn duplicate_dataset_is_named() {
        let text = format!("{MINIMAL}\n[[datasets]]\nname = \"budget-2024\"\n");
        let err = Config::parse(&text, Path::new("v.toml")).unwrap_err();
        assert!(
            err.to_string().contains("`budget-2024` is listed twice"),
            "{err}"
        );
    }

    #[test]
    fn unknown_key_is_rejected_with_its_name() {
        let text = format!("{MINIMAL}\nsurprise = 1\n");
        let err = Config::parse(&text, Path::new("v.toml")).unwrap_err();
        assert!(err.to_string().contains("surprise"), "{err}");
    }

    #[test]
    fn bundled_configuration_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vidkryto.toml");
        let config = Config::load(&path).unwrap();
        assert!(config.dataset("kyiv-appeals").is_some());
    }
}
