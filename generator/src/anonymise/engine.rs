//! Applies a policy to one raw file in two streaming passes: the first parses and
//! generalises every row and counts equivalence classes (keeping ~50 bytes per row), the
//! second re-reads the file, redacts free text on two threads, spills rows to `order` (so
//! they leave in hash order, not the raw chronological order) and writes the anonymised
//! CSV, the Open311 export and the report. Outputs go to temporary siblings and are renamed
//! only when everything succeeded.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use csv::StringRecord;
use sha2::{Digest, Sha256};

use super::generalise::{self, Cell, CoordError};
use super::kanon::{self, RowKeys};
use super::open311;
use super::order::Spill;
use super::policy::{ColumnRule, Hierarchy, Level, LocationLevel, Policy, Source};
use super::redact::{Counts, Redactor};
use super::report::{Achieved, LevelCount, PrivacyReport};
use super::{AnonymiseError, Progress};
use crate::catalog::Package;

const FIRST_PASS: &str = "pass 1/2: generalising and counting classes";
const SECOND_PASS: &str = "pass 2/2: redacting and writing";

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
    qi: Vec<usize>,
    sensitive: usize,
    resolution: h3o::Resolution,
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
    let (rows, rows_in) = plan.first_pass(progress)?;
    let decision = kanon::enforce(&rows, policy.hierarchy.len(), policy.k, policy.l);
    drop(rows);
    let (counts, rows_out) = plan.second_pass(&decision.level, outputs, progress)?;

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

/// The file line a record starts on (the csv crate counts from the header's line break).
fn record_line(record: &StringRecord) -> u64 {
    record.position().map_or(0, |p| p.line() + 1)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn open(input: &Path) -> Result<csv::Reader<File>, AnonymiseError> {
    csv::ReaderBuilder::new()
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
            qi,
            sensitive,
            resolution,
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

    fn parse(&self, record: &StringRecord, line: u64) -> Result<Parsed, AnonymiseError> {
        let mut parsed = Parsed::default();
        if let Some((i, name)) = &self.inputs.time {
            let raw = record.get(*i).unwrap_or("");
            parsed.date = Some(generalise::parse_date(raw).ok_or_else(|| {
                self.bad(
                    line,
                    name,
                    format!("`{raw}` is not a date; expected DD.MM.YYYY [HH:MM] or YYYY-MM-DD"),
                )
            })?);
        }
        if let Some(i) = self.inputs.address {
            parsed.street = generalise::street_of(record.get(i).unwrap_or(""));
        }
        if let Some(((la, lat_name), (lo, lon_name))) = &self.inputs.coords {
            let (lat, lon) = (record.get(*la).unwrap_or(""), record.get(*lo).unwrap_or(""));
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

    /// The value of output column `col` for a row at `level`; free text only when
    /// `redactor` is given (the first pass never needs it).
    fn value(
        &self,
        col: &Col,
        record: &StringRecord,
        line: u64,
        parsed: &Parsed,
        level: &Level,
        redactor: Option<(&Redactor, &mut Counts)>,
    ) -> String {
        let date = parsed
            .date
            .map(|d| generalise::generalise_date(d, level.time));
        let with_cell = level.location != LocationLevel::District;
        match col {
            Col::Id(i) => opaque_id(&self.dataset, record.get(*i).unwrap_or(""), line),
            Col::Kept(i) => record.get(*i).unwrap_or("").trim().to_string(),
            Col::Redacted(i) => match redactor {
                Some((r, counts)) if level.location == LocationLevel::Street => {
                    r.redact(record.get(*i).unwrap_or(""), counts)
                }
                Some((r, counts)) => r.redact_with_streets(record.get(*i).unwrap_or(""), counts),
                None => String::new(),
            },
            Col::Date => date.map(|d| d.to_string()).unwrap_or_default(),
            Col::Year => date.map(|d| d.year().to_string()).unwrap_or_default(),
            Col::Street if level.location == LocationLevel::Street => parsed.street.clone(),
            Col::Street => String::new(),
            Col::Cell => match parsed.cell {
                Some(c) if with_cell => c.id(),
                _ => String::new(),
            },
            Col::Lat | Col::Lon => match parsed.cell {
                Some(c) if with_cell => {
                    let (lat, lon) = c.centre();
                    format!("{:.6}", if matches!(col, Col::Lat) { lat } else { lon })
                }
                _ => String::new(),
            },
        }
    }

    fn first_pass(&self, progress: Progress<'_>) -> Result<(Vec<RowKeys>, u64), AnonymiseError> {
        let mut reader = open(&self.input)?;
        let mut record = StringRecord::new();
        let mut rows = Vec::new();
        let last = (self.policy.hierarchy.len() - 1) as u8;
        loop {
            match reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(source) => {
                    return Err(AnonymiseError::Read {
                        file: self.input.clone(),
                        source,
                    })
                }
            }
            if rows.len() % 16_384 == 0 {
                progress(FIRST_PASS, rows.len() as u64);
            }
            let line = record_line(&record);
            let parsed = self.parse(&record, line)?;
            let mut levels = Vec::with_capacity(self.policy.hierarchy.len());
            for level in &self.policy.hierarchy {
                let values: Vec<String> = self
                    .qi
                    .iter()
                    .map(|&q| self.value(&self.columns[q], &record, line, &parsed, level, None))
                    .collect();
                levels.push(kanon::key_of(values.iter().map(String::as_str)));
            }
            let sensitive = self.value(
                &self.columns[self.sensitive],
                &record,
                line,
                &parsed,
                &self.policy.hierarchy[0],
                None,
            );
            let start = if self.policy.sensitive_values.contains(&sensitive) {
                last
            } else {
                0
            };
            rows.push(RowKeys {
                levels,
                sensitive: (!sensitive.is_empty())
                    .then(|| kanon::key_of([sensitive.as_str()]) as u64),
                start,
            });
        }
        let n = rows.len() as u64;
        Ok((rows, n))
    }

    /// One published row and its Open311 request, built from anonymised values only.
    fn output_row(
        &self,
        record: &StringRecord,
        level: u8,
        redactor: &Redactor,
        counts: &mut Counts,
    ) -> Result<(String, Vec<String>), AnonymiseError> {
        let line = record_line(record);
        let parsed = self.parse(record, line)?;
        let level = &self.policy.hierarchy[usize::from(level)];
        let key = opaque_id(&self.dataset, "\u{1}order", line);
        let row = self
            .columns
            .iter()
            .map(|col| {
                self.value(
                    col,
                    record,
                    line,
                    &parsed,
                    level,
                    Some((redactor, &mut *counts)),
                )
            })
            .collect();
        Ok((key, row))
    }

    fn second_pass(
        &self,
        levels: &[Option<u8>],
        outputs: &Outputs,
        progress: Progress<'_>,
    ) -> Result<(Counts, u64), AnonymiseError> {
        let redactor = Redactor::new();
        let mut reader = open(&self.input)?;
        let csv_tmp = Temp::new(&outputs.csv)?;
        let mut writer = csv::Writer::from_writer(BufWriter::new(csv_tmp.create()?));
        let names = &self.names;
        writer
            .write_record(names)
            .map_err(|e| csv_tmp.error(e.into()))?;
        let open311_tmp = match &outputs.open311 {
            Some(path) => Some(Temp::new(path)?),
            None => None,
        };
        let mut open311 = match &open311_tmp {
            Some(t) => {
                Some(open311::Writer::new(BufWriter::new(t.create()?)).map_err(|e| t.error(e))?)
            }
            None => None,
        };
        let field = |name: &str| names.iter().position(|n| n == name);
        let (f_id, f_status, f_cat, f_date, f_street, f_lat, f_lon, f_text) = (
            field("id"),
            field("status"),
            field("category"),
            field("date"),
            field("street"),
            field("lat"),
            field("lon"),
            field("text"),
        );

        let spill_error = |source| AnonymiseError::Write {
            file: outputs.csv.clone(),
            source,
        };
        let mut spill = Spill::new(&outputs.csv).map_err(spill_error)?;
        let mut counts = Counts::default();
        let mut written = 0u64;
        let mut index = 0usize;
        const CHUNK: usize = 4096;
        let mut chunk: Vec<(StringRecord, u8)> = Vec::with_capacity(CHUNK);
        let mut done = false;
        while !done {
            chunk.clear();
            while chunk.len() < CHUNK {
                let mut record = StringRecord::new();
                match reader.read_record(&mut record) {
                    Ok(true) => {}
                    Ok(false) => {
                        done = true;
                        break;
                    }
                    Err(source) => {
                        return Err(AnonymiseError::Read {
                            file: self.input.clone(),
                            source,
                        })
                    }
                }
                if let Some(Some(level)) = levels.get(index) {
                    chunk.push((record, *level));
                }
                index += 1;
            }
            progress(SECOND_PASS, index as u64);
            // Redaction is the expensive part: split the chunk over two threads.
            let half = chunk.len().div_ceil(2);
            let (a, b) = chunk.split_at(half.min(chunk.len()));
            let work = |part: &[(StringRecord, u8)]| {
                let mut local = Counts::default();
                let rows: Result<Vec<(String, Vec<String>)>, AnonymiseError> = part
                    .iter()
                    .map(|(r, l)| self.output_row(r, *l, &redactor, &mut local))
                    .collect();
                rows.map(|rows| (rows, local))
            };
            let (ra, rb) = std::thread::scope(|s| {
                let handle = s.spawn(|| work(b));
                let ra = work(a);
                (ra, handle.join())
            });
            let rb = rb.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for part in [ra?, rb?] {
                let (rows, local) = part;
                counts.merge(&local);
                for (key, row) in rows {
                    spill.push(&key, &row).map_err(spill_error)?;
                    written += 1;
                }
            }
        }
        spill.drain(
            |row: &[&str]| -> Result<(), AnonymiseError> {
                writer
                    .write_record(row)
                    .map_err(|e| csv_tmp.error(e.into()))?;
                if let (Some(w), Some(t)) = (open311.as_mut(), &open311_tmp) {
                    let get = |f: Option<usize>| f.and_then(|i| row.get(i).copied()).unwrap_or("");
                    let num = |f: Option<usize>| get(f).parse::<f64>().ok();
                    w.write(&open311::ServiceRequest {
                        service_request_id: get(f_id),
                        status: open311::status(get(f_status)),
                        service_name: get(f_cat),
                        requested_datetime: format!("{}T00:00:00Z", get(f_date)),
                        address: get(f_street),
                        lat: num(f_lat),
                        long: num(f_lon),
                        description: get(f_text),
                    })
                    .map_err(|e| t.error(e))?;
                }
                Ok(())
            },
            spill_error,
        )?;
        let inner = writer
            .into_inner()
            .map_err(|e| csv_tmp.error(std::io::Error::other(e.to_string())))?;
        finish(inner, &csv_tmp)?;
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

fn finish(mut inner: BufWriter<File>, tmp: &Temp) -> Result<(), AnonymiseError> {
    inner.flush().map_err(|e| tmp.error(e))?;
    let file = inner
        .into_inner()
        .map_err(|e| tmp.error(std::io::Error::other(e.to_string())))?;
    file.sync_all().map_err(|e| tmp.error(e))
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

/// A temporary sibling renamed into place on commit, removed otherwise.
struct Temp {
    target: PathBuf,
    path: PathBuf,
}

impl Temp {
    fn new(target: &Path) -> Result<Temp, AnonymiseError> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|source| AnonymiseError::Write {
            file: target.to_path_buf(),
            source,
        })?;
        Ok(Temp {
            target: target.to_path_buf(),
            path: parent.join(format!(".{name}.tmp-{}", std::process::id())),
        })
    }

    fn create(&self) -> Result<File, AnonymiseError> {
        File::create(&self.path).map_err(|e| self.error(e))
    }

    fn error(&self, source: std::io::Error) -> AnonymiseError {
        AnonymiseError::Write {
            file: self.target.clone(),
            source,
        }
    }

    fn commit(self) -> Result<(), AnonymiseError> {
        std::fs::rename(&self.path, &self.target).map_err(|e| self.error(e))
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
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
