#!/usr/bin/env python3
"""The dirty tier of bench/validate.sh: an appeals-like CSV as data officers send it, with the
13 kinds of fault the validation tests inject (tests/validate/injected.rs) in about 0.5 % of
the rows, and a look-alike Latin letter in about 20 % of the free-text cells (each one a
`mixed-script` warning). Deterministic for a given --seed; prints the faults it injected per
kind, so a run can be checked against the report.

Usage: gen_dirty_validate.py OUT_DIR ROWS [--seed N] [--name data.csv]
Writes OUT_DIR/schema-dirty.json and OUT_DIR/NAME; prints a JSON object of injected counts
(by report error type) to stdout.
"""
import argparse
import json
import random

DISTRICTS = ["Голосіївський", "Дарницький", "Деснянський", "Дніпровський", "Оболонський",
             "Печерський", "Подільський", "Святошинський", "Солом'янський", "Шевченківський"]
CHANNELS = ["phone-1551", "web-1551-gov-ua", "email", "government-hotline"]
STATUSES = ["new", "in-progress", "done", "rejected"]
WORDS = ["не працює", "ліфт", "освітлення", "прибирання", "ремонт", "дороги", "двір", "сміття",
         "опалення", "вода"]
# Cyrillic letters and the Latin letters that look like them.
LOOKALIKE = {"о": "o", "а": "a", "е": "e", "р": "p", "с": "c", "і": "i"}

SCHEMA = {"fields": [
    {"name": "id", "type": "integer", "constraints": {"required": True, "minimum": 1}},
    {"name": "code", "type": "string", "constraints": {"unique": True}},
    {"name": "date", "type": "date", "constraints": {"required": True}},
    {"name": "year", "type": "integer", "constraints": {"minimum": 2012, "maximum": 2026}},
    {"name": "district", "type": "string", "constraints": {"enum": DISTRICTS}},
    {"name": "channel", "type": "string", "constraints": {"enum": CHANNELS}},
    {"name": "status", "type": "string", "constraints": {"required": True, "enum": STATUSES}},
    {"name": "amount", "type": "number", "constraints": {"minimum": 0}},
    {"name": "lat", "type": "number", "constraints": {"minimum": 50.2, "maximum": 50.6}},
    {"name": "text", "type": "string", "constraints": {"maxLength": 200}},
], "primaryKey": ["id"], "missingValues": [""]}

# (fault, the report error type it must give, and how many errors per faulty row)
FAULTS = [
    ("wrong integer", "type-error"), ("bad date", "type-error"), ("decimal comma", "type-error"),
    ("enum", "constraint-error"), ("out of range", "constraint-error"),
    ("too long", "constraint-error"), ("missing required", "constraint-error"),
    ("missing cell", "missing-cell"), ("extra cell", "extra-cell"), ("blank row", "blank-row"),
    ("duplicate row", "duplicate-row"), ("duplicate key", "primary-key"),
    ("duplicate code", "unique-error"),
]


def clean(i, rng):
    y = 2012 + i % 14
    text = f"{WORDS[i % 10]} {WORDS[(i * 7) % 10]}, будинок {i % 300}"
    if rng.random() < 0.2:
        letter = rng.choice([c for c in LOOKALIKE if c in text] or ["о"])
        text = text.replace(letter, LOOKALIKE[letter], 1) if letter in text else text + " o"
    return [str(i), f"C{i:08d}", f"{y}-{i % 12 + 1:02d}-{i % 28 + 1:02d}", str(y),
            DISTRICTS[i % 10], CHANNELS[i % 4], STATUSES[i % 4], f"{(i * 37) % 100000 / 10}",
            f"{50.3 + (i % 1000) / 10000:.4f}", f"\"{text}\""]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("rows", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--name", default="data-dirty.csv")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with open(f"{args.out}/schema-dirty.json", "w", encoding="utf-8") as f:
        json.dump(SCHEMA, f, ensure_ascii=False, indent=1)
    injected = {}
    previous = None
    with open(f"{args.out}/{args.name}", "w", encoding="utf-8") as f:
        f.write("id,code,date,year,district,channel,status,amount,lat,text\n")
        for i in range(1, args.rows + 1):
            cells = clean(i, rng)
            faulty = previous is not None and rng.random() < 0.005
            if faulty:
                k = rng.randrange(len(FAULTS))
                kind = FAULTS[k][1]
                count = 1
                if k == 0:
                    cells[3] = "20l9"
                elif k == 1:
                    cells[2] = "2024-02-30"
                elif k == 2:
                    cells[7] = "\"12,5\""
                elif k == 3:
                    cells[4] = "Київський"
                elif k == 4:
                    cells[8] = "51.5000"
                elif k == 5:
                    cells[9] = "\"" + "дуже довге звернення " * 12 + "\""
                elif k == 6:
                    cells[6] = ""
                elif k == 7:
                    cells = cells[:8]
                    count = 2
                elif k == 8:
                    cells.append("зайве")
                elif k == 9:
                    cells = [""]
                    # A blank row of a keyed table also has an empty key.
                    injected["primary-key"] = injected.get("primary-key", 0) + 1
                elif k == 10:
                    cells = list(previous)
                elif k == 11:
                    cells[0] = previous[0]
                else:
                    cells[1] = previous[1]
                injected[kind] = injected.get(kind, 0) + count
            line = ",".join(cells)
            f.write(line + "\n")
            # A faulty row is not the model of the next duplicate (it would cascade).
            if not faulty:
                previous = cells
    print(json.dumps(dict(sorted(injected.items()))))


if __name__ == "__main__":
    main()
