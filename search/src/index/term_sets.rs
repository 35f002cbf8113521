//! The documents of a frequent term as a bitset, made on first use and kept for the index
//! version. Counting a conjunction of common words (`ремонт даху`: 20 794 of 1 000 000
//! appeals) by leapfrogging posting lists of hundreds of thousands of entries is most of a
//! search's time; with the words' sets it is an AND over one bit per document, or one
//! pass over the rarest word's postings testing a bit per other word.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;
use tantivy::index::SegmentId;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, SegmentReader, Term, TERMINATED};

/// Memory the sets of one index version may take; past it the least recently used go.
const BUDGET_BYTES: usize = 32 << 20;

/// One bit per document of a segment.
pub struct DocBits {
    words: Vec<u64>,
}

impl DocBits {
    fn with_docs(max_doc: DocId) -> DocBits {
        DocBits {
            words: vec![0; (max_doc as usize).div_ceil(64)],
        }
    }

    fn insert(&mut self, doc: DocId) {
        if let Some(word) = self.words.get_mut(doc as usize / 64) {
            *word |= 1 << (doc % 64);
        }
    }

    pub fn contains(&self, doc: DocId) -> bool {
        self.words
            .get(doc as usize / 64)
            .is_some_and(|word| word & (1 << (doc % 64)) != 0)
    }

    /// Calls `found` with each document in every one of `sets`, in order.
    pub fn for_each_in_all(sets: &[&DocBits], found: &mut dyn FnMut(DocId)) {
        let Some((first, rest)) = sets.split_first() else {
            return;
        };
        for (i, &word) in first.words.iter().enumerate() {
            let mut word = rest.iter().fold(word, |acc, set| {
                acc & set.words.get(i).copied().unwrap_or(0)
            });
            while word != 0 {
                found(i as DocId * 64 + word.trailing_zeros());
                word &= word - 1;
            }
        }
    }
}

/// The sets made so far, by segment and term.
pub struct TermSets {
    sets: Mutex<LruCache<(SegmentId, Term), Arc<DocBits>>>,
}

impl TermSets {
    /// Room for as many sets of `max_doc` documents as the budget holds (at least a few).
    pub fn new(max_doc: DocId) -> TermSets {
        let per_set = (max_doc as usize).div_ceil(8).max(1);
        let capacity =
            NonZeroUsize::new((BUDGET_BYTES / per_set).max(8)).unwrap_or(NonZeroUsize::MIN);
        TermSets {
            sets: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// The documents of `reader`'s segment that hold `term`.
    pub fn get(&self, reader: &SegmentReader, term: &Term) -> tantivy::Result<Arc<DocBits>> {
        let key = (reader.segment_id(), term.clone());
        if let Some(set) = self.lock().get(&key) {
            return Ok(set.clone());
        }
        // Made outside the lock: other searches go on meanwhile (two searches may both make
        // one set the first time; the second insert replaces an equal set).
        let mut set = DocBits::with_docs(reader.max_doc());
        walk_postings(reader, term, &mut |doc| set.insert(doc))?;
        let set = Arc::new(set);
        self.lock().put(key, set.clone());
        Ok(set)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<(SegmentId, Term), Arc<DocBits>>> {
        // A panic elsewhere while holding the lock leaves a usable cache: every entry is a
        // finished set.
        self.sets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Calls `found` with each document of `reader`'s segment holding `term`, in order.
pub fn walk_postings(
    reader: &SegmentReader,
    term: &Term,
    found: &mut dyn FnMut(DocId),
) -> tantivy::Result<()> {
    let inverted = reader.inverted_index(term.field())?;
    if let Some(mut postings) = inverted.read_postings(term, IndexRecordOption::Basic)? {
        let mut doc = postings.doc();
        while doc != TERMINATED {
            found(doc);
            doc = postings.advance();
        }
    }
    Ok(())
}
