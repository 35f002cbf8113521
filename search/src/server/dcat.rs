//! The catalogue as DCAT-AP 3: `/catalog.jsonld` (JSON-LD), `/catalog.ttl` (the same document
//! as Turtle through `server::turtle`) and `/catalog` (either, by `Accept`), plus
//! [`schema_org`], the same metadata as a schema.org `Dataset` for dataset pages to embed.
//! Values are typed with the classes DCAT-AP's `range.ttl` names, themes are EU data-theme
//! IRIs (`catalogue::TOPICS`), licences, formats and media types the EU / IANA IRIs, and the
//! catalogue is the configured portal's (`data/portal.json`). Absolute IRIs start with the
//! portal's `base_url`, never with the request's `Host`.

use serde_json::{json, Value};
use warp::http::StatusCode;
use warp::reply::Response;

use super::datasets::{json_reply, DataState};
use super::respond::{Cache, Reply, Req};
use super::{turtle, ApiError};
use crate::catalogue::{self, Package, Resource};
use crate::rowstore::Kind;
use crate::Layout;

const EU: &str = "http://publications.europa.eu/resource/authority";

/// The IRI of a licence id: the EU licence vocabulary where it has the licence, else the
/// package's own licence URL, else SPDX.
fn licence_iri(id: &str, path: Option<&str>) -> String {
    let eu = match id {
        "CC-BY-4.0" => "CC_BY_4_0",
        "CC-BY-SA-4.0" => "CC_BYSA_4_0",
        "CC0-1.0" => "CC0",
        "ODC-BY-1.0" => "ODC_BY",
        "ODbL-1.0" => "ODC_BL",
        "OGL-UK-3.0" => "OGL_3_0",
        _ => {
            return path
                .map(str::to_string)
                .unwrap_or_else(|| format!("http://spdx.org/licenses/{id}"))
        }
    };
    format!("{EU}/licence/{eu}")
}

fn licence_uri(package: &Package) -> Option<String> {
    let licence = package.licenses.first()?;
    Some(
        licence
            .path
            .clone()
            .or_else(|| super::ckan::licence_url(&licence.name))
            .unwrap_or_else(|| format!("https://spdx.org/licenses/{}.html", licence.name)),
    )
}

fn texts(uk: &str, en: &str) -> Value {
    let mut out = vec![json!({"@value": uk, "@language": "uk"})];
    if !en.is_empty() {
        out.push(json!({"@value": en, "@language": "en"}));
    }
    Value::Array(out)
}

/// An `xsd:date` or `xsd:dateTime` literal, by the value's shape.
fn date(value: &str) -> Value {
    let kind = if value.len() > 10 {
        "xsd:dateTime"
    } else {
        "xsd:date"
    };
    json!({"@value": value, "@type": kind})
}

fn typed(iri: String, class: &str) -> Value {
    json!({"@id": iri, "@type": class})
}

/// A `skos:Concept` of an EU vocabulary, with its label: the vocabularies are not loaded by
/// harvesters that validate, so the concept carries the label DCAT-AP requires of it.
fn concept(iri: String, label: &str) -> Value {
    json!({"@id": iri, "@type": "skos:Concept", "skos:prefLabel": {"@value": label, "@language": "en"}})
}

fn agent(name: &str, name_en: &str) -> Value {
    json!({"@type": "foaf:Agent", "foaf:name": texts(name, name_en)})
}

/// The years the data covers: year and date columns, and `<name>_<year>` columns (budget
/// tables give a column per year).
fn coverage(data: &DataState, package: &Package) -> Option<(String, String)> {
    let mut span: Option<(String, String)> = None;
    let mut widen = |from: String, to: String| {
        span = Some(match span.take() {
            None => (from, to),
            Some((a, b)) => (a.min(from), b.max(to)),
        });
    };
    for resource in &package.resources {
        let Some(store) = data.store(&package.name, &resource.name) else {
            continue;
        };
        for column in &store.columns {
            if let Some(year) = column.name.rsplit_once('_').map(|(_, y)| y).filter(|y| {
                y.len() == 4 && y.parse::<u16>().is_ok_and(|n| (1900..2200).contains(&n))
            }) {
                widen(format!("{year}-01-01"), format!("{year}-12-31"));
            }
            let len = column.dict_len();
            if len < 2 {
                continue;
            }
            let (first, last) = (column.text(1), column.text(len - 1));
            let is_year =
                |v: &str| v.len() == 4 && v.parse::<u16>().is_ok_and(|n| (1900..2200).contains(&n));
            match column.kind {
                Kind::Year => widen(format!("{first}-01-01"), format!("{last}-12-31")),
                Kind::Integer if column.name == "year" && is_year(first) && is_year(last) => {
                    widen(format!("{first}-01-01"), format!("{last}-12-31"))
                }
                Kind::Date | Kind::DateTime => {
                    let day = |v: &str| v.get(..10).unwrap_or(v).to_string();
                    widen(day(first), day(last))
                }
                _ => {}
            }
        }
    }
    span
}

fn distribution(data: &DataState, package: &Package, r: &Resource) -> Value {
    let origin = base(data);
    let csv = format!(
        "{origin}{}",
        Layout::resource_csv_url(&package.name, &r.name)
    );
    let licence = package
        .licenses
        .first()
        .map(|l| licence_iri(&l.name, l.path.as_deref()))
        .unwrap_or_else(|| licence_iri(&data.catalogue.portal.licence, None));
    let title = if r.title.is_empty() {
        &r.name
    } else {
        &r.title
    };
    let description = if r.description.is_empty() {
        title
    } else {
        &r.description
    };
    let description_en = if r.description_en.is_empty() {
        &r.title_en
    } else {
        &r.description_en
    };
    let mut out = json!({
        "@id": csv,
        "@type": "dcat:Distribution",
        "dct:title": texts(title, &r.title_en),
        "dct:description": texts(description, description_en),
        "dcat:accessURL": {"@id": format!("{origin}/api/v1/datasets/{}/{}.json", package.name, r.name)},
        "dcat:downloadURL": {"@id": csv},
        "dct:format": typed(format!("{EU}/file-type/CSV"), "dct:MediaTypeOrExtent"),
        "dcat:mediaType": typed("http://www.iana.org/assignments/media-types/text/csv".into(), "dct:MediaType"),
        "dct:license": typed(licence, "dct:LicenseDocument"),
        "dct:conformsTo": typed(format!("{origin}/data/{}/datapackage.json", package.name), "dct:Standard"),
        "dcatap:availability": concept(format!("{EU}/planned-availability/STABLE"), "stable"),
    });
    if let Some(bytes) = r.bytes() {
        out["dcat:byteSize"] =
            json!({"@value": bytes.to_string(), "@type": "xsd:nonNegativeInteger"});
    }
    if let Some(hex) = r.hash().and_then(|h| h.strip_prefix("sha256:")) {
        out["spdx:checksum"] = json!({
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
            "spdx:checksumValue": {"@value": hex, "@type": "xsd:hexBinary"},
        });
    }
    out
}

/// One package as a `dcat:Dataset` with a `dcat:Distribution` per resource.
fn dataset(data: &DataState, package: &Package) -> Value {
    let origin = base(data);
    let portal = &data.catalogue.portal;
    let page = format!("{origin}/datasets/{}/", package.name);
    let (publisher, publisher_en) = match package.publisher() {
        Some(p) => (p.title.clone(), p.title_en.clone().unwrap_or_default()),
        None => (portal.publisher.clone(), portal.publisher_en.clone()),
    };
    let mut out = json!({
        "@id": page,
        "@type": "dcat:Dataset",
        "dct:identifier": package.name,
        "dct:title": texts(&package.title, &package.title_en),
        "dct:description": texts(&package.description, &package.description_en),
        "dcat:keyword": package.keywords.iter().map(|k| json!({"@value": k, "@language": "uk"}))
            .chain(package.keywords_en.iter().map(|k| json!({"@value": k, "@language": "en"})))
            .collect::<Vec<_>>(),
        "dcat:landingPage": typed(page.clone(), "foaf:Document"),
        "dct:publisher": agent(&publisher, &publisher_en),
        "dcat:contactPoint": {
            "@type": ["vcard:Organization", "vcard:Kind"],
            "vcard:fn": texts(&publisher, &publisher_en),
            "vcard:hasURL": {"@id": format!("{origin}/")},
        },
        "dct:language": languages(data),
        "dcat:distribution": package.resources.iter().map(|r| distribution(data, package, r)).collect::<Vec<_>>(),
    });
    if let Some(created) = &package.created {
        out["dct:issued"] = date(created);
    }
    if let Some(modified) = package.modified.as_ref().or(package.created.as_ref()) {
        out["dct:modified"] = date(modified);
    }
    if let Some(topic) = package.topic.as_deref().and_then(catalogue::topic) {
        out["dcat:theme"] = Value::Array(
            topic
                .themes
                .iter()
                .map(|code| concept(catalogue::theme_iri(code), catalogue::theme_label(code)))
                .collect(),
        );
    }
    if let Some(spatial) = &portal.spatial {
        out["dct:spatial"] = typed(spatial.clone(), "dct:Location");
    }
    if let Some((start, end)) = coverage(data, package) {
        out["dct:temporal"] = json!({
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": date(&start),
            "dcat:endDate": date(&end),
        });
    }
    out
}

/// The portal's languages as EU language IRIs.
fn languages(data: &DataState) -> Value {
    let mut codes: Vec<&str> = data
        .catalogue
        .portal
        .languages
        .iter()
        .filter_map(|l| match l.as_str() {
            "uk" => Some("UKR"),
            "en" => Some("ENG"),
            _ => None,
        })
        .collect();
    if codes.is_empty() {
        codes.push("UKR");
    }
    Value::Array(
        codes
            .into_iter()
            .map(|c| typed(format!("{EU}/language/{c}"), "dct:LinguisticSystem"))
            .collect(),
    )
}

/// Where absolute IRIs start: the portal's `base_url`, or (a build without `portal.json`)
/// `http://localhost`, since RDF needs absolute IRIs.
fn base(data: &DataState) -> String {
    match data.origin() {
        "" => "http://localhost".into(),
        origin => origin.to_string(),
    }
}

/// The DCAT-AP catalogue document.
pub fn catalogue_document(data: &DataState) -> Value {
    let origin = base(data);
    let portal = &data.catalogue.portal;
    let packages = &data.catalogue.packages;
    let datasets: Vec<Value> = packages.iter().map(|p| dataset(data, p)).collect();
    let (title, title_en) = if portal.title.is_empty() {
        ("Каталог відкритих даних", "Open data catalogue")
    } else {
        (portal.title.as_str(), portal.title_en.as_str())
    };
    let mut out = json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "dcatap": "http://data.europa.eu/r5r/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "skos": "http://www.w3.org/2004/02/skos/core#",
            "spdx": "http://spdx.org/rdf/terms#",
            "vcard": "http://www.w3.org/2006/vcard/ns#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": format!("{origin}/catalog"),
        "@type": "dcat:Catalog",
        "dct:title": texts(title, title_en),
        "dct:description": texts(
            if portal.description.is_empty() { title } else { &portal.description },
            if portal.description_en.is_empty() { title_en } else { &portal.description_en },
        ),
        "dct:publisher": agent(
            if portal.publisher.is_empty() { title } else { &portal.publisher },
            &portal.publisher_en,
        ),
        "foaf:homepage": typed(format!("{origin}/"), "foaf:Document"),
        "dct:language": languages(data),
        "dcat:themeTaxonomy": {
            "@id": format!("{EU}/data-theme"),
            "@type": "skos:ConceptScheme",
            "dct:title": {"@value": "Data theme", "@language": "en"},
        },
        "dcat:dataset": datasets,
    });
    if !portal.licence.is_empty() {
        out["dct:license"] = typed(licence_iri(&portal.licence, None), "dct:LicenseDocument");
    }
    if let Some(spatial) = &portal.spatial {
        out["dct:spatial"] = typed(spatial.clone(), "dct:Location");
    }
    if let Some(issued) = packages.iter().filter_map(|p| p.created.as_deref()).min() {
        out["dct:issued"] = date(issued);
    }
    if let Some(modified) = packages
        .iter()
        .filter_map(|p| p.modified.as_deref().or(p.created.as_deref()))
        .max()
    {
        out["dct:modified"] = date(modified);
    }
    out
}

/// `GET /catalog.jsonld`.
pub fn catalogue(data: &DataState, req: &Req) -> Response {
    let body = catalogue_document(data);
    let mut response = json_reply(req, &data.version, &body, Cache::Metadata);
    response.headers_mut().insert(
        "content-type",
        warp::http::HeaderValue::from_static("application/ld+json"),
    );
    response
}

/// `GET /catalog.ttl`.
pub fn catalogue_turtle(data: &DataState, req: &Req) -> Result<Response, ApiError> {
    let document = catalogue_document(data);
    let body = turtle::to_turtle(&document)
        .map_err(|e| ApiError::internal(format!("cannot write the catalogue as Turtle: {e}")))?;
    Ok(Reply::new("text/turtle; charset=utf-8", Cache::Metadata).body(req, &data.version, body))
}

/// The formats `/catalog` offers, best first when the client accepts several equally.
const OFFERED: [&str; 2] = ["application/ld+json", "text/turtle"];

/// The offered type `accept` prefers (RFC 9110 q-values; `*/*`, `application/*` and
/// `application/json` mean JSON-LD); `None` when it accepts none of them.
fn choose(accept: Option<&str>) -> Option<&'static str> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(OFFERED[0]);
    };
    let mut best: Option<(f32, usize)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|v| v.parse::<f32>().ok())
            })
            .next()
            .unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        let offer = match media.as_str() {
            "*/*" | "application/*" | "application/ld+json" | "application/json" => 0,
            "text/*" | "text/turtle" | "application/x-turtle" => 1,
            _ => continue,
        };
        if best.is_none_or(|(bq, bo)| q > bq || (q == bq && offer < bo)) {
            best = Some((q, offer));
        }
    }
    best.map(|(_, offer)| OFFERED[offer])
}

/// `GET /catalog`: JSON-LD or Turtle, as `Accept` asks.
pub fn negotiated(data: &DataState, req: &Req) -> Result<Response, ApiError> {
    let mut response = match choose(req.header_str("accept")) {
        Some("text/turtle") => catalogue_turtle(data, req)?,
        Some(_) => catalogue(data, req),
        None => {
            let mut error = ApiError::not_found(
                "the catalogue is served as application/ld+json or text/turtle; ask for one in Accept",
            )
            .with_parameter("Accept")
            .with_allowed(OFFERED);
            error.status = StatusCode::NOT_ACCEPTABLE;
            error.code = "not-acceptable";
            return Err(error);
        }
    };
    response.headers_mut().insert(
        "vary",
        warp::http::HeaderValue::from_static("Accept, Accept-Encoding"),
    );
    Ok(response)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_picks_the_format() {
        assert_eq!(choose(None), Some("application/ld+json"));
        assert_eq!(choose(Some("text/turtle")), Some("text/turtle"));
        assert_eq!(
            choose(Some("application/ld+json;q=0.5, text/turtle")),
            Some("text/turtle")
        );
        assert_eq!(choose(Some("*/*")), Some("application/ld+json"));
        assert_eq!(choose(Some("image/png")), None);
    }

    #[test]
    fn licences_are_eu_iris() {
        assert_eq!(
            licence_iri("CC-BY-4.0", None),
            "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
        );
    }
}
