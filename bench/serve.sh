#!/usr/bin/env bash
# Static pages over keep-alive: `vidkryto serve` against nginx (Debian's, the anchor) on the
# same built `public/`, wrk at 1 and 10 connections, in one run. Prints the rows
# BENCHMARKS.md records (requests/s, p50, p99, and vidkryto / nginx).
#
# Usage: bench/serve.sh [PATH…]      (default: /datasets/ /css/site.css; needs wrk, nginx, curl)
# Env:   BENCH_DIR (default /tmp/vidkryto-bench-serve), DURATION (wrk seconds, default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${BENCH_DIR:-/tmp/vidkryto-bench-serve}
DURATION=${DURATION:-10}
VPORT=18411
NPORT=18412
PAGES=("$@")
[ ${#PAGES[@]} -eq 0 ] && PAGES=(/datasets/ /css/site.css)
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "bench/serve.sh needs $tool (apt-get install wrk nginx-light curl)" >&2; exit 2; }
done
mkdir -p "$WORK"

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid" 2>/dev/null)" 2>/dev/null || true
}
trap cleanup EXIT

cargo build --release -q -p vidkryto
VIDKRYTO=$ROOT/target/release/vidkryto

echo "== the demo portal, built into $WORK/public"
sed -e "s|^datasets = .*|datasets = \"$ROOT/datasets\"|" \
    -e "s|^content = .*|content = \"$ROOT/content\"|" \
    -e "s|^site = .*|site = \"$ROOT/site\"|" \
    -e "s|^build = .*|build = \"$WORK/build\"|" \
    -e "s|^public = .*|public = \"$WORK/public\"|" \
    -e "s|= \"\.\./shared/|= \"$ROOT/../shared/|g" \
    vidkryto.toml >"$WORK/vidkryto.toml"
"$VIDKRYTO" --config "$WORK/vidkryto.toml" build | tail -2

cat >"$WORK/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx-tmp;
  proxy_temp_path $WORK/nginx-tmp;
  fastcgi_temp_path $WORK/nginx-tmp;
  uwsgi_temp_path $WORK/nginx-tmp;
  scgi_temp_path $WORK/nginx-tmp;
  server {
    listen 127.0.0.1:$NPORT;
    root $WORK/public;
    location ~ ^/(_store|_index|_files)/ { return 404; }
    location ~ /\. { return 404; }
  }
}
EOF
mkdir -p "$WORK/nginx-tmp"

echo "== servers"
"$VIDKRYTO" serve --dir "$WORK/public" --addr "127.0.0.1:$VPORT" >"$WORK/vidkryto.log" 2>&1 &
pids+=($!)
nginx -c "$WORK/nginx.conf" -p "$WORK" &
pids+=($!)
for port in $VPORT $NPORT; do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.2; done
done
echo "nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'); load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"

# rps p50 p99 errors of one wrk run: connections url [header]
run_wrk() {
  local threads=$(( $1 < 2 ? 1 : 2 )) out
  if [ -n "${3:-}" ]; then
    out=$(wrk -t"$threads" -c"$1" -d"${DURATION}s" --latency -H "$3" "$2")
  else
    out=$(wrk -t"$threads" -c"$1" -d"${DURATION}s" --latency "$2")
  fi
  printf '%s %s %s %s\n' \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" \
    "$(awk '$1=="99%" {print $2}' <<<"$out")" \
    "$(grep -E 'Socket errors|Non-2xx' <<<"$out" | tr '\n' ' ' || true)"
}

printf '%-16s %-22s %5s %12s %9s %9s   %s\n' page server conns "req/s" p50 p99 "vidkryto/nginx"
for page in "${PAGES[@]}"; do
  size=$(curl -fs -o /dev/null -w '%{size_download}' "http://127.0.0.1:$NPORT$page")
  for conns in 1 10; do
    read -r nrps np50 np99 nerr < <(run_wrk "$conns" "http://127.0.0.1:$NPORT$page")
    read -r vrps vp50 vp99 verr < <(run_wrk "$conns" "http://127.0.0.1:$VPORT$page")
    read -r brps bp50 bp99 berr < <(run_wrk "$conns" "http://127.0.0.1:$VPORT$page" "Accept-Encoding: br, gzip")
    ratio=$(awk -v v="$vrps" -v n="$nrps" 'BEGIN { printf "%.2f", v / n }')
    printf '%-16s %-22s %5s %12s %9s %9s   %s\n' "$page ($size B)" nginx "$conns" "$nrps" "$np50" "$np99" "$nerr"
    printf '%-16s %-22s %5s %12s %9s %9s   %s %s\n' "" vidkryto "$conns" "$vrps" "$vp50" "$vp99" "$ratio" "$verr"
    printf '%-16s %-22s %5s %12s %9s %9s   %s\n' "" "vidkryto, br copy" "$conns" "$brps" "$bp50" "$bp99" "$berr"
  done
done
