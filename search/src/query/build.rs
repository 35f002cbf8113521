//! Turns a parsed user query into a tantivy query — plain words over `all`, phrases,
//! prefixes and typo matches over `title` (boosted) and `body` — through the same analysis
//! chain the index used, so every inflection, apostrophe and look-alike folding applies to
//! queries exactly as to documents.

use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

use super::parse::{Atom, Parsed};
use crate::analysis::{analyse, analyzer, analyzer_unstemmed, prefix_key, StemFilter};
use crate::index::Fields;

/// A match in the title counts this much more than one in the body.
const TITLE_BOOST: f32 = 2.0;
/// Prefixes shorter than this match too much to be useful; they are searched as words.
const MIN_PREFIX_CHARS: usize = 2;

pub struct QueryBuilder {
    fields: Fields,
    fuzzy: bool,
    stemmed: TextAnalyzer,
    unstemmed: TextAnalyzer,
}

/// Analysed tokens grouped by position: the alternatives at each position, in order.
type Positions = Vec<(usize, Vec<String>)>;

impl QueryBuilder {
    pub fn new(fields: Fields, fuzzy: bool) -> QueryBuilder {
        QueryBuilder {
            fields,
            fuzzy,
            stemmed: analyzer(),
            unstemmed: analyzer_unstemmed(),
        }
    }

    /// The query for everything the user typed, or `None` when it holds no words.
    pub fn text_query(&mut self, parsed: &Parsed) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for group in &parsed.groups {
            let mut any: Vec<Box<dyn Query>> =
                group.iter().filter_map(|atom| self.atom(atom)).collect();
            match any.len() {
                0 => {}
                1 => clauses.extend(any.pop().map(|q| (Occur::Must, q))),
                _ => clauses.push((Occur::Must, should(any))),
            }
        }
        let has_positive = !clauses.is_empty();
        for atom in &parsed.excluded {
            if let Some(query) = self.atom(atom) {
                clauses.push((Occur::MustNot, query));
            }
        }
        if clauses.is_empty() {
            return None;
        }
        if !has_positive {
            clauses.push((Occur::Must, Box::new(tantivy::query::AllQuery)));
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// The terms of `all` that `text_query(parsed)` is the conjunction of, when it is plain
    /// words that must all match. Such a query is counted apart from ranking (see
    /// `query::run`): tantivy ranks it by block-max WAND and `query::conjunction` counts it
    /// by the words' document sets. Tantivy scores every match of anything else
    /// (exclusions, phrases, prefixes, typo matching, look-alike alternatives): for those
    /// one walk doing both is cheaper than two.
    pub fn conjunction(&mut self, parsed: &Parsed) -> Option<Vec<Term>> {
        if self.fuzzy || !parsed.excluded.is_empty() || parsed.groups.is_empty() {
            return None;
        }
        parsed
            .groups
            .iter()
            .map(|group| {
                let [Atom::Word {
                    text,
                    prefix: false,
                }] = group.as_slice()
                else {
                    return None;
                };
                let positions = Self::positions(&mut self.stemmed, text);
                let [(_, alternatives)] = positions.as_slice() else {
                    return None;
                };
                let [word] = alternatives.as_slice() else {
                    return None;
                };
                Some(Term::from_field_text(self.fields.all, word))
            })
            .collect()
    }

    fn positions(analyzer: &mut TextAnalyzer, text: &str) -> Positions {
        let mut positions: Positions = Vec::new();
        for token in analyse(analyzer, text) {
            match positions.last_mut() {
                Some((p, alternatives)) if *p == token.position => {
                    if !alternatives.contains(&token.text) {
                        alternatives.push(token.text)
                    }
                }
                _ => positions.push((token.position, vec![token.text])),
            }
        }
        positions
    }

    fn atom(&mut self, atom: &Atom) -> Option<Box<dyn Query>> {
        match atom {
            Atom::Word {
                text,
                prefix: false,
            }
            | Atom::Phrase(text) => {
                let positions = Self::positions(&mut self.stemmed, text);
                match positions.len() {
                    0 => None,
                    1 => Some(self.alternatives(&positions[0].1)),
                    _ => Some(self.phrase(&positions)),
                }
            }
            Atom::Word { text, prefix: true } => self.prefix(text),
        }
    }

    /// `title:t^2 OR body:t`.
    fn both_fields(&self, make: impl Fn(Field) -> Box<dyn Query>) -> Box<dyn Query> {
        let title: Box<dyn Query> = Box::new(BoostQuery::new(make(self.fields.title), TITLE_BOOST));
        should(vec![title, make(self.fields.body)])
    }

    /// One word: a term of `all`, or with typo matching the words near it in either field
    /// (tantivy gives each typo match one constant score, so the title's boost must be a
    /// clause of its own there).
    fn term(&self, text: &str) -> Box<dyn Query> {
        let distance: u8 = match text.chars().count() {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        if self.fuzzy && distance > 0 {
            return self.both_fields(|field| {
                let term = Term::from_field_text(field, text);
                Box::new(FuzzyTermQuery::new(term, distance, true))
            });
        }
        let term = Term::from_field_text(self.fields.all, text);
        Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
    }

    /// Tokens at one position (a Latin look-alike word and its Cyrillic folding): either.
    fn alternatives(&self, alternatives: &[String]) -> Box<dyn Query> {
        if alternatives.len() == 1 {
            return self.term(&alternatives[0]);
        }
        should(alternatives.iter().map(|t| self.term(t)).collect())
    }

    /// Words in order. Where a position has a look-alike pair, the Cyrillic folding (listed
    /// last) is used: the index holds it for Latin look-alike words too.
    fn phrase(&self, positions: &Positions) -> Box<dyn Query> {
        let first = positions.first().map_or(0, |(p, _)| *p);
        self.both_fields(|field| {
            let terms = positions
                .iter()
                .filter_map(|(p, alternatives)| {
                    let text = alternatives.last()?;
                    Some((p - first, Term::from_field_text(field, text)))
                })
                .collect();
            Box::new(PhraseQuery::new_with_offset(terms))
        })
    }

    /// The index-term prefixes a prefix atom's last word is looked up by: the typed
    /// beginning itself, its stem and its `prefix_key`; `None` when it is too short to be
    /// a prefix (then the atom is searched as words).
    pub(super) fn prefixes(&mut self, text: &str) -> Option<Vec<String>> {
        let (_, last) = Self::positions(&mut self.unstemmed, text).pop()?;
        if last.iter().all(|t| t.chars().count() < MIN_PREFIX_CHARS) {
            return None;
        }
        let stemmer = StemFilter::default();
        let mut prefixes: Vec<String> = Vec::new();
        for form in &last {
            for candidate in [
                form.clone(),
                stemmer.stem(form).into_owned(),
                prefix_key(form),
            ] {
                if !prefixes.contains(&candidate) {
                    prefixes.push(candidate);
                }
            }
        }
        Some(prefixes)
    }

    /// `освіт*`: the earlier words of the atom must match, the last is a prefix of an indexed
    /// term — unstemmed (the user typed the beginning of a form) or stemmed (they typed a
    /// whole form longer than the stem, as in `освіта*`).
    fn prefix(&mut self, text: &str) -> Option<Box<dyn Query>> {
        let mut positions = Self::positions(&mut self.unstemmed, text);
        positions.pop()?;
        let Some(prefixes) = self.prefixes(text) else {
            return self.atom(&Atom::Word {
                text: text.to_string(),
                prefix: false,
            });
        };
        let stemmer = StemFilter::default();
        let mut any: Vec<Box<dyn Query>> = Vec::new();
        for prefix in &prefixes {
            let pattern = format!("{}.*", escape_regex(prefix));
            for field in [self.fields.title, self.fields.body] {
                if let Ok(query) = RegexQuery::from_pattern(&pattern, field) {
                    let query: Box<dyn Query> = Box::new(query);
                    any.push(if field == self.fields.title {
                        Box::new(BoostQuery::new(query, TITLE_BOOST))
                    } else {
                        query
                    });
                }
            }
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = positions
            .iter()
            .map(|(_, alternatives)| {
                let stems: Vec<String> = alternatives
                    .iter()
                    .map(|t| stemmer.stem(t).into_owned())
                    .collect();
                (Occur::Must, self.alternatives(&stems))
            })
            .collect();
        if any.is_empty() {
            return None;
        }
        clauses.push((Occur::Must, should(any)));
        Some(Box::new(BooleanQuery::new(clauses)))
    }
}

fn should(queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        queries.into_iter().map(|q| (Occur::Should, q)).collect(),
    ))
}

/// Escapes regex syntax so a prefix matches literally.
fn escape_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~\"<>@".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
