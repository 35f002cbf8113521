#!/usr/bin/env bash
# Rows API benchmark: Vidkryto's row store against Datasette (from PyPI, in a throwaway venv)
# on the same appeal-like rows. Prints the numbers BENCHMARKS.md records.
#
# Usage: bench/rows.sh [ROWS]        (default 1000000; needs wrk, curl, python3 with venv)
# Env:   BENCH_DIR (default /tmp/vidkryto-bench-rows), DURATION (wrk seconds, default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROWS=${1:-1000000}
WORK=${BENCH_DIR:-/tmp/vidkryto-bench-rows}
DURATION=${DURATION:-15}
VPORT=18401
DPORT=18402
mkdir -p "$WORK"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

echo "== tools"
if [ ! -x "$WORK/venv/bin/datasette" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q datasette h3
fi
echo "datasette $("$WORK/venv/bin/datasette" --version | awk '{print $NF}')"
cargo build --release -q
VIDKRYTO=$ROOT/target/release/vidkryto

echo "== data: $ROWS rows"
DATA=$WORK/portal/datasets/bench-appeals
if [ ! -f "$DATA/appeals.csv" ] || [ "$(($(wc -l <"$DATA/appeals.csv") - 1))" != "$ROWS" ]; then
  mkdir -p "$DATA"
  "$WORK/venv/bin/python" bench/make_appeals.py "$ROWS" "$DATA"
  rm -f "$WORK/appeals.db"
fi
cat >"$WORK/portal/vidkryto.toml" <<EOF
[paths]
site = "$ROOT/site"
content = "$ROOT/content"

[portal]
title = "Бенчмарк"
title_en = "Benchmark"
description = "Бенчмарк"
description_en = "Benchmark"
base_url = "http://127.0.0.1"
languages = ["uk", "en"]
default_language = "uk"
publisher = "Бенчмарк"
publisher_en = "Benchmark"
licence = "CC-BY-4.0"

[[datasets]]
name = "bench-appeals"
sources = []
EOF
echo "-- vidkryto build (publish + row store + zip)"
/usr/bin/time -f "build: %e s wall, %M KiB max RSS" "$VIDKRYTO" --config "$WORK/portal/vidkryto.toml" build >/dev/null

if [ ! -f "$WORK/appeals.db" ]; then
  echo "-- SQLite for Datasette (typed columns, indexes on the filtered and sorted columns)"
  "$WORK/venv/bin/python" - "$DATA/appeals.csv" "$WORK/appeals.db" <<'EOF'
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[2])
db.execute("""create table appeals (id text, date text, year integer, channel text, category text,
  district text, street text, h3_cell text, lat real, lon real, status text, text text, resolution text)""")
with open(sys.argv[1], encoding="utf-8") as f:
    r = csv.reader(f); next(r)
    db.executemany("insert into appeals values (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        ([c or None for c in row] for row in r))
for col in ["district", "date", "category", "year", "status"]:
    db.execute(f"create index idx_{col} on appeals({col})")
db.execute("create index idx_district_date on appeals(district, date)")
db.commit(); db.execute("analyze"); db.close()
EOF
fi

echo "== servers"
"$VIDKRYTO" serve --dir "$WORK/portal/public" --addr "127.0.0.1:$VPORT" >"$WORK/vidkryto.log" 2>&1 &
pids+=($!); VPID=$!
# Datasette at its best: immutable (-i: no locking, cached counts), enough SQL threads,
# a time limit high enough that counts finish.
"$WORK/venv/bin/datasette" serve -i "$WORK/appeals.db" --port "$DPORT" \
  --setting num_sql_threads 4 --setting sql_time_limit_ms 20000 \
  --setting default_page_size 100 --setting max_returned_rows 1000 \
  --setting suggest_facets off >"$WORK/datasette.log" 2>&1 &
pids+=($!)
for port in $VPORT $DPORT; do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.2; done
done

OBOLON=%D0%9E%D0%B1%D0%BE%D0%BB%D0%BE%D0%BD%D1%81%D1%8C%D0%BA%D0%B8%D0%B9
V="http://127.0.0.1:$VPORT/api/v1/datasets/bench-appeals/appeals"
D="http://127.0.0.1:$DPORT/appeals/appeals"

run_wrk() { # name url
  local out
  out=$(wrk -t2 -c10 -d"${DURATION}s" --timeout 30s --latency "$2")
  printf '%-56s %10s req/s   p50 %8s   p99 %8s   %s\n' "$1" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" \
    "$(awk '$1=="99%" {print $2}' <<<"$out")" \
    "$(grep -E 'Socket errors|Non-2xx' <<<"$out" | tr '\n' ' ')"
}

echo "== unfiltered 100-row JSON page (wrk, 10 connections, ${DURATION}s; Datasette with _nocount=1)"
run_wrk "vidkryto  _size=100" "$V.json?_size=100"
run_wrk "datasette _size=100&_nocount=1" "$D.json?_size=100&_nocount=1"

echo "== filtered 100-row JSON page (wrk, 10 connections, ${DURATION}s)"
curl -fs "$V.json?district=$OBOLON&_size=100" | python3 -c 'import json,sys; print("vidkryto total:", json.load(sys.stdin)["total"])'
curl -fs "$D.json?district=$OBOLON&_size=100" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("datasette total:", d.get("filtered_table_rows_count", d.get("count")))'
run_wrk "vidkryto  district=…&_size=100" "$V.json?district=$OBOLON&_size=100"
run_wrk "datasette district=…&_size=100&_nocount=1" "$D.json?district=$OBOLON&_size=100&_nocount=1"
run_wrk "vidkryto  district=…&date>=2023-06-01, by date desc" "$V.json?district=$OBOLON&date__gte=2023-06-01&_sort_desc=date&_size=100"
run_wrk "datasette district=…&date>=2023-06-01, by date desc" "$D.json?district=$OBOLON&date__gte=2023-06-01&_sort_desc=date&_size=100&_nocount=1"

echo "== full CSV export, _stream=on"
rss() { awk '/VmRSS/ {print $2}' "/proc/$VPID/status"; }
echo "vidkryto RSS before: $(rss) KiB"
( peak=0; while kill -0 "$VPID" 2>/dev/null; do r=$(rss); [ "$r" -gt "$peak" ] && peak=$r && echo "$peak" >"$WORK/peak"; sleep 0.05; done ) &
sampler=$!
curl -fs -o /dev/null -w "vidkryto  %{size_download} bytes in %{time_total} s (to /dev/null)\n" "$V.csv?_stream=on"
curl -fs -o "$WORK/export.csv" -w "vidkryto  %{size_download} bytes in %{time_total} s (to a file)\n" "$V.csv?_stream=on"
kill $sampler 2>/dev/null || true
echo "vidkryto RSS peak while streaming: $(cat "$WORK/peak") KiB, after: $(rss) KiB"
echo "vidkryto rows exported: $(($(wc -l <"$WORK/export.csv") - 1)), error markers: $(grep -c '^#ERROR' "$WORK/export.csv" || true)"
curl -fs -o /dev/null -w "vidkryto  gzip: %{size_download} bytes in %{time_total} s\n" -H 'Accept-Encoding: gzip' "$V.csv?_stream=on"
curl -fs -o "$WORK/export-datasette.csv" -w "datasette %{size_download} bytes in %{time_total} s\n" "$D.csv?_stream=on&_size=max"
echo "datasette rows exported: $(($(wc -l <"$WORK/export-datasette.csv") - 1))"
