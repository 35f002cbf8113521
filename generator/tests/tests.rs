//! The generator's integration tests: one binary, modules by subject, helpers in `common/`.

mod anonymise;
mod common;
mod figures;
mod harden;
mod normalform;
mod pull;
mod site;
mod validate;
