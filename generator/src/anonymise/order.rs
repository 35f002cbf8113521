//! The order published rows leave in: sorted by a keyed hash of the row, never the raw order,
//! because raw exports are chronological and a row's position would tell its registration
//! time more precisely than its generalised date. The first pass keeps each row's key and
//! the byte span of its raw record; the second pass re-reads records span by span in key
//! order, so neither the table nor a redacted copy of it is ever held or spilled.

use std::fs::File;

use sha2::{Digest, Sha256};

/// The row's place in the published order: the first 64 bits of a SHA-256 over the dataset
/// and the row's line (not reversible to the line without trying every line).
pub fn key(dataset: &str, line: u64) -> u64 {
    let digest = Sha256::new()
        .chain_update(dataset.as_bytes())
        .chain_update([0])
        .chain_update("\u{1}order".as_bytes())
        .chain_update([0])
        .chain_update(line.to_le_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// Indices of the rows for which `published` holds, in publishing order: by key, then by
/// line (keys of distinct lines practically never collide; the line keeps it deterministic).
pub fn published_order(
    rows: usize,
    key_and_line: impl Fn(usize) -> (u64, u64),
    published: impl Fn(usize) -> bool,
) -> Vec<u32> {
    let mut order: Vec<u32> = (0..rows)
        .filter(|&i| published(i))
        .filter_map(|i| u32::try_from(i).ok())
        .collect();
    order.sort_unstable_by_key(|&i| key_and_line(i as usize));
    order
}

/// Appends bytes `start..end` of `file` to `out`, ending with a line break so that records
/// appended one after another parse as separate records.
pub fn read_span(file: &File, start: u64, end: u64, out: &mut Vec<u8>) -> std::io::Result<()> {
    let len = usize::try_from(end.saturating_sub(start)).map_err(std::io::Error::other)?;
    let at = out.len();
    out.resize(at + len, 0);
    read_exact_at(file, &mut out[at..], start)?;
    if !matches!(out.last(), Some(b'\n' | b'\r') | None) {
        out.push(b'\n');
    }
    Ok(())
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_by_key_then_line_and_skips_unpublished() {
        let keys = [(5, 1), (1, 2), (5, 0), (3, 4), (0, 9)];
        assert_eq!(
            published_order(keys.len(), |i| keys[i], |i| i != 4),
            vec![1, 3, 2, 0]
        );
        assert_ne!(key("kyiv-appeals", 7), key("kyiv-appeals", 8));
        assert_eq!(key("kyiv-appeals", 7), key("kyiv-appeals", 7));
    }

    #[test]
    fn spans_read_back_as_records() {
        let dir = std::env::temp_dir().join(format!("vidkryto-order-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("raw.csv");
        std::fs::write(&path, "a,b\n1,\"x\ny\"\n2,z").unwrap();
        let file = File::open(&path).unwrap();
        let mut out = Vec::new();
        // "a,b\n" is bytes 0..4, the quoted record 4..12, the last one (no line break) 12..15.
        read_span(&file, 12, 15, &mut out).unwrap();
        read_span(&file, 4, 12, &mut out).unwrap();
        assert_eq!(out, b"2,z\n1,\"x\ny\"\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
