//! CKAN's objects derived from the published packages: packages with their resources,
//! organisations (a package's publisher), groups (its topic), tags (its keywords) and licences.
//! Nothing here is stored: every object is a view of `catalogue` and has the fields CKAN's
//! own `*_show` gives. Not for: which objects a request asks for (`ckan` actions).

use serde_json::{json, Value};

use super::super::datasets::DataState;
use crate::catalogue::{self, Package, Resource};
use crate::Layout;

/// A CKAN-style name: lower-case ASCII, digits and dashes.
pub(super) fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// CKAN's timestamp shape, always in UTC with `Z`: a bare date is its midnight.
pub(super) fn timestamp(date: Option<&str>) -> Value {
    match date {
        Some(d) if d.len() == 10 => json!(format!("{d}T00:00:00Z")),
        Some(d) if d.ends_with('Z') || d.contains('+') => json!(d),
        Some(d) => json!(format!("{d}Z")),
        None => Value::Null,
    }
}

/// The organisation that publishes `package`: its publisher, or the portal's.
pub(super) fn organization(data: &DataState, package: &Package) -> Option<Value> {
    let (title, title_en) = match package.publisher() {
        Some(p) => (p.title.clone(), p.title_en.clone().unwrap_or_default()),
        None => {
            let portal = &data.catalogue.portal;
            if portal.publisher.is_empty() {
                return None;
            }
            (portal.publisher.clone(), portal.publisher_en.clone())
        }
    };
    let mut name = slug(&title_en);
    if name.is_empty() {
        let hex = catalogue::hex(title.as_bytes());
        name = format!("publisher-{}", &hex[..12.min(hex.len())]);
    }
    Some(json!({
        "id": name,
        "name": name,
        "title": title,
        "title_en": title_en,
        "display_name": title,
        "type": "organization",
        "is_organization": true,
        "state": "active",
        "approval_status": "approved",
        "description": "",
        "image_url": "",
        "image_display_url": "",
        "created": timestamp(data.catalogue.packages.iter().filter_map(|p| p.created.as_deref()).min()),
    }))
}

/// Every organisation, in order of first appearance, with its `package_count`.
pub(super) fn organizations(data: &DataState) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for package in &data.catalogue.packages {
        let Some(mut org) = organization(data, package) else {
            continue;
        };
        match out.iter_mut().find(|o| o["name"] == org["name"]) {
            Some(seen) => {
                let n = seen["package_count"].as_u64().unwrap_or(0) + 1;
                seen["package_count"] = json!(n);
            }
            None => {
                org["package_count"] = json!(1);
                out.push(org);
            }
        }
    }
    out
}

/// The group of a topic.
pub(super) fn group(data: &DataState, code: &str) -> Value {
    let (title, title_en, description) = match catalogue::topic(code) {
        Some(t) => (
            t.title,
            t.title_en,
            t.themes
                .iter()
                .map(|c| catalogue::theme_iri(c))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        None => (code, code, String::new()),
    };
    let count = data
        .catalogue
        .packages
        .iter()
        .filter(|p| p.topic.as_deref() == Some(code))
        .count();
    json!({
        "id": code,
        "name": code,
        "title": title,
        "title_en": title_en,
        "display_name": title,
        "description": description,
        "type": "group",
        "is_organization": false,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        "package_count": count,
    })
}

/// Every topic some package has, in order of first appearance.
pub(super) fn group_names(data: &DataState) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for topic in data
        .catalogue
        .packages
        .iter()
        .filter_map(|p| p.topic.clone())
    {
        if !out.contains(&topic) {
            out.push(topic);
        }
    }
    out
}

pub(super) fn tag(name: &str) -> Value {
    json!({"id": name, "name": name, "display_name": name, "state": "active", "vocabulary_id": Value::Null})
}

/// A licence as CKAN's `license_list` gives it.
pub(super) fn licence(id: &str, title: Option<&str>, url: Option<&str>) -> Value {
    let open = id.starts_with("CC") || id.starts_with("ODC") || id == "OGL-UK-3.0";
    json!({
        "id": id,
        "title": title.unwrap_or(id),
        "url": url.map(str::to_string).or_else(|| licence_url(id)).unwrap_or_default(),
        "status": "active",
        "maintainer": "",
        "family": "",
        "od_conformance": if open { "approved" } else { "not reviewed" },
        "osd_conformance": "not reviewed",
        "domain_content": true,
        "domain_data": true,
        "domain_software": false,
        "is_generic": false,
        "is_okd_compliant": open,
        "is_osi_compliant": false,
    })
}

/// The page of a well-known licence id.
pub(crate) fn licence_url(id: &str) -> Option<String> {
    Some(match id {
        "CC-BY-4.0" => "https://creativecommons.org/licenses/by/4.0/".into(),
        "CC-BY-SA-4.0" => "https://creativecommons.org/licenses/by-sa/4.0/".into(),
        "CC0-1.0" => "https://creativecommons.org/publicdomain/zero/1.0/".into(),
        "ODC-BY-1.0" => "https://opendatacommons.org/licenses/by/1-0/".into(),
        "ODbL-1.0" => "https://opendatacommons.org/licenses/odbl/1-0/".into(),
        _ => return None,
    })
}

/// The resource id CKAN clients pass back: `<dataset>:<resource>`.
pub(super) fn resource_id(package: &Package, resource: &Resource) -> String {
    format!("{}:{}", package.name, resource.name)
}

/// A resource as CKAN's `resource_show` gives it.
pub(super) fn resource(data: &DataState, package: &Package, position: usize) -> Value {
    let origin = data.origin();
    let Some(r) = package.resources.get(position) else {
        return Value::Null;
    };
    let store = data.store(&package.name, &r.name);
    json!({
        "id": resource_id(package, r),
        "package_id": package.name,
        "name": if r.title.is_empty() { &r.name } else { &r.title },
        "description": r.description,
        "format": "CSV",
        "mimetype": "text/csv",
        "url": format!("{origin}{}", Layout::resource_csv_url(&package.name, &r.name)),
        "url_type": Value::Null,
        "datastore_active": store.is_some(),
        "state": "active",
        "position": position,
        "created": timestamp(package.created.as_deref()),
        "last_modified": timestamp(package.modified.as_deref().or(package.created.as_deref())),
        "metadata_modified": timestamp(package.modified.as_deref().or(package.created.as_deref())),
        "size": r.bytes(),
        "hash": r.hash().unwrap_or_default(),
        "resource_type": Value::Null,
        "cache_url": Value::Null,
        "schema": format!("{origin}/data/{}/datapackage.json", package.name),
    })
}

/// A package as CKAN's `package_show` gives it.
pub(super) fn package(data: &DataState, package: &Package) -> Value {
    let origin = data.origin();
    let licence = package.licenses.first();
    let licence_id = licence
        .map(|l| l.name.clone())
        .unwrap_or_else(|| data.catalogue.portal.licence.clone());
    let organization = organization(data, package);
    let resources: Vec<Value> = (0..package.resources.len())
        .map(|i| resource(data, package, i))
        .collect();
    let mut extras = vec![json!({"key": "title_en", "value": package.title_en})];
    if let Some(topic) = &package.topic {
        extras.push(json!({"key": "topic", "value": topic}));
    }
    extras.push(json!({"key": "datapackage", "value": format!("{origin}/data/{}/datapackage.json", package.name)}));
    let groups: Vec<Value> = package
        .topic
        .iter()
        .map(|t| {
            let mut g = group(data, t);
            if let Some(o) = g.as_object_mut() {
                o.remove("package_count");
            }
            g
        })
        .collect();
    json!({
        "id": package.name,
        "name": package.name,
        "title": package.title,
        "notes": package.description,
        "url": format!("{origin}/datasets/{}/", package.name),
        "version": package.version,
        "type": "dataset",
        "state": "active",
        "private": false,
        "isopen": licence_id.starts_with("CC") || licence_id.starts_with("ODC"),
        "license_id": licence_id,
        "license_title": licence.and_then(|l| l.title.clone()).unwrap_or_else(|| licence_id.clone()),
        "license_url": licence.and_then(|l| l.path.clone()).or_else(|| licence_url(&licence_id)),
        "author": package.publisher().map(|p| p.title.clone()),
        "author_email": Value::Null,
        "maintainer": Value::Null,
        "maintainer_email": Value::Null,
        "creator_user_id": Value::Null,
        "metadata_created": timestamp(package.created.as_deref()),
        "metadata_modified": timestamp(package.modified.as_deref().or(package.created.as_deref())),
        "owner_org": organization.as_ref().map(|o| o["id"].clone()),
        "organization": organization,
        "tags": package.keywords.iter().map(|k| tag(k)).collect::<Vec<_>>(),
        "num_tags": package.keywords.len(),
        "groups": groups,
        "relationships_as_object": [],
        "relationships_as_subject": [],
        "extras": extras,
        "resources": resources,
        "num_resources": package.resources.len(),
    })
}
