#!/usr/bin/env bash
# Search benchmark (issue 6): Vidkryto's /api/v1/search against Datasette + SQLite FTS5 on
# the same synthetic appeals, side by side in one run, with wrk (2 threads, 10 connections).
# Rows: one full-text query (20 hits + facets), the same with 100 hits, and a mix of 24
# queries in turn (bench/query-mix.lua). Also: index build time and peak memory, server start
# time, server RSS.
#
#   bench/search.sh [ROWS]          (default 1000000; results go to bench/out/)
#   REUSE_INDEX=1 DURATION=10s bench/search.sh   (keep an index built by an earlier run)
#
# Needs: cargo, python3 (venv), wrk (apt-get install wrk), curl. Datasette and sqlite-utils
# are installed from PyPI into a throwaway venv under bench/out/.
set -euo pipefail

ROWS="${1:-1000000}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$HERE/out"
PUBLIC="$OUT/public"
OURS_PORT=18080
DS_PORT=18081
DURATION="${DURATION:-15s}"
mkdir -p "$OUT"
cd "$ROOT"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }

echo "== building (release)" >&2
cargo build --release -q -p vidkryto
cargo build --release -q -p vidkryto-search --example build_index

if [ ! -f "$PUBLIC/data/kyiv-appeals/appeals.csv" ] || [ "$(cat "$OUT/rows" 2>/dev/null)" != "$ROWS" ]; then
  echo "== generating $ROWS appeals" >&2
  rm -rf "$PUBLIC"
  python3 "$HERE/gen_appeals.py" --rows "$ROWS" --seed 1 --out "$PUBLIC"
  echo "$ROWS" > "$OUT/rows"
fi

if [ -z "${REUSE_INDEX:-}" ] || [ ! -f "$PUBLIC/_index/CURRENT" ]; then
  echo "== index build" >&2
  /usr/bin/time -v target/release/examples/build_index "$PUBLIC" 2> "$OUT/build.time" | tee "$OUT/build.txt"
  grep -E "Elapsed|User time|System time|Maximum resident" "$OUT/build.time" | tee -a "$OUT/build.txt"
fi

echo "== datasette (PyPI, throwaway venv)" >&2
if [ ! -x "$OUT/venv/bin/datasette" ]; then
  python3 -m venv "$OUT/venv"
  "$OUT/venv/bin/pip" install -q datasette sqlite-utils
fi
if [ ! -f "$OUT/bench.db" ] || [ "$OUT/bench.db" -ot "$PUBLIC/data/kyiv-appeals/appeals.csv" ]; then
  rm -f "$OUT/bench.db"
  "$OUT/venv/bin/sqlite-utils" insert "$OUT/bench.db" appeals "$PUBLIC/data/kyiv-appeals/appeals.csv" --csv --pk id
  "$OUT/venv/bin/sqlite-utils" enable-fts "$OUT/bench.db" appeals text resolution category district --fts5
fi

cleanup() {
  [ -n "${OURS_PID:-}" ] && kill "$OURS_PID" 2>/dev/null || true
  [ -n "${DS_PID:-}" ] && kill "$DS_PID" 2>/dev/null || true
}
trap cleanup EXIT

echo "== starting both servers" >&2
for port in $OURS_PORT $DS_PORT; do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    echo "port $port is already in use; stop what listens there first" >&2
    exit 1
  fi
done
start=$(date +%s%N)
target/release/vidkryto serve --dir "$PUBLIC" --addr "127.0.0.1:$OURS_PORT" > "$OUT/ours.log" 2>&1 &
OURS_PID=$!
until curl -sf "http://127.0.0.1:$OURS_PORT/healthz" >/dev/null; do sleep 0.005; done
ready=$(date +%s%N)
echo "server start (to first /healthz answer): $(( (ready - start) / 1000000 )) ms" | tee "$OUT/start.txt"

"$OUT/venv/bin/datasette" serve "$OUT/bench.db" --port "$DS_PORT" \
  --setting suggest_facets off --setting default_page_size 100 --setting sql_time_limit_ms 10000 \
  > "$OUT/datasette.log" 2>&1 &
DS_PID=$!
until curl -sf "http://127.0.0.1:$DS_PORT/-/versions.json" >/dev/null; do sleep 0.1; done

Q=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("ремонт даху"))')
declare -A URLS=(
  [ours-fulltext]="http://127.0.0.1:$OURS_PORT/api/v1/search?q=$Q&limit=20"
  [datasette-fulltext]="http://127.0.0.1:$DS_PORT/bench/appeals.json?_search=$Q&_size=20&_nocount=1"
  [ours-100-rows]="http://127.0.0.1:$OURS_PORT/api/v1/search?q=$Q&limit=100"
  [datasette-100-rows]="http://127.0.0.1:$DS_PORT/bench/appeals.json?_size=100&_nocount=1"
)
: > "$OUT/wrk.txt"
for name in ours-fulltext datasette-fulltext ours-100-rows datasette-100-rows; do
  url="${URLS[$name]}"
  curl -sf "$url" > /dev/null || { echo "$name: $url fails" >&2; exit 1; }
  echo "== wrk $name" >&2
  result=$(wrk -t2 -c10 -d"$DURATION" --latency "$url")
  rps=$(echo "$result" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$result" | awk '$1 == "99%" {print $2}')
  echo "$name: $rps req/s, p99 $p99" | tee -a "$OUT/wrk.txt"
done
# A mix of 24 queries (two words of the appeals' topics; some also match titles, whose
# category and district words are in the text too), each request the next in the list
# (bench/query-mix.lua), so the figure is not one cached answer over and over.
python3 - "$OUT" <<'PY'
import sys, urllib.parse
out = sys.argv[1]
queries = ["ремонт даху", "протікання труби", "ремонт ліфта", "обрізка дерев", "покіс трави",
           "затримка тролейбуса", "розмітка перехресті", "харчування школі", "заміна вікон",
           "гарячої води", "ремонт тротуару", "встановлення лавок", "опалення квартирах",
           "ремонт зупинки", "дитячого майданчика", "прибирання сміття", "відновлення асфальту",
           "спортивного залу", "дитячому садку", "ямковий ремонт", "Освіта харчування",
           "Оболонський ремонт", "Транспорт тролейбуса", "Дороги асфальту"]
with open(f"{out}/ours-mix.paths", "w") as f, open(f"{out}/datasette-mix.paths", "w") as g:
    for q in queries:
        e = urllib.parse.quote(q)
        f.write(f"/api/v1/search?q={e}&limit=20\n")
        g.write(f"/bench/appeals.json?_search={e}&_size=20&_nocount=1\n")
PY
for name in ours-mix datasette-mix; do
  port=$OURS_PORT; [ "$name" = datasette-mix ] && port=$DS_PORT
  while read -r path; do
    curl -sf "http://127.0.0.1:$port$path" > /dev/null || { echo "$name: $path fails" >&2; exit 1; }
  done < "$OUT/$name.paths"
  echo "== wrk $name (24 queries in turn)" >&2
  result=$(PATHS="$OUT/$name.paths" wrk -t2 -c10 -d"$DURATION" --latency -s "$HERE/query-mix.lua" "http://127.0.0.1:$port")
  rps=$(echo "$result" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$result" | awk '$1 == "99%" {print $2}')
  echo "$name: $rps req/s, p99 $p99" | tee -a "$OUT/wrk.txt"
done
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/wrk.txt"
echo "server RSS after load: $(awk '/VmRSS/ {print $2, $3}' /proc/$OURS_PID/status)" | tee -a "$OUT/wrk.txt"
