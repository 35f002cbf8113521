//! The generator's integration tests: one binary, modules by subject, helpers in `common/`.

mod common;
mod figures;
mod site;
