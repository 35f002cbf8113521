//! Vidkryto's serving side: the formats published in `public/` (layout, catalogue), and the
//! code that writes and reads them. The generator depends on this crate; never the reverse.

pub mod catalogue;
pub mod layout;
pub mod output;
pub mod rowstore;
pub mod server;

pub use layout::Layout;
