#!/usr/bin/env bash
# Publishing and replica benchmark (issue 18; not run by scripts/test), in one run, against an
# S3 stand-in on a free 127.0.0.1 port: moto_server started as the conformance tests start it
# (tests/conformance/test_s3.py; the default) or s3rver (npm's, on disk) with S3=s3rver or
# BIG_S3=s3rver. Either stand-in is one process (Python, Node) on the same cores as
# vidkryto, so publish wall times are mostly the store's per-request cost: every row also
# gives vidkryto's CPU and the store process's CPU over the same interval.
#  1. the demo portal (vidkryto.toml's datasets, a copy of datasets/, built into $WORK/demo):
#     `vidkryto publish --to s3://…/demo --json` first publish, unchanged re-publish, a
#     publish after a rebuild with no input changed, and one after one dataset's description
#     (kyiv-it-audit-2010-2011/datapackage.json of the copy) gained a word: wall time, files
#     and bytes uploaded (and how many of them are the search index and row-store meta.json
#     files, which every build writes anew), files copied inside the store (unchanged),
#     objects deleted;
#  2. replicas of the demo prefix (`serve --from s3://…/demo`): one replica under
#     `wrk -t2 -c10 --latency`, then two replicas on two ports under two simultaneous
#     `wrk -t1 -c5` runs (same total connections), req/s summed, on a static page and a
#     search; wrk, the store and the replicas share the machine's cores (stopped after);
#  3. first publish, unchanged re-publish and one-change publish, as in 1, of bench/site.sh's
#     synthetic register portal of N documents (default 50 000 documents × uk/en ≈ 100 020
#     pages, ≈ 320 000 files), generated and configured exactly as site.sh does; the change
#     is site.sh's: one document's title edited.
# Prints markdown tables of every figure, with `uptime` load averages at the start and end.
#
# Usage: bench/publish.sh [N]        (from anywhere; N register documents, default 50000)
#        BIG_S3=s3rver bench/publish.sh 50000   the 100 000-page portal on s3rver (which
#                                                answers 2–3× moto's requests/s here)
# Env:   N (same as the argument), DURATION (each wrk run, default 10s),
#        BENCH_DIR (work folder, default /tmp/vidkryto-bench-publish; emptied first),
#        BIN (default target/release/vidkryto, used as is: build it first),
#        S3 (store of parts 1 and 2: moto or s3rver, default moto),
#        BIG_S3 (store of part 3, default $S3; moto spends ≈ 3 ms of CPU per request, so
#        ≈ 15–20 min per full publish of 100 000 pages: a first publish PUTs every file and
#        a one-change publish COPYs every unchanged one),
#        VENV (venv with moto_server and boto3, default target/test-venv),
#        S3RVER (s3rver's executable; default s3rver on PATH, else
#        /tmp/s3rver-pkg/node_modules/.bin/s3rver, from
#        `npm install --prefix /tmp/s3rver-pkg s3rver@3.7.1`),
#        PAGE (static page, default /datasets/), QUERY (search, default
#        /api/v1/search?q=бюджет), SKIP_REPLICAS=1 (skip part 2), SKIP_BIG=1 (skip part 3)
# Needs: the release binary, target/test-venv (moto[server], boto3: scripts/test makes it),
#        wrk, curl, python3, GNU time (/usr/bin/time); s3rver and node only when asked for.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${1:-${N:-50000}}
DURATION=${DURATION:-10s}
WORK=${BENCH_DIR:-/tmp/vidkryto-bench-publish}
BIN=${BIN:-$ROOT/target/release/vidkryto}
VENV=${VENV:-$ROOT/target/test-venv}
PAGE=${PAGE:-/datasets/}
QUERY=${QUERY:-/api/v1/search?q=%D0%B1%D1%8E%D0%B4%D0%B6%D0%B5%D1%82}
S3=${S3:-moto}
BIG_S3=${BIG_S3:-$S3}
S3RVER=${S3RVER:-$(command -v s3rver || echo /tmp/s3rver-pkg/node_modules/.bin/s3rver)}
BUCKET=bench-bucket
needs=(wrk curl python3 /usr/bin/time "$BIN")
for kind in "$S3" "$BIG_S3"; do
  case $kind in
    moto) needs+=("$VENV/bin/moto_server" "$VENV/bin/python") ;;
    s3rver) needs+=("$S3RVER" node) ;;
    *) echo "S3 / BIG_S3: moto or s3rver, not $kind" >&2; exit 2 ;;
  esac
done
for tool in "${needs[@]}"; do
  command -v "$tool" >/dev/null || { echo "bench/publish.sh needs $tool" >&2; exit 2; }
done
case $WORK in /|"$ROOT"|"$ROOT"/public*) echo "refusing BENCH_DIR=$WORK" >&2; exit 2 ;; esac
rm -rf "$WORK" && mkdir -p "$WORK"

export AWS_DEFAULT_REGION=us-east-1
# Replicas sign cursors with one key, so a cursor from one is valid on the other.
export VIDKRYTO_CURSOR_KEY=bench-publish-cursor-key-0123456789abcdef
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

pids=()
cleanup() {
  local i
  # Newest first: replicas before the stores they follow.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

UPTIME_START=$(uptime)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
echo "== bench/publish.sh N=$N S3=$S3 BIG_S3=$BIG_S3 DURATION=$DURATION — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT, $(nproc) cores"
echo "uptime at start: $UPTIME_START"

# The stores, each started once: endpoint, process id and credentials by kind.
declare -A ENDPOINT STORE_PID KEY
start_store() {
  local kind=$1 port i
  [ -n "${ENDPOINT[$kind]:-}" ] && return 0
  port=$(free_port)
  ENDPOINT[$kind]=http://127.0.0.1:$port
  case $kind in
    moto)
      KEY[$kind]=test
      "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
      ;;
    s3rver)
      KEY[$kind]=S3RVER  # s3rver's built-in account
      mkdir -p "$WORK/s3rver-data"
      "$S3RVER" -d "$WORK/s3rver-data" -a 127.0.0.1 -p "$port" -s --configure-bucket "$BUCKET" \
        >"$WORK/s3rver.log" 2>&1 &
      ;;
  esac
  STORE_PID[$kind]=$!
  pids+=("$!")
  for i in $(seq 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "${ENDPOINT[$kind]}/" || true)" != 000 ] && break
    [ "$i" = 150 ] && { echo "$kind did not start (see $WORK/$kind.log)" >&2; exit 1; }
    sleep 0.2
  done
  if [ "$kind" = moto ]; then
    "$VENV/bin/python" -c '
import sys, boto3
boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="test",
             aws_secret_access_key="test", region_name="us-east-1").create_bucket(Bucket=sys.argv[2])
' "${ENDPOINT[$kind]}" "$BUCKET"
    echo "moto_server $("$VENV/bin/python" -c 'import moto; print(moto.__version__)') at ${ENDPOINT[$kind]}, bucket $BUCKET (in memory)"
  else
    echo "s3rver $("$S3RVER" --version) (node $(node --version)) at ${ENDPOINT[$kind]}, bucket $BUCKET (on disk, $WORK/s3rver-data)"
  fi
}
# on_store KIND COMMAND…: runs COMMAND with the store's credentials.
on_store() {
  local kind=$1
  shift
  AWS_ACCESS_KEY_ID=${KEY[$kind]} AWS_SECRET_ACCESS_KEY=${KEY[$kind]} "$@"
}
# store_cpu KIND: the store process's user + system CPU seconds so far.
store_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f\n", ($14 + $15) / hz}' "/proc/${STORE_PID[$1]}/stat"
}
echo "== stores: $S3 (demo, replicas), $BIG_S3 (register portal)"
start_store "$S3"
start_store "$BIG_S3"

# Rows of the publish table, one per publish.
ROWS=()
# build CONFIG NAME: `build --json` into $WORK/NAME.build.json; prints its wall seconds.
build() {
  /usr/bin/time -o "$WORK/$2.build.time" -f "%e" "$BIN" --config "$1" build --json >"$WORK/$2.build.json"
  tail -1 "$WORK/$2.build.time"
}
# publish STORE CONFIG PREFIX NAME PORTAL STEP BUILD_SECONDS: one timed publish, one table row.
publish() {
  local store=$1 cpu0 cpu1 row
  cpu0=$(store_cpu "$store")
  on_store "$store" /usr/bin/time -o "$WORK/$4.time" -f "%e %U %S" "$BIN" --config "$2" publish \
    --to "s3://$BUCKET/$3" --endpoint "${ENDPOINT[$store]}" --json >"$WORK/$4.json"
  cpu1=$(store_cpu "$store")
  row=$(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
wall, user, system = (float(x) for x in open(sys.argv[2]).read().split()[-3:])
portal, step, build, store = sys.argv[3], sys.argv[4], float(sys.argv[5]), sys.argv[6]
store_cpu = float(sys.argv[8]) - float(sys.argv[7])
build = f"{build:.2f}" if build else "–"
files, up, up_bytes = s["files"], s["uploaded"], s["uploaded_bytes"]
same, same_bytes, deleted = s["unchanged"], s["unchanged_bytes"], s["deleted"]
paths = s.get("uploaded_paths", [])
noise = sum(1 for x in paths if x.startswith("_index/") or (x.startswith("_store/") and x.endswith("/meta.json")))
print(f"| {portal} | {step} | {store} | {build} | **{wall:.2f}** | {user + system:.2f} | {store_cpu:.2f} "
      f"| {files:,} | **{up:,}** | {noise:,} | **{up_bytes:,}** ({up_bytes / 1e6:.2f} MB) "
      f"| {same:,} ({same_bytes / 1e6:.2f} MB) | {deleted:,} |")
' "$WORK/$4.json" "$WORK/$4.time" "$5" "$6" "$7" "$store" "$cpu0" "$cpu1")
  ROWS+=("$row")
  echo "$row   load $(load)"
}
# change_description DATASETS NAME WORD: appends WORD to one dataset's description.
change_description() {
  python3 -c '
import json, sys
path, word = sys.argv[1], sys.argv[2]
package = json.load(open(path, encoding="utf-8"))
package["description"] = package.get("description", "") + " " + word
open(path, "w", encoding="utf-8").write(json.dumps(package, ensure_ascii=False, indent=2) + "\n")
' "$1/$2/datapackage.json" "$3"
}

echo "== 1. demo portal (vidkryto.toml's datasets, a copy in $WORK/demo/datasets)"
DEMO=$WORK/demo
mkdir -p "$DEMO"
cp -a "$ROOT/datasets" "$DEMO/datasets"
sed -e "s|^datasets = .*|datasets = \"$DEMO/datasets\"|" \
    -e "s|^content = .*|content = \"$ROOT/content\"|" \
    -e "s|^site = .*|site = \"$ROOT/site\"|" \
    -e "s|^build = .*|build = \"$DEMO/build\"|" \
    -e "s|^public = .*|public = \"$DEMO/public\"|" \
    -e "s|= \"\.\./shared/|= \"$ROOT/../shared/|g" \
    "$ROOT/vidkryto.toml" >"$DEMO/vidkryto.toml"
DEMO_CFG=$DEMO/vidkryto.toml
t=$(build "$DEMO_CFG" demo-cold)
publish "$S3" "$DEMO_CFG" demo demo-first "demo" "first publish" "$t"
publish "$S3" "$DEMO_CFG" demo demo-again "demo" "re-publish, nothing changed" 0
# A rebuild with no input changed, then a publish: what a build-then-publish job does when
# nothing changed.
t=$(build "$DEMO_CFG" demo-rebuild)
publish "$S3" "$DEMO_CFG" demo demo-rebuild "demo" "rebuilt, no input changed" "$t"
change_description "$DEMO/datasets" kyiv-it-audit-2010-2011 "(перевірено)"
t=$(build "$DEMO_CFG" demo-change)
publish "$S3" "$DEMO_CFG" demo demo-change "demo" "one dataset's description changed" "$t"

REPLICA_ROWS=()
if [ -z "${SKIP_REPLICAS:-}" ]; then
echo "== 2. replicas of s3://$BUCKET/demo ($S3)"
# The replicas serve the demo's last published version (after the change).
# start_replica NAME PORT: starts `serve --from` in the background (its pid in REPLICA_PID).
start_replica() {
  REPLICA_T0=$(date +%s.%N)
  # `env`, not on_store: $! must be the server itself, not a subshell around it.
  env AWS_ACCESS_KEY_ID="${KEY[$S3]}" AWS_SECRET_ACCESS_KEY="${KEY[$S3]}" "$BIN" --config "$DEMO_CFG" serve --addr "127.0.0.1:$2" --from "s3://$BUCKET/demo" \
    --endpoint "${ENDPOINT[$S3]}" --cache "$WORK/$1" >"$WORK/$1.log" 2>&1 &
  REPLICA_PID=$!
  pids+=("$REPLICA_PID")
}
# wait_replica NAME PORT: waits for /healthz; prints the seconds since start_replica.
wait_replica() {
  local i
  for i in $(seq 1200); do
    curl -fs "http://127.0.0.1:$2/healthz" >/dev/null 2>&1 && break
    kill -0 "$REPLICA_PID" 2>/dev/null || { echo "replica $1 exited:" >&2; cat "$WORK/$1.log" >&2; exit 1; }
    [ "$i" = 1200 ] && { echo "replica $1 did not answer /healthz in 120 s" >&2; cat "$WORK/$1.log" >&2; exit 1; }
    sleep 0.1
  done
  python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.2f}')" "$REPLICA_T0"
}
# wrk_summary FILE: "req/s p50 p99 errors" of one wrk output.
wrk_summary() {
  printf '%s %s %s %s\n' \
    "$(awk '/Requests\/sec/ {print $2}' "$1")" \
    "$(awk '$1=="50%" {print $2}' "$1")" \
    "$(awk '$1=="99%" {print $2}' "$1")" \
    "$(grep -E 'Socket errors|Non-2xx' "$1" | tr -s ' \n' ' ' | sed 's/ $//' || true)"
}
P1=$(free_port)
start_replica replica-1 "$P1"
R1=$REPLICA_PID
s1=$(wait_replica replica-1 "$P1")
echo "replica 1 on :$P1 synced and answering in $s1 s"
for path in "$PAGE" "$QUERY"; do
  code=$(curl -s -o "$WORK/probe" -w '%{http_code} %{size_download}' "http://127.0.0.1:$P1$path")
  echo "GET $path → $code bytes"
  case $code in 200*) ;; *) echo "replica answered $code for $path: $(head -c 300 "$WORK/probe")" >&2; exit 1 ;; esac
done
declare -A ONE TWO
for path in "$PAGE" "$QUERY"; do
  key=${path//[^a-z0-9]/_}
  wrk -t2 -c10 -d"$DURATION" --latency "http://127.0.0.1:$P1$path" >"$WORK/wrk-one$key.txt"
  ONE[$path]="$(wrk_summary "$WORK/wrk-one$key.txt") | load $(load)"
  echo "one replica $path: ${ONE[$path]}"
done
P2=$(free_port)
start_replica replica-2 "$P2"
R2=$REPLICA_PID
s2=$(wait_replica replica-2 "$P2")
echo "replica 2 on :$P2 synced and answering in $s2 s"
for path in "$PAGE" "$QUERY"; do
  key=${path//[^a-z0-9]/_}
  wrk -t1 -c5 -d"$DURATION" --latency "http://127.0.0.1:$P1$path" >"$WORK/wrk-two-a$key.txt" &
  a=$!
  wrk -t1 -c5 -d"$DURATION" --latency "http://127.0.0.1:$P2$path" >"$WORK/wrk-two-b$key.txt" &
  b=$!
  wait "$a" "$b"
  TWO[$path]="$(wrk_summary "$WORK/wrk-two-a$key.txt") / $(wrk_summary "$WORK/wrk-two-b$key.txt") | load $(load)"
  echo "two replicas $path: ${TWO[$path]}"
done
# One table row per path: one replica against the sum of two.
for path in "$PAGE" "$QUERY"; do
  REPLICA_ROWS+=("$(python3 -c '
import sys, urllib.parse
def ms(v):
    for unit, f in (("us", 1e-3), ("ms", 1.0), ("s", 1e3), ("m", 6e4)):
        if v.endswith(unit):
            return float(v[: -len(unit)]) * f
    return float("nan")
def parse(part):
    fields = part.split(maxsplit=3)
    return float(fields[0]), ms(fields[1]), ms(fields[2]), (fields[3] if len(fields) > 3 else "")
path = urllib.parse.unquote(sys.argv[1])
one, one_load = sys.argv[2].rsplit(" | load ", 1)
two, two_load = sys.argv[3].rsplit(" | load ", 1)
r1, p50, p99, e1 = parse(one)
a, b = (parse(x) for x in two.split(" / "))
total = a[0] + b[0]
errors = "; ".join(e for e in (e1, a[3], b[3]) if e) or "none"
print(f"| `{path}` | **{r1:,.0f}** | {p50:.2f} / {p99:.2f} | {one_load} | **{total:,.0f}** ({a[0]:,.0f} + {b[0]:,.0f}) "
      f"| {max(a[1], b[1]):.2f} / {max(a[2], b[2]):.2f} | {two_load} | {total / r1:.2f} | {errors} |")
' "$path" "${ONE[$path]}" "${TWO[$path]}")")
done
kill "$R1" "$R2" 2>/dev/null || true
wait "$R1" "$R2" 2>/dev/null || true
fi

if [ -z "${SKIP_BIG:-}" ]; then
echo "== 3. bench/site.sh's synthetic register portal: $N documents"
BIG=$WORK/register-portal
REG=$BIG/register
mkdir -p "$REG"
# The generator (bench/gen_register.py) and the configuration below are bench/site.sh's.
cp generator/tests/fixtures/site/public-information-register/datapackage.json "$REG/"
python3 "$ROOT/bench/gen_register.py" "$N" "$REG/documents.csv"
cat >"$BIG/vidkryto.toml" <<TOML
[portal]
title = "Відкрито — бенчмарк"
title_en = "Vidkryto — benchmark"
base_url = "http://127.0.0.1:8080"
[paths]
datasets = "$ROOT/datasets"
content = "$ROOT/content"
site = "$ROOT/site"
build = "$BIG/build"
public = "$BIG/public"
[[datasets]]
name = "public-information-register"
path = "$REG"
TOML
BIG_CFG=$BIG/vidkryto.toml
t=$(build "$BIG_CFG" big-cold)
pages=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["site"]; print(s["pages"] + s["sections"])' "$WORK/big-cold.build.json")
files=$(find "$BIG/public" -type f -not -path '*/.*' | wc -l)
bytes=$(find "$BIG/public" -type f -not -path '*/.*' -printf '%s\n' | awk '{s += $1} END {print s}')
echo "built $pages pages: $files files, $bytes bytes in public/ (dot-files aside), in $t s"
BIG_NAME="register, $N documents ($pages pages)"
publish "$BIG_S3" "$BIG_CFG" register big-first "$BIG_NAME" "first publish" "$t"
publish "$BIG_S3" "$BIG_CFG" register big-again "$BIG_NAME" "re-publish, nothing changed" 0
# bench/site.sh's one-document change.
sed -i '2s/Про затвердження/Про зміну/' "$REG/documents.csv"
t=$(build "$BIG_CFG" big-change)
publish "$BIG_S3" "$BIG_CFG" register big-change "$BIG_NAME" "one document's title changed" "$t"
fi

UPTIME_END=$(uptime)
echo
echo "## bench/publish.sh $N — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT, $(nproc) cores, S3=$S3, BIG_S3=$BIG_S3, DURATION=$DURATION"
echo
echo "uptime at start: \`$UPTIME_START\`"
echo
echo "Publish: wall time of \`vidkryto publish --json\`, vidkryto's CPU (user + sys) and the store process's CPU over the same interval; files, uploaded, bytes, unchanged (copied inside the store) and deleted from its summary. Build: the \`vidkryto build\` before it."
echo
echo "| portal | publish | store | build s | publish wall s | vidkryto CPU s | store CPU s | files | uploaded | of which _index/ + _store/*/meta.json | uploaded bytes | unchanged (copied) | deleted |"
echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${ROWS[@]}"
if [ ${#REPLICA_ROWS[@]} -gt 0 ]; then
  echo
  echo "Replicas of the demo prefix (\`serve --from\` on $S3; synced and answering in $s1 s and $s2 s): one under \`wrk -t2 -c10\`, two under two simultaneous \`wrk -t1 -c5\` (req/s summed; p50 / p99 the worse of the two), $DURATION each; wrk, the store and the replicas on the same $(nproc) cores."
  echo
  echo "| path | 1 replica req/s | p50 / p99 ms | load after | 2 replicas req/s | p50 / p99 ms | load after | 2 / 1 | errors |"
  echo "| --- | ---: | --- | --- | ---: | --- | --- | ---: | --- |"
  printf '%s\n' "${REPLICA_ROWS[@]}"
fi
echo
echo "uptime at end: \`$UPTIME_END\`"
