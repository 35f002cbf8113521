#!/usr/bin/env python3
"""Appeal-like rows for benchmarks, with the published appeals' columns (team contract:
id, date, year, channel, category, district, street, h3_cell, lat, lon, status, text,
resolution). Stand-in until `vidkryto synth appeals` + `anonymise` produce the real thing.

Usage: make_appeals.py ROWS OUT_DIR    (writes OUT_DIR/appeals.csv and OUT_DIR/datapackage.json)
Needs the `h3` package (the bench script installs it in its throwaway venv).
"""
import csv
import datetime
import json
import random
import sys

import h3

DISTRICTS = ["Голосіївський", "Дарницький", "Деснянський", "Дніпровський", "Оболонський",
             "Печерський", "Подільський", "Святошинський", "Солом'янський", "Шевченківський"]
CHANNELS = ["телефон 1551", "веб-портал", "мобільний застосунок", "письмово", "особистий прийом"]
CATEGORIES = ["Благоустрій", "Житлово-комунальне господарство", "Транспорт", "Дороги", "Освіта",
              "Охорона здоров'я", "Соціальний захист", "Екологія", "Торгівля", "Безпека"]
STATUSES = ["виконано", "в роботі", "роз'яснено", "не підтримано"]
STREETS = ["Хрещатик", "Січових Стрільців", "Велика Васильківська", "Богдана Хмельницького",
           "Володимирська", "Антоновича", "Лесі Українки", "Перемоги", "Оболонський", ""]
TEXTS = ["Не працює вуличне освітлення, прошу полагодити",
         "Яма на дорозі біля зупинки, небезпечно для руху",
         "Сміття не вивезено другий тиждень",
         "Прохання перевірити роботу ліфта у під'їзді",
         "Відсутнє гаряче водопостачання"]


def main():
    rows, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(7)
    start = datetime.date(2022, 1, 1)
    cells = []
    for _ in range(4000):
        lat, lon = 50.35 + rng.random() * 0.2, 30.35 + rng.random() * 0.4
        cell = h3.latlng_to_cell(lat, lon, 8)
        clat, clon = h3.cell_to_latlng(cell)
        cells.append((cell, f"{clat:.6f}", f"{clon:.6f}"))
    with open(f"{out}/appeals.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "date", "year", "channel", "category", "district", "street",
                    "h3_cell", "lat", "lon", "status", "text", "resolution"])
        for i in range(rows):
            date = start + datetime.timedelta(days=rng.randrange(1096))
            cell, lat, lon = cells[rng.randrange(len(cells))] if rng.random() > 0.05 else ("", "", "")
            w.writerow([f"{rng.getrandbits(48):012x}", date.isoformat(), date.year,
                        rng.choice(CHANNELS), rng.choice(CATEGORIES), rng.choice(DISTRICTS),
                        rng.choice(STREETS), cell, lat, lon, rng.choice(STATUSES),
                        rng.choice(TEXTS), "Надано відповідь" if rng.random() < 0.6 else ""])
    types = ["string", "date", "integer", "string", "string", "string", "string", "string",
             "number", "number", "string", "string", "string"]
    names = ["id", "date", "year", "channel", "category", "district", "street", "h3_cell",
             "lat", "lon", "status", "text", "resolution"]
    package = {
        "name": "bench-appeals", "title": "Звернення (бенчмарк)", "title_en": "Appeals (benchmark)",
        "licenses": [{"name": "CC-BY-4.0"}],
        "resources": [{"name": "appeals", "path": "appeals.csv",
                       "schema": {"fields": [{"name": n, "type": t} for n, t in zip(names, types)]}}],
    }
    with open(f"{out}/datapackage.json", "w", encoding="utf-8") as f:
        json.dump(package, f, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
