//! The order published rows leave in: sorted by a keyed hash of the row, never the raw order,
//! because raw exports are chronological and a row's position would tell its registration
//! time more precisely than its generalised date. Rows spill to 64 bucket files by key prefix;
//! each bucket is sorted in memory (1/64 of the output), so memory stays bounded.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use csv::StringRecord;

const BUCKETS: usize = 64;

/// Rows waiting to be written in key order. Removed from disk when dropped.
pub struct Spill {
    dir: PathBuf,
    writers: Vec<csv::Writer<BufWriter<File>>>,
}

/// The bucket of a key made of letters `a`–`p` (two hex digits as letters): buckets are
/// in key order, so concatenating sorted buckets gives a sorted whole.
fn bucket(key: &str) -> usize {
    let digit =
        |i: usize| usize::from(key.as_bytes().get(i).map_or(0, |b| b.saturating_sub(b'a')) & 0x0f);
    digit(0) * 4 + digit(1) / 4
}

impl Spill {
    /// Bucket files in a hidden folder beside `target`.
    pub fn new(target: &Path) -> std::io::Result<Spill> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dir = parent.join(format!(".{name}.order-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        let mut spill = Spill {
            dir,
            writers: Vec::with_capacity(BUCKETS),
        };
        for i in 0..BUCKETS {
            let file = File::create(spill.dir.join(format!("{i:02}.csv")))?;
            spill.writers.push(
                csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(BufWriter::new(file)),
            );
        }
        Ok(spill)
    }

    /// Adds a row under `key`.
    pub fn push(&mut self, key: &str, row: &[String]) -> std::io::Result<()> {
        let writer = &mut self.writers[bucket(key)];
        writer.write_field(key)?;
        writer.write_record(row)?;
        Ok(())
    }

    /// Calls `each` on every row (key removed) in key order; `io` wraps the spill's own
    /// read and write errors.
    pub fn drain<E>(
        mut self,
        mut each: impl FnMut(&[&str]) -> Result<(), E>,
        io: impl Fn(std::io::Error) -> E,
    ) -> Result<(), E> {
        for writer in &mut self.writers {
            writer.flush().map_err(&io)?;
        }
        self.writers.clear();
        for i in 0..BUCKETS {
            let path = self.dir.join(format!("{i:02}.csv"));
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_path(&path)
                .map_err(|e| io(std::io::Error::other(e)))?;
            let mut rows: Vec<StringRecord> = reader
                .records()
                .collect::<Result<_, _>>()
                .map_err(|e| io(std::io::Error::other(e)))?;
            rows.sort_unstable_by(|a, b| a.get(0).cmp(&b.get(0)));
            let mut fields: Vec<&str> = Vec::new();
            for row in &rows {
                fields.clear();
                fields.extend(row.iter().skip(1));
                each(&fields)?;
            }
            std::fs::remove_file(&path).map_err(&io)?;
        }
        Ok(())
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_back_in_key_order_and_the_folder_goes() {
        let dir = std::env::temp_dir().join(format!("vidkryto-order-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("out.csv");
        let mut spill = Spill::new(&target).unwrap();
        for key in ["pppa", "aaab", "hello", "aaaa", "mmmm"] {
            spill
                .push(key, &[key.to_uppercase(), "x,y".into()])
                .unwrap();
        }
        let mut seen = Vec::new();
        spill
            .drain(
                |row| {
                    assert_eq!(row[1], "x,y");
                    seen.push(row[0].to_string());
                    Ok::<(), std::io::Error>(())
                },
                |e| e,
            )
            .unwrap();
        assert_eq!(seen, ["AAAA", "AAAB", "HELLO", "MMMM", "PPPA"]);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
