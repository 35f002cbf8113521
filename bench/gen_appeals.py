#!/usr/bin/env python3
"""Appeal-like rows in the shape of the PUBLISHED anonymised appeals (columns of the team
brief), for the search benchmark, until `vidkryto synth appeals` + `anonymise` can produce
them. Deterministic for a given --seed. Writes a minimal published layout:

    OUT/data/catalog.json
    OUT/data/kyiv-appeals/datapackage.json
    OUT/data/kyiv-appeals/appeals.csv
"""
import argparse
import csv
import json
import os
import random

DISTRICTS = ["Голосіївський", "Дарницький", "Деснянський", "Дніпровський", "Оболонський",
             "Печерський", "Подільський", "Святошинський", "Солом'янський", "Шевченківський"]
CHANNELS = ["phone", "web", "mobile", "letter", "visit"]
STATUSES = ["Виконано", "В роботі", "Роз'яснено", "Відхилено", "Перенаправлено"]
CATEGORIES = {
    "Благоустрій": ["ремонт дитячого майданчика", "прибирання сміття у сквері", "покіс трави",
                    "встановлення лавок", "ремонт тротуару", "обрізка дерев"],
    "Житлово-комунальне господарство": ["ремонт даху", "протікання труби", "відсутність гарячої води",
                                        "ремонт ліфта", "опалення в квартирах", "заміна вікон у під'їзді"],
    "Освітлення": ["не працює освітлення у дворі", "встановлення ліхтарів", "освітлення на набережній"],
    "Транспорт": ["затримка тролейбуса", "ремонт зупинки", "маршрутне таксі не курсує",
                  "паркування на тротуарі"],
    "Дороги": ["ямковий ремонт дороги", "розмітка на перехресті", "відновлення асфальту після робіт"],
    "Освіта": ["місця у дитячому садку", "ремонт спортивного залу школи", "харчування в школі"],
    "Медицина": ["запис до лікаря", "черги в поліклініці", "робота амбулаторії"],
    "Екологія": ["вирубка дерев", "забруднення річки", "стихійне сміттєзвалище"],
}
OPENERS = ["Прошу вжити заходів щодо", "Звертаюся зі скаргою на", "Повторне звернення щодо",
           "Мешканці будинку просять вирішити питання:", "Просимо розглянути звернення про",
           "Вкотре звертаємося через"]
TAILS = ["Проблема триває понад місяць.", "Відповіді на попередні звернення не отримано.",
         "Просимо повідомити про строки виконання.", "Ситуація загрожує безпеці дітей.",
         "Дякуємо за оперативне реагування.", ""]
RESOLUTIONS = ["Роботи виконано", "Передано на виконання до КП", "Заплановано на наступний квартал",
               "Надано роз'яснення заявнику", "Направлено до районної адміністрації", ""]
STREETS = ["вулиця Хрещатик", "проспект Перемоги", "вулиця Велика Васильківська", "бульвар Шевченка",
           "вулиця Антоновича", "проспект Оболонський", "вулиця Лютеранська", "вулиця Січових Стрільців",
           "проспект Науки", "вулиця Солом'янська", ""]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    data = os.path.join(args.out, "data")
    package_dir = os.path.join(data, "kyiv-appeals")
    os.makedirs(package_dir, exist_ok=True)
    with open(os.path.join(data, "catalog.json"), "w", encoding="utf-8") as f:
        json.dump([{"name": "kyiv-appeals", "title": "Звернення громадян",
                    "title_en": "Citizen appeals", "resources": ["appeals"]}], f, ensure_ascii=False)
    columns = ["id", "date", "year", "channel", "category", "district", "street", "h3_cell",
               "lat", "lon", "status", "text", "resolution"]
    with open(os.path.join(package_dir, "datapackage.json"), "w", encoding="utf-8") as f:
        json.dump({"name": "kyiv-appeals", "title": "Звернення громадян (синтетичні)",
                   "title_en": "Citizen appeals (synthetic)", "topic": "appeals",
                   "resources": [{"name": "appeals", "path": "appeals.csv",
                                  "schema": {"fields": [{"name": c} for c in columns]}}]},
                  f, ensure_ascii=False)
    categories = list(CATEGORIES)
    with open(os.path.join(package_dir, "appeals.csv"), "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for i in range(args.rows):
            category = rng.choice(categories)
            subject = rng.choice(CATEGORIES[category])
            year = rng.choice([2021, 2022, 2023, 2024, 2025])
            month = rng.randint(1, 12)
            district = rng.choice(DISTRICTS)
            text = f"{rng.choice(OPENERS)} {subject}. {rng.choice(TAILS)}".strip()
            suppressed = rng.random() < 0.2
            writer.writerow([
                f"a{i:07x}", f"{year}-{month:02d}-01", year, rng.choice(CHANNELS), category,
                district, rng.choice(STREETS), f"881e{rng.randrange(16**9):09x}ff",
                "" if suppressed else f"{50.35 + rng.random() * 0.2:.5f}",
                "" if suppressed else f"{30.35 + rng.random() * 0.3:.5f}",
                rng.choice(STATUSES), text, rng.choice(RESOLUTIONS),
            ])


if __name__ == "__main__":
    main()
