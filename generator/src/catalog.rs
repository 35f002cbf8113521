//! The data package model the generator reads, validates and publishes: the one model of
//! `datapackage.json`, owned by the search crate (which owns the published formats) and
//! shared by every stage. See `vidkryto_search::datapackage`.

pub use vidkryto_search::datapackage::*;
