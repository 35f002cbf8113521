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

/// Decides levels: classes failing `k`/`l` at a level move to the next one; after the last
/// level they are suppressed. Each level's classes are formed only by the rows at that level.
pub fn enforce(rows: &Keys, k: usize, l: usize) -> Decision {
    let levels = rows.levels;
    let mut current: Vec<Option<u8>> = rows.start.iter().map(|&s| Some(s)).collect();
    let mut decided = vec![false; rows.len()];
    let mut rows_per_level = vec![0; levels];
    let mut k_achieved: Option<u64> = None;
    let mut l_achieved: Option<usize> = None;
    let mut published_classes = 0;
    for (level, published) in rows_per_level.iter_mut().enumerate() {
        let mut classes: HashMap<ClassKey, Class> = HashMap::new();
        for i in 0..rows.len() {
            if !decided[i] && current[i] == Some(level as u8) {
                classes
                    .entry(rows.class(i, level))
                    .or_default()
                    .add(rows.sensitive[i], l);
            }
        }
        for class in classes.values().filter(|c| c.passes(k, l)) {
            published_classes += 1;
            k_achieved = Some(k_achieved.map_or(class.rows, |m| m.min(class.rows)));
            if !class.distinct.is_empty() {
                let d = class.diversity();
                l_achieved = Some(l_achieved.map_or(d, |m| m.min(d)));
            }
        }
        for i in 0..rows.len() {
            if decided[i] || current[i] != Some(level as u8) {
                continue;
            }
            let passes = classes
                .get(&rows.class(i, level))
                .is_some_and(|c| c.passes(k, l));
            if passes {
                decided[i] = true;
                *published += 1;
            } else if level + 1 < levels {
                current[i] = Some(level as u8 + 1);
            } else {
                decided[i] = true;
                current[i] = None;
            }
        }
    }
    Decision {
        level: current,
        rows_per_level,
        k_achieved,
        l_achieved,
        classes: published_classes,
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
        let d = enforce(&table(&rows), 5, 2);
        assert_eq!(&d.level[..5], &[Some(0); 5]);
        assert_eq!(&d.level[5..10], &[Some(1); 5]);
        assert_eq!(d.level[10], None);
        assert_eq!(&d.level[11..], &[None; 5]);
        assert_eq!(d.rows_per_level, vec![5, 5]);
        assert_eq!(d.k_achieved, Some(5));
        assert_eq!(d.l_achieved, Some(2));
    }

    #[test]
    fn classes_with_no_sensitive_value_need_only_k() {
        let rows: Vec<_> = (0..5).map(|_| row("a", "A", "")).collect();
        let d = enforce(&table(&rows), 5, 2);
        assert_eq!(d.level, vec![Some(0); 5]);
        assert_eq!(d.l_achieved, None);
    }
}
