//! The search crate's integration tests: one binary (see the team brief).

mod common;
mod http;
mod search;
