//! The budget explorer's pages: `/budget/`, one section per programme (figures by year, by
//! source, planned / in budget / financed, measures, stated totals, charts, treemap) and one
//! page per measure (funding, the document's KPIs, years compared; no derived unit cost,
//! which would contradict the document's own efficiency indicators), in both
//! languages. The figures come from the parent module's model.

use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use super::{source_label, Execution, Measure, Programme};
use crate::catalog::Package;
use crate::site::charts::{treemap_svg, BarChart, Series, Tile};
use crate::site::content::{
    file_name, pick, save_chart, url, write_chart, write_page, ChartCredit, ChartRef, Front, Link,
    LANGS,
};
use crate::site::labels::{shorten, Labels};
use crate::site::numbers::{format_percent, Amount};

/// `section.extra` of `/budget/` (`templates/budget.html`).
#[derive(Debug, Serialize)]
pub struct BudgetIndexExtra {
    /// Every programme with its headline figures.
    pub programmes: Vec<ProgrammeSummary>,
}

/// One programme in the budget index.
#[derive(Debug, Serialize)]
pub struct ProgrammeSummary {
    pub title: String,
    pub url: String,
    /// Years covered, e.g. `2024–2025`.
    pub years: String,
    /// Total money the document gives for the programme, formatted.
    pub total: String,
    pub unit: String,
    /// Planned / provided in the budget / financed over the whole period, and the share
    /// financed of planned; empty where the document gives no such figure.
    pub money: Money,
}

/// What the document says about a programme's money as a whole: planned, provided in the
/// budget, financed (each formatted, empty where the document does not say).
#[derive(Debug, Default, Serialize)]
pub struct Money {
    pub planned: String,
    pub budgeted: String,
    pub financed: String,
    /// Financed as a share of planned.
    pub share_financed: String,
}

fn money_of(p: &Programme, lang: &str) -> Money {
    let sum = |pick_value: fn(&Execution) -> Option<Amount>| -> Option<Amount> {
        let values: Vec<Amount> = p.execution.iter().filter_map(pick_value).collect();
        (!values.is_empty()).then(|| values.into_iter().sum())
    };
    let planned = sum(|e| e.planned).or(Some(p.total).filter(|t| !t.is_zero()));
    let budgeted = sum(|e| e.budgeted);
    let financed = sum(|e| e.financed);
    let text = |v: Option<Amount>| v.map(|v| v.format(1, lang)).unwrap_or_default();
    Money {
        planned: text(planned),
        budgeted: text(budgeted),
        financed: text(financed),
        share_financed: match (financed, planned) {
            (Some(f), Some(p)) => f
                .ratio(p)
                .map(|r| format_percent(r, lang))
                .unwrap_or_default(),
            _ => String::new(),
        },
    }
}

/// A formatted row of a figures table.
#[derive(Debug, Serialize)]
pub struct Row {
    /// Row label.
    pub label: String,
    /// Link of the label, if any.
    pub url: String,
    /// Formatted cells.
    pub cells: Vec<String>,
}

/// `section.extra` of `/budget/<dataset>/` (`templates/programme.html`).
#[derive(Debug, Serialize)]
pub struct ProgrammeExtra {
    /// The dataset behind the programme.
    pub dataset: String,
    /// The dataset page.
    pub dataset_url: String,
    /// Unit of money.
    pub unit: String,
    /// Total money the document gives for the programme, formatted.
    pub total: String,
    /// Planned / in budget / financed over the whole period.
    pub money: Money,
    /// Years covered (`2024–2025`).
    pub period: String,
    /// The sum of the listed measures, when it differs from the total (formatted; else empty).
    pub listed_total: String,
    /// The listed measures' share of the total.
    pub listed_share: String,
    /// Total minus listed measures.
    pub listed_difference: String,
    /// Why they differ, in the data's own words (the measures resource's description).
    pub listed_note: String,
    /// The document's own discrepancies and figures that do not match (shown first).
    pub discrepancies: Vec<CheckRow>,
    /// The programme's money by year, as headline figures (year, amount).
    pub year_figures: Vec<Link>,
    /// The programme's money by source, as headline figures (source, amount).
    pub source_figures: Vec<Link>,
    /// Years of the per-year tables.
    pub years: Vec<String>,
    /// Years of the measures table (empty when the document gives measures only a cost).
    pub measure_years: Vec<String>,
    /// Whether the measures are spending categories (an audit).
    pub categories: bool,
    /// Money by year (one row per year: amount, change on the previous year).
    pub by_year: Vec<Row>,
    /// Money by source (label, one cell per year, total).
    pub by_source: Vec<Row>,
    /// Planned / in budget / financed and the shares, per year, where the data has them.
    pub execution: Vec<Row>,
    /// Measures (id + title, one cell per year, total, share of the programme).
    pub measures: Vec<Row>,
    /// Totals the document states versus the sums of the data.
    pub checks: Vec<CheckRow>,
    /// Charts (by year or execution, by source, by measure, treemap).
    pub charts: Vec<ChartRef>,
    /// Figures the document states besides money (cameras, users), each with its section.
    pub key_facts: Vec<KeyFact>,
    /// The programme's indicators (label; unit, one cell per year as the document writes it).
    pub indicators: Vec<Row>,
    pub indicator_years: Vec<String>,
}

/// A figure of the "key facts" block: `понад 320 000` `користувачів` — what, as of when, where.
#[derive(Debug, Serialize)]
pub struct KeyFact {
    pub figure: String,
    pub unit: String,
    pub label: String,
    pub as_of: String,
    pub section: String,
}

/// A stated total and its recomputation.
#[derive(Debug, Serialize)]
pub struct CheckRow {
    pub what: String,
    pub stated: String,
    pub computed: String,
    /// `ok`, `differs` or `warning` (a discrepancy the document itself contains).
    pub status: String,
    pub note: String,
}

/// `page.extra` of `/budget/<dataset>/<measure>/` (`templates/measure.html`).
#[derive(Debug, Serialize)]
pub struct MeasureExtra {
    pub dataset: String,
    pub programme_url: String,
    pub id: String,
    pub goal: String,
    pub task: String,
    pub executor: String,
    pub term: String,
    pub unit: String,
    /// The measure's money in all, formatted.
    pub total: String,
    pub years: Vec<String>,
    /// Funding by source: label, one cell per year, total.
    pub funding: Vec<Row>,
    /// Change between consecutive years (`2025 vs 2024: +12.5%`).
    pub comparison: Vec<String>,
    /// KPIs: type, indicator, unit, one cell per year.
    pub kpis: Vec<Row>,
    pub charts: Vec<ChartRef>,
}

fn cell(value: Option<Amount>, lang: &str) -> String {
    value.map_or_else(|| "—".to_string(), |v| v.format_auto(lang))
}

fn money(value: Option<Amount>, lang: &str) -> String {
    value.map_or_else(|| "—".to_string(), |v| v.format(1, lang))
}

fn change(from: Option<Amount>, to: Option<Amount>, lang: &str) -> String {
    match (from, to) {
        (Some(a), Some(b)) if !a.is_zero() => {
            let ratio = (b.0 - a.0) as f64 / a.0 as f64;
            let sign = if ratio > 0.0 { "+" } else { "" };
            format!("{sign}{}", format_percent(ratio, lang))
        }
        _ => "—".into(),
    }
}

fn values(v: &[Option<Amount>]) -> Vec<Option<f64>> {
    v.iter().map(|a| a.map(Amount::as_f64)).collect()
}

/// Writes `/budget/` and every programme's pages.
pub fn write_pages(
    programmes: &[(&Package, Programme)],
    site_dir: &Path,
    labels: &Labels,
) -> anyhow::Result<()> {
    let content = site_dir.join("content");
    for lang in LANGS {
        let summaries = programmes
            .iter()
            .map(|(package, p)| ProgrammeSummary {
                title: pick(lang, &package.title, &package.title_en).to_string(),
                url: url(lang, &format!("budget/{}", package.name)),
                years: p.period.clone(),
                total: p.total.format(1, lang),
                unit: pick(lang, &p.unit, &p.unit_en).to_string(),
                money: money_of(p, lang),
            })
            .collect();
        let front = Front {
            title: &labels.ui(lang, "open_budget"),
            description: "",
            date: None,
            weight: Some(2),
            template: "budget.html",
            sort_by: None,
            paginate_by: None,
            extra: &BudgetIndexExtra {
                programmes: summaries,
            },
        };
        write_page(
            &content,
            &format!("budget/{}", file_name("_index", lang)),
            &front,
            "",
        )?;
    }
    for (package, programme) in programmes {
        for lang in LANGS {
            write_programme(package, programme, site_dir, labels, lang)
                .with_context(|| format!("budget pages of `{}`", package.name))?;
        }
    }
    Ok(())
}

fn write_programme(
    package: &Package,
    p: &Programme,
    site_dir: &Path,
    labels: &Labels,
    lang: &str,
) -> anyhow::Result<()> {
    let content = site_dir.join("content");
    let unit = pick(lang, &p.unit, &p.unit_en).to_string();
    let title = pick(lang, &package.title, &package.title_en);
    let ui = |key: &str| labels.ui(lang, key);
    let credit = ChartCredit::of(package, labels, lang);
    let mut charts = Vec::new();

    let by_year: Vec<Row> = p
        .years
        .iter()
        .enumerate()
        .map(|(i, year)| Row {
            label: year.clone(),
            url: String::new(),
            cells: vec![
                money(p.by_year.get(i).copied().flatten(), lang),
                if i == 0 {
                    "—".into()
                } else {
                    change(
                        p.by_year.get(i - 1).copied().flatten(),
                        p.by_year.get(i).copied().flatten(),
                        lang,
                    )
                },
            ],
        })
        .collect();

    if p.execution.is_empty() && !p.years.is_empty() {
        charts.push(write_chart(
            site_dir,
            &BarChart {
                id: format!("{}-by-year", p.name),
                title: ui("chart_funding_by_year"),
                desc: format!(
                    "{}: {}",
                    ui("chart_bars_by_year"),
                    p.years
                        .iter()
                        .zip(&p.by_year)
                        .map(|(y, v)| format!("{y} — {} {unit}", money(*v, lang)))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                category_label: ui("chart_year"),
                categories: p.years.clone(),
                series: vec![Series {
                    name: ui("chart_amount"),
                    values: values(&p.by_year),
                }],
                unit: unit.clone(),
                horizontal: false,
            },
            &credit,
            lang,
        )?);
    }

    let execution: Vec<Row> = p
        .execution
        .iter()
        .map(|e| {
            let share = |part: Option<Amount>, whole: Option<Amount>| match (part, whole) {
                (Some(a), Some(b)) => a.ratio(b).map_or("—".into(), |r| format_percent(r, lang)),
                _ => "—".into(),
            };
            Row {
                label: e.year.clone(),
                url: String::new(),
                cells: vec![
                    money(e.planned, lang),
                    money(e.budgeted, lang),
                    money(e.financed, lang),
                    share(e.budgeted, e.planned),
                    share(e.financed, e.planned),
                    share(e.financed, e.budgeted),
                ],
            }
        })
        .collect();
    if !p.execution.is_empty() {
        let years: Vec<String> = p.execution.iter().map(|e| e.year.clone()).collect();
        let series = |name: String, pick_value: fn(&Execution) -> Option<Amount>| Series {
            name,
            values: p
                .execution
                .iter()
                .map(|e| pick_value(e).map(Amount::as_f64))
                .collect(),
        };
        charts.push(write_chart(
            site_dir,
            &BarChart {
                id: format!("{}-execution", p.name),
                title: ui("chart_execution"),
                desc: p
                    .execution
                    .iter()
                    .map(|e| {
                        format!(
                            "{}: {} / {} / {} {unit}",
                            e.year,
                            money(e.planned, lang),
                            money(e.budgeted, lang),
                            money(e.financed, lang)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                category_label: ui("chart_year"),
                categories: years,
                series: vec![
                    series(ui("chart_planned"), |e| e.planned),
                    series(ui("chart_budgeted"), |e| e.budgeted),
                    series(ui("chart_financed"), |e| e.financed),
                ],
                unit: unit.clone(),
                horizontal: false,
            },
            &credit,
            lang,
        )?);
    }

    let by_source: Vec<Row> = p
        .sources
        .iter()
        .map(|s| {
            let mut cells: Vec<String> = s.per_year.iter().map(|v| money(*v, lang)).collect();
            cells.push(s.total.format(1, lang));
            Row {
                label: source_label(s, labels, lang),
                url: String::new(),
                cells,
            }
        })
        .collect();
    if p.sources.len() > 1 || (!p.sources.is_empty() && p.years.len() > 1) {
        charts.push(write_chart(
            site_dir,
            &BarChart {
                id: format!("{}-by-source", p.name),
                title: ui("chart_funding_by_source"),
                desc: by_source
                    .iter()
                    .map(|r| {
                        format!(
                            "{}: {} {unit}",
                            r.label,
                            r.cells.last().cloned().unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                category_label: ui("chart_year"),
                categories: p.years.clone(),
                series: p
                    .sources
                    .iter()
                    .map(|s| Series {
                        name: source_label(s, labels, lang),
                        values: values(&s.per_year),
                    })
                    .collect(),
                unit: unit.clone(),
                horizontal: false,
            },
            &credit,
            lang,
        )?);
    }

    let measures: Vec<Row> = p
        .measures
        .iter()
        .map(|m| {
            let mut cells: Vec<String> = m.per_year.iter().map(|v| money(*v, lang)).collect();
            cells.push(m.total.format(1, lang));
            cells.push(
                m.total
                    .ratio(p.total)
                    .map_or("—".into(), |r| format_percent(r, lang)),
            );
            Row {
                label: m.label.get(lang).to_string(),
                url: vidkryto_search::urls::measure(lang, &p.name, &m.id),
                cells,
            }
        })
        .collect();
    if !p.measures.is_empty() {
        let multi_year = !p.measures[0].per_year.is_empty();
        charts.push(write_chart(
            site_dir,
            &BarChart {
                id: format!("{}-by-measure", p.name),
                title: if multi_year {
                    ui("chart_measures_by_year")
                } else if p.categories {
                    ui("chart_spending_by_category")
                } else {
                    ui("chart_measure_costs")
                },
                desc: p
                    .measures
                    .iter()
                    .map(|m| format!("{}: {} {unit}", m.label.get(lang), m.total.format(1, lang)))
                    .collect::<Vec<_>>()
                    .join("; "),
                category_label: if p.categories {
                    ui("chart_spending_category")
                } else {
                    ui("chart_measure")
                },
                // Short names cut at a word: the full titles are in the measures table.
                categories: p.measures.iter().map(|m| short_label(p, m, lang)).collect(),
                series: if multi_year {
                    p.years
                        .iter()
                        .enumerate()
                        .map(|(i, y)| Series {
                            name: y.clone(),
                            values: p
                                .measures
                                .iter()
                                .map(|m| m.per_year.get(i).copied().flatten().map(Amount::as_f64))
                                .collect(),
                        })
                        .collect()
                } else {
                    vec![Series {
                        name: ui("chart_cost"),
                        values: p.measures.iter().map(|m| Some(m.total.as_f64())).collect(),
                    }]
                },
                unit: unit.clone(),
                horizontal: true,
            },
            &credit,
            lang,
        )?);
        let tiles: Vec<Tile> = p
            .measures
            .iter()
            .map(|m| Tile {
                label: format!(
                    "{} · {}",
                    if p.categories {
                        shorten(m.title.get(lang), 24)
                    } else {
                        m.id.clone()
                    },
                    m.total.format(0, lang)
                ),
                value: m.total.as_f64(),
            })
            .collect();
        let id = format!("{}-treemap", p.name);
        let tree_title = ui("chart_measure_shares");
        let desc = p
            .measures
            .iter()
            .map(|m| {
                format!(
                    "{} — {}",
                    m.label.get(lang),
                    m.total
                        .ratio(p.total)
                        .map_or("—".into(), |r| format_percent(r, lang))
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let svg = treemap_svg(&id, &tree_title, &desc, &tiles)?;
        let mut csv = format!("{},{} ({unit})\n", ui("chart_measure"), ui("chart_amount"));
        for m in &p.measures {
            csv.push_str(&format!(
                "{},{}\n",
                csv_field(m.label.get(lang)),
                trim(m.total.as_f64())
            ));
        }
        charts.push(save_chart(
            site_dir,
            &id,
            &tree_title,
            &svg,
            &csv,
            &credit,
            lang,
        )?);
    }

    let checks: Vec<CheckRow> = p
        .checks
        .iter()
        .map(|c| CheckRow {
            what: check_label(package, c, labels, lang),
            stated: c.stated.format(1, lang),
            computed: c.computed.format(1, lang),
            status: if c.matches {
                "ok".into()
            } else if c.warning {
                "warning".into()
            } else {
                "differs".into()
            },
            note: pick(lang, &c.note, &c.note_en).to_string(),
        })
        .collect();
    let discrepancies = checks
        .iter()
        .filter(|c| c.status != "ok" || !c.note.is_empty())
        .map(|c| CheckRow {
            what: c.what.clone(),
            stated: c.stated.clone(),
            computed: c.computed.clone(),
            status: c.status.clone(),
            note: c.note.clone(),
        })
        .collect();
    let listed = p.listed_total.filter(|l| *l != p.total);
    let measure_years = if p.measures.iter().any(|m| !m.per_year.is_empty()) {
        p.years.clone()
    } else {
        Vec::new()
    };

    let extra = ProgrammeExtra {
        dataset: p.name.clone(),
        dataset_url: url(lang, &format!("datasets/{}", p.name)),
        unit: unit.clone(),
        total: p.total.format(1, lang),
        money: money_of(p, lang),
        period: p.period.clone(),
        listed_total: listed.map(|l| l.format(1, lang)).unwrap_or_default(),
        listed_share: listed
            .and_then(|l| l.ratio(p.total))
            .map(|r| format_percent(r, lang))
            .unwrap_or_default(),
        listed_difference: listed
            .map(|l| Amount(p.total.0 - l.0).format(1, lang))
            .unwrap_or_default(),
        listed_note: if listed.is_some() {
            p.listed_note.get(lang).to_string()
        } else {
            String::new()
        },
        discrepancies,
        // Per year only where the years are one figure each (with execution data the
        // execution table gives planned / in budget / financed per year).
        year_figures: p
            .years
            .iter()
            .zip(&p.by_year)
            .filter(|_| p.execution.is_empty())
            .filter_map(|(y, v)| {
                v.map(|v| Link {
                    label: y.clone(),
                    url: v.format(1, lang),
                })
            })
            .collect(),
        // Sources the document names without an amount are not a 0,0.
        source_figures: if p.sources.len() > 1 {
            p.sources
                .iter()
                .filter(|s| !s.total.is_zero() || s.per_year.iter().any(Option::is_some))
                .map(|s| Link {
                    label: source_label(s, labels, lang),
                    url: s.total.format(1, lang),
                })
                .collect()
        } else {
            Vec::new()
        },
        years: p.years.clone(),
        measure_years,
        categories: p.categories,
        by_year,
        by_source,
        execution,
        measures,
        checks,
        charts,
        key_facts: key_facts(p, labels, lang),
        indicators: p
            .indicators
            .iter()
            .map(|i| Row {
                label: i.label.get(lang).to_string(),
                url: String::new(),
                cells: std::iter::once(i.unit.get(lang).to_string())
                    .chain(i.values.iter().map(|v| v.get(lang).to_string()))
                    .chain(std::iter::once(i.note.get(lang).to_string()))
                    .collect(),
            })
            .collect(),
        indicator_years: p.indicator_years.clone(),
    };
    let description = pick(lang, &package.description, &package.description_en);
    let front = Front {
        title,
        description: "",
        date: None,
        weight: None,
        template: "programme.html",
        sort_by: Some("weight"),
        paginate_by: None,
        extra: &extra,
    };
    write_page(
        &content,
        &format!("budget/{}/{}", p.name, file_name("_index", lang)),
        &front,
        &crate::site::content::markdown_paragraphs(description),
    )?;

    // Every measure has its page (search links to each), even one the document gives only a
    // cost for.
    for (weight, m) in p.measures.iter().enumerate() {
        write_measure(p, m, weight as i64, site_dir, labels, &credit, lang)?;
    }
    Ok(())
}

/// A stated total in words: the column's title, the table's, and the rows summed with their
/// values labelled (`Обсяг фінансування, всього — Заходи Програми; Джерело фінансування:
/// Бюджет міста`), never `measures.amount_total (funding_source = city-budget)`.
fn check_label(package: &Package, c: &super::StatedTotal, labels: &Labels, lang: &str) -> String {
    let resource = package.resource(&c.resource);
    let fields = resource
        .and_then(|r| r.schema.as_ref())
        .map(|s| s.fields.as_slice())
        .unwrap_or(&[]);
    let title = |name: &str| {
        let field = fields
            .iter()
            .find(|f| f.name == format!("{name}_label"))
            .or_else(|| fields.iter().find(|f| f.name == name));
        field
            .map(|f| pick(lang, &f.title, &f.title_en).to_string())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| name.to_string())
    };
    let mut text = title(&c.column);
    if let Some(r) = resource {
        let table = pick(lang, &r.title, &r.title_en);
        if !table.is_empty() {
            text = format!("{text} — {table}");
        }
    }
    for (column, value) in &c.filters {
        let shown = crate::site::labels::source_document(package, value, lang, 60)
            .filter(|_| labels.code(lang, column, value).is_none())
            .unwrap_or_else(|| labels.value(lang, column, value, ""));
        text = format!("{text}; {}: {shown}", title(column));
    }
    text
}

fn key_facts(p: &Programme, labels: &Labels, lang: &str) -> Vec<KeyFact> {
    p.key_figures
        .iter()
        .map(|k| {
            let number = k.value.format_auto(lang);
            // "more than 320 000": the qualifier's words, except for an exact figure.
            let figure = match k.qualifier.as_str() {
                "" | "exact" => number,
                q => format!("{} {number}", labels.value(lang, "qualifier", q, "")),
            };
            KeyFact {
                figure,
                unit: k.unit.get(lang).to_string(),
                label: k.label.get(lang).to_string(),
                as_of: k.as_of.clone(),
                section: k.section.get(lang).to_string(),
            }
        })
        .collect()
}

/// A measure's short name for chart axes: its number and the start of its title, cut at a
/// word (`1.1 Розвиток, впровадження…`); a category's title alone.
fn short_label(p: &Programme, m: &Measure, lang: &str) -> String {
    if p.categories {
        shorten(m.title.get(lang), 36)
    } else {
        format!("{} {}", m.id, shorten(m.title.get(lang), 30))
    }
}

/// A CSV field, quoted when it must be.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn trim(v: f64) -> String {
    let text = format!("{v:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn write_measure(
    p: &Programme,
    m: &Measure,
    weight: i64,
    site_dir: &Path,
    labels: &Labels,
    credit: &ChartCredit,
    lang: &str,
) -> anyhow::Result<()> {
    let unit = pick(lang, &p.unit, &p.unit_en).to_string();
    let ui = |key: &str| labels.ui(lang, key);
    let mut funding: Vec<Row> = m
        .funding
        .iter()
        .map(|s| {
            let mut cells: Vec<String> = s.per_year.iter().map(|v| money(*v, lang)).collect();
            cells.push(s.total.format(1, lang));
            Row {
                label: source_label(s, labels, lang),
                url: String::new(),
                cells,
            }
        })
        .collect();
    if m.funding.len() != 1 {
        let mut cells: Vec<String> = m.per_year.iter().map(|v| money(*v, lang)).collect();
        cells.push(m.total.format(1, lang));
        funding.push(Row {
            label: ui("funding_total_row"),
            url: String::new(),
            cells,
        });
    }
    // A measure the document gives only a cost for has no years of its own.
    let years = if m.per_year.is_empty() {
        Vec::new()
    } else {
        p.years.clone()
    };
    let comparison = years
        .windows(2)
        .enumerate()
        .map(|(i, pair)| {
            format!(
                "{} / {}: {}",
                pair[1],
                pair[0],
                change(
                    m.per_year.get(i).copied().flatten(),
                    m.per_year.get(i + 1).copied().flatten(),
                    lang,
                )
            )
        })
        .collect();
    let kpis = m
        .kpis
        .iter()
        .map(|k| {
            let mut cells = vec![
                labels.value(lang, "indicator_type", &k.kind, k.kind_label.get(lang)),
                k.unit.get(lang).to_string(),
            ];
            cells.extend(k.values.iter().map(|v| cell(*v, lang)));
            Row {
                label: k.indicator.get(lang).to_string(),
                url: String::new(),
                cells,
            }
        })
        .collect();
    let mut charts = Vec::new();
    if !m.per_year.is_empty() {
        let chart = BarChart {
            id: format!("{}-{}-by-year", p.name, m.slug),
            title: ui("chart_measure_funding_by_year"),
            desc: p
                .years
                .iter()
                .zip(&m.per_year)
                .map(|(y, v)| format!("{y}: {} {unit}", money(*v, lang)))
                .collect::<Vec<_>>()
                .join("; "),
            category_label: ui("chart_year"),
            categories: p.years.clone(),
            series: if m.funding.len() > 1 {
                m.funding
                    .iter()
                    .map(|s| Series {
                        name: source_label(s, labels, lang),
                        values: values(&s.per_year),
                    })
                    .collect()
            } else {
                vec![Series {
                    name: ui("chart_amount"),
                    values: values(&m.per_year),
                }]
            },
            unit: unit.clone(),
            horizontal: false,
        };
        charts.push(write_chart(site_dir, &chart, credit, lang)?);
    }
    let extra = MeasureExtra {
        dataset: p.name.clone(),
        programme_url: url(lang, &format!("budget/{}", p.name)),
        id: m.id.clone(),
        goal: m.goal.get(lang).to_string(),
        task: m.task.get(lang).to_string(),
        executor: m.executor.get(lang).to_string(),
        term: m.term.clone(),
        unit,
        total: m.total.format(1, lang),
        years,
        funding,
        comparison,
        kpis,
        charts,
    };
    let title = if p.categories {
        m.title.get(lang).to_string()
    } else {
        ui("measure_title")
            .replace("{id}", &m.id)
            .replace("{title}", m.title.get(lang))
    };
    let front = Front {
        title: &title,
        description: "",
        date: None,
        weight: Some(weight),
        template: "measure.html",
        sort_by: None,
        paginate_by: None,
        extra: &extra,
    };
    write_page(
        &site_dir.join("content"),
        &format!("budget/{}/{}", p.name, file_name(&m.slug, lang)),
        &front,
        "",
    )
}
