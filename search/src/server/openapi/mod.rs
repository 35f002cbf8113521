//! The service's one route table and the OpenAPI 3.1 document generated from it. The
//! dispatcher (`server::api`) routes by this same table, so the document cannot list a route
//! the server lacks or miss one it has; routes served elsewhere (`/healthz`) are listed
//! here as `Endpoint::Elsewhere` and tested to answer. Every response has a schema
//! (`schemas`), so schemathesis can hold the bodies to it.

mod schemas;

use serde_json::{json, Map, Value};

/// What a route does; the dispatcher matches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Datasets,
    Dataset,
    Rows,
    Zip,
    /// A CKAN action, by name; served under `/api/3/action/` and `/api/action/`.
    Ckan(&'static str),
    /// `/catalog`: DCAT-AP as JSON-LD, Turtle or RDF/XML by `Accept`.
    DcatNegotiated,
    Dcat,
    DcatTurtle,
    Open311Services,
    Open311Requests,
    Open311Request,
    OpenApi,
    /// `/api/v1/search`: answered off the async threads under a time limit (`search`).
    Search,
    /// Served by another module of the server; documented here.
    Elsewhere,
}

/// A query parameter as documented.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub description: &'static str,
    /// A JSON Schema.
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
    /// The component schema of a 200 answer (`schemas::component`).
    pub schema: &'static str,
    /// A concrete example path, for tests and the readable API page.
    pub example: &'static str,
}

const STRING: &str = r#"{"type": "string"}"#;
const INT: &str = r#"{"type": "integer", "minimum": 0}"#;
const BOOL: &str = r#"{"type": "boolean"}"#;

const ROWS_PARAMS: &[Param] = &[
    q("_sort", STRING, "Sort ascending by this column."),
    q("_sort_desc", STRING, "Sort descending by this column."),
    q("_col", STRING, "Only these columns (repeat or comma-separate)."),
    q("_nocol", STRING, "Every column but these (repeat or comma-separate), as Datasette."),
    q("_size", r#"{"type": "integer", "minimum": 1, "maximum": 1000}"#, "Rows per page: 1 to 1000 (or `max`), default 100. Give it once."),
    q("_next", STRING, "The `next` cursor of the previous page (signed; no offsets)."),
    q("_facet", STRING, "Count values of this column among the matching rows (repeatable; ignored by .csv and .ndjson, as Datasette does)."),
    q("_stream", r#"{"type": "string", "enum": ["on", "off"]}"#, "`on` (CSV and NDJSON only): stream every matching row, ignoring _size and _next."),
    q("_shape", r#"{"type": "string", "enum": ["objects", "object", "array", "arrays"]}"#, "Datasette shapes (.json only): `objects` (default: rows as objects in the envelope), `arrays` (rows as lists), `array` (just the list of row objects), `object` (rows keyed by their primary key, or row number)."),
    q("_nocount", r#"{"type": "string", "enum": ["1", "0", "true", "false", "on", "off"]}"#, "Skip the total count (`total` is null), as Datasette."),
    q("_labels", r#"{"type": "string", "enum": ["1", "0", "true", "false", "on", "off"]}"#, "Accepted for Datasette clients; rows have no foreign-key labels to expand."),
];

const CKAN_ID: &[Param] = &[required("id", STRING, "The dataset name.")];
const CKAN_PAGE: &[Param] = &[
    q("limit", INT, "At most this many."),
    q("offset", INT, "Skip this many."),
];
const CKAN_LIST: &[Param] = &[
    q("all_fields", BOOL, "Return objects, not names."),
    q(
        "sort",
        STRING,
        "`name asc|desc`, `title asc|desc` or `package_count asc|desc`.",
    ),
    q("limit", INT, "At most this many."),
    q("offset", INT, "Skip this many."),
];
const CKAN_SHOW: &[Param] = &[
    required("id", STRING, "The name."),
    q("include_datasets", BOOL, "Include its packages."),
];

const CKAN_SEARCH: &[Param] = &[
    q("q", STRING, "Words to find in titles, descriptions and keywords; `field:value` terms (tags, name, organization, groups, res_format, license_id) filter as in fq."),
    q("fq", STRING, "Filter queries: `field:value` terms (organization, tags, groups, res_format, license_id, name, topic), `field:(a OR b)`, or `metadata_modified:[FROM TO *]`."),
    q("rows", INT, "Results per page, default 10; more than 1000 is 1000."),
    q("start", r#"{"type": "integer", "minimum": 0, "maximum": 1000000}"#, "Offset of the first result."),
    q("sort", STRING, "`score desc`, `name asc|desc`, `title_string asc|desc` or `metadata_modified asc|desc`."),
    q("facet.field", STRING, "JSON list of fields to count: organization, tags, groups, res_format, license_id, topic."),
];

const CKAN_DATASTORE: &[Param] = &[
    required(
        "resource_id",
        STRING,
        "`<dataset>:<resource>`, as package_show gives it.",
    ),
    q(
        "q",
        STRING,
        "Text to find in any column, or a JSON object of column → text.",
    ),
    q(
        "filters",
        STRING,
        "JSON object: {\"column\": value or [values]}.",
    ),
    q("fields", STRING, "Columns: comma-separated or a JSON list."),
    q("sort", STRING, "`column asc|desc`."),
    q(
        "limit",
        r#"{"type": "integer", "minimum": 0, "maximum": 32000}"#,
        "Rows, 0 to 32000, default 100.",
    ),
    q(
        "offset",
        r#"{"type": "integer", "minimum": 0, "maximum": 10000000}"#,
        "Rows to skip (prefer /api/v1 cursors for deep paging).",
    ),
    q(
        "records_format",
        r#"{"type": "string", "enum": ["objects", "lists", "csv", "tsv"]}"#,
        "How records are written.",
    ),
    q(
        "include_total",
        BOOL,
        "Count the matching rows (default true).",
    ),
];

const OPEN311_REQUESTS: &[Param] = &[
    q(
        "jurisdiction_id",
        STRING,
        "Accepted and ignored: this endpoint serves one jurisdiction.",
    ),
    q("service_request_id", STRING, "Comma-separated request ids."),
    q(
        "service_code",
        STRING,
        "Comma-separated service codes (see services.json).",
    ),
    q(
        "start_date",
        r#"{"type": "string", "format": "date-time"}"#,
        "Requested on or after (ISO 8601).",
    ),
    q(
        "end_date",
        r#"{"type": "string", "format": "date-time"}"#,
        "Requested on or before (ISO 8601).",
    ),
    q(
        "status",
        r#"{"type": "string", "enum": ["open", "closed", "open,closed", "closed,open"]}"#,
        "`open`, `closed` or both; requests of unknown status match neither.",
    ),
    q(
        "page",
        r#"{"type": "integer", "minimum": 1, "maximum": 100000}"#,
        "Page number, from 1.",
    ),
    q(
        "page_size",
        r#"{"type": "integer", "minimum": 1, "maximum": 1000}"#,
        "Requests per page, default 100, at most 1000.",
    ),
];

const SEARCH_PARAMS: &[Param] = &[
    required(
        "q",
        r#"{"type": "string", "minLength": 1, "maxLength": 1000}"#,
        "Words (any inflection), \"a phrase\", prefix*, OR, -word.",
    ),
    q(
        "type",
        r#"{"type": "string", "enum": ["document", "appeal", "dataset", "measure", "kpi", "page"]}"#,
        "Only this kind of record (repeat for OR).",
    ),
    q("year", STRING, "Facet filter (repeat for OR)."),
    q("district", STRING, "Facet filter (repeat for OR)."),
    q("category", STRING, "Facet filter (repeat for OR)."),
    q("status", STRING, "Facet filter (repeat for OR)."),
    q("dataset", STRING, "Facet filter (repeat for OR)."),
    q("language", STRING, "Facet filter (repeat for OR)."),
    q(
        "limit",
        r#"{"type": "integer", "minimum": 1, "maximum": 100}"#,
        "Hits per page, default 20.",
    ),
    q("cursor", STRING, "The `next` of the previous page."),
];

const JSON: &[&str] = &["application/json"];

const fn ckan(
    template: &'static str,
    name: &'static str,
    summary: &'static str,
    params: &'static [Param],
    schema: &'static str,
    example: &'static str,
) -> Route {
    Route {
        template,
        endpoint: Endpoint::Ckan(name),
        tag: "ckan",
        summary,
        params,
        media: JSON,
        schema,
        example,
    }
}

/// Every route of the service.
pub const ROUTES: &[Route] = &[
    Route {
        template: "/api/v1/datasets",
        endpoint: Endpoint::Datasets,
        tag: "datasets",
        summary: "The catalogue: every published dataset with its resources, formats and URLs.",
        params: &[],
        media: JSON,
        schema: "Datasets",
        example: "/api/v1/datasets",
    },
    Route {
        template: "/api/v1/datasets/{name}",
        endpoint: Endpoint::Dataset,
        tag: "datasets",
        summary: "One dataset: its full datapackage.json, validation and privacy summaries, links.",
        params: &[],
        media: JSON,
        schema: "Dataset",
        example: "/api/v1/datasets/{dataset}",
    },
    Route {
        template: "/api/v1/datasets/{name}/{resource}.{format}",
        endpoint: Endpoint::Rows,
        tag: "rows",
        summary: "Rows of a resource (format json, csv, ndjson or geojson) with typed filters `{column}__{op}={value}` (op: exact, not, contains, startswith, like, gt, gte, lt, lte, in, notin, date, isnull, notnull; `{column}={value}` is exact; values typed by the Table Schema), sort, columns, facets, cursor paging, streaming and Datasette's shapes.",
        params: ROWS_PARAMS,
        media: &["application/json", "text/csv", "application/x-ndjson", "application/geo+json"],
        schema: "Rows",
        example: "/api/v1/datasets/{dataset}/{resource}.json",
    },
    Route {
        template: "/datasets/{name}.zip",
        endpoint: Endpoint::Zip,
        tag: "datasets",
        summary: "Every resource and datapackage.json of a dataset in one zip.",
        params: &[],
        media: &["application/zip"],
        schema: "Binary",
        example: "/datasets/{dataset}.zip",
    },
    Route {
        template: "/api/v1/search",
        endpoint: Endpoint::Search,
        tag: "search",
        summary: "Full-text search (Ukrainian analysis) over documents, appeals, datasets, measures, indicators and pages, with facet counts and cursor paging.",
        params: SEARCH_PARAMS,
        media: JSON,
        schema: "Search",
        example: "/api/v1/search?q=звернення",
    },
    ckan("/api/3/action/package_list", "package_list", "CKAN: the names of every dataset, sorted.", CKAN_PAGE, "CkanNames", "/api/3/action/package_list"),
    ckan("/api/3/action/current_package_list_with_resources", "current_package_list_with_resources", "CKAN: every dataset with its resources, most recently modified first.", &[q("limit", INT, "At most this many."), q("offset", INT, "Skip this many."), q("page", INT, "Page number (with limit), from 1.")], "CkanPackages", "/api/3/action/current_package_list_with_resources?limit=2"),
    ckan("/api/3/action/package_show", "package_show", "CKAN: one dataset as a CKAN package.", CKAN_ID, "CkanPackage", "/api/3/action/package_show?id={dataset}"),
    ckan("/api/3/action/package_search", "package_search", "CKAN: search datasets, with filter queries and facets.", CKAN_SEARCH, "CkanSearch", "/api/3/action/package_search?q=&rows=10"),
    ckan("/api/3/action/resource_show", "resource_show", "CKAN: one resource.", &[required("id", STRING, "`<dataset>:<resource>`, as package_show gives it.")], "CkanResource", "/api/3/action/resource_show?id={dataset}:{resource}"),
    ckan("/api/3/action/organization_list", "organization_list", "CKAN: the publishers (`all_fields=true` for their details).", CKAN_LIST, "CkanList", "/api/3/action/organization_list"),
    ckan("/api/3/action/organization_show", "organization_show", "CKAN: one publisher.", CKAN_SHOW, "CkanGroup", "/api/3/action/organization_show?id={organization}"),
    ckan("/api/3/action/group_list", "group_list", "CKAN: the topics as groups (`all_fields=true` for their details).", CKAN_LIST, "CkanList", "/api/3/action/group_list"),
    ckan("/api/3/action/group_show", "group_show", "CKAN: one topic group.", CKAN_SHOW, "CkanGroup", "/api/3/action/group_show?id={group}"),
    ckan("/api/3/action/tag_list", "tag_list", "CKAN: every keyword.", &[q("query", STRING, "Only tags containing this."), q("vocabulary_id", STRING, "Tags of this vocabulary (none here)."), q("all_fields", BOOL, "Return tag objects.")], "CkanList", "/api/3/action/tag_list"),
    ckan("/api/3/action/license_list", "license_list", "CKAN: the licences in use.", &[], "CkanLicences", "/api/3/action/license_list"),
    ckan("/api/3/action/status_show", "status_show", "CKAN: the site's title, URL and API level.", &[], "CkanStatus", "/api/3/action/status_show"),
    ckan("/api/3/action/help_show", "help_show", "CKAN: the documentation of an action.", &[required("name", STRING, "The action's name.")], "CkanHelp", "/api/3/action/help_show?name=package_show"),
    ckan("/api/3/action/datastore_search", "datastore_search", "CKAN DataStore: rows of a resource.", CKAN_DATASTORE, "CkanDatastore", "/api/3/action/datastore_search?resource_id={dataset}:{resource}&limit=5"),
    Route {
        template: crate::urls::OPEN311_SERVICES,
        endpoint: Endpoint::Open311Services,
        tag: "open311",
        summary: "Open311 GeoReport v2: the service types (appeal categories).",
        params: &[q("jurisdiction_id", STRING, "Accepted and ignored: one jurisdiction.")],
        media: JSON,
        schema: "Open311Services",
        example: crate::urls::OPEN311_SERVICES,
    },
    Route {
        template: crate::urls::OPEN311_REQUESTS,
        endpoint: Endpoint::Open311Requests,
        tag: "open311",
        summary: "Open311 GeoReport v2: anonymised service requests, newest first, filtered and paged.",
        params: OPEN311_REQUESTS,
        media: JSON,
        schema: "Open311Requests",
        example: crate::urls::OPEN311_REQUESTS,
    },
    Route {
        template: "/open311/v2/requests/{id}.json",
        endpoint: Endpoint::Open311Request,
        tag: "open311",
        summary: "Open311 GeoReport v2: one anonymised service request (a one-element list).",
        params: &[q("jurisdiction_id", STRING, "Accepted and ignored: one jurisdiction.")],
        media: JSON,
        schema: "Open311Requests",
        example: "/open311/v2/requests/{request}.json",
    },
    Route {
        template: "/catalog",
        endpoint: Endpoint::DcatNegotiated,
        tag: "dcat",
        summary: "The DCAT-AP 3 catalogue in the format `Accept` asks for: JSON-LD (default), Turtle or RDF/XML.",
        params: &[],
        media: &["application/ld+json", "text/turtle", "application/rdf+xml"],
        schema: "JsonLd",
        example: "/catalog",
    },
    Route {
        template: "/catalog.jsonld",
        endpoint: Endpoint::Dcat,
        tag: "dcat",
        summary: "The DCAT-AP 3 catalogue as JSON-LD.",
        params: &[],
        media: &["application/ld+json"],
        schema: "JsonLd",
        example: "/catalog.jsonld",
    },
    Route {
        template: "/catalog.ttl",
        endpoint: Endpoint::DcatTurtle,
        tag: "dcat",
        summary: "The same DCAT-AP 3 catalogue as Turtle.",
        params: &[],
        media: &["text/turtle"],
        schema: "Text",
        example: "/catalog.ttl",
    },
    Route {
        template: "/api/openapi.json",
        endpoint: Endpoint::OpenApi,
        tag: "meta",
        summary: "This OpenAPI 3.1 document.",
        params: &[],
        media: JSON,
        schema: "Object",
        example: "/api/openapi.json",
    },
    Route {
        template: "/healthz",
        endpoint: Endpoint::Elsewhere,
        tag: "meta",
        summary: "Liveness: `{\"status\": \"ok\"}`.",
        params: &[],
        media: JSON,
        schema: "Health",
        example: "/healthz",
    },
];

/// The prefix CKAN clients also use for the same actions (`ckanapi` calls `/api/action/`).
pub const CKAN_ALIAS: &str = "/api/action/";
/// The canonical prefix of CKAN actions.
pub const CKAN_PREFIX: &str = "/api/3/action/";

/// The route `path` (already split from its query) matches, with its captures in order.
/// `/api/action/x` is CKAN's other spelling of `/api/3/action/x`.
pub fn route(path: &str) -> Option<(&'static Route, Vec<String>)> {
    let canonical;
    let path = match path.strip_prefix(CKAN_ALIAS) {
        Some(action) => {
            canonical = format!("{CKAN_PREFIX}{action}");
            canonical.as_str()
        }
        None => path,
    };
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
        let operation = operation(route);
        let mut item = json!({ "get": operation });
        if route.tag == "ckan" {
            // CKAN clients POST the same parameters as a JSON object (or a form).
            let mut post = item["get"].clone();
            post["operationId"] = json!(format!("{}_post", operation_id(route.template)));
            post["parameters"] = json!([]);
            let body = body_schema(route);
            post["requestBody"] = json!({
                "required": false,
                "content": {
                    "application/json": {"schema": body},
                    "application/x-www-form-urlencoded": {"schema": body},
                }
            });
            if let Some(responses) = post["responses"].as_object_mut() {
                responses.insert(
                    "413".into(),
                    error_response(
                        "CkanError",
                        "The body is over 64 KiB or has no Content-Length",
                    ),
                );
            }
            item["post"] = post;
        }
        paths.insert(route.template.to_string(), item);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Vidkryto portal API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Datasets, rows, full-text search, the CKAN Action API (also under /api/action/), Open311 GeoReport v2 and the DCAT-AP catalogue. Every GET answers with an ETag (If-None-Match → 304), brotli or gzip on request, CORS `*`, and paged responses carry `Link: rel=\"next\"`. Absolute URLs start with the portal's configured base_url. Other methods get 405 with `Allow`.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "paths": paths,
        "components": {"schemas": schemas::components()},
    })
}

/// Real values of this build for the document's parameters, so a client generating requests
/// from the document (schemathesis' explicit phase) reaches real records, not only 404s.
#[derive(Debug, Default)]
pub struct Examples {
    pub dataset: Option<String>,
    pub resource: Option<String>,
    pub organization: Option<String>,
    pub group: Option<String>,
    pub request: Option<String>,
}

/// [`document`] with `example`s from `examples` on the parameters they name.
pub fn document_with(examples: &Examples) -> Value {
    let mut doc = document();
    let resource_id = match (&examples.dataset, &examples.resource) {
        (Some(d), Some(r)) => Some(format!("{d}:{r}")),
        _ => None,
    };
    let Some(paths) = doc["paths"].as_object_mut() else {
        return doc;
    };
    for (template, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut() {
            let value_for = |name: &str| -> Option<String> {
                match name {
                    "name" | "id" if template.contains("resource_show") => resource_id.clone(),
                    "id" if template.contains("organization_show") => examples.organization.clone(),
                    "id" if template.contains("group_show") => examples.group.clone(),
                    "id" if template.contains("requests/") => examples.request.clone(),
                    "name" if template.contains("help_show") => Some("package_show".into()),
                    "name" | "id" => examples.dataset.clone(),
                    "resource" => examples.resource.clone(),
                    "resource_id" => resource_id.clone(),
                    "format" => Some("json".into()),
                    "q" if template.contains("search") && !template.contains("package") => {
                        Some("звернення".into())
                    }
                    _ => None,
                }
            };
            if let Some(parameters) = operation["parameters"].as_array_mut() {
                for p in parameters {
                    if let Some(v) = p["name"].as_str().and_then(value_for) {
                        p["example"] = json!(v);
                    }
                }
            }
            if let Some(properties) = operation
                .pointer_mut("/requestBody/content/application~1json/schema/properties")
                .and_then(Value::as_object_mut)
            {
                for (name, schema) in properties.iter_mut() {
                    if let Some(v) = value_for(name) {
                        schema["examples"] = json!([v]);
                    }
                }
            }
        }
    }
    doc
}

fn error_response(schema: &str, description: &str) -> Value {
    json!({"description": description,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

fn operation(route: &Route) -> Value {
    let mut parameters: Vec<Value> = path_params(route.template)
        .into_iter()
        .map(|name| {
            let schema = if name == "format" {
                json!({"type": "string", "enum": ["json", "csv", "ndjson", "geojson"]})
            } else {
                json!({"type": "string", "minLength": 1})
            };
            json!({"name": name, "in": "path", "required": true, "schema": schema})
        })
        .collect();
    for p in route.params {
        parameters.push(json!({
            "name": p.name,
            "in": "query",
            "required": p.required,
            "description": p.description,
            "schema": serde_json::from_str::<Value>(p.schema).unwrap_or_else(|_| json!({})),
        }));
    }
    let ok = schemas::component_ref(route.schema);
    let content: Map<String, Value> = route
        .media
        .iter()
        .map(|m| (m.to_string(), json!({"schema": schemas::for_media(m, &ok)})))
        .collect();
    let (errors, codes): (&str, &[(&str, &str)]) = if route.tag == "open311" {
        (
            "Open311Error",
            &[
                ("400", "Bad parameter (GeoReport v2 error list)"),
                ("404", "No such request (GeoReport v2 error list)"),
            ],
        )
    } else if route.tag == "ckan" {
        (
            "CkanError",
            &[
                (
                    "400",
                    "Bad request: an unknown action or a body that is not JSON",
                ),
                (
                    "404",
                    "Not Found Error: no such dataset, resource, organization or group",
                ),
                (
                    "409",
                    "Validation Error: a parameter is missing or invalid; the error names it",
                ),
            ],
        )
    } else {
        (
            "Error",
            &[
                (
                    "400",
                    "Bad parameter, named in the body with the allowed values",
                ),
                ("404", "Not found, with the names there are"),
            ],
        )
    };
    let mut responses = json!({
        "200": {"description": "OK", "content": content},
        "304": {"description": "Not modified (If-None-Match matched the ETag)"},
        "405": {
            "description": "Method not allowed",
            "headers": {"Allow": {"description": "The methods this path answers", "schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{errors}")}}},
        },
    });
    for (code, description) in codes {
        responses[*code] = error_response(errors, description);
    }
    if route.tag == "search" {
        responses["503"] = error_response("Error", "The build has no search index yet");
    }
    json!({
        "operationId": operation_id(route.template),
        "tags": [route.tag],
        "summary": route.summary,
        "parameters": parameters,
        "responses": responses,
    })
}

/// The POST body of a CKAN action: its query parameters as an object.
fn body_schema(route: &Route) -> Value {
    let properties: Map<String, Value> = route
        .params
        .iter()
        .map(|p| {
            (
                p.name.to_string(),
                serde_json::from_str::<Value>(p.schema).unwrap_or_else(|_| json!({})),
            )
        })
        .collect();
    let required: Vec<&str> = route
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name)
        .collect();
    json!({"type": "object", "properties": properties, "required": required})
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
