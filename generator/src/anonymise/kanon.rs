//! k-anonymity and l-diversity enforcement: given, per row, the key of its equivalence class
//! at every generalisation level and its sensitive value, decides each row's level or its
//! suppression. It sees hashes, never values; computing the values is `engine`'s job.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// A 128-bit hash of a class's quasi-identifier values (two independent SipHashes), so
/// a million classes fit in memory and a collision merging two classes is negligible.
pub type ClassKey = u128;

/// Hashes a tuple of values into a class key (or a sensitive value into its id).
pub fn key_of<'a>(values: impl IntoIterator<Item = &'a str> + Clone) -> ClassKey {
    let half = |salt: u8| {
        let mut h = DefaultHasher::new();
        salt.hash(&mut h);
        for v in values.clone() {
            v.hash(&mut h);
        }
        h.finish()
    };
    (u128::from(half(1)) << 64) | u128::from(half(2))
}

/// What the enforcement needs to know of one row.
#[derive(Debug, Clone)]
pub struct RowKeys {
    /// The class key at each level, finest first.
    pub levels: Vec<ClassKey>,
    /// Hash of the sensitive value; `None` when it is empty.
    pub sensitive: Option<u64>,
    /// The first level the row may use (sensitive categories start at the coarsest).
    pub start: u8,
}

/// Every row's keys in flat arrays, so a million rows cost ~50 bytes each and no allocation
/// apiece.
#[derive(Debug, Clone)]
pub struct Keys {
    levels: usize,
    /// `levels` class keys per row, finest first.
    classes: Vec<ClassKey>,
    sensitive: Vec<Option<u64>>,
    start: Vec<u8>,
}

impl Keys {
    /// An empty table for rows with `levels` generalisation levels.
    pub fn new(levels: usize) -> Keys {
        Keys {
            levels,
            classes: Vec::new(),
            sensitive: Vec::new(),
            start: Vec::new(),
        }
    }

    /// Appends a row; its `levels` must hold one key per level.
    pub fn push(&mut self, row: &RowKeys) {
        let mut levels = row.levels.iter().copied();
        self.classes
            .extend((0..self.levels).map(|_| levels.next().unwrap_or_default()));
        self.sensitive.push(row.sensitive);
        self.start.push(row.start);
    }

    pub fn len(&self) -> usize {
        self.start.len()
    }

    pub fn is_empty(&self) -> bool {
        self.start.is_empty()
    }

    fn class(&self, row: usize, level: usize) -> ClassKey {
        self.classes[row * self.levels + level]
    }
}

/// The size and diversity of one equivalence class.
#[derive(Debug, Clone, Default)]
struct Class {
    rows: u64,
    /// Distinct non-empty sensitive values, up to `l` of them.
    distinct: Vec<u64>,
    has_empty: bool,
}

impl Class {
    fn add(&mut self, sensitive: Option<u64>, l: usize) {
        self.rows += 1;
        match sensitive {
            None => self.has_empty = true,
            Some(s) => {
                if self.distinct.len() < l && !self.distinct.contains(&s) {
                    self.distinct.push(s);
                }
            }
        }
    }

    /// Distinct sensitive values, counting "empty" as one.
    fn diversity(&self) -> usize {
        self.distinct.len() + usize::from(self.has_empty)
    }

    /// k-anonymous and l-diverse. A class whose sensitive values are all empty discloses
    /// nothing about anyone, so it needs only `k`.
    fn passes(&self, k: usize, l: usize) -> bool {
        self.rows >= k as u64 && (self.diversity() >= l || self.distinct.is_empty())
    }
}

/// The outcome: each row's level (`None` = suppressed) and what was achieved.
#[derive(Debug, Clone)]
pub struct Decision {
    pub level: Vec<Option<u8>>,
    /// Published rows per level.
    pub rows_per_level: Vec<u64>,
    /// The smallest published class, at the level it was formed (`None`: nothing published).
    pub k_achieved: Option<u64>,
    /// The least diverse published class, among classes with a non-empty sensitive value.
    pub l_achieved: Option<usize>,
    /// Published equivalence classes, summed over levels.
    pub classes: u64,
}

/// Rows of one class being split, and the level they stand at.
struct Group {
    level: usize,
    rows: Vec<u32>,
}

/// A class's stats over `rows`.
fn class_of(rows: &Keys, members: &[u32], l: usize) -> Class {
    let mut class = Class::default();
    for &i in members {
        class.add(rows.sensitive[i as usize], l);
    }
    class
}

/// Decides levels by top-down local recoding. Every row starts in its class at the coarsest
/// level; a class failing `k`/`l` there is suppressed. A passing class is split into its
/// classes at the next finer level (the hierarchy nests): the children that pass go down
/// and are split in turn; the rest — failing children and rows that may not go finer
/// (sensitive values) — stay at this level as one class. When that remainder fails, the
/// smallest passing children stay back with it until it passes, unless withholding the
/// remainder costs fewer rows than that and the suppression budget (`budget` rows) allows.
pub fn enforce(rows: &Keys, k: usize, l: usize, budget: u64) -> Decision {
    let levels = rows.levels;
    let mut level: Vec<Option<u8>> = vec![None; rows.len()];
    let mut budget = budget;
    let top = levels.saturating_sub(1);
    let mut stack: Vec<Group> = Vec::new();
    if levels > 0 {
        let mut classes: HashMap<ClassKey, Vec<u32>> = HashMap::new();
        for i in 0..rows.len() {
            classes
                .entry(rows.class(i, top))
                .or_default()
                .push(i as u32);
        }
        // Hash-map order differs run to run; the budget is spent in this order, so it is
        // fixed (by each class's first row) to keep the output reproducible.
        let mut classes: Vec<Vec<u32>> = classes.into_values().collect();
        classes.sort_unstable_by_key(|m| std::cmp::Reverse(m[0]));
        for members in classes {
            if class_of(rows, &members, l).passes(k, l) {
                stack.push(Group {
                    level: top,
                    rows: members,
                });
            }
        }
    }
    while let Some(group) = stack.pop() {
        if group.level == 0 {
            for &i in &group.rows {
                level[i as usize] = Some(0);
            }
            continue;
        }
        let child = group.level - 1;
        let mut stay: Vec<u32> = Vec::new();
        let mut children: HashMap<ClassKey, Vec<u32>> = HashMap::new();
        for &i in &group.rows {
            if usize::from(rows.start[i as usize]) <= child {
                children
                    .entry(rows.class(i as usize, child))
                    .or_default()
                    .push(i);
            } else {
                stay.push(i);
            }
        }
        let mut children: Vec<Vec<u32>> = children.into_values().collect();
        children.sort_unstable_by_key(|m| m[0]);
        let mut passing: Vec<Vec<u32>> = Vec::new();
        for members in children {
            if class_of(rows, &members, l).passes(k, l) {
                passing.push(members);
            } else {
                stay.extend(members);
            }
        }
        let remainder = class_of(rows, &stay, l);
        if !stay.is_empty() && !remainder.passes(k, l) {
            // The smallest children first: they cost least to keep back. The remainder's
            // class grows by each child's rows (not recounted from scratch: thousands of
            // small children kept back from a large remainder made this quadratic).
            passing.sort_by_key(|m| std::cmp::Reverse(m.len()));
            let mut kept_back: Vec<Vec<u32>> = Vec::new();
            let mut merged = remainder;
            while !merged.passes(k, l) {
                match passing.pop() {
                    Some(m) => {
                        for &i in &m {
                            merged.add(rows.sensitive[i as usize], l);
                        }
                        kept_back.push(m);
                    }
                    None => break,
                }
            }
            let pulled: usize = kept_back.iter().map(Vec::len).sum();
            // Withholding a row costs it everything; keeping a row back costs it a level
            // (or more: its class might have gone further down).
            let withhold = stay.len() as u64 <= budget && stay.len() * levels <= pulled;
            if withhold {
                budget -= stay.len() as u64;
                passing.extend(kept_back);
                stay.clear();
            } else {
                stay.extend(kept_back.into_iter().flatten());
            }
        }
        for &i in &stay {
            level[i as usize] = Some(group.level as u8);
        }
        for members in passing {
            stack.push(Group {
                level: child,
                rows: members,
            });
        }
    }
    summarise(rows, level, k, l)
}

/// What a decision achieves: rows per level, the smallest class, the least diversity.
fn summarise(rows: &Keys, level: Vec<Option<u8>>, k: usize, l: usize) -> Decision {
    let mut rows_per_level = vec![0; rows.levels];
    let mut classes: HashMap<(u8, ClassKey), Class> = HashMap::new();
    for (i, lv) in level.iter().enumerate() {
        if let Some(lv) = lv {
            rows_per_level[usize::from(*lv)] += 1;
            classes
                .entry((*lv, rows.class(i, usize::from(*lv))))
                .or_default()
                .add(rows.sensitive[i], l);
        }
    }
    let mut k_achieved: Option<u64> = None;
    let mut l_achieved: Option<usize> = None;
    for class in classes.values() {
        debug_assert!(class.passes(k, l));
        k_achieved = Some(k_achieved.map_or(class.rows, |m| m.min(class.rows)));
        if !class.distinct.is_empty() {
            let d = class.diversity();
            l_achieved = Some(l_achieved.map_or(d, |m| m.min(d)));
        }
    }
    Decision {
        level,
        rows_per_level,
        k_achieved,
        l_achieved,
        classes: classes.len() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(l0: &str, l1: &str, sensitive: &str) -> RowKeys {
        RowKeys {
            levels: vec![key_of([l0]), key_of([l1])],
            sensitive: (!sensitive.is_empty()).then(|| key_of([sensitive]) as u64),
            start: 0,
        }
    }

    fn table(rows: &[RowKeys]) -> Keys {
        let mut keys = Keys::new(2);
        for r in rows {
            keys.push(r);
        }
        keys
    }

    #[test]
    fn small_classes_move_up_then_are_suppressed() {
        let mut rows = Vec::new();
        // Five rows in one fine class, two categories: published at level 0.
        for i in 0..5 {
            rows.push(row("a", "A", if i % 2 == 0 { "heat" } else { "roads" }));
        }
        // Three + two rows in fine classes that merge into one coarse class of five.
        for i in 0..3 {
            rows.push(row("b", "B", if i == 0 { "heat" } else { "water" }));
        }
        rows.push(row("c", "B", "heat"));
        rows.push(row("c", "B", "roads"));
        // One lonely row: suppressed.
        rows.push(row("d", "D", "heat"));
        // Five rows, all the same category: not l-diverse, suppressed.
        for _ in 0..5 {
            rows.push(row("e", "E", "violence"));
        }
        let d = enforce(&table(&rows), 5, 2, 0);
        assert_eq!(&d.level[..5], &[Some(0); 5]);
        assert_eq!(&d.level[5..10], &[Some(1); 5]);
        assert_eq!(d.level[10], None);
        assert_eq!(&d.level[11..], &[None; 5]);
        assert_eq!(d.rows_per_level, vec![5, 5]);
        assert_eq!(d.k_achieved, Some(5));
        assert_eq!(d.l_achieved, Some(2));
    }

    #[test]
    fn a_failing_remainder_keeps_back_a_child_or_is_withheld_within_the_budget() {
        let mut rows = Vec::new();
        for child in ["x1", "x2"] {
            for i in 0..6 {
                rows.push(row(child, "X", if i % 2 == 0 { "heat" } else { "roads" }));
            }
        }
        rows.push(row("x3", "X", "heat"));
        rows.push(row("x3", "X", "water"));
        let d = enforce(&table(&rows), 5, 2, 0);
        assert_eq!(d.rows_per_level, vec![6, 8]);
        assert_eq!(d.level.iter().filter(|l| l.is_none()).count(), 0);
        let d = enforce(&table(&rows), 5, 2, 2);
        assert_eq!(d.rows_per_level, vec![12, 0]);
        assert_eq!(&d.level[12..], &[None, None]);
    }

    #[test]
    fn rows_kept_coarse_stay_with_their_parent_class() {
        let mut rows: Vec<RowKeys> = (0..6)
            .map(|i| row("a", "A", if i % 2 == 0 { "heat" } else { "roads" }))
            .collect();
        for _ in 0..5 {
            let mut r = row("a", "A", "violence");
            r.start = 1;
            rows.push(r);
        }
        // Five rows of one category cannot form a class alone: their neighbours stay back.
        let d = enforce(&table(&rows), 5, 2, 0);
        assert_eq!(d.rows_per_level, vec![0, 11]);
    }

    #[test]
    fn classes_with_no_sensitive_value_need_only_k() {
        let rows: Vec<_> = (0..5).map(|_| row("a", "A", "")).collect();
        let d = enforce(&table(&rows), 5, 2, 0);
        assert_eq!(d.level, vec![Some(0); 5]);
        assert_eq!(d.l_achieved, None);
    }
}
