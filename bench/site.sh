#!/usr/bin/env bash
# Site benchmarks (not run by scripts/test):
#  1. the demo portal's `vidkryto build` time, with hyperfine;
#  2. a synthetic portal with N register documents (default 100 000; each rendered in uk
#     and en), reporting pages per second of the whole build, its user + system CPU (the
#     machine may be shared: CPU time is the figure to compare) and the load average; then
#     rebuilds after one document changed, and with nothing changed;
#  3. like for like with the real zola (ZOLA=path, else ../shared/tools/zola, else PATH):
#     PAIRS times (default 3), one after the other, a cold `vidkryto build` (validate +
#     publish + render + row store + index) and `zola build` of the same generated site
#     (render only), with the ratio of their wall times. Skipped, saying so, without zola.
# Usage: bench/site.sh [N]          (from anywhere; builds the release binary first)
#        SKIP_DEMO=1 bench/site.sh N   skips the demo portal part
#        SKIP_REBUILDS=1 ...           skips part 2's rebuilds; PAIRS=5 ... for part 3
#        PAIRS=0 ...                   skips part 3
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
cargo build --release --quiet
BIN="$PWD/target/release/vidkryto"
WORK="$PWD/target/bench-site"
rm -rf "$WORK" && mkdir -p "$WORK"

if [ -z "${SKIP_DEMO:-}" ]; then
echo "== demo portal build (tests/browser/portal.toml: bundled datasets + fixtures)"
if command -v hyperfine >/dev/null 2>&1; then
  # Cold: no previous public/ or render cache. Warm: nothing changed since the last build.
  hyperfine --warmup 1 --runs 10 \
    --command-name cold --prepare "rm -rf target/browser-portal" "$BIN --config tests/browser/portal.toml build" \
    --command-name unchanged "$BIN --config tests/browser/portal.toml build"
else
  echo "(hyperfine not found; timing 5 runs with /usr/bin/time)"
  for _ in 1 2 3 4 5; do /usr/bin/time -f "%e s" "$BIN" --config tests/browser/portal.toml build >/dev/null; done
fi
fi

echo "== synthetic register: $N documents"
REG="$WORK/register"
mkdir -p "$REG"
cp generator/tests/fixtures/site/public-information-register/datapackage.json "$REG/"
python3 bench/gen_register.py "$N" "$REG/documents.csv"
cat > "$WORK/vidkryto.toml" <<TOML
[portal]
title = "Відкрито — бенчмарк"
title_en = "Vidkryto — benchmark"
base_url = "http://127.0.0.1:8080"
[paths]
datasets = "$PWD/datasets"
content = "$PWD/content"
site = "$PWD/site"
build = "$WORK/build"
public = "$WORK/public"
[[datasets]]
name = "public-information-register"
path = "$REG"
TOML
report() {
  python3 - "$1" "$2" "$1.time" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
site = s["site"]
pages = site["pages"] + site["sections"]
wall, user, system = (float(x) for x in open(sys.argv[3]).read().split()[-3:])
print(f'{sys.argv[2]}: {site["documents"]} documents, {pages} pages, {site["files"]} files '
      f'({site["rendered"]} rendered, {site["reused"]} unchanged) in {s["seconds"]:.2f} s '
      f'(whole build: publish + generate + render + row store + index) = {pages / s["seconds"]:.0f} pages/s; '
      f'CPU {user:.2f} s user + {system:.2f} s sys = {(user + system) * 1000 / pages:.3f} ms/page, wall {wall:.2f} s')
print('  stages: ' + ', '.join(f'{t["stage"]} {t["seconds"]:.2f} s' for t in s.get("stages", [])))
index = s["index"]
print(f'  search index: {index.get("indexed", index["documents"])} of {index["documents"]} documents indexed, '
      f'{s["files"]["compressed"]} copies compressed')
PY
  echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}
build() {
  /usr/bin/time -o "$WORK/$1.json.time" -f "%e %U %S" "$BIN" --config "$WORK/vidkryto.toml" build --json > "$WORK/$1.json"
  report "$WORK/$1.json" "$2"
}
build cold "cold build"
if [ -z "${SKIP_REBUILDS:-}" ]; then
# No spare tree yet (public/ did not exist before the cold build): every page is linked.
build first "first rebuild, nothing changed"
# One document changes: only its two pages (uk, en) and the list pages holding it re-render.
sed -i '2s/Про затвердження/Про зміну/' "$REG/documents.csv"
build one-change "rebuild after one document changed"
# The staging tree is the last-but-one build's public/, so the build after a change also
# catches that tree up with it (links); after that, nothing changed.
build caught-up "next rebuild, nothing changed"
build unchanged "rebuild, nothing changed"
fi

if [ "${PAIRS:-3}" = 0 ]; then echo "== like for like: skipped (PAIRS=0)"; exit 0; fi
echo "== like for like: cold vidkryto build vs zola build of the same site ($N documents)"
ZOLA="${ZOLA:-}"
if [ -z "$ZOLA" ] && [ -x ../shared/tools/zola ]; then ZOLA="$(realpath ../shared/tools/zola)"; fi
if [ -z "$ZOLA" ]; then ZOLA="$(command -v zola || true)"; fi
if [ -z "$ZOLA" ]; then
  echo "  zola not found (ZOLA=…, ../shared/tools/zola or PATH): comparison skipped"
  exit 0
fi
echo "  $("$ZOLA" --version)"
# `--engine zola` writes the register's document pages into build/site/content/ (the built-in
# renderer keeps them in memory), so zola renders exactly the site the built-in renderer does.
mkdir -p "$WORK/zolabin" && ln -sf "$ZOLA" "$WORK/zolabin/zola"
PATH="$WORK/zolabin:$PATH" "$BIN" --config "$WORK/vidkryto.toml" build --engine zola >/dev/null
SITE="$WORK/zola-site"
rm -rf "$SITE" && cp -a "$WORK/build/site" "$SITE"
timed() { /usr/bin/time -o "$WORK/t" -f "%e %U %S" "$@" >/dev/null 2>&1; cat "$WORK/t"; }
# Each tool starts on a settled disk: the deletion of the last output (120 000 files for
# vidkryto's public tree and its spare, 20 000 for zola's) is written out by `sync` before
# the clock starts, so neither pays for the other's, or its own last, clean-up.
for pair in $(seq "${PAIRS:-3}"); do
  rm -rf "$WORK/public" "$WORK/.public.spare" "$WORK/build" && sync
  read -r vw vu vs < <(timed "$BIN" --config "$WORK/vidkryto.toml" build)
  rm -rf "$WORK/zola-out" && sync
  read -r zw zu zs < <(timed "$ZOLA" --root "$SITE" build --output-dir "$WORK/zola-out" --force)
  python3 -c "import sys; v, z = float(sys.argv[1]), float(sys.argv[2]); print(f'  pair $pair: vidkryto cold build {v:.2f} s wall (${vu} s user + ${vs} s sys), zola build {z:.2f} s wall (${zu} s user + ${zs} s sys): ratio {v / z:.2f}')" "$vw" "$zw"
  echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
done
