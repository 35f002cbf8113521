//! Pattern-shaped personal data in free text: phones, e-mails, URLs with paths, tax numbers
//! (checksum), passports and ID cards, bank cards (Luhn), car plates, apartment and house
//! numbers. Names are not patterns; they are `names`' job.

use regex::{Captures, Regex};

use super::Kind;

/// One compiled pattern: a cheap pre-check, the regex, and an optional validator that
/// decides whether a match really is personal data (checksums).
pub(super) struct Pattern {
    pub kind: Kind,
    pub regex: Regex,
    /// Skip the regex when the text cannot match (most texts have no `@`, no digits …).
    precheck: fn(&str) -> bool,
    /// Which part of a match is replaced (the keyword or street before it stays).
    group: Group,
    validate: fn(&str) -> bool,
}

fn has_digit(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
}

fn always(_: &str) -> bool {
    true
}

impl Pattern {
    /// Replaces every valid match in `text`; returns the new text (if anything changed) and
    /// the count.
    pub fn apply(&self, text: &str) -> Option<(String, u64)> {
        if !(self.precheck)(text) {
            return None;
        }
        let mut count = 0;
        let placeholder = self.kind.placeholder();
        let out = self.regex.replace_all(text, |caps: &Captures<'_>| {
            let whole = caps.get(0).map_or("", |m| m.as_str());
            let span = match self.group {
                Group::Whole => caps.get(0),
                Group::FirstMatched => (1..caps.len()).find_map(|i| caps.get(i)),
            };
            let Some(span) = span else {
                return whole.to_string();
            };
            let (target, start, end) = (span.as_str(), span.start(), span.end());
            if !(self.validate)(target) {
                return whole.to_string();
            }
            count += 1;
            let base = caps.get(0).map_or(0, |m| m.start());
            format!(
                "{}{placeholder}{}",
                &whole[..start - base],
                &whole[end - base..]
            )
        });
        if count == 0 {
            None
        } else {
            Some((out.into_owned(), count))
        }
    }
}

/// Which part of a match is the personal value.
#[derive(Clone, Copy)]
pub(super) enum Group {
    Whole,
    /// The first capture group that matched (patterns with alternatives).
    FirstMatched,
}

/// A digit string with the Luhn checksum of bank cards.
pub fn luhn(digits: &str) -> bool {
    let digits: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 {
                    d2 - 9
                } else {
                    d2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The РНОКПП (ІПН) checksum: weights -1 5 7 9 4 6 10 5 7 over the first nine digits,
/// mod 11, mod 10, equals the tenth.
pub fn tax_number(digits: &str) -> bool {
    let d: Vec<i64> = digits
        .chars()
        .filter_map(|c| c.to_digit(10))
        .map(i64::from)
        .collect();
    if d.len() != 10 {
        return false;
    }
    const W: [i64; 9] = [-1, 5, 7, 9, 4, 6, 10, 5, 7];
    let sum: i64 = d.iter().zip(W).map(|(x, w)| x * w).sum();
    sum.rem_euclid(11) % 10 == d[9]
}

/// A URL is personal when it has a path (a profile, a document); bare domains of
/// institutions (1551.gov.ua) stay.
fn url_has_path(url: &str) -> bool {
    let rest = url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("HTTPS://")
        .trim_start_matches("HTTP://");
    match rest.find('/') {
        Some(i) => rest[i + 1..].chars().any(|c| c.is_alphanumeric()),
        None => false,
    }
}

/// Street words after which a number is a house number.
pub(super) const STREET_MARKERS: &str = r"(?:вул\.|вулиц[яіеюи]|просп\.|проспект[уі]?|бульв\.|бульвар[уі]?|пров\.|провул(?:ок|ку)|пл\.|площ[аіе]|наб\.|набережн[аіу]|шосе|узвіз|узвозі)";

// Why no `\b` next to Cyrillic: a Unicode word boundary makes the regex crate leave its fast
// DFA for the slow PikeVM on non-ASCII text (100× slower on Ukrainian). Digits use the ASCII
// boundary `(?-u:\b)`; letters use a consumed non-letter before the value (`LEAD`) and a
// capture group for the value itself.
const B: &str = r"(?-u:\b)";
const LEAD: &str = r"(?:^|[^\p{L}\p{N}_])";
/// An ordinal in a street's name (`Деревообробний 3-й`, `6-та Лінія`, `Станційна 2-га`): part
/// of the street, not its house number.
pub(super) const ORDINAL: &str = r"\d{1,2}-(?:й|я|га|та|ма|ша|ге|те|ий|ій)";
/// A date as people write it (`12.03.1985`, `1985-03-12`) or a year.
const BIRTH_DATE: &str =
    r"(?:\d{1,2}[./]\d{1,2}[./](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}|(?:19|20)\d{2})";
// House letters: not й, ь or я, which end ordinals (`3-й`).
const HOUSE_NUMBER: &str = r"\d{1,4}(?:[\-/]?[а-ик-щюa-zА-ИК-ЩЮA-ZіїєґІЇЄҐ])?(?:/\d{1,4})?";

/// Street names (a street word and up to three capitalised words): removed only from rows
/// generalised to the district.
pub(super) fn streets() -> Pattern {
    Pattern {
        kind: Kind::Street,
        regex: Regex::new(&format!(
            r"{LEAD}((?i:{STREET_MARKERS})\s?(?:(?:\p{{Lu}}[\p{{L}}'’ʼ\-]*\.?|{ORDINAL})(?:\s|$)){{0,3}}(?:\p{{Lu}}[\p{{L}}'’ʼ\-]*|{ORDINAL}))"
        ))
        .expect("built-in pattern compiles"),
        precheck: always,
        group: Group::FirstMatched,
        validate: always,
    }
}

/// Every pattern, in the order they run: long, structured values first so a card number is
/// not half-eaten as a phone.
pub(super) fn all() -> Vec<Pattern> {
    let p = |kind, re: &str, precheck, group, validate| Pattern {
        kind,
        regex: Regex::new(re).expect("built-in pattern compiles"),
        precheck,
        group,
        validate,
    };
    let mut all = labelled();
    all.extend([
        p(
            Kind::Email,
            r"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}",
            |t: &str| t.contains('@'),
            Group::Whole,
            always,
        ),
        p(
            Kind::Url,
            &format!(
                r"(?i){B}(?:https?://)?(?:www\.)?[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{{2,}}(?::\d+)?/[^\s<>\x22]*"
            ),
            |t: &str| t.contains('/'),
            Group::Whole,
            url_has_path,
        ),
        p(
            Kind::Card,
            &format!(r"{B}\d(?:[ \-]?\d){{12,18}}{B}"),
            has_digit,
            Group::Whole,
            luhn,
        ),
        p(
            Kind::Phone,
            &format!(
                r"(?x)
                (?:
                    (?:\+\s?|{B})3\s?8[\s\-]?\(?\s?0[\s\-]?\(?
                  | {B}8[\s\-]?\(?\s?0
                  | \(\s?0
                  | {B}0
                )
                \s?\d{{2}}\s?\)?[\s\-]?\d{{3}}[\s\-]?\d{{2}}[\s\-]?\d{{2}}{B}
                | {B}\d{{3}}-\d{{2}}-\d{{2}}{B}
                | {B}\d{{3}}\x20\d{{2}}\x20\d{{2}}{B}"
            ),
            has_digit,
            Group::Whole,
            always,
        ),
        p(
            Kind::TaxNumber,
            &format!(r"{B}\d{{10}}{B}"),
            has_digit,
            Group::Whole,
            tax_number,
        ),
        p(
            Kind::Passport,
            &format!(r"{LEAD}([А-ЯІЇЄҐ]{{2}}\s?№?\s?\d{{6}}){B}"),
            has_digit,
            Group::FirstMatched,
            always,
        ),
        p(
            Kind::IdCard,
            &format!(
                r"(?i)(?:паспорт|id[\s\-]?карт|ідентифікаційн\w*\s+карт|посвідченн)[^\d\n]{{0,40}}?(\d{{9}}){B}"
            ),
            has_digit,
            Group::FirstMatched,
            always,
        ),
        p(
            Kind::Plate,
            &format!(
                r"{LEAD}([А-ЯІЇЄҐA-Z]{{2}}\s?\d{{4}}\s?[А-ЯІЇЄҐA-Z]{{2}})(?:$|[^\p{{L}}\p{{N}}])"
            ),
            has_digit,
            Group::FirstMatched,
            always,
        ),
        p(
            Kind::Apartment,
            &format!(
                r"(?i){LEAD}((?:кв\.?|квартир[аиіуою]{{0,2}})\s*[:№]?\s*\d{{1,4}}(?:[\-/]?[а-яa-z])?)"
            ),
            has_digit,
            Group::FirstMatched,
            always,
        ),
        p(
            Kind::House,
            &format!(
                r"{LEAD}(?:(?i:буд\.?|будин(?:ок|ку|ком))\s*№?\s*({HOUSE_NUMBER})|(?i:{STREET_MARKERS})\s?(?:(?:\p{{Lu}}[\p{{L}}'’ʼ\-]*\.?|{ORDINAL})\s){{0,3}}(?:\p{{Lu}}[\p{{L}}'’ʼ\-]*|{ORDINAL}),?\s*({HOUSE_NUMBER})|(?i:{STREET_MARKERS})\s?(?:[\p{{L}}\d'’ʼ\-]+\.?\s){{0,3}}[\p{{L}}'’ʼ\-]+,\s*({HOUSE_NUMBER}))(?:$|[^\p{{L}}\p{{N}}\-/])"
            ),
            has_digit,
            Group::FirstMatched,
            always,
        ),
    ]);
    all
}

/// Words between a label and its value (`серії МК`, `учасника бойових дій`, `заявника`):
/// anything but a digit or a line end; it must start with a non-letter, so the label is a
/// whole word (`тел` is not the start of `телевізор`).
fn words_gap(max: usize) -> String {
    format!(r"(?:[^\p{{L}}\p{{N}}\n][^\d\n]{{0,{max}}}?)?")
}

/// Only spaces and signs (`№`, `:`) between a label and its value: for labels that are also
/// common words (`за рахунок коштів бюджету 12 500 000` is an amount, not an account).
const SIGNS_GAP: &str = r"[\s:№#.\-–]{0,5}";

/// A label, the gap, then the value (the replaced part).
fn label(words: &str, gap: &str, value: &str) -> String {
    format!(r"{LEAD}(?i:{words}){gap}({value})")
}

/// Values named by the word before them: a label says what a number is, so a tax or card
/// number that fails its checksum (a typo, a made-up example) is still that person's and is
/// replaced. Bare numbers without a label are left to the checksummed patterns below.
/// These run first, so the generic patterns never see half a labelled value.
fn labelled() -> Vec<Pattern> {
    let p = |kind, re: String, precheck: fn(&str) -> bool| Pattern {
        kind,
        regex: Regex::new(&re).expect("built-in pattern compiles"),
        precheck,
        group: Group::FirstMatched,
        validate: always,
    };
    // 4–22 digits, spaces or hyphens between groups; a letter series may precede.
    let digits = |min: usize, max: usize| format!(r"\d(?:[ \-]?\d){{{min},{max}}}{B}");
    vec![
        // IBAN: UA, two check digits, 25 more (bank code and account), grouped or not.
        p(
            Kind::Iban,
            format!(r"(?i-u:\b)((?i:UA)\s?\d{{2}}(?:\s?\d){{23,27}}){B}"),
            has_digit,
        ),
        // An IBAN named as such, whatever its length or country.
        p(
            Kind::Iban,
            label(
                r"IBAN|ІБАН",
                SIGNS_GAP,
                r"[A-Za-z]{2}\s?\d{2}(?:\s?[\dA-Za-z]){8,32}(?-u:\b)",
            ),
            has_digit,
        ),
        p(
            Kind::TaxNumber,
            label(
                r"ІПН|РНОКПП|ідентифікаційн\w*\s+(?:код\w*|номер\w*)|податков\w*\s+(?:номер\w*|код\w*)|реєстраційн\w*\s+номер\w*\s+облікової\s+картки",
                &words_gap(24),
                &digits(5, 13),
            ),
            has_digit,
        ),
        p(
            Kind::IdCard,
            label(
                r"id[\s\-]?карт\w*|ідентифікаційн\w*\s+карт\w*|посвідченн\w*",
                &words_gap(40),
                &format!(r"(?:[А-ЯІЇЄҐA-Z]{{2,3}}\s?№?\s?)?{}", digits(3, 13)),
            ),
            has_digit,
        ),
        p(
            Kind::Passport,
            label(
                r"паспорт\w*",
                &words_gap(40),
                &format!(r"(?:[А-ЯІЇЄҐA-Z]{{2}}\s?№?\s?)?{}", digits(3, 13)),
            ),
            has_digit,
        ),
        p(
            Kind::Card,
            label(
                r"картк[аиуіою]\w*|картці|карточк\w*",
                &words_gap(30),
                &digits(7, 22),
            ),
            has_digit,
        ),
        p(
            Kind::Card,
            label(
                r"рахун(?:ок|ку|ки|ком)|р/р",
                SIGNS_GAP,
                &format!(r"\d{{8,29}}{B}"),
            ),
            has_digit,
        ),
        p(
            Kind::Phone,
            label(
                r"тел(?:\.|ефон\w*)?|моб(?:\.|ільн\w*)?|контактн\w*\s+номер\w*|viber|вайбер|telegram|телеграм",
                &words_gap(12),
                r"\+?\(?\d(?:[\s\-\(\)]{0,2}\d){5,13}(?-u:\b)",
            ),
            has_digit,
        ),
        // A birth date: after its label, or before `р.н.` / `року народження`.
        p(
            Kind::BirthDate,
            label(
                r"дата\s+народження|д\.\s?н\.|народил?(?:ся|ася)|рік\s+народження",
                SIGNS_GAP,
                &format!(r"{BIRTH_DATE}{B}"),
            ),
            has_digit,
        ),
        p(
            Kind::BirthDate,
            format!(r"{B}({BIRTH_DATE})(?:\s?р\.?)?,?\s?(?i:р\.\s?н\.?|року\s+народження)"),
            has_digit,
        ),
        // An e-mail named as such, even with letters the generic pattern does not take.
        p(
            Kind::Email,
            format!(
                r"{LEAD}(?i:e-?mail|email|ел\.\s?пошт\w*|електронн\w*\s+пошт\w*)[\s:\-–]{{1,4}}([^\s,;<>()\[\]]+@[^\s,;<>()\[\]]+[^\s,;<>()\[\].])"
            ),
            |t: &str| t.contains('@'),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_real_test_cards_only() {
        assert!(luhn("4111 1111 1111 1111"));
        assert!(luhn("5375414112345674") || !luhn("5375414112345675"));
        assert!(!luhn("4111 1111 1111 1112"));
    }

    #[test]
    fn tax_number_checksum() {
        // 3184710691: a valid РНОКПП shape (checksum digit computed by hand).
        let base = "318471069";
        let check = (0..10).find(|d| tax_number(&format!("{base}{d}"))).unwrap();
        assert!(tax_number(&format!("{base}{check}")));
        assert!(!tax_number(&format!("{base}{}", (check + 1) % 10)));
    }

    #[test]
    fn url_paths() {
        assert!(url_has_path("fb.com/maryana.petrenko"));
        assert!(!url_has_path("https://1551.gov.ua/"));
        assert!(!url_has_path("1551.gov.ua"));
    }
}
