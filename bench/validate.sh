#!/usr/bin/env bash
# Benchmark: `vidkryto validate` against frictionless-py 5.x on the same generated CSV
# (ROWS rows, 10 columns, integer primary key) and schema, side by side in one run.
# Prints rows per CPU-second (user + system) and peak RSS for both.
#
# Usage: bench/validate.sh [dirty] [ROWS] [FRICTIONLESS_ROWS]
#   dirty              the dirty tier: bench/gen_dirty_validate.py's file (13 fault kinds in
#                      ~0.5 % of rows, look-alike letters in ~20 % of texts; SEED=N to
#                      repeat a seed, else a new one), both tools with --json and no error cap,
#                      and the error counts per kind of both reports
#   ROWS               rows for vidkryto (default 1000000)
#   FRICTIONLESS_ROWS  rows for frictionless (default ROWS; frictionless takes ~90 s per 1M)
#   ROUNDS=N           rounds of three vidkryto runs and one frictionless run (default 3)
# Needs: python3 (with venv), /usr/bin/time, network access to PyPI for frictionless.
set -euo pipefail
cd "$(dirname "$0")/.."

TIER=clean
if [ "${1:-}" = dirty ]; then TIER=dirty; shift; fi
ROWS=${1:-1000000}
FROWS=${2:-$ROWS}
WORK=${BENCH_DIR:-target/bench-validate}
mkdir -p "$WORK"

if [ "$TIER" = clean ]; then
echo "== generating $ROWS rows" >&2
python3 - "$WORK" "$ROWS" "$FROWS" <<'PY'
import json, random, sys
work, rows, frows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(1)
districts = ["Голосіївський", "Дарницький", "Деснянський", "Дніпровський", "Оболонський",
             "Печерський", "Подільський", "Святошинський", "Солом'янський", "Шевченківський"]
channels = ["phone-1551", "web-1551-gov-ua", "email", "government-hotline"]
statuses = ["new", "in-progress", "done", "rejected"]
schema = {"fields": [
    {"name": "id", "type": "integer", "constraints": {"required": True, "minimum": 1}},
    {"name": "date", "type": "date", "constraints": {"required": True}},
    {"name": "year", "type": "integer", "constraints": {"minimum": 2012, "maximum": 2026}},
    {"name": "district", "type": "string", "constraints": {"enum": districts}},
    {"name": "channel", "type": "string", "constraints": {"enum": channels}},
    {"name": "status", "type": "string", "constraints": {"enum": statuses}},
    {"name": "amount", "type": "number", "constraints": {"minimum": 0}},
    {"name": "lat", "type": "number", "constraints": {"minimum": 50.2, "maximum": 50.6}},
    {"name": "lon", "type": "number", "constraints": {"minimum": 30.2, "maximum": 30.9}},
    {"name": "text", "type": "string", "constraints": {"maxLength": 200}},
], "primaryKey": ["id"], "missingValues": [""]}
json.dump(schema, open(f"{work}/schema.json", "w"), ensure_ascii=False, indent=1)
words = ["не працює", "ліфт", "освітлення", "прибирання", "ремонт", "дороги", "двір", "сміття"]
def write(path, n):
    with open(path, "w", encoding="utf-8") as f:
        f.write("id,date,year,district,channel,status,amount,lat,lon,text\n")
        for i in range(1, n + 1):
            y = 2012 + i % 14
            f.write(f"{i},{y}-{i % 12 + 1:02d}-{i % 28 + 1:02d},{y},{districts[i % 10]},"
                    f"{channels[i % 4]},{statuses[i % 4]},{(i * 37) % 100000 / 10},"
                    f"{50.3 + (i % 1000) / 10000:.4f},{30.4 + (i % 997) / 10000:.4f},"
                    f"\"{words[i % 8]} {words[(i * 7) % 8]}, будинок {i % 300}\"\n")
write(f"{work}/data.csv", rows)
if frows != rows:
    write(f"{work}/data-frictionless.csv", frows)
PY
FDATA="$WORK/data.csv"
[ "$FROWS" != "$ROWS" ] && FDATA="$WORK/data-frictionless.csv"
SCHEMA="$WORK/schema.json"
DATA="$WORK/data.csv"
VK_ARGS=()
FL_ARGS=()
else
SEED=${SEED:-$RANDOM}
echo "== generating $ROWS dirty rows (seed $SEED)" >&2
python3 bench/gen_dirty_validate.py "$WORK" "$ROWS" --seed "$SEED" --name data-dirty.csv >"$WORK/injected.json"
FDATA="$WORK/data-dirty.csv"
if [ "$FROWS" != "$ROWS" ]; then
  python3 bench/gen_dirty_validate.py "$WORK" "$FROWS" --seed "$SEED" --name data-dirty-frictionless.csv >/dev/null
  FDATA="$WORK/data-dirty-frictionless.csv"
fi
SCHEMA="$WORK/schema-dirty.json"
DATA="$WORK/data-dirty.csv"
VK_ARGS=(--json --max-errors 1000000)
FL_ARGS=(--json --limit-errors 1000000)
fi

echo "== building vidkryto (release)" >&2
cargo build --release -q -p vidkryto
VK=target/release/vidkryto

if [ ! -x "$WORK/venv/bin/frictionless" ]; then
  echo "== installing frictionless into a throwaway venv" >&2
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q 'frictionless>=5,<6'
fi

# Runs a command under /usr/bin/time -v; prints "cpu_seconds peak_kib".
measure() {
  local log="$WORK/time.log"
  /usr/bin/time -v "$@" >"$WORK/out.log" 2>"$log" || true
  awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {m=$2}
              END {printf "%.3f %d\n", u + s, m}' "$log"
}

# This machine's CPU times move by ±20 % from minute to minute, and vidkryto takes a third
# of a second: one warm-up run, then ROUNDS rounds (default 3) of three vidkryto runs and one
# frictionless run, so a slow minute falls on both tools; the medians of each are compared
# (memory: that of the median run).
ROUNDS=${ROUNDS:-3}
echo "== $ROUNDS rounds of 3 x vidkryto validate ($ROWS rows) + frictionless validate ($FROWS rows)" >&2
measure "$VK" validate "${VK_ARGS[@]}" --schema "$SCHEMA" "$DATA" >/dev/null
VK_RUNS=""
FL_RUNS=""
for round in $(seq "$ROUNDS"); do
  for _ in 1 2 3; do
    VK_RUNS+="$(measure "$VK" validate "${VK_ARGS[@]}" --schema "$SCHEMA" "$DATA")"$'\n'
  done
  [ "$round" = 1 ] && if [ "$TIER" = clean ]; then tail -n 1 "$WORK/out.log" >&2; else cp "$WORK/out.log" "$WORK/vidkryto.json"; fi
  FL_RUNS+="$(measure "$WORK/venv/bin/frictionless" validate "${FL_ARGS[@]}" --schema "$SCHEMA" "$FDATA")"$'\n'
done
VK_RUNS=${VK_RUNS%$'\n'}
FL_RUNS=${FL_RUNS%$'\n'}
echo "$VK_RUNS" | awk '{printf "  vidkryto run: %s CPU-s, %d KiB\n", $1, $2}' >&2
echo "$FL_RUNS" | awk '{printf "  frictionless run: %s CPU-s, %d KiB\n", $1, $2}' >&2
median() { sort -n | awk '{line[NR] = $0} END {print line[int((NR + 1) / 2)]}'; }
read -r VK_CPU VK_KIB < <(echo "$VK_RUNS" | median)
read -r FL_CPU FL_KIB < <(echo "$FL_RUNS" | median)
if [ "$TIER" = clean ]; then
  grep -m1 -iE "valid|invalid" "$WORK/out.log" >&2 || true
else
  cp "$WORK/out.log" "$WORK/frictionless.json"
  python3 - "$WORK" <<'PY'
import collections, json, sys
work = sys.argv[1]
def kinds(path, key="errors"):
    report = json.load(open(path))
    return collections.Counter(e["type"] for t in report["tasks"] for e in t.get(key, []))
print("injected           :", json.load(open(f"{work}/injected.json")))
print("vidkryto errors    :", dict(sorted(kinds(f"{work}/vidkryto.json").items())))
print("vidkryto warnings  :", dict(kinds(f"{work}/vidkryto.json", "warningDetails")))
print("frictionless errors:", dict(sorted(kinds(f"{work}/frictionless.json").items())))
PY
fi

python3 - "$ROWS" "$VK_CPU" "$VK_KIB" "$FROWS" "$FL_CPU" "$FL_KIB" "$("$WORK/venv/bin/python" -c 'import frictionless; print(frictionless.__version__)')" <<'PY'
import sys
rows, vk_cpu, vk_kib, frows, fl_cpu, fl_kib, fl_version = sys.argv[1:]
vk_rate = int(rows) / max(float(vk_cpu), 1e-9)
fl_rate = int(frows) / max(float(fl_cpu), 1e-9)
print(f"vidkryto validate   : {int(rows):>9} rows  {float(vk_cpu):8.2f} CPU-s  {vk_rate:>12,.0f} rows/CPU-s  peak {int(vk_kib) / 1024:7.1f} MiB")
print(f"frictionless {fl_version:<7}: {int(frows):>9} rows  {float(fl_cpu):8.2f} CPU-s  {fl_rate:>12,.0f} rows/CPU-s  peak {int(fl_kib) / 1024:7.1f} MiB")
print(f"speed-up: {vk_rate / fl_rate:.0f}x rows per CPU-second")
PY
