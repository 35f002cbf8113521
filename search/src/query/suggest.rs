//! Spelling suggestions: when exact matching finds too little, each word of the query that
//! the index (nearly) lacks is matched typo-tolerantly, the closest word that the best
//! matching documents really contain is put in its place, and the corrected query is
//! offered with its exact hit count — never merged into the result. Not for: `fuzzy=true`,
//! the explicit opt-in that matches typo-tolerantly outright (see `build`).

use std::collections::HashMap;

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::Query;
use tantivy::schema::Value;
use tantivy::tokenizer::TokenStream;
use tantivy::{Searcher, TantivyDocument, Term};

use super::build::QueryBuilder;
use super::parse::{parse, Atom, Parsed};
use super::{with_filter, QueryError, FUZZY_BELOW};
use crate::analysis::{analyse, analyzer};
use crate::index::Fields;

/// One corrected query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// The query with the misspelt words replaced.
    pub q: String,
    /// Its exact hit count (with the same filters).
    pub total: u64,
}

/// Documents whose text is read for the replacement of one word.
const DOCS_READ: usize = 5;
/// Doubtful words looked up per query (each costs one typo-tolerant search): a query of 32
/// unknown words is not 32 searches.
const MAX_DOUBTFUL: usize = 4;

/// The suggestions for `q` (at most one: every doubtful word corrected at once).
pub fn suggest(
    searcher: &Searcher,
    fields: &Fields,
    q: &str,
    parsed: &Parsed,
    filter: Option<&dyn Query>,
    exact_total: u64,
) -> Result<Vec<Suggestion>, QueryError> {
    let mut analyzer = analyzer();
    let mut corrected = q.to_string();
    let mut changed = false;
    let mut doubtful = 0;
    for atom in parsed.groups.iter().flatten() {
        let Atom::Word {
            text,
            prefix: false,
        } = atom
        else {
            continue;
        };
        let terms = analyse(&mut analyzer, text);
        let [token] = terms.as_slice() else {
            continue;
        };
        let term = token.text.as_str();
        let found = [fields.title, fields.body]
            .into_iter()
            .map(|field| searcher.doc_freq(&Term::from_field_text(field, term)))
            .collect::<Result<Vec<u64>, _>>()?;
        if found.iter().sum::<u64>() >= FUZZY_BELOW {
            continue;
        }
        doubtful += 1;
        if doubtful > MAX_DOUBTFUL {
            break;
        }
        if let Some(word) = replacement(searcher, fields, text, term, filter)? {
            corrected = replace_word(&corrected, text, &word);
            changed = true;
        }
    }
    if !changed {
        return Ok(Vec::new());
    }
    let mut reparsed = parse(&corrected)?;
    super::budget::dedupe(&mut reparsed);
    let Some(text) = QueryBuilder::new(*fields, false).text_query(&reparsed) else {
        return Ok(Vec::new());
    };
    let total = searcher.search(&*with_filter(text, filter), &Count)? as u64;
    Ok(if total > exact_total {
        vec![Suggestion {
            q: corrected,
            total,
        }]
    } else {
        Vec::new()
    })
}

/// The word the documents that match `word` typo-tolerantly hold in its place: the
/// surface form (lower-cased) of the closest index term, most frequent first.
fn replacement(
    searcher: &Searcher,
    fields: &Fields,
    word: &str,
    term: &str,
    filter: Option<&dyn Query>,
) -> Result<Option<String>, QueryError> {
    let single = Parsed {
        groups: vec![vec![Atom::Word {
            text: word.to_string(),
            prefix: false,
        }]],
        excluded: Vec::new(),
    };
    let Some(fuzzy) = QueryBuilder::new(*fields, true).text_query(&single) else {
        return Ok(None);
    };
    let query = with_filter(fuzzy, filter);
    let top = searcher.search(&*query, &TopDocs::with_limit(DOCS_READ).order_by_score())?;
    let max = max_distance(term);
    // term → (distance, occurrences, surface forms with their counts)
    let mut candidates: HashMap<String, (usize, usize, HashMap<String, usize>)> = HashMap::new();
    let mut analyzer = analyzer();
    for (_, address) in top {
        let doc: TantivyDocument = searcher.doc(address)?;
        for field in [fields.title, fields.body] {
            for value in doc.get_all(field) {
                let Some(text) = value.as_str() else {
                    continue;
                };
                let mut stream = analyzer.token_stream(text);
                while stream.advance() {
                    let token = stream.token();
                    if token.text == term {
                        continue;
                    }
                    let distance = levenshtein(&token.text, term);
                    if distance > max {
                        continue;
                    }
                    let surface = text
                        .get(token.offset_from..token.offset_to)
                        .unwrap_or("")
                        .to_lowercase();
                    let entry = candidates
                        .entry(token.text.clone())
                        .or_insert_with(|| (distance, 0, HashMap::new()));
                    entry.1 += 1;
                    *entry.2.entry(surface).or_insert(0) += 1;
                }
            }
        }
    }
    let best = candidates
        .into_iter()
        .min_by(|(a_term, a), (b_term, b)| {
            a.0.cmp(&b.0)
                .then(b.1.cmp(&a.1))
                .then_with(|| a_term.cmp(b_term))
        })
        .and_then(|(_, (_, _, surfaces))| {
            surfaces
                .into_iter()
                .filter(|(s, _)| !s.is_empty())
                .max_by(|(a, an), (b, bn)| an.cmp(bn).then_with(|| b.cmp(a)))
                .map(|(s, _)| s)
        });
    Ok(best)
}

/// The edit distance typo-tolerant matching allows for a term of this length.
fn max_distance(term: &str) -> usize {
    match term.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Levenshtein distance over characters (transpositions count as one, as in the fuzzy
/// query).
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows: Vec<Vec<usize>> = vec![(0..=b.len()).collect()];
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (rows[i - 1][j] + 1)
                .min(row[j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(rows[i - 2][j - 2] + 1);
            }
        }
        rows.push(row);
    }
    rows[a.len()][b.len()]
}

/// `query` with the first whole-word occurrence of `word` replaced by `by`.
fn replace_word(query: &str, word: &str, by: &str) -> String {
    let mut start = 0;
    while let Some(found) = query[start..].find(word) {
        let from = start + found;
        let to = from + word.len();
        let before = query[..from].chars().next_back();
        let after = query[to..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        if boundary(before) && boundary(after) {
            return format!("{}{}{}", &query[..from], by, &query[to..]);
        }
        start = to;
    }
    query.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(levenshtein("освтлн", "освтлн"), 0);
        assert_eq!(levenshtein("освтлн", "освтн"), 1);
        assert_eq!(levenshtein("ab", "ba"), 1);
        assert_eq!(levenshtein("", "abc"), 3);
    }

    #[test]
    fn replaces_whole_words_only() {
        assert_eq!(
            replace_word("ремонт ремонту", "ремонту", "ремонт"),
            "ремонт ремонт"
        );
        assert_eq!(
            replace_word("a +освітленя", "освітленя", "освітлення"),
            "a +освітлення"
        );
        assert_eq!(replace_word("abc", "x", "y"), "abc");
    }
}
