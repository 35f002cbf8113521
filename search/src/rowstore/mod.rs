//! The row store: a columnar, memory-mapped copy of each published resource that `build`
//! prepares under `_store/<name>/<resource>/` and the rows APIs query without re-parsing CSV.
//! Not for: HTTP parameters (server::datasets) or the published CSV itself (publish).
//!
//! Every column is dictionary-encoded, and the dictionary is sorted by the column's Table
//! Schema type (nulls, then numbers/dates by value, then text), so one `u32` code per row
//! answers typed comparisons, sorting and facets at once:
//!
//! ```text
//! meta.json      rows, columns (name, type), build id
//! c<i>.dict      u64 count · u64 offsets[count+1] · UTF-8 bytes   (entry 0 = null)
//! c<i>.codes     u32 per row: the row's dictionary code
//! c<i>.perm      u32 per row: row ids sorted by (code, row id) — the column's sort order,
//!                and for each code the rows holding it, in row order (a posting list)
//! c<i>.starts    u32 per code + 1: where each code's rows begin in `perm`
//! ```

mod cursor;
mod query;
mod types;
mod write;

use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use serde::{Deserialize, Serialize};

pub use cursor::{Cursor, CursorError, CursorKey};
pub use query::{CodeSet, Filter, Op, Order, Page, ValueError};
pub use types::{Key, Kind};
pub use write::{write_store, StoreSummary};

use crate::keys::ServerKey;
use crate::Layout;

/// The store format version; a store of another version is rebuilt, not misread.
pub const FORMAT: u32 = 1;

/// Why a store could not be written or opened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write `{path}`")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}`, row {row}: the CSV cannot be read")]
    Csv {
        path: PathBuf,
        row: u64,
        source: csv::Error,
    },
    #[error("`{path}` has {rows} rows; the row store holds at most 4 294 967 294")]
    TooLarge { path: PathBuf, rows: u64 },
    #[error("cannot write the download `{path}`")]
    Zip {
        path: PathBuf,
        source: zip::result::ZipError,
    },
    #[error(transparent)]
    Catalogue(#[from] crate::catalogue::CatalogueError),
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
    #[error("the row store `{path}` is damaged ({what}); run `vidkryto build` again")]
    Corrupt { path: PathBuf, what: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Meta {
    format: u32,
    rows: u32,
    build: String,
    columns: Vec<MetaColumn>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MetaColumn {
    name: String,
    #[serde(rename = "type")]
    kind: String,
}

/// One resource's opened store.
#[derive(Debug)]
pub struct Store {
    /// `<dataset>/<resource>`, which cursors are bound to.
    pub id: String,
    pub rows: u32,
    /// Changes with every build; part of ETags.
    pub build: String,
    pub key: CursorKey,
    pub columns: Vec<Column>,
}

/// One column: its dictionary, codes and sort order, memory-mapped.
#[derive(Debug)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
    /// The Table Schema type as published (`geopoint`, `string`, …).
    pub schema_type: String,
    dict_len: u32,
    dict: Region,
    codes: Region,
    perm: Region,
    starts: Region,
}

/// A read-only mapped file (an empty file maps to nothing).
#[derive(Debug)]
enum Region {
    Mapped(Mmap),
    Empty,
}

impl std::ops::Deref for Region {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Region::Mapped(m) => m,
            Region::Empty => &[],
        }
    }
}

fn map(path: &Path) -> Result<Region, StoreError> {
    let read = |source| StoreError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(read)?;
    if file.metadata().map_err(read)?.len() == 0 {
        return Ok(Region::Empty);
    }
    // Safety: the store's files are written once by `build` (to a temporary name, then
    // renamed) and never modified in place, so the mapping cannot change under us.
    let map = unsafe { Mmap::map(&file) }.map_err(read)?;
    Ok(Region::Mapped(map))
}

#[inline]
fn u32_at(bytes: &[u8], i: usize) -> u32 {
    let b = &bytes[i * 4..i * 4 + 4];
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

#[inline]
fn u64_at(bytes: &[u8], i: usize) -> u64 {
    let b = &bytes[i * 8..i * 8 + 8];
    u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

impl Store {
    /// Opens the store of `dataset`/`resource` in `layout`, checking it whole so that no
    /// later read can go out of bounds.
    pub fn open(layout: &Layout, dataset: &str, resource: &str) -> Result<Store, StoreError> {
        let dir = layout.store_resource_dir(dataset, resource);
        let meta_path = dir.join("meta.json");
        let bytes = std::fs::read(&meta_path).map_err(|source| StoreError::Read {
            path: meta_path.clone(),
            source,
        })?;
        let corrupt = |what: String| StoreError::Corrupt {
            path: dir.clone(),
            what,
        };
        let meta: Meta =
            serde_json::from_slice(&bytes).map_err(|e| corrupt(format!("meta.json: {e}")))?;
        if meta.format != FORMAT {
            return Err(corrupt(format!(
                "format {} where this server reads {FORMAT}",
                meta.format
            )));
        }
        let rows = meta.rows as usize;
        let mut columns = Vec::with_capacity(meta.columns.len());
        for (i, c) in meta.columns.iter().enumerate() {
            let column = Column {
                name: c.name.clone(),
                kind: Kind::from_schema(&c.kind),
                schema_type: c.kind.clone(),
                dict_len: 0,
                dict: map(&dir.join(format!("c{i}.dict")))?,
                codes: map(&dir.join(format!("c{i}.codes")))?,
                perm: map(&dir.join(format!("c{i}.perm")))?,
                starts: map(&dir.join(format!("c{i}.starts")))?,
            };
            let column = column
                .checked(rows)
                .map_err(|what| corrupt(format!("column `{}`: {what}", c.name)))?;
            columns.push(column);
        }
        // Cursors are signed with the server's key (never in `public/`, see `keys`), bound
        // to this build of this store.
        let server = ServerKey::for_layout(layout)?;
        let key = CursorKey::for_build(&server, &meta.build);
        Ok(Store {
            id: format!("{dataset}/{resource}"),
            rows: meta.rows,
            build: meta.build,
            key,
            columns,
        })
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    pub fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }
}

impl Column {
    /// Checks every offset, code and row id once, at open.
    fn checked(mut self, rows: usize) -> Result<Column, String> {
        let dict = &self.dict;
        if dict.len() < 8 {
            return Err("dictionary too short".into());
        }
        let count = u64_at(dict, 0) as usize;
        let header = 8 + (count + 1) * 8;
        if count == 0 || count > u32::MAX as usize || dict.len() < header {
            return Err("dictionary header".into());
        }
        let mut previous = 0u64;
        for i in 0..=count {
            let offset = u64_at(dict, 1 + i);
            if offset < previous || header as u64 + offset > dict.len() as u64 {
                return Err(format!("dictionary offset {i}"));
            }
            previous = offset;
        }
        if std::str::from_utf8(&dict[header..]).is_err() {
            return Err("dictionary is not UTF-8".into());
        }
        self.dict_len = count as u32;
        if self.codes.len() != rows * 4 || self.perm.len() != rows * 4 {
            return Err("codes or order length".into());
        }
        if self.starts.len() != (count + 1) * 4 {
            return Err("starts length".into());
        }
        if (0..rows).any(|r| u32_at(&self.codes, r) >= self.dict_len) {
            return Err("a code beyond the dictionary".into());
        }
        if (0..rows).any(|r| u32_at(&self.perm, r) as usize >= rows) {
            return Err("a row id beyond the rows".into());
        }
        let mut previous = 0;
        for c in 0..=count {
            let start = u32_at(&self.starts, c);
            if start < previous || start as usize > rows {
                return Err(format!("start {c}"));
            }
            previous = start;
        }
        if previous as usize != rows {
            return Err("starts do not add up to the rows".into());
        }
        Ok(self)
    }

    /// How many distinct codes (including the null code 0).
    pub fn dict_len(&self) -> u32 {
        self.dict_len
    }

    /// The code of `row`.
    #[inline]
    pub fn code(&self, row: u32) -> u32 {
        u32_at(&self.codes, row as usize)
    }

    /// The published text of `code` (`""` for null).
    #[inline]
    pub fn text(&self, code: u32) -> &str {
        let count = self.dict_len as usize;
        let header = 8 + (count + 1) * 8;
        let from = u64_at(&self.dict, 1 + code as usize) as usize;
        let to = u64_at(&self.dict, 2 + code as usize) as usize;
        // Checked whole at open; a failure here would be a damaged mapping, shown as empty.
        std::str::from_utf8(&self.dict[header + from..header + to]).unwrap_or("")
    }

    /// The bytes of `code`'s text, unchecked (the dictionary is checked as UTF-8 at open):
    /// for writers that copy bytes, such as CSV export.
    #[inline]
    pub fn bytes(&self, code: u32) -> &[u8] {
        let count = self.dict_len as usize;
        let header = 8 + (count + 1) * 8;
        let from = u64_at(&self.dict, 1 + code as usize) as usize;
        let to = u64_at(&self.dict, 2 + code as usize) as usize;
        &self.dict[header + from..header + to]
    }

    /// The value of `row`, `None` for null.
    #[inline]
    pub fn value(&self, row: u32) -> Option<&str> {
        match self.code(row) {
            0 => None,
            code => Some(self.text(code)),
        }
    }

    /// The sort key of `code`.
    pub fn key(&self, code: u32) -> Key<'_> {
        if code == 0 {
            Key::Null
        } else {
            self.kind.key(self.text(code))
        }
    }

    /// The `i`-th row in this column's order.
    #[inline]
    pub fn perm(&self, i: usize) -> u32 {
        u32_at(&self.perm, i)
    }

    /// Where `code`'s rows begin in the order (`code == dict_len` gives the row count).
    #[inline]
    pub fn start(&self, code: u32) -> usize {
        u32_at(&self.starts, code as usize) as usize
    }

    /// How many rows hold `code`.
    pub fn count(&self, code: u32) -> usize {
        self.start(code + 1) - self.start(code)
    }

    /// The first code whose (key, text) is not below (`key`, `text`); with `text = None`,
    /// the first code whose key is not below `key`.
    pub fn lower_bound(&self, key: Key<'_>, text: Option<&str>) -> u32 {
        self.partition(|entry_key, entry_text| match entry_key.cmp(&key) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Greater => false,
            std::cmp::Ordering::Equal => text.is_some_and(|t| entry_text < t),
        })
    }

    /// The first code whose key is above `key`.
    pub fn upper_bound(&self, key: Key<'_>) -> u32 {
        self.partition(|entry_key, _| entry_key <= key)
    }

    /// The first code in 1..dict_len for which `before` is false (dictionary is sorted).
    fn partition(&self, before: impl Fn(Key<'_>, &str) -> bool) -> u32 {
        let (mut lo, mut hi) = (1u32, self.dict_len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if before(self.key(mid), self.text(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}
