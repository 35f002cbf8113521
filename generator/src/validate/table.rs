//! One table, one streaming pass: header checks, then every row — blank and short rows,
//! cell types, constraints, mixed scripts, keys, foreign keys and the resource's checks —
//! with one root cause per cell and no cascades. Memory does not grow with rows except for
//! the hashed keys `keys` keeps.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::time::Instant;

use serde_json::Value as Json;

use super::checks::{Check, Severity};
use super::keys::{self, KeyHash, KeyLog, KeySet};
use super::reader::{self, LineTooLong, QuoteNeverCloses};
use super::records::{Place, Record, Records};
use super::report::{Issue, Kind, Task};
use super::schema::{CompiledField, CompiledSchema, ScriptPolicy};
use super::types::Typed;

/// Where a table's bytes are.
#[derive(Debug, Clone, Copy)]
pub enum Data<'a> {
    File(&'a Path),
    Bytes(&'a [u8]),
}

/// How the bytes are to be read.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub data: Data<'a>,
    pub encoding: Option<&'a str>,
    pub dialect: Option<&'a Json>,
    pub max_line: u64,
}

impl Source<'_> {
    pub(super) fn open(
        &self,
    ) -> Result<(Records<reader::Stream>, reader::Format), reader::SourceError> {
        match self.data {
            Data::File(path) => reader::open(path, self.encoding, self.dialect, self.max_line),
            Data::Bytes(bytes) => {
                reader::open_bytes(bytes, self.encoding, self.dialect, self.max_line)
            }
        }
    }
}

/// Everything one table pass needs.
pub struct Job<'a> {
    pub source: Source<'a>,
    pub schema: &'a CompiledSchema,
    /// For each of the schema's foreign keys, the keys it may point at (`None`: not
    /// checkable, the reason already reported).
    pub foreign: Vec<Option<&'a KeySet>>,
    pub checks: Vec<Check>,
    pub max_errors: Option<usize>,
    /// Report rows that repeat an earlier row exactly (tables without a primary key).
    pub duplicate_rows: bool,
}

fn source_message(err: &io::Error) -> String {
    let inner = err.get_ref();
    if let Some(long) = inner.and_then(|e| e.downcast_ref::<LineTooLong>()) {
        long.to_string()
    } else if let Some(open) = inner.and_then(|e| e.downcast_ref::<QuoteNeverCloses>()) {
        open.to_string()
    } else {
        format!("cannot read the file: {err}")
    }
}

/// A line or quoted cell too long for the reader's guard.
fn is_guard_error(err: &io::Error) -> bool {
    err.get_ref().is_some_and(|e| {
        e.downcast_ref::<LineTooLong>().is_some() || e.downcast_ref::<QuoteNeverCloses>().is_some()
    })
}

/// Reads past the rows before the header and the header itself (its rows joined by a
/// space, as Table Dialect's `headerJoin` has it): the labels and the physical number of
/// the header's last row; `None` when the table ends first.
pub(super) fn read_header(
    reader: &mut Records<reader::Stream>,
    format: &reader::Format,
) -> io::Result<Option<(Vec<String>, u64)>> {
    let rows = if format.layout.header_rows.is_empty() {
        vec![1]
    } else {
        format.layout.header_rows.clone()
    };
    let last = rows.iter().copied().max().unwrap_or(1);
    let mut record = Record::default();
    let mut labels: Vec<String> = Vec::new();
    for row in 1..=last {
        if !reader.read(&mut record)? {
            return Ok(None);
        }
        if format.layout.skip_initial_space {
            record.trim_initial_spaces(format.delimiter);
        }
        if !rows.contains(&row) {
            continue;
        }
        for (i, cell) in record.iter().enumerate() {
            let cell = String::from_utf8_lossy(cell);
            match labels.get_mut(i) {
                Some(label) if !cell.is_empty() => {
                    label.push(' ');
                    label.push_str(&cell);
                }
                Some(_) => {}
                None => labels.push(cell.into_owned()),
            }
        }
    }
    Ok(Some((labels, last)))
}

/// Reads the header, or reports why there is none.
fn read_labels(
    reader: &mut Records<reader::Stream>,
    format: &reader::Format,
    task: &mut Task,
) -> Option<(Vec<String>, u64)> {
    match read_header(reader, format) {
        Ok(Some(header)) => Some(header),
        Ok(None) => {
            task.errors.push(Issue::table(
                Kind::SourceError,
                "the file is empty: expected a header row naming the columns",
            ));
            None
        }
        Err(err) => {
            task.errors
                .push(Issue::table(Kind::SourceError, source_message(&err)));
            None
        }
    }
}

fn check_labels(labels: &[String], schema: &CompiledSchema, task: &mut Task) {
    for i in 0..labels.len().max(schema.fields.len()) {
        let field = schema.fields.get(i).map(|f| f.name.as_str());
        let n = i + 1;
        match labels.get(i) {
            // A column beyond the schema is extra, whatever its label (frictionless's
            // choice; the spec does not decide).
            Some(l) if field.is_none() => task.errors.push(Issue::label(
                Kind::ExtraLabel,
                l,
                None,
                n,
                &format!("column `{l}` is not in the schema; add a field or remove the column"),
            )),
            Some(l) if l.trim().is_empty() => task.errors.push(Issue::label(
                Kind::BlankLabel,
                l,
                field,
                n,
                &format!(
                    "the header is blank; expected `{}`",
                    field.unwrap_or("no column")
                ),
            )),
            Some(l) if labels[..i].contains(l) => task.errors.push(Issue::label(
                Kind::DuplicateLabel,
                l,
                field,
                n,
                &format!("the header `{l}` repeats an earlier column"),
            )),
            None => task.errors.push(Issue::label(
                Kind::MissingLabel,
                "",
                field,
                n,
                &format!(
                    "field `{}` of the schema has no column",
                    field.unwrap_or_default()
                ),
            )),
            Some(l) if Some(l.as_str()) != field => task.errors.push(Issue::label(
                Kind::IncorrectLabel,
                l,
                field,
                n,
                &format!(
                    "the header `{l}` does not match the schema's field `{}`",
                    field.unwrap_or_default()
                ),
            )),
            Some(_) => {}
        }
    }
}

/// Validates one table against its schema.
pub fn validate(job: Job<'_>, task: &mut Task) {
    let started = Instant::now();
    let Job {
        source,
        schema,
        foreign,
        mut checks,
        max_errors,
        duplicate_rows,
    } = job;
    let (mut reader, format) = match source.open() {
        Ok(opened) => opened,
        Err(err) => {
            task.errors
                .push(Issue::table(Kind::SourceError, err.to_string()));
            return;
        }
    };
    task.stats.encoding = format.encoding.name().to_lowercase();
    task.stats.delimiter = (format.delimiter as char).to_string();
    task.stats.bytes = format.bytes;
    task.stats.fields = schema.fields.len();
    if format.encoding_detected {
        task.warning_details.push(Issue::table(
            Kind::EncodingError,
            format!(
                "the file is not UTF-8 and declares no encoding; it was read as {} (detected). Declare `\"encoding\"` or convert it to UTF-8",
                format.encoding.name()
            ),
        ));
    }
    let mut row: u64 = 0;
    let width = if format.header {
        let Some((labels, last)) = read_labels(&mut reader, &format, task) else {
            return;
        };
        row = last;
        let first_label_error = task.errors.len();
        check_labels(&labels, schema, task);
        for issue in &mut task.errors[first_label_error..] {
            issue.row_number = Some(last);
            issue.row_numbers = Some(vec![last]);
        }
        let width = labels.len();
        task.labels = labels;
        width
    } else {
        schema.fields.len()
    };
    let checked = width.min(schema.fields.len());
    let dedupe_rows = duplicate_rows && schema.primary_key.is_empty();
    // Pre-size the key logs from the file size, so 1M keys need no regrowth.
    let estimate = (format.bytes / 32).min(1 << 24) as usize;
    let mut pk_log = KeyLog::with_capacity(if schema.primary_key.is_empty() {
        0
    } else {
        estimate
    });
    let mut row_log = KeyLog::with_capacity(if dedupe_rows { estimate } else { 0 });
    let mut unique_logs: Vec<KeyLog> = schema
        .unique
        .iter()
        .map(|_| KeyLog::with_capacity(estimate))
        .collect();

    let mut record = Record::default();
    let mut scratch = Scratch::default();
    let mut stopped = false;
    let mut last_len = width;
    let mut bookmarks = Bookmarks::default();
    loop {
        bookmarks.note(row, &reader);
        match reader.read(&mut record) {
            Ok(true) => {}
            Ok(false) => {
                if reader.in_quoted_cell() {
                    // csv-core closes a quote cut off by the end of the file silently.
                    let i = last_len.max(1) - 1;
                    let name = column_name(schema, &task.labels, i);
                    let issue = Issue::cell(
                        Kind::SourceError,
                        row,
                        name,
                        i + 1,
                        "",
                        "the file ends inside this quoted cell: its closing quote is missing, so the file is probably truncated; export or download it again",
                    );
                    task.errors.push(issue);
                }
                break;
            }
            Err(err) => {
                // The guards name the physical line, which says more than a row number
                // once the file has stopped being a table.
                let issue = if is_guard_error(&err) {
                    Issue::table(Kind::SourceError, source_message(&err))
                } else {
                    Issue::row(Kind::SourceError, row + 1, source_message(&err))
                };
                task.errors.push(issue);
                stopped = true;
                break;
            }
        }
        row += 1;
        if format.layout.skip_initial_space {
            record.trim_initial_spaces(format.delimiter);
        }
        if format.layout.is_comment(row, record.get(0)) {
            continue;
        }
        task.stats.rows += 1;
        let errors_before = task.errors.len();
        let len = record.len();
        last_len = len;
        if record.iter().all(|c| schema.is_missing_bytes(c)) {
            task.errors
                .push(Issue::row(Kind::BlankRow, row, "the row is blank"));
            if !schema.primary_key.is_empty() {
                task.errors.push(empty_key(schema, row));
            }
        } else if len < width {
            // The cells the short row has are checked like any others.
            check_row(
                &record,
                row,
                checked.min(len),
                schema,
                &[],
                &mut [],
                task,
                Logs {
                    pk: &mut KeyLog::default(),
                    rows: None,
                    unique: &mut [],
                },
                &mut scratch,
            );
            for i in len..width {
                let name = column_name(schema, &task.labels, i);
                task.errors.push(Issue::cell(
                    Kind::MissingCell,
                    row,
                    name,
                    i + 1,
                    "",
                    format!("the row has {len} cells, {width} expected: this cell is missing"),
                ));
            }
        } else {
            for i in width..len {
                let cell = String::from_utf8_lossy(&record[i]);
                task.errors.push(Issue::cell(
                    Kind::ExtraCell,
                    row,
                    task.labels.get(i).map(String::as_str).unwrap_or_default(),
                    i + 1,
                    &cell,
                    format!("the row has {len} cells, {width} expected: \"{cell}\" is extra"),
                ));
            }
            check_row(
                &record,
                row,
                checked,
                schema,
                &foreign,
                &mut checks,
                task,
                Logs {
                    pk: &mut pk_log,
                    rows: dedupe_rows.then_some(&mut row_log),
                    unique: &mut unique_logs,
                },
                &mut scratch,
            );
        }
        // The row's cells go with its errors, as in frictionless's report (built only for
        // rows that have errors).
        if task.errors.len() > errors_before {
            let cells: Vec<String> = record
                .iter()
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            for issue in &mut task.errors[errors_before..] {
                issue.cells = Some(cells.clone());
            }
        }
        if max_errors.is_some_and(|max| task.errors.len() >= max) {
            stopped = true;
            break;
        }
    }
    report_keys(
        source,
        schema,
        (pk_log, row_log, unique_logs),
        &bookmarks,
        task,
    );
    if !stopped {
        for check in checks {
            if let Some(mut total) = check.stated_total(schema) {
                if total.resource.is_empty() {
                    total.resource.clone_from(&task.name);
                }
                task.checks.push(total);
            }
            let severity = check.severity;
            for issue in check.finish(schema) {
                match severity {
                    Severity::Error => task.errors.push(issue),
                    Severity::Warning => task.warning_details.push(issue),
                }
            }
        }
    }
    task.partial = stopped && max_errors.is_some();
    task.stats.seconds = started.elapsed().as_secs_f64();
}

/// A row whose primary-key cells are all empty.
fn empty_key(schema: &CompiledSchema, row: u64) -> Issue {
    let first = schema.primary_key[0];
    let mut issue = Issue::row(
        Kind::PrimaryKey,
        row,
        format!(
            "the primary key ({}) is empty: every row needs a key",
            schema.names(&schema.primary_key)
        ),
    );
    issue.field_name = Some(schema.fields[first].name.clone());
    issue.field_number = Some(first + 1);
    issue
}

/// The name of column `i`: the schema's field, else the file's header label.
fn column_name<'a>(schema: &'a CompiledSchema, labels: &'a [String], i: usize) -> &'a str {
    schema
        .fields
        .get(i)
        .map(|f| f.name.as_str())
        .or_else(|| labels.get(i).map(String::as_str))
        .unwrap_or_default()
}

/// The key logs a row adds to.
struct Logs<'a> {
    pk: &'a mut KeyLog,
    rows: Option<&'a mut KeyLog>,
    unique: &'a mut [KeyLog],
}

#[allow(clippy::too_many_arguments)]
fn check_row(
    record: &Record,
    row: u64,
    checked: usize,
    schema: &CompiledSchema,
    foreign: &[Option<&KeySet>],
    checks: &mut [Check],
    task: &mut Task,
    logs: Logs<'_>,
    scratch: &mut Scratch,
) {
    // The row as text (checked once per read of the input, see `Record::as_str`), then
    // each cell is a slice of it.
    let whole = record.as_str();
    let mut values = reuse(std::mem::take(&mut scratch.values));
    let failed = &mut scratch.failed;
    failed.clear();
    failed.resize(checked, false);
    for (i, field) in schema.fields.iter().enumerate().take(checked) {
        let bytes = &record[i];
        let n = i + 1;
        let cell = match whole
            .and_then(|w| w.get(record.range(i)?))
            .map_or_else(|| reader::cell_str(bytes), Ok)
        {
            Ok(cell) => cell,
            Err(err) => {
                let lossy = String::from_utf8_lossy(bytes);
                task.errors.push(Issue::cell(
                    Kind::EncodingError,
                    row,
                    &field.name,
                    n,
                    &lossy,
                    format!(
                        "invalid UTF-8 at byte {} of the cell; the file may be in another encoding (declare `\"encoding\": \"windows-1251\"`)",
                        err.valid_up_to() + 1
                    ),
                ));
                failed[i] = true;
                values.push(None);
                continue;
            }
        };
        if schema.is_missing(cell) {
            if field.constraints.required {
                task.errors.push(Issue::cell(
                    Kind::ConstraintError,
                    row,
                    &field.name,
                    n,
                    cell,
                    "a value is required (constraint `required`), the cell is empty",
                ));
                failed[i] = true;
            }
            values.push(None);
            continue;
        }
        let value = match field.fast.accept(cell) {
            Some(value) => value,
            None => match full_check(field, row, n, cell) {
                Ok(value) => value,
                Err(issue) => {
                    task.errors.push(*issue);
                    failed[i] = true;
                    values.push(None);
                    continue;
                }
            },
        };
        if field.script != ScriptPolicy::Ignore && field.fast.needs_script_check() {
            if let Some(word) = super::types::mixed_script_word(cell) {
                let issue = || {
                    Issue::cell(
                        Kind::MixedScript,
                        row,
                        &field.name,
                        n,
                        cell,
                        format!(
                            "the word \"{word}\" mixes Latin and Cyrillic letters (OCR damage?)"
                        ),
                    )
                };
                if field.script == ScriptPolicy::Error {
                    task.errors.push(issue());
                    failed[i] = true;
                } else {
                    // Past the cap only counted: nothing is built for it.
                    task.warn(Kind::MixedScript, issue);
                }
            }
        }
        values.push(Some(value));
    }
    if !schema.primary_key.is_empty()
        && schema
            .primary_key
            .iter()
            .all(|&i| record.get(i).is_none_or(|c| schema.is_missing_bytes(c)))
    {
        task.errors.push(empty_key(schema, row));
    }
    // A row with a bad cell is reported for that cell; it is not also a duplicate row.
    if let Some(rows) = logs.rows.filter(|_| !failed.contains(&true)) {
        rows.push(keys::hash_row(record), row);
    }
    let key_of = |positions: &[usize]| -> Option<keys::KeyHash> {
        let value = |i: &usize| values.get(*i).copied().flatten();
        let usable = |i: &usize| !failed.get(*i).copied().unwrap_or(true) && value(i).is_some();
        positions
            .iter()
            .all(usable)
            .then(|| keys::hash_key(positions.iter().filter_map(value)))
    };
    // Logged keys of one column are never compared with other keys, so they skip the
    // typed encoding: an integer is the number itself, a text the hash of its bytes (see
    // `keys::int_key`, `keys::text_key`).
    let log_key = |positions: &[usize]| match positions {
        [i] if !failed.get(*i).copied().unwrap_or(true) => match values.get(*i) {
            Some(Some(Typed::Int(n))) => Some(keys::int_key(*n)),
            Some(Some(Typed::Str(s) | Typed::Text(s))) => Some(keys::text_key(s)),
            _ => key_of(positions),
        },
        _ => key_of(positions),
    };
    if !schema.primary_key.is_empty() {
        if let Some(key) = log_key(&schema.primary_key) {
            logs.pk.push(key, row);
        }
    }
    for (log, &i) in logs.unique.iter_mut().zip(&schema.unique) {
        if let Some(key) = log_key(&[i]) {
            log.push(key, row);
        }
    }
    for (fk, set) in schema.foreign_keys.iter().zip(foreign) {
        let Some(set) = set else { continue };
        if let Some(key) = key_of(&fk.fields) {
            if !set.contains(&key) {
                let shown: Vec<String> = fk
                    .fields
                    .iter()
                    .map(|i| String::from_utf8_lossy(&record[*i]).into_owned())
                    .collect();
                let first = fk.fields[0];
                let mut issue = Issue::row(
                    Kind::ForeignKey,
                    row,
                    format!(
                        "({}) = ({}) is not a key of {} ({})",
                        fk.field_names.join(", "),
                        shown.join(", "),
                        fk.resource
                            .as_deref()
                            .map_or("this resource".to_string(), |r| format!("resource `{r}`")),
                        fk.reference_fields.join(", ")
                    ),
                );
                issue.field_name = Some(schema.fields[first].name.clone());
                issue.field_number = Some(first + 1);
                issue.cell = Some(shown.join(", "));
                task.errors.push(issue);
            }
        }
    }
    if !checks.is_empty() {
        for check in checks.iter_mut() {
            check.observe(row, &values, schema);
        }
    }
    scratch.values = reuse(values);
}

/// The full parser and constraint checks: the value, or the cell's one error.
fn full_check<'a>(
    field: &CompiledField,
    row: u64,
    n: usize,
    cell: &'a str,
) -> Result<Typed<'a>, Box<Issue>> {
    let value = field.kind.parse(cell).map_err(|reason| {
        Box::new(Issue::cell(
            Kind::TypeError,
            row,
            &field.name,
            n,
            cell,
            format!(
                "\"{cell}\" is not {}: {reason}",
                super::types::with_article(&field.kind.describe())
            ),
        ))
    })?;
    match field.constraints.check(&field.kind, cell, value) {
        Some(why) => Err(Box::new(Issue::cell(
            Kind::ConstraintError,
            row,
            &field.name,
            n,
            cell,
            why,
        ))),
        None => Ok(value),
    }
}

/// Per-row buffers kept across rows, so a row costs no allocation.
#[derive(Default)]
struct Scratch {
    values: Vec<Option<Typed<'static>>>,
    failed: Vec<bool>,
}

/// An emptied vector with its allocation, for values of another lifetime: collecting an
/// emptied `vec::IntoIter` into a vector of the same layout reuses the buffer.
fn reuse<'a, 'b>(mut values: Vec<Option<Typed<'a>>>) -> Vec<Option<Typed<'b>>> {
    values.clear();
    values.into_iter().map(|_| None).collect()
}

/// A row whose key, or whole text, an earlier row has.
struct Repeat {
    row: u64,
    /// The first row with the same key.
    first: u64,
    /// The whole row repeats an earlier row with the same key.
    same_row: bool,
}

/// Turns the key logs into duplicate-row, primary-key and unique errors, one per row and
/// root cause: a repeated row is a duplicate row, not also a key or unique error.
fn report_keys(
    source: Source<'_>,
    schema: &CompiledSchema,
    logs: (KeyLog, KeyLog, Vec<KeyLog>),
    bookmarks: &Bookmarks,
    task: &mut Task,
) {
    let (pk_log, row_log, unique_logs) = logs;
    let start = task.errors.len();
    let pk_groups = pk_log.repeated();
    let row_groups = row_log.repeated();
    let unique_groups: Vec<Vec<Vec<u64>>> = unique_logs.into_iter().map(KeyLog::repeated).collect();
    let wanted = rows_to_read_again(&pk_groups, &row_groups, &unique_groups);
    let again = read_again(source, bookmarks, &wanted);
    let text = |row: &u64| again.get(row).map(|a| a.hash);
    let mut repeats = Vec::new();
    for group in &pk_groups {
        for (i, row) in group.iter().enumerate().skip(1) {
            let text_of_row = text(row);
            repeats.push(Repeat {
                row: *row,
                first: group[0],
                same_row: text_of_row.is_some()
                    && group[..i].iter().any(|e| text(e) == text_of_row),
            });
        }
    }
    // Without a primary key the logged key is the row's text itself.
    for group in row_groups {
        repeats.extend(group[1..].iter().map(|&row| Repeat {
            row,
            first: group[0],
            same_row: true,
        }));
    }
    repeats.sort_unstable_by_key(|r| r.row);
    let mut duplicate_rows = Vec::new();
    let pk_names = schema.names(&schema.primary_key);
    for repeat in repeats {
        if repeat.same_row {
            duplicate_rows.push(repeat.row);
            task.errors.push(Issue::row(
                Kind::DuplicateRow,
                repeat.row,
                format!("the row repeats row {} exactly", repeat.first),
            ));
        } else {
            let first = schema.primary_key[0];
            let mut issue = Issue::row(
                Kind::PrimaryKey,
                repeat.row,
                format!(
                    "the primary key ({pk_names}) repeats the key of row {}",
                    repeat.first
                ),
            );
            issue.field_name = Some(schema.fields[first].name.clone());
            issue.field_number = Some(first + 1);
            task.errors.push(issue);
        }
    }
    for (groups, &i) in unique_groups.iter().zip(&schema.unique) {
        let name = &schema.fields[i].name;
        for group in groups {
            let first = group[0];
            for &row in &group[1..] {
                if duplicate_rows.binary_search(&row).is_ok() {
                    continue;
                }
                task.errors.push(Issue::cell(
                    Kind::UniqueError,
                    row,
                    name,
                    i + 1,
                    "",
                    format!("the value repeats row {first} (constraint `unique`)"),
                ));
            }
        }
    }
    fill_cells(&mut task.errors[start..], &again);
}

/// Every row sharing a primary key (to tell a duplicate row from a repeated key) and every
/// row a key error will name (for its cells), in order.
fn rows_to_read_again(
    pk_groups: &[Vec<u64>],
    row_groups: &[Vec<u64>],
    unique_groups: &[Vec<Vec<u64>>],
) -> Vec<u64> {
    let repeats = later_rows(row_groups).chain(unique_groups.iter().flat_map(|g| later_rows(g)));
    let mut wanted: Vec<u64> = pk_groups.iter().flatten().copied().chain(repeats).collect();
    wanted.sort_unstable();
    wanted.dedup();
    wanted
}

/// The rows of each group after its first.
fn later_rows(groups: &[Vec<u64>]) -> impl Iterator<Item = u64> + '_ {
    groups.iter().flat_map(|g| g[1..].iter().copied())
}

/// The key errors name rows read again: their cells, and a unique error's cell.
fn fill_cells(errors: &mut [Issue], again: &HashMap<u64, ReadAgain>) {
    for issue in errors {
        let Some(found) = issue.row_number.and_then(|r| again.get(&r)) else {
            continue;
        };
        if issue.kind == Kind::UniqueError {
            let i = issue.field_number.unwrap_or(1).saturating_sub(1);
            issue.cell = found.cells.get(i).cloned();
        }
        issue.cells = Some(found.cells.clone());
    }
}

/// How often the first pass notes where a record starts.
const BOOKMARK_EVERY: u64 = 64;

/// Where every 64th record starts in the stream the reader reads: records read before it
/// and the position. Reading a few thousand scattered rows again then skips from bookmark
/// to bookmark and parses at most 64 records per row wanted, not the whole table (a third
/// of a dirty file's validation was two such re-reads). 16 bytes per 64 rows.
#[derive(Debug, Default)]
struct Bookmarks(Vec<(u64, Place)>);

impl Bookmarks {
    /// Notes the reader's place when `read` records are behind it and it is a 64th.
    fn note<R: io::Read>(&mut self, read: u64, reader: &Records<R>) {
        if read.is_multiple_of(BOOKMARK_EVERY) {
            self.0.push((read, reader.position()));
        }
    }

    /// The last bookmark before record `row`.
    fn before(&self, row: u64) -> Option<(u64, Place)> {
        let after = self.0.partition_point(|&(read, _)| read < row);
        after.checked_sub(1).map(|i| self.0[i])
    }
}

/// A row read again.
struct ReadAgain {
    hash: KeyHash,
    cells: Vec<String>,
}

/// The text hash and cells of some rows (sorted), read again from the source. A repeated
/// primary key is a duplicate row when the whole row repeats; hashing every row on the
/// first pass to tell would cost every table what only tables with repeated keys need. A
/// source that cannot be read again leaves its repeats reported as repeated keys.
fn read_again(source: Source<'_>, bookmarks: &Bookmarks, rows: &[u64]) -> HashMap<u64, ReadAgain> {
    let mut found = HashMap::with_capacity(rows.len());
    let Some((mut reader, format)) = rows.first().and_then(|_| source.open().ok()) else {
        return found;
    };
    // A jump lands among the 64 records before a wanted one: ~10 KB of a typical table.
    reader.read_at_most(16 << 10);
    let mut record = Record::default();
    // Rows are numbered as in the first pass: every record counts, the header included.
    let mut row = 0;
    for &wanted in rows {
        if let Some((read, at)) = bookmarks.before(wanted).filter(|&(read, _)| read > row) {
            match reader.skip_to(at) {
                Ok(true) => row = read,
                _ => return found,
            }
        }
        while row < wanted {
            match reader.read(&mut record) {
                Ok(true) => row += 1,
                _ => return found,
            }
        }
        if format.layout.skip_initial_space {
            record.trim_initial_spaces(format.delimiter);
        }
        let cells = record
            .iter()
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        found.insert(
            wanted,
            ReadAgain {
                hash: keys::hash_row(&record),
                cells,
            },
        );
    }
    found
}

/// The keys `fields` take in a table, for foreign keys pointing at it. Rows with errors in
/// those fields are left out; the table's own validation reports them.
pub fn collect_keys(
    source: Source<'_>,
    schema: &CompiledSchema,
    fields: &[usize],
) -> Result<KeySet, String> {
    let (mut reader, format) = source.open().map_err(|e| e.to_string())?;
    let mut record = Record::default();
    let mut row = 0;
    if format.header {
        row = read_header(&mut reader, &format)
            .map_err(|e| source_message(&e))?
            .map_or(0, |(_, last)| last);
    }
    let mut set = KeySet::new();
    while reader.read(&mut record).map_err(|e| source_message(&e))? {
        row += 1;
        if format.layout.skip_initial_space {
            record.trim_initial_spaces(format.delimiter);
        }
        if format.layout.is_comment(row, record.get(0)) {
            continue;
        }
        let values: Option<Vec<Typed<'_>>> = fields
            .iter()
            .map(|&i| {
                let cell = reader::cell_str(record.get(i)?).ok()?;
                if schema.is_missing(cell) {
                    return None;
                }
                schema.fields[i].kind.parse(cell).ok()
            })
            .collect();
        if let Some(values) = values {
            set.insert(keys::hash_key(values));
        }
    }
    Ok(set)
}

/// The stand-in schema of a table without one: a field of type `any` per header label
/// (a blank label is `fieldN`, a repeated one gets its column number), or per cell of the
/// first row when the table has no header. It checks the structure, nothing else.
pub fn header_schema(source: Source<'_>) -> crate::catalog::Schema {
    let mut names: Vec<String> = Vec::new();
    if let Ok((mut reader, format)) = source.open() {
        let mut record = Record::default();
        let labels: Vec<String> = if format.header {
            read_header(&mut reader, &format)
                .ok()
                .flatten()
                .map(|(labels, _)| labels)
                .unwrap_or_default()
        } else if let Ok(true) = reader.read(&mut record) {
            record
                .iter()
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect()
        } else {
            Vec::new()
        };
        {
            for (i, label) in labels.into_iter().enumerate() {
                let name = if !format.header || label.trim().is_empty() || names.contains(&label) {
                    format!("{label}field{}", i + 1)
                } else {
                    label
                };
                names.push(name);
            }
        }
    }
    let fields: Vec<Json> = names
        .into_iter()
        .map(|name| serde_json::json!({"name": name, "type": "any"}))
        .collect();
    serde_json::from_value(serde_json::json!({ "fields": fields })).unwrap_or_default()
}
