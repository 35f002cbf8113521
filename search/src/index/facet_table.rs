//! Every document's facet values, decoded once per index version, and the collector that
//! counts them over a result. Counting through tantivy's `FacetCollector` walks each facet
//! column's index for every hit (one walk per facet, seven facets): on a broad query that was
//! most of the request's time. Here a hit costs one row of a table held in memory.
//! Not for: filtering by facet (the facet fields' terms do that, see `query`).

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use super::schema::FACETS;

const FACET_COUNT: usize = FACETS.len();

/// One cell of the table: 0 for no value, [`Cell::SEVERAL`] for several values (listed in
/// `SegmentFacets::several`), otherwise the value's position in `values[facet]` plus one.
/// Cells are as narrow as the segment's facets allow: with a hit's row one random read, a
/// million documents' table (7 MB of bytes) staying in the CPU cache is what makes it fast.
trait Cell: Copy + Eq + Send + Sync + 'static {
    const NONE: Self;
    const SEVERAL: Self;
    fn from_position(position: u32) -> Self;
    fn position(self) -> usize;
}

impl Cell for u8 {
    const NONE: u8 = 0;
    const SEVERAL: u8 = u8::MAX;
    fn from_position(position: u32) -> u8 {
        position as u8
    }
    fn position(self) -> usize {
        self as usize
    }
}

impl Cell for u32 {
    const NONE: u32 = 0;
    const SEVERAL: u32 = u32::MAX;
    fn from_position(position: u32) -> u32 {
        position
    }
    fn position(self) -> usize {
        self as usize
    }
}

/// Per document, per facet: a [`Cell`].
enum Rows {
    Narrow(Vec<[u8; FACET_COUNT]>),
    Wide(Vec<[u32; FACET_COUNT]>),
}

/// The facet values of one segment's documents.
struct SegmentFacets {
    id: SegmentId,
    rows: Rows,
    /// Documents with several values of a facet (a dataset covering several years): positions.
    several: HashMap<(DocId, usize), Vec<u32>>,
    /// Per facet: the values, indexed by position − 1.
    values: [Vec<String>; FACET_COUNT],
}

/// The facet values of every document of one index version.
pub struct FacetTable {
    segments: Vec<Arc<SegmentFacets>>,
}

impl std::fmt::Debug for FacetTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FacetTable")
            .field("segments", &self.segments.len())
            .finish()
    }
}

impl FacetTable {
    /// Decodes the facet columns of every segment `searcher` sees.
    pub fn load(searcher: &Searcher) -> tantivy::Result<FacetTable> {
        let segments = searcher
            .segment_readers()
            .iter()
            .map(|reader| SegmentFacets::load(reader).map(Arc::new))
            .collect::<tantivy::Result<_>>()?;
        Ok(FacetTable { segments })
    }

    fn segment(&self, id: SegmentId) -> Option<Arc<SegmentFacets>> {
        self.segments.iter().find(|s| s.id == id).cloned()
    }
}

impl SegmentFacets {
    fn load(reader: &SegmentReader) -> tantivy::Result<SegmentFacets> {
        let mut columns = Vec::with_capacity(FACET_COUNT);
        let mut values: [Vec<String>; FACET_COUNT] = Default::default();
        for (slot, name) in FACETS.iter().enumerate() {
            let column = reader.facet_reader(name)?;
            // Term ordinal → position (0 for the root facet, which is no value).
            let mut facet = Facet::root();
            let mut positions = Vec::with_capacity(column.num_facets());
            for ord in 0..column.num_facets() as u64 {
                column.facet_from_ord(ord, &mut facet)?;
                match facet.to_path().last() {
                    Some(value) => {
                        values[slot].push((*value).to_string());
                        positions.push(values[slot].len() as u32);
                    }
                    None => positions.push(0),
                }
            }
            columns.push((column, positions));
        }
        let widest = values.iter().map(Vec::len).max().unwrap_or(0);
        let mut several = HashMap::new();
        let mut fill = |doc: DocId, slot: usize| -> Found {
            let (column, positions) = &columns[slot];
            let mut found = column
                .facet_ords(doc)
                .filter_map(|ord| positions.get(ord as usize).copied())
                .filter(|&p| p != 0);
            let Some(first) = found.next() else {
                return Found::Nothing;
            };
            match found.next() {
                None => Found::One(first),
                Some(second) => {
                    let mut all = vec![first, second];
                    all.extend(found);
                    several.insert((doc, slot), all);
                    Found::Several
                }
            }
        };
        let max_doc = reader.max_doc();
        let rows = if widest < u8::MAX as usize {
            Rows::Narrow(decode_rows(max_doc, &mut fill))
        } else {
            Rows::Wide(decode_rows(max_doc, &mut fill))
        };
        Ok(SegmentFacets {
            id: reader.segment_id(),
            rows,
            several,
            values,
        })
    }
}

/// What a document has for one facet.
enum Found {
    Nothing,
    One(u32),
    /// Several values, recorded in `SegmentFacets::several` by whoever found them.
    Several,
}

/// The table rows of `max_doc` documents from `found(doc, facet)`.
fn decode_rows<C: Cell>(
    max_doc: DocId,
    found: &mut impl FnMut(DocId, usize) -> Found,
) -> Vec<[C; FACET_COUNT]> {
    (0..max_doc)
        .map(|doc| {
            std::array::from_fn(|slot| match found(doc, slot) {
                Found::Nothing => C::NONE,
                Found::One(position) => C::from_position(position),
                Found::Several => C::SEVERAL,
            })
        })
        .collect()
}

/// Counts of every facet value over the documents collected, with the number of documents.
#[derive(Debug, Clone, Default)]
pub struct FacetCounts {
    pub documents: u64,
    /// Per facet in [`FACETS`] order: value → documents.
    pub counts: [HashMap<String, u64>; FACET_COUNT],
}

/// A collector of [`FacetCounts`], reading the table of the index version searched.
pub struct FacetCounter {
    pub table: Arc<FacetTable>,
}

/// One segment's counts, by value position.
pub struct SegmentFacetCounter {
    segment: Option<Arc<SegmentFacets>>,
    documents: u64,
    counts: [Vec<u64>; FACET_COUNT],
    /// Documents collected but not yet counted. Each document's row is a cache miss (matches
    /// are scattered over the table); counted one by one between the scorer's steps they
    /// wait on memory one at a time, counted in a batch the misses overlap.
    pending: Vec<DocId>,
}

/// Documents counted at once: enough for the processor to overlap their rows' misses.
const BATCH: usize = 256;

impl SegmentFacetCounter {
    fn count_pending(&mut self) {
        let Some(segment) = self.segment.as_deref() else {
            self.pending.clear();
            return;
        };
        match &segment.rows {
            Rows::Narrow(rows) => count_docs(&mut self.counts, segment, rows, &self.pending),
            Rows::Wide(rows) => count_docs(&mut self.counts, segment, rows, &self.pending),
        }
        self.pending.clear();
    }
}

impl Collector for FacetCounter {
    type Fruit = FacetCounts;
    type Child = SegmentFacetCounter;

    fn for_segment(
        &self,
        _segment_local_id: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounter> {
        let segment = self.table.segment(reader.segment_id());
        let counts = std::array::from_fn(|slot| {
            vec![0; segment.as_ref().map_or(0, |s| s.values[slot].len() + 1)]
        });
        Ok(SegmentFacetCounter {
            segment,
            documents: 0,
            counts,
            pending: Vec::with_capacity(BATCH),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFacetCounter>) -> tantivy::Result<FacetCounts> {
        let mut merged = FacetCounts::default();
        for fruit in fruits {
            merged.documents += fruit.documents;
            let Some(segment) = fruit.segment else {
                continue;
            };
            for (slot, counts) in fruit.counts.iter().enumerate() {
                for (position, &count) in counts.iter().enumerate().skip(1) {
                    if count > 0 {
                        let value = segment.values[slot][position - 1].clone();
                        *merged.counts[slot].entry(value).or_insert(0) += count;
                    }
                }
            }
        }
        Ok(merged)
    }
}

fn count_docs<C: Cell>(
    counts: &mut [Vec<u64>; FACET_COUNT],
    segment: &SegmentFacets,
    rows: &[[C; FACET_COUNT]],
    docs: &[DocId],
) {
    for (i, &doc) in docs.iter().enumerate() {
        // Half the counting time was the wait for each row: ask for the row a few
        // documents ahead while this one is counted.
        if let Some(&ahead) = docs.get(i + PREFETCH_AHEAD) {
            prefetch(rows, ahead);
        }
        if let Some(row) = rows.get(doc as usize) {
            count_row(counts, segment, doc, row);
        }
    }
}

/// How many documents ahead a row is asked for: enough to cover a miss to memory (~80 ns)
/// at a few nanoseconds a row.
const PREFETCH_AHEAD: usize = 16;

/// Starts loading `rows[doc]` into the cache without waiting for it.
#[inline(always)]
fn prefetch<T>(rows: &[T], doc: DocId) {
    #[cfg(target_arch = "x86_64")]
    if let Some(row) = rows.get(doc as usize) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE is part of every x86_64 target, and a prefetch only hints the cache:
        // it reads nothing back and never faults (the pointer comes from a live reference).
        unsafe { _mm_prefetch::<_MM_HINT_T0>((row as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (rows, doc);
}

fn count_row<C: Cell>(
    counts: &mut [Vec<u64>; FACET_COUNT],
    segment: &SegmentFacets,
    doc: DocId,
    row: &[C; FACET_COUNT],
) {
    for (slot, &cell) in row.iter().enumerate() {
        if cell == C::NONE {
            continue;
        }
        if cell == C::SEVERAL {
            for &position in segment.several.get(&(doc, slot)).into_iter().flatten() {
                counts[slot][position as usize] += 1;
            }
        } else {
            counts[slot][cell.position()] += 1;
        }
    }
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = SegmentFacetCounter;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.documents += 1;
        self.pending.push(doc);
        if self.pending.len() == BATCH {
            self.count_pending();
        }
    }

    // Counting without scores (the search's counting walk) hands matches over in blocks.
    fn collect_block(&mut self, docs: &[DocId]) {
        self.documents += docs.len() as u64;
        self.pending.extend_from_slice(docs);
        if self.pending.len() >= BATCH {
            self.count_pending();
        }
    }

    fn harvest(mut self) -> SegmentFacetCounter {
        self.count_pending();
        self
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::FacetCollector;
    use tantivy::query::AllQuery;
    use tantivy::{Index, IndexWriter, TantivyDocument};

    use super::*;
    use crate::index::schema::{facet_value, schema};

    /// The table's counts equal tantivy's own `FacetCollector` counts, for documents with no,
    /// one and several values of a facet, over several segments.
    #[test]
    fn counts_agree_with_tantivys_facet_collector() {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        crate::index::build::register_analyzers(&index);
        let mut writer: IndexWriter<TantivyDocument> = index.writer(15_000_000).unwrap();
        let districts = ["Оболонський", "Печерський", "Солом'янський"];
        for segment in 0..2 {
            for i in 0..300u32 {
                let mut doc = TantivyDocument::default();
                doc.add_facet(
                    fields.facets[0],
                    facet_value(["appeal", "dataset"][i as usize % 2]),
                );
                for year in 0..(i % 3) {
                    doc.add_facet(fields.facets[1], facet_value(&(2020 + year).to_string()));
                }
                if i % 5 != 0 {
                    doc.add_facet(fields.facets[2], facet_value(districts[i as usize % 3]));
                }
                doc.add_facet(
                    fields.facets[3],
                    facet_value(&format!("c{}", i % (100 + segment * 300))),
                );
                writer.add_document(doc).unwrap();
            }
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let table = Arc::new(FacetTable::load(&searcher).unwrap());
        let counted = searcher.search(&AllQuery, &FacetCounter { table }).unwrap();
        assert_eq!(counted.documents, 600);
        for (slot, name) in FACETS.iter().enumerate() {
            let mut collector = FacetCollector::for_field(*name);
            collector.add_facet(Facet::root());
            let expected: HashMap<String, u64> = searcher
                .search(&AllQuery, &collector)
                .unwrap()
                .get(Facet::root())
                .map(|(facet, count)| (facet.to_path()[0].to_string(), count))
                .collect();
            assert_eq!(counted.counts[slot], expected, "facet {name}");
        }
        assert_eq!(counted.counts[1]["2020"], 400);
        assert_eq!(counted.counts[3].len(), 300);
    }
}
