//! Search over the index: the request and response types (shared by `/api/v1/search` and the
//! CKAN `package_search` implementation), validation of what a caller may ask (length, terms,
//! prefix expansions: the work budget), and running a query with facet counts over the whole
//! result; typo-tolerant matching only when asked (`fuzzy`), otherwise offered as
//! suggestions when exact matching finds too little. Not for: HTTP parameters (see
//! `server::search`).

mod budget;
mod build;
mod conjunction;
mod cursor;
mod deadline;
mod parse;
mod suggest;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use std::sync::Arc;

use tantivy::collector::TopDocs;
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Searcher, TantivyDocument, Term};

pub use budget::{MAX_EXPANSIONS, MAX_TERMS};
pub use cursor::{fingerprint, CursorError, CursorKey};
pub use parse::{parse, Atom, Parsed, SyntaxError};
pub use suggest::Suggestion;

use crate::index::{FacetCounter, FacetTable, LoadedIndex, SearchIndex, TermSets, FACETS};
use build::QueryBuilder;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;
/// Hits per page: the default and the maximum a request is clamped to.
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
/// Paging stops here: deeper pages cost more than any reader needs.
pub const MAX_OFFSET: usize = 10_000;
/// Fewer exact hits than this and spelling suggestions are looked for.
pub const FUZZY_BELOW: u64 = 3;
/// Facet values listed per facet, most frequent first.
pub const MAX_FACET_VALUES: usize = 50;
const SNIPPET_CHARS: usize = 240;

/// What to search for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchRequest {
    /// The user's query; empty means everything (filters still apply).
    pub q: String,
    /// `(facet, value)` pairs: values of one facet are alternatives, facets combine with AND.
    pub filters: Vec<(String, String)>,
    /// Hits to return, clamped to `1..=MAX_LIMIT`.
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// Typo-tolerant matching of every word (opt-in; by default typos get suggestions).
    pub fuzzy: bool,
    /// When the search must give up (`QueryError::TimedOut`) rather than run on; none: no limit.
    pub deadline: Option<std::time::Instant>,
}

impl SearchRequest {
    pub fn new(q: impl Into<String>) -> SearchRequest {
        SearchRequest {
            q: q.into(),
            filters: Vec::new(),
            limit: DEFAULT_LIMIT,
            offset: 0,
            fuzzy: false,
            deadline: None,
        }
    }

    /// Adds a filter: `type` = `dataset`, `year` = `2024`, …
    pub fn filter(mut self, facet: impl Into<String>, value: impl Into<String>) -> SearchRequest {
        self.filters.push((facet.into(), value.into()));
        self
    }

    /// Identifies the result list (not the page) within one index version, for cursors.
    pub fn fingerprint(&self, version: &str) -> u64 {
        let mut filters: Vec<String> = self
            .filters
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        filters.sort();
        let fuzzy = if self.fuzzy { "fuzzy" } else { "exact" };
        let mut parts = vec![version, fuzzy, self.q.as_str()];
        parts.extend(filters.iter().map(String::as_str));
        fingerprint(&parts)
    }
}

/// One hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    #[serde(rename = "type")]
    pub doc_type: String,
    pub id: String,
    pub title: String,
    /// HTML: the text escaped, matched words in `<b>`.
    pub snippet: String,
    /// The site page that shows the hit.
    pub url: String,
    pub score: f32,
}

/// Counts of one facet value over the whole result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// Facet counts in [`FACETS`] order, serialised as `{"type": [...], "year": [...], …}`.
#[derive(Debug, Clone, Default)]
pub struct Facets(pub Vec<(String, Vec<FacetCount>)>);

impl Facets {
    pub fn get(&self, facet: &str) -> Option<&[FacetCount]> {
        self.0
            .iter()
            .find(|(name, _)| name == facet)
            .map(|(_, v)| v.as_slice())
    }
}

impl Serialize for Facets {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, counts) in &self.0 {
            map.serialize_entry(name, counts)?;
        }
        map.end()
    }
}

/// The result of a search.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResponse {
    /// Hits in the whole result.
    pub total: u64,
    /// The page size used (after clamping).
    pub limit: usize,
    pub offset: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// True when typo-tolerant matching was used (asked for with `fuzzy`).
    pub fuzzy: bool,
    /// When exact matching found fewer than [`FUZZY_BELOW`] hits: the query with a misspelt
    /// word corrected to one the index holds, and its exact hit count; otherwise empty.
    pub suggestions: Vec<Suggestion>,
    /// The index version that answered.
    #[serde(skip)]
    pub version: String,
}

impl SearchResponse {
    /// The offset of the next page, if there is one this service pages to.
    pub fn next_offset(&self) -> Option<usize> {
        let next = self.offset + self.hits.len();
        (!self.hits.is_empty() && (next as u64) < self.total && next <= MAX_OFFSET).then_some(next)
    }
}

/// Why a search cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("the query is {len} characters long; the limit is {max}")]
    TooLong { len: usize, max: usize },
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
    #[error("the query has no words to search for (only punctuation or operators)")]
    NoWords,
    #[error("the query has {count} different words, phrases or prefixes; the limit is {max}: search for fewer")]
    TooManyTerms { count: usize, max: usize },
    #[error("the prefix `{prefix}*` matches more than {max} indexed words; type more letters before the `*`")]
    TooManyExpansions { prefix: String, max: usize },
    #[error("unknown facet `{0}`")]
    UnknownFacet(String),
    #[error("`year` must be a year such as 2024, not `{0}`")]
    BadYear(String),
    #[error(
        "offset {offset} is past the deepest page served ({max}); narrow the search with filters"
    )]
    TooDeep { offset: usize, max: usize },
    #[error("this build has no search index yet; run `vidkryto build`")]
    NoIndex,
    #[error("the search failed in the index")]
    Index(#[from] tantivy::TantivyError),
    #[error("the search ran past its time limit and was stopped")]
    TimedOut,
    #[error("{0}")]
    FacetTable(String),
}

impl QueryError {
    /// The request parameter at fault, for the API's error body.
    pub fn parameter(&self) -> Option<&str> {
        match self {
            QueryError::TooLong { .. }
            | QueryError::Syntax(_)
            | QueryError::NoWords
            | QueryError::TooManyTerms { .. }
            | QueryError::TooManyExpansions { .. } => Some("q"),
            QueryError::UnknownFacet(name) => Some(name),
            QueryError::BadYear(_) => Some("year"),
            QueryError::TooDeep { .. } => Some("cursor"),
            QueryError::TimedOut => Some("q"),
            QueryError::NoIndex | QueryError::Index(_) | QueryError::FacetTable(_) => None,
        }
    }
}

impl SearchIndex {
    /// Searches the current index version.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, QueryError> {
        self.current().ok_or(QueryError::NoIndex)?.search(request)
    }
}

impl LoadedIndex {
    /// Runs `request` against this index version.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, QueryError> {
        let len = request.q.chars().count();
        if len > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong {
                len,
                max: MAX_QUERY_CHARS,
            });
        }
        if request.offset > MAX_OFFSET {
            return Err(QueryError::TooDeep {
                offset: request.offset,
                max: MAX_OFFSET,
            });
        }
        let limit = request.limit.clamp(1, MAX_LIMIT);
        let filter = self.filter_query(&request.filters)?;
        let mut parsed = parse(&request.q)?;
        budget::dedupe(&mut parsed);
        let searcher = self.reader.searcher();
        budget::check(&searcher, &self.fields, &parsed)?;
        let facet_table = self.facet_table().map_err(QueryError::FacetTable)?;

        let mut builder = QueryBuilder::new(self.fields, request.fuzzy);
        let walks = match builder.conjunction(&parsed) {
            Some(terms) if filter.is_none() => Walks::Two(terms),
            _ => Walks::One,
        };
        let text = builder.text_query(&parsed);
        if text.is_none() && !request.q.trim().is_empty() {
            return Err(QueryError::NoWords);
        }
        let text = text.unwrap_or_else(|| Box::new(AllQuery));
        let query = with_filter(text, filter.as_deref());
        let bounded = request
            .deadline
            .map(|until| deadline::Deadline::new(&*query, until));
        let searched: &dyn Query = match &bounded {
            Some(bounded) => bounded,
            None => &*query,
        };
        let page = run(
            &searcher,
            &facet_table,
            &self.term_sets,
            searched,
            limit,
            request.offset,
            walks,
        )?;
        if bounded.as_ref().is_some_and(deadline::Deadline::expired) {
            return Err(QueryError::TimedOut);
        }
        let suggestions = if page.total < FUZZY_BELOW && !request.fuzzy {
            suggest::suggest(
                &searcher,
                &self.fields,
                &request.q,
                &parsed,
                filter.as_deref(),
                page.total,
            )?
        } else {
            Vec::new()
        };
        let hits = self.hits(&searcher, &*query, &page.docs)?;
        Ok(SearchResponse {
            total: page.total,
            limit,
            offset: request.offset,
            hits,
            facets: page.facets,
            fuzzy: request.fuzzy,
            suggestions,
            version: self.version.clone(),
        })
    }

    /// The filters as one query: values of a facet OR-ed, facets AND-ed.
    fn filter_query(
        &self,
        filters: &[(String, String)],
    ) -> Result<Option<Box<dyn Query>>, QueryError> {
        let mut by_facet: Vec<(tantivy::schema::Field, Vec<String>)> = Vec::new();
        for (name, value) in filters {
            let field = self
                .fields
                .facet(name)
                .ok_or_else(|| QueryError::UnknownFacet(name.clone()))?;
            if name == "year" && value.trim().parse::<i64>().is_err() {
                return Err(QueryError::BadYear(value.clone()));
            }
            let value = value.trim().to_string();
            match by_facet.iter_mut().find(|(f, _)| *f == field) {
                Some((_, values)) => values.push(value),
                None => by_facet.push((field, vec![value])),
            }
        }
        if by_facet.is_empty() {
            return Ok(None);
        }
        let clauses = by_facet
            .into_iter()
            .map(|(field, values)| {
                let alternatives: Vec<(Occur, Box<dyn Query>)> = values
                    .iter()
                    .map(|v| {
                        let term = Term::from_facet(field, &Facet::from_path([v.as_str()]));
                        let query: Box<dyn Query> =
                            Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                        (Occur::Should, query)
                    })
                    .collect();
                let any: Box<dyn Query> = Box::new(BooleanQuery::new(alternatives));
                (Occur::Must, any)
            })
            .collect();
        Ok(Some(Box::new(BooleanQuery::new(clauses))))
    }

    /// Highlights in the body the words the query matches there: its body terms and its
    /// `all` terms, which stand for a word in the title or the body.
    fn snippet_generator(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
    ) -> Result<SnippetGenerator, QueryError> {
        let (body, all) = (self.fields.body, self.fields.all);
        let mut words = std::collections::BTreeSet::new();
        query.query_terms(&mut |term, _| {
            if term.field() == body || term.field() == all {
                words.extend(term.value().as_str().map(str::to_string));
            }
        });
        let mut weights = std::collections::BTreeMap::new();
        for word in words {
            let found_in = searcher.doc_freq(&Term::from_field_text(body, &word))?;
            if found_in > 0 {
                // Rarer words are the better snippet, as tantivy's own generator weighs them.
                weights.insert(word, 1.0 / (1.0 + found_in as f32));
            }
        }
        let tokenizer = searcher.index().tokenizer_for_field(body)?;
        Ok(SnippetGenerator::new(
            weights,
            tokenizer,
            body,
            SNIPPET_CHARS,
        ))
    }

    fn hits(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        docs: &[(f32, tantivy::DocAddress)],
    ) -> Result<Vec<Hit>, QueryError> {
        let snippets = self.snippet_generator(searcher, query)?;
        let fields = &self.fields;
        let hits: Vec<Hit> = docs
            .iter()
            .map(|&(score, address)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                let text = |field| {
                    doc.get_first(field)
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string()
                };
                let snippet = snippets.snippet_from_doc(&doc);
                let snippet = if snippet.is_empty() {
                    escape_html(&leading_chars(&text(fields.body), SNIPPET_CHARS))
                } else {
                    snippet.to_html()
                };
                Ok(Hit {
                    doc_type: text(fields.kind),
                    id: text(fields.id),
                    title: text(fields.title),
                    snippet,
                    url: text(fields.url),
                    score,
                })
            })
            .collect::<Result<_, QueryError>>()?;
        // One thing is listed once, even from an index built before rows of one thing were
        // merged into one document (`index::build`).
        let mut seen = std::collections::HashSet::new();
        Ok(hits
            .into_iter()
            .filter(|hit| seen.insert((hit.doc_type.clone(), hit.id.clone())))
            .collect())
    }
}

/// Filters narrow the result without changing its ranking.
pub(crate) fn with_filter(text: Box<dyn Query>, filter: Option<&dyn Query>) -> Box<dyn Query> {
    match filter {
        None => text,
        Some(filter) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, text),
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(filter.box_clone(), 0.0)),
            ),
        ])),
    }
}

struct Page {
    total: u64,
    docs: Vec<(f32, tantivy::DocAddress)>,
    facets: Facets,
}

/// How the result is counted and ranked.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Walks {
    /// One walk feeds the ranking and the facet counter: every match is scored.
    One,
    /// The count and facets need every match but no score, the page needs scores only of
    /// matches that can reach it: apart, the count is taken from the words' document sets
    /// (`conjunction::count`) and the ranking walk is block-max WAND, which skips the blocks
    /// whose best possible score cannot enter the page. Only for a conjunction of these
    /// terms (see `QueryBuilder::conjunction`), where tantivy prunes; elsewhere the second
    /// walk is pure cost.
    Two(Vec<Term>),
}

fn run(
    searcher: &Searcher,
    facet_table: &Arc<FacetTable>,
    term_sets: &TermSets,
    query: &dyn Query,
    limit: usize,
    offset: usize,
    walks: Walks,
) -> Result<Page, QueryError> {
    let counter = FacetCounter {
        table: facet_table.clone(),
    };
    let top = TopDocs::with_limit(limit)
        .and_offset(offset)
        .order_by_score();
    let (docs, counted) = match walks {
        Walks::One => searcher.search(query, &(top, counter))?,
        Walks::Two(terms) => {
            let counted = conjunction::count(searcher, &counter, term_sets, &terms, query)?;
            (searcher.search(query, &top)?, counted)
        }
    };
    let facets = FACETS
        .iter()
        .zip(counted.counts)
        .map(|(name, counts)| {
            let mut values: Vec<FacetCount> = counts
                .into_iter()
                .map(|(value, count)| FacetCount { value, count })
                .collect();
            values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            values.truncate(MAX_FACET_VALUES);
            (name.to_string(), values)
        })
        .collect();
    Ok(Page {
        total: counted.documents,
        docs,
        facets: Facets(facets),
    })
}

fn leading_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use tantivy::{Index, IndexWriter};

    use super::*;
    use crate::index::{add_text, facet_value, register_analyzers, schema};

    /// Counting and ranking in two walks (block-max WAND for the page) gives the page, the
    /// total and the facets of one walk doing both — for words in titles and bodies or only
    /// in bodies, common and rare, over several segments, with ties, on every page; and the
    /// queries it does not prune, in one walk, give the same too.
    #[test]
    fn ranking_apart_from_counting_gives_the_same_page() {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        register_analyzers(&index);
        let mut writer: IndexWriter<TantivyDocument> = index.writer(50_000_000).unwrap();
        let words = [
            "ремонт",
            "даху",
            "дах",
            "освітлення",
            "дорога",
            "сміття",
            "ліфт",
            "вода",
            "тепло",
            "парк",
        ];
        // A fixed sequence (xorshift), so a failure can be replayed.
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below as u64) as usize
        };
        for segment in 0..3 {
            for i in 0..4000 {
                let mut body: Vec<&str> = (0..1 + next(11))
                    .map(|_| words[next(words.len()) % (3 + next(8))])
                    .collect();
                // A word in 1 % of documents (counted walking its postings against the other
                // word's set) and one in two (counted by tantivy's own walk).
                if i % 97 == 0 {
                    body.extend(["рідкісне", "ремонт"]);
                }
                if i == 5 || i == 1234 {
                    body.extend(["унікальне", "ремонт"]);
                }
                let mut doc = TantivyDocument::default();
                doc.add_text(fields.kind, "appeal");
                doc.add_text(fields.id, format!("{segment}-{i}"));
                // Only the first five words are ever in a title.
                add_text(&mut doc, &fields, words[(i * 7) % 5], &body.join(" "));
                doc.add_facet(fields.facets[0], facet_value("appeal"));
                doc.add_facet(fields.facets[2], facet_value(words[i % 4]));
                writer.add_document(doc).unwrap();
            }
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        assert!(searcher.segment_readers().len() >= 3);
        let table = Arc::new(FacetTable::load(&searcher).unwrap());
        let sets = TermSets::new(4000);
        for q in [
            "рідкісне ремонт",
            "унікальне ремонт",
            "ремонт даху",
            "дах",
            "освітлення дорога",
            "парк",
            "тепло OR вода",
            "ліфт -вода",
            "сміття ліфт",
            "ліфт парк тепло",
        ] {
            let parsed = parse(q).unwrap();
            let mut builder = QueryBuilder::new(fields, false);
            // Plain words, all required: the queries tantivy prunes and the sets count.
            let walks = builder.conjunction(&parsed).map_or(Walks::One, Walks::Two);
            let prunable = !q.contains(" OR ") && !q.contains('-');
            assert_eq!(walks != Walks::One, prunable, "{q:?}");
            let query = builder.text_query(&parsed).unwrap();
            for (limit, offset) in [(20, 0), (100, 0), (20, 40), (100, 300)] {
                let walks = walks.clone();
                let page = run(&searcher, &table, &sets, &*query, limit, offset, walks).unwrap();
                let top = TopDocs::with_limit(limit)
                    .and_offset(offset)
                    .order_by_score();
                let counter = FacetCounter {
                    table: table.clone(),
                };
                let (docs, counted) = searcher.search(&*query, &(top, counter)).unwrap();
                let context = format!("{q:?}, limit {limit}, offset {offset}");
                assert_eq!(page.total, counted.documents, "{context}");
                assert!(page.total > 0, "{context}");
                let addresses = |d: &[(f32, tantivy::DocAddress)]| -> Vec<_> {
                    d.iter().map(|(_, a)| *a).collect()
                };
                assert_eq!(addresses(&page.docs), addresses(&docs), "{context}");
                for ((a, _), (b, _)) in page.docs.iter().zip(&docs) {
                    assert!((a - b).abs() <= 1e-5 * b.abs(), "{context}: {a} vs {b}");
                }
                let district = page.facets.get("district").unwrap();
                let expected: u64 = counted.counts[2].values().sum();
                assert_eq!(
                    district.iter().map(|c| c.count).sum::<u64>(),
                    expected,
                    "{context}"
                );
            }
        }
    }
}
