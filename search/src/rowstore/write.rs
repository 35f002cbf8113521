//! Writing a package's row stores (one per resource) and its zip download, from what
//! `publish` wrote to `data/<name>/`. Called once per published package by `build`.

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Kind, Meta, MetaColumn, StoreError, FORMAT};
use crate::catalogue::hex;
use crate::datapackage::{Package, Resource};
use crate::output::write_in;
use crate::Layout;

/// What `write_store` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct StoreSummary {
    pub dataset: String,
    /// (resource, rows) in package order.
    pub resources: Vec<(String, u64)>,
}

/// Writes `_store/<dataset>/<resource>/` for every resource of the published package
/// `dataset`, and `_store/<dataset>/package.zip`.
pub fn write_store(layout: &Layout, dataset: &str) -> Result<StoreSummary, StoreError> {
    let package_path = layout.package_file(dataset);
    let bytes = std::fs::read(&package_path).map_err(|source| StoreError::Read {
        path: package_path.clone(),
        source,
    })?;
    let package: Package = serde_json::from_slice(&bytes).map_err(|error| {
        crate::catalogue::CatalogueError::Parse {
            path: package_path.clone(),
            error,
        }
    })?;
    let mut resources = Vec::new();
    for resource in &package.resources {
        let rows = write_resource(layout, &package, resource)?;
        resources.push((resource.name.clone(), rows));
    }
    write_zip(layout, &package, &bytes)?;
    Ok(StoreSummary {
        dataset: dataset.to_string(),
        resources,
    })
}

/// One column while it is being read: its distinct values and each row's (provisional) code.
struct Building {
    kind: Kind,
    interned: HashMap<Box<str>, u32>,
    values: Vec<Box<str>>,
    codes: Vec<u32>,
}

const NULL: u32 = u32::MAX;

fn write_resource(
    layout: &Layout,
    package: &Package,
    resource: &Resource,
) -> Result<u64, StoreError> {
    let csv_path = layout.resource_csv(&package.name, &resource.name);
    let csv_error = |row, source| StoreError::Csv {
        path: csv_path.clone(),
        row,
        source,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(&csv_path)
        .map_err(|e| csv_error(0, e))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(1, e))?
        .iter()
        .map(str::to_string)
        .collect();
    let missing = resource.missing_values();
    let schema_types: Vec<String> = headers
        .iter()
        .map(|h| {
            resource
                .field(h)
                .map_or_else(|| "string".into(), |f| f.kind.clone())
        })
        .collect();
    let mut columns: Vec<Building> = schema_types
        .iter()
        .map(|t| Building {
            kind: Kind::from_schema(t),
            interned: HashMap::new(),
            values: Vec::new(),
            codes: Vec::new(),
        })
        .collect();
    let mut record = csv::StringRecord::new();
    let mut rows: u64 = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(rows + 2, e)),
        }
        rows += 1;
        if rows >= u64::from(u32::MAX) {
            return Err(StoreError::TooLarge {
                path: csv_path.clone(),
                rows,
            });
        }
        for (column, cell) in columns.iter_mut().zip(record.iter()) {
            let code = if missing.iter().any(|m| m == cell) {
                NULL
            } else if let Some(&code) = column.interned.get(cell) {
                code
            } else {
                let code = column.values.len() as u32;
                column.values.push(cell.into());
                column.interned.insert(cell.into(), code);
                code
            };
            column.codes.push(code);
        }
    }

    let dir = layout.store_resource_dir(&package.name, &resource.name);
    let write = |name: String, bytes: &[u8]| {
        let path = dir.join(name);
        write_in(layout, &path, bytes).map_err(|source| StoreError::Write { path, source })
    };
    for (i, column) in columns.into_iter().enumerate() {
        let files = encode(column, rows as usize);
        write(format!("c{i}.dict"), &files.dict)?;
        write(format!("c{i}.codes"), &files.codes)?;
        write(format!("c{i}.perm"), &files.perm)?;
        write(format!("c{i}.starts"), &files.starts)?;
    }
    let meta = Meta {
        format: FORMAT,
        rows: rows as u32,
        build: random_hex(&package.name, &resource.name),
        columns: headers
            .iter()
            .zip(&schema_types)
            .map(|(name, kind)| MetaColumn {
                name: name.clone(),
                kind: kind.clone(),
            })
            .collect(),
    };
    let json = serde_json::to_vec_pretty(&meta).unwrap_or_default();
    write("meta.json".into(), &json)?;
    Ok(rows)
}

struct Files {
    dict: Vec<u8>,
    codes: Vec<u8>,
    perm: Vec<u8>,
    starts: Vec<u8>,
}

/// Sorts the dictionary by the column's type, recodes the rows (null = 0) and derives the
/// column's order with a counting sort, which keeps rows of one code in row order.
fn encode(column: Building, rows: usize) -> Files {
    let Building {
        kind,
        values,
        codes,
        ..
    } = column;
    let mut order: Vec<u32> = (0..values.len() as u32).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&values[a as usize], &values[b as usize]);
        kind.key(a).cmp(&kind.key(b)).then_with(|| a.cmp(b))
    });
    let mut recode = vec![0u32; values.len()];
    for (rank, &old) in order.iter().enumerate() {
        recode[old as usize] = rank as u32 + 1;
    }
    let dict_len = values.len() + 1;

    // Offsets: entry 0 (null) is empty, then one end offset per value.
    let mut dict = Vec::with_capacity(8 * (dict_len + 2));
    dict.extend_from_slice(&(dict_len as u64).to_le_bytes());
    dict.extend_from_slice(&0u64.to_le_bytes());
    dict.extend_from_slice(&0u64.to_le_bytes());
    let mut text = Vec::new();
    for &old in &order {
        text.extend_from_slice(values[old as usize].as_bytes());
        dict.extend_from_slice(&(text.len() as u64).to_le_bytes());
    }
    dict.extend_from_slice(&text);

    let mut final_codes = Vec::with_capacity(rows);
    let mut counts = vec![0u32; dict_len + 1];
    for &code in &codes {
        let code = if code == NULL {
            0
        } else {
            recode[code as usize]
        };
        final_codes.push(code);
        counts[code as usize + 1] += 1;
    }
    for c in 1..counts.len() {
        counts[c] += counts[c - 1];
    }
    let starts = counts;
    let mut next = starts.clone();
    let mut perm = vec![0u32; rows];
    for (row, &code) in final_codes.iter().enumerate() {
        perm[next[code as usize] as usize] = row as u32;
        next[code as usize] += 1;
    }
    Files {
        dict,
        codes: le_bytes(&final_codes),
        perm: le_bytes(&perm),
        starts: le_bytes(&starts),
    }
}

fn le_bytes(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A fresh identifier for this build of a store (ETags and cursors change with it).
fn random_hex(dataset: &str, resource: &str) -> String {
    use std::hash::BuildHasher;
    // RandomState is seeded from the OS's randomness: enough for an identifier and a
    // nonce, without a dependency.
    let random = std::collections::hash_map::RandomState::new().hash_one(std::process::id());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut digest = Sha256::new();
    digest.update(dataset.as_bytes());
    digest.update(resource.as_bytes());
    digest.update(now.to_le_bytes());
    digest.update(random.to_le_bytes());
    hex(&digest.finalize()[..8])
}

/// `_store/<name>/package.zip`: `datapackage.json` and every resource, deflated (the one
/// method every unzip tool reads), written beside its final name and renamed.
fn write_zip(layout: &Layout, package: &Package, package_json: &[u8]) -> Result<(), StoreError> {
    let path = layout.store_zip(&package.name);
    let io_error = |source| StoreError::Write {
        path: path.clone(),
        source,
    };
    layout
        .checked(&path)
        .map_err(|e| io_error(std::io::Error::new(std::io::ErrorKind::InvalidInput, e)))?;
    let tmp = path.with_extension("zip.tmp");
    let zip_error = |source| StoreError::Zip {
        path: path.clone(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io_error)?;
    }
    let file = std::fs::File::create(&tmp).map_err(io_error)?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let folder = &package.name;
    zip.start_file(format!("{folder}/datapackage.json"), options)
        .map_err(zip_error)?;
    zip.write_all(package_json).map_err(io_error)?;
    for resource in &package.resources {
        let csv = layout.resource_csv(&package.name, &resource.name);
        zip.start_file(format!("{folder}/{}.csv", resource.name), options)
            .map_err(zip_error)?;
        let mut input = std::fs::File::open(&csv).map_err(|source| StoreError::Read {
            path: csv.clone(),
            source,
        })?;
        std::io::copy(&mut input, &mut zip).map_err(io_error)?;
    }
    let mut out = zip.finish().map_err(zip_error)?;
    out.flush().map_err(io_error)?;
    drop(out);
    std::fs::rename(&tmp, &path).map_err(io_error)
}
