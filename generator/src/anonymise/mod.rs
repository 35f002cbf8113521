//! The anonymise stage: applies a dataset's privacy policy to its raw citizen-appeal data and
//! writes the anonymised CSV, the privacy report and the Open311 export into a build folder.
//! Publishing that folder is `publish`'s job; the raw input is only ever read.

mod engine;
pub mod generalise;
pub mod kanon;
pub mod open311;
mod order;
mod pipeline;
pub mod policy;
pub mod redact;
pub mod report;
mod temp;
pub mod utility;

use std::path::{Path, PathBuf};

pub use engine::{anonymise_file, Outputs};
pub use policy::Policy;
pub use report::PrivacyReport;

use crate::catalog::Package;

/// Reports progress of a run: the pass under way and the raw rows it has read so far.
pub type Progress<'a> = &'a (dyn Fn(&'static str, u64) + Sync);

/// Why anonymisation failed. Nothing is written when it fails.
#[derive(Debug, thiserror::Error)]
pub enum AnonymiseError {
    #[error("`{file}`: the `privacy` policy is invalid: {message}")]
    Policy { file: PathBuf, message: String },
    #[error("dataset `{dataset}` has no `privacy` policy in its datapackage.json; add one to anonymise it")]
    NoPolicy { dataset: String },
    #[error("`{file}`: the policy's {what} resource `{resource}` is not in the package (or has no schema)")]
    NoResource {
        file: PathBuf,
        what: &'static str,
        resource: String,
    },
    #[error("`{file}`: field `{column}` of the published resource `{resource}` is produced by no rule of the privacy policy; add a rule whose output is `{column}` or remove the field")]
    Unproduced {
        file: PathBuf,
        resource: String,
        column: String,
    },
    #[error("`{file}`: column `{column}` named in the privacy policy is missing from the header; add the column to the raw file or remove its rule")]
    MissingColumn { file: PathBuf, column: String },
    #[error("`{file}`: column `{column}` has no rule in the privacy policy; add one (drop, keep, opaque, generalise or redact-text) so no raw column is published by accident")]
    Unruled { file: PathBuf, column: String },
    #[error("`{file}`, line {line}, column `{column}`: {problem}")]
    BadValue {
        file: PathBuf,
        line: u64,
        column: String,
        problem: String,
    },
    #[error("cannot read `{file}`")]
    Read {
        file: PathBuf,
        #[source]
        source: csv::Error,
    },
    #[error("cannot write `{file}`")]
    Write {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{file}` is the raw input; write the output elsewhere (the raw input is never modified)"
    )]
    SameFile { file: PathBuf },
}

/// The raw input file of a package with a policy.
/// The package as its data officer keeps it: without the resource its privacy policy
/// produces, which exists only after anonymisation (`build` validates it there).
pub fn inputs_only(mut package: Package) -> Result<Package, AnonymiseError> {
    if let Some(policy) = Policy::of(&package)? {
        package.resources.retain(|r| r.name != policy.output);
    }
    Ok(package)
}

pub fn input_path(package: &Package, policy: &Policy) -> Result<PathBuf, AnonymiseError> {
    let resource = package
        .resource(&policy.input)
        .ok_or_else(|| AnonymiseError::NoResource {
            file: package.dir.join("datapackage.json"),
            what: "input",
            resource: policy.input.clone(),
        })?;
    Ok(package.resource_path(resource))
}

/// The anonymised output of one dataset, ready to publish.
#[derive(Debug, Clone)]
pub struct Anonymised {
    /// Holds `<output resource path>` (the anonymised CSV), `privacy.json`, `requests.json`.
    pub dir: PathBuf,
    pub report: PrivacyReport,
}

impl Anonymised {
    pub fn privacy_file(&self) -> PathBuf {
        self.dir.join("privacy.json")
    }

    pub fn open311_file(&self) -> PathBuf {
        self.dir.join("requests.json")
    }
}

/// Anonymises a package's raw input into `<build_dir>/anonymised/<name>/`; `None` when the
/// package has no policy.
pub fn anonymise_package(
    package: &Package,
    build_dir: &Path,
    progress: Option<Progress<'_>>,
) -> Result<Option<Anonymised>, AnonymiseError> {
    let Some(policy) = Policy::of(package)? else {
        return Ok(None);
    };
    let input = input_path(package, &policy)?;
    let dir = build_dir.join("anonymised").join(&package.name);
    let output = package
        .resource(&policy.output)
        .and_then(|r| r.path.clone())
        .ok_or_else(|| AnonymiseError::NoResource {
            file: package.dir.join("datapackage.json"),
            what: "output",
            resource: policy.output.clone(),
        })?;
    let outputs = Outputs {
        csv: dir.join(output),
        report: Some(dir.join("privacy.json")),
        open311: Some(dir.join("requests.json")),
    };
    let report = anonymise_file(package, &policy, &input, &outputs, progress)?;
    Ok(Some(Anonymised { dir, report }))
}
