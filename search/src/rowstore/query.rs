//! Querying a store: typed filters become sets of dictionary codes, the smallest set drives
//! the scan through its posting lists, and a page is the first `size` rows after the cursor
//! in (sort code, row id) order, kept in a bounded heap — so a page never sorts or skips the
//! whole result. Streams walk the column order lazily, in constant memory.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{Column, Cursor, Kind, Store};

/// A Datasette filter operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Exact,
    Not,
    Contains,
    StartsWith,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    IsNull,
    NotNull,
}

impl Op {
    pub const ALL: [Op; 11] = [
        Op::Exact,
        Op::Not,
        Op::Contains,
        Op::StartsWith,
        Op::Gt,
        Op::Gte,
        Op::Lt,
        Op::Lte,
        Op::In,
        Op::IsNull,
        Op::NotNull,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Op::Exact => "exact",
            Op::Not => "not",
            Op::Contains => "contains",
            Op::StartsWith => "startswith",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::In => "in",
            Op::IsNull => "isnull",
            Op::NotNull => "notnull",
        }
    }

    pub fn parse(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == name)
    }

    pub fn names() -> Vec<String> {
        Op::ALL.iter().map(|op| op.name().to_string()).collect()
    }
}

/// One filter on one column. `values` holds one value (several for `in`, none for the null
/// tests).
#[derive(Debug, Clone)]
pub struct Filter {
    pub column: usize,
    pub op: Op,
    pub values: Vec<String>,
}

/// A filter value that does not parse as its column's type.
#[derive(Debug, Clone, thiserror::Error)]
#[error("`{value}` is not {expected}")]
pub struct ValueError {
    pub value: String,
    pub expected: &'static str,
}

/// The dictionary codes a filter accepts: a few code ranges, or a bitmap over the dictionary.
#[derive(Debug, Clone)]
pub enum CodeSet {
    Ranges(Vec<(u32, u32)>),
    Bits(Vec<u64>),
}

impl CodeSet {
    #[inline]
    pub fn contains(&self, code: u32) -> bool {
        match self {
            CodeSet::Ranges(ranges) => ranges.iter().any(|&(lo, hi)| lo <= code && code < hi),
            CodeSet::Bits(bits) => bits
                .get(code as usize / 64)
                .is_some_and(|w| w & (1 << (code % 64)) != 0),
        }
    }

    /// The accepted codes, in order.
    fn codes<'a>(&'a self, column: &'a Column) -> Box<dyn Iterator<Item = u32> + 'a> {
        match self {
            CodeSet::Ranges(ranges) => Box::new(ranges.iter().flat_map(|&(lo, hi)| lo..hi)),
            CodeSet::Bits(_) => Box::new((0..column.dict_len()).filter(|&c| self.contains(c))),
        }
    }

    /// How many rows hold an accepted code (exact, from the posting-list starts).
    fn row_count(&self, column: &Column) -> usize {
        match self {
            CodeSet::Ranges(ranges) => ranges
                .iter()
                .map(|&(lo, hi)| column.start(hi) - column.start(lo))
                .sum(),
            CodeSet::Bits(_) => self.codes(column).map(|c| column.count(c)).sum(),
        }
    }
}

/// The order of results: a column (ascending or descending), or row order.
#[derive(Debug, Clone, Copy, Default)]
pub struct Order {
    pub column: Option<usize>,
    pub desc: bool,
}

/// One page of results.
#[derive(Debug)]
pub struct Page {
    /// Row ids in order (at most `size`).
    pub rows: Vec<u32>,
    /// Every row matching the filters (not only this page's).
    pub total: usize,
    /// More rows follow this page.
    pub more: bool,
    /// Every matching row id, when asked for (facets count them).
    pub matches: Option<Vec<u32>>,
}

impl Store {
    /// The codes `filter` accepts; values must parse as the column's type.
    pub fn code_set(&self, filter: &Filter) -> Result<CodeSet, ValueError> {
        let column = &self.columns[filter.column];
        let len = column.dict_len();
        let first = || filter.values.first().map(String::as_str).unwrap_or("");
        let typed = |value: &str| -> Result<(u32, u32), ValueError> {
            let key = match column.kind {
                Kind::Text => super::Key::Text(value),
                kind => super::Key::Num(kind.parse(value).ok_or_else(|| ValueError {
                    value: value.to_string(),
                    expected: kind.expected(),
                })?),
            };
            Ok((column.lower_bound(key, None), column.upper_bound(key)))
        };
        let ranges = match filter.op {
            Op::IsNull => vec![(0, 1)],
            Op::NotNull => vec![(1, len)],
            Op::Exact => {
                let (lo, hi) = typed(first())?;
                vec![(lo, hi)]
            }
            Op::Not => {
                let (lo, hi) = typed(first())?;
                vec![(1, lo), (hi, len)]
            }
            Op::Gt => vec![(typed(first())?.1, len)],
            Op::Gte => vec![(typed(first())?.0, len)],
            Op::Lt => vec![(1, typed(first())?.0)],
            Op::Lte => vec![(1, typed(first())?.1)],
            Op::In => {
                let mut ranges = filter
                    .values
                    .iter()
                    .map(|v| typed(v))
                    .collect::<Result<Vec<_>, _>>()?;
                ranges.sort_unstable();
                if ranges.len() > 16 {
                    // Many values: a bitmap keeps the per-row check O(1).
                    let mut bits = vec![0u64; len as usize / 64 + 1];
                    for code in ranges.into_iter().flat_map(|(lo, hi)| lo..hi) {
                        bits[code as usize / 64] |= 1 << (code % 64);
                    }
                    return Ok(CodeSet::Bits(bits));
                }
                ranges
            }
            Op::Contains | Op::StartsWith => {
                // Case-insensitive in every script (SQLite's LIKE folds ASCII only, which
                // leaves Ukrainian case-sensitive); each distinct value is folded once.
                let needle = first().to_lowercase();
                let mut bits = vec![0u64; len as usize / 64 + 1];
                for code in 1..len {
                    let text = column.text(code).to_lowercase();
                    let hit = if filter.op == Op::Contains {
                        text.contains(&needle)
                    } else {
                        text.starts_with(&needle)
                    };
                    if hit {
                        bits[code as usize / 64] |= 1 << (code % 64);
                    }
                }
                return Ok(CodeSet::Bits(bits));
            }
        };
        Ok(CodeSet::Ranges(
            ranges.into_iter().filter(|(lo, hi)| lo < hi).collect(),
        ))
    }

    /// Whether `row` passes every filter.
    #[inline]
    fn passes(&self, sets: &[(usize, CodeSet)], row: u32) -> bool {
        sets.iter()
            .all(|(column, set)| set.contains(self.columns[*column].code(row)))
    }

    /// The (code, row) position of `row` in `order`.
    #[inline]
    fn position(&self, order: Order, row: u32) -> (u32, i64) {
        match order.column {
            Some(c) => (self.columns[c].code(row), i64::from(row)),
            None => (0, i64::from(row)),
        }
    }

    /// The cursor's position: rows strictly after it (in `order`) come next.
    fn cursor_position(&self, order: Order, cursor: &Cursor) -> (u32, i64) {
        let row = i64::from(cursor.row);
        let Some(c) = order.column else {
            return (0, row);
        };
        let column = &self.columns[c];
        match &cursor.value {
            None => (0, row),
            Some(value) => {
                let code = column.lower_bound(column.kind.key(value), Some(value));
                if code < column.dict_len() && column.text(code) == value {
                    (code, row)
                } else {
                    // The value is gone (the data changed): resume at the next value.
                    (code, -1)
                }
            }
        }
    }

    /// The first `size` rows matching `sets` after `after`, in `order`, and the total.
    pub fn page(
        &self,
        sets: &[(usize, CodeSet)],
        order: Order,
        after: Option<&Cursor>,
        size: usize,
        want_matches: bool,
    ) -> Page {
        let start = after.map(|c| self.cursor_position(order, c));
        let is_after = |pos: (u32, i64)| match start {
            None => true,
            Some(s) if order.desc => pos < s,
            Some(s) => pos > s,
        };
        if sets.is_empty() && !want_matches {
            return self.unfiltered_page(order, start, size);
        }
        if let Some(page) = self.posting_list_page(sets, order, start, size, want_matches) {
            return page;
        }
        let budget = self
            .driving(sets)
            .map_or(self.rows as usize, |(_, rows)| rows);
        if let Some(mut rows) = self.ordered_walk(sets, order, start, size, budget) {
            let (total, matches) = if want_matches {
                let mut matches = Vec::new();
                self.for_each_match(sets, |row| matches.push(row));
                (matches.len(), Some(matches))
            } else {
                (self.count_matches(sets), None)
            };
            let more = rows.len() > size;
            rows.truncate(size);
            return Page {
                rows,
                total,
                more,
                matches,
            };
        }
        let mut total = 0;
        let mut matches = want_matches.then(Vec::new);
        let mut best = TopK::new(size + 1, order.desc);
        self.for_each_match(sets, |row| {
            total += 1;
            if let Some(m) = matches.as_mut() {
                m.push(row);
            }
            let pos = self.position(order, row);
            if is_after(pos) {
                best.offer(pos);
            }
        });
        let mut rows: Vec<u32> = best.into_sorted().into_iter().map(|p| p.1 as u32).collect();
        let more = rows.len() > size;
        rows.truncate(size);
        Page {
            rows,
            total,
            more,
            matches,
        }
    }

    /// The filter matching the fewest rows (its index in `sets`, and that count).
    fn driving(&self, sets: &[(usize, CodeSet)]) -> Option<(usize, usize)> {
        sets.iter()
            .enumerate()
            .map(|(i, (column, set))| (i, set.row_count(&self.columns[*column])))
            .min_by_key(|&(_, rows)| rows)
    }

    /// Calls `visit` with every row passing all of `sets`, in no promised order: the filter
    /// matching the fewest rows drives through its posting lists, the others are checked per
    /// row.
    fn for_each_match(&self, sets: &[(usize, CodeSet)], mut visit: impl FnMut(u32)) {
        let driving = self.driving(sets).map(|(i, _)| i);
        let others: Vec<(usize, CodeSet)> = sets
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != driving)
            .map(|(_, s)| s.clone())
            .collect();
        let mut check = |row: u32| {
            if self.passes(&others, row) {
                visit(row);
            }
        };
        match driving {
            Some(i) => {
                let (c, set) = &sets[i];
                let column = &self.columns[*c];
                for code in set.codes(column) {
                    for p in column.start(code)..column.start(code + 1) {
                        check(column.perm(p));
                    }
                }
            }
            None => (0..self.rows).for_each(check),
        }
    }

    /// How many rows pass all of `sets`. The usual case, where every filter but the driving
    /// one is a single code range, is counted without a branch per row: which rows pass is
    /// random, and mispredicted branches were most of a two-filter page's time.
    fn count_matches(&self, sets: &[(usize, CodeSet)]) -> usize {
        let Some((driving, _)) = self.driving(sets) else {
            return self.rows as usize;
        };
        let mut ranges: Vec<(&Column, u32, u32)> = Vec::with_capacity(sets.len());
        for (i, (c, set)) in sets.iter().enumerate() {
            match set {
                _ if i == driving => {}
                CodeSet::Ranges(r) if r.is_empty() => return 0,
                CodeSet::Ranges(r) if r.len() == 1 => {
                    ranges.push((&self.columns[*c], r[0].0, r[0].1))
                }
                _ => {
                    let mut total = 0;
                    self.for_each_match(sets, |_| total += 1);
                    return total;
                }
            }
        }
        let (c, set) = &sets[driving];
        let column = &self.columns[*c];
        let mut total = 0;
        for code in set.codes(column) {
            for p in column.start(code)..column.start(code + 1) {
                let row = column.perm(p);
                let pass = ranges.iter().fold(true, |pass, &(other, lo, hi)| {
                    let code = other.code(row);
                    pass & (lo <= code) & (code < hi)
                });
                total += usize::from(pass);
            }
        }
        total
    }

    /// A sorted page read off the sort column's own order: walk it from the cursor, keep the
    /// rows that pass, stop after `size + 1`. A filter on the sort column itself narrows the
    /// walk to its codes. When matches are common this visits a few hundred rows where the
    /// heap would rank every match (the two-filter, sorted page); it gives up (`None`) after
    /// `budget` visits, where ranking the smallest filter's rows costs no more.
    fn ordered_walk(
        &self,
        sets: &[(usize, CodeSet)],
        order: Order,
        start: Option<(u32, i64)>,
        size: usize,
        budget: usize,
    ) -> Option<Vec<u32>> {
        let c = order.column?;
        let column = &self.columns[c];
        let (mut from, mut to) = order_bounds(column, order.desc, start, self.rows as usize);
        let mut checks: Vec<&(usize, CodeSet)> = Vec::with_capacity(sets.len());
        for entry in sets {
            match entry {
                (col, CodeSet::Ranges(ranges)) if *col == c && ranges.len() <= 1 => {
                    let (lo, hi) = ranges.first().copied().unwrap_or((0, 0));
                    from = from.max(column.start(lo));
                    to = to.min(column.start(hi));
                }
                _ => checks.push(entry),
            }
        }
        let mut rows = Vec::with_capacity(size + 1);
        for k in 0..to.saturating_sub(from) {
            if k >= budget {
                return None;
            }
            let row = column.perm(if order.desc { to - 1 - k } else { from + k });
            if checks
                .iter()
                .all(|(col, set)| set.contains(self.columns[*col].code(row)))
            {
                rows.push(row);
                if rows.len() > size {
                    break;
                }
            }
        }
        Some(rows)
    }

    /// The common `column=value` page in row order: the value's posting list is already in
    /// row order and its length is the total, so the page costs O(log n + size).
    fn posting_list_page(
        &self,
        sets: &[(usize, CodeSet)],
        order: Order,
        start: Option<(u32, i64)>,
        size: usize,
        want_matches: bool,
    ) -> Option<Page> {
        let [(c, CodeSet::Ranges(ranges))] = sets else {
            return None;
        };
        if want_matches || order.column.is_some() || order.desc || ranges.len() > 1 {
            return None;
        }
        let column = &self.columns[*c];
        let (from, to) = match ranges.first() {
            None => (0, 0),
            Some(&(lo, hi)) if hi == lo + 1 => (column.start(lo), column.start(hi)),
            Some(_) => return None,
        };
        let after = start.map_or(-1, |(_, row)| row);
        let (mut a, mut b) = (from, to);
        while a < b {
            let mid = a + (b - a) / 2;
            if i64::from(column.perm(mid)) <= after {
                a = mid + 1;
            } else {
                b = mid;
            }
        }
        let mut rows: Vec<u32> = (a..to).take(size + 1).map(|i| column.perm(i)).collect();
        let more = rows.len() > size;
        rows.truncate(size);
        Some(Page {
            rows,
            total: to - from,
            more,
            matches: None,
        })
    }

    /// Without filters the column order is already the answer: find the cursor's place in
    /// it by binary search and read `size` rows on.
    fn unfiltered_page(&self, order: Order, start: Option<(u32, i64)>, size: usize) -> Page {
        let n = self.rows as usize;
        let ids: Vec<u32> = match order.column {
            None => {
                let from = start.map_or(0, |(_, r)| (r + 1).max(0) as usize);
                (from..n.min(from.saturating_add(size + 1)))
                    .map(|r| r as u32)
                    .collect()
            }
            Some(c) => {
                let column = &self.columns[c];
                let (from, to) = order_bounds(column, order.desc, start, n);
                if order.desc {
                    (from..to)
                        .rev()
                        .take(size + 1)
                        .map(|i| column.perm(i))
                        .collect()
                } else {
                    (from..to).take(size + 1).map(|i| column.perm(i)).collect()
                }
            }
        };
        let more = ids.len() > size;
        let mut rows = ids;
        rows.truncate(size);
        Page {
            rows,
            total: n,
            more,
            matches: None,
        }
    }

    /// Every row matching `sets`, in `order`, lazily: constant memory whatever the size.
    pub fn scan<'a>(
        &'a self,
        sets: &'a [(usize, CodeSet)],
        order: Order,
    ) -> Box<dyn Iterator<Item = u32> + Send + 'a> {
        let n = self.rows as usize;
        let rows: Box<dyn Iterator<Item = u32> + Send + 'a> = match order.column {
            None => Box::new(0..self.rows),
            Some(c) => {
                let column = &self.columns[c];
                if order.desc {
                    Box::new((0..n).rev().map(move |i| column.perm(i)))
                } else {
                    Box::new((0..n).map(move |i| column.perm(i)))
                }
            }
        };
        Box::new(rows.filter(move |&row| self.passes(sets, row)))
    }

    /// The `limit` most frequent values of `column` among `matches` (all rows when `None`),
    /// as (code, count), most frequent first.
    pub fn facet(&self, column: usize, matches: Option<&[u32]>, limit: usize) -> Vec<(u32, usize)> {
        let column = &self.columns[column];
        let mut counts: Vec<(u32, usize)> = match matches {
            None => (0..column.dict_len())
                .map(|c| (c, column.count(c)))
                .filter(|&(_, n)| n > 0)
                .collect(),
            Some(rows) => {
                let mut counts = vec![0usize; column.dict_len() as usize];
                for &row in rows {
                    counts[column.code(row) as usize] += 1;
                }
                counts
                    .into_iter()
                    .enumerate()
                    .filter(|&(_, n)| n > 0)
                    .map(|(c, n)| (c as u32, n))
                    .collect()
            }
        };
        counts.sort_unstable_by_key(|&(code, n)| (Reverse(n), code));
        counts.truncate(limit);
        counts
    }
}

/// The part of `column`'s order (indices into its permutation, sorted by (code, row)) that
/// comes after the cursor position `start` in the given direction.
fn order_bounds(
    column: &Column,
    desc: bool,
    start: Option<(u32, i64)>,
    n: usize,
) -> (usize, usize) {
    // The index of the first row after (code, row).
    let split = |code: u32, row: i64| -> usize {
        if code >= column.dict_len() {
            return n;
        }
        let (mut a, mut b) = (column.start(code), column.start(code + 1));
        while a < b {
            let mid = a + (b - a) / 2;
            if i64::from(column.perm(mid)) <= row {
                a = mid + 1;
            } else {
                b = mid;
            }
        }
        a
    };
    match start {
        None => (0, n),
        Some((code, row)) if desc => (0, split(code, row - 1)),
        Some((code, row)) => (split(code, row), n),
    }
}

/// The `k` first positions in ascending or descending order, in O(k) memory.
struct TopK {
    k: usize,
    desc: bool,
    /// Ascending: a max-heap of the smallest; descending: a min-heap of the largest.
    asc_heap: BinaryHeap<(u32, i64)>,
    desc_heap: BinaryHeap<Reverse<(u32, i64)>>,
}

impl TopK {
    fn new(k: usize, desc: bool) -> TopK {
        TopK {
            k,
            desc,
            asc_heap: BinaryHeap::new(),
            desc_heap: BinaryHeap::new(),
        }
    }

    #[inline]
    fn offer(&mut self, pos: (u32, i64)) {
        if self.desc {
            if self.desc_heap.len() < self.k {
                self.desc_heap.push(Reverse(pos));
            } else if self.desc_heap.peek().is_some_and(|Reverse(min)| pos > *min) {
                self.desc_heap.pop();
                self.desc_heap.push(Reverse(pos));
            }
        } else if self.asc_heap.len() < self.k {
            self.asc_heap.push(pos);
        } else if self.asc_heap.peek().is_some_and(|max| pos < *max) {
            self.asc_heap.pop();
            self.asc_heap.push(pos);
        }
    }

    fn into_sorted(self) -> Vec<(u32, i64)> {
        if self.desc {
            let mut v: Vec<_> = self.desc_heap.into_iter().map(|Reverse(p)| p).collect();
            v.sort_unstable_by(|a, b| b.cmp(a));
            v
        } else {
            self.asc_heap.into_sorted_vec()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rowstore::write_store;
    use crate::Layout;

    /// A one-resource store: `n` is a number column where "10" and "10.0" are the same value.
    fn store(test: &str) -> Store {
        let dir =
            std::env::temp_dir().join(format!("vidkryto-query-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let layout = Layout::new(&dir);
        std::fs::create_dir_all(layout.dataset_dir("p")).unwrap();
        std::fs::write(
            layout.resource_csv("p", "r"),
            "n,d\n10,2024-02-01\n9.5,\n10.0,2023-12-31\n,2024-01-15\n100,2024-02-01\n",
        )
        .unwrap();
        std::fs::write(
            layout.package_file("p"),
            r#"{"name": "p", "resources": [{"name": "r", "path": "r.csv", "schema": {"fields": [
                {"name": "n", "type": "number"}, {"name": "d", "type": "date"}]}}]}"#,
        )
        .unwrap();
        write_store(&layout, "p").unwrap();
        Store::open(&layout, "p", "r").unwrap()
    }

    /// `(column, op, comma-separated values)` filters as code sets.
    fn code_sets(store: &Store, filters: &[(usize, Op, &str)]) -> Vec<(usize, CodeSet)> {
        filters
            .iter()
            .map(|&(column, op, value)| {
                let filter = Filter {
                    column,
                    op,
                    values: value.split(',').map(str::to_string).collect(),
                };
                (column, store.code_set(&filter).unwrap())
            })
            .collect()
    }

    fn rows(store: &Store, filters: &[(usize, Op, &str)], order: Order) -> Vec<u32> {
        store
            .page(&code_sets(store, filters), order, None, 100, false)
            .rows
    }

    #[test]
    fn typed_filters_and_orders() {
        let store = store("typed");
        let by_row = Order::default();
        assert_eq!(rows(&store, &[(0, Op::Exact, "10")], by_row), [0, 2]);
        assert_eq!(rows(&store, &[(0, Op::Gt, "9.75")], by_row), [0, 2, 4]);
        assert_eq!(
            rows(&store, &[(0, Op::Not, "10")], by_row),
            [1, 4],
            "nulls excluded"
        );
        assert_eq!(rows(&store, &[(0, Op::IsNull, "")], by_row), [3]);
        assert_eq!(rows(&store, &[(1, Op::Lt, "2024-01-20")], by_row), [2, 3]);
        assert_eq!(rows(&store, &[(0, Op::In, "9.5,100")], by_row), [1, 4]);
        let desc = Order {
            column: Some(0),
            desc: true,
        };
        // Descending by value, ties by row id descending, nulls last.
        assert_eq!(rows(&store, &[], desc), [4, 2, 0, 1, 3]);
        assert_eq!(rows(&store, &[(1, Op::NotNull, "")], desc), [4, 2, 0, 3]);
        let bad = Filter {
            column: 1,
            op: Op::Gt,
            values: vec!["31.12.2023".into()],
        };
        assert!(store
            .code_set(&bad)
            .unwrap_err()
            .expected
            .contains("ISO date"));
    }

    #[test]
    fn cursors_resume_after_their_row_in_both_directions() {
        let store = store("cursors");
        for desc in [false, true] {
            let order = Order {
                column: Some(0),
                desc,
            };
            let all = store.page(&[], order, None, 100, false).rows;
            let mut seen: Vec<u32> = Vec::new();
            let mut after: Option<Cursor> = None;
            loop {
                let page = store.page(&[], order, after.as_ref(), 2, false);
                seen.extend(&page.rows);
                let Some(&last) = page.rows.last() else { break };
                if !page.more {
                    break;
                }
                after = Some(Cursor {
                    sort: Some("n".into()),
                    desc,
                    value: store.columns[0].value(last).map(str::to_string),
                    row: last,
                });
            }
            assert_eq!(seen, all, "desc={desc}");
        }
    }

    /// Every page, followed by cursor from the first, lists the same rows as the lazy scan of
    /// the column order, whichever way the page is found (ordered walk or ranked matches).
    #[test]
    fn pages_follow_the_column_order_through_every_filter() {
        let dir = std::env::temp_dir().join(format!("vidkryto-query-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let layout = Layout::new(&dir);
        std::fs::create_dir_all(layout.dataset_dir("p")).unwrap();
        let mut csv = String::from("n,d,k\n");
        for i in 0..400u32 {
            let n = if i % 11 == 0 {
                String::new()
            } else {
                (i * 7 % 23).to_string()
            };
            let d = if i % 13 == 0 {
                String::new()
            } else {
                format!("2024-01-{:02}", 1 + i * 5 % 28)
            };
            csv.push_str(&format!("{n},{d},{}\n", ["a", "b", "c"][(i % 3) as usize]));
        }
        std::fs::write(layout.resource_csv("p", "r"), csv).unwrap();
        std::fs::write(
            layout.package_file("p"),
            r#"{"name": "p", "resources": [{"name": "r", "path": "r.csv", "schema": {"fields": [
                {"name": "n", "type": "integer"}, {"name": "d", "type": "date"},
                {"name": "k", "type": "string"}]}}]}"#,
        )
        .unwrap();
        write_store(&layout, "p").unwrap();
        let store = Store::open(&layout, "p", "r").unwrap();
        let filter_sets: [&[(usize, Op, &str)]; 6] = [
            &[(0, Op::Gte, "5")],
            &[(0, Op::Gte, "5"), (2, Op::Exact, "b")],
            &[(1, Op::Lt, "2024-01-20"), (2, Op::Not, "a")],
            &[(0, Op::In, "1,2,3,20"), (1, Op::NotNull, "")],
            &[(2, Op::Exact, "c"), (0, Op::IsNull, "")],
            &[(0, Op::Gt, "100")],
        ];
        for filters in filter_sets {
            let sets = code_sets(&store, filters);
            for column in [0, 1] {
                for desc in [false, true] {
                    let order = Order {
                        column: Some(column),
                        desc,
                    };
                    let expected: Vec<u32> = store.scan(&sets, order).collect();
                    let mut seen: Vec<u32> = Vec::new();
                    let mut after: Option<Cursor> = None;
                    loop {
                        let page = store.page(&sets, order, after.as_ref(), 7, false);
                        assert_eq!(page.total, expected.len(), "{filters:?} {order:?}");
                        seen.extend(&page.rows);
                        let Some(&last) = page.rows.last() else { break };
                        if !page.more {
                            break;
                        }
                        after = Some(Cursor {
                            sort: Some(["n", "d"][column].into()),
                            desc,
                            value: store.columns[column].value(last).map(str::to_string),
                            row: last,
                        });
                    }
                    assert_eq!(seen, expected, "{filters:?} {order:?}");
                }
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
