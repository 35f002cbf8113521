//! The pull stage: copies each dataset's source documents into the raw cache
//! (`build/raw/<dataset>/`) and records where each came from, when, and its SHA-256.
//! It does not parse the documents; extraction into CSV is the data officer's work.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vidkryto_search::output::write_atomic;

use crate::config::Config;

/// Where one cached source came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Provenance {
    pub dataset: String,
    /// The source as configured.
    pub source: String,
    /// The cached copy.
    pub cached: PathBuf,
    pub sha256: String,
    pub bytes: u64,
    /// When it was pulled (RFC 3339).
    pub pulled_at: String,
}

/// Pulls the sources of the named datasets (all when `names` is empty).
pub fn pull(config: &Config, names: &[String]) -> anyhow::Result<Vec<Provenance>> {
    for name in names {
        if config.dataset(name).is_none() {
            bail!(
                "dataset `{name}` is not in the configuration; configured: {}",
                config
                    .datasets
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let raw_root = config.build_dir().join("raw");
    let mut records = Vec::new();
    for entry in &config.datasets {
        if !names.is_empty() && !names.contains(&entry.name) {
            continue;
        }
        let dir = raw_root.join(&entry.name);
        let mut dataset_records = Vec::new();
        for source in &entry.sources {
            let record = pull_one(config, &entry.name, source, &dir)
                .with_context(|| format!("dataset `{}`: source `{source}`", entry.name))?;
            dataset_records.push(record);
        }
        let json = serde_json::to_vec_pretty(&dataset_records)?;
        write_atomic(&dir.join("provenance.json"), &json)
            .with_context(|| format!("cannot write {}", dir.join("provenance.json").display()))?;
        records.extend(dataset_records);
    }
    Ok(records)
}

fn pull_one(
    config: &Config,
    dataset: &str,
    source: &str,
    dir: &Path,
) -> anyhow::Result<Provenance> {
    let local = local_path(config, source)?;
    let bytes = std::fs::read(&local).with_context(|| {
        format!(
            "cannot read `{}`; fix the path in `sources` of vidkryto.toml",
            local.display()
        )
    })?;
    let file_name = local
        .file_name()
        .context("the source names no file")?
        .to_owned();
    let cached = dir.join(file_name);
    write_atomic(&cached, &bytes)
        .with_context(|| format!("cannot write the cache `{}`", cached.display()))?;
    Ok(Provenance {
        dataset: dataset.to_string(),
        source: source.to_string(),
        cached,
        sha256: hex(&Sha256::digest(&bytes)),
        bytes: bytes.len() as u64,
        pulled_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

/// A configured source as a local file: a path relative to the configuration, or file://.
fn local_path(config: &Config, source: &str) -> anyhow::Result<PathBuf> {
    if let Some(path) = source.strip_prefix("file://") {
        return Ok(PathBuf::from(path));
    }
    if source.starts_with("http://") || source.starts_with("https://") {
        bail!("fetching over HTTP is not supported: download the document and list its local path in `sources`");
    }
    Ok(config.resolve(Path::new(source)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn portal(dir: &Path) -> Config {
        std::fs::write(dir.join("source.txt"), "рішення № 824/7060").unwrap();
        let text = r#"
            [portal]
            title = "Т"
            title_en = "T"
            base_url = "http://127.0.0.1:8080"
            [[datasets]]
            name = "register"
            sources = ["source.txt"]
        "#;
        let path = dir.join("vidkryto.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(&path).unwrap()
    }

    #[test]
    fn pull_caches_the_source_with_its_hash() {
        let dir = std::env::temp_dir().join(format!("vidkryto-pull-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = portal(&dir);
        let records = pull(&config, &[]).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(
            records[0].sha256,
            hex(&Sha256::digest("рішення № 824/7060".as_bytes()))
        );
        let cached = dir.join("build/raw/register/source.txt");
        assert_eq!(
            std::fs::read_to_string(cached).unwrap(),
            "рішення № 824/7060"
        );
        let provenance =
            std::fs::read_to_string(dir.join("build/raw/register/provenance.json")).unwrap();
        assert!(provenance.contains(&records[0].sha256));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unknown_dataset_lists_the_configured_ones() {
        let dir =
            std::env::temp_dir().join(format!("vidkryto-pull-unknown-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = portal(&dir);
        let err = pull(&config, &["budget".into()]).unwrap_err().to_string();
        assert!(
            err.contains("`budget` is not in the configuration; configured: register"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
