//! The token filters of the Ukrainian chain. Each changes a token's text only (offsets stay
//! on the original text, so highlighting marks what the reader wrote), except
//! [`LookalikeFilter`], which may add a second token at the same position.

use std::borrow::Cow;

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use super::fold::{
    fold_apostrophes, fold_ghe, fold_lookalikes, has_cyrillic, is_latin_word, Lookalike, APOSTROPHE,
};

/// A filter that rewrites each token's text with a pure function.
pub trait TextFold: Clone + Send + Sync + 'static {
    /// The new text, or `None` to keep the token as it is.
    fn fold(text: &str) -> Option<String>;
}

/// Runs a [`TextFold`] over every token.
#[derive(Clone, Copy, Debug, Default)]
pub struct MapFilter<F>(pub F);

impl<F: TextFold> TokenFilter for MapFilter<F> {
    type Tokenizer<T: Tokenizer> = MapTokenizer<F, T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> MapTokenizer<F, T> {
        MapTokenizer {
            fold: self.0,
            inner: tokenizer,
        }
    }
}

#[derive(Clone)]
pub struct MapTokenizer<F, T> {
    fold: F,
    inner: T,
}

impl<F: TextFold, T: Tokenizer> Tokenizer for MapTokenizer<F, T> {
    type TokenStream<'a> = MapStream<F, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MapStream {
            _fold: self.fold.clone(),
            inner: self.inner.token_stream(text),
        }
    }
}

pub struct MapStream<F, S> {
    _fold: F,
    inner: S,
}

impl<F: TextFold, S: TokenStream> TokenStream for MapStream<F, S> {
    fn advance(&mut self) -> bool {
        if !self.inner.advance() {
            return false;
        }
        if let Some(text) = F::fold(&self.inner.token().text) {
            self.inner.token_mut().text = text;
        }
        true
    }

    fn token(&self) -> &Token {
        self.inner.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.inner.token_mut()
    }
}

/// NFC (a letter typed as base + combining mark, и + ◌̆, becomes the one letter й), lower
/// case (per character, as tantivy's `LowerCaser`: no final-sigma rule), every apostrophe
/// shape → [`APOSTROPHE`], ґ → г. One fold rather than four filters because the four passes
/// and their allocations were a tenth of an index build: words made of the letters Ukrainian
/// text is written in (ASCII, Cyrillic U+0400–U+045F, ґ, the apostrophes) take one pass of
/// arithmetic; anything else takes the general steps in the same order.
#[derive(Clone, Copy, Debug, Default)]
pub struct Normalise;
impl TextFold for Normalise {
    fn fold(text: &str) -> Option<String> {
        let mut changed = false;
        for c in text.chars() {
            match fold_common(c) {
                Some(folded) => changed |= folded != c,
                None => return normalise_general(text),
            }
        }
        changed.then(|| text.chars().filter_map(fold_common).collect())
    }
}

/// The normalised form of one character of the common alphabet; `None` for any other, which
/// may need NFC or the Unicode case tables. Every character here is already NFC and none
/// combines with a neighbour, so folding them one by one is exact.
#[inline]
fn fold_common(c: char) -> Option<char> {
    Some(match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        '`' => APOSTROPHE,
        '\0'..='\x7f' => c,
        'А'..='Я' => char::from_u32(c as u32 + 0x20)?,
        'Ѐ'..='Џ' => char::from_u32(c as u32 + 0x50)?,
        'Ґ' | 'ґ' => 'г',
        'а'..='џ' => c,
        '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{00B4}' | '\u{2032}' => APOSTROPHE,
        _ => return None,
    })
}

/// The four steps one after another, for words outside the common alphabet.
fn normalise_general(text: &str) -> Option<String> {
    let composed: Cow<str> = match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        _ => Cow::Owned(text.nfc().collect()),
    };
    let lower: String = composed.chars().flat_map(char::to_lowercase).collect();
    let apostrophes = fold_apostrophes(&lower).unwrap_or(lower);
    let folded = fold_ghe(&apostrophes).unwrap_or(apostrophes);
    (folded != text).then_some(folded)
}

pub type NormaliseFilter = MapFilter<Normalise>;

/// Folds Latin look-alike letters to Cyrillic: mixed-script tokens outright; tokens made only
/// of look-alike letters get the Cyrillic form as a second token at the same position, so
/// "MicTo" finds "місто" and "taxi" still finds "taxi".
#[derive(Clone, Copy, Debug, Default)]
pub struct LookalikeFilter;

impl TokenFilter for LookalikeFilter {
    type Tokenizer<T: Tokenizer> = LookalikeTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> LookalikeTokenizer<T> {
        LookalikeTokenizer { inner: tokenizer }
    }
}

#[derive(Clone)]
pub struct LookalikeTokenizer<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for LookalikeTokenizer<T> {
    type TokenStream<'a> = LookalikeStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        LookalikeStream {
            inner: self.inner.token_stream(text),
            second: None,
            on_second: false,
        }
    }
}

pub struct LookalikeStream<S> {
    inner: S,
    /// The Cyrillic twin of the current ambiguous token, served on the next `advance`.
    second: Option<Token>,
    on_second: bool,
}

impl<S: TokenStream> TokenStream for LookalikeStream<S> {
    fn advance(&mut self) -> bool {
        if !self.on_second && self.second.is_some() {
            self.on_second = true;
            return true;
        }
        self.on_second = false;
        self.second = None;
        if !self.inner.advance() {
            return false;
        }
        match fold_lookalikes(&self.inner.token().text) {
            Lookalike::Keep => {}
            Lookalike::Mixed(folded) => self.inner.token_mut().text = folded,
            Lookalike::Ambiguous(folded) => {
                let mut twin = self.inner.token().clone();
                twin.text = folded;
                self.second = Some(twin);
            }
        }
        true
    }

    fn token(&self) -> &Token {
        match (&self.second, self.on_second) {
            (Some(twin), true) => twin,
            _ => self.inner.token(),
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        match (&mut self.second, self.on_second) {
            (Some(twin), true) => twin,
            _ => self.inner.token_mut(),
        }
    }
}

/// Stemming by script: the Ukrainian normaliser (`stem_uk`) for words with Cyrillic letters,
/// English Snowball for Latin words, nothing for numbers and codes.
#[derive(Clone, Copy)]
pub struct StemFilter {
    english: frostem::Stemmer,
}

impl Default for StemFilter {
    fn default() -> StemFilter {
        StemFilter {
            english: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

impl StemFilter {
    /// The stem of one normalised token.
    pub fn stem<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if has_cyrillic(text) {
            cached_stem_uk(text)
        } else if is_latin_word(text) {
            self.english.stem(text)
        } else {
            Cow::Borrowed(text)
        }
    }
}

/// Distinct words a thread remembers the stems of before it starts again: a few MB.
const STEM_CACHE_WORDS: usize = 65_536;

thread_local! {
    /// Word → its stem (`None`: the word is its own stem). Texts repeat their words (every
    /// snippet of a results page re-reads the same vocabulary, and so does an index build),
    /// and a lookup costs a fraction of the normaliser's character vectors.
    static STEM_CACHE: std::cell::RefCell<std::collections::HashMap<String, Option<String>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// `stem_uk::stem`, remembered per thread.
fn cached_stem_uk(text: &str) -> Cow<'_, str> {
    let known = STEM_CACHE.with(|cache| {
        cache
            .borrow()
            .get(text)
            .map(|stem| stem.as_ref().map(|s| s.to_string()))
    });
    if let Some(known) = known {
        return known.map_or(Cow::Borrowed(text), Cow::Owned);
    }
    let stem = super::stem_uk::stem(text);
    STEM_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= STEM_CACHE_WORDS {
            cache.clear();
        }
        let owned = match &stem {
            Cow::Borrowed(_) => None,
            Cow::Owned(s) => Some(s.clone()),
        };
        cache.insert(text.to_string(), owned);
    });
    stem
}

impl TokenFilter for StemFilter {
    type Tokenizer<T: Tokenizer> = StemTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> StemTokenizer<T> {
        StemTokenizer {
            stemmer: self,
            inner: tokenizer,
        }
    }
}

#[derive(Clone)]
pub struct StemTokenizer<T> {
    stemmer: StemFilter,
    inner: T,
}

impl<T: Tokenizer> Tokenizer for StemTokenizer<T> {
    type TokenStream<'a> = StemStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        StemStream {
            stemmer: self.stemmer,
            inner: self.inner.token_stream(text),
            second: None,
            on_second: false,
        }
    }
}

pub struct StemStream<S> {
    stemmer: StemFilter,
    inner: S,
    /// The second reading of the current token (`stem_uk::second_reading`), served on the
    /// next `advance` at the same position.
    second: Option<Token>,
    on_second: bool,
}

impl<S: TokenStream> TokenStream for StemStream<S> {
    fn advance(&mut self) -> bool {
        if !self.on_second && self.second.is_some() {
            self.on_second = true;
            return true;
        }
        self.on_second = false;
        self.second = None;
        if !self.inner.advance() {
            return false;
        }
        let text = &self.inner.token().text;
        let second = if has_cyrillic(text) {
            super::stem_uk::second_reading(text)
        } else {
            None
        };
        let stemmed = match self.stemmer.stem(text) {
            Cow::Owned(stem) => Some(stem),
            Cow::Borrowed(_) => None,
        };
        if let Some(stem) = stemmed {
            self.inner.token_mut().text = stem;
        }
        if let Some(reading) = second {
            if reading != self.inner.token().text {
                let mut twin = self.inner.token().clone();
                twin.text = reading;
                self.second = Some(twin);
            }
        }
        true
    }

    fn token(&self) -> &Token {
        match (&self.second, self.on_second) {
            (Some(twin), true) => twin,
            _ => self.inner.token(),
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        match (&mut self.second, self.on_second) {
            (Some(twin), true) => twin,
            _ => self.inner.token_mut(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass fold gives what the four steps give, for every character up to U+3000
    /// alone and beside Cyrillic and Latin letters, and for combining sequences.
    #[test]
    fn one_pass_normalising_equals_the_four_steps() {
        let steps = |text: &str| normalise_general(text).unwrap_or_else(|| text.to_string());
        let fused = |text: &str| Normalise::fold(text).unwrap_or_else(|| text.to_string());
        for c in (0..0x3000).filter_map(char::from_u32) {
            for text in [
                c.to_string(),
                format!("Ґа{c}"),
                format!("{c}Я"),
                format!("aB{c}"),
                format!("{c}\u{306}"),
            ] {
                assert_eq!(fused(&text), steps(&text), "{text:?} (U+{:04X})", c as u32);
            }
        }
        for (text, expected) in [
            ("СОЛОМ’ЯНСЬКИЙ", "солом'янський"),
            ("Ґанок", "ганок"),
            ("Мии\u{306}", "мий"),
            ("ЇЖАК", "їжак"),
            ("Ѐ", "ѐ"),
        ] {
            assert_eq!(fused(text), expected);
        }
        assert_eq!(
            Normalise::fold("вулиця"),
            None,
            "nothing to change, nothing allocated"
        );
    }

    /// The remembered stem is the normaliser's, the first time and every time after, also
    /// across the cache starting again.
    #[test]
    fn cached_stems_are_the_normalisers_stems() {
        let words = [
            "ремонту",
            "даху",
            "звернення",
            "зверненнями",
            "ПТКСом",
            "так",
            "вулиця",
        ];
        for round in 0..3 {
            for word in words {
                assert_eq!(
                    cached_stem_uk(word),
                    super::super::stem_uk::stem(word),
                    "{word}"
                );
            }
            if round == 1 {
                STEM_CACHE.with(|cache| cache.borrow_mut().clear());
            }
        }
    }
}
