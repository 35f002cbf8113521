//! Pure text folds used by the token filters: apostrophe unification, ґ→г, and Latin→Cyrillic
//! look-alike folding. They work on one lower-cased token; they never strip diacritics
//! (й/и and ї/і are different letters).

/// The one apostrophe every variant becomes.
pub const APOSTROPHE: char = '\'';

/// Apostrophe shapes seen in Ukrainian text: ASCII ', typographic ’ and ‘, the modifier
/// letter ʼ (the orthographic one), backtick, acute accent and prime.
pub fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}' | '\u{2032}'
    )
}

/// Replaces every apostrophe variant with [`APOSTROPHE`]; `None` when nothing changes.
pub fn fold_apostrophes(text: &str) -> Option<String> {
    if !text.chars().any(|c| is_apostrophe(c) && c != APOSTROPHE) {
        return None;
    }
    Some(
        text.chars()
            .map(|c| if is_apostrophe(c) { APOSTROPHE } else { c })
            .collect(),
    )
}

/// ґ→г, so either spelling (and pre-1990 texts without ґ) finds the other.
pub fn fold_ghe(text: &str) -> Option<String> {
    if !text.contains(['ґ', 'Ґ']) {
        return None;
    }
    Some(text.replace('ґ', "г").replace('Ґ', "Г"))
}

/// The Cyrillic letter a lower-case Latin letter is mistaken for (by OCR or a hurried
/// typist), judged on either case: `M`/`м`, `H`/`н`, `T`/`т`, `B`/`в` look alike in capitals.
fn cyrillic_lookalike(c: char) -> Option<char> {
    Some(match c {
        'a' => 'а',
        'b' => 'в',
        'c' => 'с',
        'e' => 'е',
        'h' => 'н',
        'i' => 'і',
        'ï' => 'ї',
        'k' => 'к',
        'm' => 'м',
        'o' => 'о',
        'p' => 'р',
        't' => 'т',
        'x' => 'х',
        'y' => 'у',
        _ => return None,
    })
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}' | '\u{0500}'..='\u{052F}')
}

fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '\u{00C0}'..='\u{024F}')
}

/// What look-alike folding makes of one lower-cased token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookalike {
    /// No Latin letter to fold, or a Latin word with letters Cyrillic lacks: keep as is.
    Keep,
    /// Cyrillic and Latin letters mixed in one word: OCR noise, fold outright.
    Mixed(String),
    /// Only Latin look-alike letters ("micto", but also "taxi"): index both forms.
    Ambiguous(String),
}

/// Classifies `token` (lower-cased) and gives its Cyrillic folding where one applies.
pub fn fold_lookalikes(token: &str) -> Lookalike {
    let has_cyrillic = token.chars().any(is_cyrillic);
    let has_latin = token.chars().any(is_latin);
    if !has_latin {
        return Lookalike::Keep;
    }
    if has_cyrillic {
        let folded = token
            .chars()
            .map(|c| cyrillic_lookalike(c).unwrap_or(c))
            .collect();
        return Lookalike::Mixed(folded);
    }
    let all_lookalike = token
        .chars()
        .all(|c| c == APOSTROPHE || cyrillic_lookalike(c).is_some());
    if all_lookalike {
        Lookalike::Ambiguous(
            token
                .chars()
                .map(|c| cyrillic_lookalike(c).unwrap_or(c))
                .collect(),
        )
    } else {
        Lookalike::Keep
    }
}

/// True when the token holds a Cyrillic letter (so it takes the Ukrainian stemmer).
pub fn has_cyrillic(token: &str) -> bool {
    token.chars().any(is_cyrillic)
}

/// True when every letter of the token is Latin (so it takes the English stemmer).
pub fn is_latin_word(token: &str) -> bool {
    token.chars().any(is_latin) && token.chars().all(|c| !c.is_alphabetic() || is_latin(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apostrophes() {
        assert_eq!(
            fold_apostrophes("солом’янський").as_deref(),
            Some("солом'янський")
        );
        assert_eq!(
            fold_apostrophes("соломʼянський").as_deref(),
            Some("солом'янський")
        );
        assert_eq!(fold_apostrophes("солом'янський"), None);
    }

    #[test]
    fn lookalikes() {
        assert_eq!(fold_lookalikes("місто"), Lookalike::Keep);
        assert_eq!(fold_lookalikes("micтo"), Lookalike::Mixed("місто".into()));
        assert_eq!(
            fold_lookalikes("micto"),
            Lookalike::Ambiguous("місто".into())
        );
        assert_eq!(fold_lookalikes("taxi"), Lookalike::Ambiguous("тахі".into()));
        assert_eq!(fold_lookalikes("service"), Lookalike::Keep);
        assert_eq!(fold_lookalikes("2024"), Lookalike::Keep);
    }

    #[test]
    fn ghe() {
        assert_eq!(fold_ghe("ґудзик").as_deref(), Some("гудзик"));
        assert_eq!(fold_ghe("гудзик"), None);
    }
}
