//! Applies a policy to one raw file in two streaming passes, each a `pipeline` with the
//! per-row work on every core: the first reads the file once, parses and generalises every
//! row and hashes its equivalence classes (keeping ~90 bytes per row: class keys, where the
//! raw record is, its parsed date and cell); the second re-reads only the published rows'
//! records, in the keyed-hash order of `order` (not the raw chronological order), redacts
//! their free text and writes the anonymised CSV and the Open311 export; then the report.
//! Outputs go to temporary siblings and are renamed only when everything succeeded.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use csv::ByteRecord;
use sha2::{Digest, Sha256};

use super::generalise::{self, Cell, CoordError};
use super::kanon::{self, Keys, RowKeys};
use super::open311;
use super::order;
use super::pipeline;
use super::policy::{ColumnRule, Hierarchy, Level, LocationLevel, Policy, Source};
use super::redact::{Counts, Redactor};
use super::report::{Achieved, LevelCount, PrivacyReport};
use super::temp::{finish, Temp};
use super::utility::Counter;
use super::{AnonymiseError, Progress};
use crate::catalog::Package;

const FIRST_PASS: &str = "pass 1/2: generalising and counting classes";
const SECOND_PASS: &str = "pass 2/2: redacting and writing";

/// Raw records per pass-1 work item, published rows per pass-2 work item.
const BATCH: usize = 1024;
const CHUNK: usize = 512;
/// Work items in flight per pass (bounds memory: a few MB).
const WINDOW: usize = 8;

/// Where one run writes.
#[derive(Debug, Clone)]
pub struct Outputs {
    pub csv: PathBuf,
    pub report: Option<PathBuf>,
    pub open311: Option<PathBuf>,
}

/// One output column, resolved to raw column indices.
#[derive(Debug, Clone)]
enum Col {
    Id(usize),
    Kept(usize),
    Redacted(usize),
    Date,
    Year,
    Street,
    Cell,
    Lat,
    Lon,
}

/// The raw columns the generalisations read.
#[derive(Debug, Clone, Default)]
struct Inputs {
    time: Option<(usize, String)>,
    address: Option<usize>,
    coords: Option<((usize, String), (usize, String))>,
}

/// One row's generalisable values, parsed.
#[derive(Debug, Clone, Default)]
struct Parsed {
    date: Option<NaiveDate>,
    street: String,
    cell: Option<Cell>,
}

/// What pass 1 keeps of a row for pass 2: where its raw record starts (it ends where the
/// next one starts), its line, its place in the published order, and the parsed values
/// that cost most to parse again.
#[derive(Debug, Clone, Copy)]
struct Meta {
    offset: u64,
    line: u64,
    order: u64,
    date: Option<NaiveDate>,
    cell: Option<Cell>,
    /// The raw address named a street (for the report's utility counts).
    has_street: bool,
}

/// One raw row as the output values are computed from it.
struct Row<'r> {
    fields: Fields<'r>,
    line: u64,
    parsed: Parsed,
}

/// The raw fields of one record that the policy reads ("" for the dropped ones).
struct Fields<'r>(Vec<&'r str>);

impl<'r> Fields<'r> {
    fn get(&self, i: usize) -> &'r str {
        self.0.get(i).copied().unwrap_or("")
    }
}

/// The policy applied to a particular raw header.
struct Plan<'a> {
    policy: &'a Policy,
    dataset: String,
    input: PathBuf,
    header: Vec<String>,
    /// Output column names, in the published schema's order.
    names: Vec<String>,
    columns: Vec<Col>,
    inputs: Inputs,
    /// Raw columns some output column or generalisation reads.
    used: Vec<usize>,
    qi: Vec<usize>,
    sensitive: usize,
    resolution: h3o::Resolution,
    /// Added to the csv crate's line of a record to get its first line: 1 in a CRLF file, whose
    /// previous `\n` the reader has not yet counted when it marks the record's start.
    line_offset: u64,
}

/// Anonymises `input` by `policy` (of `package`) into `outputs`.
pub fn anonymise_file(
    package: &Package,
    policy: &Policy,
    input: &Path,
    outputs: &Outputs,
    progress: Option<Progress<'_>>,
) -> Result<PrivacyReport, AnonymiseError> {
    let progress = progress.unwrap_or(&|_, _| {});
    for out in [
        Some(&outputs.csv),
        outputs.report.as_ref(),
        outputs.open311.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        if same_file(out, input) {
            return Err(AnonymiseError::SameFile { file: out.clone() });
        }
    }
    let plan = Plan::new(package, policy, input)?;
    let (rows, metas) = plan.first_pass(progress)?;
    let rows_in = rows.len() as u64;
    let budget = (policy.suppression_limit * rows_in as f64).floor() as u64;
    let decision = kanon::enforce(&rows, policy.k, policy.l, budget);
    drop(rows);
    let (counts, rows_out) = plan.second_pass(&metas, &decision.level, outputs, progress)?;
    let mut utility = Counter::new(policy);
    for (meta, level) in metas.iter().zip(&decision.level) {
        let level = level.and_then(|l| policy.hierarchy.get(usize::from(l)));
        utility.add(level, meta.has_street, meta.cell.is_some());
    }
    let (quasi_identifiers, information_loss) = utility.finish();

    let dropped_columns = plan
        .header
        .iter()
        .filter(|h| policy.columns.get(*h) == Some(&ColumnRule::Drop))
        .cloned()
        .collect();
    let report = PrivacyReport {
        dataset: package.name.clone(),
        rows_in,
        rows_out,
        suppressed: rows_in - rows_out,
        suppressed_share: if rows_in == 0 {
            0.0
        } else {
            ((rows_in - rows_out) as f64 / rows_in as f64 * 1e4).round() / 1e4
        },
        quasi_identifiers,
        information_loss,
        levels: policy
            .hierarchy
            .iter()
            .zip(&decision.rows_per_level)
            .map(|(level, rows)| LevelCount {
                level: *level,
                rows: *rows,
            })
            .collect(),
        k: Achieved {
            required: policy.k as u64,
            achieved: decision.k_achieved,
        },
        l: Achieved {
            required: policy.l as u64,
            achieved: decision.l_achieved.map(|l| l as u64),
        },
        classes: decision.classes,
        redactions: counts.to_map(),
        dropped_columns,
        policy: policy.clone(),
    };
    if let Some(path) = &outputs.report {
        let json = serde_json::to_vec_pretty(&report).map_err(|e| AnonymiseError::Write {
            file: path.clone(),
            source: e.into(),
        })?;
        vidkryto_search::output::write_atomic(path, &json).map_err(|source| {
            AnonymiseError::Write {
                file: path.clone(),
                source,
            }
        })?;
    }
    Ok(report)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// 1 when the file's first line ends in CRLF, else 0 (see `Plan::line_offset`).
fn crlf_offset(input: &Path) -> u64 {
    use std::io::Read;
    let mut head = Vec::with_capacity(64 * 1024);
    let read = File::open(input).and_then(|f| f.take(64 * 1024).read_to_end(&mut head));
    match (read, memchr::memchr(b'\n', &head)) {
        (Ok(_), Some(end)) if end > 0 && head[end - 1] == b'\r' => 1,
        _ => 0,
    }
}

fn open(input: &Path) -> Result<csv::Reader<File>, AnonymiseError> {
    csv::ReaderBuilder::new()
        .buffer_capacity(1 << 20)
        .from_path(input)
        .map_err(|source| AnonymiseError::Read {
            file: input.to_path_buf(),
            source,
        })
}

impl<'a> Plan<'a> {
    fn new(
        package: &Package,
        policy: &'a Policy,
        input: &Path,
    ) -> Result<Plan<'a>, AnonymiseError> {
        let package_file = package.dir.join("datapackage.json");
        let output = package
            .resource(&policy.output)
            .and_then(|r| r.schema.as_ref())
            .ok_or_else(|| AnonymiseError::NoResource {
                file: package_file.clone(),
                what: "output",
                resource: policy.output.clone(),
            })?;
        let mut reader = open(input)?;
        let header: Vec<String> = reader
            .headers()
            .map_err(|source| AnonymiseError::Read {
                file: input.to_path_buf(),
                source,
            })?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        for column in policy.columns.keys() {
            if !header.contains(column) {
                return Err(AnonymiseError::MissingColumn {
                    file: input.to_path_buf(),
                    column: column.clone(),
                });
            }
        }
        for column in &header {
            if !policy.columns.contains_key(column) {
                return Err(AnonymiseError::Unruled {
                    file: input.to_path_buf(),
                    column: column.clone(),
                });
            }
        }
        let index = |name: &str| header.iter().position(|h| h == name).unwrap_or(0);
        let mut inputs = Inputs::default();
        if let Some(c) = policy.hierarchy_column(Hierarchy::Time) {
            inputs.time = Some((index(&c), c));
        }
        inputs.address = policy
            .hierarchy_column(Hierarchy::Address)
            .map(|c| index(&c));
        if let (Some(lat), Some(lon)) = (
            policy.hierarchy_column(Hierarchy::Latitude),
            policy.hierarchy_column(Hierarchy::Longitude),
        ) {
            inputs.coords = Some(((index(&lat), lat), (index(&lon), lon)));
        }
        let produced = policy.output_columns();
        let resolve = |name: &str| -> Option<Col> {
            let (_, source) = produced.iter().find(|(n, _)| n == name)?;
            Some(match source {
                Source::Id(raw) => Col::Id(index(raw)),
                Source::Kept(raw) => Col::Kept(index(raw)),
                Source::Redacted(raw) => Col::Redacted(index(raw)),
                Source::Date(_) => Col::Date,
                Source::Year(_) => Col::Year,
                Source::Street(_) => Col::Street,
                Source::Cell(..) => Col::Cell,
                Source::CellLat(..) => Col::Lat,
                Source::CellLon(..) => Col::Lon,
            })
        };
        let mut columns = Vec::new();
        for field in &output.fields {
            columns.push(
                resolve(&field.name).ok_or_else(|| AnonymiseError::Unproduced {
                    file: package_file.clone(),
                    resource: policy.output.clone(),
                    column: field.name.clone(),
                })?,
            );
        }
        let names: Vec<&str> = output.fields.iter().map(|f| f.name.as_str()).collect();
        let position = |name: &str| {
            names
                .iter()
                .position(|n| *n == name)
                .ok_or_else(|| AnonymiseError::Unproduced {
                    file: package_file.clone(),
                    resource: policy.output.clone(),
                    column: name.to_string(),
                })
        };
        let qi = policy
            .quasi_identifiers
            .iter()
            .map(|q| position(q))
            .collect::<Result<_, _>>()?;
        let sensitive = position(&policy.sensitive)?;
        let mut used: Vec<usize> = columns
            .iter()
            .filter_map(|c| match c {
                Col::Id(i) | Col::Kept(i) | Col::Redacted(i) => Some(*i),
                _ => None,
            })
            .chain(inputs.time.as_ref().map(|(i, _)| *i))
            .chain(inputs.address)
            .chain(
                inputs
                    .coords
                    .iter()
                    .flat_map(|((la, _), (lo, _))| [*la, *lo]),
            )
            .collect();
        used.sort_unstable();
        used.dedup();
        let resolution = h3o::Resolution::try_from(policy.h3_resolution).map_err(|_| {
            AnonymiseError::Policy {
                file: package_file.clone(),
                message: format!("`h3_resolution` {} is not 0–15", policy.h3_resolution),
            }
        })?;
        Ok(Plan {
            policy,
            dataset: package.name.clone(),
            input: input.to_path_buf(),
            header,
            names: names.iter().map(|n| n.to_string()).collect(),
            columns,
            inputs,
            used,
            qi,
            sensitive,
            resolution,
            line_offset: crlf_offset(input),
        })
    }

    fn bad(&self, line: u64, column: &str, problem: String) -> AnonymiseError {
        AnonymiseError::BadValue {
            file: self.input.clone(),
            line,
            column: column.to_string(),
            problem,
        }
    }

    fn read_error(&self, source: csv::Error) -> AnonymiseError {
        AnonymiseError::Read {
            file: self.input.clone(),
            source,
        }
    }

    /// The fields of `record` the policy reads, checked as UTF-8 (the dropped ones are never
    /// looked at, so they stay empty here).
    fn fields<'r>(&self, record: &'r ByteRecord, line: u64) -> Result<Fields<'r>, AnonymiseError> {
        let mut fields = vec![""; self.header.len()];
        for &i in &self.used {
            let raw = record.get(i).unwrap_or(b"");
            fields[i] = simdutf8::basic::from_utf8(raw).map_err(|_| {
                self.bad(
                    line,
                    &self.header[i],
                    "is not UTF-8 text; save the file as UTF-8".into(),
                )
            })?;
        }
        Ok(Fields(fields))
    }

    fn street(&self, fields: &Fields<'_>) -> String {
        self.inputs
            .address
            .map(|i| generalise::street_of(fields.get(i)))
            .unwrap_or_default()
    }

    fn parse(&self, fields: &Fields<'_>, line: u64) -> Result<Parsed, AnonymiseError> {
        let mut parsed = Parsed {
            street: self.street(fields),
            ..Parsed::default()
        };
        if let Some((i, name)) = &self.inputs.time {
            let raw = fields.get(*i);
            parsed.date = Some(generalise::parse_date(raw).ok_or_else(|| {
                self.bad(
                    line,
                    name,
                    format!("`{raw}` is not a date; expected DD.MM.YYYY [HH:MM] or YYYY-MM-DD"),
                )
            })?);
        }
        if let Some(((la, lat_name), (lo, lon_name))) = &self.inputs.coords {
            let (lat, lon) = (fields.get(*la), fields.get(*lo));
            parsed.cell = generalise::cell_of(lat, lon, self.resolution, self.policy.bounds.as_ref())
                .map_err(|e| match e {
                    CoordError::Unparseable => self.bad(
                        line,
                        &format!("{lat_name}`/`{lon_name}"),
                        format!("`{lat}`, `{lon}` are not a coordinate pair (decimal degrees, both or neither)"),
                    ),
                    CoordError::Outside { lat, lon } => self.bad(
                        line,
                        &format!("{lat_name}`/`{lon_name}"),
                        format!(
                            "({lat}, {lon}) is outside the city ({}); check the coordinates or the policy's `bounds`",
                            self.policy
                                .bounds
                                .map(|b| format!(
                                    "lat {}–{}, lon {}–{}",
                                    b.min_lat, b.max_lat, b.min_lon, b.max_lon
                                ))
                                .unwrap_or_else(|| "not on the globe".into())
                        ),
                    ),
                })?;
        }
        Ok(parsed)
    }

    /// Appends the value of output column `col` for a row at `level` to `out`; free text only
    /// when `redactor` is given (the first pass never needs it).
    fn write_value(
        &self,
        col: &Col,
        row: &Row<'_>,
        level: &Level,
        redactor: Option<(&Redactor, &mut Counts)>,
        out: &mut String,
    ) {
        let Row {
            fields,
            line,
            parsed,
        } = row;
        let date = parsed
            .date
            .map(|d| generalise::generalise_date(d, level.time));
        let cell = level
            .resolution(self.policy.h3_resolution)
            .and_then(|r| parsed.cell.map(|c| c.at(r)));
        // Writing to a String cannot fail.
        match col {
            Col::Id(i) => out.push_str(&opaque_id(&self.dataset, fields.get(*i), *line)),
            Col::Kept(i) => out.push_str(fields.get(*i).trim()),
            Col::Redacted(i) => match redactor {
                Some((r, counts)) if level.location == LocationLevel::Street => {
                    out.push_str(&r.redact(fields.get(*i), counts))
                }
                Some((r, counts)) => out.push_str(&r.redact_with_streets(fields.get(*i), counts)),
                None => {}
            },
            Col::Date => {
                if let Some(d) = date {
                    let _ = write!(out, "{d}");
                }
            }
            Col::Year => {
                if let Some(d) = date {
                    let _ = write!(out, "{}", d.year());
                }
            }
            Col::Street if level.location == LocationLevel::Street => out.push_str(&parsed.street),
            Col::Street => {}
            Col::Cell => {
                if let Some(c) = cell {
                    let _ = write!(out, "{}", c.index);
                }
            }
            Col::Lat | Col::Lon => {
                if let Some(c) = cell {
                    let (lat, lon) = c.centre();
                    let _ = write!(
                        out,
                        "{:.6}",
                        if matches!(col, Col::Lat) { lat } else { lon }
                    );
                }
            }
        }
    }

    fn value(
        &self,
        col: &Col,
        row: &Row<'_>,
        level: &Level,
        redactor: Option<(&Redactor, &mut Counts)>,
    ) -> String {
        let mut out = String::new();
        self.write_value(col, row, level, redactor, &mut out);
        out
    }

    /// Pass 1: reads the raw file once (on the source thread), and on the worker threads
    /// parses, generalises and hashes every row into its class keys; keeps per row only the
    /// keys and what pass 2 needs to find and finish it (`Meta`).
    fn first_pass(&self, progress: Progress<'_>) -> Result<(Keys, Vec<Meta>), AnonymiseError> {
        let mut reader = open(&self.input)?;
        let mut done = false;
        let source = || -> Result<Option<Vec<ByteRecord>>, AnonymiseError> {
            if done {
                return Ok(None);
            }
            let mut batch = Vec::with_capacity(BATCH);
            while batch.len() < BATCH {
                let mut record = ByteRecord::new();
                if !reader
                    .read_byte_record(&mut record)
                    .map_err(|e| self.read_error(e))?
                {
                    done = true;
                    break;
                }
                batch.push(record);
            }
            Ok((!batch.is_empty()).then_some(batch))
        };
        let work = |batch: Vec<ByteRecord>| {
            let mut parts = vec![String::new(); self.qi.len()];
            batch
                .iter()
                .map(|record| self.first_pass_row(record, &mut parts))
                .collect::<Result<Vec<_>, _>>()
        };
        let mut keys = Keys::new(self.policy.hierarchy.len());
        let mut metas = Vec::new();
        pipeline::ordered(pipeline::workers(), WINDOW, source, work, |rows| {
            for (k, m) in rows {
                keys.push(&k);
                metas.push(m);
            }
            progress(FIRST_PASS, keys.len() as u64);
            Ok(())
        })?;
        Ok((keys, metas))
    }

    fn first_pass_row(
        &self,
        record: &ByteRecord,
        parts: &mut [String],
    ) -> Result<(RowKeys, Meta), AnonymiseError> {
        let position = record.position();
        let line = position.map_or(0, |p| p.line() + self.line_offset);
        let fields = self.fields(record, line)?;
        let parsed = self.parse(&fields, line)?;
        let row = Row {
            fields,
            line,
            parsed,
        };
        let mut levels = Vec::with_capacity(self.policy.hierarchy.len());
        for level in &self.policy.hierarchy {
            for (part, &q) in parts.iter_mut().zip(&self.qi) {
                part.clear();
                self.write_value(&self.columns[q], &row, level, None, part);
            }
            levels.push(kanon::key_of(parts.iter().map(String::as_str)));
        }
        let sensitive = self.value(
            &self.columns[self.sensitive],
            &row,
            &self.policy.hierarchy[0],
            None,
        );
        let last = self.policy.hierarchy.len() - 1;
        let start = if self.policy.sensitive_values.contains(&sensitive) {
            self.policy.sensitive_level.unwrap_or(last).min(last) as u8
        } else {
            0
        };
        let keys = RowKeys {
            levels,
            sensitive: (!sensitive.is_empty()).then(|| kanon::key_of([sensitive.as_str()]) as u64),
            start,
        };
        let meta = Meta {
            offset: position.map_or(0, |p| p.byte()),
            line,
            order: order::key(&self.dataset, line),
            date: row.parsed.date,
            cell: row.parsed.cell,
            has_street: !row.parsed.street.is_empty(),
        };
        Ok((keys, meta))
    }

    /// Pass 2: re-reads the published rows' raw records in publishing order (`order`) and,
    /// on the worker threads, redacts them and formats their CSV rows and Open311 requests;
    /// the caller's thread writes the formatted chunks in order.
    fn second_pass(
        &self,
        metas: &[Meta],
        levels: &[Option<u8>],
        outputs: &Outputs,
        progress: Progress<'_>,
    ) -> Result<(Counts, u64), AnonymiseError> {
        let redactor = Redactor::new();
        let published = order::published_order(
            metas.len(),
            |i| (metas[i].order, metas[i].line),
            |i| matches!(levels.get(i), Some(Some(_))),
        );
        let raw = File::open(&self.input).map_err(|e| self.read_error(e.into()))?;
        let raw_len = raw.metadata().map_err(|e| self.read_error(e.into()))?.len();

        let csv_tmp = Temp::new(&outputs.csv)?;
        let mut csv_out = BufWriter::with_capacity(1 << 20, csv_tmp.create()?);
        let mut header = csv::Writer::from_writer(Vec::new());
        header
            .write_record(&self.names)
            .map_err(|e| csv_tmp.error(e.into()))?;
        let header = header
            .into_inner()
            .map_err(|e| csv_tmp.error(std::io::Error::other(e.to_string())))?;
        csv_out.write_all(&header).map_err(|e| csv_tmp.error(e))?;
        let open311_tmp = match &outputs.open311 {
            Some(path) => Some(Temp::new(path)?),
            None => None,
        };
        let mut open311 = match &open311_tmp {
            Some(t) => Some(
                open311::Writer::new(BufWriter::with_capacity(1 << 20, t.create()?))
                    .map_err(|e| t.error(e))?,
            ),
            None => None,
        };
        let fields = open311::Columns::new(&self.names);
        let with_open311 = open311.is_some();

        let mut chunks = published.chunks(CHUNK);
        let source = || Ok::<_, AnonymiseError>(chunks.next());
        let work = |chunk: &[u32]| -> Result<Chunk, AnonymiseError> {
            let mut bytes = Vec::with_capacity(chunk.len() * 1536);
            for &i in chunk {
                let i = i as usize;
                let end = metas.get(i + 1).map_or(raw_len, |m| m.offset);
                order::read_span(&raw, metas[i].offset, end, &mut bytes)
                    .map_err(|e| self.read_error(e.into()))?;
            }
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(bytes.as_slice());
            let mut record = ByteRecord::new();
            // One buffer per output column, reused row after row.
            let mut row = vec![String::new(); self.columns.len()];
            let mut out = Chunk {
                csv: csv::Writer::from_writer(Vec::with_capacity(chunk.len() * 1024)),
                json: Vec::with_capacity(if with_open311 { chunk.len() * 1024 } else { 0 }),
                counts: Counts::default(),
                rows: 0,
            };
            for &i in chunk {
                let meta = &metas[i as usize];
                if !reader
                    .read_byte_record(&mut record)
                    .map_err(|e| self.read_error(e))?
                {
                    return Err(self.bad(
                        meta.line,
                        "*",
                        "the record is gone: the raw file changed while it was being anonymised"
                            .into(),
                    ));
                }
                let level = levels
                    .get(i as usize)
                    .copied()
                    .flatten()
                    .and_then(|l| self.policy.hierarchy.get(usize::from(l)))
                    .unwrap_or(&self.policy.hierarchy[0]);
                let fields_of = self.fields(&record, meta.line)?;
                let raw_row = Row {
                    parsed: Parsed {
                        date: meta.date,
                        street: self.street(&fields_of),
                        cell: meta.cell,
                    },
                    fields: fields_of,
                    line: meta.line,
                };
                for (value, col) in row.iter_mut().zip(&self.columns) {
                    value.clear();
                    let redacting = Some((&redactor, &mut out.counts));
                    self.write_value(col, &raw_row, level, redacting, value);
                }
                out.csv
                    .write_record(&row)
                    .map_err(|e| csv_tmp.error(e.into()))?;
                if with_open311 {
                    if !out.json.is_empty() {
                        out.json.push(b',');
                    }
                    open311::element(&fields.request(&row), &mut out.json)
                        .map_err(|e| csv_tmp.error(e))?;
                }
                out.rows += 1;
            }
            Ok(out)
        };
        let mut counts = Counts::default();
        let mut written = 0u64;
        pipeline::ordered(pipeline::workers(), WINDOW, source, work, |chunk| {
            let csv = chunk
                .csv
                .into_inner()
                .map_err(|e| csv_tmp.error(std::io::Error::other(e.to_string())))?;
            csv_out.write_all(&csv).map_err(|e| csv_tmp.error(e))?;
            if let (Some(w), Some(t)) = (open311.as_mut(), &open311_tmp) {
                w.write_elements(&chunk.json).map_err(|e| t.error(e))?;
            }
            counts.merge(&chunk.counts);
            written += chunk.rows;
            progress(SECOND_PASS, written);
            Ok(())
        })?;
        finish(csv_out, &csv_tmp)?;
        if let (Some(w), Some(t)) = (open311, &open311_tmp) {
            let inner = w.finish().map_err(|e| t.error(e))?;
            finish(inner, t)?;
        }
        csv_tmp.commit()?;
        if let Some(t) = open311_tmp {
            t.commit()?;
        }
        Ok((counts, written))
    }
}

/// One chunk of published rows, formatted by a worker.
struct Chunk {
    csv: csv::Writer<Vec<u8>>,
    /// Open311 requests as array elements joined by commas.
    json: Vec<u8>,
    counts: Counts,
    rows: u64,
}

/// An opaque, stable id: not the raw number, not reversible without the raw file.
fn opaque_id(dataset: &str, number: &str, line: u64) -> String {
    let digest = Sha256::new()
        .chain_update(dataset.as_bytes())
        .chain_update([0])
        .chain_update(number.as_bytes())
        .chain_update([0])
        .chain_update(line.to_le_bytes())
        .finalize();
    // Letters only (a–p per nibble): an id never looks like a phone or tax number.
    digest[..8]
        .iter()
        .flat_map(|b| [b >> 4, b & 0x0f])
        .map(|n| char::from(b'a' + n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opaque_ids_are_letters_and_stable() {
        let a = opaque_id("kyiv-appeals", "П-6714", 7);
        assert_eq!(a, opaque_id("kyiv-appeals", "П-6714", 7));
        assert_ne!(a, opaque_id("kyiv-appeals", "П-6714", 8));
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|b| (b'a'..=b'p').contains(&b)));
    }
}
