//! The kinds of page the portal renders beside the dataset pages: the budget explorer
//! (`budget`), the public-information register (`register`) and the appeals dashboard
//! (`appeals`). Each is one module implementing [`PageKind`] — what it reads from the
//! published packages, the pages it writes, what it adds to a dataset's page — and [`all`]
//! lists them. A new kind is one module, its template, and a line in [`all`]; nothing else
//! in the site stage names a kind. Which resource a kind reads is decided by the one set of
//! column conventions (`vidkryto_search::datapackage::ResourceKind`), never by a package's
//! name, so any city's packages are recognised.

use std::path::Path;

use vidkryto_search::Layout;

use super::content::Link;
use super::labels::Labels;
use super::zola::ContentFile;
use super::{appeals, budget, register, SiteSummary};
use crate::catalog::Package;

/// What every kind reads from: the published packages and where the site is generated.
pub struct Site<'a> {
    /// The public packages this build published.
    pub packages: &'a [&'a Package],
    pub layout: &'a Layout,
    /// The generated Zola site folder (`<build>/site/`).
    pub dir: &'a Path,
    pub labels: &'a Labels,
}

/// What a kind adds to the page of a dataset it shows.
#[derive(Debug, Default)]
pub struct DatasetAdditions {
    /// Links to the kind's pages about this dataset.
    pub related: Vec<Link>,
    /// Other machine-readable forms the service offers of it (Open311 for appeals).
    pub downloads: Vec<Link>,
    /// The published GeoJSON the dataset page maps, when the kind publishes one.
    pub geojson_url: Option<String>,
}

impl DatasetAdditions {
    /// Only a related link, when `shown`.
    pub fn related_if(shown: bool, link: impl FnOnce() -> Link) -> DatasetAdditions {
        DatasetAdditions {
            related: shown.then(link).into_iter().collect(),
            ..DatasetAdditions::default()
        }
    }
}

/// One kind of page, loaded from the published packages (see the module's note).
pub trait PageKind: Sync {
    /// What this kind adds to `package`'s dataset page in `lang` (nothing, for a package it
    /// does not show).
    fn dataset_additions(&self, package: &Package, lang: &str, labels: &Labels)
        -> DatasetAdditions;

    /// Whether this kind renders a page for the source document `id` (a register record
    /// that a dataset's `sources` may link to).
    fn shows_document(&self, _id: &str) -> bool {
        false
    }

    /// Writes the kind's pages into the site folder. Pages of one record each are returned
    /// in memory for the built-in renderer (written to disk only for the real zola).
    fn write(&self, site: &Site) -> anyhow::Result<Vec<ContentFile>>;

    /// What the build reports of this kind.
    fn summarise(&self, _summary: &mut SiteSummary) {}
}

/// Every page kind the portal has, loaded from `site`'s packages.
pub fn all<'a>(site: &Site<'a>) -> anyhow::Result<Vec<Box<dyn PageKind + 'a>>> {
    Ok(vec![
        Box::new(budget::Explorer::load(site)?),
        Box::new(register::Register::load(site)?),
        Box::new(appeals::Dashboard::load(site)),
    ])
}

/// What every kind adds to `package`'s dataset page.
pub fn dataset_additions(
    kinds: &[Box<dyn PageKind + '_>],
    package: &Package,
    lang: &str,
    labels: &Labels,
) -> DatasetAdditions {
    let mut all = DatasetAdditions::default();
    for kind in kinds {
        let added = kind.dataset_additions(package, lang, labels);
        all.related.extend(added.related);
        all.downloads.extend(added.downloads);
        all.geojson_url = all.geojson_url.or(added.geojson_url);
    }
    all
}
