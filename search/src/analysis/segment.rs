//! Word segmentation: UAX #29 word boundaries (unicode-segmentation), keeping the words that
//! hold a letter or digit, and re-joining words split by an apostrophe UAX #29 does not treat
//! as part of a word (backtick, acute accent, prime: "Солом`янський" is one word).

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_segmentation::UnicodeSegmentation;

use super::fold::is_apostrophe;

/// The first stage of the chain.
#[derive(Clone, Copy, Debug, Default)]
pub struct WordTokenizer;

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(words(text))
    }
}

/// Byte ranges of the words of `text`.
fn word_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    // The end of the last word when it was followed directly by one apostrophe.
    let mut pending_apostrophe: Option<usize> = None;
    let mut last_end: Option<usize> = None;
    for (start, segment) in text.split_word_bound_indices() {
        let end = start + segment.len();
        let is_word = segment.chars().any(is_letter_or_digit);
        if is_word {
            match (pending_apostrophe, ranges.last_mut()) {
                (Some(joint), Some(last)) if joint == start => last.1 = end,
                _ => ranges.push((start, end)),
            }
            pending_apostrophe = None;
            last_end = Some(end);
        } else {
            let mut chars = segment.chars();
            let single_apostrophe =
                matches!((chars.next(), chars.next()), (Some(c), None) if is_apostrophe(c));
            pending_apostrophe = match last_end {
                Some(word_end) if single_apostrophe && word_end == start => Some(end),
                _ => None,
            };
            last_end = None;
        }
    }
    ranges
}

/// `char::is_alphanumeric`, with Cyrillic letters (U+0400–U+0481, all alphabetic) settled
/// before the Unicode tables are looked up.
fn is_letter_or_digit(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || ('\u{0400}'..='\u{0481}').contains(&c)
        || (!c.is_ascii() && c.is_alphanumeric())
}

fn words(text: &str) -> Vec<Token> {
    word_ranges(text)
        .into_iter()
        .enumerate()
        .map(|(position, (from, to))| Token {
            offset_from: from,
            offset_to: to,
            position,
            text: text[from..to].to_string(),
            position_length: 1,
        })
        .collect()
}

/// A token stream over tokens computed up front.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
    /// Answered by `token()` before the first `advance()`, so no call can panic.
    empty: Token,
}

impl VecTokenStream {
    fn new(tokens: Vec<Token>) -> VecTokenStream {
        VecTokenStream {
            tokens,
            next: 0,
            empty: Token::default(),
        }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        match self.next.checked_sub(1) {
            Some(i) => &self.tokens[i],
            None => &self.empty,
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.next.checked_sub(1) {
            Some(i) => &mut self.tokens[i],
            None => &mut self.empty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<&str> {
        word_ranges(text)
            .into_iter()
            .map(|(a, b)| &text[a..b])
            .collect()
    }

    #[test]
    fn words_and_numbers() {
        assert_eq!(
            texts("Рішення № 824/7060 від 15.12.2011, «Цифровий Київ»!"),
            vec![
                "Рішення",
                "824",
                "7060",
                "від",
                "15.12.2011",
                "Цифровий",
                "Київ"
            ]
        );
    }

    #[test]
    fn apostrophes_keep_words_whole() {
        for text in [
            "Солом'янський",
            "Солом’янський",
            "Соломʼянський",
            "Солом`янський",
        ] {
            assert_eq!(texts(text), vec![text], "{text}");
        }
        assert_eq!(texts("слово ` інше"), vec!["слово", "інше"]);
    }

    #[test]
    fn mixed_script_stays_one_word() {
        assert_eq!(texts("Micтo Київ"), vec!["Micтo", "Київ"]);
    }

    #[test]
    fn the_letter_shortcut_agrees_with_unicode() {
        for c in (0..0x3000).filter_map(char::from_u32) {
            assert_eq!(
                is_letter_or_digit(c),
                c.is_alphanumeric(),
                "U+{:04X}",
                c as u32
            );
        }
    }
}
