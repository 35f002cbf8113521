//! Compact key storage for `primaryKey`, `unique`, duplicate rows and `foreignKeys`: keys
//! are kept as xxh3 hashes of their typed values, never as text, so memory grows by bytes
//! per row, not by the rows' size. A key log keeps 96 bits of the 128-bit hash with the row
//! number, 16 bytes a row (a few for keys that come in order): a false match among a
//! billion keys has a probability near 10⁻¹¹, so no second pass re-reads the values.

use std::collections::HashSet;

use xxhash_rust::xxh3::Xxh3;

use super::records::Record;
use super::types::Typed;

/// A hashed key.
pub type KeyHash = u128;

/// Hashes a key made of typed values. Keys are encoded into a stack buffer and hashed in
/// one shot (a streaming xxh3 state costs more to set up than a short key to hash).
pub fn hash_key<'a>(values: impl IntoIterator<Item = Typed<'a>>) -> KeyHash {
    // Small, because the buffer is zeroed for every key; longer keys take the stream.
    let mut buf = [0u8; 64];
    let mut len = 0;
    let mut values = values.into_iter();
    for value in values.by_ref() {
        match value.encode_into(&mut buf[len..]) {
            Some(n) => len += n,
            None => {
                // Longer than the buffer: stream what was encoded, then the rest.
                let mut hasher = Xxh3::new();
                hasher.update(&buf[..len]);
                value.hash_into(&mut hasher);
                for value in values {
                    value.hash_into(&mut hasher);
                }
                return hasher.digest128();
            }
        }
    }
    xxhash_rust::xxh3::xxh3_128(&buf[..len])
}

/// The key of a one-column integer key, kept as the number itself in the high half
/// (order-preserving) instead of a hash: cheaper, and keys that arrive in ascending
/// order — the usual numbered `id` — then need no sort (see [`KeyLog`]). A log holds keys of one
/// column set, so number keys never meet hashed ones.
pub fn int_key(n: i64) -> KeyHash {
    u128::from((n as u64) ^ (1 << 63)) << 64
}

/// Texts up to this many bytes are their own key in a log (see [`text_key`]).
const SHORT_TEXT: usize = 11;

/// The key of a one-column text key in a key log. A text of up to 11 bytes is the key
/// itself — its bytes zero-padded, then its length, in the 96 bits a log keeps — so keys
/// compare as the texts do and codes that arrive in order (`C00000001`, `C00000002`, …)
/// skip the sort like a numbered `id`. A longer text is its hash with the length byte set
/// to 0xFF, which no short text has. A log holds keys of one column, whose values are all
/// texts, and is never compared with another log or a foreign key's set.
pub fn text_key(text: &str) -> KeyHash {
    let bytes = text.as_bytes();
    if bytes.len() > SHORT_TEXT {
        return xxhash_rust::xxh3::xxh3_128(bytes) | 0xFF;
    }
    // Byte by byte with fixed bounds: a copy of a variable length was a `memmove` call,
    // more than the rest of the key.
    let byte = |i: usize| u128::from(bytes.get(i).copied().unwrap_or(0));
    let hi = (0..8).fold(0, |key, i| key << 8 | byte(i));
    // Bytes 8..11 of the text go where the log keeps the low 32 bits of a key.
    let lo = (8..11).fold(0, |key, i| key << 8 | byte(i)) << 8 | bytes.len() as u128;
    hi << 64 | lo
}

/// Hashes a whole row's text, for duplicate rows: its cells joined by the delimiter, seeded
/// with where each cell ends so that cell boundaries count ("a,b" as one quoted cell is
/// not "a","b").
pub fn hash_row(record: &Record) -> KeyHash {
    let seed = record
        .ends()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, &end| {
            (h ^ end as u64).wrapping_mul(0x0000_0100_0000_01b3)
        });
    xxhash_rust::xxh3::xxh3_128_with_seed(record.as_slice(), seed)
}

/// 16 bytes, not 24: two logs of a million keys were a third of a dirty file's peak memory.
#[derive(Debug, Clone, Copy)]
struct Entry {
    hi: u64,
    lo: u32,
    row: u32,
}

/// Every key seen in one column set, with the row it was seen in. Keys that arrive in
/// ascending order (a numbered `id` or code, even with a few rows out of place) are kept
/// apart, as deltas, and never sorted: only the others are sorted at the end, then looked
/// up among them. Hashed keys arrive in random order, so nearly all of them are "the
/// others".
#[derive(Debug)]
pub struct KeyLog {
    ascending: Ascending,
    /// Every other key.
    rest: Vec<Entry>,
}

impl Default for KeyLog {
    fn default() -> KeyLog {
        KeyLog::with_capacity(0)
    }
}

impl KeyLog {
    /// Room for `rows` keys that arrive out of order: memory is reserved, not touched, so
    /// it costs nothing if they come in order, and never regrows if they do not.
    pub fn with_capacity(rows: usize) -> KeyLog {
        KeyLog {
            ascending: Ascending::default(),
            rest: Vec::with_capacity(rows),
        }
    }

    pub fn push(&mut self, key: KeyHash, row: u64) {
        let entry = Entry {
            hi: (key >> 64) as u64,
            lo: key as u32,
            row: u32::try_from(row).unwrap_or(u32::MAX),
        };
        if !self.ascending.push(entry) {
            self.rest.push(entry);
        }
    }

    /// The rows that share a key, a group per key seen more than once, each group in row
    /// order and the groups in the order of their second row.
    pub fn repeated(self) -> Vec<Vec<u64>> {
        let KeyLog {
            ascending,
            mut rest,
        } = self;
        // Sorting by the high half alone is cheap; the rare runs sharing it (true
        // duplicates, almost always) are then ordered fully.
        rest.sort_unstable_by_key(|e| e.hi);
        let mut groups = Vec::new();
        let mut run = Vec::new();
        // Both sides are in order now, so the ordered side is walked along, not searched.
        let mut ordered = ascending.walk();
        for same_hi in rest.chunk_by(|a, b| a.hi == b.hi) {
            run.clear();
            run.extend_from_slice(same_hi);
            // Short texts share a high half with their neighbours (`C0000000…`): every
            // ordered key with this one is a candidate.
            ordered.take(same_hi[0].hi, &mut run);
            if run.len() > 1 {
                run.sort_unstable_by_key(|e| (e.lo, e.row));
                for same in run.chunk_by(|a, b| a.lo == b.lo).filter(|g| g.len() > 1) {
                    groups.push(same.iter().map(|e| u64::from(e.row)).collect::<Vec<_>>());
                }
            }
        }
        groups.sort_unstable_by_key(|g| g[1]);
        groups
    }
}

/// Keys each above the one before (comparing the kept 96 bits), so all different, stored
/// as LEB128 deltas from the one before: a numbered `id` takes 3 bytes a row, a code like
/// `C00000001` 6 or 7, where an [`Entry`] takes 16 — memory a million rows touch page by page.
#[derive(Debug, Default)]
struct Ascending {
    bytes: Vec<u8>,
    last: Option<Entry>,
    len: usize,
    /// Every [`MARK_EVERY`]th entry, so that a walk can jump over the stretches between
    /// the few keys it looks for.
    marks: Vec<Mark>,
}

const MARK_EVERY: usize = 256;

/// Where an entry starts in [`Ascending::bytes`], what a decoder there holds, and the
/// entry's high half.
#[derive(Debug, Clone, Copy)]
struct Mark {
    at: usize,
    before: Entry,
    hi: u64,
}

const ZERO: Entry = Entry {
    hi: 0,
    lo: 0,
    row: 0,
};

impl Ascending {
    /// Appends `entry` if it is above the last one; `false` if it is not.
    fn push(&mut self, entry: Entry) -> bool {
        let last = match self.last {
            Some(last) if (entry.hi, entry.lo) <= (last.hi, last.lo) => return false,
            Some(last) => last,
            None => ZERO,
        };
        if self.len.is_multiple_of(MARK_EVERY) {
            self.marks.push(Mark {
                at: self.bytes.len(),
                before: last,
                hi: entry.hi,
            });
        }
        let hi = entry.hi.wrapping_sub(last.hi);
        // Within one high half the low part grows too; across, it starts afresh.
        let lo = if hi == 0 {
            entry.lo.wrapping_sub(last.lo)
        } else {
            entry.lo
        };
        let row = entry.row.wrapping_sub(last.row);
        // Encoded in a register and appended as 16 bytes, then cut to its length: one
        // capacity check and one store, not a check a byte (or bytes on the stack read
        // back whole, which stalls the store buffer).
        let mut encoded = 0u128;
        let mut len = 0;
        for n in [hi, u64::from(lo), u64::from(row)] {
            let (word, bytes) = varint(n);
            encoded |= word.checked_shl(8 * len as u32).unwrap_or(0);
            len += bytes;
        }
        if len <= 16 {
            self.bytes.extend_from_slice(&encoded.to_le_bytes());
            self.bytes.truncate(self.bytes.len() - (16 - len));
        } else {
            // A jump of more than 2^56 (the first hashed key, say): rare, one at a time.
            for n in [hi, u64::from(lo), u64::from(row)] {
                let (word, bytes) = varint(n);
                self.bytes.extend_from_slice(&word.to_le_bytes()[..bytes]);
            }
        }
        self.last = Some(entry);
        self.len += 1;
        true
    }

    /// The entry at byte `at` after `before`, and where the next one starts.
    fn decode(&self, mut at: usize, before: Entry) -> Option<(Entry, usize)> {
        let hi = take_varint(&self.bytes, &mut at)?;
        let lo = take_varint(&self.bytes, &mut at)? as u32;
        let row = take_varint(&self.bytes, &mut at)? as u32;
        let entry = Entry {
            hi: before.hi.wrapping_add(hi),
            lo: if hi == 0 {
                before.lo.wrapping_add(lo)
            } else {
                lo
            },
            row: before.row.wrapping_add(row),
        };
        Some((entry, at))
    }

    fn walk(&self) -> Walk<'_> {
        Walk {
            keys: self,
            at: 0,
            before: ZERO,
        }
    }
}

/// A walk along an [`Ascending`] log, to rising high halves.
struct Walk<'a> {
    keys: &'a Ascending,
    at: usize,
    before: Entry,
}

impl Walk<'_> {
    /// Appends to `found` the entries with high half `hi`, passing every one below it;
    /// `hi` must not be below that of an earlier call.
    fn take(&mut self, hi: u64, found: &mut Vec<Entry>) {
        let marks = &self.keys.marks;
        let below = marks.partition_point(|m| m.hi < hi);
        if let Some(mark) = below.checked_sub(1).map(|i| marks[i]) {
            if mark.at > self.at {
                (self.at, self.before) = (mark.at, mark.before);
            }
        }
        while let Some((entry, next)) = self.keys.decode(self.at, self.before) {
            if entry.hi > hi {
                break;
            }
            if entry.hi == hi {
                found.push(entry);
            }
            (self.at, self.before) = (next, entry);
        }
    }
}

/// `n` as LEB128, its bytes in order from the lowest of the number returned, and how many
/// there are (at most 10).
fn varint(mut n: u64) -> (u128, usize) {
    let mut word = 0u128;
    let mut len = 0;
    while n >= 0x80 {
        word |= u128::from(n as u8 | 0x80) << (8 * len);
        n >>= 7;
        len += 1;
    }
    (word | u128::from(n) << (8 * len), len + 1)
}

fn take_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        n |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(n);
        }
    }
    None
}

/// The keys a foreign key may point at.
pub type KeySet = HashSet<KeyHash>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_come_in_groups_of_rows() {
        let mut log = KeyLog::default();
        let k1 = hash_key([Typed::Int(1)]);
        let k2 = hash_key([Typed::Int(2)]);
        for (key, row) in [(k1, 2), (k2, 3), (k1, 4), (k1, 5), (k2, 6)] {
            log.push(key, row);
        }
        assert_eq!(log.repeated(), vec![vec![2, 4, 5], vec![3, 6]]);
    }

    #[test]
    fn ascending_number_keys_skip_the_sort_and_others_still_find_repeats() {
        let mut log = KeyLog::default();
        for (row, n) in [(2, -5), (3, 1), (4, 2), (5, 3)] {
            log.push(int_key(n), row);
        }
        assert!(log.rest.is_empty());
        assert!(log.repeated().is_empty());
        let mut log = KeyLog::default();
        for (row, n) in [(2, 1), (3, 5), (4, -1), (5, 5)] {
            log.push(int_key(n), row);
        }
        assert_eq!(log.repeated(), vec![vec![3, 5]]);
    }

    /// A numbered `id` costs 3 bytes a row, numbered codes 6 or 7: not the 16 of an entry.
    #[test]
    fn keys_in_order_take_a_few_bytes_a_row() {
        let (mut ids, mut codes) = (KeyLog::default(), KeyLog::default());
        for n in 1..=10_000 {
            ids.push(int_key(n), n as u64 + 1);
            codes.push(text_key(&format!("C{n:08}")), n as u64 + 1);
        }
        assert!(ids.rest.is_empty() && codes.rest.is_empty());
        assert!(ids.ascending.bytes.len() <= 10_000 * 3 + 16);
        assert!(codes.ascending.bytes.len() <= 10_000 * 7);
    }

    /// The groups are those of a plain map from key to rows, whatever the order keys come
    /// in: numbered with repeats and rows out of place, or hashed.
    #[test]
    fn repeated_keys_match_a_plain_grouping() {
        let mut rng = fastrand::Rng::with_seed(3);
        for round in 0..400 {
            let mut log = KeyLog::default();
            let mut plain: std::collections::BTreeMap<KeyHash, Vec<u64>> = Default::default();
            let mut next = 0i64;
            // Some logs long enough for the walk to jump between marks.
            let rows = if round % 10 < 4 { 5_000 } else { 300 };
            for row in 2..rng.u64(2..rows) {
                let key = match round % 4 {
                    0 => {
                        next += 1;
                        int_key(if rng.u8(..) < 20 {
                            rng.i64(0..=next)
                        } else {
                            next
                        })
                    }
                    1 => hash_key([Typed::Int(rng.i64(0..200))]),
                    // Numbered codes, short and long, mostly in order.
                    2 => {
                        next += 1;
                        let n = if rng.u8(..) < 20 {
                            rng.i64(0..=next)
                        } else {
                            next
                        };
                        let width = if round % 2 == 0 { 9 } else { 14 };
                        text_key(&format!("C{n:0width$}"))
                    }
                    _ => int_key(rng.i64(-50..50)),
                };
                log.push(key, row);
                plain.entry(key).or_default().push(row);
            }
            let mut expected: Vec<Vec<u64>> = plain.into_values().filter(|g| g.len() > 1).collect();
            expected.sort_unstable_by_key(|g| g[1]);
            assert_eq!(log.repeated(), expected, "round {round}");
        }
    }

    /// Short texts are their own keys: in the order of the texts, and equal only when the
    /// texts are; long ones never equal a short one.
    #[test]
    fn short_text_keys_keep_the_order_of_the_texts() {
        let kept = |k: KeyHash| (k >> 64, k as u32);
        let mut rng = fastrand::Rng::with_seed(5);
        for _ in 0..20_000 {
            let text = |rng: &mut fastrand::Rng| -> String {
                (0..rng.usize(0..=13))
                    .map(|_| ['\0', 'a', 'b', 'я'][rng.usize(..4)])
                    .collect()
            };
            let (a, b) = (text(&mut rng), text(&mut rng));
            let (ka, kb) = (kept(text_key(&a)), kept(text_key(&b)));
            if a.len() <= SHORT_TEXT && b.len() <= SHORT_TEXT {
                assert_eq!(ka.cmp(&kb), a.as_bytes().cmp(b.as_bytes()), "{a:?} {b:?}");
            } else if a != b {
                assert_ne!(ka, kb, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn typed_keys_are_equal_when_values_are() {
        assert_eq!(hash_key([Typed::Num(1.0)]), hash_key([Typed::Num(1.00)]));
        assert_ne!(hash_key([Typed::Int(1)]), hash_key([Typed::Str("1")]));
        assert_ne!(
            hash_key([Typed::Str("a"), Typed::Str("bc")]),
            hash_key([Typed::Str("ab"), Typed::Str("c")])
        );
        let long = "я".repeat(200);
        assert_ne!(
            hash_key([Typed::Str(&format!("{long}\u{1}b")), Typed::Str("c")]),
            hash_key([Typed::Str(&long), Typed::Str("b\u{1}c")])
        );
        assert_eq!(
            hash_key([Typed::Str(&long), Typed::Int(1)]),
            hash_key([Typed::Str(&long), Typed::Int(1)])
        );
        assert_ne!(
            hash_row(&["a,b"].into_iter().collect()),
            hash_row(&["a", "b"].into_iter().collect())
        );
    }
}
