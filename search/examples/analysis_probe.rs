//! Test and tuning aid for the Ukrainian analysis (tests/conformance/test_morphology.py):
//! `documents PUBLIC_DIR [CONTENT_DIR]` prints every indexed document as one JSON line
//! (`key`, `title`, `body`), exactly the text the index is built from; `terms` reads one
//! word or phrase per stdin line and prints the index terms the analysis makes of it,
//! tab-separated, one output line per input line.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use vidkryto_search::analysis::{analyse, analyzer};
use vidkryto_search::index::read_documents;
use vidkryto_search::Layout;

fn documents(public: PathBuf, content: Option<PathBuf>) -> Result<(), String> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut write_error = None;
    read_documents(&Layout::new(&public), content.as_deref(), &mut |doc| {
        let line = serde_json::json!({
            "key": format!("{}:{}", doc.doc_type.as_str(), doc.id),
            "title": doc.title,
            "body": doc.body,
        });
        if let Err(e) = writeln!(out, "{line}") {
            write_error.get_or_insert(e);
        }
        Ok(())
    })
    .map_err(|e| format!("cannot read the documents of {}: {e}", public.display()))?;
    match write_error {
        Some(e) => Err(format!("cannot write to stdout: {e}")),
        None => out
            .flush()
            .map_err(|e| format!("cannot write to stdout: {e}")),
    }
}

fn terms() -> Result<(), String> {
    let mut analyzer = analyzer();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| format!("cannot read stdin: {e}"))?;
        let terms: Vec<String> = analyse(&mut analyzer, &line)
            .into_iter()
            .map(|t| t.text)
            .collect();
        writeln!(out, "{}", terms.join("\t")).map_err(|e| format!("cannot write: {e}"))?;
    }
    out.flush()
        .map_err(|e| format!("cannot write to stdout: {e}"))
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let command = args.next().and_then(|a| a.into_string().ok());
    let result = match command.as_deref() {
        Some("documents") => match args.next() {
            Some(public) => documents(PathBuf::from(public), args.next().map(PathBuf::from)),
            None => Err("usage: analysis_probe documents PUBLIC_DIR [CONTENT_DIR]".into()),
        },
        Some("terms") => terms(),
        _ => Err("usage: analysis_probe documents PUBLIC_DIR [CONTENT_DIR] | terms".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
