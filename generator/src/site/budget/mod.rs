//! The budget explorer: reads a budget programme's published resources by their column
//! conventions (`measures` with `measure_id` and `amount_<year>`, `kpis` with `value_<year>`,
//! a `resources-by-year` resource with `planned`/`budgeted`/`financed` or `total` and source
//! columns), sums them exactly and recomputes the totals the document states (`checks` with
//! `column-total`, which also cover the long `programme` table); `pages` writes `/budget/`.
//! It does not validate the data (that is `validate`'s job) and draws nothing (`charts` does).

use std::collections::BTreeMap;

use anyhow::Context;
use vidkryto_search::{urls, Layout};

use super::content::{Link, Table, Words};
use super::kinds::{DatasetAdditions, PageKind, Site};
use super::labels::Labels;
use super::numbers::Amount;
use super::zola::ContentFile;
use super::SiteSummary;
use crate::catalog::Package;
use crate::validate::report::PublishedReport;

mod pages;

pub use pages::{
    write_pages, BudgetIndexExtra, CheckRow, KeyFact, MeasureExtra, ProgrammeExtra, Row,
};

/// The budget explorer as a page kind: `/budget/` and a page per programme and measure, for
/// every published package whose resources follow the explorer's conventions ([`load`]) —
/// not only topic `budget`: the IT audit's spending is money a journalist compares too.
pub struct Explorer<'a> {
    programmes: Vec<(&'a Package, Programme)>,
}

impl<'a> Explorer<'a> {
    pub fn load(site: &Site<'a>) -> anyhow::Result<Explorer<'a>> {
        let mut programmes = Vec::new();
        for package in site.packages {
            if let Some(programme) = load(package, site.layout)
                .with_context(|| format!("cannot read the budget of `{}`", package.name))?
            {
                programmes.push((*package, programme));
            }
        }
        Ok(Explorer { programmes })
    }
}

impl PageKind for Explorer<'_> {
    fn dataset_additions(
        &self,
        package: &Package,
        lang: &str,
        labels: &Labels,
    ) -> DatasetAdditions {
        let shown = self.programmes.iter().any(|(p, _)| p.name == package.name);
        DatasetAdditions::related_if(shown, || Link {
            label: labels.ui(lang, "open_budget"),
            url: urls::programme(lang, &package.name),
        })
    }

    fn write(&self, site: &Site) -> anyhow::Result<Vec<ContentFile>> {
        write_pages(&self.programmes, site.dir, site.labels)?;
        Ok(Vec::new())
    }

    fn summarise(&self, summary: &mut SiteSummary) {
        summary.programmes = self
            .programmes
            .iter()
            .map(|(p, _)| p.name.clone())
            .collect();
    }
}

/// One funding source's money, per year.
#[derive(Debug, Clone)]
pub struct SourceSplit {
    pub code: String,
    pub label: String,
    /// English label, when the data has one.
    pub label_en: String,
    pub per_year: Vec<Option<Amount>>,
    pub total: Amount,
}

/// Planned / provided in the budget / financed, for one year.
#[derive(Debug, Clone)]
pub struct Execution {
    pub year: String,
    pub planned: Option<Amount>,
    pub budgeted: Option<Amount>,
    pub financed: Option<Amount>,
}

/// A KPI of a measure.
#[derive(Debug, Clone)]
pub struct Kpi {
    pub kind: String,
    pub kind_label: Words,
    pub indicator: Words,
    pub unit: Words,
    pub values: Vec<Option<Amount>>,
}

/// One measure of a programme.
#[derive(Debug, Clone)]
pub struct Measure {
    pub id: String,
    /// How readers know it: `2.1 Назва` for a numbered measure, the title alone for a
    /// spending category (whose id is a code).
    pub label: Words,
    pub slug: String,
    pub title: Words,
    pub goal: Words,
    pub task: Words,
    pub executor: Words,
    pub term: String,
    pub per_year: Vec<Option<Amount>>,
    pub total: Amount,
    pub funding: Vec<SourceSplit>,
    pub kpis: Vec<Kpi>,
}

/// A figure the document states about what the programme works on (cameras, users), not
/// money: the `key-figures` convention (`indicator_label`, `value`, `unit`, optional
/// `qualifier`, `as_of`, `section`).
#[derive(Debug, Clone)]
pub struct KeyFigure {
    pub label: Words,
    pub value: Amount,
    /// `exact`, `more-than`, `at-least`, `about` (vocabulary `qualifier__<code>`).
    pub qualifier: String,
    pub unit: Words,
    pub as_of: String,
    /// Where in the document the figure stands.
    pub section: Words,
}

/// A programme indicator with its target per year as the document writes it (`так`,
/// `1595*`): the `indicators` convention (`indicator`, `unit`, `value_<year>` and
/// `value_<year>_text`).
#[derive(Debug, Clone)]
pub struct Indicator {
    pub label: Words,
    pub unit: Words,
    pub values: Vec<Words>,
    /// The document's footnotes to the values (`* з них 195 …`).
    pub note: Words,
}

/// A budget programme as the explorer shows it.
#[derive(Debug, Clone)]
pub struct Programme {
    pub name: String,
    pub unit: String,
    pub unit_en: String,
    pub years: Vec<String>,
    pub by_year: Vec<Option<Amount>>,
    pub total: Amount,
    pub sources: Vec<SourceSplit>,
    pub execution: Vec<Execution>,
    pub measures: Vec<Measure>,
    /// Whether the "measures" are spending categories (an audit), not programme measures.
    pub categories: bool,
    /// The sum of the listed measures, when the programme lists measures: it can fall short
    /// of `total` when the document lists only the main ones.
    pub listed_total: Option<Amount>,
    /// Why the listed measures may not add up (the measures resource's description).
    pub listed_note: Words,
    /// Figures the document states besides money, with where it states them.
    pub key_figures: Vec<KeyFigure>,
    /// The programme's indicators and the years they have targets for.
    pub indicators: Vec<Indicator>,
    pub indicator_years: Vec<String>,
    /// Years covered when there are no per-year figures (`2021–2026`).
    pub period: String,
    /// Totals the document states, recomputed from the data.
    pub checks: Vec<StatedTotal>,
}

/// A total the source document states and the sum of the data it describes.
#[derive(Debug, Clone)]
pub struct StatedTotal {
    pub resource: String,
    pub column: String,
    /// The rows summed: (column, value) conditions.
    pub filters: Vec<(String, String)>,
    pub stated: Amount,
    pub computed: Amount,
    pub matches: bool,
    pub warning: bool,
    pub note: String,
    pub note_en: String,
}

fn year_columns(table: &Table, prefix: &str) -> Vec<(String, usize)> {
    table
        .headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let year = h.strip_prefix(prefix)?;
            (year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
                .then(|| (year.to_string(), i))
        })
        .collect()
}

/// A funding source as readers see it: its English title on English pages when the data has
/// one, else the vocabulary (`funding_source__<code>`) or the data's own label, capitalised.
pub(crate) fn source_label(split: &SourceSplit, labels: &Labels, lang: &str) -> String {
    let text = if lang != "uk" && !split.label_en.is_empty() {
        split.label_en.clone()
    } else {
        labels.value(lang, "funding_source", &split.code, &split.label)
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => split.code.clone(),
    }
}

/// Reads a budget programme from its published files; `None` if nothing matches the
/// conventions (the dataset then has only its dataset page).
pub fn load(package: &Package, layout: &Layout) -> anyhow::Result<Option<Programme>> {
    let read = |name: &str| -> anyhow::Result<Option<Table>> {
        if package.public_resources().any(|r| r.name == name) {
            Ok(Some(Table::read(
                &layout.resource_csv(&package.name, name),
            )?))
        } else {
            Ok(None)
        }
    };
    let unit_of = |resource: &str| {
        package
            .resource(resource)
            .and_then(|r| r.schema.as_ref())
            .and_then(|s| s.fields.iter().find(|f| f.unit.is_some()))
            .map(|f| {
                (
                    f.unit.clone().unwrap_or_default(),
                    f.unit_en.clone().unwrap_or_default(),
                )
            })
    };
    let mut programme = Programme {
        name: package.name.clone(),
        unit: String::new(),
        unit_en: String::new(),
        years: Vec::new(),
        by_year: Vec::new(),
        total: Amount(0),
        sources: Vec::new(),
        execution: Vec::new(),
        measures: Vec::new(),
        categories: false,
        listed_total: None,
        listed_note: Words::default(),
        key_figures: Vec::new(),
        indicators: Vec::new(),
        indicator_years: Vec::new(),
        period: String::new(),
        checks: Vec::new(),
    };

    if let Some(table) = read("measures")? {
        let years = year_columns(&table, "amount_");
        if let Some(unit) = unit_of("measures") {
            (programme.unit, programme.unit_en) = unit;
        }
        programme.years = years.iter().map(|(y, _)| y.clone()).collect();
        let id_column = if table.column("measure_id").is_some() {
            "measure_id"
        } else {
            "position"
        };
        let mut order: Vec<String> = Vec::new();
        let mut measures: BTreeMap<String, Measure> = BTreeMap::new();
        for row in &table.rows {
            let id = table.get(row, id_column).to_string();
            if id.is_empty() {
                continue;
            }
            let per_year: Vec<Option<Amount>> = years
                .iter()
                .map(|(_, i)| row.get(*i).and_then(|v| Amount::parse(v)))
                .collect();
            let total = if years.is_empty() {
                Amount::parse(table.get(row, "cost"))
                    .or_else(|| Amount::parse(table.get(row, "amount_total")))
                    .unwrap_or_default()
            } else {
                per_year.iter().flatten().copied().sum()
            };
            let measure = measures.entry(id.clone()).or_insert_with(|| {
                order.push(id.clone());
                Measure {
                    slug: vidkryto_search::urls::slug(&id),
                    id: id.clone(),
                    label: table.words(row, "measure").prefixed(&id),
                    title: table.words(row, "measure"),
                    goal: table.words(row, "goal"),
                    task: table.words(row, "task"),
                    executor: table.words(row, "executor"),
                    term: table.get(row, "term").to_string(),
                    per_year: vec![None; years.len()],
                    total: Amount(0),
                    funding: Vec::new(),
                    kpis: Vec::new(),
                }
            });
            for (slot, value) in measure.per_year.iter_mut().zip(&per_year) {
                if let Some(v) = value {
                    *slot = Some(slot.unwrap_or_default() + *v);
                }
            }
            measure.total += total;
            let code = table.get(row, "funding_source").to_string();
            if !code.is_empty() {
                measure.funding.push(SourceSplit {
                    label: table.get(row, "funding_source_label").to_string(),
                    label_en: table.get(row, "funding_source_label_en").to_string(),
                    code,
                    per_year,
                    total,
                });
            }
        }
        programme.measures = order
            .into_iter()
            .filter_map(|id| measures.remove(&id))
            .collect();
        // Programme sources: the measures' sources, summed.
        let mut sources: Vec<SourceSplit> = Vec::new();
        for split in programme.measures.iter().flat_map(|m| &m.funding) {
            match sources.iter_mut().find(|s| s.code == split.code) {
                Some(s) => {
                    s.total += split.total;
                    for (slot, v) in s.per_year.iter_mut().zip(&split.per_year) {
                        if let Some(v) = v {
                            *slot = Some(slot.unwrap_or_default() + *v);
                        }
                    }
                }
                None => sources.push(split.clone()),
            }
        }
        programme.sources = sources;
        programme.by_year = (0..programme.years.len())
            .map(|i| {
                let values: Vec<Amount> = programme
                    .measures
                    .iter()
                    .filter_map(|m| m.per_year.get(i).copied().flatten())
                    .collect();
                (!values.is_empty()).then(|| values.into_iter().sum())
            })
            .collect();
        programme.total = programme.measures.iter().map(|m| m.total).sum();
        if !programme.measures.is_empty() {
            programme.listed_total = Some(programme.total);
        }
    }

    if let Some(table) = read("kpis")? {
        let years = year_columns(&table, "value_");
        for row in &table.rows {
            let id = table.get(row, "measure_id");
            if let Some(measure) = programme.measures.iter_mut().find(|m| m.id == id) {
                measure.kpis.push(Kpi {
                    kind: table.get(row, "indicator_type").to_string(),
                    kind_label: table.words(row, "indicator_type_label"),
                    indicator: table.words(row, "indicator"),
                    unit: table.words(row, "unit"),
                    values: programme
                        .years
                        .iter()
                        .map(|y| {
                            years
                                .iter()
                                .find(|(ky, _)| ky == y)
                                .and_then(|(_, i)| row.get(*i))
                                .and_then(|v| Amount::parse(v))
                        })
                        .collect(),
                });
            }
        }
    }

    if let Some(table) = read("resources-by-year")? {
        if programme.unit.is_empty() {
            if let Some(unit) = unit_of("resources-by-year") {
                (programme.unit, programme.unit_en) = unit;
            }
        }
        let years: Vec<String> = table
            .rows
            .iter()
            .map(|r| table.get(r, "year").to_string())
            .collect();
        if table.column("planned").is_some() {
            programme.execution = table
                .rows
                .iter()
                .map(|r| Execution {
                    year: table.get(r, "year").to_string(),
                    planned: Amount::parse(table.get(r, "planned")),
                    budgeted: Amount::parse(table.get(r, "budgeted")),
                    financed: Amount::parse(table.get(r, "financed")),
                })
                .collect();
        }
        if programme.measures.is_empty() || programme.years.is_empty() {
            let total_column = if table.column("planned").is_some() {
                "planned"
            } else {
                "total"
            };
            programme.years = years;
            programme.by_year = table
                .rows
                .iter()
                .map(|r| Amount::parse(table.get(r, total_column)))
                .collect();
            // The document's resources are the programme's total; listed measures may cover
            // only part of it (`listed_total`).
            programme.total = programme.by_year.iter().flatten().copied().sum();
            let fields = package
                .resource("resources-by-year")
                .and_then(|r| r.schema.as_ref())
                .map(|s| s.fields.clone())
                .unwrap_or_default();
            for field in fields.iter().filter(|f| {
                !matches!(
                    f.name.as_str(),
                    "year" | "total" | "planned" | "budgeted" | "financed"
                )
            }) {
                let per_year: Vec<Option<Amount>> = table
                    .rows
                    .iter()
                    .map(|r| Amount::parse(table.get(r, &field.name)))
                    .collect();
                programme.sources.push(SourceSplit {
                    code: field.name.clone(),
                    label: field.title.clone(),
                    label_en: field.title_en.clone(),
                    total: per_year.iter().flatten().copied().sum(),
                    per_year,
                });
            }
        }
    }

    if let Some(table) = read("funding")? {
        read_funding(&mut programme, &table);
    }
    if programme.measures.is_empty() {
        if let Some(resource) = package.public_resources().find(|r| {
            r.schema.as_ref().is_some_and(|s| {
                ["category", "amount"]
                    .iter()
                    .all(|n| s.fields.iter().any(|f| f.name == *n))
            })
        }) {
            let table = Table::read(&layout.resource_csv(&package.name, &resource.name))?;
            read_items(&mut programme, &table);
            if programme.unit.is_empty() {
                if let Some(unit) = unit_of(&resource.name) {
                    (programme.unit, programme.unit_en) = unit;
                }
            }
        }
    }
    if programme.unit.is_empty() {
        if let Some(unit) = unit_of("funding") {
            (programme.unit, programme.unit_en) = unit;
        }
    }
    if programme.years.is_empty() && programme.measures.is_empty() && programme.sources.is_empty() {
        return Ok(None);
    }
    if programme.period.is_empty() {
        programme.period = period_of(&programme.years, &package.name);
    }
    if let Some(resource) = package.resource("measures") {
        programme.listed_note = Words {
            text: resource.description.clone(),
            en: resource.description_en.clone(),
        };
    }
    if let Some(table) = read("key-figures")? {
        // Rows without a section of their own stand in the resource's source section.
        let source = package
            .resource("key-figures")
            .and_then(|r| r.extra.get("sources")?.get(0));
        let text = |key: &str| {
            source
                .and_then(|s| s.get(key)?.as_str())
                .unwrap_or("")
                .to_string()
        };
        let section = Words {
            text: text("section"),
            en: text("section_en"),
        };
        programme.key_figures = read_key_figures(&table, &section);
    }
    if let Some(table) = read("indicators")? {
        (programme.indicator_years, programme.indicators) = read_indicators(&table);
    }
    programme.checks = stated_totals(package, layout)?;
    Ok(Some(programme))
}

fn read_key_figures(table: &Table, resource_section: &Words) -> Vec<KeyFigure> {
    table
        .rows
        .iter()
        .filter_map(|row| {
            let value = Amount::parse(table.get(row, "value"))?;
            let label = table.words(row, "indicator_label");
            if label.is_empty() {
                return None;
            }
            let section = table.words(row, "section");
            Some(KeyFigure {
                label,
                value,
                qualifier: table.get(row, "qualifier").to_string(),
                unit: table.words(row, "unit"),
                as_of: table.get(row, "as_of").to_string(),
                section: if section.is_empty() {
                    resource_section.clone()
                } else {
                    section
                },
            })
        })
        .collect()
}

fn read_indicators(table: &Table) -> (Vec<String>, Vec<Indicator>) {
    let years: Vec<String> = year_columns(table, "value_")
        .into_iter()
        .map(|(y, _)| y)
        .collect();
    let indicators = table
        .rows
        .iter()
        .filter_map(|row| {
            let label = table.words(row, "indicator");
            if label.is_empty() {
                return None;
            }
            let values = years
                .iter()
                .map(|y| {
                    // The document's own writing (`1595*`, `так`) first; a bare number as such.
                    let text = table.words(row, &format!("value_{y}_text"));
                    if text.is_empty() {
                        Words::same(table.get(row, &format!("value_{y}")))
                    } else {
                        text
                    }
                })
                .collect();
            Some(Indicator {
                label,
                unit: table.words(row, "unit"),
                values,
                note: table.words(row, "note"),
            })
        })
        .collect();
    (years, indicators)
}

/// The `funding` convention: one row per source (`source`, `source_title`, `amount`, optional
/// `year_from` / `year_to`) for a programme whose document gives no split by year.
fn read_funding(programme: &mut Programme, table: &Table) {
    let mut from = None;
    let mut to = None;
    for row in &table.rows {
        let code = table.get(row, "source").to_string();
        let total = Amount::parse(table.get(row, "amount"));
        for (slot, column, earlier) in [(&mut from, "year_from", true), (&mut to, "year_to", false)]
        {
            if let Ok(year) = table.get(row, column).parse::<u16>() {
                *slot = Some(match *slot {
                    Some(y) if earlier => year.min(y),
                    Some(y) => year.max(y),
                    None => year,
                });
            }
        }
        let Some(total) = total else { continue };
        programme.sources.push(SourceSplit {
            label: table.get(row, "source_title").to_string(),
            label_en: table.get(row, "source_title_en").to_string(),
            code,
            per_year: Vec::new(),
            total,
        });
    }
    if programme.measures.is_empty() && programme.years.is_empty() {
        programme.total = programme.sources.iter().map(|s| s.total).sum();
    }
    if let (Some(a), Some(b)) = (from, to) {
        programme.period = if a == b {
            a.to_string()
        } else {
            format!("{a}–{b}")
        };
    }
}

/// The spending-by-category convention (`category`, `category_label`, `amount`): each row an
/// item of the programme's money, shown like a measure the document gives only a cost for.
fn read_items(programme: &mut Programme, table: &Table) {
    for row in &table.rows {
        let id = table.get(row, "category").to_string();
        let Some(total) = Amount::parse(table.get(row, "amount")) else {
            continue;
        };
        if id.is_empty() {
            continue;
        }
        programme.measures.push(Measure {
            slug: vidkryto_search::urls::slug(&id),
            label: table.words(row, "category_label"),
            title: table.words(row, "category_label"),
            id,
            goal: Words::default(),
            task: Words::default(),
            executor: Words::default(),
            term: String::new(),
            per_year: Vec::new(),
            total,
            funding: Vec::new(),
            kpis: Vec::new(),
        });
    }
    programme.categories = true;
    let sum: Amount = programme.measures.iter().map(|m| m.total).sum();
    if programme.total.is_zero() {
        programme.total = sum;
    }
    programme.listed_total = Some(sum);
}

/// `2024–2025` from the years, else from a dataset name ending `-YYYY-YYYY`.
fn period_of(years: &[String], name: &str) -> String {
    match (years.first(), years.last()) {
        (Some(a), Some(b)) if a != b => return format!("{a}–{b}"),
        (Some(a), _) => return a.clone(),
        _ => {}
    }
    let parts: Vec<&str> = name.rsplitn(3, '-').collect();
    match parts.as_slice() {
        [to, from, _]
            if [to, from]
                .iter()
                .all(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit())) =>
        {
            format!("{from}–{to}")
        }
        _ => String::new(),
    }
}

/// The package's stated totals as `validate` found them, read from the published
/// `validation.json` (the one place a check is evaluated); a build without a report has
/// none to show.
fn stated_totals(package: &Package, layout: &Layout) -> anyhow::Result<Vec<StatedTotal>> {
    let totals = PublishedReport::read(&layout.validation_file(&package.name))?
        .map(PublishedReport::stated_totals)
        .unwrap_or_default();
    Ok(totals
        .into_iter()
        .filter(|t| package.public_resources().any(|r| r.name == t.resource))
        .map(|t| StatedTotal {
            stated: Amount::of(t.expected),
            computed: Amount::of(t.computed),
            matches: t.matches,
            warning: t.warning,
            note: t.note.unwrap_or_default(),
            note_en: t.note_en.unwrap_or_default(),
            resource: t.resource,
            column: t.column,
            filters: t.filters,
        })
        .collect())
}
