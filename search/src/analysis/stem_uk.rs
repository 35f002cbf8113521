//! The Ukrainian normaliser: maps every inflected form of a noun or adjective to one index
//! term, and keeps different words apart. It replaces the Snowball Ukrainian stemmer, which
//! strips derivational suffixes (-ян-, -ськ-, -ов-) and so merged громада, громадяни and
//! громадський. Not for: case, apostrophe, ґ and look-alike folding (earlier filters), or
//! Latin words (English Snowball, see `filters`).
//!
//! Steps, on one lower-cased, folded token:
//! 1. strip one inflectional ending of nouns and adjectives (longest first; -ові is a
//!    masculine noun's ending unless the stem is in the generated [`OV_STEMS`] list);
//! 2. stem repairs: a final ь/й goes, a final double consonant becomes one (рішення and
//!    рішень), -янин/-анин loses -ин (громадянин and громадяни), a final -м'- is -мен-
//!    (ім'я and імені), a final -Vм loses both (програм and програма);
//! 3. the vowels that alternate or drop out inside Ukrainian stems — о, е, і, ї, є — are
//!    removed after the first letter, so і/о/е alternation (засіб/засобу, річ/речі,
//!    кількість/кількості/кількости), fleeting vowels (рівень/рівня, вікно/вікон) and
//!    є after a consonant (проєкт/проект) all meet;
//! 4. a final з, ц, с becomes г, к, х, the letters they alternate with (послузі/послуга,
//!    картці/картка, русі/рух).
//!
//! What this merges on purpose (documented for the precision test): a verbal noun in -ння
//! and its participle (створення/створений), and words that differ only in the vowels of
//! step 3 (простір/просторий, рік/рок). What it keeps apart: a noun and its adjectives in
//! -ов-, -ев-, -ськ-, -н- (цифра/цифровий, місце/місцевий, держава/державний), -ість nouns
//! and their base (рівень/рівність), -янин nouns and their base (громада/громадянин).

use std::borrow::Cow;

use super::ov_stems::OV_STEMS;

/// Noun and adjective endings, longest first (the first that fits is stripped).
const ENDINGS: [&str; 48] = [
    "ього", "ьому", "ові", "еві", "ого", "ому", "ами", "ями", "ими", "іми", "ьою", "ьої", "ою",
    "ею", "єю", "ої", "ий", "ій", "ая", "яя", "ую", "юю", "ам", "ям", "ах", "ях", "их", "іх", "им",
    "ім", "ом", "ем", "єм", "ів", "їв", "ей", "а", "я", "о", "е", "є", "у", "ю", "і", "ї", "и",
    "ь", "й",
];
/// The shortest stem an ending may leave.
const MIN_STEM: usize = 2;
/// -їв leaves at least three letters, so Київ keeps its в (Києва, Києві).
const MIN_STEM_GENITIVE: usize = 3;
/// Vowels that alternate with each other or with nothing inside a stem.
const UNSTABLE: [char; 5] = ['о', 'е', 'і', 'ї', 'є'];
const VOWELS: [char; 10] = ['а', 'е', 'є', 'и', 'і', 'ї', 'о', 'у', 'ю', 'я'];

fn is_vowel(c: char) -> bool {
    VOWELS.contains(&c)
}

/// The index term of one lower-cased, folded Cyrillic token.
pub fn stem(word: &str) -> Cow<'_, str> {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() <= 2 {
        return Cow::Borrowed(word);
    }
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    if chars.iter().copied().any(is_vowel) {
        let mut stem = strip_ending(chars);
        repair(&mut stem);
        for (i, c) in stem.into_iter().enumerate() {
            if i == 0 || !UNSTABLE.contains(&c) {
                out.push(c);
            }
        }
    } else {
        // An abbreviation (ПТКС) declined with endings (ПТКСом) meets its bare form.
        out = chars;
    }
    if let Some(last) = out.last_mut() {
        *last = match *last {
            'з' => 'г',
            'ц' => 'к',
            'с' => 'х',
            other => other,
        };
    }
    let out: String = out.into_iter().collect();
    if out == word {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(out)
    }
}

/// The other reading of an unlisted -ові/-еві word: the term it has as the plural of an
/// -ов-/-ев- adjective (or a feminine noun's dative) rather than a masculine noun's -ові. The
/// analysis indexes and queries both at one position, so an adjective missing from
/// [`OV_STEMS`] (a new word in a city's text) still finds its documents; listed stems have one
/// reading only, so цифрові never meets цифра.
pub fn second_reading(word: &str) -> Option<String> {
    let chars: Vec<char> = word.chars().collect();
    let is_ovi = ends_with(&chars, "ові") || ends_with(&chars, "еві");
    if !is_ovi || chars.len() < 3 + MIN_STEM {
        return None;
    }
    let without_i: String = chars[..chars.len() - 1].iter().collect();
    if OV_STEMS.binary_search(&without_i.as_str()).is_ok() {
        return None;
    }
    // The adjective reading: the same steps with only -і stripped.
    Some(stem(&without_i).into_owned())
}

/// The token for prefix matching: step 3 only, so a typed beginning such as "місц" or
/// "прогр" meets the terms of the words it begins (their endings and final letters vary).
pub fn prefix_key(prefix: &str) -> String {
    prefix
        .chars()
        .enumerate()
        .filter(|&(i, c)| i == 0 || !UNSTABLE.contains(&c))
        .map(|(_, c)| c)
        .collect()
}

fn ends_with(chars: &[char], tail: &str) -> bool {
    let tail: Vec<char> = tail.chars().collect();
    chars.len() >= tail.len() && chars[chars.len() - tail.len()..] == tail[..]
}

fn strip_ending(mut chars: Vec<char>) -> Vec<char> {
    for ending in ENDINGS {
        let len = ending.chars().count();
        let min = match ending {
            "їв" => MIN_STEM_GENITIVE,
            _ => MIN_STEM,
        };
        if chars.len() < len + min || !ends_with(&chars, ending) {
            continue;
        }
        let mut cut = len;
        if matches!(ending, "ові" | "еві") {
            let without_i: String = chars[..chars.len() - 1].iter().collect();
            if OV_STEMS.binary_search(&without_i.as_str()).is_ok() {
                cut = 1;
            }
        }
        chars.truncate(chars.len() - cut);
        return chars;
    }
    chars
}

fn repair(stem: &mut Vec<char>) {
    while stem.len() > MIN_STEM && matches!(stem.last(), Some('ь' | 'й')) {
        stem.pop();
    }
    if ends_with(stem, "м'") {
        stem.pop();
        stem.extend(['е', 'н']);
    }
    if let [.., a, b] = stem.as_slice() {
        if stem.len() >= 3 && a == b && !is_vowel(*b) {
            stem.pop();
        }
    }
    if stem.len() > 4 && (ends_with(stem, "янин") || ends_with(stem, "анин")) {
        stem.truncate(stem.len() - 2);
    }
    if stem.len() >= 4 && stem.last() == Some(&'м') {
        stem.pop();
        if stem.last().copied().is_some_and(is_vowel) {
            stem.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(forms: &[&str]) {
        let first = stem(forms[0]);
        for form in &forms[1..] {
            assert_eq!(stem(form), first, "{form} vs {}", forms[0]);
        }
    }

    fn apart(a: &str, b: &str) {
        assert_ne!(stem(a), stem(b), "{a} and {b} must stay apart");
    }

    #[test]
    fn the_list_is_sorted() {
        assert!(OV_STEMS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn paradigms_meet() {
        same(&[
            "кількість",
            "кількості",
            "кількостям",
            "кількостями",
            "кількостях",
        ]);
        same(&["кількість", "кількости", "кількостей", "кількістю"]);
        same(&["послуга", "послузі", "послуги", "послуг"]);
        same(&["картка", "картці", "карток"]);
        same(&["рух", "русі", "руху"]);
        same(&["простір", "простору", "просторі"]);
        same(&["супровід", "супроводу"]);
        same(&["річ", "речі"]);
        same(&["програма", "програми", "програм", "програмам", "програмою"]);
        same(&["система", "систем", "системи"]);
        same(&["умова", "умов", "умові", "умовами"]);
        same(&["сайт", "сайти", "сайтів", "сайтові"]);
        same(&["голова", "голові", "головою"]);
        same(&[
            "інформаційний",
            "інформаційнім",
            "інформаційного",
            "інформаційна",
        ]);
        same(&["цифровий", "цифрові", "цифрового", "цифрова"]);
        same(&["рівень", "рівня", "рівнем", "рівні"]);
        same(&["громадянин", "громадяни", "громадян", "громадянам"]);
        same(&["рішення", "рішень", "рішенням"]);
        same(&["київ", "києва", "києві", "києвом"]);
        same(&["проєкт", "проект", "проєкту"]);
        same(&["ім'я", "імені", "іменами"]);
        same(&["напрям", "напряму", "напрямів"]);
        same(&["день", "дня", "днів"]);
        same(&["пткс", "птксом", "пткси"]);
    }

    #[test]
    fn different_words_stay_apart() {
        apart("громада", "громадянин");
        apart("громада", "громадський");
        apart("рівень", "рівність");
        apart("місто", "містити");
        apart("місто", "містить");
        apart("цифра", "цифровий");
        apart("цифри", "цифрові");
        apart("місце", "місцевий");
        apart("місце", "міський");
        apart("освіта", "освітлення");
        apart("держава", "державний");
    }

    #[test]
    fn an_unlisted_ovi_word_has_both_readings() {
        assert_eq!(
            second_reading("документові").as_deref(),
            Some(&*stem("документовий"))
        );
        assert_eq!(stem("документові"), stem("документ"));
        assert_eq!(second_reading("цифрові"), None, "listed: one reading");
        assert_eq!(second_reading("цифра"), None);
    }

    #[test]
    fn short_and_odd_tokens_are_kept() {
        assert_eq!(stem("м"), "м");
        assert_eq!(stem("кп"), "кп");
        assert_eq!(stem("грн"), "грн");
        assert_eq!(stem("мвс"), "мвх");
        assert_eq!(stem("2024р"), "2024р");
        assert_eq!(stem("'''"), "'''");
    }
}
