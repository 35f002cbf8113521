//! Vidkryto's serving side: the formats published in `public/` (layout, catalogue), the
//! Ukrainian full-text index, and the code that writes and reads them. The generator depends
//! on this crate; never the reverse.

pub mod analysis;
pub mod catalogue;
pub mod datapackage;
pub mod index;
pub mod keys;
pub mod layout;
pub mod memory;
pub mod output;
pub mod packed;
pub mod query;
pub mod reload;
pub mod remote;
pub mod rowstore;
pub mod server;
pub mod sitefiles;
pub mod urls;

pub use index::{build_index, SearchIndex};
pub use layout::Layout;
pub use query::{SearchRequest, SearchResponse};
