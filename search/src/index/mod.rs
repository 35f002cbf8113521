//! The search index: its schema (text fields + facet fields), the build that reads the
//! published files of a layout into `_index/<version>/`, and the reloading reader the
//! server queries. Not for: query syntax and result shape (see `query`).

mod build;
mod directory;
mod facet_table;
mod reader;
mod schema;
mod sources;
mod term_sets;

use std::path::PathBuf;

pub use build::{build_index, BuildOptions, IndexSummary};
pub use facet_table::{FacetCounter, FacetCounts, FacetTable, SegmentFacetCounter};
pub use reader::{LoadedIndex, SearchIndex};
pub use schema::{Fields, FACETS};
pub use sources::{read_documents, DocType, SearchDoc};
pub(crate) use term_sets::{walk_postings, DocBits, TermSets};
#[cfg(test)]
pub(crate) use {
    build::register_analyzers,
    schema::{add_text, facet_value, schema},
};

/// Why an index could not be built or opened.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` is not valid JSON")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("`{path}`, row {row}: cannot read the CSV")]
    Csv {
        path: PathBuf,
        row: u64,
        source: csv::Error,
    },
    #[error("`{path}` has no column `{column}`; the published layout expects it")]
    MissingColumn { path: PathBuf, column: String },
    #[error("cannot write the index in `{path}`")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the index in `{path}` failed")]
    Tantivy {
        path: PathBuf,
        source: tantivy::TantivyError,
    },
    #[error("`{path}`: the index has no field `{field}`; rebuild it with this version (`vidkryto build`)")]
    Schema { path: PathBuf, field: String },
}
