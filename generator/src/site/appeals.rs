//! The appeals dashboard (`/appeals/`): appeals by channel and year from every source
//! document (their disagreement shown side by side), and, from the published anonymised
//! appeals, counts by category, district, status and year with the hexagon map. It reads
//! only published files — **rendering never sees un-anonymised records** — and shows no
//! appeal text, only counts.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use serde_json::Value;
use vidkryto_search::{urls, Layout};

use super::budget::Row;
use super::charts::{BarChart, Series};
use super::content::{
    file_name, pick, write_chart, write_page, ChartCredit, ChartRef, Front, Link, Table, LANGS,
};
use super::kinds::{DatasetAdditions, PageKind, Site};
use super::labels::{cell, columns, Labels};
use super::maps::{hex_map, DistrictCentres, LegendClass, MapAppeal};
use super::numbers::Amount;
use super::zola::ContentFile;
use crate::catalog::{Package, Resource, ResourceKind};

/// Where the hexagon GeoJSON is published.
pub const HEXAGONS_URL: &str = "/appeals/hexagons.geojson";
const HEXAGONS_FILE: &str = "static/appeals/hexagons.geojson";

/// `section.extra` of `/appeals/` (`templates/appeals.html`).
#[derive(Debug, Serialize)]
pub struct AppealsExtra {
    /// Column headers of the by-year comparison: one per source document.
    pub channel_sources: Vec<String>,
    /// Per year: the total each source document gives, and their difference.
    pub channel_totals: Vec<Row>,
    /// Per source document, year and channel: the count.
    pub channel_details: Vec<Row>,
    /// The dataset page of the channel statistics.
    pub channel_dataset_url: String,
    /// Whether anonymised appeals are published.
    pub has_appeals: bool,
    /// Number of published anonymised appeals, formatted.
    pub total: String,
    /// Counts by status (label, count).
    pub statuses: Vec<Row>,
    /// Why a dimension has no chart: anonymisation withheld it from every published appeal.
    pub withheld: Vec<String>,
    /// Charts: channels by year, categories, districts, years.
    pub charts: Vec<ChartRef>,
    /// The hexagon map, when appeals are published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map: Option<MapInfo>,
    /// The privacy report in sentences (`privacy_sentences`).
    pub privacy: Vec<String>,
    /// The privacy report file, when it exists.
    pub privacy_url: String,
    /// The dataset page of the anonymised appeals.
    pub appeals_dataset_url: String,
}

/// What the map template needs.
#[derive(Debug, Serialize)]
pub struct MapInfo {
    /// GeoJSON file relative to the site folder (embedded with `load_data`).
    pub geojson: String,
    /// GeoJSON download URL.
    pub geojson_url: String,
    pub legend: Vec<LegendClass>,
    /// Appeals on the map.
    pub mapped: String,
    /// Appeals drawn at their district's centre (anonymisation kept only the district).
    pub district_level: String,
    /// Appeals with no place on the map.
    pub unmapped: String,
    /// Cells drawn.
    pub cells: usize,
    /// District points drawn.
    pub districts: usize,
    /// Districts and categories in the page's language, for the map's labels (JSON,
    /// `</` escaped): the GeoJSON keeps the published values.
    pub labels: String,
}

/// The privacy report (`privacy.json`) in words, in `lang`: what was published and
/// withheld, how precise place and time stay, the information lost and the values redacted.
/// Every figure comes from the report, so a sentence never claims a generalisation that did
/// not happen (rows without coordinates in the source are said to be so, not "generalised").
pub fn privacy_sentences(report: &Value, labels: &Labels, lang: &str) -> Vec<String> {
    let uk = lang == "uk";
    let ui = |key: &str| labels.ui(lang, key);
    let n = |v: &Value| v.as_u64().unwrap_or(0);
    let num = |v: u64| count(v, lang);
    let pct = |part: u64, whole: u64| {
        let p = if whole == 0 {
            0.0
        } else {
            100.0 * part as f64 / whole as f64
        };
        let s = format!("{p:.1}");
        if uk {
            s.replace('.', ",")
        } else {
            s
        }
    };
    let (rows_in, rows_out, suppressed) = (
        n(&report["rows_in"]),
        n(&report["rows_out"]),
        n(&report["suppressed"]),
    );
    let (k, l) = (n(&report["k"]["required"]), n(&report["l"]["required"]));
    let mut out = vec![ui("privacy_summary")
        .replace("{rows_in}", &num(rows_in))
        .replace("{rows_out}", &num(rows_out))
        .replace("{suppressed}", &num(suppressed))
        .replace("{share}", &pct(suppressed, rows_in))
        .replace("{k}", &k.to_string())
        .replace("{l}", &l.to_string())];
    let qi = &report["quasi_identifiers"];
    let form_rows = |column: &str, form: &str| n(&qi[column]["rows"][form]);
    let rows_text = |key: &str, rows: u64| ui(key).replace("{n}", &num(rows));
    if qi["h3_cell"].is_object() || qi["street"].is_object() {
        let mut parts = Vec::new();
        let street = form_rows("street", "street");
        if street > 0 {
            parts.push(rows_text("privacy_place_street", street));
        }
        if let Some(forms) = qi["h3_cell"]["forms"].as_array() {
            for form in forms.iter().filter_map(Value::as_str) {
                let rows = form_rows("h3_cell", form);
                let r = form.trim_start_matches("h3-r");
                if rows > 0 {
                    parts.push(rows_text("privacy_place_h3", rows).replace("{r}", r));
                }
            }
        }
        let district = n(&qi["h3_cell"]["removed"]);
        if district > 0 {
            parts.push(rows_text("privacy_place_district", district));
        }
        let missing = n(&qi["h3_cell"]["missing"]);
        if missing > 0 {
            parts.push(rows_text("privacy_place_missing", missing));
        }
        if !parts.is_empty() {
            out.push(ui("privacy_place").replace("{parts}", &parts.join("; ")));
        }
    }
    if let Some(forms) = qi["date"]["forms"].as_array() {
        let names = |f: &str| match f {
            "day" => ui("privacy_date_day"),
            "week" => ui("privacy_date_week"),
            "month" => ui("privacy_date_month"),
            _ => ui("privacy_date_year"),
        };
        let parts: Vec<String> = forms
            .iter()
            .filter_map(Value::as_str)
            .map(|f| (f, form_rows("date", f)))
            .filter(|(_, rows)| *rows > 0)
            .map(|(f, rows)| format!("{} — {}", num(rows), names(f)))
            .collect();
        if !parts.is_empty() {
            out.push(ui("privacy_time").replace("{parts}", &parts.join("; ")));
        }
    }
    if let Some(loss) = report["information_loss"].as_f64() {
        let loss = format!("{loss:.3}");
        let loss = if uk { loss.replace('.', ",") } else { loss };
        out.push(ui("privacy_loss").replace("{loss}", &loss));
    }
    let redacted: u64 = report["redactions"]
        .as_object()
        .map_or(0, |m| m.values().map(n).sum());
    out.push(rows_text("privacy_redacted", redacted));
    out
}

fn count(n: u64, lang: &str) -> String {
    Amount::from_int(n as i64).format(0, lang)
}

/// Source id (`seed-000`) → the document's short title (never the id itself: readers know
/// documents by their titles).
fn source_name(package: &Package, id: &str, lang: &str) -> String {
    super::labels::source_document(package, id, lang, 60).unwrap_or_else(|| id.to_string())
}

/// The centres of the districts (a resource of the appeals' package with `district`, `lat`
/// and `lon` and no `id`), where appeals anonymisation kept only the district are drawn;
/// none when the package publishes none.
fn district_centres(layout: &Layout, package: &Package) -> anyhow::Result<DistrictCentres> {
    let centres = package.public_resources().find(|r| {
        ["district", "lat", "lon"]
            .iter()
            .all(|c| r.field(c).is_some())
            && r.field("id").is_none()
    });
    let Some(centres) = centres else {
        return Ok(DistrictCentres::new());
    };
    let path = layout.resource_csv(&package.name, &centres.name);
    if !path.is_file() {
        return Ok(DistrictCentres::new());
    }
    let table = Table::read(&path)?;
    Ok(table
        .rows
        .iter()
        .filter_map(|r| {
            let lat = table.get(r, "lat").parse::<f64>().ok()?;
            let lon = table.get(r, "lon").parse::<f64>().ok()?;
            let name = table.get(r, "district");
            ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) && !name.is_empty())
                .then(|| (name.to_string(), (lat, lon)))
        })
        .collect())
}

/// What the map's labels say for each published district and category, in `lang`.
fn map_labels(table: &Table, labels: &Labels, lang: &str) -> String {
    let mut words = serde_json::Map::new();
    for column in ["district", "category"] {
        for row in &table.rows {
            let value = table.get(row, column);
            if !value.is_empty() && !words.contains_key(value) {
                words.insert(
                    value.to_string(),
                    labels.value(lang, column, value, value).into(),
                );
            }
        }
    }
    Value::Object(words).to_string().replace("</", "<\\/")
}

/// A published value as readers see it: its words in `lang`, or "not published" for a value
/// the anonymisation withheld (an empty cell).
fn shown_value(labels: &Labels, lang: &str, column: &str, value: &str) -> String {
    if value.is_empty() {
        labels.ui(lang, "not_published")
    } else {
        labels.value(lang, column, value, value)
    }
}

/// Rows per value of `column` (an empty key for withheld values), most first.
fn by_key(table: &Table, column: &str) -> Vec<(String, u64)> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for row in &table.rows {
        *counts
            .entry(table.get(row, column).to_string())
            .or_default() += 1;
    }
    let mut out: Vec<(String, u64)> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// `page.extra` of `/appeals/<id>/` (`templates/appeal.html`): one published, anonymised appeal.
#[derive(Debug, Serialize)]
pub struct AppealExtra {
    /// The appeal's id in the published dataset.
    pub id: String,
    /// Every non-empty published field, labelled with the schema's titles.
    pub fields: Vec<Link>,
    /// The dashboard.
    pub appeals_url: String,
    /// The dataset page of the anonymised appeals.
    pub dataset_url: String,
}

/// One page per published appeal (search links to them; past `urls::APPEAL_PAGES_MAX` appeals
/// search links their rows in the API instead), in memory like the register's documents
/// (`zola::ContentFile`). They show only what the published CSV holds.
fn appeal_pages(
    package: &Package,
    resource: &Resource,
    table: &Table,
    labels: &Labels,
) -> anyhow::Result<Vec<ContentFile>> {
    let fields = resource.fields();
    let shown = columns(&table.headers);
    let mut files = Vec::with_capacity(table.rows.len() * LANGS.len());
    for (i, row) in table.rows.iter().enumerate() {
        let id = table.get(row, "id");
        if id.is_empty() {
            continue;
        }
        for lang in LANGS {
            let labelled = shown
                .iter()
                .filter(|c| table.headers[c.code] != "id")
                .filter_map(|c| {
                    let value = cell(labels, package, &table.headers, c, row, lang);
                    let h = &table.headers[c.header];
                    (!value.is_empty()).then(|| Link {
                        label: fields
                            .iter()
                            .find(|f| &f.name == h)
                            .map(|f| pick(lang, &f.title, &f.title_en).to_string())
                            .filter(|t| !t.is_empty())
                            .unwrap_or_else(|| h.clone()),
                        url: value,
                    })
                })
                .collect();
            let category = table.get(row, "category");
            let what = labels.value(lang, "category", category, category);
            let title = match (what.is_empty(), table.get(row, "date")) {
                (false, "") => what.clone(),
                (false, date) => format!("{what}, {date}"),
                (true, "") => labels.ui(lang, "appeal_title"),
                (true, date) => format!("{}, {date}", labels.ui(lang, "appeal_title")),
            };
            let extra = AppealExtra {
                id: id.to_string(),
                fields: labelled,
                appeals_url: super::content::url(lang, "appeals"),
                dataset_url: urls::dataset(lang, &package.name),
            };
            let front = Front {
                title: &title,
                description: "",
                date: None,
                weight: Some(i as i64),
                template: "appeal.html",
                sort_by: None,
                paginate_by: None,
                extra: &extra,
            };
            let path = format!("appeals/{}", file_name(&urls::slug(id), lang));
            let front = serde_json::to_value(&front)
                .with_context(|| format!("cannot write the front matter of `{path}`"))?;
            files.push(ContentFile {
                path,
                front,
                body: String::new(),
            });
        }
    }
    Ok(files)
}

/// The appeals dashboard as a page kind: `/appeals/`, and a page per published appeal, from
/// the portal's first public resource of the appeals' kind (whatever its package is called).
pub struct Dashboard<'a> {
    appeals: Option<(&'a Package, &'a Resource)>,
}

impl<'a> Dashboard<'a> {
    pub fn load(site: &Site<'a>) -> Dashboard<'a> {
        Dashboard {
            appeals: site
                .packages
                .iter()
                .find_map(|p| p.resource_of_kind(ResourceKind::Appeals).map(|r| (*p, r))),
        }
    }
}

impl PageKind for Dashboard<'_> {
    fn dataset_additions(
        &self,
        package: &Package,
        lang: &str,
        labels: &Labels,
    ) -> DatasetAdditions {
        if self.appeals.is_none_or(|(p, _)| p.name != package.name) {
            return DatasetAdditions::default();
        }
        DatasetAdditions {
            related: vec![Link {
                label: labels.ui(lang, "citizens_appeals"),
                url: super::content::url(lang, "appeals"),
            }],
            // The appeals are also served as Open311 GeoReport v2 (what civic apps speak).
            downloads: vec![
                Link {
                    label: "Open311 GeoReport v2: services".into(),
                    url: urls::OPEN311_SERVICES.into(),
                },
                Link {
                    label: "Open311 GeoReport v2: requests".into(),
                    url: urls::OPEN311_REQUESTS.into(),
                },
            ],
            geojson_url: Some(HEXAGONS_URL.to_string()),
        }
    }

    fn write(&self, site: &Site) -> anyhow::Result<Vec<ContentFile>> {
        write_pages(
            site.packages,
            self.appeals,
            site.layout,
            site.dir,
            site.labels,
        )
    }
}

/// Writes `/appeals/` from the published files in `layout` and returns the published appeals'
/// own pages (in memory, see [`appeal_pages`]).
fn write_pages(
    packages: &[&Package],
    published: Option<(&Package, &Resource)>,
    layout: &Layout,
    site_dir: &Path,
    labels: &Labels,
) -> anyhow::Result<Vec<ContentFile>> {
    // Channel statistics: any published resource with `year`, `channel`, `appeals`.
    let channels = packages.iter().find_map(|p| {
        p.public_resources()
            .find(|r| {
                r.schema.as_ref().is_some_and(|s| {
                    ["year", "channel", "appeals"]
                        .iter()
                        .all(|n| s.fields.iter().any(|f| f.name == *n))
                })
            })
            .map(|r| (*p, r.name.clone()))
    });
    let channel_table = match &channels {
        Some((p, r)) => Some(Table::read(&layout.resource_csv(&p.name, r))?),
        None => None,
    };
    let appeals = match published {
        Some((package, resource)) => {
            let path = layout.resource_csv(&package.name, &resource.name);
            path.is_file().then(|| Table::read(&path)).transpose()?
        }
        None => None,
    };
    let records = match (&appeals, published) {
        (Some(table), Some((package, resource))) if table.rows.len() <= urls::APPEAL_PAGES_MAX => {
            appeal_pages(package, resource, table, labels)?
        }
        _ => Vec::new(),
    };
    let appeals_dataset = published.map_or("", |(p, _)| p.name.as_str());
    let centres = match published {
        Some((package, _)) => district_centres(layout, package)?,
        None => DistrictCentres::new(),
    };
    let map = appeals.as_ref().map(|t| {
        let column = |name: &str| t.column(name);
        let (cell, district, category) =
            (column("h3_cell"), column("district"), column("category"));
        let get = |r: &'_ Vec<String>, i: Option<usize>| -> String {
            i.and_then(|i| r.get(i)).cloned().unwrap_or_default()
        };
        let rows: Vec<[String; 3]> = t
            .rows
            .iter()
            .map(|r| [get(r, cell), get(r, district), get(r, category)])
            .collect();
        hex_map(
            rows.iter().map(|[cell, district, category]| MapAppeal {
                cell,
                district,
                category,
            }),
            &centres,
        )
    });
    if let Some(map) = &map {
        // `</` cannot occur in valid GeoJSON outside strings; escaping it keeps the
        // embedded copy from closing its <script> element.
        super::content::write_file(
            &site_dir.join(HEXAGONS_FILE),
            map.geojson.replace("</", "<\\/").as_bytes(),
        )?;
    }
    let privacy_report: Option<Value> = published
        .and_then(|(p, _)| {
            std::fs::read_to_string(layout.dataset_dir(&p.name).join("privacy.json")).ok()
        })
        .and_then(|t| serde_json::from_str(&t).ok());

    for lang in LANGS {
        let ui = |key: &str| labels.ui(lang, key);
        let mut charts = Vec::new();
        let mut channel_sources = Vec::new();
        let mut channel_totals = Vec::new();
        let mut channel_details = Vec::new();
        if let (Some((package, _)), Some(table)) = (&channels, &channel_table) {
            let credit = ChartCredit::of(package, labels, lang);
            let mut sources: Vec<String> = Vec::new();
            let mut years: Vec<String> = Vec::new();
            let mut totals: BTreeMap<(String, String), u64> = BTreeMap::new();
            for row in &table.rows {
                let source = table.get(row, "source").to_string();
                let year = table.get(row, "year").to_string();
                let n: u64 = table.get(row, "appeals").parse().unwrap_or(0);
                if !sources.contains(&source) {
                    sources.push(source.clone());
                }
                if !years.contains(&year) {
                    years.push(year.clone());
                }
                *totals.entry((source.clone(), year.clone())).or_default() += n;
                let channel = labels.value(
                    lang,
                    "channel",
                    table.get(row, "channel"),
                    table.get(row, "channel_label"),
                );
                channel_details.push(Row {
                    label: source_name(package, &source, lang),
                    url: String::new(),
                    cells: vec![year, channel, count(n, lang)],
                });
            }
            years.sort();
            channel_sources = sources
                .iter()
                .map(|s| source_name(package, s, lang))
                .collect();
            for year in &years {
                let values: Vec<Option<u64>> = sources
                    .iter()
                    .map(|s| totals.get(&(s.clone(), year.clone())).copied())
                    .collect();
                let mut cells: Vec<String> = values
                    .iter()
                    .map(|v| v.map_or("—".into(), |n| count(n, lang)))
                    .collect();
                let present: Vec<u64> = values.iter().flatten().copied().collect();
                cells.push(match (present.iter().min(), present.iter().max()) {
                    (Some(a), Some(b)) if present.len() > 1 => count(b - a, lang),
                    _ => "—".into(),
                });
                channel_totals.push(Row {
                    label: year.clone(),
                    url: String::new(),
                    cells,
                });
            }
            charts.push(write_chart(
                site_dir,
                &BarChart {
                    id: "appeals-by-year-source".into(),
                    title: ui("chart_appeals_by_year_source"),
                    desc: channel_totals
                        .iter()
                        .map(|r| format!("{}: {}", r.label, r.cells.join(" / ")))
                        .collect::<Vec<_>>()
                        .join("; "),
                    category_label: ui("chart_year"),
                    categories: years.clone(),
                    series: sources
                        .iter()
                        .map(|s| Series {
                            name: source_name(package, s, lang),
                            values: years
                                .iter()
                                .map(|y| totals.get(&(s.clone(), y.clone())).map(|n| *n as f64))
                                .collect(),
                        })
                        .collect(),
                    unit: ui("chart_appeals_unit"),
                    horizontal: false,
                },
                &credit,
                lang,
            )?);
        }

        let mut statuses = Vec::new();
        let mut withheld = Vec::new();
        if let Some(table) = &appeals {
            let credit = published
                .map(|(p, _)| ChartCredit::of(p, labels, lang))
                .unwrap_or_default();
            for (column, title, horizontal) in [
                ("category", "chart_appeals_by_category", true),
                ("district", "chart_appeals_by_district", true),
                ("year", "chart_appeals_by_year", false),
            ] {
                let mut counts = by_key(table, column);
                if counts.iter().all(|(key, _)| key.is_empty()) {
                    // A chart of one bar "not published" says nothing; the reason does.
                    let what = ui(match column {
                        "category" => "chart_category",
                        "district" => "chart_district",
                        _ => "chart_year",
                    });
                    withheld.push(ui("dimension_withheld").replace("{what}", &what));
                    continue;
                }
                if column == "year" {
                    counts.sort();
                }
                for (key, _) in &mut counts {
                    *key = shown_value(labels, lang, column, key);
                }
                charts.push(write_chart(
                    site_dir,
                    &BarChart {
                        id: format!("appeals-by-{column}"),
                        title: ui(title),
                        desc: counts
                            .iter()
                            .map(|(k, n)| format!("{k}: {n}"))
                            .collect::<Vec<_>>()
                            .join("; "),
                        category_label: match column {
                            "category" => ui("chart_category"),
                            "district" => ui("chart_district"),
                            _ => ui("chart_year"),
                        },
                        categories: counts.iter().map(|(k, _)| k.clone()).collect(),
                        series: vec![Series {
                            name: ui("chart_count"),
                            values: counts.iter().map(|(_, n)| Some(*n as f64)).collect(),
                        }],
                        unit: ui("chart_appeals_unit"),
                        horizontal,
                    },
                    &credit,
                    lang,
                )?);
            }
            statuses = by_key(table, "status")
                .into_iter()
                .map(|(status, n)| Row {
                    label: shown_value(labels, lang, "status", &status),
                    url: String::new(),
                    cells: vec![count(n, lang)],
                })
                .collect();
        }
        let privacy = privacy_report
            .as_ref()
            .map(|r| privacy_sentences(r, labels, lang))
            .unwrap_or_default();
        let extra = AppealsExtra {
            channel_sources,
            channel_totals,
            channel_details,
            channel_dataset_url: channels
                .as_ref()
                .map(|(p, _)| super::content::url(lang, &format!("datasets/{}", p.name)))
                .unwrap_or_default(),
            has_appeals: appeals.is_some(),
            total: count(appeals.as_ref().map_or(0, |a| a.rows.len() as u64), lang),
            statuses,
            charts,
            withheld,
            map: map.as_ref().map(|m| MapInfo {
                geojson: HEXAGONS_FILE.into(),
                geojson_url: HEXAGONS_URL.into(),
                legend: m.legend.clone(),
                mapped: count(m.mapped, lang),
                district_level: count(m.district_level, lang),
                unmapped: count(m.unmapped, lang),
                cells: m.cells,
                districts: m.districts,
                labels: appeals
                    .as_ref()
                    .map(|t| map_labels(t, labels, lang))
                    .unwrap_or_default(),
            }),
            privacy,
            privacy_url: if privacy_report.is_some() {
                urls::privacy_json(appeals_dataset)
            } else {
                String::new()
            },
            appeals_dataset_url: if appeals_dataset.is_empty() {
                String::new()
            } else {
                urls::dataset(lang, appeals_dataset)
            },
        };
        let front = Front {
            title: &ui("citizens_appeals"),
            description: "",
            date: None,
            weight: Some(3),
            template: "appeals.html",
            sort_by: None,
            paginate_by: None,
            extra: &extra,
        };
        write_page(
            &site_dir.join("content"),
            &format!("appeals/{}", file_name("_index", lang)),
            &front,
            "",
        )?;
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_claim_only_what_the_report_says() {
        // The bundled sample: no row has coordinates, so none is "generalised to the district".
        // The sentences are the site skeleton's translations.
        let site = Path::new(env!("CARGO_MANIFEST_DIR")).join("../site");
        let labels = Labels::load(&site).expect("the site skeleton's config.toml");
        let report = serde_json::json!({
            "rows_in": 39, "rows_out": 22, "suppressed": 17,
            "k": {"required": 5}, "l": {"required": 2},
            "information_loss": 0.61,
            "redactions": {"name": 12, "phone": 1},
            "quasi_identifiers": {
                "h3_cell": {"forms": ["h3-r8", "h3-r7"], "rows": {"h3-r8": 0, "h3-r7": 0},
                            "removed": 0, "missing": 22},
                "street": {"forms": ["street"], "rows": {"street": 0}, "removed": 9, "missing": 13},
                "date": {"forms": ["day", "week", "month", "year"],
                         "rows": {"day": 0, "week": 0, "month": 5, "year": 17}}
            }
        });
        let uk = privacy_sentences(&report, &labels, "uk").join(" ");
        assert!(
            uk.contains("Із 39 звернень опубліковано 22; 17 (43,6 %) вилучено"),
            "{uk}"
        );
        assert!(uk.contains("22 не мають координат у джерелі"), "{uk}");
        assert!(!uk.contains("узагальнено до району"), "{uk}");
        assert!(uk.contains("Час: 5 — місяць; 17 — рік."), "{uk}");
        assert!(uk.contains("0,610"), "{uk}");
        let en = privacy_sentences(&report, &labels, "en").join(" ");
        assert!(en.contains("22 have no coordinates in the source"), "{en}");
        assert!(en.contains("13 personal values"), "{en}");

        let mut report = report;
        report["quasi_identifiers"]["h3_cell"]["rows"]["h3-r8"] = 15.into();
        report["quasi_identifiers"]["h3_cell"]["removed"] = 7.into();
        report["quasi_identifiers"]["h3_cell"]["missing"] = 0.into();
        let uk = privacy_sentences(&report, &labels, "uk").join(" ");
        assert!(
            uk.contains("Місце: 15 — комірку H3 роздільності 8; 7 узагальнено до району."),
            "{uk}"
        );
    }
}
