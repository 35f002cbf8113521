//! The work budget of one query: repeated words, phrases and prefixes count once, and a
//! query may hold at most [`MAX_TERMS`] different ones, each prefix expanding to at most
//! [`MAX_EXPANSIONS`] index terms. Checked before any posting list is read, so a costly
//! query is a 400 naming `q` that costs microseconds, not a second of a core. Not for: the
//! query's meaning (see `build`).

use tantivy::Searcher;

use super::build::QueryBuilder;
use super::parse::{Atom, Parsed};
use super::QueryError;
use crate::index::Fields;

/// Different words, phrases and prefixes one query may hold (after de-duplication).
pub const MAX_TERMS: usize = 32;
/// Index terms one prefix may stand for, in either of `title` and `body`.
pub const MAX_EXPANSIONS: usize = 1000;

/// Drops repeated atoms within a group, repeated groups and repeated exclusions: `a a a`
/// means `a`, and `вул* вул* …` costs one prefix.
pub fn dedupe(parsed: &mut Parsed) {
    for group in &mut parsed.groups {
        let mut seen: Vec<Atom> = Vec::new();
        group.retain(|atom| {
            let new = !seen.contains(atom);
            if new {
                seen.push(atom.clone());
            }
            new
        });
    }
    let mut groups: Vec<Vec<Atom>> = Vec::new();
    for group in parsed.groups.drain(..) {
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    parsed.groups = groups;
    let mut excluded: Vec<Atom> = Vec::new();
    for atom in parsed.excluded.drain(..) {
        if !excluded.contains(&atom) {
            excluded.push(atom);
        }
    }
    parsed.excluded = excluded;
}

/// Refuses a query over budget (call after [`dedupe`]).
pub fn check(searcher: &Searcher, fields: &Fields, parsed: &Parsed) -> Result<(), QueryError> {
    let atoms: Vec<&Atom> = parsed
        .groups
        .iter()
        .flatten()
        .chain(parsed.excluded.iter())
        .collect();
    if atoms.len() > MAX_TERMS {
        return Err(QueryError::TooManyTerms {
            count: atoms.len(),
            max: MAX_TERMS,
        });
    }
    let mut builder = QueryBuilder::new(*fields, false);
    for atom in atoms {
        let Atom::Word { text, prefix: true } = atom else {
            continue;
        };
        let Some(prefixes) = builder.prefixes(text) else {
            continue;
        };
        for field in [fields.title, fields.body] {
            let mut count = 0usize;
            for prefix in &prefixes {
                count += expansions(searcher, field, prefix, MAX_EXPANSIONS + 1 - count)?;
                if count > MAX_EXPANSIONS {
                    return Err(QueryError::TooManyExpansions {
                        prefix: text.clone(),
                        max: MAX_EXPANSIONS,
                    });
                }
            }
        }
    }
    Ok(())
}

/// How many index terms of `field` start with `prefix`, counting no further than `cap`.
fn expansions(
    searcher: &Searcher,
    field: tantivy::schema::Field,
    prefix: &str,
    cap: usize,
) -> Result<usize, QueryError> {
    // No UTF-8 byte is 0xFF, so every term starting with `prefix` sorts below this bound.
    let mut upper = prefix.as_bytes().to_vec();
    upper.push(0xFF);
    let mut count = 0usize;
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(field)?;
        let mut stream = index
            .terms()
            .range()
            .ge(prefix.as_bytes())
            .lt(&upper)
            .into_stream()
            .map_err(|e| QueryError::Index(tantivy::TantivyError::from(e)))?;
        while stream.advance() {
            count += 1;
            if count >= cap {
                return Ok(count);
            }
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse;

    #[test]
    fn repeated_atoms_count_once() {
        let mut parsed = parse(&"вул* ".repeat(200)).unwrap();
        assert_eq!(parsed.groups.len(), 200);
        dedupe(&mut parsed);
        assert_eq!(parsed.groups.len(), 1);
        let mut parsed = parse("a OR a b b -c -c").unwrap();
        dedupe(&mut parsed);
        assert_eq!(parsed.groups.len(), 2);
        assert_eq!(parsed.groups[0].len(), 1);
        assert_eq!(parsed.excluded.len(), 1);
    }
}
