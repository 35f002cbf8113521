//! `/catalog.jsonld`: the catalogue as DCAT-AP 3 JSON-LD for DCAT harvesters, `/catalog.ttl`:
//! the same document as Turtle (`server::turtle`), and [`schema_org`], the same metadata as a
//! schema.org `Dataset` for dataset pages to embed.

use serde_json::{json, Value};
use warp::reply::Response;

use super::datasets::{json_reply, DataState};
use super::respond::{Cache, Reply, Req};
use super::{turtle, ApiError};
use crate::catalogue::Package;
use crate::Layout;

const CONTEXT: &str = "https://www.w3.org/ns/dcat";

fn licence_uri(package: &Package) -> Option<String> {
    let licence = package.licenses.first()?;
    Some(
        licence
            .path
            .clone()
            .unwrap_or_else(|| match licence.name.as_str() {
                "CC-BY-4.0" => "https://creativecommons.org/licenses/by/4.0/".into(),
                "CC0-1.0" => "https://creativecommons.org/publicdomain/zero/1.0/".into(),
                other => format!("https://spdx.org/licenses/{other}.html"),
            }),
    )
}

fn texts(uk: &str, en: &str) -> Value {
    let mut out = vec![json!({"@value": uk, "@language": "uk"})];
    if !en.is_empty() {
        out.push(json!({"@value": en, "@language": "en"}));
    }
    Value::Array(out)
}

fn date(value: Option<&str>) -> Value {
    match value {
        Some(d) => json!({"@value": d, "@type": "xsd:date"}),
        None => Value::Null,
    }
}

/// One package as a `dcat:Dataset` with a `dcat:Distribution` per resource.
fn dataset(origin: &str, package: &Package) -> Value {
    let page = format!("{origin}/datasets/{}/", package.name);
    let licence = licence_uri(package).map(|l| json!({"@id": l}));
    let distributions: Vec<Value> = package
        .resources
        .iter()
        .map(|r| {
            let csv = format!("{origin}{}", Layout::resource_csv_url(&package.name, &r.name));
            json!({
                "@id": csv,
                "@type": "dcat:Distribution",
                "dct:title": texts(if r.title.is_empty() { &r.name } else { &r.title }, &r.title_en),
                "dcat:accessURL": {"@id": format!("{origin}/api/v1/datasets/{}/{}.json", package.name, r.name)},
                "dcat:downloadURL": {"@id": csv},
                "dct:format": {"@id": "http://publications.europa.eu/resource/authority/file-type/CSV"},
                "dcat:mediaType": {"@id": "https://www.iana.org/assignments/media-types/text/csv"},
                "dct:license": licence,
                "dct:conformsTo": {"@id": format!("{origin}/data/{}/datapackage.json", package.name)},
            })
        })
        .collect();
    let publisher = package.publisher().map(|p| {
        json!({"@type": "foaf:Agent", "foaf:name": texts(&p.title, p.title_en.as_deref().unwrap_or(""))})
    });
    let mut out = json!({
        "@id": page,
        "@type": "dcat:Dataset",
        "dct:identifier": package.name,
        "dct:title": texts(&package.title, &package.title_en),
        "dct:description": texts(&package.description, &package.description_en),
        "dcat:keyword": package.keywords,
        "dcat:landingPage": {"@id": page},
        "dct:publisher": publisher,
        "dct:license": licence,
        "dcat:distribution": distributions,
    });
    if package.created.is_some() {
        out["dct:issued"] = date(package.created.as_deref());
    }
    if package.modified.is_some() {
        out["dct:modified"] = date(package.modified.as_deref());
    }
    if let Some(topic) = &package.topic {
        out["dcat:theme"] = json!(topic);
    }
    out
}

/// The DCAT-AP catalogue document.
pub fn catalogue_document(data: &DataState, origin: &str) -> Value {
    json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": format!("{origin}/catalog.jsonld"),
        "@type": "dcat:Catalog",
        "dct:conformsTo": {"@id": CONTEXT},
        "dct:title": texts("Каталог відкритих даних", "Open data catalogue"),
        "foaf:homepage": {"@id": format!("{origin}/")},
        "dcat:dataset": data.catalogue.packages.iter().map(|p| dataset(origin, p)).collect::<Vec<_>>(),
    })
}

/// `GET /catalog.jsonld`.
pub fn catalogue(data: &DataState, req: &Req) -> Response {
    let body = catalogue_document(data, &req.origin());
    let mut response = json_reply(req, &data.version, &body, Cache::Metadata);
    response.headers_mut().insert(
        "content-type",
        warp::http::HeaderValue::from_static("application/ld+json"),
    );
    response
}

/// `GET /catalog.ttl`.
pub fn catalogue_turtle(data: &DataState, req: &Req) -> Result<Response, ApiError> {
    let mut origin = req.origin();
    if origin.is_empty() {
        // Turtle needs absolute IRIs; a request without `Host` gets them on localhost.
        origin = "http://localhost".into();
    }
    let document = catalogue_document(data, &origin);
    let body = turtle::to_turtle(&document)
        .map_err(|e| ApiError::internal(format!("cannot write the catalogue as Turtle: {e}")))?;
    Ok(Reply::new("text/turtle; charset=utf-8", Cache::Metadata).body(req, &data.version, body))
}

/// A package as schema.org `Dataset` JSON-LD, for `<script type="application/ld+json">` on its
/// page; `origin` is the portal's base URL.
pub fn schema_org(package: &Package, origin: &str) -> Value {
    json!({
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": package.title,
        "alternateName": package.title_en,
        "description": package.description,
        "identifier": package.name,
        "url": format!("{origin}/datasets/{}/", package.name),
        "keywords": package.keywords,
        "license": licence_uri(package),
        "dateCreated": package.created,
        "dateModified": package.modified,
        "inLanguage": "uk",
        "creator": package.publisher().map(|p| json!({"@type": "Organization", "name": p.title})),
        "distribution": package.resources.iter().map(|r| json!({
            "@type": "DataDownload",
            "name": r.name,
            "encodingFormat": "text/csv",
            "contentUrl": format!("{origin}{}", Layout::resource_csv_url(&package.name, &r.name)),
        })).collect::<Vec<_>>(),
    })
}
