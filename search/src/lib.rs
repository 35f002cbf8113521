//! Vidkryto's serving side: the formats published in `public/` (layout, catalogue), and the
//! code that writes and reads them. The generator depends on this crate; never the reverse.

pub mod layout;
pub mod output;
pub mod server;

pub use layout::Layout;
