//! The service's one route table and the OpenAPI 3.1 document generated from it. The
//! dispatcher (`server::api`) routes by this same table, so the document cannot list a route
//! the server lacks or miss one it has; routes served elsewhere (`/healthz`, search) are listed
//! here as `Endpoint::Elsewhere` and tested to answer.

use serde_json::{json, Map, Value};

/// What a route does; the dispatcher matches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Datasets,
    Dataset,
    Rows,
    Zip,
    CkanPackageList,
    CkanPackageShow,
    CkanPackageSearch,
    CkanOrganizationList,
    CkanDatastoreSearch,
    Dcat,
    DcatTurtle,
    OpenApi,
    /// Served by another module of the server; documented here.
    Elsewhere,
}

/// A query parameter as documented.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub description: &'static str,
    pub schema: &'static str,
    pub required: bool,
}

const fn q(name: &'static str, schema: &'static str, description: &'static str) -> Param {
    Param {
        name,
        description,
        schema,
        required: false,
    }
}

const fn required(name: &'static str, schema: &'static str, description: &'static str) -> Param {
    Param {
        name,
        description,
        schema,
        required: true,
    }
}

/// One route: a GET path template (`{x}` captures a segment; `{x}.{y}` splits at the last dot).
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub template: &'static str,
    pub endpoint: Endpoint,
    pub tag: &'static str,
    pub summary: &'static str,
    pub params: &'static [Param],
    /// Response media types.
    pub media: &'static [&'static str],
    /// A concrete example path, for tests and the readable API page.
    pub example: &'static str,
}

const ROWS_PARAMS: &[Param] = &[
    q("{column}__{op}", "string", "Filter: op is one of exact, not, contains, startswith, gt, gte, lt, lte, in (comma-separated or a JSON list), isnull, notnull. Values are typed by the Table Schema (a date compares as a date); contains and startswith ignore letter case. `{column}={value}` is `exact`."),
    q("_sort", "string", "Sort ascending by this column."),
    q("_sort_desc", "string", "Sort descending by this column."),
    q("_col", "string", "Only these columns (repeat or comma-separate)."),
    q("_size", "string", "Rows per page: 1 to 1000 (or `max`), default 100."),
    q("_next", "string", "The `next` cursor of the previous page (signed; no offsets)."),
    q("_facet", "string", "Count values of this column among the matching rows (repeatable)."),
    q("_stream", "string", "`on` (CSV and NDJSON only): stream every matching row, ignoring _size and _next."),
];

const CKAN_ID: &[Param] = &[required("id", "string", "The dataset name.")];

const CKAN_SEARCH: &[Param] = &[
    q("q", "string", "Words to find in titles, descriptions and keywords."),
    q("fq", "string", "Filter queries: `field:value` terms (organization, tags, res_format, license_id, name, topic) or `metadata_modified:[FROM TO *]`."),
    q("rows", "integer", "Results per page, 0 to 1000, default 10."),
    q("start", "integer", "Offset of the first result."),
    q("sort", "string", "`score desc`, `name asc|desc`, `title_string asc|desc` or `metadata_modified asc|desc`."),
    q("facet.field", "string", "JSON list of fields to count: organization, tags, res_format, license_id, topic."),
];

const CKAN_DATASTORE: &[Param] = &[
    required(
        "resource_id",
        "string",
        "`<dataset>:<resource>`, as package_show gives it.",
    ),
    q("q", "string", "Text to find in any column."),
    q(
        "filters",
        "string",
        "JSON object: {\"column\": value or [values]}.",
    ),
    q("fields", "string", "Comma-separated columns."),
    q("sort", "string", "`column asc|desc`."),
    q("limit", "integer", "Rows, 0 to 32000, default 100."),
    q(
        "offset",
        "integer",
        "Rows to skip (prefer /api/v1 cursors for deep paging).",
    ),
];

/// Every route of the service.
pub const ROUTES: &[Route] = &[
    Route {
        template: "/api/v1/datasets",
        endpoint: Endpoint::Datasets,
        tag: "datasets",
        summary: "The catalogue: every published dataset with its resources, formats and URLs.",
        params: &[],
        media: &["application/json"],
        example: "/api/v1/datasets",
    },
    Route {
        template: "/api/v1/datasets/{name}",
        endpoint: Endpoint::Dataset,
        tag: "datasets",
        summary: "One dataset: its full datapackage.json, validation and privacy summaries, links.",
        params: &[],
        media: &["application/json"],
        example: "/api/v1/datasets/{dataset}",
    },
    Route {
        template: "/api/v1/datasets/{name}/{resource}.{format}",
        endpoint: Endpoint::Rows,
        tag: "rows",
        summary: "Rows of a resource (format json, csv, ndjson or geojson) with typed filters, sort, columns, facets, cursor paging and streaming.",
        params: ROWS_PARAMS,
        media: &["application/json", "text/csv", "application/x-ndjson", "application/geo+json"],
        example: "/api/v1/datasets/{dataset}/{resource}.json",
    },
    Route {
        template: "/datasets/{name}.zip",
        endpoint: Endpoint::Zip,
        tag: "datasets",
        summary: "Every resource and datapackage.json of a dataset in one zip.",
        params: &[],
        media: &["application/zip"],
        example: "/datasets/{dataset}.zip",
    },
    Route {
        template: "/api/3/action/package_list",
        endpoint: Endpoint::CkanPackageList,
        tag: "ckan",
        summary: "CKAN: the names of every dataset.",
        params: &[],
        media: &["application/json"],
        example: "/api/3/action/package_list",
    },
    Route {
        template: "/api/3/action/package_show",
        endpoint: Endpoint::CkanPackageShow,
        tag: "ckan",
        summary: "CKAN: one dataset as a CKAN package.",
        params: CKAN_ID,
        media: &["application/json"],
        example: "/api/3/action/package_show?id={dataset}",
    },
    Route {
        template: "/api/3/action/package_search",
        endpoint: Endpoint::CkanPackageSearch,
        tag: "ckan",
        summary: "CKAN: search datasets, with filter queries and facets.",
        params: CKAN_SEARCH,
        media: &["application/json"],
        example: "/api/3/action/package_search?q=&rows=10",
    },
    Route {
        template: "/api/3/action/organization_list",
        endpoint: Endpoint::CkanOrganizationList,
        tag: "ckan",
        summary: "CKAN: the publishers (`all_fields=true` for their details).",
        params: &[q("all_fields", "boolean", "Return organization objects, not names.")],
        media: &["application/json"],
        example: "/api/3/action/organization_list",
    },
    Route {
        template: "/api/3/action/datastore_search",
        endpoint: Endpoint::CkanDatastoreSearch,
        tag: "ckan",
        summary: "CKAN DataStore: rows of a resource.",
        params: CKAN_DATASTORE,
        media: &["application/json"],
        example: "/api/3/action/datastore_search?resource_id={dataset}:{resource}&limit=5",
    },
    Route {
        template: "/catalog.jsonld",
        endpoint: Endpoint::Dcat,
        tag: "dcat",
        summary: "The DCAT-AP 3 catalogue as JSON-LD.",
        params: &[],
        media: &["application/ld+json"],
        example: "/catalog.jsonld",
    },
    Route {
        template: "/catalog.ttl",
        endpoint: Endpoint::DcatTurtle,
        tag: "dcat",
        summary: "The same DCAT-AP 3 catalogue as Turtle.",
        params: &[],
        media: &["text/turtle"],
        example: "/catalog.ttl",
    },
    Route {
        template: "/api/openapi.json",
        endpoint: Endpoint::OpenApi,
        tag: "meta",
        summary: "This OpenAPI 3.1 document.",
        params: &[],
        media: &["application/json"],
        example: "/api/openapi.json",
    },
    Route {
        template: "/healthz",
        endpoint: Endpoint::Elsewhere,
        tag: "meta",
        summary: "Liveness: `{\"status\": \"ok\"}`.",
        params: &[],
        media: &["application/json"],
        example: "/healthz",
    },
];

/// The route `path` (already split from its query) matches, with its captures in order.
pub fn route(path: &str) -> Option<(&'static Route, Vec<String>)> {
    ROUTES
        .iter()
        .find_map(|r| captures(r.template, path).map(|c| (r, c)))
}

fn captures(template: &str, path: &str) -> Option<Vec<String>> {
    let wanted: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    let given: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if wanted.len() != given.len() {
        return None;
    }
    let mut out = Vec::new();
    for (w, g) in wanted.into_iter().zip(given) {
        let g = percent_decode(g)?;
        if !w.contains('{') {
            if w != g {
                return None;
            }
        } else if let Some((_, right)) = w.split_once("}.") {
            let (head, tail) = g.rsplit_once('.')?;
            if head.is_empty() {
                return None;
            }
            out.push(head.to_string());
            if right.starts_with('{') {
                out.push(tail.to_string());
            } else if tail != right {
                return None;
            }
        } else {
            if g.is_empty() {
                return None;
            }
            out.push(g);
        }
    }
    Some(out)
}

fn percent_decode(segment: &str) -> Option<String> {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// The OpenAPI 3.1 document of [`ROUTES`].
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let mut parameters: Vec<Value> = path_params(route.template)
            .into_iter()
            .map(|name| {
                let mut schema = json!({"type": "string"});
                if name == "format" {
                    schema =
                        json!({"type": "string", "enum": ["json", "csv", "ndjson", "geojson"]});
                }
                json!({"name": name, "in": "path", "required": true, "schema": schema})
            })
            .collect();
        for p in route.params {
            parameters.push(json!({
                "name": p.name,
                "in": "query",
                "required": p.required,
                "description": p.description,
                "schema": {"type": p.schema},
            }));
        }
        let content: Map<String, Value> = route
            .media
            .iter()
            .map(|m| (m.to_string(), json!({})))
            .collect();
        let error = json!({"description": "Bad request or not found, with a JSON body naming the parameter and the allowed values",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
        let operation = json!({
            "operationId": operation_id(route.template),
            "tags": [route.tag],
            "summary": route.summary,
            "parameters": parameters,
            "responses": {
                "200": {"description": "OK", "content": content},
                "304": {"description": "Not modified (If-None-Match matched the ETag)"},
                "400": error.clone(),
                "404": error,
            }
        });
        let mut item = json!({ "get": operation });
        if route.tag == "ckan" {
            // CKAN clients POST the same parameters as a JSON object (or a form).
            let mut post = item["get"].clone();
            post["operationId"] = json!(format!("{}_post", operation_id(route.template)));
            post["parameters"] = json!([]);
            post["requestBody"] = json!({
                "required": false,
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                }
            });
            item["post"] = post;
        }
        paths.insert(route.template.to_string(), item);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Vidkryto portal API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Datasets, rows, CKAN Action API subset, DCAT-AP catalogue. Every GET answers with an ETag (If-None-Match → 304), brotli or gzip on request, CORS `*`, and paged responses carry `Link: rel=\"next\"`.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "paths": paths,
        "components": {"schemas": {"Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {
                "type": "object",
                "required": ["status", "code", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "parameter": {"type": "string"},
                    "allowed": {"type": "array", "items": {"type": "string"}},
                }
            }}
        }}},
    })
}

/// The `{name}`s of a template, in order.
pub fn path_params(template: &str) -> Vec<String> {
    template
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

fn operation_id(template: &str) -> String {
    let id: String = template
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    id.trim_matches('_').replace("__", "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_capture_segments_and_extensions() {
        let (r, c) = route("/api/v1/datasets/kyiv-appeals/appeals.json").unwrap();
        assert_eq!(r.endpoint, Endpoint::Rows);
        assert_eq!(c, ["kyiv-appeals", "appeals", "json"]);
        let (r, c) = route("/datasets/x.y.zip").unwrap();
        assert_eq!(r.endpoint, Endpoint::Zip);
        assert_eq!(c, ["x.y"]);
        assert!(route("/datasets/x.tar").is_none());
        assert!(route("/api/v1/datasets/").is_none());
        assert_eq!(route("/api/v1/datasets/%D0%B0").unwrap().1, ["а"]);
    }

    #[test]
    fn operation_ids_are_unique() {
        let mut ids: Vec<String> = ROUTES.iter().map(|r| operation_id(r.template)).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ROUTES.len());
    }
}
