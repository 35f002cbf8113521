//! Every public URL path of a portal — site pages, data files, API endpoints, downloads and
//! search-hit targets — built in one place, so the site (which writes the pages) and the index
//! (which links to them) cannot disagree. Not for: where files live on disk (`layout`) or
//! routing requests (`server::openapi`).

use crate::Layout;

/// The default language: its pages have no prefix; every other language's are under `/<lang>/`.
pub const DEFAULT_LANGUAGE: &str = "uk";

/// The path prefix of `lang`'s pages: `""` for the default language, `/en` for English.
pub fn prefix(lang: &str) -> String {
    if lang == DEFAULT_LANGUAGE || lang.is_empty() {
        String::new()
    } else {
        format!("/{lang}")
    }
}

/// A site page in `lang`: `page("en", "datasets/x")` → `/en/datasets/x/`.
pub fn page(lang: &str, path: &str) -> String {
    let path = path.trim_matches('/');
    let prefix = prefix(lang);
    if path.is_empty() {
        format!("{prefix}/")
    } else {
        format!("{prefix}/{path}/")
    }
}

/// The URL slug of an id (`1.1` → `1-1`, `kmr-2011/824` → `kmr-2011-824`): lower-case ASCII,
/// Cyrillic transliterated, every other run of characters one `-`. Page file names and links
/// both use it.
pub fn slug(id: &str) -> String {
    slug::slugify(id)
}

/// A dataset's page.
pub fn dataset(lang: &str, name: &str) -> String {
    page(lang, &format!("datasets/{name}"))
}

/// A budget programme's page (the explorer).
pub fn programme(lang: &str, dataset: &str) -> String {
    page(lang, &format!("budget/{dataset}"))
}

/// A measure's page within its programme, by the measure's id (`2.1`) or position (`3`).
pub fn measure(lang: &str, dataset: &str, measure_id: &str) -> String {
    page(lang, &format!("budget/{dataset}/{}", slug(measure_id)))
}

/// A register document's page, by its `document_id`.
pub fn register_document(lang: &str, document_id: &str) -> String {
    page(lang, &format!("register/{}", slug(document_id)))
}

/// A published (anonymised) appeal's page, by its `id`.
pub fn appeal(lang: &str, id: &str) -> String {
    page(lang, &format!("appeals/{}", slug(id)))
}

/// Published appeals up to this many get a page each; each appeal of a larger set (a city's
/// full register, the synthetic million) links to its row in the rows API instead, so a build
/// does not render a page per appeal.
pub const APPEAL_PAGES_MAX: usize = 5_000;

/// Where a published appeal is shown: its page, or (past [`APPEAL_PAGES_MAX`] published
/// appeals) its row through the rows API.
pub fn appeal_record(
    lang: &str,
    dataset: &str,
    resource: &str,
    id: &str,
    published: usize,
) -> String {
    if published <= APPEAL_PAGES_MAX {
        appeal(lang, id)
    } else {
        let id = percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC);
        format!("{}?id={id}", rows(dataset, resource, "json"))
    }
}

/// A published resource's CSV file.
pub fn resource_csv(dataset: &str, resource: &str) -> String {
    Layout::resource_csv_url(dataset, resource)
}

/// A resource's rows as JSON through the rows API (route `/api/v1/datasets/{name}/{resource}.{format}`).
pub fn rows(dataset: &str, resource: &str, format: &str) -> String {
    format!("/api/v1/datasets/{dataset}/{resource}.{format}")
}

/// A dataset's description through the API.
pub fn dataset_api(dataset: &str) -> String {
    format!("/api/v1/datasets/{dataset}")
}

/// CKAN `package_show` of a dataset.
pub fn package_show(dataset: &str) -> String {
    format!("/api/3/action/package_show?id={dataset}")
}

/// The dataset's ZIP download (every resource and its `datapackage.json`).
pub fn dataset_zip(dataset: &str) -> String {
    format!("/datasets/{dataset}.zip")
}

/// The published `datapackage.json`.
pub fn package_json(dataset: &str) -> String {
    format!("/data/{dataset}/datapackage.json")
}

/// The published validation report.
pub fn validation_json(dataset: &str) -> String {
    format!("/data/{dataset}/validation.json")
}

/// The published privacy report of an anonymised dataset.
pub fn privacy_json(dataset: &str) -> String {
    format!("/data/{dataset}/privacy.json")
}

/// The DCAT-AP catalogue (JSON-LD).
pub const CATALOG_JSONLD: &str = "/catalog.jsonld";

/// Open311 GeoReport v2 over the published appeals: the services (one per category) and
/// the requests.
pub const OPEN311_SERVICES: &str = "/open311/v2/services.json";
pub const OPEN311_REQUESTS: &str = "/open311/v2/requests.json";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_per_language() {
        assert_eq!(page("uk", ""), "/");
        assert_eq!(page("en", "/"), "/en/");
        assert_eq!(dataset("en", "x"), "/en/datasets/x/");
        assert_eq!(measure("uk", "p", "2.1"), "/budget/p/2-1/");
        assert_eq!(measure("uk", "p", "3"), "/budget/p/3/");
        assert_eq!(
            register_document("uk", "KMR-2011/824"),
            "/register/kmr-2011-824/"
        );
        assert_eq!(appeal("en", "a00000000"), "/en/appeals/a00000000/");
        assert_eq!(rows("d", "r", "json"), "/api/v1/datasets/d/r.json");
        assert_eq!(appeal_record("uk", "d", "r", "a1", 22), "/appeals/a1/");
        assert_eq!(
            appeal_record("uk", "d", "r", "a1", APPEAL_PAGES_MAX + 1),
            "/api/v1/datasets/d/r.json?id=a1"
        );
    }
}
