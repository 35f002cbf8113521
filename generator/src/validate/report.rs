//! The validation report: every error and warning found, per resource (task), in the shape
//! of frictionless-py's report for `--json`, and grouped by rule for people. It only
//! describes results; finding them is the other modules' job.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::path::Path;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

/// The kinds of problem, named as frictionless names them where it has a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    SchemaError,
    SourceError,
    EncodingError,
    BlankLabel,
    DuplicateLabel,
    MissingLabel,
    ExtraLabel,
    IncorrectLabel,
    BlankRow,
    MissingCell,
    ExtraCell,
    TypeError,
    ConstraintError,
    DuplicateRow,
    PrimaryKey,
    UniqueError,
    ForeignKey,
    MixedScript,
    ColumnTotal,
    RowTotal,
    SourcesAgree,
    PackageError,
    ResourceError,
    FieldError,
    DialectError,
    SchemeError,
    FormatError,
    CompressionError,
    ByteCount,
    HashCount,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::SchemaError => "schema-error",
            Kind::SourceError => "source-error",
            Kind::EncodingError => "encoding-error",
            Kind::BlankLabel => "blank-label",
            Kind::DuplicateLabel => "duplicate-label",
            Kind::MissingLabel => "missing-label",
            Kind::ExtraLabel => "extra-label",
            Kind::IncorrectLabel => "incorrect-label",
            Kind::BlankRow => "blank-row",
            Kind::MissingCell => "missing-cell",
            Kind::ExtraCell => "extra-cell",
            Kind::TypeError => "type-error",
            Kind::ConstraintError => "constraint-error",
            Kind::DuplicateRow => "duplicate-row",
            Kind::PrimaryKey => "primary-key",
            Kind::UniqueError => "unique-error",
            Kind::ForeignKey => "foreign-key",
            Kind::MixedScript => "mixed-script",
            Kind::ColumnTotal => "column-total",
            Kind::RowTotal => "row-total",
            Kind::SourcesAgree => "sources-agree",
            Kind::PackageError => "package-error",
            Kind::ResourceError => "resource-error",
            Kind::FieldError => "field-error",
            Kind::DialectError => "dialect-error",
            Kind::SchemeError => "scheme-error",
            Kind::FormatError => "format-error",
            Kind::CompressionError => "compression-error",
            Kind::ByteCount => "byte-count",
            Kind::HashCount => "hash-count",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Kind::SchemaError => "Schema Error",
            Kind::SourceError => "Source Error",
            Kind::EncodingError => "Encoding Error",
            Kind::BlankLabel => "Blank Label",
            Kind::DuplicateLabel => "Duplicate Label",
            Kind::MissingLabel => "Missing Label",
            Kind::ExtraLabel => "Extra Label",
            Kind::IncorrectLabel => "Incorrect Label",
            Kind::BlankRow => "Blank Row",
            Kind::MissingCell => "Missing Cell",
            Kind::ExtraCell => "Extra Cell",
            Kind::TypeError => "Type Error",
            Kind::ConstraintError => "Constraint Error",
            Kind::DuplicateRow => "Duplicate Row",
            Kind::PrimaryKey => "Primary Key Error",
            Kind::UniqueError => "Unique Error",
            Kind::ForeignKey => "ForeignKey Error",
            Kind::MixedScript => "Mixed Scripts",
            Kind::ColumnTotal => "Column Total",
            Kind::RowTotal => "Row Total",
            Kind::SourcesAgree => "Sources Agree",
            Kind::PackageError => "Package Error",
            Kind::ResourceError => "Resource Error",
            Kind::FieldError => "Field Error",
            Kind::DialectError => "Dialect Error",
            Kind::SchemeError => "Scheme Error",
            Kind::FormatError => "Format Error",
            Kind::CompressionError => "Compression Error",
            Kind::ByteCount => "Byte Count Error",
            Kind::HashCount => "Hash Count Error",
        }
    }

    /// What the kind means, in frictionless-py's words (its reports' `description`).
    pub fn description(self) -> &'static str {
        match self {
            Kind::SchemaError => "Provided schema is not valid.",
            Kind::SourceError => "Data reading error because of not supported or inconsistent contents.",
            Kind::EncodingError => "Data reading error because of an encoding problem.",
            Kind::BlankLabel => "A label in the header row is missing a value. Label should be provided and not be blank.",
            Kind::DuplicateLabel => "Two columns in the header row have the same value. Column names should be unique.",
            Kind::MissingLabel => "Based on the schema there should be a label that is missing in the data's header.",
            Kind::ExtraLabel => "The header of the data source contains label that does not exist in the provided schema.",
            Kind::IncorrectLabel => "One of the data source header does not match the field name defined in the schema.",
            Kind::BlankRow => "This row is empty. A row should contain at least one value.",
            Kind::MissingCell => "This row has less values compared to the header row (the first row in the data source). A key concept is that all the rows in tabular data must have the same number of columns.",
            Kind::ExtraCell => "This row has more values compared to the header row (the first row in the data source). A key concept is that all the rows in tabular data must have the same number of columns.",
            Kind::TypeError => "The value does not match the schema type and format for this field.",
            Kind::ConstraintError => "A field value does not conform to a constraint.",
            Kind::DuplicateRow => "The row is duplicated.",
            Kind::PrimaryKey => "Values in the primary key fields should be unique for every row",
            Kind::UniqueError => "This field is a unique field but it contains a value that has been used in another row.",
            Kind::ForeignKey => "Values in the foreign key fields should exist in the reference table",
            Kind::MixedScript => "A word mixes letters of two scripts (Latin and Cyrillic look-alikes), as OCR and hand typing leave them.",
            Kind::ColumnTotal => "A column's sum does not match the total the source document states.",
            Kind::RowTotal => "A row's parts do not add up to its total.",
            Kind::SourcesAgree => "Two resources that should state the same figures do not.",
            Kind::PackageError | Kind::ResourceError => "A validation cannot be processed.",
            Kind::FieldError => "Provided field is not valid.",
            Kind::DialectError => "Provided dialect is not valid.",
            Kind::SchemeError => "Data reading error because of incorrect scheme.",
            Kind::FormatError => "Data reading error because of incorrect format.",
            Kind::CompressionError => "Data reading error because of a decompression problem.",
            Kind::ByteCount | Kind::HashCount => "This error can happen if the data is corrupted.",
        }
    }

    fn tags(self) -> &'static [&'static str] {
        match self {
            Kind::BlankLabel
            | Kind::DuplicateLabel
            | Kind::MissingLabel
            | Kind::ExtraLabel
            | Kind::IncorrectLabel => &["#table", "#header", "#label"],
            Kind::BlankRow | Kind::DuplicateRow | Kind::PrimaryKey | Kind::ForeignKey => {
                &["#table", "#row"]
            }
            Kind::MissingCell
            | Kind::ExtraCell
            | Kind::TypeError
            | Kind::ConstraintError
            | Kind::UniqueError
            | Kind::MixedScript
            | Kind::RowTotal => &["#table", "#row", "#cell"],
            Kind::ColumnTotal | Kind::SourcesAgree => &["#table", "#check"],
            Kind::SchemaError
            | Kind::PackageError
            | Kind::ResourceError
            | Kind::FieldError
            | Kind::DialectError => &["#package"],
            Kind::SourceError
            | Kind::EncodingError
            | Kind::SchemeError
            | Kind::FormatError
            | Kind::CompressionError
            | Kind::ByteCount
            | Kind::HashCount => &["#table"],
        }
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// One error or warning.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    #[serde(rename = "type")]
    pub kind: Kind,
    pub title: &'static str,
    pub description: &'static str,
    pub message: String,
    pub tags: &'static [&'static str],
    /// What is wrong, without the place: the part after "row N, field X: ".
    pub note: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row_number: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// 1-based column position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_number: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The row's cells (row and cell errors found while the row is read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cells: Option<Vec<String>>,
    /// The header's row(s), for label errors (frictionless's `rowNumbers`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row_numbers: Option<Vec<u64>>,
}

impl Issue {
    /// An issue about the whole table or package.
    pub fn table(kind: Kind, note: impl Into<String>) -> Issue {
        let note = note.into();
        Issue {
            kind,
            title: kind.title(),
            description: kind.description(),
            message: note.clone(),
            tags: kind.tags(),
            note,
            row_number: None,
            field_name: None,
            field_number: None,
            cell: None,
            label: None,
            cells: None,
            row_numbers: None,
        }
    }

    /// An issue about one header label.
    pub fn label(kind: Kind, label: &str, field: Option<&str>, number: usize, note: &str) -> Issue {
        let mut issue = Issue::table(kind, note);
        issue.message = format!("header, column {number}: {note}");
        issue.label = Some(label.to_string());
        issue.field_name = field.map(str::to_string);
        issue.field_number = Some(number);
        issue.row_number = Some(1);
        issue.row_numbers = Some(vec![1]);
        issue
    }

    /// An issue about a whole row.
    pub fn row(kind: Kind, row: u64, note: impl Into<String>) -> Issue {
        let mut issue = Issue::table(kind, note);
        issue.message = format!("row {row}: {}", issue.note);
        issue.row_number = Some(row);
        issue
    }

    /// An issue about one cell.
    pub fn cell(
        kind: Kind,
        row: u64,
        field: &str,
        number: usize,
        cell: &str,
        note: impl Into<String>,
    ) -> Issue {
        let mut issue = Issue::table(kind, note);
        issue.message = if field.is_empty() {
            format!("row {row}, column {number}: {}", issue.note)
        } else {
            format!(
                "row {row}, field `{field}` (column {number}): {}",
                issue.note
            )
        };
        issue.row_number = Some(row);
        issue.field_name = (!field.is_empty()).then(|| field.to_string());
        issue.field_number = Some(number);
        issue.cell = Some(cell.to_string());
        issue
    }
}

/// Warnings of one kind listed per task unless `--max-warnings` says otherwise; the
/// report always has every kind's exact total.
pub const DEFAULT_WARNING_CAP: usize = 1000;

/// Counts of one task.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TaskStats {
    pub errors: usize,
    pub warnings: usize,
    /// Data rows read (the header not counted).
    pub rows: u64,
    pub fields: usize,
    pub bytes: u64,
    pub seconds: f64,
    pub encoding: String,
    pub delimiter: String,
}

/// One validated resource: frictionless' task.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The data package the resource belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    pub place: String,
    pub valid: bool,
    /// Known-bad raw input (`x_raw_ocr`): its errors are reported but do not make the
    /// package invalid, and it is never published.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub expected_failure: bool,
    /// True when reading stopped early (`--max-errors`) or errors were left out.
    pub partial: bool,
    pub labels: Vec<String>,
    pub stats: TaskStats,
    /// Warnings as frictionless gives them: messages.
    pub warnings: Vec<String>,
    pub errors: Vec<Issue>,
    /// The warnings in the error shape (type, row, field, cell, message): at most
    /// `warning_cap` of each kind; `warning_totals` has every kind's exact count.
    pub warning_details: Vec<Issue>,
    /// How many warnings of one kind are listed (`--max-warnings`); `None`: all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning_cap: Option<usize>,
    /// Every warning kind's exact count, listed or not.
    pub warning_totals: BTreeMap<&'static str, usize>,
    /// What each stated total (`column-total` check) of the resource came to, met or not:
    /// the figure the document states beside the one the data gives. The site shows these
    /// instead of summing again.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<StatedTotal>,
}

/// A total a source document states, and what the data sums to (a `column-total` check).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct StatedTotal {
    /// Position in the package's `checks`.
    pub index: usize,
    pub resource: String,
    pub column: String,
    /// The rows summed: (column, value) conditions; none for the whole column.
    #[serde(default, rename = "where", skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<(String, String)>,
    /// The figure the document states.
    pub expected: f64,
    /// The sum of the data.
    pub computed: f64,
    pub rows: u64,
    pub precision: f64,
    /// `computed` is `expected` within `precision`.
    pub matches: bool,
    /// A failed check counts as a warning, not an error.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub warning: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_en: Option<String>,
}

impl Task {
    pub fn new(name: &str, package: Option<&str>, place: &str) -> Task {
        Task {
            name: name.to_string(),
            kind: "table",
            package: package.map(str::to_string),
            place: place.to_string(),
            valid: true,
            expected_failure: false,
            partial: false,
            labels: Vec::new(),
            stats: TaskStats::default(),
            warnings: Vec::new(),
            errors: Vec::new(),
            warning_details: Vec::new(),
            warning_cap: Some(DEFAULT_WARNING_CAP),
            warning_totals: BTreeMap::new(),
            checks: Vec::new(),
        }
    }

    /// Counts a warning of `kind`, and builds and lists it while the kind is under the cap.
    pub fn warn(&mut self, kind: Kind, make: impl FnOnce() -> Issue) {
        let total = self.warning_totals.entry(kind.code()).or_default();
        *total += 1;
        if self.warning_cap.is_none_or(|cap| *total <= cap) {
            self.warning_details.push(make());
        }
    }

    /// Whether this task makes its package invalid.
    pub fn blocks(&self) -> bool {
        !self.valid && !self.expected_failure
    }

    /// Puts issues in row order and settles the counts and validity.
    pub fn finish(&mut self, max_errors: Option<usize>) {
        let order = |i: &Issue| {
            (
                i.row_number.unwrap_or(0),
                i.field_number.unwrap_or(0),
                i.kind,
            )
        };
        self.errors.sort_by_key(order);
        self.warning_details.sort_by_key(order);
        self.stats.errors = self.errors.len();
        // Warnings listed without `warn` are counted here.
        let mut listed: BTreeMap<&'static str, usize> = BTreeMap::new();
        for w in &self.warning_details {
            *listed.entry(w.kind.code()).or_default() += 1;
        }
        for (kind, n) in listed {
            let total = self.warning_totals.entry(kind).or_default();
            *total = (*total).max(n);
        }
        self.stats.warnings = self.warning_totals.values().sum();
        if let Some(max) = max_errors {
            if self.errors.len() > max {
                self.errors.truncate(max);
                self.partial = true;
            }
        }
        self.warnings = self
            .warning_details
            .iter()
            .map(|w| w.message.clone())
            .collect();
        self.valid = self.stats.errors == 0;
    }
}

/// Totals over all tasks.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReportStats {
    pub tasks: usize,
    pub errors: usize,
    pub warnings: usize,
    pub seconds: f64,
}

/// A validation report: frictionless' report shape.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub valid: bool,
    pub stats: ReportStats,
    /// Problems not tied to one resource (the package descriptor, cross-resource keys).
    pub errors: Vec<Issue>,
    pub warnings: Vec<String>,
    pub tasks: Vec<Task>,
}

impl Report {
    pub fn new(tasks: Vec<Task>, errors: Vec<Issue>, seconds: f64) -> Report {
        let stats = ReportStats {
            tasks: tasks.len(),
            errors: errors.len() + tasks.iter().map(|t| t.stats.errors).sum::<usize>(),
            warnings: tasks.iter().map(|t| t.stats.warnings).sum(),
            seconds,
        };
        Report {
            valid: errors.is_empty() && !tasks.iter().any(Task::blocks),
            stats,
            errors,
            warnings: Vec::new(),
            tasks,
        }
    }

    /// Several reports as one (validating every configured dataset).
    pub fn merge(reports: Vec<Report>) -> Report {
        let seconds = reports.iter().map(|r| r.stats.seconds).sum();
        let mut tasks = Vec::new();
        let mut errors = Vec::new();
        for report in reports {
            tasks.extend(report.tasks);
            errors.extend(report.errors);
        }
        Report::new(tasks, errors, seconds)
    }

    /// The first few error messages, for a build that refuses to publish.
    pub fn first_errors(&self, n: usize) -> Vec<String> {
        self.errors
            .iter()
            .map(|e| e.message.clone())
            .chain(self.tasks.iter().filter(|t| t.blocks()).flat_map(|t| {
                t.errors
                    .iter()
                    .map(move |e| format!("{} ({}): {}", t.name, t.place, e.message))
            }))
            .take(n)
            .collect()
    }
}

/// "1 error", "2 errors".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// How many rows of each rule the human report shows.
const SHOWN_PER_RULE: usize = 5;

/// Each rule's count (its exact total from `totals` where the list was capped) and its
/// first few messages.
fn write_grouped(
    out: &mut String,
    issues: &[Issue],
    what: &str,
    totals: &BTreeMap<&'static str, usize>,
) {
    let mut groups: BTreeMap<Kind, Vec<&Issue>> = BTreeMap::new();
    for issue in issues {
        groups.entry(issue.kind).or_default().push(issue);
    }
    for (kind, group) in groups {
        let total = totals
            .get(kind.code())
            .copied()
            .unwrap_or(0)
            .max(group.len());
        let _ = writeln!(out, "    {} ×{total} ({what})", kind.code());
        for issue in group.iter().take(SHOWN_PER_RULE) {
            let _ = writeln!(out, "      {}", issue.message);
        }
        if total > SHOWN_PER_RULE {
            let _ = writeln!(out, "      … and {} more", total - SHOWN_PER_RULE);
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for error in &self.errors {
            let _ = writeln!(out, "error: {}", error.message);
        }
        for task in &self.tasks {
            let name = match &task.package {
                Some(p) => format!("{p}/{}", task.name),
                None => task.name.clone(),
            };
            let verdict = match (task.valid, task.expected_failure) {
                (true, _) => "valid".to_string(),
                (false, true) => format!(
                    "{}, expected: known-bad raw input (x_raw_ocr), never published",
                    count(task.stats.errors, "error")
                ),
                (false, false) => format!("INVALID, {}", count(task.stats.errors, "error")),
            };
            let _ = writeln!(
                out,
                "{name} ({}): {verdict}; {} read{}{}",
                task.place,
                count(task.stats.rows as usize, "row"),
                if task.stats.warnings > 0 {
                    format!(", {}", count(task.stats.warnings, "warning"))
                } else {
                    String::new()
                },
                if task.partial {
                    format!(
                        "; STOPPED EARLY: {} of {} errors listed",
                        task.errors.len(),
                        task.stats.errors
                    )
                } else {
                    String::new()
                }
            );
            write_grouped(&mut out, &task.errors, "error", &BTreeMap::new());
            write_grouped(
                &mut out,
                &task.warning_details,
                "warning",
                &task.warning_totals,
            );
        }
        let expected: usize = self
            .tasks
            .iter()
            .filter(|t| t.expected_failure)
            .map(|t| t.stats.errors)
            .sum();
        let _ = write!(
            out,
            "{}: {}, {}, {}",
            if self.valid { "VALID" } else { "INVALID" },
            count(self.stats.tasks, "resource"),
            count(self.stats.errors - expected, "error"),
            count(self.stats.warnings, "warning")
        );
        if expected > 0 {
            let _ = write!(
                out,
                " (and {expected} expected errors in known-bad raw input)"
            );
        }
        f.write_str(&out)
    }
}

/// A published `validation.json` read back by the site: the parts pages show. Unknown keys
/// are ignored, so reports from older builds still read.
#[derive(Debug, Default, Deserialize)]
pub struct PublishedReport {
    #[serde(default)]
    pub valid: bool,
    #[serde(default)]
    stats: PublishedStats,
    #[serde(default)]
    errors: Vec<PublishedIssue>,
    #[serde(default)]
    tasks: Vec<PublishedTask>,
}

#[derive(Debug, Default, Deserialize)]
struct PublishedStats {
    errors: Option<u64>,
    warnings: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct PublishedIssue {
    #[serde(default)]
    message: String,
}

#[derive(Debug, Deserialize)]
struct PublishedTask {
    #[serde(default)]
    errors: Vec<PublishedIssue>,
    #[serde(default)]
    checks: Vec<StatedTotal>,
}

impl PublishedReport {
    /// The report in `file`; `None` when the build wrote none.
    pub fn read(file: &Path) -> anyhow::Result<Option<PublishedReport>> {
        if !file.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read `{}`", file.display()))?;
        serde_json::from_str(&text)
            .map(Some)
            .with_context(|| format!("`{}` is not a validation report", file.display()))
    }

    pub fn error_count(&self) -> u64 {
        self.stats.errors.unwrap_or(self.errors.len() as u64)
    }

    pub fn warning_count(&self) -> u64 {
        self.stats.warnings.unwrap_or(0)
    }

    /// The first `max` error messages: the package's own, then each resource's.
    pub fn error_messages(&self, max: usize) -> Vec<String> {
        self.errors
            .iter()
            .chain(self.tasks.iter().flat_map(|t| &t.errors))
            .map(|issue| issue.message.clone())
            .filter(|m| !m.is_empty())
            .take(max)
            .collect()
    }

    /// Every stated total, in the order of the package's `checks`.
    pub fn stated_totals(self) -> Vec<StatedTotal> {
        let mut totals: Vec<StatedTotal> = self.tasks.into_iter().flat_map(|t| t.checks).collect();
        totals.sort_by_key(|t| t.index);
        totals
    }
}
