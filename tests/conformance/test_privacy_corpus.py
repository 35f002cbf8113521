"""Privacy against data the project did not write: an independent corpus of 20 000 raw appeals
whose personal values come from Faker's `uk_UA` locale, planted inside templates of our own
and inside templates written from the phrasing of the real appeals and replies in seed 002
(«Звернення громадян»: the 1551 web appeals, the registration card's resolution, the reply
«Шановний …! Ваше звернення …»). `vidkryto build` anonymises and publishes it; the test
measures, per class, recall (planted personal values removed from the published rows) and
precision (streets, districts, institutions, decision numbers and amounts kept), prints them,
and then searches every published byte — files, pages, the index — and the live server's
answers for any planted value.

Rows are matched to their raw row by the appeal number the reply quotes («№ П-123456/1»),
itself a non-personal token whose survival is part of precision.
"""

import csv
import json
import random
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request

import ahocorasick
import pytest
from faker import Faker

from conftest import ROOT, WORK, Server, shared, vidkryto

ROWS = 20_000
SEED = 22

CHANNELS = [("Тел. 15-51", 80), ("WEB-сайт 1551.gov.ua", 12), ("Урядова гаряча лінія", 5),
            ("Мобільний додаток", 3)]
CATEGORIES = [
    "Відсутність опалення у квартирі", "Порив труб у квартирі чи будинку", "Відсутність ГВП",
    "Асфальтування та ремонт доріг прибудинкової території",
    "Технічний стан проїжджих частин вулиць",
    "Зберігання транспортних засобів, порушення правил паркування",
    "Косметичний ремонт фасаду будинку", "Нормалізація теплопостачання в будинку",
    "Радіаційні випромінювання",
]
STATUSES = ["Виконано", "В роботі", "Чекає на перевірку", "На виконанні"]
# District (nominative), its locative adjective for «… районній в місті Києві державній
# адміністрації», and a point inside it.
DISTRICTS = [
    ("Голосіївський", "Голосіївській", 50.395, 30.510),
    ("Дарницький", "Дарницькій", 50.420, 30.650),
    ("Деснянський", "Деснянській", 50.515, 30.610),
    ("Дніпровський", "Дніпровській", 50.455, 30.610),
    ("Оболонський", "Оболонській", 50.505, 30.500),
    ("Печерський", "Печерській", 50.430, 30.545),
    ("Подільський", "Подільській", 50.475, 30.470),
    ("Святошинський", "Святошинській", 50.450, 30.380),
    ("Солом'янський", "Солом'янській", 50.425, 30.450),
    ("Шевченківський", "Шевченківській", 50.460, 30.500),
]
INSTITUTIONS = [
    "Департамент житлово-комунальної інфраструктури",
    "КП «Київтеплоенерго»",
    "Державної установи «Контактний центр міста Києва»",
    "ПАТ «Київгаз»",
    "Головного управління Держпродспоживслужби в м. Києві",
]
DECISIONS = [
    "рішення Київради № 824/7060 від 15.12.2011",
    "розпорядження № 1930 від 28.10.2013",
    "рішення Київради № 602/6838 від 10.11.2011",
    "розпорядження № 225 від 10.02.2012",
]

PERSONAL = ["name", "phone", "email", "tax_number", "bank_card", "iban", "passport", "id_card",
            "car_plate", "birth_date", "house", "apartment"]
KEPT = ["street", "district", "institution", "decision", "amount", "appeal_number"]


def iban(fake):
    """A well-formed Ukrainian IBAN (UA, two mod-97 check digits, 25 digits) from Faker's
    digits; Faker's own `iban()` is two digits too long, so it is planted labelled only."""
    bban = fake.numerify("#" * 25)
    number = int(bban + "3010" + "00")  # U = 30, A = 10
    return f"UA{98 - number % 97:02d}{bban}"


def grouped(digits, size=4):
    return " ".join(digits[i:i + size] for i in range(0, len(digits), size))


class Row:
    """One raw appeal under construction: its text parts, and what was planted in it."""

    def __init__(self):
        self.personal = []  # (class, value)
        self.kept = []  # (class, value)

    def p(self, kind, value):
        self.personal.append((kind, value))
        return value

    def k(self, kind, value):
        self.kept.append((kind, value))
        return value


def person(fake, rng):
    male = rng.random() < 0.5
    if male:
        return fake.first_name_male(), fake.last_name_male(), fake.middle_name_male()
    return fake.first_name_female(), fake.last_name_female(), fake.middle_name_female()


def appeal_text(fake, rng, row, street, house, apartment, district):
    """The appeal: one seed-phrased sentence about the place, then personal details in a mix
    of seed phrasing and templates of our own."""
    first, last, middle = person(fake, rng)
    place = [
        lambda: f"Ями на тротуарі по {street} біля {row.p('house', f'будинку {house}')}. "
                f"Залишилися ще з зими.",
        lambda: f"Прошу порадити куди і як слід звернутися, щоб перевірити дозволений рівень "
                f"радіочастот (навпроти будинку за адресою {street}, "
                f"{row.p('house', f'буд. {house}')}, "
                f"{row.p('apartment', f'кв. {apartment}')}).",
        lambda: f"Вже третій день немає опалення у квартирі за адресою {street}, "
                f"{row.p('house', f'буд. {house}')} {row.p('apartment', f'кв. {apartment}')}.",
        # The house number alone would match unrelated numbers (dates, «№ П-…/1»), so what
        # is planted is the number between its commas.
        lambda: f"Яма на дорозі на перехресті біля будинку {street}"
                f"{row.p('house', f', {house},')} машини об'їжджають по зустрічній.",
    ]
    parts = [rng.choice(place)()]
    parts.append(f"{row.k('district', district)} район.")
    details = [
        lambda: f"Доброго дня! Прошу зареєструвати скаргу, мене звати "
                f"{row.p('name', f'{first} {last}')}.",
        lambda: f"Заявник: {row.p('name', f'{last} {first} {middle}')}, "
                f"{row.p('birth_date', fake.date_of_birth(minimum_age=18).strftime('%d.%m.%Y'))} р.н.",
        lambda: f"Прошу повідомити пані {row.p('name', fake.last_name_female())} про результат.",
        lambda: f"Сусід пан {row.p('name', fake.last_name_male())} паркує авто "
                f"{row.p('car_plate', fake.license_plate())} на газоні.",
        lambda: f"Від гр. {row.p('name', fake.last_name())} надійшла повторна скарга.",
        lambda: f"Звертається громадянка {row.p('name', fake.last_name_female())}, "
                f"тел. {row.p('phone', fake.phone_number())}.",
        lambda: f"Мій ІПН {row.p('tax_number', fake.ssn())}, телефон "
                f"{row.p('phone', fake.phone_number())}.",
        # A mistyped tax number: the label still says what it is.
        lambda: f"РНОКПП: {row.p('tax_number', fake.numerify('##########'))}.",
        lambda: f"Компенсацію прошу перерахувати на номер картки "
                f"{row.p('bank_card', grouped(fake.credit_card_number()))}.",
        lambda: f"Реквізити: IBAN {row.p('iban', fake.iban())}.",
        lambda: f"Кошти повернути на рахунок {row.p('iban', iban(fake))}.",
        lambda: f"Паспорт серії {row.p('passport', fake.bothify('??', letters='АВЕІКМНОРСТХ') + ' № ' + fake.numerify('######'))}.",
        lambda: f"ID-картка № {row.p('id_card', fake.numerify('#########'))}.",
        lambda: f"Пишіть на {row.p('email', fake.email())} або {row.p('email', fake.free_email())}.",
        lambda: f"e-mail: {row.p('email', fake.free_email())}",
        lambda: f"{row.p('name', f'{first} {last}')} просить перевірити стан будинку.",
        lambda: f"Контактна особа {row.p('name', f'{last} {first[0]}.{middle[0]}.')}, "
                f"{row.p('phone', fake.phone_number())}",
    ]
    for detail in rng.sample(details, 2):
        parts.append(detail())
    return " ".join(parts)


def resolution_text(fake, rng, row, tag, locative, registered):
    """The reply, in the phrasing of seed 002's registration card and 1551 answer."""
    first, last, middle = person(fake, rng)
    ofirst, olast, omiddle = person(fake, rng)
    amount = f"{rng.randint(1, 999)} {rng.randint(0, 999):03d},{rng.randint(0, 99):02d} грн"
    address = rng.choice([
        lambda: f"Шановний {row.p('name', f'{first} {middle}')}!",
        lambda: f"Шановна пані {row.p('name', last)}!",
        lambda: f"Шановний {row.p('name', first)}!",
    ])()
    return (
        f"{address} Ваше звернення, що надійшло до "
        f"{row.k('institution', 'Державної установи «Контактний центр міста Києва»')} від "
        f"{registered} № {row.k('appeal_number', tag)} було розглянуто та опрацьовано в "
        f"{locative} районній в місті Києві державній адміністрації в термін передбачений "
        f"Законом України «Про звернення громадян». Роботи виконує "
        f"{row.k('institution', rng.choice(INSTITUTIONS[:2] + INSTITUTIONS[3:]))} на виконання "
        f"{row.k('decision', rng.choice(DECISIONS))}, кошторис {row.k('amount', amount)}. "
        f"{row.p('name', f'{olast} {ofirst[0]}.{omiddle[0]}.')} Прошу опрацювати у "
        f"встановленому порядку. На підпис {row.p('name', f'{olast} {ofirst} {omiddle}')}."
    )


def make_corpus(path):
    """Writes the raw CSV; returns {appeal tag: Row} for every row."""
    fake = Faker("uk_UA")
    fake.seed_instance(SEED)
    rng = random.Random(SEED)
    # A few streets per district, as real appeals cluster, so that k-anonymity publishes most
    # rows at street level and the street precision check has rows to look at.
    streets = {d[0]: [f"вулиця {fake.street_name()}" for _ in range(3)] for d in DISTRICTS}
    header = ["number", "registered_at", "channel", "category", "subject", "district",
              "address", "lat", "lon", "text", "status", "resolution", "executor",
              "control_date", "applicant_name", "applicant_phone", "applicant_email",
              "applicant_birth_year", "applicant_social_status", "applicant_address",
              "account_id"]
    rows = {}
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for n in range(ROWS):
            row = Row()
            district, locative, lat, lon = rng.choice(DISTRICTS)
            si = rng.randrange(3)
            street = streets[district][si]
            house, apartment = rng.randint(1, 120), rng.randint(1, 300)
            tag = f"П-{100000 + n}/1"
            day = rng.randint(0, 179)
            registered = f"{1 + day % 28:02d}.{1 + day // 30:02d}.2024"
            channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
            text = appeal_text(fake, rng, row, street, house, apartment, district)
            resolution = resolution_text(fake, rng, row, tag, locative, registered)
            first, last, middle = person(fake, rng)
            w.writerow([
                f"П-{100000 + n}", f"{registered} {rng.randint(8, 19):02d}:{rng.randint(0, 59):02d}",
                channel, rng.choice(CATEGORIES), f"{last} {first} — скарга", district,
                f"{street}, {house}, кв. {apartment}",
                f"{lat + si * 0.01 + rng.uniform(-0.002, 0.002):.6f}",
                f"{lon + rng.uniform(-0.002, 0.002):.6f}",
                text, rng.choice(STATUSES), resolution,
                f"{fake.last_name()} {fake.first_name()[0]}.", "", f"{last} {first} {middle}",
                fake.phone_number(), fake.email(), str(rng.randint(1940, 2005)),
                "пенсіонер", fake.street_address(), fake.user_name(),
            ])
            row.street = street
            rows[tag] = row
    return rows


def portal(folder, raw):
    """A portal of one dataset, kyiv-appeals, whose raw input is `raw`."""
    package = folder / "datasets" / "kyiv-appeals"
    (package / "raw").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "datasets" / "kyiv-appeals" / "datapackage.json", package)
    shutil.copy(raw, package / "raw" / "appeals.csv")
    config = folder / "vidkryto.toml"
    config.write_text(
        '[portal]\ntitle = "Т"\ntitle_en = "T"\nbase_url = "http://127.0.0.1:8080"\n\n'
        f'[paths]\nsite = "{ROOT / "site"}"\ncontent = "{ROOT / "content"}"\n\n'
        '[[datasets]]\nname = "kyiv-appeals"\n',
        encoding="utf-8",
    )
    return config


def contains(haystack, value):
    """`value` in `haystack` as a whole token (a short house number is not inside a longer)."""
    return re.search(rf"(?<![\w\d]){re.escape(value)}(?![\w\d])", haystack) is not None


@pytest.fixture(scope="module")
def corpus():
    # The templates quote seed 002; without it they would be ours alone.
    seed = shared("seeds/002_8852524727fc8bf0.txt").read_text(encoding="utf-8")
    for phrase in ["Ями на тротуарі по вулиці", "Прошу порадити куди і як слід звернутися",
                   "Ваше звернення, що надійшло до Державної установи",
                   "Прошу опрацювати у встановленому порядку", "На підпис"]:
        assert phrase in seed, f"seed 002 no longer has the phrase {phrase!r}"
    folder = WORK / "privacy-corpus"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    raw = folder / "raw.csv"
    rows = make_corpus(raw)
    config = portal(folder, raw)
    vidkryto("--config", config, "build")
    return config, folder / "public", rows


def published(public):
    with open(public / "data" / "kyiv-appeals" / "appeals.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_recall_and_precision_per_class(corpus):
    _, public, rows = corpus
    table = published(public)
    assert len(table) > ROWS * 0.8, f"only {len(table)} of {ROWS} rows published"
    tag = re.compile(r"П-1\d{5}/1")
    found = {c: [0, 0] for c in PERSONAL}  # removed, planted
    kept = {c: [0, 0] for c in KEPT}
    unmatched = 0
    misses = {}
    for out in table:
        text = f"{out['text']}\n{out['resolution']}"
        m = tag.search(out["resolution"])
        if m is None or m.group(0) not in rows:
            unmatched += 1
            continue
        row = rows[m.group(0)]
        for kind, value in row.personal:
            found[kind][1] += 1
            if contains(text, value):
                misses.setdefault(kind, []).append((value, text))
            else:
                found[kind][0] += 1
        checks = list(row.kept)
        # A street stays in the text only where the row keeps its street column.
        if out["street"]:
            checks.append(("street", row.street))
        for kind, value in checks:
            kept[kind][1] += 1
            kept[kind][0] += value in text
    kept["appeal_number"][1] += unmatched
    lines = [f"independent corpus: {ROWS} rows, {len(table)} published"]
    for kind, (ok, n) in found.items():
        lines.append(f"  recall    {kind:14} {ok:6}/{n:<6} {100 * ok / max(n, 1):7.3f} %")
    for kind, (ok, n) in kept.items():
        lines.append(f"  precision {kind:14} {ok:6}/{n:<6} {100 * ok / max(n, 1):7.3f} %")
    print("\n".join(lines))
    for kind, (ok, n) in found.items():
        assert n > 0, f"nothing of class {kind} was published to measure"
    for kind, (ok, n) in kept.items():
        assert n > 0 and ok / n >= 0.99, f"precision of {kind}: {ok}/{n}\n" + "\n".join(lines)
    assert not misses, "planted values survived:\n" + "\n".join(
        f"{kind}: {v!r} in {t[:300]!r}" for kind, items in misses.items() for v, t in items[:5]
    )


def values(rows):
    """Every planted personal value worth a byte search (short house and apartment numbers
    are checked per row above; here they would match unrelated numbers)."""
    out = set()
    for row in rows.values():
        for kind, value in row.personal:
            if kind not in ("house", "apartment") and len(value) >= 4:
                out.add(value)
    return out


def finder(planted):
    automaton = ahocorasick.Automaton()
    for value in planted:
        automaton.add_word(value, value)
    automaton.make_automaton()

    def leaks(text):
        out = []
        for end, value in automaton.iter(text):
            start = end - len(value) + 1
            # A value must stand as a whole token: the surname «Бойко» is not inside «Бойкові»
            # … unless that is a case form, which redaction also removes (checked per row).
            before = text[start - 1] if start > 0 else " "
            after = text[end + 1] if end + 1 < len(text) else " "
            if not (before.isalnum() or after.isalnum()):
                out.append(value)
        return out

    return leaks


def test_no_planted_value_in_any_published_byte_or_answer(corpus):
    config, public, rows = corpus
    planted = values(rows)
    leaks_in = finder(planted)
    leaks = []
    scanned = 0
    for file in public.rglob("*"):
        if not file.is_file():
            continue
        scanned += 1
        text = file.read_bytes().decode("utf-8", errors="ignore")
        leaks += [f"{file.relative_to(public)}: {v!r}" for v in leaks_in(text)[:5]]
    assert scanned > 10
    assert not leaks, "planted values published:\n" + "\n".join(leaks[:40])

    server = Server(config, public)
    try:
        targets = [
            "/api/v1/datasets/kyiv-appeals/appeals.csv?_stream=on",
            "/api/v1/datasets/kyiv-appeals/appeals.ndjson?_stream=on",
            "/api/v1/datasets/kyiv-appeals/appeals.geojson?_size=1000",
            "/api/v1/datasets/kyiv-appeals",
            "/api/3/action/package_show?id=kyiv-appeals",
            "/api/3/action/datastore_search?resource_id=kyiv-appeals/appeals&limit=1000",
            "/catalog.jsonld",
        ]
        for word in ["звернення", "прошу", "будинку", "телефон", "паспорт", "картки", "пані"]:
            targets.append(f"/api/v1/search?q={urllib.parse.quote(word)}&limit=100")
        sample = sorted(planted)[::max(1, len(planted) // 300)]
        targets += [f"/api/v1/search?q={urllib.parse.quote(v)}&limit=50" for v in sample]
        hits = 0
        for target in targets:
            try:
                with urllib.request.urlopen(server.url + target, timeout=60) as r:
                    body = r.read().decode("utf-8", errors="ignore")
            except urllib.error.HTTPError as e:
                assert e.code < 500, f"{target}: {e.code}"
                body = e.read().decode("utf-8", errors="ignore")
            if target.startswith("/api/v1/search") and body.startswith("{"):
                hits += len(json.loads(body).get("hits", []))
            leaks += [f"{target}: {v!r}" for v in leaks_in(body)[:5]]
        assert hits > 300, f"the searches found only {hits} hits"
    finally:
        server.stop()
    assert not leaks, "planted values in the service's answers:\n" + "\n".join(leaks[:40])
    print(f"searched {scanned} published files and {len(targets)} answers for "
          f"{len(planted)} planted values: none found")
