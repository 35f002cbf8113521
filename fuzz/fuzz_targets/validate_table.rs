//! Fuzzes `validate_table` with an arbitrary schema and CSV: the input is split at the
//! first NUL byte into schema JSON and CSV bytes. Any panic, hang or runaway allocation is
//! a bug; errors and invalid reports are the expected outcome.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use vidkryto::validate::{self, Options, TableData};

fuzz_target!(|data: &[u8]| {
    let (schema, csv) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"{\"fields\": [{\"name\": \"a\", \"type\": \"integer\"}, {\"name\": \"b\", \"type\": \"date\", \"format\": \"%d.%m.%Y\"}], \"primaryKey\": \"a\"}"[..], data),
    };
    let schema = String::from_utf8_lossy(schema);
    let options = Options {
        max_line_bytes: 1 << 16,
        ..Options::default()
    };
    if let Ok(report) = validate::validate_table(
        &schema,
        Path::new("fuzz.json"),
        TableData::Bytes(csv),
        &options,
    ) {
        let _ = serde_json::to_string(&report);
        let _ = report.to_string();
    }
});
