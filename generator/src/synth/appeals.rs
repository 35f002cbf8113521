//! `vidkryto synth appeals`: realistic raw Kyiv appeals (the seeds' channels, categories and
//! statuses, the ten districts, coordinates inside the city, Ukrainian text) with personal data
//! planted in every personal field and in the free text, plus a manifest of every planted
//! value. Deterministic for a seed. It writes raw input; anonymising it is `anonymise`'s job.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

/// The raw columns of `kyiv-appeals` (what a city's appeal system exports), in order.
pub const RAW_COLUMNS: [&str; 21] = [
    "number",
    "registered_at",
    "channel",
    "category",
    "subject",
    "district",
    "address",
    "lat",
    "lon",
    "text",
    "status",
    "resolution",
    "executor",
    "control_date",
    "applicant_name",
    "applicant_phone",
    "applicant_email",
    "applicant_birth_year",
    "applicant_social_status",
    "applicant_address",
    "account_id",
];

/// Channels with their 2013 counts from seed 002 (plus the e-mail and mobile channels the
/// document describes), used as weights.
const CHANNELS: &[(&str, u32)] = &[
    ("Тел. 15-51", 589_088),
    ("WEB-сайт 1551.gov.ua", 46_691),
    ("Урядова гаряча лінія", 21_472),
    ("ТВ-Ефір «Столиця»", 1_306),
    ("ТВ-Ефір «Діалог з країною»", 221),
    (
        "Спецпроект «Прямий зв`язок з київською міською владою»",
        1_028,
    ),
    ("Електронна пошта info@1551.gov.ua", 3_000),
    ("Мобільний додаток", 5_500),
];

/// Categories from seed 002 (and two sensitive ones the policy generalises further).
const CATEGORIES: &[(&str, &str, u32)] = &[
    (
        "Відсутність опалення у квартирі",
        "Вже третій день немає опалення у квартирі, батареї холодні",
        12,
    ),
    (
        "Порив труб у квартирі чи будинку",
        "У підвалі будинку порив труби, вода заливає підвал",
        10,
    ),
    (
        "Відсутність ГВП",
        "Немає гарячої води вже тиждень без жодного попередження",
        12,
    ),
    (
        "Асфальтування та ремонт доріг прибудинкової території",
        "Ями на тротуарі біля під'їзду, залишилися ще з зими",
        9,
    ),
    (
        "Технічний стан проїжджих частин вулиць",
        "Яма на дорозі на перехресті, машини об'їжджають по зустрічній",
        8,
    ),
    (
        "Зберігання транспортних засобів, порушення правил паркування",
        "Автомобілі паркуються на газоні та тротуарі",
        8,
    ),
    (
        "Відновлення благоустрою після вик. планових, аварійних робіт на об'єктах благоуст.",
        "Після ремонту тепломережі не відновили газон і бордюри",
        6,
    ),
    (
        "Санітарний стан об'єктів культурної спадщини",
        "Пам'ятка архітектури в занедбаному стані, сміття біля фасаду",
        3,
    ),
    (
        "Косметичний ремонт фасаду будинку",
        "Фасад будинку осипається, шматки штукатурки падають на тротуар",
        5,
    ),
    (
        "Нормалізація теплопостачання в будинку",
        "У квартирах ледь теплі батареї, температура нижче норми",
        7,
    ),
    (
        "Радіаційні випромінювання",
        "Прошу перевірити рівень випромінювання від антени на даху",
        2,
    ),
    (
        "Подяки працівникам КБУ «Контактний центр міста Києва»",
        "Дякую, що швидко відремонтували ліфт",
        3,
    ),
    (
        "Конфлікти з сусідами",
        "Сусіди систематично шумлять вночі та погрожують",
        2,
    ),
    (
        "Домашнє насильство",
        "Прошу допомоги, у квартирі сусідів чути крики та побиття",
        1,
    ),
];

const STATUSES: &[(&str, u32)] = &[
    ("Виконано", 55),
    ("В роботі", 15),
    ("На доопрацюванні виконавцем", 6),
    ("Чекає на перевірку", 8),
    ("До відома", 6),
    ("На виконанні", 6),
    ("Не виконано", 4),
];

/// Kyiv's ten districts: centre, and three real streets each.
const DISTRICTS: &[(&str, f64, f64, [&str; 3])] = &[
    (
        "Голосіївський",
        50.385,
        30.505,
        [
            "проспект Голосіївський",
            "вулиця Васильківська",
            "вулиця Ломоносова",
        ],
    ),
    (
        "Дарницький",
        50.410,
        30.655,
        [
            "вулиця Тростянецька",
            "проспект Бажана",
            "вулиця Ревуцького",
        ],
    ),
    (
        "Деснянський",
        50.510,
        30.610,
        [
            "проспект Маяковського",
            "вулиця Закревського",
            "вулиця Драйзера",
        ],
    ),
    (
        "Дніпровський",
        50.455,
        30.625,
        ["бульвар Праці", "вулиця Райдужна", "проспект Миру"],
    ),
    (
        "Оболонський",
        50.505,
        30.495,
        [
            "проспект Героїв Сталінграда",
            "вулиця Дубровицька",
            "вулиця Маршала Тимошенка",
        ],
    ),
    (
        "Печерський",
        50.430,
        30.545,
        [
            "бульв. Дружби Народів",
            "вулиця Інститутська",
            "вулиця Лесі Українки",
        ],
    ),
    (
        "Подільський",
        50.470,
        30.470,
        ["вулиця Семашка", "вулиця Кирилівська", "проспект Правди"],
    ),
    (
        "Святошинський",
        50.458,
        30.370,
        [
            "проспект Перемоги",
            "вулиця Якуба Коласа",
            "вулиця Симиренка",
        ],
    ),
    (
        "Солом'янський",
        50.430,
        30.440,
        [
            "вулиця Льва Толстого",
            "проспект Повітрофлотський",
            "вулиця Гарматна",
        ],
    ),
    (
        "Шевченківський",
        50.455,
        30.495,
        [
            "вулиця Саксаганського",
            "вул. Івана Франка",
            "вулиця Горького",
        ],
    ),
];

/// Names whose case forms follow the regular patterns the generator inflects.
const FEMALE: &[&str] = &[
    "Мар'яна",
    "Ганна",
    "Тамара",
    "Оксана",
    "Олена",
    "Ірина",
    "Людмила",
    "Тетяна",
    "Галина",
    "Світлана",
    "Марина",
    "Лариса",
    "Леся",
    "Христина",
    "Уляна",
];
const MALE: &[&str] = &[
    "Олександр",
    "Володимир",
    "Богдан",
    "Іван",
    "Тарас",
    "Роман",
    "Степан",
    "Остап",
    "Назар",
    "Максим",
    "Денис",
    "Вадим",
    "Антон",
    "Ярослав",
    "В'ячеслав",
];
const FATHERS: &[&str] = &[
    "Олександр",
    "Володимир",
    "Іван",
    "Петр",
    "Степан",
    "Олег",
    "Богдан",
    "Михайл",
    "Роман",
    "Тарас",
    "Віктор",
    "Степан",
];
const SURNAMES: &[&str] = &[
    "Петренко",
    "Коваленко",
    "Бондаренко",
    "Шевченко",
    "Ткаченко",
    "Лук'яненко",
    "Мельничук",
    "Гаврилюк",
    "Ковальчук",
    "Савчук",
    "Кравчук",
    "Поліщук",
    "Марченко",
    "Руденко",
    "Литвиненко",
];
/// Surnames that are on no list: found only through first names, initials or patronymics.
const RARE_SURNAMES: &[&str] = &["Квітчинська", "Дзядик", "Перепелиця", "Ґудзь", "Шпак-Мирна"];
const SOCIAL: &[&str] = &[
    "пенсіонер",
    "працюючий",
    "безробітний",
    "студент",
    "особа з інвалідністю II групи",
    "учасник бойових дій",
    "Пільги відсутні",
];
const OFFICES: &[&str] = &[
    "Департамент житлово-комунальної інфраструктури",
    "Оболонська районна в місті Києві державна адміністрація",
    "Департамент транспортної інфраструктури",
    "КП «Київтеплоенерго»",
    "Головне управління Держсанепідемслужби у м. Києві",
];

/// One planted personal value.
#[derive(Debug, Serialize)]
struct Planted<'a> {
    row: u64,
    field: &'static str,
    kind: &'static str,
    value: &'a str,
}

/// What a run wrote.
#[derive(Debug, Clone, Serialize)]
pub struct SynthSummary {
    pub rows: u64,
    pub seed: u64,
    pub csv: PathBuf,
    pub manifest: PathBuf,
    pub planted: u64,
}

/// The manifest path for a CSV: `FILE.planted.json`.
pub fn manifest_path(csv: &Path) -> PathBuf {
    let mut name = csv.as_os_str().to_owned();
    name.push(".planted.json");
    PathBuf::from(name)
}

struct Gen {
    rng: fastrand::Rng,
}

impl Gen {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    fn weighted<'a, T>(&mut self, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
        let total: u32 = items.iter().map(&weight).sum();
        let mut x = self.rng.u32(..total);
        for item in items {
            let w = weight(item);
            if x < w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1]
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.rng.u8(..10)))
            .collect()
    }

    /// A name with a random apostrophe: ' ’ or ʼ.
    fn apostrophe(&mut self, s: &str) -> String {
        let a = *self.pick(&["'", "’", "ʼ"]);
        s.replace('\'', a)
    }

    fn phone(&mut self) -> String {
        let op = *self.pick(&[
            "67", "50", "63", "66", "68", "73", "93", "95", "97", "99", "44",
        ]);
        let (a, b, c) = (self.digits(3), self.digits(2), self.digits(2));
        match self.rng.u8(..9) {
            0 => format!("+380 {op} {a} {b} {c}"),
            1 => format!("+38 (0{op}) {a}-{b}-{c}"),
            2 => format!("+380{op}{a}{b}{c}"),
            3 => format!("0{op}-{a}-{b}-{c}"),
            4 => format!("0{op}{a}{b}{c}"),
            5 => format!("(0{op}) {a}-{b}-{c}"),
            6 => format!("0{op} {a} {b} {c}"),
            7 => format!("8 0{op} {a} {b} {c}"),
            _ => format!("380{op}{a}{b}{c}"),
        }
    }

    fn tax_number(&mut self) -> String {
        loop {
            let base = format!("{}{}", 1 + self.rng.u8(..9), self.digits(8));
            for d in 0..10 {
                let n = format!("{base}{d}");
                if crate::anonymise::redact::tax_number(&n) {
                    return n;
                }
            }
        }
    }

    fn card(&mut self) -> String {
        loop {
            let base = format!(
                "{}{}",
                *self.pick(&["4149", "5168", "5375", "4441"]),
                self.digits(11)
            );
            for d in 0..10 {
                let n = format!("{base}{d}");
                if crate::anonymise::redact::luhn(&n) {
                    let g: Vec<String> = n
                        .as_bytes()
                        .chunks(4)
                        .map(|c| String::from_utf8_lossy(c).into_owned())
                        .collect();
                    return g.join(" ");
                }
            }
        }
    }

    fn plate(&mut self) -> String {
        let letters = ["А", "В", "С", "Е", "Н", "І", "К", "М", "О", "Р", "Т", "Х"];
        format!(
            "{}{} {} {}{}",
            self.pick(&["А", "К", "В"]),
            self.pick(&letters[..]),
            self.digits(4),
            self.pick(&letters[..]),
            self.pick(&letters[..])
        )
    }
}

/// A person and the case forms the text uses.
struct Person {
    first: String,
    surname: String,
    patronymic: String,
    female: bool,
}

impl Person {
    fn new(g: &mut Gen) -> Person {
        let female = g.rng.bool();
        let first = if female {
            *g.pick(FEMALE)
        } else {
            *g.pick(MALE)
        };
        let rare = g.rng.u8(..5) == 0;
        let mut surname = if rare {
            g.pick(RARE_SURNAMES).to_string()
        } else {
            g.pick(SURNAMES).to_string()
        };
        if !female {
            surname = surname.trim_end_matches("ська").to_string()
                + if surname.ends_with("ська") {
                    "ський"
                } else {
                    ""
                };
        }
        let father = *g.pick(FATHERS);
        let patronymic = format!("{father}{}", if female { "івна" } else { "ович" });
        let apostrophised = |g: &mut Gen, s: &str| g.apostrophe(s);
        Person {
            first: apostrophised(g, first),
            surname: apostrophised(g, &surname),
            patronymic,
            female,
        }
    }

    fn initial(s: &str) -> String {
        s.chars().next().map(|c| c.to_string()).unwrap_or_default()
    }

    /// The first name in the dative / instrumental / vocative (regular stems only).
    fn first_case(&self, case: &str) -> String {
        let f = &self.first;
        let (stem, endings): (&str, [&str; 5]) = if self.female && f.ends_with('я') {
            (f.trim_end_matches('я'), ["і", "і", "ю", "ею", "е"])
        } else if self.female {
            (f.trim_end_matches('а'), ["и", "і", "у", "ою", "о"])
        } else {
            (f, ["а", "ові", "а", "ом", "е"])
        };
        format!("{stem}{}", endings[case_index(case)])
    }

    fn surname_case(&self, case: &str) -> String {
        let s = &self.surname;
        let i = case_index(case);
        if self.female {
            return match s.strip_suffix("ська") {
                Some(stem) => format!("{stem}{}", ["ської", "ській", "ську", "ською", "ська"][i]),
                None => s.clone(),
            };
        }
        if let Some(stem) = s.strip_suffix("ський") {
            return format!(
                "{stem}{}",
                ["ського", "ському", "ського", "ським", "ський"][i]
            );
        }
        if let Some(stem) = s.strip_suffix('о') {
            return format!("{stem}{}", ["а", "ові", "а", "ом", "о"][i]);
        }
        if s.ends_with('я') || s.ends_with('а') {
            return s.clone();
        }
        format!("{s}{}", ["а", "ові", "а", "ом", ""][i])
    }

    fn patronymic_voc(&self) -> String {
        if self.female {
            format!("{}о", self.patronymic.trim_end_matches('а'))
        } else {
            format!("{}у", self.patronymic)
        }
    }
}

/// Genitive, dative, accusative, instrumental, vocative.
fn case_index(case: &str) -> usize {
    match case {
        "gen" => 0,
        "dat" => 1,
        "acc" => 2,
        "ins" => 3,
        _ => 4,
    }
}

/// Writes `rows` synthetic appeals to `out` and the manifest beside it.
pub fn write(rows: u64, seed: u64, out: &Path) -> std::io::Result<SynthSummary> {
    let manifest = manifest_path(out);
    let tmp_csv = out.with_extension("csv.tmp");
    let tmp_manifest = manifest.with_extension("json.tmp");
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut csv = csv::Writer::from_writer(BufWriter::new(File::create(&tmp_csv)?));
    let mut man = BufWriter::new(File::create(&tmp_manifest)?);
    write!(man, "{{\"rows\": {rows}, \"seed\": {seed}, \"planted\": [")?;
    csv.write_record(RAW_COLUMNS)
        .map_err(std::io::Error::other)?;
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(seed),
    };
    let start = chrono::NaiveDate::from_ymd_opt(2013, 1, 1).unwrap_or_default();
    let mut planted_count = 0u64;
    let mut first_entry = true;
    for row in 1..=rows {
        let mut planted: Vec<(&'static str, &'static str, String)> = Vec::new();
        let channel = g.weighted(CHANNELS, |c| c.1).0;
        let &(category, problem, _) = g.weighted(CATEGORIES, |c| c.2);
        let status = g.weighted(STATUSES, |s| s.1).0;
        let &(district, clat, clon, streets) = g.pick(DISTRICTS);
        let street_i = g.rng.usize(..3);
        let street = streets[street_i];
        // Each street has a fixed point near its district centre; appeals scatter around it.
        let slat = clat + (street_i as f64 - 1.0) * 0.012;
        let slon = clon + (street_i as f64 - 1.0) * 0.015;
        let lat = slat + (g.rng.f64() - 0.5) * 0.004;
        let lon = slon + (g.rng.f64() - 0.5) * 0.006;
        let house = 1 + g.rng.u16(..120);
        let apartment = 1 + g.rng.u16(..300);
        let date = start + chrono::Days::new(g.rng.u64(..365));
        let registered = format!(
            "{} {:02}:{:02}",
            date.format("%d.%m.%Y"),
            7 + g.rng.u8(..15),
            g.rng.u8(..60)
        );
        let control = (date + chrono::Days::new(30))
            .format("%d.%m.%Y")
            .to_string();
        let person = Person::new(&mut g);
        let official = Person::new(&mut g);
        let phone = g.phone();
        let email = format!(
            "{}.{}{}@{}",
            *g.pick(&[
                "maryana", "hanna", "ivan", "taras", "olena", "roman", "kyianyn", "petrenko"
            ]),
            *g.pick(&["p", "kovalenko", "bond", "shev", "tk", "lukianenko"]),
            g.digits(4),
            *g.pick(&["ukr.net", "gmail.com", "i.ua", "meta.ua"])
        );
        let full_name = format!("{} {} {}", person.surname, person.first, person.patronymic);
        let home = format!("{street}, {house}, кв. {apartment}");

        // The appeal text: the problem, the place, and personal data the way people write it.
        let mut text = format!("{problem} за адресою {street}, {house}, кв. {apartment}.");
        planted.push((
            "text",
            "address",
            format!("{street}, {house}, кв. {apartment}"),
        ));
        let name_phrase = match g.rng.u8(..9) {
            7 => format!(
                "{} {}",
                person.first_case("gen"),
                person.surname_case("gen")
            ),
            8 => format!(
                "{} {}",
                person.first_case("acc"),
                person.surname_case("acc")
            ),
            0 => format!("{} {}", person.first, person.surname),
            1 => full_name.clone(),
            2 => full_name.to_uppercase(),
            3 => format!(
                "{} {}. {}.",
                person.surname,
                Person::initial(&person.first),
                Person::initial(&person.patronymic)
            ),
            4 => format!(
                "{}.{}. {}",
                Person::initial(&person.first),
                Person::initial(&person.patronymic),
                person.surname
            ),
            5 => format!(
                "{} {}",
                person.first_case("dat"),
                person.surname_case("dat")
            ),
            _ => format!(
                "{} {}",
                person.first_case("ins"),
                person.surname_case("ins")
            ),
        };
        let sentence = match g.rng.u8(..4) {
            0 => format!(" Мене звати {name_phrase}, мій телефон {phone}."),
            1 => format!(" Звертається {name_phrase}, контактний номер {phone}."),
            2 => format!(" Прошу відповідь надати {name_phrase} за телефоном {phone}."),
            _ => format!(" Заявник: {name_phrase}, тел. {phone}."),
        };
        text.push_str(&sentence);
        planted.push(("text", "name", name_phrase));
        planted.push(("text", "phone", phone.clone()));
        if g.rng.u8(..3) == 0 {
            let other = g.phone();
            text.push_str(&format!(" Резервний номер {other}, пишіть на {email}."));
            planted.push(("text", "phone", other));
            planted.push(("text", "email", email.clone()));
        }
        if g.rng.u8(..5) == 0 {
            text.push_str(&format!(" Прошу також повідомити пані {}.", person.surname));
        }
        match g.rng.u8(..12) {
            0 => {
                let v = g.tax_number();
                text.push_str(&format!(" Мій ІПН {v}."));
                planted.push(("text", "tax_number", v));
            }
            1 => {
                let v = format!(
                    "{}{} {}",
                    g.pick(&["С", "М", "К", "Е"]),
                    g.pick(&["Н", "Е", "О", "А"]),
                    g.digits(6)
                );
                text.push_str(&format!(" Паспорт {v}."));
                planted.push(("text", "passport", v));
            }
            2 => {
                let v = g.digits(9);
                text.push_str(&format!(" ID-картка № {v}."));
                planted.push(("text", "id_card", format!("№ {v}")));
            }
            3 => {
                let v = g.card();
                text.push_str(&format!(" Кошти повернути на картку {v}."));
                planted.push(("text", "bank_card", v));
            }
            4 => {
                let v = g.plate();
                text.push_str(&format!(" Машина {v} стоїть на газоні щодня."));
                planted.push(("text", "car_plate", v));
            }
            5 => {
                let v = format!(
                    "https://www.facebook.com/{}.{}",
                    g.pick(&["maryana", "ivan", "olena"]),
                    g.digits(6)
                );
                text.push_str(&format!(" Фото на моїй сторінці {v}"));
                planted.push(("text", "url", v));
            }
            _ => {}
        }

        // The resolution: addresses the applicant, names the official, cites decisions.
        let office = *g.pick(OFFICES);
        let greeting = format!("{} {}", person.first_case("voc"), person.patronymic_voc());
        let official_name = format!(
            "{} {}.{}.",
            official.surname,
            Person::initial(&official.first),
            Person::initial(&official.patronymic)
        );
        let resolution = format!(
            "Шановн{} {greeting}! Ваше звернення розглянуто. {office} повідомляє, що роботи \
             виконано відповідно до рішення Київради № 824/7060 від 15.12.2011, вартість робіт \
             12 500,00 грн. Виконавець: {official_name}",
            if person.female { "а" } else { "ий" }
        );
        planted.push(("resolution", "name", greeting));
        planted.push(("resolution", "name", official_name.clone()));

        let account = format!("acc-{}", g.digits(8));
        let birth_year = (1940 + g.rng.u16(..65)).to_string();
        let number = format!("{}-{}", Person::initial(&person.surname), 100_000 + row);
        let subject = format!(
            "{} ({} {}.{}.)",
            category.to_uppercase(),
            person.surname.to_uppercase(),
            Person::initial(&person.first),
            Person::initial(&person.patronymic)
        );
        planted.push(("applicant_name", "name", full_name.clone()));
        planted.push(("applicant_phone", "phone", phone.clone()));
        planted.push(("applicant_email", "email", email.clone()));
        planted.push(("applicant_address", "address", home.clone()));
        planted.push(("account_id", "account_id", account.clone()));
        planted.push(("executor", "name", official_name.clone()));

        csv.write_record([
            number.as_str(),
            &registered,
            channel,
            category,
            &subject,
            district,
            &format!("{street}, {house}, кв. {apartment}"),
            &format!("{lat:.6}"),
            &format!("{lon:.6}"),
            &text,
            status,
            &resolution,
            &official_name,
            &control,
            &full_name,
            &phone,
            &email,
            &birth_year,
            *g.pick(SOCIAL),
            &home,
            &account,
        ])
        .map_err(std::io::Error::other)?;
        for (field, kind, value) in &planted {
            if !first_entry {
                man.write_all(b",")?;
            }
            first_entry = false;
            man.write_all(b"\n")?;
            serde_json::to_writer(
                &mut man,
                &Planted {
                    row,
                    field,
                    kind,
                    value,
                },
            )?;
            planted_count += 1;
        }
    }
    man.write_all(b"\n]}\n")?;
    man.flush()?;
    csv.flush()?;
    drop(csv);
    drop(man);
    std::fs::rename(&tmp_csv, out)?;
    std::fs::rename(&tmp_manifest, &manifest)?;
    Ok(SynthSummary {
        rows,
        seed,
        csv: out.to_path_buf(),
        manifest,
        planted: planted_count,
    })
}
