//! Redaction of free text: replaces personal data with typed placeholders (`[телефон]`,
//! `[ім'я]`, …) and counts what it replaced. Patterns live in `patterns`, names in `names`.
//! It does not decide which columns are free text; the policy does.

mod names;
mod patterns;

use std::collections::BTreeMap;

pub use names::{normalise, NameFinder};
pub use patterns::{luhn, tax_number};

/// A type of personal data found in free text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Email,
    Url,
    Card,
    Iban,
    Phone,
    BirthDate,
    TaxNumber,
    Passport,
    IdCard,
    Plate,
    Apartment,
    House,
    Name,
    /// A street named in the text of a row generalised beyond its street.
    Street,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::Email,
        Kind::Url,
        Kind::Card,
        Kind::Iban,
        Kind::Phone,
        Kind::BirthDate,
        Kind::TaxNumber,
        Kind::Passport,
        Kind::IdCard,
        Kind::Plate,
        Kind::Apartment,
        Kind::House,
        Kind::Name,
        Kind::Street,
    ];

    /// What replaces a value of this kind.
    pub fn placeholder(self) -> &'static str {
        match self {
            Kind::Email => "[ел. пошта]",
            Kind::Url => "[посилання]",
            Kind::Card => "[банківська картка]",
            Kind::Iban => "[рахунок]",
            Kind::BirthDate => "[дата народження]",
            Kind::Phone => "[телефон]",
            Kind::TaxNumber => "[податковий номер]",
            Kind::Passport => "[паспорт]",
            Kind::IdCard => "[ID-картка]",
            Kind::Plate => "[номерний знак]",
            Kind::Apartment => "[квартира]",
            Kind::House => "[будинок]",
            Kind::Name => "[ім'я]",
            Kind::Street => "[вулиця]",
        }
    }

    /// The kind's key in the privacy report.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Url => "url",
            Kind::Card => "bank_card",
            Kind::Iban => "iban",
            Kind::BirthDate => "birth_date",
            Kind::Phone => "phone",
            Kind::TaxNumber => "tax_number",
            Kind::Passport => "passport",
            Kind::IdCard => "id_card",
            Kind::Plate => "car_plate",
            Kind::Apartment => "apartment",
            Kind::House => "house_number",
            Kind::Name => "name",
            Kind::Street => "street",
        }
    }
}

/// Redactions made, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts([u64; Kind::ALL.len()]);

impl Counts {
    pub fn add(&mut self, kind: Kind, n: u64) {
        self.0[kind as usize] += n;
    }

    pub fn merge(&mut self, other: &Counts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    pub fn get(&self, kind: Kind) -> u64 {
        self.0[kind as usize]
    }

    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// By report key, every kind listed (zeros too, so readers see what was looked for).
    pub fn to_map(&self) -> BTreeMap<&'static str, u64> {
        Kind::ALL.iter().map(|k| (k.key(), self.get(*k))).collect()
    }
}

/// The lazy DFA cache of the pre-filter, per thread.
const PREFILTER_DFA_BYTES: usize = 64 << 20;

/// The redactor: compiled patterns and the name lists. Build once, share across threads.
pub struct Redactor {
    patterns: Vec<patterns::Pattern>,
    /// All patterns in one automaton: one scan says which patterns can match at all, so a
    /// text is scanned again only by those (most texts hit three or four of eleven).
    prefilter: regex::RegexSet,
    streets: patterns::Pattern,
    names: NameFinder,
}

impl Default for Redactor {
    fn default() -> Self {
        Self::new()
    }
}

impl Redactor {
    pub fn new() -> Redactor {
        let patterns = patterns::all();
        // The set's lazy DFA needs room: the case-insensitive Cyrillic labels and honorifics
        // make many states, and with the default cache it was cleared so often that the set
        // fell back to the PikeVM (86 % of anonymise's CPU; 1M appeals took 438 CPU-s).
        let prefilter = regex::RegexSetBuilder::new(patterns.iter().map(|p| p.regex.as_str()))
            .dfa_size_limit(PREFILTER_DFA_BYTES)
            .build()
            .expect("built-in patterns compile");
        Redactor {
            patterns,
            prefilter,
            streets: patterns::streets(),
            names: NameFinder::new(),
        }
    }

    /// `text` with street names replaced too: for rows whose location was generalised to
    /// the district, so the text does not say what the `street` column no longer does.
    pub fn redact_with_streets(&self, text: &str, counts: &mut Counts) -> String {
        let text = self.redact(text, counts);
        match self.streets.apply(&text) {
            Some((out, n)) => {
                counts.add(Kind::Street, n);
                out
            }
            None => text,
        }
    }

    /// `text` with every personal value replaced by its placeholder; adds to `counts`.
    pub fn redact(&self, text: &str, counts: &mut Counts) -> String {
        let mut current = std::borrow::Cow::Borrowed(text);
        for i in self.prefilter.matches(text).iter() {
            let pattern = &self.patterns[i];
            if let Some((out, n)) = pattern.apply(&current) {
                counts.add(pattern.kind, n);
                current = std::borrow::Cow::Owned(out);
            }
        }
        let spans = self.names.find(&current);
        if spans.is_empty() {
            return current.into_owned();
        }
        counts.add(Kind::Name, spans.len() as u64);
        let placeholder = Kind::Name.placeholder();
        let mut out = String::with_capacity(current.len());
        let mut last = 0;
        for (start, end) in spans {
            out.push_str(&current[last..start]);
            out.push_str(placeholder);
            last = end;
        }
        out.push_str(&current[last..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(text: &str) -> (String, Counts) {
        let mut counts = Counts::default();
        let out = Redactor::new().redact(text, &mut counts);
        (out, counts)
    }

    #[test]
    fn phones_in_every_common_format() {
        for phone in [
            "+380 67 123 45 67",
            "+38 (067) 123-45-67",
            "+380671234567",
            "380671234567",
            "067-123-45-67",
            "0671234567",
            "(044) 234-56-78",
            "044 234 56 78",
            "8 067 123 45 67",
            "8(044)2345678",
            "234-56-78",
        ] {
            let (out, counts) = redact(&format!("телефонуйте {phone}, дякую"));
            assert_eq!(out, "телефонуйте [телефон], дякую", "{phone}");
            assert_eq!(counts.get(Kind::Phone), 1);
        }
    }

    #[test]
    fn structured_values() {
        let cases = [
            (
                "пишіть на maryana.petrenko87@ukr.net",
                "пишіть на [ел. пошта]",
            ),
            ("профіль fb.com/maryana.petrenko.87", "профіль [посилання]"),
            ("сайт 1551.gov.ua працює", "сайт 1551.gov.ua працює"),
            ("картка 4111 1111 1111 1111", "картка [банківська картка]"),
            ("паспорт СН 123456", "паспорт [паспорт]"),
            ("ID-картка № 001234567", "ID-картка № [ID-картка]"),
            ("авто АА 1234 ВС стоїть", "авто [номерний знак] стоїть"),
            ("буд. 8, кв. 12", "буд. [будинок], [квартира]"),
            ("вул. Хрещатик, 14", "вул. Хрещатик, [будинок]"),
            (
                "проспект Героїв Сталінграда 51",
                "проспект Героїв Сталінграда [будинок]",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(redact(text).0, expected, "{text}");
        }
    }

    #[test]
    fn tax_numbers_need_their_checksum() {
        let base = "318471069";
        let good = (0..10u8)
            .map(|d| format!("{base}{d}"))
            .find(|n| tax_number(n))
            .unwrap();
        assert_eq!(redact(&format!("ІПН {good}")).0, "ІПН [податковий номер]");
        let bad = format!("{base}{}", (good.as_bytes()[9] - b'0' + 1) % 10);
        assert_eq!(redact(&format!("№ {bad}")).0, format!("№ {bad}"));
    }

    #[test]
    fn what_must_stay_stays() {
        for text in [
            "рішення Київради № 824/7060 від 15.12.2011",
            "розпорядження № 225 від 10.02.2012, лист 050/17-4113",
            "сума 3 301 953,5 тис. грн у 2024 році",
            "Тел. 15-51, WEB-сайт 1551.gov.ua",
            "вул. Івана Франка, Печерський район",
            "заступник голови Київської міської державної адміністрації",
            "Департамент житлово-комунальної інфраструктури",
            "Голосіївський, Дарницький, Деснянський, Дніпровський, Оболонський",
        ] {
            assert_eq!(redact(text).0, text);
        }
    }

    #[test]
    fn streets_go_only_when_asked() {
        let text = "Яма біля будинку на вул. Івана Франка, 5 та на проспекті Перемоги.";
        let mut counts = Counts::default();
        let r = Redactor::new();
        assert_eq!(
            r.redact(text, &mut counts),
            "Яма біля будинку на вул. Івана Франка, [будинок] та на проспекті Перемоги."
        );
        assert_eq!(
            r.redact_with_streets(text, &mut counts),
            "Яма біля будинку на [вулиця], [будинок] та на [вулиця]."
        );
        assert_eq!(counts.get(Kind::Street), 2);
    }

    #[test]
    fn labelled_values_go_whatever_their_checksum() {
        // Each number fails its checksum (РНОКПП, Luhn) or has no checksum at all; the label
        // says what it is.
        let cases = [
            (
                "мій ІПН 2987654310, прошу",
                "мій ІПН [податковий номер], прошу",
            ),
            ("РНОКПП: 3109876543", "РНОКПП: [податковий номер]"),
            (
                "ідентифікаційний номер 1234567899 заявника",
                "ідентифікаційний номер [податковий номер] заявника",
            ),
            (
                "податковий номер 31 094 87650",
                "податковий номер [податковий номер]",
            ),
            (
                "номер картки 5168 7420 0000 1234 для повернення",
                "номер картки [банківська картка] для повернення",
            ),
            (
                "на картку 4149-6090-1111-2222",
                "на картку [банківська картка]",
            ),
            ("рахунок № 26007233566001", "рахунок № [банківська картка]"),
            (
                "IBAN UA21 3223 1300 0002 6007 2335 6600 1",
                "IBAN [рахунок]",
            ),
            (
                "кошти на UA213223130000026007233566001.",
                "кошти на [рахунок].",
            ),
            ("паспорт серії МК № 004512", "паспорт серії [паспорт]"),
            ("паспорт 00451299", "паспорт [паспорт]"),
            ("ID-картка 0045129", "ID-картка [ID-картка]"),
            (
                "посвідчення учасника бойових дій № 112233",
                "посвідчення учасника бойових дій № [ID-картка]",
            ),
            (
                "посвідчення водія ВХР 412233",
                "посвідчення водія [ID-картка]",
            ),
            ("тел. 97-123-4567", "тел. [телефон]"),
            ("Телефон: 44 5551234", "Телефон: [телефон]"),
            ("моб. +48 512 345 678", "моб. [телефон]"),
            ("e-mail: ярина.гнатюк@укрнет.юа", "e-mail: [ел. пошта]"),
            ("пишіть: o.hnatiuk@i.ua", "пишіть: [ел. пошта]"),
            ("кв. 217, будинок 14-Б", "[квартира], будинок [будинок]"),
            ("Квартира: 9", "[квартира]"),
            (
                "Гнатюк Ярема, 12.03.1985 р.н., просить",
                "[ім'я], [дата народження] р.н., просить",
            ),
            (
                "дата народження: 1939-12-03",
                "дата народження: [дата народження]",
            ),
            ("1961 року народження", "[дата народження] року народження"),
        ];
        for (text, expected) in cases {
            assert_eq!(redact(text).0, expected, "{text}");
        }
    }

    #[test]
    fn labels_that_are_common_words_keep_amounts_and_channels() {
        for text in [
            "за рахунок коштів міського бюджету 12 500 000 грн",
            "за рахунок бюджету 3 301 953,5 тис. грн",
            "Тел. 15-51, WEB-сайт 1551.gov.ua",
            "телевізор 2013 року",
            "реєстраційна картка звернення П-6714",
            "Показати на карті 2013",
        ] {
            assert_eq!(redact(text).0, text);
        }
    }

    #[test]
    fn names_after_honorifics_in_every_case() {
        let cases = [
            (
                "прошу повідомити пані Ковальчук",
                "прошу повідомити пані [ім'я]",
            ),
            ("пан Дорошенко скаржиться", "пан [ім'я] скаржиться"),
            ("від гр. Мельничук надійшло", "від гр. [ім'я] надійшло"),
            ("громадянка Савчук просить", "громадянка [ім'я] просить"),
            ("Шановний Остапе!", "Шановний [ім'я]!"),
            (
                "Шановна пані Сластьон, дякуємо",
                "Шановна пані [ім'я], дякуємо",
            ),
            ("передати панові Їжакевичу", "передати панові [ім'я]"),
            (
                "громадянину Чупринці Б. відмовлено",
                "громадянину [ім'я] відмовлено",
            ),
            (
                "добродійко Олесько, відповідаємо",
                "добродійко [ім'я], відповідаємо",
            ),
            ("звернувся п. Стецюра", "звернувся п. [ім'я]"),
            ("Заявник: Гуменюк Ярема", "Заявник: [ім'я]"),
            ("мене звати Устим Бурлаченко.", "мене звати [ім'я]."),
            (
                "громадянка ВОРОНЮК Т.Р. повідомила",
                "громадянка [ім'я] повідомила",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(redact(text).0, expected, "{text}");
        }
        for text in [
            "як громадянин України прошу",
            "Шановний голово, прошу",
            "п. 3 Положення",
            "сума 500 гр. Прошу повернути",
        ] {
            assert_eq!(redact(text).0, text);
        }
    }

    #[test]
    fn names_no_list_holds() {
        let cases = [
            ("Теличенко Трохим Демидович, мешканець", "[ім'я], мешканець"),
            (
                "від Оксенії Шамрай надійшла скарга",
                "від [ім'я] надійшла скарга",
            ),
            ("Азар Закусило звертається щодо", "[ім'я] звертається щодо"),
            (
                "тел. +380 (43) 785-91-50, 683 49 93",
                "тел. [телефон], [телефон]",
            ),
            ("авто EV6157AB на газоні", "авто [номерний знак] на газоні"),
            ("IBAN: UA95248244757710465634148396030", "IBAN: [рахунок]"),
            (
                "Печерський район. Орхип Опанасенко просить",
                "Печерський район. [ім'я] просить",
            ),
            (
                "біля будинку вулиця Деревообробний 3-й, 98, кв. 4",
                "біля будинку вулиця Деревообробний 3-й, [будинок], [квартира]",
            ),
            (
                "по вулиця Деревообробний 3-й біля будинку 5.",
                "по вулиця Деревообробний 3-й біля будинку [будинок].",
            ),
            (
                "перехрестя біля будинку вулиця Десятого квітня, 100, машини",
                "перехрестя біля будинку вулиця Десятого квітня, [будинок], машини",
            ),
            (
                "за адресою вулиця 6-та Лінія Марії Демченко, 69",
                "за адресою вулиця 6-та Лінія Марії Демченко, [будинок]",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(redact(text).0, expected, "{text}");
        }
        for text in [
            "згідно із Законом України «Про звернення громадян»",
            "постанова Кабінету Міністрів України № 348",
            "Прошу Вас розглянути",
            "КМДА ЕЦП КБУ «Контактний центр міста Києва»",
            "через ТВ-Ефір «Столиця»",
        ] {
            assert_eq!(redact(text).0, text);
        }
    }

    #[test]
    fn seed_resolution_is_scrubbed() {
        let (out, counts) = redact(
            "Хонді М.П. Прошу опрацювати у встановленому порядку. О.ПУЗАНОВ. \
             Шановний Володимире Олександровичу! Ваше звернення від 03.04.13 № П-6714/1.",
        );
        assert_eq!(
            out,
            "[ім'я] Прошу опрацювати у встановленому порядку. [ім'я]. \
             Шановний [ім'я]! Ваше звернення від 03.04.13 № П-6714/1."
        );
        assert_eq!(counts.get(Kind::Name), 3);
    }
}
