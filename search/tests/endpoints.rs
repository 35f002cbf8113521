//! The dataset endpoints over real HTTP: rows (every filter operator, typed comparison, sort,
//! cursor paging to the end, facets, formats, streaming), HTTP behaviours, every error body,
//! a CKAN harvester's requests, DCAT, OpenAPI against the router, and the zip download.

use std::collections::BTreeSet;

use serde_json::Value;

use vidkryto_search::server::rows::{export, Format};

use crate::common::{self, appeals, enc, get, get_with, path_of, Appeal};

const APPEALS: &str = "/api/v1/datasets/fixture-appeals/appeals";
const MEASURES: &str = "/api/v1/datasets/digital-kyiv-2024-2025/measures";

/// Follows `next_url` from `first` to the end; returns every row.
fn all_pages(first: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut url = Some(first.to_string());
    let mut pages = 0;
    while let Some(u) = url {
        let response = get(&u);
        assert_eq!(response.status, 200, "{u}: {}", response.text());
        let body = response.json();
        let page = body["rows"].as_array().unwrap();
        if body["next"].is_string() {
            assert_eq!(
                response.header("link").unwrap(),
                format!("<{}>; rel=\"next\"", body["next_url"].as_str().unwrap())
            );
        }
        rows.extend(page.iter().cloned());
        url = body["next_url"].as_str().map(path_of);
        pages += 1;
        assert!(pages < 10_000, "paging does not end");
    }
    rows
}

fn ids(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

fn expected_ids(filter: impl Fn(&Appeal) -> bool) -> BTreeSet<String> {
    appeals()
        .iter()
        .filter(|a| filter(a))
        .map(|a| a["id"].clone())
        .collect()
}

#[test]
fn every_filter_operator_matches_a_plain_reading_of_the_data() {
    let num = |a: &Appeal, c: &str| a[c].parse::<f64>().ok();
    type Check = Box<dyn Fn(&Appeal) -> bool>;
    let cases: Vec<(String, Check)> = vec![
        (
            format!("district__exact={}", enc("Оболонський")),
            Box::new(|a| a["district"] == "Оболонський"),
        ),
        (
            format!("district={}", enc("Печерський")),
            Box::new(|a| a["district"] == "Печерський"),
        ),
        (
            format!("district__not={}", enc("Оболонський")),
            Box::new(|a| a["district"] != "Оболонський"),
        ),
        (
            format!("text__contains={}", enc("ДОРОЗІ")),
            Box::new(|a| a["text"].to_lowercase().contains("дорозі")),
        ),
        (
            format!("street__startswith={}", enc("Вулиця в")),
            Box::new(|a| a["street"].to_lowercase().starts_with("вулиця в")),
        ),
        (
            "date__gt=2024-06-30".into(),
            Box::new(|a| a["date"].as_str() > "2024-06-30"),
        ),
        (
            "date__gte=2024-06-30".into(),
            Box::new(|a| a["date"].as_str() >= "2024-06-30"),
        ),
        (
            "date__lt=2023-03-01".into(),
            Box::new(|a| a["date"].as_str() < "2023-03-01"),
        ),
        (
            "date__lte=2023-03-01".into(),
            Box::new(|a| a["date"].as_str() <= "2023-03-01"),
        ),
        (
            "lat__gt=50.5".into(),
            Box::new(move |a| num(a, "lat").is_some_and(|v| v > 50.5)),
        ),
        (
            "year__in=2023,2025".into(),
            Box::new(|a| a["year"] == "2023" || a["year"] == "2025"),
        ),
        (
            // Many values: the filter becomes a bitmap.
            format!(
                "year__in={}",
                (2000..=2024)
                    .map(|y| y.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Box::new(|a| a["year"] != "2025"),
        ),
        (
            format!("district__in={}", enc(r#"["Дарницький","Солом'янський"]"#)),
            Box::new(|a| a["district"] == "Дарницький" || a["district"] == "Солом'янський"),
        ),
        (
            "h3_cell__isnull=1".into(),
            Box::new(|a| a["h3_cell"].is_empty()),
        ),
        (
            "street__notnull=1".into(),
            Box::new(|a| !a["street"].is_empty()),
        ),
    ];
    for (query, check) in cases {
        let expected = expected_ids(check);
        let first = get(&format!("{APPEALS}.json?{query}&_size=1000"));
        assert_eq!(first.status, 200, "{query}: {}", first.text());
        assert_eq!(
            first.json()["total"].as_u64().unwrap() as usize,
            expected.len(),
            "{query}"
        );
        let got: BTreeSet<String> = ids(&all_pages(&format!("{APPEALS}.json?{query}&_size=97")))
            .into_iter()
            .collect();
        assert_eq!(got, expected, "{query}");
        assert!(!expected.is_empty(), "{query} should match something");
    }
}

#[test]
fn numbers_compare_as_numbers_and_sum_to_the_documents_figures() {
    // Lexically "120000.0" < "80000.0"; typed, it is greater.
    let body = get(&format!(
        "{MEASURES}.json?amount_2024__gt=80000&_col=measure_id,amount_2024&_size=max"
    ))
    .json();
    let rows = body["rows"].as_array().unwrap();
    assert!(rows
        .iter()
        .all(|r| r["amount_2024"].as_f64().unwrap() > 80000.0));
    assert!(rows
        .iter()
        .any(|r| r["amount_2024"].as_f64().unwrap() >= 100000.0));
    assert_eq!(body["fields"][1]["type"], "number");
    let all = get(&format!("{MEASURES}.json?_size=max")).json();
    let total: f64 = all["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["amount_2024"].as_f64().unwrap())
        .sum();
    assert!((total - 3_301_953.5).abs() < 0.01, "2024 total {total}");
    // Sorted descending by a number, by value.
    let sorted = get(&format!(
        "{MEASURES}.json?_sort_desc=amount_total&_size=max"
    ))
    .json();
    let amounts: Vec<f64> = sorted["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["amount_total"].as_f64().unwrap())
        .collect();
    assert!(amounts.windows(2).all(|w| w[0] >= w[1]), "{amounts:?}");
}

#[test]
fn cursor_paging_visits_every_row_exactly_once_in_order() {
    let mut data = appeals();
    // Sorted by date descending, ties by row id descending (the documented order).
    let mut indexed: Vec<(usize, &Appeal)> = data.iter().enumerate().collect();
    indexed.sort_by(|a, b| b.1["date"].cmp(&a.1["date"]).then(b.0.cmp(&a.0)));
    let expected: Vec<String> = indexed.iter().map(|(_, a)| a["id"].clone()).collect();
    assert_eq!(
        ids(&all_pages(&format!(
            "{APPEALS}.json?_sort_desc=date&_size=37"
        ))),
        expected
    );

    // Filtered and sorted ascending by a column with nulls (nulls first, as in SQLite).
    let rows = all_pages(&format!(
        "{APPEALS}.json?district={}&_sort=lat&_size=11",
        enc("Оболонський")
    ));
    data.retain(|a| a["district"] == "Оболонський");
    assert_eq!(rows.len(), data.len());
    let got: BTreeSet<String> = ids(&rows).into_iter().collect();
    assert_eq!(got.len(), rows.len(), "a row was served twice");
    let lats: Vec<Option<f64>> = rows.iter().map(|r| r["lat"].as_f64()).collect();
    assert!(lats.windows(2).all(|w| w[0] <= w[1]), "not sorted by lat");

    // Row order, the default.
    let rows = all_pages(&format!("{APPEALS}.json?_size=250"));
    assert_eq!(
        ids(&rows),
        appeals()
            .iter()
            .map(|a| a["id"].clone())
            .collect::<Vec<_>>()
    );
}

#[test]
fn facets_count_the_matching_rows() {
    let body = get(&format!(
        "{APPEALS}.json?_facet=district&_facet=status&year=2024&_size=1"
    ))
    .json();
    let expected = appeals()
        .iter()
        .filter(|a| a["year"] == "2024" && a["district"] == "Оболонський")
        .count();
    let values = body["facets"]["district"]["values"].as_array().unwrap();
    let obolon = values.iter().find(|v| v["value"] == "Оболонський").unwrap();
    assert_eq!(obolon["count"].as_u64().unwrap() as usize, expected);
    let sum: u64 = values.iter().map(|v| v["count"].as_u64().unwrap()).sum();
    assert_eq!(sum, body["total"].as_u64().unwrap());
    // Unfiltered, from the posting lists: every row counted once, nulls as `null`.
    let all = get(&format!(
        "{APPEALS}.json?_facet=h3_cell&_facet=district&_size=1"
    ))
    .json();
    let districts = all["facets"]["district"]["values"].as_array().unwrap();
    assert_eq!(districts.len(), 10);
    let sum: u64 = districts.iter().map(|v| v["count"].as_u64().unwrap()).sum();
    assert_eq!(sum as usize, common::APPEALS_ROWS);
    let cells = &all["facets"]["h3_cell"];
    assert_eq!(cells["truncated"], true);
    assert_eq!(
        cells["values"][0]["value"],
        Value::Null,
        "120 suppressed rows lead"
    );
    assert_eq!(cells["values"][0]["count"], 120);
}

#[test]
fn formats_carry_the_same_rows() {
    let q = format!("district={}&_size=20&_col=id,date,text", enc("Подільський"));
    let json = get(&format!("{APPEALS}.json?{q}")).json();
    let csv = get(&format!("{APPEALS}.csv?{q}"));
    assert_eq!(
        csv.header("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    let mut reader = csv::Reader::from_reader(csv.body.as_slice());
    assert_eq!(reader.headers().unwrap(), vec!["id", "date", "text"]);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 20);
    for (record, row) in records.iter().zip(json["rows"].as_array().unwrap()) {
        assert_eq!(record.get(0).unwrap(), row["id"]);
        assert_eq!(record.get(2).unwrap(), row["text"], "quoting survives");
    }
    let ndjson = get(&format!("{APPEALS}.ndjson?{q}"));
    let lines: Vec<Value> = ndjson
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.as_slice(),
        json["rows"].as_array().unwrap().as_slice()
    );
    assert!(ndjson.header("link").is_some());
}

#[test]
fn geojson_has_h3_hexagons_and_null_geometry_when_suppressed() {
    let body = get(&format!("{APPEALS}.geojson?_size=30")).json();
    assert_eq!(body["type"], "FeatureCollection");
    let features = body["features"].as_array().unwrap();
    assert_eq!(features.len(), 30);
    for (i, feature) in features.iter().enumerate() {
        if i % 10 == 0 {
            assert!(feature["geometry"].is_null(), "suppressed row {i}");
            continue;
        }
        assert_eq!(feature["geometry"]["type"], "Polygon");
        let ring = feature["geometry"]["coordinates"][0].as_array().unwrap();
        assert!(ring.len() >= 7, "a hexagon ring, closed");
        assert_eq!(ring.first(), ring.last());
        let (lon, lat) = (ring[0][0].as_f64().unwrap(), ring[0][1].as_f64().unwrap());
        assert!((30.0..31.0).contains(&lon) && (50.0..51.0).contains(&lat));
        assert!(feature["properties"]["district"].is_string());
    }
    let none = get("/api/v1/datasets/digital-kyiv-2024-2025/measures.geojson");
    assert_eq!(none.status, 404);
    assert_eq!(none.json()["error"]["parameter"], "format");
}

#[test]
fn streams_export_everything_and_compress() {
    let plain = get(&format!("{APPEALS}.csv?_stream=on"));
    assert_eq!(plain.status, 200);
    let mut reader = csv::Reader::from_reader(plain.body.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), common::APPEALS_ROWS);
    assert!(!plain.text().contains("#ERROR"));
    let gz = get_with(
        &format!("{APPEALS}.csv?_stream=on"),
        &[("Accept-Encoding", "gzip")],
    );
    assert!(gz.gzipped);
    assert_eq!(gz.body, plain.body);
    let br = get_with(
        &format!("{APPEALS}.csv?_stream=on"),
        &[("Accept-Encoding", "br")],
    );
    assert!(br.brotli);
    assert_eq!(br.body, plain.body);
    let filtered = get(&format!(
        "{APPEALS}.ndjson?_stream=on&district={}&_sort=date",
        enc("Шевченківський")
    ));
    let expected = appeals()
        .iter()
        .filter(|a| a["district"] == "Шевченківський")
        .count();
    assert_eq!(filtered.text().lines().count(), expected);
}

#[test]
fn http_behaviours() {
    let url = format!("{APPEALS}.json?_size=5");
    let first = get_with(&url, &[("Accept-Encoding", "gzip, br")]);
    assert!(first.brotli, "JSON is brotli-compressed when accepted");
    let gzipped = get_with(&url, &[("Accept-Encoding", "gzip, br;q=0")]);
    assert!(gzipped.gzipped, "gzip when brotli is refused");
    assert_eq!(gzipped.json(), first.json());
    assert_eq!(first.header("access-control-allow-origin"), Some("*"));
    assert!(first.header("cache-control").unwrap().contains("max-age"));
    assert!(first.header("link").unwrap().ends_with("rel=\"next\""));
    let etag = first.header("etag").unwrap().to_string();
    let again = get_with(&url, &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let plain = get(&url);
    assert!(!plain.gzipped);
    let preflight = common::request("OPTIONS", &url, &[]);
    assert_eq!(preflight.status, 204);
    assert!(preflight
        .header("access-control-allow-headers")
        .unwrap()
        .contains("If-None-Match"));
    assert_eq!(common::request("POST", &url, &[]).status, 405);
    assert_eq!(
        get("/_store/fixture-appeals/appeals/meta.json").status,
        404,
        "cursor secrets stay private"
    );
}

#[test]
fn bad_input_gets_a_json_error_naming_the_parameter() {
    let long = "x".repeat(10 * 1024);
    let forged = {
        let body = get(&format!("{APPEALS}.json?_size=2")).json();
        let token = body["next"].as_str().unwrap().to_string();
        let (payload, tag) = token.split_once('.').unwrap();
        let mut chars: Vec<char> = payload.chars().collect();
        chars[3] = if chars[3] == 'A' { 'B' } else { 'A' };
        format!("{}.{tag}", chars.into_iter().collect::<String>())
    };
    let cases: Vec<(String, u16, &str, Option<&str>)> = vec![
        (
            "/api/v1/datasets/nope".into(),
            404,
            "name",
            Some("fixture-appeals"),
        ),
        (
            "/api/v1/datasets/fixture-appeals/nope.json".into(),
            404,
            "resource",
            Some("appeals"),
        ),
        (format!("{APPEALS}.xml"), 404, "format", Some("ndjson")),
        (
            format!("{APPEALS}.json?nope=1"),
            400,
            "nope",
            Some("district"),
        ),
        (
            format!("{APPEALS}.json?district__regex=x"),
            400,
            "district__regex",
            Some("startswith"),
        ),
        (
            format!("{APPEALS}.json?date__gt=yesterday"),
            400,
            "date__gt",
            None,
        ),
        (
            format!("{APPEALS}.json?lat__lt=north"),
            400,
            "lat__lt",
            None,
        ),
        (format!("{APPEALS}.json?_size=0"), 400, "_size", Some("max")),
        (
            format!("{APPEALS}.json?_size=1000000000"),
            400,
            "_size",
            Some("max"),
        ),
        (format!("{APPEALS}.json?_next=garbage"), 400, "_next", None),
        (format!("{APPEALS}.json?_next={forged}"), 400, "_next", None),
        (
            format!("{APPEALS}.json?_sort=nope"),
            400,
            "_sort",
            Some("date"),
        ),
        (
            format!("{APPEALS}.json?_sort=date&_sort_desc=date"),
            400,
            "_sort_desc",
            None,
        ),
        (
            format!("{APPEALS}.json?_stream=on"),
            400,
            "_stream",
            Some("csv"),
        ),
        (
            format!("{APPEALS}.json?_whatever=1"),
            400,
            "_whatever",
            Some("_sort"),
        ),
        (
            format!("{APPEALS}.json?{}=1", enc("1=1; DROP TABLE appeals; --")),
            400,
            "1=1; DROP TABLE appeals; --",
            Some("id"),
        ),
        (
            format!("{APPEALS}.csv?district={long}"),
            400,
            "district",
            None,
        ),
    ];
    for (url, status, parameter, allowed) in cases {
        let response = get(&url);
        assert_eq!(response.status, status, "{url}: {}", response.text());
        let body = response.json();
        let error = &body["error"];
        assert_eq!(error["status"], status, "{url}");
        assert_eq!(error["parameter"], parameter, "{url}: {body}");
        assert!(!error["message"].as_str().unwrap().is_empty());
        if let Some(value) = allowed {
            let list = error["allowed"]
                .as_array()
                .unwrap_or_else(|| panic!("{url}: {body}"));
            assert!(list.iter().any(|v| v == value), "{url}: {body}");
        }
        assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    }
    // An SQL-looking value is only a value: no match, no error.
    let sql = get(&format!("{APPEALS}.json?district={}", enc("' OR 1=1 --")));
    assert_eq!(sql.status, 200);
    assert_eq!(sql.json()["total"], 0);
    // A cursor from another sort order is refused, not misread.
    let next = get(&format!("{APPEALS}.json?_size=2&_sort=date")).json()["next"]
        .as_str()
        .unwrap()
        .to_string();
    let response = get(&format!("{APPEALS}.json?_size=2&_sort=lat&_next={next}"));
    assert_eq!(response.status, 400);
}

#[test]
fn catalogue_and_dataset_endpoints() {
    let catalogue = get("/api/v1/datasets").json();
    assert_eq!(catalogue["total"], 2);
    let appeals = &catalogue["datasets"][1];
    assert_eq!(appeals["name"], "fixture-appeals");
    assert_eq!(appeals["licenses"][0]["name"], "CC-BY-4.0");
    let resource = &appeals["resources"][0];
    assert_eq!(resource["rows"], common::APPEALS_ROWS);
    assert!(resource["formats"]["geojson"]
        .as_str()
        .unwrap()
        .ends_with("/appeals.geojson"));
    assert!(catalogue["datasets"][0]["resources"][0]["formats"]
        .get("geojson")
        .is_none());
    let one = get("/api/v1/datasets/fixture-appeals").json();
    assert_eq!(
        one["datapackage_json"]["resources"][0]["schema"]["fields"][1]["type"],
        "date"
    );
    assert_eq!(one["privacy"]["k_anonymity"], 5);
    assert!(
        one["privacy"].get("examples").is_none(),
        "lists stay in the full report"
    );
}

#[test]
fn a_ckan_harvester_can_list_and_fetch_everything() {
    // What ckanext-harvest's CKAN harvester and ckanapi do: package_list, then package_show for
    // each, then the resources (DataStore or URL).
    let list = get("/api/3/action/package_list").json();
    assert_eq!(list["success"], true);
    assert!(list["help"].as_str().unwrap().contains("package_list"));
    let names: Vec<String> = list["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["digital-kyiv-2024-2025", "fixture-appeals"]);
    for name in &names {
        let show = get(&format!("/api/3/action/package_show?id={name}")).json();
        assert_eq!(show["success"], true);
        let package = &show["result"];
        assert_eq!(package["name"], name.as_str());
        assert!(package["metadata_modified"].as_str().unwrap().contains('T'));
        assert!(package["organization"]["name"].is_string());
        assert_eq!(
            package["num_resources"],
            package["resources"].as_array().unwrap().len()
        );
        for resource in package["resources"].as_array().unwrap() {
            assert_eq!(resource["format"], "CSV");
            let csv = get(&path_of(resource["url"].as_str().unwrap()));
            assert_eq!(csv.status, 200);
            let lines = csv::Reader::from_reader(csv.body.as_slice())
                .records()
                .count();
            let id = resource["id"].as_str().unwrap();
            let search = get(&format!(
                "/api/3/action/datastore_search?resource_id={}&limit=3",
                enc(id)
            ))
            .json();
            assert_eq!(search["success"], true, "{search}");
            assert_eq!(
                search["result"]["total"].as_u64().unwrap() as usize,
                lines,
                "{id}"
            );
            assert_eq!(search["result"]["fields"][0]["id"], "_id");
        }
    }
    // Incremental harvest: package_search with a metadata_modified range and paging.
    let search = get(&format!(
        "/api/3/action/package_search?fq={}&rows=1&start=1&facet.field={}",
        enc("metadata_modified:[2026-11-19T00:00:00Z TO *]"),
        enc(r#"["organization","tags"]"#)
    ))
    .json();
    assert_eq!(search["success"], true, "{search}");
    assert_eq!(search["result"]["count"], 2);
    assert_eq!(search["result"]["results"].as_array().unwrap().len(), 1);
    assert!(search["result"]["search_facets"]["organization"]["items"].is_array());
    let since = get(&format!(
        "/api/3/action/package_search?fq={}",
        enc("metadata_modified:[2026-11-21T00:00:00Z TO *]")
    ))
    .json();
    assert_eq!(
        since["result"]["count"], 1,
        "the fixture was modified on 2026-11-20"
    );
    // ckanext-harvest's CKAN harvester: pages of 100 sorted by id, its organisation filters
    // (`OR` between includes, `-` for excludes) and the change window.
    let harvest = |fq: &str| {
        let body = get(&format!(
            "/api/3/action/package_search?fq={}&rows=100&start=0&sort={}",
            enc(fq),
            enc("id asc")
        ))
        .json();
        assert_eq!(body["success"], true, "{fq}: {body}");
        body["result"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        harvest("metadata_modified:[2026-11-19T00:00:00Z TO *]"),
        ["digital-kyiv-2024-2025", "fixture-appeals"]
    );
    assert_eq!(
        harvest("organization:fixture-council OR organization:nobody"),
        ["fixture-appeals"]
    );
    assert_eq!(
        harvest("-organization:fixture-council +dataset_type:dataset"),
        ["digital-kyiv-2024-2025"]
    );
    let q = get(&format!(
        "/api/3/action/package_search?q={}",
        enc("звернення")
    ))
    .json();
    assert_eq!(q["result"]["count"], 1);
    assert_eq!(q["result"]["results"][0]["name"], "fixture-appeals");
    let orgs = get("/api/3/action/organization_list?all_fields=true").json();
    assert!(orgs["result"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["name"] == "fixture-council"));
}

#[test]
fn datastore_search_filters_sorts_and_pages() {
    let filters = enc(r#"{"district": "Оболонський"}"#);
    let body = get(&format!(
        "/api/3/action/datastore_search?resource_id=fixture-appeals:appeals&filters={filters}&sort=date%20desc&limit=5&offset=5&fields=id,date,year"
    ))
    .json();
    let result = &body["result"];
    let mut expected: Vec<(usize, Appeal)> = appeals()
        .into_iter()
        .enumerate()
        .filter(|(_, a)| a["district"] == "Оболонський")
        .collect();
    expected.sort_by(|a, b| b.1["date"].cmp(&a.1["date"]).then(b.0.cmp(&a.0)));
    assert_eq!(result["total"].as_u64().unwrap() as usize, expected.len());
    let got: Vec<&str> = result["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = expected[5..10]
        .iter()
        .map(|(_, a)| a["id"].as_str())
        .collect();
    assert_eq!(got, want);
    assert!(result["records"][0]["year"].is_i64(), "typed");
    let q = get(&format!(
        "/api/3/action/datastore_search?resource_id=fixture-appeals:appeals&q={}&limit=0",
        enc("дорозі")
    ))
    .json();
    let holes = appeals()
        .iter()
        .filter(|a| a.values().any(|v| v.contains("дорозі")))
        .count();
    assert!(holes > 0);
    assert_eq!(q["result"]["total"].as_u64().unwrap() as usize, holes);
}

#[test]
fn ckan_errors_have_ckans_shape() {
    let cases = [
        ("/api/3/action/package_show?id=nope", 404, "Not Found Error"),
        ("/api/3/action/package_show", 409, "Validation Error"),
        (
            "/api/3/action/datastore_search?resource_id=nope:x",
            404,
            "Not Found Error",
        ),
        (
            "/api/3/action/datastore_search?resource_id=fixture-appeals:appeals&limit=-1",
            409,
            "Validation Error",
        ),
        (
            "/api/3/action/datastore_search?resource_id=fixture-appeals:appeals&sort=nope%20asc",
            409,
            "Validation Error",
        ),
        (
            "/api/3/action/package_search?fq=secret:1",
            409,
            "Validation Error",
        ),
        ("/api/3/action/resource_create", 400, "Bad request"),
    ];
    for (url, status, kind) in cases {
        let response = get(url);
        assert_eq!(response.status, status, "{url}");
        let body = response.json();
        assert_eq!(body["success"], false, "{url}");
        assert_eq!(body["error"]["__type"], kind, "{url}");
        assert!(body["error"]["message"].is_string(), "{url}");
        assert!(body["help"].is_string());
    }
}

#[test]
fn dcat_catalogue_describes_every_dataset_and_distribution() {
    let response = get("/catalog.jsonld");
    assert_eq!(response.header("content-type"), Some("application/ld+json"));
    let body = response.json();
    assert_eq!(body["@type"], "dcat:Catalog");
    let datasets = body["dcat:dataset"].as_array().unwrap();
    assert_eq!(datasets.len(), 2);
    for dataset in datasets {
        assert_eq!(dataset["@type"], "dcat:Dataset");
        assert!(dataset["dct:title"][0]["@language"] == "uk");
        for distribution in dataset["dcat:distribution"].as_array().unwrap() {
            let url = distribution["dcat:downloadURL"]["@id"].as_str().unwrap();
            assert_eq!(get(&path_of(url)).status, 200, "{url}");
        }
    }
}

#[test]
fn dcat_turtle_parses_and_says_what_the_json_ld_says() {
    let response = get("/catalog.ttl");
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/turtle; charset=utf-8")
    );
    let triples: Vec<oxrdf::Triple> = oxttl::TurtleParser::new()
        .for_slice(&response.body)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("not Turtle ({e}):\n{}", response.text()));
    let dcat = |local: &str| format!("http://www.w3.org/ns/dcat#{local}");
    let typed = |kind: &str| {
        triples
            .iter()
            .filter(|t| {
                t.predicate.as_str() == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
                    && t.object.to_string() == format!("<{}>", dcat(kind))
            })
            .count()
    };
    let json = get("/catalog.jsonld").json();
    let datasets = json["dcat:dataset"].as_array().unwrap();
    let distributions: usize = datasets
        .iter()
        .map(|d| d["dcat:distribution"].as_array().unwrap().len())
        .sum();
    assert_eq!(typed("Catalog"), 1);
    assert_eq!(typed("Dataset"), datasets.len());
    assert_eq!(typed("Distribution"), distributions);
    for dataset in datasets {
        let title = oxrdf::Literal::new_language_tagged_literal(
            dataset["dct:title"][0]["@value"].as_str().unwrap(),
            "uk",
        )
        .unwrap();
        let subject = format!("<{}>", dataset["@id"].as_str().unwrap());
        assert!(
            triples.iter().any(|t| t.subject.to_string() == subject
                && t.predicate.as_str() == "http://purl.org/dc/terms/title"
                && t.object == title.clone().into()),
            "no title triple for {subject}"
        );
    }
}

/// The first name a CKAN list action gives.
fn first(list: &str) -> String {
    get(list).json()["result"][0]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn first_request() -> String {
    get("/open311/v2/requests.json?page_size=1").json()[0]["service_request_id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn openapi_lists_every_route_and_each_answers() {
    let doc = get("/api/openapi.json").json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), vidkryto_search::server::openapi::ROUTES.len());
    for route in vidkryto_search::server::openapi::ROUTES {
        let path = &paths[route.template];
        let operation = &path["get"];
        assert!(operation["responses"]["200"].is_object());
        let declared: Vec<&str> = operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            declared,
            vidkryto_search::server::openapi::path_params(route.template)
        );
        let example = route
            .example
            .replace("{dataset}", "fixture-appeals")
            .replace("{resource}", "appeals")
            .replace("{organization}", &first("/api/3/action/organization_list"))
            .replace("{group}", &first("/api/3/action/group_list"))
            .replace("{request}", &first_request());
        let response = get(&example);
        if route.tag == "search" && response.status == 503 {
            // The fixture portal has no search index; `search` tests the route itself.
            continue;
        }
        assert_eq!(response.status, 200, "{example}: {}", response.text());
    }
    // A path the table does not have is not served.
    assert_eq!(
        get("/api/v1/datasets/fixture-appeals/appeals/extra").status,
        404
    );
}

#[test]
fn zip_holds_the_package_and_every_resource() {
    let response = get("/datasets/fixture-appeals.zip");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/zip"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(response.body)).unwrap();
    let names: Vec<String> = archive.file_names().map(str::to_string).collect();
    assert!(names.contains(&"fixture-appeals/datapackage.json".to_string()));
    assert!(names.contains(&"fixture-appeals/appeals.csv".to_string()));
    let mut csv = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("fixture-appeals/appeals.csv").unwrap(),
        &mut csv,
    )
    .unwrap();
    assert_eq!(
        csv::Reader::from_reader(csv.as_bytes()).records().count(),
        common::APPEALS_ROWS
    );
    assert_eq!(get("/datasets/nope.zip").status, 404);
}

#[test]
fn a_failing_export_ends_with_an_error_line_not_a_short_file() {
    common::server();
    let layout = vidkryto_search::Layout::new(common::fixture_portal());
    let store =
        vidkryto_search::rowstore::Store::open(&layout, "fixture-appeals", "appeals").unwrap();
    for format in [Format::Csv, Format::Ndjson] {
        let out = vidkryto_search::server::respond::collect(|sink| {
            let rows = vec![Ok(0), Ok(1), Err("the disk went away".to_string()), Ok(2)];
            export(sink, &store, &[0, 1], format, rows.into_iter())
        });
        let text = String::from_utf8(out).unwrap();
        let last = text.lines().last().unwrap();
        match format {
            Format::Csv => {
                assert_eq!(
                    text.lines().count(),
                    4,
                    "header, two rows, the marker: {text}"
                );
                assert!(
                    last.starts_with(
                        "#ERROR: the export stopped after 2 rows (the disk went away)"
                    ),
                    "{last}"
                );
            }
            _ => {
                let error: Value = serde_json::from_str(last).unwrap();
                assert_eq!(error["error"]["code"], "export-failed");
            }
        }
    }
}

#[test]
fn ckan_clients_may_post_their_parameters() {
    // ckanapi's RemoteCKAN POSTs a JSON object by default.
    let json = [("Content-Type", "application/json")];
    let show = common::send(
        "POST",
        "/api/3/action/package_show",
        &json,
        br#"{"id": "fixture-appeals"}"#,
    );
    assert_eq!(show.status, 200, "{}", show.text());
    assert_eq!(show.json()["result"]["name"], "fixture-appeals");
    let list = common::send("POST", "/api/3/action/package_list", &json, b"{}");
    assert_eq!(list.json()["result"].as_array().unwrap().len(), 2);
    let search = common::send(
        "POST",
        "/api/3/action/datastore_search",
        &json,
        r#"{"resource_id": "fixture-appeals:appeals", "filters": {"district": "Оболонський"}, "limit": 1}"#.as_bytes(),
    );
    assert_eq!(
        search.json()["result"]["records"].as_array().unwrap().len(),
        1
    );
    let form = common::send(
        "POST",
        "/api/3/action/package_show",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"id=digital-kyiv-2024-2025",
    );
    assert_eq!(form.json()["result"]["name"], "digital-kyiv-2024-2025");
    let bad = common::send("POST", "/api/3/action/package_show", &json, b"{not json");
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["success"], false);
    let huge = vec![b' '; 100 * 1024];
    assert_eq!(
        common::send("POST", "/api/3/action/package_list", &json, &huge).status,
        413
    );
    // Everything else stays read-only.
    assert_eq!(
        common::send("POST", "/api/v1/datasets", &json, b"{}").status,
        405
    );
}

/// Copies a directory tree (the fixture portal) so a test can rebuild its copy.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_rebuild_is_served_without_a_restart() {
    let dir = common::scratch("rebuild-served");
    copy_tree(common::fixture_portal(), &dir);
    let addr = common::serve_dir(&dir);
    let names = || -> Vec<String> {
        let list = common::fetch(addr, "/api/v1/datasets", &[]).json();
        let mut names: Vec<String> = list["datasets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(), ["digital-kyiv-2024-2025", "fixture-appeals"]);
    let new_rows = "/api/v1/datasets/kyiv-egov-2012-2014/resources-by-year.json";
    assert_eq!(common::fetch(addr, new_rows, &[]).status, 404);

    // A build publishes one more dataset: packages, catalogue and row store.
    let layout = vidkryto_search::Layout::new(&dir);
    let mut catalog: Vec<Value> =
        serde_json::from_slice(&std::fs::read(layout.catalog_file()).unwrap()).unwrap();
    catalog.push(common::publish_bundled(&layout, "kyiv-egov-2012-2014"));
    vidkryto_search::rowstore::write_store(&layout, "kyiv-egov-2012-2014").unwrap();
    vidkryto_search::output::write_atomic(
        &layout.catalog_file(),
        &serde_json::to_vec(&catalog).unwrap(),
    )
    .unwrap();

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while names().len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the rebuild was never picked up"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(
        names(),
        [
            "digital-kyiv-2024-2025",
            "fixture-appeals",
            "kyiv-egov-2012-2014"
        ]
    );
    let rows = common::fetch(addr, &format!("{new_rows}?_size=1"), &[]);
    assert_eq!(rows.status, 200, "{}", rows.text());
    assert_eq!(rows.json()["rows"].as_array().unwrap().len(), 1);
}
