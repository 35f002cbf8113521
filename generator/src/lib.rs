//! Vidkryto's generator: the pipeline stages behind the `vidkryto` command.
//! Data flows one way: pull → validate → anonymise → publish → site + index.

pub mod anonymise;
pub mod build;
pub mod catalog;
pub mod config;
pub mod publish;
pub mod pull;
pub mod site;
pub mod staging;
pub mod synth;
pub mod validate;
