//! Opening a CSV as cities publish it: detects the encoding (UTF-8 with or without BOM,
//! Windows-1251, or the declared one), the dialect (declared, or the delimiter sniffed from
//! the header line), transcodes to UTF-8 while streaming, and refuses absurdly long lines.
//! It yields raw records; what the cells mean is `types`'.

use std::fs::File;
use std::io::{self, Chain, Cursor, Read};
use std::path::Path;

use encoding_rs::{CoderResult, Decoder, Encoding, UTF_8, WINDOWS_1251};
use serde_json::Value as Json;

use super::records::Records;

/// The longest physical line accepted; beyond it the file is not a table.
pub const MAX_LINE_BYTES: u64 = 64 << 20;

/// How much of the file is looked at to detect the encoding and delimiter.
const SNIFF_BYTES: usize = 64 << 10;

/// Why a table could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read `{path}`")]
    Io { path: String, source: io::Error },
    #[error("unknown encoding `{0}`; use a WHATWG label such as utf-8 or windows-1251")]
    UnknownEncoding(String),
    #[error("dialect: {0}")]
    Dialect(String),
}

/// What was detected about a table's bytes.
#[derive(Debug, Clone)]
pub struct Format {
    pub encoding: &'static Encoding,
    /// The encoding was guessed, not declared or marked by a BOM.
    pub encoding_detected: bool,
    pub delimiter: u8,
    pub quote: u8,
    pub double_quote: bool,
    pub escape: Option<u8>,
    pub header: bool,
    pub bytes: u64,
    pub layout: Layout,
}

/// Where the header and the data are among the records (Table Dialect's `headerRows`,
/// `commentChar`, `commentRows`, `skipInitialSpace`); row numbers stay physical.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The header's rows (1-based); empty: row 1 (when there is a header).
    pub header_rows: Vec<u64>,
    /// Rows that are comments, not data.
    pub comment_rows: Vec<u64>,
    /// A record whose first cell starts with it is a comment.
    pub comment_char: Option<u8>,
    /// Spaces after a delimiter are not part of the cell.
    pub skip_initial_space: bool,
}

impl Layout {
    /// Whether record `row` (its first cell given) is a comment.
    pub fn is_comment(&self, row: u64, first: Option<&[u8]>) -> bool {
        self.comment_rows.contains(&row)
            || self
                .comment_char
                .is_some_and(|c| first.is_some_and(|f| f.first() == Some(&c)))
    }
}

/// The byte stream the CSV parser reads: the sniffed prefix, then the rest of the file,
/// transcoded to UTF-8 if needed.
pub type Stream = Transcoded<Chain<Cursor<Vec<u8>>, Box<dyn Rest>>>;

/// The part of a table after the sniffed prefix: a file, or nothing for in-memory tables.
/// Seekable, so that reading a few rows again jumps over the rest (`SkipForward`).
pub trait Rest: Read + io::Seek + Send {}
impl<T: Read + io::Seek + Send> Rest for T {}

/// A byte stream that may move forward without handing the bytes out.
pub trait SkipForward: Read {
    /// Moves at most `n` bytes on; how many it moved. The reader reads whatever is left
    /// and drops it, so a stream that cannot jump moves none.
    fn skip_forward(&mut self, _n: u64) -> io::Result<u64> {
        Ok(0)
    }
}

impl SkipForward for Stream {
    /// UTF-8 passes through untouched, so its positions are the file's and a seek jumps;
    /// decoded text has to be decoded to know where it is.
    fn skip_forward(&mut self, n: u64) -> io::Result<u64> {
        if self.decoder.is_some() {
            return Ok(0);
        }
        let (prefix, rest) = self.inner.get_mut();
        let in_prefix = (prefix.get_ref().len() as u64)
            .saturating_sub(prefix.position())
            .min(n);
        prefix.set_position(prefix.position() + in_prefix);
        let wanted = n - in_prefix;
        if wanted == 0 {
            return Ok(n);
        }
        let at = rest.stream_position()?;
        let end = rest.seek(io::SeekFrom::End(0))?;
        let to = at.saturating_add(wanted).min(end);
        rest.seek(io::SeekFrom::Start(to))?;
        Ok(in_prefix + (to - at))
    }
}

/// Opens `path` for reading records.
pub fn open(
    path: &Path,
    encoding: Option<&str>,
    dialect: Option<&Json>,
    max_line: u64,
) -> Result<(Records<Stream>, Format), SourceError> {
    let io_err = |source| SourceError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut sample = Vec::with_capacity(SNIFF_BYTES);
    (&mut file)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut sample)
        .map_err(io_err)?;
    let rest: Box<dyn Rest> = Box::new(file);
    from_parts(sample, rest, bytes, encoding, dialect, max_line)
}

/// Opens an in-memory table (tests, fuzzing).
pub fn open_bytes(
    data: &[u8],
    encoding: Option<&str>,
    dialect: Option<&Json>,
    max_line: u64,
) -> Result<(Records<Stream>, Format), SourceError> {
    let rest: Box<dyn Rest> = Box::new(io::empty());
    from_parts(
        data.to_vec(),
        rest,
        data.len() as u64,
        encoding,
        dialect,
        max_line,
    )
}

fn from_parts(
    mut sample: Vec<u8>,
    rest: Box<dyn Rest>,
    bytes: u64,
    encoding: Option<&str>,
    dialect: Option<&Json>,
    max_line: u64,
) -> Result<(Records<Stream>, Format), SourceError> {
    let (bom_encoding, bom_len) = match Encoding::for_bom(&sample) {
        Some((enc, len)) => (Some(enc), len),
        None => (None, 0),
    };
    sample.drain(..bom_len);
    let (encoding, detected) = match (encoding, bom_encoding) {
        (_, Some(enc)) => (enc, false),
        (Some(label), None) => (
            Encoding::for_label(label.trim().as_bytes())
                .ok_or_else(|| SourceError::UnknownEncoding(label.to_string()))?,
            false,
        ),
        (None, None) => detect(&sample),
    };
    let mut format = Format {
        encoding,
        encoding_detected: detected,
        delimiter: b',',
        quote: b'"',
        double_quote: true,
        escape: None,
        header: true,
        bytes,
        layout: Layout::default(),
    };
    apply_dialect(&mut format, dialect, &sample)?;
    let transcoded = Transcoded::new(Cursor::new(sample).chain(rest), encoding);
    let reader = Records::new(
        transcoded,
        &format,
        256 << 10,
        LineGuard::new(&format, max_line),
    );
    Ok((reader, format))
}

/// UTF-8 unless the sample is not UTF-8 and reads as Cyrillic Windows-1251.
fn detect(sample: &[u8]) -> (&'static Encoding, bool) {
    match std::str::from_utf8(sample) {
        Ok(_) => (UTF_8, false),
        // Cut in the middle of a character at the end of the sample: still UTF-8.
        Err(e) if e.error_len().is_none() => (UTF_8, false),
        Err(_) if looks_like_cp1251(sample) => (WINDOWS_1251, true),
        Err(_) => (UTF_8, false),
    }
}

/// In Windows-1251 Cyrillic letters are 0xC0–0xFF plus Ukrainian Ґ Є І Ї Ё; text whose
/// high bytes are nearly all letters is Cyrillic in that encoding.
fn looks_like_cp1251(sample: &[u8]) -> bool {
    let high = sample.iter().filter(|b| **b >= 0x80).count();
    let letters = sample
        .iter()
        .filter(|b| {
            **b >= 0xC0
                || matches!(
                    **b,
                    0xA5 | 0xA8 | 0xAA | 0xAF | 0xB2..=0xB4 | 0xB8 | 0xBA | 0xBF
                )
        })
        .count();
    high > 0 && letters * 10 >= high * 9
}

fn dialect_char(dialect: &Json, key: &str) -> Result<Option<u8>, SourceError> {
    match dialect.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) if s.len() == 1 && s.is_ascii() => Ok(Some(s.as_bytes()[0])),
        Some(other) => Err(SourceError::Dialect(format!(
            "`{key}` must be one ASCII character, not {other}"
        ))),
    }
}

fn apply_dialect(
    format: &mut Format,
    dialect: Option<&Json>,
    sample: &[u8],
) -> Result<(), SourceError> {
    let declared = match dialect {
        Some(d @ Json::Object(_)) => Some(d),
        None | Some(Json::Null) => None,
        Some(other) => {
            return Err(SourceError::Dialect(format!(
                "must be an object such as {{\"delimiter\": \";\"}}, not {other}"
            )))
        }
    };
    let delimiter = match declared {
        Some(d) => dialect_char(d, "delimiter")?,
        None => None,
    };
    format.delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(sample));
    if let Some(d) = declared {
        if let Some(q) = dialect_char(d, "quoteChar")? {
            format.quote = q;
        }
        format.escape = dialect_char(d, "escapeChar")?;
        if let Some(b) = d.get("doubleQuote").and_then(Json::as_bool) {
            format.double_quote = b;
        }
        if let Some(b) = d.get("header").and_then(Json::as_bool) {
            format.header = b;
        }
        let rows = |key: &str| -> Result<Vec<u64>, SourceError> {
            match d.get(key) {
                None | Some(Json::Null) => Ok(Vec::new()),
                Some(Json::Array(items))
                    if items.iter().all(|v| v.as_u64().is_some_and(|n| n > 0)) =>
                {
                    Ok(items.iter().filter_map(Json::as_u64).collect())
                }
                Some(other) => Err(SourceError::Dialect(format!(
                    "`{key}` must be an array of row numbers (from 1), not {other}"
                ))),
            }
        };
        format.layout.header_rows = rows("headerRows")?;
        format.layout.comment_rows = rows("commentRows")?;
        format.layout.comment_char = dialect_char(d, "commentChar")?;
        format.layout.skip_initial_space = d
            .get("skipInitialSpace")
            .and_then(Json::as_bool)
            .unwrap_or(false);
        match d.get("lineTerminator").and_then(Json::as_str) {
            None | Some("\r\n" | "\n" | "\r") => {}
            Some(other) => {
                return Err(SourceError::Dialect(format!(
                    "`lineTerminator` {other:?} is not supported: records end at \\r\\n, \\n or \\r"
                )))
            }
        }
    }
    Ok(())
}

/// The candidate that occurs most often outside quotes on the first line and as often on
/// most of the next lines (at least two in three, as Python's csv sniffer, which
/// frictionless-py uses, wants a delimiter consistent across lines); else a comma, the
/// CSV Dialect default.
fn sniff_delimiter(sample: &[u8]) -> u8 {
    let candidates = [b',', b';', b'\t', b'|'];
    let mut lines: Vec<[usize; 4]> = vec![[0; 4]];
    let mut quoted = false;
    for &b in sample {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => {
                if lines.len() == 21 {
                    break;
                }
                lines.push([0; 4]);
            }
            _ if !quoted => {
                if let Some(i) = candidates.iter().position(|c| *c == b) {
                    if let Some(line) = lines.last_mut() {
                        line[i] += 1;
                    }
                }
            }
            _ => {}
        }
    }
    // A last line cut off by the end of the sample, or empty, says nothing.
    if lines.len() > 1 {
        lines.pop();
    }
    let header = lines[0];
    let rest: Vec<&[usize; 4]> = lines[1..]
        .iter()
        .filter(|l| l.iter().any(|n| *n > 0))
        .collect();
    let consistent = |i: usize| {
        let same = rest.iter().filter(|l| l[i] == header[i]).count();
        same * 3 >= rest.len() * 2
    };
    let mut order: Vec<usize> = (0..4).filter(|i| header[*i] > 0).collect();
    order.sort_by_key(|i| (std::cmp::Reverse(header[*i]), *i));
    order
        .into_iter()
        .find(|i| consistent(*i))
        .map_or(b',', |i| candidates[i])
}

/// Streams bytes of any encoding as UTF-8 (a pass-through for UTF-8 itself, so invalid
/// UTF-8 reaches the cell checks and is reported where it is).
pub struct Transcoded<R> {
    inner: R,
    decoder: Option<Decoder>,
    input: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// The decoder has had its last call (it must not be called again).
    finished: bool,
}

/// The smallest buffer [`Transcoded`] writes into: room for any one character in UTF-8.
pub const MIN_READ: usize = 4;

impl<R: Read> Transcoded<R> {
    fn new(inner: R, encoding: &'static Encoding) -> Transcoded<R> {
        let decoder = (encoding != UTF_8).then(|| encoding.new_decoder_without_bom_handling());
        Transcoded {
            inner,
            decoder,
            input: vec![0; if encoding == UTF_8 { 0 } else { 64 << 10 }],
            start: 0,
            end: 0,
            eof: false,
            finished: false,
        }
    }
}

impl<R: Read> Read for Transcoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(decoder) = self.decoder.as_mut() else {
            return self.inner.read(buf);
        };
        if self.finished {
            return Ok(0);
        }
        if buf.len() < MIN_READ {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "buffer too small",
            ));
        }
        loop {
            if self.start == self.end && !self.eof {
                self.start = 0;
                self.end = self.inner.read(&mut self.input)?;
                self.eof = self.end == 0;
            }
            let (result, read, written, _) =
                decoder.decode_to_utf8(&self.input[self.start..self.end], buf, self.eof);
            self.start += read;
            // The last call may still write (a character cut off by the end of the file
            // becomes U+FFFD); the reads after it must not reach the decoder.
            self.finished = self.eof && result == CoderResult::InputEmpty;
            if written > 0 || self.finished {
                return Ok(written);
            }
        }
    }
}

/// Fails the read when one physical line, or one quoted cell, grows past `max_line`
/// bytes, so a 2 GB line or a quote that never closes is an error rather than gigabytes of
/// memory; and remembers whether the stream ended inside a quoted cell (a truncated file),
/// which the CSV parser itself accepts silently. It follows the bytes csv-core reads; the
/// plain lines the fast path takes (short, quotes closed) only move its line count.
pub struct LineGuard {
    since_newline: u64,
    lines: u64,
    max_line: u64,
    quotes: QuoteTracker,
}

impl LineGuard {
    pub fn new(format: &Format, max_line: u64) -> LineGuard {
        LineGuard {
            since_newline: 0,
            lines: 1,
            max_line,
            quotes: QuoteTracker::new(format),
        }
    }

    /// The longest line accepted.
    pub fn max_line(&self) -> u64 {
        self.max_line
    }

    /// The stream ended (or has stopped so far) inside a quoted cell.
    pub fn in_quoted_cell(&self) -> bool {
        self.quotes.quoted && !self.quotes.pending_quote
    }

    /// Counts plain lines (with `newlines` line breaks) read past csv-core.
    pub fn skip_lines(&mut self, newlines: u64) {
        if newlines > 0 {
            self.lines += newlines;
            self.since_newline = 0;
        }
    }

    /// Follows the next bytes csv-core read.
    pub fn follow(&mut self, chunk: &[u8]) -> io::Result<()> {
        let n = chunk.len();
        let first_line = self.lines;
        match memchr::memrchr(b'\n', chunk) {
            Some(last) => {
                self.lines += memchr::memchr_iter(b'\n', chunk).count() as u64;
                self.since_newline = (n - last - 1) as u64;
            }
            None => self.since_newline += n as u64,
        }
        if self.since_newline > self.max_line {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                LineTooLong {
                    line: self.lines,
                    max: self.max_line,
                },
            ));
        }
        if let Some(at) = self.quotes.scan(chunk) {
            // Counted once per chunk, only for a cell still open at its end.
            self.quotes.open_line =
                first_line + memchr::memchr_iter(b'\n', &chunk[..at]).count() as u64;
        }
        if self.quotes.quoted && self.quotes.open_bytes > self.max_line {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                QuoteNeverCloses {
                    line: self.quotes.open_line,
                    max: self.max_line,
                },
            ));
        }
        Ok(())
    }
}

/// Follows csv-core's quoting rules just far enough to know whether the stream is inside
/// a quoted cell: a quote opens a cell only as its first byte (after a delimiter, a line
/// break or the start); inside, a doubled quote is a literal quote (`doubleQuote`), the
/// escape character takes the next byte, and any other quote closes the cell.
struct QuoteTracker {
    quote: u8,
    delimiter: u8,
    double_quote: bool,
    escape: Option<u8>,
    quoted: bool,
    /// Quoted, and the last byte so far was a quote: the next byte says whether it closed
    /// the cell or was the first of a doubled quote.
    pending_quote: bool,
    /// Quoted, and the last byte so far was the escape character.
    pending_escape: bool,
    /// The last byte scanned (a line break before the first).
    prev: u8,
    /// Bytes read since the open quoted cell began.
    open_bytes: u64,
    /// The line the open quoted cell began on.
    open_line: u64,
}

impl QuoteTracker {
    fn new(format: &Format) -> QuoteTracker {
        QuoteTracker {
            quote: format.quote,
            delimiter: format.delimiter,
            double_quote: format.double_quote,
            escape: format.escape,
            quoted: false,
            pending_quote: false,
            pending_escape: false,
            prev: b'\n',
            open_bytes: 0,
            open_line: 0,
        }
    }

    fn starts_cell(&self, prev: u8) -> bool {
        prev == self.delimiter || prev == b'\n' || prev == b'\r'
    }

    /// Follows the quotes of the next chunk; returns where in it a quoted cell opened that
    /// is still open at its end.
    fn scan(&mut self, chunk: &[u8]) -> Option<usize> {
        let &last = chunk.last()?;
        let was_quoted = self.quoted;
        let opened_at = if self.escape.is_some() {
            self.scan_bytes(chunk)
        } else {
            self.scan_quotes(chunk)
        };
        self.prev = last;
        match opened_at {
            Some(at) if self.quoted => {
                self.open_bytes = (chunk.len() - at) as u64;
                return Some(at);
            }
            _ if self.quoted && was_quoted => self.open_bytes += chunk.len() as u64,
            _ => self.open_bytes = 0,
        }
        None
    }

    /// Without an escape character only quotes matter: jump from quote to quote. Returns
    /// where the last quoted cell opened in this chunk.
    fn scan_quotes(&mut self, chunk: &[u8]) -> Option<usize> {
        let mut consumed = 0;
        let mut opened_at = None;
        if self.pending_quote {
            self.pending_quote = false;
            if chunk[0] == self.quote && self.double_quote {
                consumed = 1;
            } else {
                self.quoted = false;
            }
        }
        for at in memchr::memchr_iter(self.quote, chunk) {
            if at < consumed {
                continue;
            }
            if !self.quoted {
                let prev = if at == 0 { self.prev } else { chunk[at - 1] };
                if self.starts_cell(prev) {
                    self.quoted = true;
                    opened_at = Some(at);
                }
            } else {
                match chunk.get(at + 1) {
                    Some(&next) if next == self.quote && self.double_quote => consumed = at + 2,
                    Some(_) => self.quoted = false,
                    None => self.pending_quote = true,
                }
            }
        }
        opened_at
    }

    /// Byte by byte, for dialects with an escape character (rare).
    fn scan_bytes(&mut self, chunk: &[u8]) -> Option<usize> {
        let mut opened_at = None;
        let mut prev = self.prev;
        for (at, &b) in chunk.iter().enumerate() {
            if self.pending_escape {
                self.pending_escape = false;
            } else if self.pending_quote {
                self.pending_quote = false;
                if !(b == self.quote && self.double_quote) {
                    self.quoted = false;
                }
            } else if self.quoted {
                if b == self.quote {
                    self.pending_quote = true;
                } else if Some(b) == self.escape {
                    self.pending_escape = true;
                }
            } else if b == self.quote && self.starts_cell(prev) {
                self.quoted = true;
                opened_at = Some(at);
            }
            prev = b;
        }
        opened_at
    }
}

/// The error a [`LineGuard`] stops with.
#[derive(Debug, thiserror::Error)]
#[error("line {line} is longer than {max} bytes with no line break: this is not a CSV table (a wrong delimiter, a binary file, or a missing closing quote)")]
pub struct LineTooLong {
    pub line: u64,
    pub max: u64,
}

/// The error a [`LineGuard`] stops with when a quoted cell never closes.
#[derive(Debug, thiserror::Error)]
#[error("a quoted cell opened on line {line} is still open after {max} bytes: its closing quote is probably missing (or the file is not a CSV table)")]
pub struct QuoteNeverCloses {
    pub line: u64,
    pub max: u64,
}

/// Decodes one cell; the file is UTF-8 by now unless its UTF-8 was invalid.
pub fn cell_str(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    std::str::from_utf8(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::records::Record;

    /// A file larger than the sniffed prefix, in UTF-8 (positions are the file's, skips
    /// seek) and in Windows-1251 (skips decode): resuming at a noted position reads on
    /// exactly as the first reading did, inside the prefix, across it and past it.
    #[test]
    fn a_file_read_again_resumes_at_any_noted_position() {
        let mut text = String::from("id,name\n");
        for i in 0..4_000 {
            text.push_str(&format!("{i},\"Київ, вулиця {i}\nкорпус\"\r\n"));
        }
        for (encoding, bytes) in [
            ("utf-8", text.clone().into_bytes()),
            (
                "windows-1251",
                encoding_rs::WINDOWS_1251.encode(&text).0.into_owned(),
            ),
        ] {
            let file = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(file.path(), &bytes).unwrap();
            assert!(
                bytes.len() > SNIFF_BYTES,
                "the file must outgrow the prefix"
            );
            let (mut reader, _) = open(file.path(), Some(encoding), None, 1 << 20).unwrap();
            let mut record = Record::default();
            let mut noted = Vec::new();
            loop {
                let at = reader.position();
                if !reader.read(&mut record).unwrap() {
                    break;
                }
                noted.push((at, record.as_slice().to_vec()));
            }
            assert_eq!(noted.len(), 4_001);
            for i in [1, 2, 700, 1_500, 2_999, 4_000] {
                let at = noted[i].0;
                let (mut again, _) = open(file.path(), Some(encoding), None, 1 << 20).unwrap();
                assert!(again.skip_to(at).unwrap(), "{encoding} {i}");
                for (_, expected) in &noted[i..(i + 3).min(noted.len())] {
                    assert!(again.read(&mut record).unwrap());
                    assert_eq!(record.as_slice(), &expected[..], "{encoding} from {i}");
                }
            }
            let (mut again, _) = open(file.path(), Some(encoding), None, 1 << 20).unwrap();
            let mut far = noted[1].0;
            far.at = bytes.len() as u64 * 3;
            assert!(!again.skip_to(far).unwrap(), "past the end");
        }
    }

    fn records(data: &[u8], dialect: Option<&Json>) -> (Vec<Vec<String>>, Format) {
        let (mut reader, format) = open_bytes(data, None, dialect, MAX_LINE_BYTES).unwrap();
        let mut record = Record::default();
        let mut rows = Vec::new();
        while reader.read(&mut record).unwrap() {
            rows.push(
                record
                    .iter()
                    .map(|c| String::from_utf8(c.to_vec()).unwrap())
                    .collect(),
            );
        }
        (rows, format)
    }

    fn first_error(reader: &mut Records<Stream>) -> io::Error {
        let mut record = Record::default();
        loop {
            match reader.read(&mut record) {
                Ok(true) => {}
                Ok(false) => panic!("no error"),
                Err(err) => return err,
            }
        }
    }

    /// A UTF-16 file (BOM `FF FE`) whose last character is cut off: the decoder's last
    /// call writes U+FFFD, and the reads after it must not call the decoder again (found
    /// by the fuzzer as a panic).
    #[test]
    fn a_character_cut_off_at_the_end_is_replaced_not_a_panic() {
        let mut data = vec![0xFF, 0xFE];
        for unit in "a;b\r\n1;2\r\n".encode_utf16() {
            data.extend_from_slice(&unit.to_le_bytes());
        }
        data.push(b'3');
        let (rows, format) = records(&data, None);
        assert_eq!(format.encoding.name(), "UTF-16LE");
        assert_eq!(rows, vec![vec!["a", "b"], vec!["1", "2"], vec!["\u{FFFD}"]]);
    }

    /// A Windows-1251 line that all but fills the buffer leaves less room than one
    /// character needs: the reader must hand the rest to csv-core rather than read into
    /// a sliver (which the decoder refuses).
    #[test]
    fn a_long_transcoded_line_never_reads_into_a_sliver_of_buffer() {
        let (text, _, _) = WINDOWS_1251.encode("рік;назва\r\n2017;довга назва\r\n2018;x\r\n");
        let format = Format {
            encoding: WINDOWS_1251,
            encoding_detected: false,
            delimiter: b';',
            quote: b'"',
            double_quote: true,
            escape: None,
            header: true,
            bytes: 0,
            layout: Layout::default(),
        };
        for capacity in 1..40 {
            let stream = Transcoded::new(Cursor::new(text.to_vec()), WINDOWS_1251);
            let guard = LineGuard::new(&format, MAX_LINE_BYTES);
            let mut reader = Records::new(stream, &format, capacity, guard);
            let mut record = Record::default();
            let mut rows = Vec::new();
            while reader.read(&mut record).unwrap() {
                rows.push(String::from_utf8(record.as_slice().to_vec()).unwrap());
            }
            assert_eq!(
                rows,
                ["рік;назва", "2017;довга назва", "2018;x"],
                "{capacity}"
            );
        }
    }

    #[test]
    fn windows_1251_semicolons_and_crlf_are_detected() {
        let (text, _, _) = WINDOWS_1251.encode("рік;населення\r\n2017;\"254 157\"\r\n");
        let (rows, format) = records(&text, None);
        assert_eq!(format.encoding, WINDOWS_1251);
        assert!(format.encoding_detected);
        assert_eq!(format.delimiter, b';');
        assert_eq!(
            rows,
            vec![vec!["рік", "населення"], vec!["2017", "254 157"]]
        );
    }

    #[test]
    fn bom_is_dropped_and_quoted_newlines_kept() {
        let (rows, format) = records(b"\xef\xbb\xbfa\tb\n\"x\ny\"\t2\n", None);
        assert_eq!(format.delimiter, b'\t');
        assert_eq!(rows, vec![vec!["a", "b"], vec!["x\ny", "2"]]);
    }

    #[test]
    fn declared_dialect_wins() {
        let dialect: Json = serde_json::json!({"delimiter": ";", "header": false});
        let (rows, format) = records(b"a,b;c\n", Some(&dialect));
        assert!(!format.header);
        assert_eq!(rows, vec![vec!["a,b", "c"]]);
    }

    /// The quote tracker agrees with csv-core on random input, dialects and chunkings:
    /// `X` ends inside a quoted cell exactly when csv-core reads `X\nZ` with the `Z`
    /// inside that cell rather than as a record of its own.
    #[test]
    fn the_quote_tracker_agrees_with_csv_core() {
        let mut rng = fastrand::Rng::with_seed(7);
        let alphabet = b"\"\",,;\n\r\\ab";
        for round in 0..20_000 {
            let len = rng.usize(0..24);
            let text: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect();
            let format = Format {
                encoding: UTF_8,
                encoding_detected: false,
                delimiter: if round % 3 == 0 { b';' } else { b',' },
                quote: b'"',
                double_quote: round % 5 != 0,
                escape: (round % 4 == 0).then_some(b'\\'),
                header: false,
                bytes: 0,
                layout: Layout::default(),
            };
            let mut tracker = QuoteTracker::new(&format);
            let mut rest = &text[..];
            while !rest.is_empty() {
                let (chunk, tail) = rest.split_at(rng.usize(1..=rest.len()));
                let _ = tracker.scan(chunk);
                rest = tail;
            }
            let tracked = tracker.quoted && !tracker.pending_quote;
            let mut probe = text.clone();
            probe.extend_from_slice(b"\nZ");
            let last = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(format.delimiter)
                .double_quote(format.double_quote)
                .escape(format.escape)
                .from_reader(&probe[..])
                .byte_records()
                .last()
                .unwrap()
                .unwrap();
            let separate = last.len() == 1 && &last[0] == b"Z";
            assert_eq!(
                tracked,
                !separate,
                "{:?} with {:?}",
                String::from_utf8_lossy(&text),
                (format.delimiter as char, format.double_quote, format.escape)
            );
        }
    }

    #[test]
    fn an_unclosed_quote_is_an_error_once_the_cell_outgrows_a_line() {
        let mut data = b"a,b\n1,\"never closed\n".to_vec();
        for _ in 0..200 {
            data.extend_from_slice(b"2,more text\n");
        }
        let (mut reader, _) = open_bytes(&data, None, None, 1000).unwrap();
        let err = first_error(&mut reader);
        assert!(
            err.to_string()
                .contains("a quoted cell opened on line 2 is still open after 1000 bytes"),
            "{err}"
        );
    }

    #[test]
    fn an_endless_line_is_an_error_not_a_memory_blowup() {
        let data = vec![b'x'; 5000];
        let (mut reader, _) = open_bytes(&data, None, None, 1000).unwrap();
        let err = first_error(&mut reader);
        assert!(
            err.to_string().contains("line 1 is longer than 1000 bytes"),
            "{err}"
        );
    }
}
