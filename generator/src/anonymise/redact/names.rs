//! Personal names in Ukrainian free text: full ПІБ with patronymics, surnames with initials
//! in either order, and first names and surnames from the lists shipped in
//! `generator/data/names/`, in all their case forms and with any apostrophe. Street names
//! (вул. Івана Франка) are not names. Pattern-shaped data is `patterns`' job.

use std::collections::HashSet;

const FIRST_NAMES: &str = include_str!("../../../data/names/first_names.txt");
const SURNAMES: &str = include_str!("../../../data/names/surnames.txt");

/// Words after which capitalised words are a street, park or institution name, not a person.
const PLACE_MARKERS: &[&str] = &[
    "вул",
    "вулиця",
    "вулиці",
    "вулицю",
    "вулицею",
    "вулиць",
    "просп",
    "проспект",
    "проспекту",
    "проспекті",
    "бульв",
    "бульвар",
    "бульвару",
    "бульварі",
    "пров",
    "провулок",
    "провулку",
    "пл",
    "площа",
    "площі",
    "площу",
    "наб",
    "набережна",
    "набережній",
    "шосе",
    "узвіз",
    "узвозі",
    "ім",
    "імені",
    "парк",
    "парку",
    "сквер",
    "скверу",
    "станція",
    "станції",
    "метро",
    "міст",
    "мосту",
    "район",
    "районі",
    "масив",
    "масиві",
];

/// Place markers that are abbreviations, written with a dot (`вул. Івана Франка`).
const ABBREVIATED_MARKERS: &[&str] = &["вул", "просп", "бульв", "пров", "пл", "наб", "ім"];

/// Capitalised words that stand next to names but are not part of them.
const NOT_NAMES: &[&str] = &[
    "шановний",
    "шановна",
    "шановні",
    "вельмишановний",
    "вельмишановна",
    "пане",
    "пані",
    "пан",
    "заявник",
    "заявниця",
    "звертається",
    "звертаюсь",
    "звертаюся",
    "прошу",
    "мене",
    "дякую",
    "виконавець",
    "доброго",
    "добрий",
    "громадянин",
    "громадянка",
    "депутат",
    "голова",
    "директор",
    "відповідь",
    "автор",
    "від",
    "до",
    "та",
    "і",
    "й",
];

/// Honorifics, forms of address and labels after which the capitalised words are a person's
/// name whatever the name is (listed or not): `пані Ковальчук`, `гр. Мельничук`,
/// `Шановний Остапе`, `заявник: Гнатюк`. Abbreviations (`гр`, `п`) count only with their dot.
const HONORIFICS: &[&str] = &[
    "пан",
    "пана",
    "пану",
    "паном",
    "пане",
    "панові",
    "панам",
    "пані",
    "панове",
    "панство",
    "гр",
    "громадянин",
    "громадянина",
    "громадянину",
    "громадянином",
    "громадянинові",
    "громадянка",
    "громадянки",
    "громадянці",
    "громадянку",
    "громадянкою",
    "громадянко",
    "шановний",
    "шановна",
    "шановного",
    "шановному",
    "шановній",
    "шановну",
    "шановне",
    "вельмишановний",
    "вельмишановна",
    "п",
    "добродій",
    "добродія",
    "добродію",
    "добродієві",
    "добродійка",
    "добродійки",
    "добродійці",
    "добродійко",
    "добродійку",
    "заявник",
    "заявника",
    "заявнику",
    "заявником",
    "заявниця",
    "заявниці",
    "заявницю",
    "заявницею",
    "піб",
    "прізвище",
    "звати",
    "сусід",
    "сусіда",
    "сусідка",
    "сусідки",
    "сусідку",
    "мешканець",
    "мешканця",
    "мешканка",
    "мешканки",
    "гражданин",
    "гражданка",
];

/// Abbreviated honorifics: a form of address only when a dot follows.
const ABBREVIATED: &[&str] = &["гр", "п"];

/// Capitalised words after an honorific that are not a name (`громадянин України`).
const NOT_NAMES_AFTER_HONORIFIC: &[&str] = &[
    "україни",
    "україна",
    "києва",
    "київ",
    "міста",
    "прошу",
    "дякую",
    "повідомляю",
    "звертаюсь",
    "звертаюся",
    "голово",
    "голова",
    "директоре",
    "директор",
    "депутате",
    "мер",
    "мере",
    "міський",
];

/// Capitalised words of public names (the state, the city, bodies, laws, the polite
/// pronoun) that a pair of capitalised words may hold without being a person.
const PUBLIC_WORDS: &[&str] = &[
    "україна",
    "україни",
    "україні",
    "україну",
    "україною",
    "київ",
    "києва",
    "києві",
    "київська",
    "київської",
    "київській",
    "київський",
    "київського",
    "київрада",
    "київради",
    "кабінет",
    "кабінету",
    "міністрів",
    "рада",
    "ради",
    "раді",
    "верховна",
    "верховної",
    "закон",
    "закону",
    "законом",
    "кодекс",
    "кодексу",
    "конституція",
    "конституції",
    "президент",
    "президента",
    "президентом",
    "республіка",
    "республіки",
    "міністерство",
    "міністерства",
    "державна",
    "державної",
    "державний",
    "державного",
    "департамент",
    "департаменту",
    "головне",
    "головного",
    "управління",
    "служба",
    "служби",
    "центр",
    "центру",
    "ви",
    "вас",
    "вам",
    "вами",
    "ваш",
    "ваша",
    "ваше",
    "вашого",
    "вашої",
    "вашу",
    "вашим",
    "вашій",
    "бог",
    "різдво",
    "великдень",
    "новий",
    "рік",
    "європейський",
    "європейського",
    "союз",
    "союзу",
    "національний",
    "національного",
    "національна",
    "національної",
    "уряд",
    "уряду",
    "урядова",
    "урядової",
    "контактний",
    "контактного",
    "прошу",
    "дякую",
    "доброго",
    "добрий",
    "день",
    "дня",
    "вітаю",
    "шановні",
    "увага",
    "терміново",
    "повторно",
    "скарга",
    "звернення",
    "заява",
    "відповідь",
    "примітка",
];

/// Finds names. Built once; lookups are hash-set hits on lower-cased words.
pub struct NameFinder {
    first: HashSet<String>,
    surnames: HashSet<String>,
}

/// Normalises apostrophes (’ ʼ ` ') and case so every spelling hits the same entry.
pub fn normalise(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    normalise_into(word, &mut out);
    out
}

/// `normalise` into a reused buffer (cleared first).
fn normalise_into(word: &str, out: &mut String) {
    out.clear();
    for c in word.chars() {
        match c {
            '’' | 'ʼ' | '`' | '\'' | '‘' => out.push('\''),
            // Cyrillic capitals without the general Unicode case tables.
            'А'..='Я' => out.push(char::from_u32(c as u32 + 0x20).unwrap_or(c)),
            'Ѐ'..='Џ' => out.push(char::from_u32(c as u32 + 0x50).unwrap_or(c)),
            'Ґ' => out.push('ґ'),
            c if c.is_ascii() || ('а'..='џ').contains(&c) || c == 'ґ' => {
                out.push(c.to_ascii_lowercase())
            }
            c => out.extend(c.to_lowercase()),
        }
    }
}

fn list(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(normalise)
}

fn strip<'a>(word: &'a str, suffix: &str) -> Option<&'a str> {
    word.strip_suffix(suffix)
}

/// Case forms of a first name (over-generating is harmless: only names are listed).
fn first_name_forms(name: &str) -> Vec<String> {
    let mut out = vec![name.to_string()];
    let mut add = |stem: &str, endings: &[&str]| {
        out.extend(endings.iter().map(|e| format!("{stem}{e}")));
    };
    if let Some(stem) = strip(name, "ій") {
        add(stem, &["ія", "ію", "ієві", "ієм", "ії", "ій"]);
    } else if let Some(stem) = strip(name, "а") {
        add(stem, &["и", "і", "у", "ою", "о", "ой"]);
        for (hard, soft) in [("г", "з"), ("к", "ц"), ("х", "с")] {
            if let Some(s) = stem.strip_suffix(hard) {
                add(&format!("{s}{soft}"), &["і"]);
            }
        }
    } else if let Some(stem) = strip(name, "я") {
        add(stem, &["ї", "і", "ю", "єю", "ею", "є", "е"]);
    } else if let Some(stem) = strip(name, "о") {
        add(stem, &["а", "у", "ові", "ом", "е", "і"]);
    } else if let Some(stem) = strip(name, "ь") {
        add(stem, &["я", "ю", "еві", "ем", "і", "е"]);
    } else {
        add(
            name,
            &["а", "у", "ові", "ом", "е", "і", "я", "ю", "еві", "ем"],
        );
        if let Some(stem) = strip(name, "ір") {
            add(&format!("{stem}ор"), &["а", "у", "ові", "ом", "е"]);
        }
        if name == "лев" {
            add("льв", &["а", "у", "ові", "ом"]);
        }
    }
    out
}

/// Case forms of a surname, masculine and feminine.
fn surname_forms(name: &str) -> Vec<String> {
    let mut out = vec![name.to_string()];
    let mut add = |stem: &str, endings: &[&str]| {
        out.extend(endings.iter().map(|e| format!("{stem}{e}")));
    };
    if let Some(stem) = strip(name, "ий").or_else(|| strip(name, "ій")) {
        add(
            stem,
            &[
                "ий", "ій", "ого", "ому", "им", "ім", "а", "ої", "у", "ою", "ього", "ьому",
            ],
        );
    } else if let Some(stem) = strip(name, "а") {
        add(
            stem,
            &["и", "і", "у", "ою", "о", "ої", "ій", "ий", "ого", "ому"],
        );
    } else if let Some(stem) = strip(name, "о") {
        add(stem, &["а", "у", "ові", "ом", "е"]);
    } else if let Some(stem) = strip(name, "ь") {
        add(stem, &["я", "ю", "еві", "ем", "і", "е"]);
    } else {
        add(
            name,
            &[
                "а", "у", "ові", "ом", "ем", "е", "і", "ю", "я", "еві", "им", "ім", "ої", "ій",
                "ою",
            ],
        );
    }
    out
}

/// A patronymic in any case: Олексійович, Олександровичу, Олегівна, Іванівною, Ілліч …
/// (Called for every capitalised word, so it allocates nothing.)
fn is_patronymic(lower: &str) -> bool {
    const STEMS: [&str; 6] = ["ович", "евич", "євич", "івн", "ївн", "ічн"];
    if lower.chars().nth(5).is_none() {
        return false;
    }
    STEMS.iter().any(|stem| {
        // The stem, then at most three letters of case ending, after at least two letters.
        let mut rest = lower;
        for _ in 0..=3 {
            if rest
                .strip_suffix(stem)
                .is_some_and(|head| head.chars().nth(1).is_some())
            {
                return true;
            }
            let mut chars = rest.chars();
            match chars.next_back() {
                Some(c) if "аеиіуюоїмя".contains(c) => rest = chars.as_str(),
                _ => return false,
            }
        }
        false
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// A capitalised word (or an all-caps one).
    Cap,
    /// One capital letter and a dot: an initial.
    Initial,
    /// Anything else that is a word.
    Lower,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Evidence {
    None,
    /// A listed surname: a name on its own only where a sentence does not start.
    Weak,
    /// A first name, a patronymic or an initial.
    Strong,
}

struct Word {
    start: usize,
    end: usize,
    token: Token,
    evidence: Evidence,
    /// The gap before this word is only spaces (the word continues a name).
    joined: bool,
    /// A sentence starts here.
    sentence_start: bool,
    /// The last lower-case word before it was a street/place marker.
    after_place_marker: bool,
    /// A patronymic in some case form.
    patronymic: bool,
    /// A word that is capitalised for another reason than being a name (`України`, `Вас`,
    /// an abbreviation such as `КМДА`).
    public: bool,
}

/// A letter; Cyrillic and ASCII without the slow Unicode table lookup.
fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || ('\u{410}'..='\u{44F}').contains(&c)
        || matches!(c, 'і' | 'ї' | 'є' | 'ґ' | 'І' | 'Ї' | 'Є' | 'Ґ' | 'ё' | 'Ё')
        || !c.is_ascii() && !('\u{400}'..='\u{4FF}').contains(&c) && c.is_alphabetic()
}

/// A capital letter; Cyrillic and ASCII without the Unicode table lookup.
fn is_upper(c: char) -> bool {
    c.is_ascii_uppercase()
        || ('\u{400}'..='\u{42F}').contains(&c)
        || c == 'Ґ'
        || !c.is_ascii() && !('\u{430}'..='\u{45F}').contains(&c) && c.is_uppercase()
}

fn is_word_char(c: char) -> bool {
    is_letter(c) || matches!(c, '\'' | '’' | 'ʼ' | '`')
}

impl Default for NameFinder {
    fn default() -> Self {
        Self::new()
    }
}

impl NameFinder {
    pub fn new() -> NameFinder {
        NameFinder {
            first: list(FIRST_NAMES)
                .flat_map(|n| first_name_forms(&n))
                .collect(),
            surnames: list(SURNAMES).flat_map(|n| surname_forms(&n)).collect(),
        }
    }

    /// Whether `word` (any case, any apostrophe) is a listed first name in some case form.
    pub fn is_first_name(&self, word: &str) -> bool {
        self.first.contains(&normalise(word))
    }

    pub fn is_surname(&self, word: &str) -> bool {
        self.surnames.contains(&normalise(word))
    }

    fn words(&self, text: &str) -> Vec<Word> {
        let mut words = Vec::new();
        let mut lower = String::new();
        let mut last_lower: Option<(usize, usize)> = None;
        let mut prev_end = 0;
        let mut iter = text.char_indices().peekable();
        while let Some((start, c)) = iter.next() {
            if !is_letter(c) {
                continue;
            }
            let mut end = start + c.len_utf8();
            while let Some(&(i, n)) = iter.peek() {
                let hyphen_join = n == '-' && text[i + 1..].chars().next().is_some_and(is_letter);
                if is_word_char(n) || hyphen_join {
                    end = i + n.len_utf8();
                    iter.next();
                } else {
                    break;
                }
            }
            let word = &text[start..end];
            // The suffix of an ordinal (`6-та Лінія`, `3-й`) is not a word of its own: it
            // must not end a street marker's reach.
            let ordinal_suffix = text[..start].ends_with('-')
                && text[..start - 1]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_digit());
            if ordinal_suffix && !is_upper(c) {
                continue;
            }
            let gap = &text[prev_end..start];
            let first_upper = is_upper(c);
            let single = word.len() == c.len_utf8();
            let followed_by_dot = text[end..].starts_with('.');
            let token = if first_upper && single && followed_by_dot {
                Token::Initial
            } else if first_upper && !single {
                Token::Cap
            } else {
                Token::Lower
            };
            let sentence_start = words.is_empty() && gap.trim().is_empty()
                || gap.contains(['.', '!', '?', '\n', ':', '«', '"', '(']) && {
                    // An initial's dot does not end a sentence.
                    !words
                        .last()
                        .is_some_and(|w: &Word| w.token == Token::Initial)
                };
            let joined = !words.is_empty()
                && !gap.is_empty()
                && gap.chars().all(|c| c == ' ' || c == '\u{a0}')
                || words
                    .last()
                    .is_some_and(|w: &Word| w.token == Token::Initial)
                    && (gap == "." || gap == ". " || gap == ".\u{a0}");
            let after_place_marker = token != Token::Lower
                && match words.last() {
                    Some(w) if w.token == Token::Lower => last_lower.is_some_and(|(s, e)| {
                        normalise_into(&text[s..e], &mut lower);
                        // A sentence between them ends the marker's reach («… район. Орхип
                        // Опанасенко просить»), except after an abbreviation's dot (`вул.`).
                        let between = &text[e..start];
                        let abbreviated = between.starts_with('.')
                            && ABBREVIATED_MARKERS.contains(&lower.as_str());
                        let ended =
                            between.contains(['.', '!', '?', '\n', ':', '«', '"', '(', ';']);
                        PLACE_MARKERS.contains(&lower.as_str())
                            && (!ended
                                || abbreviated && !between[1..].contains(['.', '!', '?', '\n']))
                    }),
                    Some(w) => w.after_place_marker && joined,
                    None => false,
                };
            let mut patronymic = false;
            let mut public = false;
            let evidence = match token {
                Token::Initial => Evidence::Strong,
                Token::Lower => Evidence::None,
                Token::Cap => {
                    normalise_into(word, &mut lower);
                    patronymic = is_patronymic(&lower);
                    let letters = word.chars().count();
                    public = PUBLIC_WORDS.contains(&lower.as_str())
                        || NOT_NAMES.contains(&lower.as_str())
                        || letters <= 5 && word.chars().all(|c| !is_letter(c) || is_upper(c))
                        || word.contains('-') && !lower.split('-').all(|p| p.chars().count() > 2);
                    if self.first.contains(&lower) || patronymic {
                        Evidence::Strong
                    } else if self.surnames.contains(&lower)
                        || lower.split('-').any(|part| self.surnames.contains(part))
                    {
                        Evidence::Weak
                    } else {
                        Evidence::None
                    }
                }
            };
            if token == Token::Lower {
                last_lower = Some((start, end));
            }
            words.push(Word {
                start,
                end,
                token,
                evidence,
                joined,
                sentence_start,
                after_place_marker,
                patronymic,
                public,
            });
            prev_end = end;
        }
        words
    }

    /// Byte spans of names in `text`, in order, not overlapping.
    pub fn find(&self, text: &str) -> Vec<(usize, usize)> {
        let words = self.words(text);
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < words.len() {
            // A run: consecutive capitalised words and initials joined by spaces.
            if words[i].token == Token::Lower {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < words.len() && words[j].token != Token::Lower && words[j].joined {
                j += 1;
            }
            let run = &words[i..j];
            if !run[0].after_place_marker {
                self.spans_in_run(run, text, &mut spans);
                unlisted_pairs(run, &mut spans);
            }
            i = j;
        }
        after_honorifics(&words, text, &mut spans);
        merge(spans, text)
    }

    fn spans_in_run(&self, run: &[Word], text: &str, spans: &mut Vec<(usize, usize)>) {
        let mut a = 0;
        while a < run.len() {
            if run[a].evidence == Evidence::None {
                a += 1;
                continue;
            }
            let mut b = a + 1;
            while b < run.len() && run[b].evidence != Evidence::None {
                b += 1;
            }
            let seq = &run[a..b];
            let strong = seq.iter().any(|w| w.evidence == Evidence::Strong);
            let initials = seq.iter().filter(|w| w.token == Token::Initial).count();
            let caps = seq.len() - initials;
            let mut from = a;
            let mut to = b;
            let has_given = seq
                .iter()
                .any(|w| w.token == Token::Cap && w.evidence == Evidence::Strong);
            // Surname + initials is a whole name; a first name or patronymic with fewer than
            // three words may still miss its surname (or patronymic).
            if has_given && caps < 3 || initials > 0 && caps == 0 {
                // The neighbour before or after is taken too, unless it is a form of address.
                let extends = |w: &Word| {
                    w.token == Token::Cap
                        && !NOT_NAMES.contains(&normalise(&text[w.start..w.end]).as_str())
                };
                // A ПІБ is three words: a patronymic takes up to two words before it
                // (surname and first name, listed or not), any other evidence one.
                let reach = if seq.iter().any(|w| w.patronymic) {
                    2
                } else {
                    1
                };
                for _ in 0..reach {
                    if from > 0 && extends(&run[from - 1]) && to - from < 3 {
                        from -= 1;
                    }
                }
                if to < run.len() && extends(&run[to]) && to - from < 3 {
                    to += 1;
                }
            }
            let counted = to - from;
            let is_name = if initials > 0 {
                counted > initials || initials >= 2
            } else if strong {
                true
            } else {
                counted >= 2 || !seq[0].sentence_start
            };
            if is_name {
                let start = run[from].start;
                let mut end = run[to - 1].end;
                if run[to - 1].token == Token::Initial && text[end..].starts_with('.') {
                    end += 1;
                }
                spans.push((start, end));
            }
            a = b.max(to);
        }
    }
}

/// Two or three capitalised words side by side that are neither a place (after a street
/// marker), an institution's or a law's name, nor an abbreviation: a first name and a
/// surname that no list holds (`Трохим Теличенко`). Ukrainian capitalises only the first word
/// of an institution's name (`Київська міська рада`), so such pairs are rare otherwise.
fn unlisted_pairs(run: &[Word], spans: &mut Vec<(usize, usize)>) {
    let mut a = 0;
    while a < run.len() {
        if run[a].token != Token::Cap || run[a].public {
            a += 1;
            continue;
        }
        let mut b = a + 1;
        while b < run.len() && b < a + 3 && run[b].token == Token::Cap && !run[b].public {
            b += 1;
        }
        if b - a >= 2 {
            spans.push((run[a].start, run[b - 1].end));
        }
        a = b;
    }
}

/// Whether the word is an honorific (an abbreviated one only with its dot).
fn is_honorific(w: &Word, text: &str, lower: &mut String) -> bool {
    normalise_into(&text[w.start..w.end], lower);
    HONORIFICS.contains(&lower.as_str())
        && (!ABBREVIATED.contains(&lower.as_str()) || text[w.end..].starts_with('.'))
}

/// The capitalised words right after an honorific (other honorifics skipped: `Шановна пані
/// Ковальчук`), up to three, are a name; listed or not, in whatever case form it stands.
fn after_honorifics(words: &[Word], text: &str, spans: &mut Vec<(usize, usize)>) {
    let mut lower = String::new();
    let mut i = 0;
    while i < words.len() {
        if !is_honorific(&words[i], text, &mut lower) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < words.len() && is_honorific(&words[j], text, &mut lower) {
            j += 1;
        }
        // Only spaces, the abbreviation's dot, a colon or a dash between them.
        let close = |a: &Word, b: &Word| {
            let gap = &text[a.end..b.start];
            gap.chars().count() <= 4
                && gap
                    .chars()
                    .all(|c| matches!(c, ' ' | '\u{a0}' | '.' | ':' | '-' | '–'))
        };
        let starts_name = j < words.len()
            && words[j].token != Token::Lower
            && close(&words[j - 1], &words[j])
            && !words[j].after_place_marker
            && {
                normalise_into(&text[words[j].start..words[j].end], &mut lower);
                !NOT_NAMES_AFTER_HONORIFIC.contains(&lower.as_str())
                    && !NOT_NAMES.contains(&lower.as_str())
            };
        if !starts_name {
            i = j.max(i + 1);
            continue;
        }
        let mut k = j + 1;
        while k < words.len()
            && k < j + 3
            && words[k].token != Token::Lower
            && (words[k].joined || words[k - 1].token == Token::Initial)
            && close(&words[k - 1], &words[k])
        {
            k += 1;
        }
        let start = words[j].start;
        let mut end = words[k - 1].end;
        if words[k - 1].token == Token::Initial && text[end..].starts_with('.') {
            end += 1;
        }
        spans.push((start, end));
        i = k;
    }
}

/// Sorts spans and merges those that overlap or touch across spaces, so each name becomes
/// one placeholder and replacement never sees overlapping spans.
fn merge(mut spans: Vec<(usize, usize)>, text: &str) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        match out.last_mut() {
            Some(last)
                if start <= last.1
                    || text[last.1..start]
                        .chars()
                        .all(|c| c == ' ' || c == '\u{a0}') =>
            {
                last.1 = last.1.max(end);
            }
            _ => out.push((start, end)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(text: &str) -> String {
        let finder = NameFinder::new();
        let mut out = String::new();
        let mut last = 0;
        for (s, e) in finder.find(text) {
            out.push_str(&text[last..s]);
            out.push_str("[ім'я]");
            last = e;
        }
        out.push_str(&text[last..]);
        out
    }

    #[test]
    fn full_names_in_every_case() {
        assert_eq!(
            redact("Шановний Володимире Олександровичу!"),
            "Шановний [ім'я]!"
        );
        assert_eq!(
            redact("Заявник ВАСИЛЕНКО ОЛЬГА ОЛЕКСІЙНА, м. Київ"),
            "Заявник [ім'я], м. Київ"
        );
        assert_eq!(redact("відповідь Мар’яні Петренко"), "відповідь [ім'я]");
        assert_eq!(redact("разом з Мар'яною Квітчинською"), "разом з [ім'я]");
        assert_eq!(
            redact("Звертається Ганна Квітчинська, тел."),
            "Звертається [ім'я], тел."
        );
        assert_eq!(redact("Квітчинська Ганна Олегівна"), "[ім'я]");
        assert_eq!(redact("Шановна Мар'яно Олегівно!"), "Шановна [ім'я]!");
    }

    #[test]
    fn initials_either_side() {
        assert_eq!(
            redact("Виконавець: Ковалчук О.М. Строк"),
            "Виконавець: [ім'я] Строк"
        );
        assert_eq!(redact("(К.М.ЛЯПІНА)"), "([ім'я])");
        assert_eq!(redact("підпис О. Пузанов"), "підпис [ім'я]");
        assert_eq!(redact("Хонді М.П."), "[ім'я]");
    }

    #[test]
    fn streets_districts_and_offices_stay() {
        for text in [
            "вул. Івана Франка, поруч зі сквером",
            "бульвар Лесі Українки",
            "проспект Героїв Сталінграда",
            "Шевченківський район, Оболонській районній в місті Києві державній адміністрації",
            "Департамент житлово-комунальної інфраструктури",
            "Мороз пошкодив трубу.",
        ] {
            assert_eq!(redact(text), text);
        }
    }

    #[test]
    fn surname_alone_mid_sentence() {
        assert_eq!(
            redact("прошу пані Петренко передзвонити"),
            "прошу пані [ім'я] передзвонити"
        );
    }

    #[test]
    fn normalise_folds_case_and_apostrophes() {
        assert_eq!(normalise("МАР’ЯНА"), "мар'яна");
        assert_eq!(normalise("Ґудзь-ЇЖАК"), "ґудзь-їжак");
        assert_eq!(normalise("ЁЖ Ñ"), "ёж ñ");
    }

    #[test]
    fn patronymics() {
        assert!(is_patronymic("олександровичу"));
        assert!(is_patronymic("олегівною"));
        assert!(!is_patronymic("будинок"));
    }
}
