//! The JSON Schemas of every response body the route table documents, as OpenAPI 3.1
//! components. Kept loose where the data decides (a row's columns, a package's datapackage),
//! strict where the shape is ours or the standard's (CKAN envelopes, Open311, errors).

use serde_json::{json, Value};

/// `{"$ref": "#/components/schemas/<name>"}`.
pub fn component_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// The schema of a 200 body in `media`: JSON media get `ok`, GeoJSON its own, text a string.
pub fn for_media(media: &str, ok: &Value) -> Value {
    match media {
        "application/json" | "application/ld+json" => ok.clone(),
        "application/geo+json" => component_ref("GeoJson"),
        _ => json!({"type": "string"}),
    }
}

fn nullable(kind: &str) -> Value {
    json!({"type": [kind, "null"]})
}

/// A CKAN success envelope around `result`.
fn ckan_ok(result: Value) -> Value {
    json!({
        "type": "object",
        "required": ["help", "success", "result"],
        "properties": {
            "help": {"type": "string"},
            "success": {"const": true},
            "result": result,
        }
    })
}

fn ckan_package() -> Value {
    json!({
        "type": "object",
        "required": ["id", "name", "title", "resources", "metadata_modified", "tags", "organization"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "title": {"type": "string"},
            "notes": {"type": "string"},
            "metadata_created": nullable("string"),
            "metadata_modified": nullable("string"),
            "license_id": nullable("string"),
            "num_resources": {"type": "integer"},
            "num_tags": {"type": "integer"},
            "tags": {"type": "array", "items": ckan_named()},
            "groups": {"type": "array", "items": ckan_named()},
            "organization": {"type": ["object", "null"]},
            "resources": {"type": "array", "items": ckan_resource()},
        }
    })
}

fn ckan_named() -> Value {
    json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}})
}

fn ckan_resource() -> Value {
    json!({
        "type": "object",
        "required": ["id", "package_id", "url", "format"],
        "properties": {
            "id": {"type": "string"},
            "package_id": {"type": "string"},
            "url": {"type": "string"},
            "format": {"type": "string"},
            "size": nullable("integer"),
            "hash": {"type": "string"},
            "datastore_active": {"type": "boolean"},
        }
    })
}

fn open311_request() -> Value {
    json!({
        "type": "object",
        "required": ["service_request_id", "service_code", "service_name", "requested_datetime"],
        "properties": {
            "service_request_id": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "service_code": {"type": "string"},
            "service_name": {"type": "string"},
            "description": {"type": "string"},
            "requested_datetime": {"type": "string"},
            "address": {"type": "string"},
            "lat": {"type": "number"},
            "long": {"type": "number"},
        }
    })
}

/// Every component schema.
pub fn components() -> Value {
    json!({
        "Error": {
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
        },
        "CkanError": {
            "type": "object",
            "required": ["help", "success", "error"],
            "properties": {
                "help": {"type": "string"},
                "success": {"const": false},
                "error": {
                    "type": "object",
                    "required": ["__type", "message"],
                    "properties": {"__type": {"type": "string"}, "message": {"type": "string"}},
                    "additionalProperties": {"type": ["array", "string"]},
                },
            }
        },
        "Open311Error": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "description"],
                "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
            }
        },
        "Datasets": {
            "type": "object",
            "required": ["total", "datasets"],
            "properties": {
                "total": {"type": "integer"},
                "datasets": {"type": "array", "items": {"$ref": "#/components/schemas/DatasetEntry"}},
            }
        },
        "DatasetEntry": {
            "type": "object",
            "required": ["name", "title", "url", "resources"],
            "properties": {
                "name": {"type": "string"},
                "title": {"type": "string"},
                "url": {"type": "string"},
                "datapackage": {"type": "string"},
                "open311": {"type": ["object", "null"], "description": "The Open311 GeoReport v2 endpoints, for the appeals dataset"},
                "resources": {"type": "array", "items": {
                    "type": "object",
                    "required": ["name", "formats"],
                    "properties": {"name": {"type": "string"}, "rows": nullable("integer"), "formats": {"type": "object"}},
                }},
            }
        },
        "Dataset": {
            "allOf": [{"$ref": "#/components/schemas/DatasetEntry"}],
            "required": ["datapackage_json"],
            "properties": {"datapackage_json": {"type": "object"}},
        },
        "Rows": {
            "description": "The default shape: an object with the page's rows; `_shape=array` gives the list of row objects alone, `_shape=object` an object of rows by key.",
            "type": ["object", "array"],
            "properties": {
                "total": nullable("integer"),
                "next": nullable("string"),
                "next_url": nullable("string"),
                "columns": {"type": "array", "items": {"type": "string"}},
                "rows": {"type": "array", "items": {"type": ["object", "array"]}},
            }
        },
        "GeoJson": {
            "type": "object",
            "required": ["type", "features"],
            "properties": {"type": {"const": "FeatureCollection"}, "features": {"type": "array"}},
        },
        "Search": {
            "type": "object",
            "required": ["total", "limit", "hits", "facets", "fuzzy"],
            "properties": {
                "total": {"type": "integer"},
                "limit": {"type": "integer"},
                "offset": {"type": "integer"},
                "fuzzy": {"type": "boolean"},
                "next": nullable("string"),
                "hits": {"type": "array", "items": {
                    "type": "object",
                    "required": ["type", "id", "title", "url"],
                    "properties": {
                        "type": {"type": "string"},
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "snippet": {"type": "string"},
                        "url": {"type": "string"},
                        "score": {"type": "number"},
                    }
                }},
                "facets": {"type": "object", "additionalProperties": {"type": "array", "items": {
                    "type": "object",
                    "required": ["value", "count"],
                    "properties": {"value": {"type": "string"}, "count": {"type": "integer"}},
                }}},
            }
        },
        "CkanNames": ckan_ok(json!({"type": "array", "items": {"type": "string"}})),
        "CkanList": ckan_ok(json!({"type": "array", "items": {"type": ["string", "object"]}})),
        "CkanPackage": ckan_ok(ckan_package()),
        "CkanPackages": ckan_ok(json!({"type": "array", "items": ckan_package()})),
        "CkanResource": ckan_ok(ckan_resource()),
        "CkanSearch": ckan_ok(json!({
            "type": "object",
            "required": ["count", "results", "facets", "search_facets"],
            "properties": {
                "count": {"type": "integer"},
                "results": {"type": "array", "items": ckan_package()},
                "facets": {"type": "object"},
                "search_facets": {"type": "object"},
            }
        })),
        "CkanGroup": ckan_ok(json!({
            "type": "object",
            "required": ["id", "name", "title", "package_count"],
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "title": {"type": "string"},
                "package_count": {"type": "integer"},
                "packages": {"type": "array", "items": ckan_package()},
            }
        })),
        "CkanLicences": ckan_ok(json!({"type": "array", "items": {
            "type": "object",
            "required": ["id", "title", "url"],
            "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "url": {"type": "string"}},
        }})),
        "CkanStatus": ckan_ok(json!({
            "type": "object",
            "required": ["site_title", "site_url", "ckan_version"],
            "properties": {"site_title": {"type": "string"}, "site_url": {"type": "string"}, "ckan_version": {"type": "string"}},
        })),
        "CkanHelp": ckan_ok(json!({"type": "string"})),
        "CkanDatastore": ckan_ok(json!({
            "type": "object",
            "required": ["resource_id", "fields", "records", "limit", "offset"],
            "properties": {
                "resource_id": {"type": "string"},
                "fields": {"type": "array", "items": {
                    "type": "object",
                    "required": ["id", "type"],
                    "properties": {"id": {"type": "string"}, "type": {"type": "string"}},
                }},
                "records": {"type": ["array", "string"]},
                "total": {"type": "integer"},
                "limit": {"type": "integer"},
                "offset": {"type": "integer"},
            }
        })),
        "Open311Services": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["service_code", "service_name", "metadata", "type"],
                "properties": {
                    "service_code": {"type": "string"},
                    "service_name": {"type": "string"},
                    "description": {"type": "string"},
                    "metadata": {"type": "boolean"},
                    "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
                    "keywords": {"type": "string"},
                    "group": {"type": "string"},
                }
            }
        },
        "Open311Requests": {"type": "array", "items": open311_request()},
        "JsonLd": {
            "type": "object",
            "required": ["@context", "@id", "@type"],
            "properties": {"@context": {"type": "object"}, "@id": {"type": "string"}, "@type": {"type": "string"}},
        },
        "Text": {"type": "string"},
        "Binary": {"type": "string", "contentEncoding": "binary"},
        "Object": {"type": "object"},
        "Health": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"const": "ok"}},
        },
    })
}
