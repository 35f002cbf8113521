//! The publish stage: writes what may be published of each data package (its public
//! resources as normal-form CSV, and the package description) into the published layout.
//! Private packages and resources (raw personal data) are never written. What it writes is
//! what Frictionless requires: `created` as an RFC 3339 date-time, and each resource's `bytes`
//! and `hash` of the file actually published (CKAN's `size`/`hash` and DCAT's `byteSize` come
//! from them). Also `data/portal.json`, the portal's identity for the server.

use anyhow::Context;
use serde::Serialize;
use sha2::{Digest, Sha256};
use vidkryto_search::output::write_in;
use vidkryto_search::Layout;

use crate::catalog::Package;
use crate::config::Portal;
use crate::validate::normal::normal_form;

/// One published package, as listed in `data/catalog.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub name: String,
    pub title: String,
    pub title_en: String,
    pub resources: Vec<String>,
}

/// Publishes `package` into `layout`: each public resource in the normal form
/// (`validate::normal`), described as published, with the `bytes` and `hash` of that file.
/// `package.dir` holds the CSVs to publish (the package's own folder, or the anonymised
/// output for packages with a privacy policy).
pub fn publish_package(package: &Package, layout: &Layout) -> anyhow::Result<Option<Published>> {
    if package.private {
        return Ok(None);
    }
    let mut published = package.clone();
    published.resources.retain(|r| !r.private);
    for resource in &mut published.resources {
        let normal = normal_form(package, resource)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("dataset `{}`", package.name))?;
        let to = layout.resource_csv(&package.name, &resource.name);
        write_in(layout, &to, &normal.csv)
            .with_context(|| format!("cannot write `{}`", to.display()))?;
        *resource = normal.resource;
        resource.path = Some(format!("{}.csv", resource.name));
        resource
            .extra
            .insert("bytes".into(), normal.csv.len().into());
        let digest = vidkryto_search::catalogue::hex(&Sha256::digest(&normal.csv));
        resource
            .extra
            .insert("hash".into(), format!("sha256:{digest}").into());
    }
    published.created = published.created.as_deref().map(datetime);
    let json = serde_json::to_vec_pretty(&published)?;
    let file = layout.package_file(&package.name);
    write_in(layout, &file, &json).with_context(|| format!("cannot write `{}`", file.display()))?;
    Ok(Some(Published {
        name: published.name.clone(),
        title: published.title.clone(),
        title_en: published.title_en.clone(),
        resources: published.resources.iter().map(|r| r.name.clone()).collect(),
    }))
}

/// Writes `data/catalog.json`: the published packages in configuration order.
pub fn write_catalog(published: &[Published], layout: &Layout) -> anyhow::Result<()> {
    let file = layout.catalog_file();
    write_in(layout, &file, &serde_json::to_vec_pretty(published)?)
        .with_context(|| format!("cannot write `{}`", file.display()))
}

/// Writes `data/portal.json`: the portal's title, description, base URL, publisher, licence
/// and languages, which the server's absolute URLs, DCAT catalogue and CKAN answers use.
pub fn write_portal(portal: &Portal, layout: &Layout) -> anyhow::Result<()> {
    let file = layout.portal_file();
    write_in(layout, &file, &serde_json::to_vec_pretty(portal)?)
        .with_context(|| format!("cannot write `{}`", file.display()))
}

/// Frictionless's `created` is an RFC 3339 date-time: a bare date becomes its midnight UTC.
fn datetime(value: &str) -> String {
    match chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(date) => format!("{date}T00:00:00Z"),
        Err(_) => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_bare_created_date_becomes_a_datetime() {
        assert_eq!(super::datetime("2026-11-22"), "2026-11-22T00:00:00Z");
        assert_eq!(
            super::datetime("2026-11-22T10:00:00Z"),
            "2026-11-22T10:00:00Z"
        );
    }
}
