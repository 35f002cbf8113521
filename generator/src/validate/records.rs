//! Splits the byte stream into records. Most lines of a real table are plain — cells cut
//! by the delimiter, quoted cells closed on the same line with no quote inside — and are
//! cut here in one pass over a bit mask of their delimiters, quotes and line ends
//! (`structure.rs`). Every other record (a line break or a
//! doubled quote inside a quoted cell, a stray quote or carriage return, an escape
//! character, a line longer than the buffer, the first record with its byte-order mark)
//! goes to csv-core, the csv crate's own parser, which decides it exactly as the csv crate
//! would. A differential test holds the two paths to the same records on random input.

use std::io::{self, Read};
use std::ops::{Index, Range};

use csv_core::ReadRecordResult;

#[cfg(test)]
use super::reader::Layout;
use super::reader::{Format, LineGuard, SkipForward, MIN_READ};
use super::structure::Structure;

/// One record: its cells joined by the delimiter, whatever their quoting was, so that equal
/// rows have equal bytes (duplicate rows are found by hashing them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    bytes: Vec<u8>,
    /// Where each cell ends in `bytes`; the next one starts one delimiter later.
    ends: Vec<usize>,
    /// `bytes` were cut from a stretch of the buffer already checked to be UTF-8.
    utf8: bool,
}

impl Record {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The cells and the delimiters between them.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes
    }

    /// The cells and the delimiters between them as text; `None` if they are not UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        if self.utf8 {
            debug_assert!(std::str::from_utf8(&self.bytes).is_ok());
            // SAFETY: `utf8` is set only by `Records::plain_line`, for a record whose line
            // lies in `buf[..utf8_to]`, which is UTF-8 and begins at a record boundary;
            // the line and its cells start and end next to ASCII bytes (line breaks,
            // delimiters, quotes), so they and the cells joined by the delimiter are UTF-8.
            Some(unsafe { std::str::from_utf8_unchecked(&self.bytes) })
        } else {
            simdutf8::basic::from_utf8(&self.bytes).ok()
        }
    }

    /// Where cell `i` is in [`Record::as_slice`].
    pub fn range(&self, i: usize) -> Option<Range<usize>> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] + 1 };
        Some(start..end)
    }

    /// Where each cell ends in [`Record::as_slice`].
    pub fn ends(&self) -> &[usize] {
        &self.ends
    }

    pub fn get(&self, i: usize) -> Option<&[u8]> {
        self.bytes.get(self.range(i)?)
    }

    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let cell = &self.bytes[start..end];
            start = end + 1;
            cell
        })
    }

    /// Drops the spaces at the start of each cell (the dialect's `skipInitialSpace`).
    pub fn trim_initial_spaces(&mut self, delimiter: u8) {
        if !self.iter().any(|c| c.first() == Some(&b' ')) {
            return;
        }
        let mut joined = Vec::with_capacity(self.bytes.len());
        let mut ends = Vec::with_capacity(self.ends.len());
        for cell in self.iter() {
            let n = cell.iter().take_while(|b| **b == b' ').count();
            joined.extend_from_slice(&cell[n..]);
            ends.push(joined.len());
        }
        self.fill_from_core(&joined, &ends, delimiter);
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.utf8 = false;
    }

    /// Builds the record from cells given as ranges of `line`. Cells that follow each
    /// other with one delimiter between are copied as one run, so a plain line costs one
    /// copy and each quoted cell two more.
    fn fill_from_ranges(&mut self, line: &[u8], cells: &[Range<usize>], delimiter: u8) {
        self.clear();
        let Some(first) = cells.first() else { return };
        let (mut run, mut prev_end) = (first.start, first.start);
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 && cell.start != prev_end + 1 {
                self.bytes.extend_from_slice(&line[run..prev_end]);
                self.bytes.push(delimiter);
                run = cell.start;
            }
            self.ends.push(self.bytes.len() + cell.end - run);
            prev_end = cell.end;
        }
        self.bytes.extend_from_slice(&line[run..prev_end]);
    }

    /// Builds the record from csv-core's output: cells back to back, with their ends.
    fn fill_from_core(&mut self, cells: &[u8], ends: &[usize], delimiter: u8) {
        self.clear();
        let mut start = 0;
        for (i, &end) in ends.iter().enumerate() {
            if i > 0 {
                self.bytes.push(delimiter);
            }
            self.bytes.extend_from_slice(&cells[start..end]);
            self.ends.push(self.bytes.len());
            start = end;
        }
    }
}

impl Index<usize> for Record {
    type Output = [u8];

    fn index(&self, i: usize) -> &[u8] {
        match self.get(i) {
            Some(cell) => cell,
            None => panic!("cell {i} of a record with {} cells", self.len()),
        }
    }
}

impl<T: AsRef<[u8]>> FromIterator<T> for Record {
    /// A record of the given cells (for tests), joined by a comma.
    fn from_iter<I: IntoIterator<Item = T>>(cells: I) -> Record {
        let mut joined = Vec::new();
        let mut ends = Vec::new();
        for cell in cells {
            joined.extend_from_slice(cell.as_ref());
            ends.push(joined.len());
        }
        let mut record = Record::default();
        record.fill_from_core(&joined, &ends, b',');
        record
    }
}

/// What the fast path made of the next line.
enum Line {
    Record,
    /// The line is not all in the buffer yet.
    NeedsMore,
    /// Not a plain line: csv-core decides.
    Unusual,
}

/// A place between two records of a stream, as [`Records::position`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub(super) at: u64,
    /// The record before ended in a carriage return.
    after_cr: bool,
}

/// Reads records from a byte stream, as the csv crate reads them with `flexible(true)`
/// and the CRLF terminator (any of `\r\n`, `\n`, `\r` ends a record) — except that an
/// empty line is a record of no cells, as RFC 4180 (and Python's csv module, which
/// frictionless-py reads with) has it, so row numbers stay physical record numbers.
pub struct Records<R> {
    input: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    core: csv_core::Reader,
    /// csv-core has read the first record (where it drops a byte-order mark).
    core_started: bool,
    /// The dialect has no escape character (and no line break as delimiter or quote), so
    /// plain lines can take the fast path.
    fast: bool,
    delimiter: u8,
    quote: u8,
    cells: Vec<Range<usize>>,
    /// The last byte consumed was a carriage return: a line feed right after it ends the
    /// same line, not an empty one.
    after_cr: bool,
    core_out: Vec<u8>,
    core_ends: Vec<usize>,
    guard: LineGuard,
    /// Bytes taken from `input` so far.
    pulled: u64,
    /// `buf[..utf8_to]` from a record boundary at or before `start` is UTF-8, checked once
    /// per read of the input: a check per record paid its set-up a million times.
    utf8_to: usize,
}

impl<R: Read> Records<R> {
    pub fn new(input: R, format: &Format, capacity: usize, guard: LineGuard) -> Records<R> {
        let core = csv_core::ReaderBuilder::new()
            .delimiter(format.delimiter)
            .quote(format.quote)
            .double_quote(format.double_quote)
            .escape(format.escape)
            .build();
        Records {
            input,
            buf: vec![0; capacity.max(MIN_READ)],
            start: 0,
            end: 0,
            eof: false,
            core,
            core_started: false,
            fast: format.escape.is_none()
                && format.delimiter != format.quote
                && ![format.delimiter, format.quote]
                    .iter()
                    .any(|b| matches!(b, b'\r' | b'\n')),
            delimiter: format.delimiter,
            quote: format.quote,
            cells: Vec::new(),
            after_cr: false,
            core_out: vec![0; 1024],
            core_ends: vec![0; 64],
            guard,
            pulled: 0,
            utf8_to: 0,
        }
    }

    /// Where the next record starts in the stream this reader reads (after decoding), for
    /// [`Records::skip_to`] to resume from.
    pub fn position(&self) -> Place {
        Place {
            at: self.pulled - (self.end - self.start) as u64,
            after_cr: self.after_cr,
        }
    }

    /// Reads at most `bytes` at a time from now on (never dropping bytes already read):
    /// for reading a few rows here and there, where a full buffer read after every jump
    /// would mostly be thrown away.
    pub fn read_at_most(&mut self, bytes: usize) {
        self.buf.truncate(bytes.max(MIN_READ).max(self.end));
    }

    /// The records read so far ended inside a quoted cell: the file was cut off.
    pub fn in_quoted_cell(&self) -> bool {
        self.guard.in_quoted_cell()
    }

    /// Reads the next record into `record`; `false` at the end of the stream.
    pub fn read(&mut self, record: &mut Record) -> io::Result<bool> {
        if self.empty_line()? {
            record.clear();
            return Ok(true);
        }
        if self.fast && self.core_started {
            loop {
                match self.plain_line(record) {
                    Line::Record => return Ok(true),
                    Line::Unusual => break,
                    Line::NeedsMore => {
                        if !self.fill()? {
                            break;
                        }
                    }
                }
            }
        }
        self.core_record(record)
    }

    /// Consumes an empty line (`\n`, `\r\n` or a lone `\r`) at the start of the next
    /// record; csv-core would skip it.
    fn empty_line(&mut self) -> io::Result<bool> {
        loop {
            if self.end - self.start >= 2 || self.eof {
                break;
            }
            if !self.fill()? {
                break;
            }
        }
        if self.after_cr && self.buf.get(self.start) == Some(&b'\n') && self.start < self.end {
            self.start += 1;
            self.guard.skip_lines(1);
            self.after_cr = false;
            return self.empty_line();
        }
        self.after_cr = false;
        if self.start >= self.end {
            return Ok(false);
        }
        match self.buf[self.start] {
            b'\n' => {
                self.start += 1;
                self.guard.skip_lines(1);
                Ok(true)
            }
            b'\r' => {
                self.start += 1;
                if self.start < self.end && self.buf[self.start] == b'\n' {
                    self.start += 1;
                    self.guard.skip_lines(1);
                }
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Moves the unread bytes to the front and reads more after them; `false` when the
    /// buffer is full (one line longer than the buffer) or the stream has ended.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        // Past a stretch that is not UTF-8 (or after a jump), checking starts again here.
        self.utf8_to = self.utf8_to.clamp(self.start, self.end) - self.start;
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        // A decoder writes whole characters: a sliver of room is no room.
        if self.buf.len() - self.end < MIN_READ {
            return Ok(false);
        }
        let n = self.input.read(&mut self.buf[self.end..])?;
        self.pulled += n as u64;
        self.end += n;
        self.eof = n == 0;
        self.check_utf8();
        Ok(true)
    }

    /// Moves `utf8_to` over the UTF-8 that follows it, up to the last line feed read: the
    /// line after it (and a character cut by the end of the buffer) is checked with the
    /// next read.
    fn check_utf8(&mut self) {
        let mut unchecked = &self.buf[self.utf8_to..self.end];
        if !self.eof {
            unchecked = memchr::memrchr(b'\n', unchecked).map_or(unchecked, |at| &unchecked[..=at]);
        }
        self.utf8_to += match simdutf8::basic::from_utf8(unchecked) {
            Ok(_) => unchecked.len(),
            Err(_) => simdutf8::compat::from_utf8(unchecked)
                .map_or_else(|e| e.valid_up_to(), |_| unchecked.len()),
        };
    }

    /// Cuts the next line if it is plain.
    fn plain_line(&mut self, record: &mut Record) -> Line {
        // Empty lines are records of their own (`read` has taken any at the start).
        if self.start < self.end && matches!(self.buf[self.start], b'\n' | b'\r') {
            return Line::Unusual;
        }
        if self.start == self.end {
            return if self.eof {
                Line::Unusual
            } else {
                Line::NeedsMore
            };
        }
        let data = &self.buf[self.start..self.end];
        let (d, q) = (self.delimiter, self.quote);
        let mut shape = Structure::new(data, d, q);
        let cells = &mut self.cells;
        cells.clear();
        let mut at = 0;
        // (the line without its line feed, the bytes it takes with it)
        let (len, next) = loop {
            if data.get(at) == Some(&q) {
                shape.next(); // the opening quote
                let close = match shape.find(|&i| data[i] == q || data[i] == b'\n') {
                    Some(i) if data[i] == q => i,
                    // A line break inside quotes is csv-core's.
                    Some(_) => return Line::Unusual,
                    // Unclosed: the end of the data ends a line only at the end of the stream.
                    None if self.eof => return Line::Unusual,
                    None => return Line::NeedsMore,
                };
                cells.push(at + 1..close);
                match data.get(close + 1) {
                    Some(&b) if b == d => {
                        shape.next();
                        at = close + 2;
                    }
                    Some(b'\n') => break (close + 1, close + 2),
                    Some(b'\r') => match data.get(close + 2) {
                        Some(b'\n') => break (close + 2, close + 3),
                        None if self.eof => break (close + 2, close + 2),
                        None => return Line::NeedsMore,
                        Some(_) => return Line::Unusual,
                    },
                    None if self.eof => break (close + 1, close + 1),
                    None => return Line::NeedsMore,
                    Some(_) => return Line::Unusual,
                }
            } else {
                let Some(stop) = shape.next() else {
                    if !self.eof {
                        return Line::NeedsMore;
                    }
                    cells.push(at..data.len());
                    break (data.len(), data.len());
                };
                match data[stop] {
                    b if b == d => {
                        cells.push(at..stop);
                        at = stop + 1;
                    }
                    b'\n' => {
                        cells.push(at..stop);
                        break (stop, stop + 1);
                    }
                    b'\r' => match data.get(stop + 1) {
                        Some(b'\n') => {
                            cells.push(at..stop);
                            break (stop + 1, stop + 2);
                        }
                        None if self.eof => {
                            cells.push(at..stop);
                            break (stop + 1, stop + 1);
                        }
                        None => return Line::NeedsMore,
                        Some(_) => return Line::Unusual,
                    },
                    // A quote inside an unquoted cell.
                    _ => return Line::Unusual,
                }
            }
        };
        if len as u64 > self.guard.max_line() {
            return Line::Unusual;
        }
        let line = &data[..len];
        let utf8 = self.start + len <= self.utf8_to;
        record.fill_from_ranges(line, &self.cells, d);
        record.utf8 = utf8;
        self.guard.skip_lines(u64::from(next > line.len()));
        self.start += next;
        Line::Record
    }

    /// Reads the next record with csv-core.
    fn core_record(&mut self, record: &mut Record) -> io::Result<bool> {
        self.core_started = true;
        let (mut nout, mut nend) = (0, 0);
        loop {
            if self.start == self.end && !self.eof {
                self.start = 0;
                self.end = 0;
                self.fill()?;
            }
            let (result, nin, out, ends) = self.core.read_record(
                &self.buf[self.start..self.end],
                &mut self.core_out[nout..],
                &mut self.core_ends[nend..],
            );
            self.guard.follow(&self.buf[self.start..self.start + nin])?;
            self.start += nin;
            nout += out;
            nend += ends;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let grown = self.core_out.len() * 2;
                    self.core_out.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let grown = self.core_ends.len() * 2;
                    self.core_ends.resize(grown, 0);
                }
                ReadRecordResult::Record => {
                    self.after_cr = nin > 0 && self.buf[self.start - 1] == b'\r';
                    record.fill_from_core(
                        &self.core_out[..nout],
                        &self.core_ends[..nend],
                        self.delimiter,
                    );
                    return Ok(true);
                }
                ReadRecordResult::End => {
                    record.clear();
                    return Ok(false);
                }
            }
        }
    }
}

impl<R: SkipForward> Records<R> {
    /// Goes on at `place`, which [`Records::position`] gave for the same source while it
    /// was read before, without parsing what lies between: reading a few rows again then
    /// costs the rows, not the table. `false` if the stream ends first or `place` is behind.
    pub fn skip_to(&mut self, place: Place) -> io::Result<bool> {
        let Some(mut behind) = place.at.checked_sub(self.position().at) else {
            return Ok(false);
        };
        // Just after a carriage return, a line feed still belongs to the record before.
        self.after_cr = place.after_cr;
        let buffered = (self.end - self.start) as u64;
        // The skipped records held the first one, and a record boundary is outside any
        // quoted cell.
        if behind <= buffered {
            self.start += behind as usize;
            self.core_started = true;
            return Ok(true);
        }
        behind -= buffered;
        (self.start, self.end) = (0, 0);
        let moved = self.input.skip_forward(behind)?;
        self.pulled += moved;
        behind -= moved;
        // What the stream could not jump over is read and dropped.
        while behind > 0 {
            if !self.fill()? || self.start == self.end {
                return Ok(false);
            }
            let dropped = behind.min((self.end - self.start) as u64);
            self.start += dropped as usize;
            behind -= dropped;
        }
        self.core_started = true;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::UTF_8;

    fn format(delimiter: u8, double_quote: bool, escape: Option<u8>) -> Format {
        Format {
            encoding: UTF_8,
            encoding_detected: false,
            delimiter,
            quote: b'"',
            double_quote,
            escape,
            header: false,
            bytes: 0,
            layout: Layout::default(),
        }
    }

    /// Hands out the bytes in chunks of random sizes, as a file or decoder may.
    struct Chunked {
        data: Vec<u8>,
        at: usize,
        rng: fastrand::Rng,
    }

    impl SkipForward for Chunked {}

    impl Read for Chunked {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let left = self.data.len() - self.at;
            let n = left.min(buf.len()).min(self.rng.usize(1..=8));
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn ours(data: &[u8], format: &Format, capacity: usize, seed: u64) -> Vec<Vec<Vec<u8>>> {
        let input = Chunked {
            data: data.to_vec(),
            at: 0,
            rng: fastrand::Rng::with_seed(seed),
        };
        let mut records = Records::new(input, format, capacity, LineGuard::new(format, 1 << 20));
        let mut record = Record::default();
        let mut all = Vec::new();
        while records.read(&mut record).unwrap() {
            // The text of a record, checked once per read of the input, is what a check of
            // its own bytes says (`as_str` also asserts this in debug builds).
            assert_eq!(
                record.as_str().map(str::as_bytes),
                std::str::from_utf8(record.as_slice())
                    .ok()
                    .map(str::as_bytes)
            );
            all.push(record.iter().map(<[u8]>::to_vec).collect());
        }
        all
    }

    /// Our records without the empty lines, which the csv crate skips.
    fn non_empty(records: Vec<Vec<Vec<u8>>>) -> Vec<Vec<Vec<u8>>> {
        records.into_iter().filter(|r| !r.is_empty()).collect()
    }

    fn csv_crate(data: &[u8], format: &Format) -> Vec<Vec<Vec<u8>>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(format.delimiter)
            .quote(format.quote)
            .double_quote(format.double_quote)
            .escape(format.escape)
            .from_reader(data)
            .byte_records()
            .map(|r| r.unwrap().iter().map(<[u8]>::to_vec).collect())
            .collect()
    }

    #[test]
    fn records_agree_with_the_csv_crate_on_random_input() {
        let mut rng = fastrand::Rng::with_seed(11);
        let alphabet: &[&[u8]] = &[
            b"\"",
            b"\"",
            b",",
            b",",
            b";",
            b"\n",
            b"\n",
            b"\r",
            b"\\",
            b"a",
            b"b",
            b" ",
            "ї".as_bytes(),
        ];
        let cells: &[&[u8]] = &[
            b"",
            b"12",
            b"abc",
            "Київ".as_bytes(),
            b"\"a,b\"",
            b"\"a;b\"",
            b"\"x\ny\"",
            b"\"q\"\"q\"",
            b"\"\"",
            b"\"ab\"",
            b"a\"b",
        ];
        for round in 0..60_000u64 {
            // Odd rounds: random bytes; even rounds: rows of realistic cells, a few bytes
            // of which are then damaged.
            let mut text: Vec<u8> = Vec::new();
            if round % 2 == 1 {
                for _ in 0..rng.usize(0..40) {
                    text.extend_from_slice(alphabet[rng.usize(..alphabet.len())]);
                }
            } else {
                for _ in 0..rng.usize(0..5) {
                    for i in 0..rng.usize(1..5) {
                        if i > 0 {
                            text.push(if rng.bool() { b',' } else { b';' });
                        }
                        text.extend_from_slice(cells[rng.usize(..cells.len())]);
                    }
                    text.extend_from_slice(if rng.bool() { b"\n" } else { b"\r\n" });
                }
                for _ in 0..rng.usize(0..3) {
                    if !text.is_empty() {
                        let at = rng.usize(..text.len());
                        text[at] = alphabet[rng.usize(..alphabet.len())][0];
                    }
                }
            }
            let format = format(
                if round % 3 == 0 { b';' } else { b',' },
                round % 5 != 0,
                (round % 7 == 0).then_some(b'\\'),
            );
            let capacity = if round % 4 < 2 { 256 } else { rng.usize(1..16) };
            assert_eq!(
                non_empty(ours(&text, &format, capacity, round)),
                csv_crate(&text, &format),
                "{:?} with {:?}, buffer {capacity}",
                String::from_utf8_lossy(&text),
                (format.delimiter as char, format.double_quote, format.escape)
            );
        }
    }

    /// Every record with the position it started at.
    fn with_positions(data: &[u8], format: &Format, seed: u64) -> Vec<(Place, Vec<u8>)> {
        let input = Chunked {
            data: data.to_vec(),
            at: 0,
            rng: fastrand::Rng::with_seed(seed),
        };
        let mut records = Records::new(input, format, 7, LineGuard::new(format, 1 << 20));
        let mut record = Record::default();
        let mut all = Vec::new();
        loop {
            let at = records.position();
            if !records.read(&mut record).unwrap() {
                return all;
            }
            all.push((
                at,
                record
                    .iter()
                    .flat_map(|c| [c, b"|"])
                    .flatten()
                    .copied()
                    .collect(),
            ));
        }
    }

    #[test]
    fn skipping_to_a_position_reads_on_from_that_record() {
        let mut rng = fastrand::Rng::with_seed(5);
        let cells: &[&[u8]] = &[
            b"",
            b"12",
            "Київ".as_bytes(),
            b"\"a,b\"",
            b"\"x\ny\"",
            b"\"q\"\"q\"",
        ];
        let mut resumed = 0;
        for round in 0..3_000u64 {
            let mut text: Vec<u8> = Vec::new();
            for _ in 0..rng.usize(1..8) {
                for i in 0..rng.usize(0..4) {
                    if i > 0 {
                        text.push(b',');
                    }
                    text.extend_from_slice(cells[rng.usize(..cells.len())]);
                }
                let ends: &[&[u8]] = &[b"\n", b"\r\n", b"\r"];
                text.extend_from_slice(ends[rng.usize(..ends.len())]);
            }
            let format = format(b',', true, None);
            let all = with_positions(&text, &format, round);
            for (i, (at, _)) in all.iter().enumerate() {
                let at = *at;
                let input = Chunked {
                    data: text.clone(),
                    at: 0,
                    rng: fastrand::Rng::with_seed(round + 1),
                };
                let mut records = Records::new(input, &format, 7, LineGuard::new(&format, 1 << 20));
                assert!(records.skip_to(at).unwrap());
                let mut record = Record::default();
                for (_, expected) in &all[i..] {
                    assert!(records.read(&mut record).unwrap());
                    let got: Vec<u8> = record
                        .iter()
                        .flat_map(|c| [c, b"|"])
                        .flatten()
                        .copied()
                        .collect();
                    assert_eq!(
                        &got,
                        expected,
                        "{:?} from record {i}",
                        String::from_utf8_lossy(&text)
                    );
                }
                assert!(!records.read(&mut record).unwrap());
                resumed += 1;
            }
        }
        assert!(resumed > 5_000, "{resumed}");
    }

    #[test]
    fn an_empty_line_is_a_record_of_no_cells() {
        let format = format(b',', true, None);
        let cells = |r: &[&str]| r.iter().map(|c| c.as_bytes().to_vec()).collect::<Vec<_>>();
        for (data, capacity) in [
            (&b"h\n\na\n\"q\nq\"\r\n\r\nb\n"[..], 64),
            (&b"h\n\na\n\"q\nq\"\r\n\r\nb\n"[..], 3),
        ] {
            assert_eq!(
                ours(data, &format, capacity, 7),
                vec![
                    cells(&["h"]),
                    vec![],
                    cells(&["a"]),
                    cells(&["q\nq"]),
                    vec![],
                    cells(&["b"]),
                ],
                "buffer {capacity}"
            );
        }
        // A line ending, then the end of the file: no empty record after it.
        assert_eq!(ours(b"h\r\na\r\n", &format, 64, 1).len(), 2);
    }

    #[test]
    fn a_record_keeps_one_layout_however_it_was_quoted() {
        let plain = ours(b"h\na,b,c\n", &format(b',', true, None), 64, 1);
        let quoted = ours(b"h\n\"a\",b,\"c\"\r\n", &format(b',', true, None), 64, 1);
        assert_eq!(plain, quoted);
        let format = format(b',', true, None);
        let data = b"h\n\"a\",b,\"c\"\r\n";
        let mut records = Records::new(&data[..], &format, 64, LineGuard::new(&format, 1 << 20));
        let mut record = Record::default();
        assert!(records.read(&mut record).unwrap());
        assert!(records.read(&mut record).unwrap());
        assert_eq!(record.as_slice(), b"a,b,c");
        assert_eq!(record.range(1), Some(2..3));
        assert_eq!(&record[2], b"c");
        assert!(!records.read(&mut record).unwrap());
    }

    /// Plain lines in checked stretches of the buffer are text without a check of their
    /// own; a line that is not UTF-8, and the lines after it until the next read, are
    /// checked one by one.
    #[test]
    fn plain_lines_are_text_checked_once_per_read() {
        let format = format(b',', true, None);
        let mut data = "h\nКиїв,\"ґанок\"\nx?,y\nїжак,z\n".as_bytes().to_vec();
        let bad = data.iter().position(|&b| b == b'?').unwrap();
        data[bad] = 0xff;
        let mut records = Records::new(&data[..], &format, 256, LineGuard::new(&format, 1 << 20));
        let mut record = Record::default();
        let mut seen = Vec::new();
        while records.read(&mut record).unwrap() {
            seen.push((record.utf8, record.as_str().map(str::to_owned)));
        }
        assert_eq!(
            seen,
            [
                (false, Some("h".to_owned())),
                (true, Some("Київ,ґанок".to_owned())),
                (false, None),
                (false, Some("їжак,z".to_owned())),
            ]
        );
    }
}
