//! The search crate's integration tests: one binary, modules by subject, helpers in `common/`.

mod common;
mod endpoints;
mod harden;
mod http;
mod search;
