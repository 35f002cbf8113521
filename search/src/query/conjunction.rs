//! Counting a query of plain words (a conjunction of single terms of `all`) with its facets,
//! through the words' document sets where the words are common (`index::TermSets`).
//! Tantivy leapfrogs the posting lists, seeking each from the other; for two words in
//! hundreds of thousands of documents that is most of a search's time, where an AND over
//! one bit per document, or one pass over the rarest word testing a bit per other, is a
//! fraction of it.

use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{EnableScoring, Query, Weight};
use tantivy::{DocId, Searcher, SegmentReader, Term};

use super::QueryError;
use crate::index::{
    walk_postings, DocBits, FacetCounter, FacetCounts, SegmentFacetCounter, TermSets,
};

/// A rarest word in fewer than 1 / this of a segment's documents: tantivy's own walk, led by
/// its short postings, is as fast, and sets of the other words would not pay their memory.
const SETS_FROM: u64 = 256;
/// A rarest word in at least 1 / this: its own set too, and the count is an AND of words.
const AND_FROM: u64 = 32;

/// The documents matching every one of `terms` (which `query` is the conjunction of),
/// counted with their facet values.
pub(super) fn count(
    searcher: &Searcher,
    counter: &FacetCounter,
    sets: &TermSets,
    terms: &[Term],
    query: &dyn Query,
) -> Result<FacetCounts, QueryError> {
    let mut weight: Option<Box<dyn Weight>> = None;
    let mut fruits = Vec::new();
    for (ordinal, reader) in searcher.segment_readers().iter().enumerate() {
        let mut segment = counter.for_segment(ordinal as u32, reader)?;
        let by_rarity = by_rarity(reader, terms)?;
        match by_rarity.split_first() {
            Some((&(rarest, lead), others))
                if !others.is_empty() && rarest * SETS_FROM >= u64::from(reader.max_doc()) =>
            {
                let others = others
                    .iter()
                    .map(|(_, term)| sets.get(reader, term))
                    .collect::<tantivy::Result<Vec<_>>>()?;
                let lead_set = if rarest * AND_FROM >= u64::from(reader.max_doc()) {
                    Some(sets.get(reader, lead)?)
                } else {
                    None
                };
                count_with_sets(reader, lead, lead_set, &others, &mut segment)?;
            }
            _ => {
                if weight.is_none() {
                    weight = Some(query.weight(EnableScoring::disabled_from_searcher(searcher))?);
                }
                if let Some(weight) = &weight {
                    weight.for_each_no_score(reader, &mut |docs| segment.collect_block(docs))?;
                }
            }
        }
        fruits.push(segment.harvest());
    }
    Ok(counter.merge_fruits(fruits)?)
}

/// `terms` with the number of `reader`'s documents holding each, rarest first, once each.
fn by_rarity<'t>(
    reader: &SegmentReader,
    terms: &'t [Term],
) -> tantivy::Result<Vec<(u64, &'t Term)>> {
    let mut found = Vec::with_capacity(terms.len());
    for term in terms {
        if found.iter().any(|(_, seen)| *seen == term) {
            continue;
        }
        let documents = reader.inverted_index(term.field())?.doc_freq(term)?;
        found.push((u64::from(documents), term));
    }
    found.sort_by_key(|(documents, _)| *documents);
    Ok(found)
}

/// Counts the documents of `lead` (by its set when it has one, else its postings) that are
/// in every one of `others` and not deleted.
fn count_with_sets(
    reader: &SegmentReader,
    lead: &Term,
    lead_set: Option<Arc<DocBits>>,
    others: &[Arc<DocBits>],
    segment: &mut SegmentFacetCounter,
) -> tantivy::Result<()> {
    let alive = reader.alive_bitset();
    let mut block: Vec<DocId> = Vec::with_capacity(BLOCK);
    let mut keep = |doc: DocId| {
        if alive.is_none_or(|alive| alive.is_alive(doc)) {
            block.push(doc);
            if block.len() == BLOCK {
                segment.collect_block(&block);
                block.clear();
            }
        }
    };
    match lead_set {
        Some(lead_set) => {
            let all: Vec<&DocBits> = std::iter::once(&*lead_set)
                .chain(others.iter().map(|set| &**set))
                .collect();
            DocBits::for_each_in_all(&all, &mut keep);
        }
        None => walk_postings(reader, lead, &mut |doc| {
            if others.iter().all(|set| set.contains(doc)) {
                keep(doc);
            }
        })?,
    }
    if !block.is_empty() {
        segment.collect_block(&block);
    }
    Ok(())
}

/// Documents handed to the facet counter at once.
const BLOCK: usize = 512;
