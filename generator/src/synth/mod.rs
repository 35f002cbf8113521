//! Synthetic input data for tests and benchmarks. `appeals` writes raw citizen appeals with
//! planted personal data; nothing here is ever published.

pub mod appeals;
