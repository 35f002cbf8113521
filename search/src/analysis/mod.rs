//! Ukrainian text analysis as a tantivy tokenizer chain, used for the index and for queries
//! alike: UAX #29 word segmentation, NFC, lower-casing, apostrophe unification, ґ→г,
//! Latin→Cyrillic look-alike folding, and stemming: the Ukrainian normaliser (`stem_uk`) for
//! Cyrillic words, English Snowball for Latin ones. Not for: parsing query syntax (see
//! `query`).

mod filters;
mod fold;
mod ov_stems;
mod segment;
mod stem_uk;

use tantivy::tokenizer::{RemoveLongFilter, TextAnalyzer, TokenStream};

/// Longer "words" are base64 blobs or OCR garbage, not something anyone searches for.
const MAX_TOKEN_BYTES: usize = 120;

pub use filters::{LookalikeFilter, NormaliseFilter, StemFilter};
pub use fold::{fold_apostrophes, fold_ghe, fold_lookalikes, Lookalike};
pub use segment::WordTokenizer;
pub use stem_uk::{prefix_key, stem as stem_ukrainian};

/// The name the analyzer is registered under in every index.
pub const ANALYZER: &str = "vidkryto_uk";
/// The same chain without stemming: for prefix queries, whose last word is incomplete.
pub const ANALYZER_UNSTEMMED: &str = "vidkryto_uk_unstemmed";

/// The full chain: segmentation → normalise (NFC, lower case, apostrophes, ґ→г) → look-alikes
/// → stem.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(NormaliseFilter::default())
        .filter(LookalikeFilter)
        .filter(StemFilter::default())
        .build()
}

/// The chain without the stemmer.
pub fn analyzer_unstemmed() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(NormaliseFilter::default())
        .filter(LookalikeFilter)
        .build()
}

/// One analysed token: its position and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysed {
    pub position: usize,
    pub text: String,
}

/// Runs `analyzer` over `text` and collects the tokens (tests, query building).
pub fn analyse(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Analysed> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let token = stream.token();
        out.push(Analysed {
            position: token.position,
            text: token.text.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        analyse(&mut analyzer(), text)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn inflected_forms_share_a_stem() {
        let stem = terms("звернення");
        assert_eq!(stem.len(), 1);
        assert_eq!(terms("зверненнями"), stem);
        assert_eq!(terms("зверненнях"), stem);
    }

    #[test]
    fn apostrophes_in_three_shapes_are_one_word() {
        let expected = terms("Солом'янський");
        assert_eq!(expected.len(), 1, "{expected:?}");
        for variant in [
            "Солом’янський",
            "Соломʼянський",
            "Солом`янський",
            "СОЛОМ'ЯНСЬКИЙ",
        ] {
            assert_eq!(terms(variant), expected, "{variant}");
        }
    }

    #[test]
    fn ocr_look_alikes_fold_to_cyrillic() {
        let misto = terms("місто");
        assert_eq!(terms("Micтo"), misto, "mixed script folds outright");
        let latin = analyse(&mut analyzer(), "MicTo");
        assert_eq!(latin.len(), 2, "both forms: {latin:?}");
        assert_eq!(latin[0].position, latin[1].position);
        assert!(latin.iter().any(|t| t.text == misto[0]));
    }

    #[test]
    fn a_genuine_latin_word_keeps_itself_with_english_stemming() {
        let taxi = analyse(&mut analyzer(), "taxi");
        assert!(taxi.iter().any(|t| t.text == "taxi"), "{taxi:?}");
        assert_eq!(terms("connections"), vec!["connect"]);
    }

    #[test]
    fn ghe_folds_and_short_i_is_kept() {
        assert_eq!(terms("ґанок"), terms("ганок"));
        assert_ne!(terms("мій"), terms("мии"));
        assert_ne!(terms("їжак"), terms("іжак"));
    }

    #[test]
    fn decomposed_letters_are_composed() {
        // й written as и + combining breve.
        assert_eq!(terms("Киі\u{0308}в"), terms("Київ"));
        assert_eq!(terms("мии\u{0306}"), terms("мий"));
    }
}
