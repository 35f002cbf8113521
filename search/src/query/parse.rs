//! The user's query syntax, parsed leniently: words, "phrases", prefixes (`освіт*`), `OR`,
//! `AND` (the default), `NOT`/`-word` and `+word`. Stray operators are ignored; the only
//! rejection is an unclosed quote, whose intent (phrase or words?) cannot be guessed.

/// One searchable unit of the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Atom {
    /// A word; `prefix` when written with a trailing `*`.
    Word { text: String, prefix: bool },
    /// Words that must appear in this order.
    Phrase(String),
}

/// The parsed query: every group must match (a group matches when any of its atoms does),
/// and no excluded atom may.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub groups: Vec<Vec<Atom>>,
    pub excluded: Vec<Atom>,
}

/// Why a query cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyntaxError {
    #[error("the quote at character {position} is never closed; close it to search for a phrase, or remove it")]
    UnbalancedQuote { position: usize },
}

enum Lexeme {
    Atom { atom: Atom, negated: bool },
    Or,
    Not,
}

fn lex(query: &str) -> Result<Vec<Lexeme>, SyntaxError> {
    let mut lexemes = Vec::new();
    let chars: Vec<char> = query.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let mut negated = false;
        let mut start = i;
        if (c == '-' || c == '+') && i + 1 < chars.len() && !chars[i + 1].is_whitespace() {
            negated = c == '-';
            start += 1;
        }
        if is_quote(chars[start]) {
            let open = start;
            let Some(len) = chars[open + 1..].iter().position(|&c| is_quote(c)) else {
                return Err(SyntaxError::UnbalancedQuote { position: open + 1 });
            };
            let text: String = chars[open + 1..open + 1 + len].iter().collect();
            lexemes.push(Lexeme::Atom {
                atom: Atom::Phrase(text),
                negated,
            });
            i = open + len + 2;
            continue;
        }
        let end = chars[start..]
            .iter()
            .position(|c| c.is_whitespace() || is_quote(*c))
            .map_or(chars.len(), |n| start + n);
        let word: String = chars[start..end].iter().collect();
        i = end;
        match word.as_str() {
            "OR" | "||" if !negated => lexemes.push(Lexeme::Or),
            "AND" | "&&" if !negated => {}
            "NOT" if !negated => lexemes.push(Lexeme::Not),
            _ => {
                let (text, prefix) = match word.strip_suffix('*') {
                    Some(stem) => (stem.trim_end_matches('*').to_string(), true),
                    None => (word, false),
                };
                lexemes.push(Lexeme::Atom {
                    atom: Atom::Word { text, prefix },
                    negated,
                });
            }
        }
    }
    Ok(lexemes)
}

/// Straight and typographic double quotes and guillemets all delimit phrases.
fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„' | '«' | '»')
}

/// Parses `query`.
pub fn parse(query: &str) -> Result<Parsed, SyntaxError> {
    let mut parsed = Parsed::default();
    let mut or_pending = false;
    let mut not_pending = false;
    for lexeme in lex(query)? {
        match lexeme {
            Lexeme::Or => or_pending = !parsed.groups.is_empty(),
            Lexeme::Not => not_pending = true,
            Lexeme::Atom { atom, negated } => {
                if negated || not_pending {
                    parsed.excluded.push(atom);
                } else if or_pending {
                    if let Some(group) = parsed.groups.last_mut() {
                        group.push(atom);
                    }
                } else {
                    parsed.groups.push(vec![atom]);
                }
                or_pending = false;
                not_pending = false;
            }
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> Atom {
        Atom::Word {
            text: text.into(),
            prefix: false,
        }
    }

    #[test]
    fn words_phrases_and_operators() {
        let parsed = parse(r#"ремонт "дитячий майданчик" OR сквер -сміття освіт*"#).unwrap();
        assert_eq!(
            parsed.groups,
            vec![
                vec![word("ремонт")],
                vec![Atom::Phrase("дитячий майданчик".into()), word("сквер")],
                vec![Atom::Word {
                    text: "освіт".into(),
                    prefix: true
                }],
            ]
        );
        assert_eq!(parsed.excluded, vec![word("сміття")]);
    }

    #[test]
    fn lenient_with_stray_operators() {
        let parsed = parse("OR AND ремонт NOT").unwrap();
        assert_eq!(parsed.groups, vec![vec![word("ремонт")]]);
        assert!(parsed.excluded.is_empty());
        assert_eq!(parse("a - b").unwrap().groups.len(), 3);
    }

    #[test]
    fn guillemets_are_quotes_and_unclosed_quotes_are_errors() {
        let parsed = parse("«Цифровий Київ»").unwrap();
        assert_eq!(
            parsed.groups,
            vec![vec![Atom::Phrase("Цифровий Київ".into())]]
        );
        assert_eq!(
            parse("ремонт \"даху").unwrap_err(),
            SyntaxError::UnbalancedQuote { position: 8 }
        );
    }
}
