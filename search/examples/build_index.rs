//! Builds the search index of a published directory (for benchmarks on synthetic layouts):
//! `cargo run --release -p vidkryto-search --example build_index -- PUBLIC_DIR [CONTENT_DIR]`.

use std::path::PathBuf;
use std::process::ExitCode;

use vidkryto_search::index::{build_index, BuildOptions};
use vidkryto_search::Layout;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let Some(public) = args.next() else {
        eprintln!("usage: build_index PUBLIC_DIR [CONTENT_DIR]");
        return ExitCode::from(2);
    };
    let content = args.next();
    let started = std::time::Instant::now();
    match build_index(
        &Layout::new(&public),
        content.as_deref(),
        &BuildOptions::default(),
    ) {
        Ok(summary) => {
            println!(
                "indexed {} documents into {} in {:.1} s",
                summary.documents,
                summary.version,
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            let mut message = format!("error: {err}");
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}
