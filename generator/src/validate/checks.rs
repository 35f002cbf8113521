//! The data package's `checks` (a Vidkryto extension, see datasets/README.md): totals the
//! source documents state. `column-total` sums a column (optionally over matching rows),
//! `row-total` adds parts across a row, `sources-agree` compares figures two documents give
//! for the same thing. Checks watch the typed rows of one resource as they stream by.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::constraints::show;
use super::report::{Issue, Kind as IssueKind, StatedTotal};
use super::schema::CompiledSchema;
use super::types::{self, Scalar, Typed};

/// How a failed check counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug)]
enum Rule {
    ColumnTotal {
        column: usize,
        /// (column, value, `column = value` for messages, the value as text).
        filters: Vec<(usize, Scalar, String, String)>,
        expected: f64,
        sum: f64,
        rows: u64,
    },
    RowTotal {
        total: usize,
        parts: Vec<usize>,
        failures: Vec<Issue>,
    },
    SourcesAgree {
        key: Vec<usize>,
        by: usize,
        value: usize,
        /// Key text → (by text, value, row) for each row.
        seen: BTreeMap<Vec<String>, Vec<(String, f64, u64)>>,
    },
}

/// One compiled check, with its running state.
#[derive(Debug)]
pub struct Check {
    /// Position in the package's `checks`, for messages.
    pub index: usize,
    rule: Rule,
    precision: f64,
    pub severity: Severity,
    /// The resource it watches (empty: the package's only one).
    resource: String,
    source: Option<String>,
    note: Option<String>,
    note_en: Option<String>,
}

fn field_of(schema: &CompiledSchema, spec: &Json, key: &str, what: &str) -> Result<usize, String> {
    let name = spec
        .get(key)
        .and_then(Json::as_str)
        .ok_or_else(|| format!("{what}: `{key}` must name a column"))?;
    schema.position(name).ok_or_else(|| {
        format!("{what}: `{key}` names column `{name}`, which the resource does not have")
    })
}

fn fields_of(
    schema: &CompiledSchema,
    spec: &Json,
    key: &str,
    what: &str,
) -> Result<Vec<usize>, String> {
    let names = spec
        .get(key)
        .and_then(Json::as_array)
        .ok_or_else(|| format!("{what}: `{key}` must be an array of column names"))?;
    names
        .iter()
        .map(|n| {
            let name = n.as_str().unwrap_or_default();
            schema.position(name).ok_or_else(|| {
                format!("{what}: `{key}` names column `{name}`, which the resource does not have")
            })
        })
        .collect()
}

impl Check {
    /// The resource a check spec is about, if it names one.
    pub fn resource_of(spec: &Json) -> Option<&str> {
        spec.get("resource").and_then(Json::as_str)
    }

    /// Compiles `checks[index]` against its resource's schema.
    pub fn compile(index: usize, spec: &Json, schema: &CompiledSchema) -> Result<Check, String> {
        let rule_name = spec.get("rule").and_then(Json::as_str).unwrap_or_default();
        let what = format!("checks[{index}] ({rule_name})");
        let rule = match rule_name {
            "column-total" => {
                let column = field_of(schema, spec, "column", &what)?;
                let expected = spec
                    .get("expected")
                    .and_then(Json::as_f64)
                    .ok_or_else(|| format!("{what}: `expected` must be a number"))?;
                let mut filters = Vec::new();
                if let Some(filter) = spec.get("where") {
                    let filter = filter
                        .as_object()
                        .ok_or_else(|| format!("{what}: `where` must be an object of column: value"))?;
                    for (name, value) in filter {
                        let i = schema.position(name).ok_or_else(|| {
                            format!("{what}: `where` names column `{name}`, which the resource does not have")
                        })?;
                        let field = &schema.fields[i];
                        let scalar = field.kind.scalar(value).ok_or_else(|| {
                            format!(
                                "{what}: `where` value {value} is not a {} like column `{name}`",
                                field.kind.describe()
                            )
                        })?;
                        let text = value.as_str().map_or_else(|| value.to_string(), str::to_string);
                        filters.push((i, scalar, format!("{name} = {}", show(value)), text));
                    }
                }
                Rule::ColumnTotal {
                    column,
                    filters,
                    expected,
                    sum: 0.0,
                    rows: 0,
                }
            }
            "row-total" => Rule::RowTotal {
                total: field_of(schema, spec, "total", &what)?,
                parts: fields_of(schema, spec, "parts", &what)?,
                failures: Vec::new(),
            },
            "sources-agree" => Rule::SourcesAgree {
                key: fields_of(schema, spec, "key", &what)?,
                by: field_of(schema, spec, "by", &what)?,
                value: field_of(schema, spec, "value", &what)?,
                seen: BTreeMap::new(),
            },
            other => {
                return Err(format!(
                    "checks[{index}]: unknown rule `{other}`; use column-total, row-total or sources-agree"
                ))
            }
        };
        let severity = match spec.get("severity").and_then(Json::as_str) {
            None | Some("error") => Severity::Error,
            Some("warning") => Severity::Warning,
            Some(other) => {
                return Err(format!(
                    "{what}: severity `{other}` must be error or warning"
                ))
            }
        };
        Ok(Check {
            index,
            rule,
            precision: spec
                .get("precision")
                .and_then(Json::as_f64)
                .unwrap_or(0.0)
                .abs(),
            severity,
            source: spec
                .get("source")
                .and_then(Json::as_str)
                .map(str::to_string),
            resource: Check::resource_of(spec).unwrap_or_default().to_string(),
            note: spec.get("note").and_then(Json::as_str).map(str::to_string),
            note_en: spec
                .get("note_en")
                .and_then(Json::as_str)
                .map(str::to_string),
        })
    }

    fn decimals(&self) -> usize {
        if self.precision <= 0.0 {
            2
        } else {
            (-self.precision.log10()).ceil().clamp(0.0, 6.0) as usize
        }
    }

    fn fmt(&self, x: f64) -> String {
        format!("{:.*}", self.decimals(), x)
    }

    fn differs(&self, a: f64, b: f64) -> bool {
        (a - b).abs() > self.precision + 1e-9 * a.abs().max(b.abs())
    }

    /// Takes in one valid row: `values[i]` is column i's typed value (`None` when missing
    /// or when the cell had an error).
    pub fn observe(&mut self, row: u64, values: &[Option<Typed<'_>>], schema: &CompiledSchema) {
        let number = |i: usize| values.get(i).copied().flatten().and_then(|v| v.as_f64());
        let (precision, decimals) = (self.precision, self.decimals());
        match &mut self.rule {
            Rule::ColumnTotal {
                column,
                filters,
                sum,
                rows,
                ..
            } => {
                let matches = filters.iter().all(|(i, want, _, _)| {
                    values.get(*i).copied().flatten() == Some(want.as_typed())
                });
                if matches {
                    if let Some(x) = number(*column) {
                        *sum += x;
                        *rows += 1;
                    }
                }
            }
            Rule::RowTotal {
                total,
                parts,
                failures,
            } => {
                let Some(stated) = number(*total) else { return };
                let sum: f64 = parts.iter().filter_map(|i| number(*i)).sum();
                if (stated - sum).abs() > precision + 1e-9 * stated.abs().max(sum.abs()) {
                    let names: Vec<String> = parts
                        .iter()
                        .map(|i| format!("`{}`", schema.fields[*i].name))
                        .collect();
                    let field = &schema.fields[*total].name;
                    failures.push(Issue::cell(
                        IssueKind::RowTotal,
                        row,
                        field,
                        *total + 1,
                        &format!("{stated}"),
                        format!(
                            "the total {:.*} differs from {} = {:.*} by {:.*} (precision {precision})",
                            decimals,
                            stated,
                            names.join(" + "),
                            decimals,
                            sum,
                            decimals,
                            (stated - sum).abs()
                        ),
                    ));
                }
            }
            Rule::SourcesAgree {
                key,
                by,
                value,
                seen,
            } => {
                let Some(x) = number(*value) else { return };
                let text = |i: usize| {
                    values
                        .get(i)
                        .copied()
                        .flatten()
                        .map(|v| types::display(v, &schema.fields[i].kind))
                        .unwrap_or_default()
                };
                let k: Vec<String> = key.iter().map(|i| text(*i)).collect();
                seen.entry(k).or_default().push((text(*by), x, row));
            }
        }
    }

    /// The check's source, and its note when `with_note` (once per check, not per row).
    fn suffix(&self, with_note: bool) -> String {
        let mut s = String::new();
        if let Some(source) = &self.source {
            s.push_str(&format!(" (source: {source})"));
        }
        if let Some(note) = self.note.as_ref().filter(|_| with_note) {
            s.push_str(&format!(" Note: {note}"));
        }
        s
    }

    /// What a `column-total` check came to once every row was seen (other rules state no
    /// total).
    pub fn stated_total(&self, schema: &CompiledSchema) -> Option<StatedTotal> {
        let Rule::ColumnTotal {
            column,
            filters,
            expected,
            sum,
            rows,
        } = &self.rule
        else {
            return None;
        };
        Some(StatedTotal {
            index: self.index,
            resource: self.resource.clone(),
            column: schema.fields[*column].name.clone(),
            filters: filters
                .iter()
                .map(|(i, _, _, text)| (schema.fields[*i].name.clone(), text.clone()))
                .collect(),
            expected: *expected,
            computed: *sum,
            rows: *rows,
            precision: self.precision,
            matches: !self.differs(*sum, *expected),
            warning: self.severity == Severity::Warning,
            source: self.source.clone(),
            note: self.note.clone(),
            note_en: self.note_en.clone(),
        })
    }

    /// The check's findings once every row was seen.
    pub fn finish(self, schema: &CompiledSchema) -> Vec<Issue> {
        let suffix = self.suffix(matches!(self.rule, Rule::ColumnTotal { .. }));
        match &self.rule {
            Rule::ColumnTotal {
                column,
                filters,
                expected,
                sum,
                rows,
            } => {
                if !self.differs(*sum, *expected) {
                    return Vec::new();
                }
                let over = if filters.is_empty() {
                    String::new()
                } else {
                    let f: Vec<&str> = filters.iter().map(|(_, _, t, _)| t.as_str()).collect();
                    format!(" where {}", f.join(" and "))
                };
                let name = &schema.fields[*column].name;
                let mut issue = Issue::table(
                    IssueKind::ColumnTotal,
                    format!(
                        "checks[{}]: the sum of `{name}`{over} is {} over {rows} rows, but the document states {}; they differ by {} (precision {}).{suffix}",
                        self.index,
                        self.fmt(*sum),
                        self.fmt(*expected),
                        self.fmt((sum - expected).abs()),
                        self.precision,
                    ),
                );
                issue.field_name = Some(name.clone());
                issue.field_number = Some(column + 1);
                vec![issue]
            }
            Rule::RowTotal { failures, .. } => failures
                .iter()
                .cloned()
                .map(|mut f| {
                    f.message.push_str(&suffix);
                    f
                })
                .collect(),
            Rule::SourcesAgree {
                key,
                by,
                value,
                seen,
            } => {
                let value_name = &schema.fields[*value].name;
                let by_name = &schema.fields[*by].name;
                let mut issues = Vec::new();
                for (k, rows) in seen {
                    let Some(first) = rows.first() else { continue };
                    if rows.iter().all(|r| r.0 == first.0)
                        || !rows.iter().any(|r| self.differs(r.1, first.1))
                    {
                        continue;
                    }
                    let key_text: Vec<String> = key
                        .iter()
                        .zip(k)
                        .map(|(i, v)| format!("{} = {v}", schema.fields[*i].name))
                        .collect();
                    let figures: Vec<String> = rows
                        .iter()
                        .map(|(source, x, row)| {
                            format!(
                                "{} ({by_name} = {source}, row {row})",
                                types::display(Typed::Num(*x), &schema.fields[*value].kind)
                            )
                        })
                        .collect();
                    let last = rows.last().map_or(0, |r| r.2);
                    let mut issue = Issue::row(
                        IssueKind::SourcesAgree,
                        last,
                        format!(
                            "checks[{}]: the sources disagree on `{value_name}` for {}: {}.{suffix}",
                            self.index,
                            key_text.join(", "),
                            figures.join(" versus ")
                        ),
                    );
                    issue.field_name = Some(value_name.clone());
                    issue.field_number = Some(value + 1);
                    issues.push(issue);
                }
                issues
            }
        }
    }
}
