#!/usr/bin/env bash
# Runs every benchmark one after another (each needs the machine to itself) and keeps each
# one's output in bench/out/<name>.txt, with the load average before it started.
#
#   bench/all.sh                 all of them: validate, anonymise, site, search, rows
#   bench/all.sh search rows     only these
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$HERE/out"
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(validate anonymise site search rows)
status=0
for name in "${names[@]}"; do
  script="$HERE/$name.sh"
  [ -x "$script" ] || { echo "no benchmark $name" >&2; status=2; continue; }
  log="$HERE/out/$name.txt"
  {
    echo "# bench/$name.sh — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$HERE" rev-parse --short HEAD)"
    echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
  } >"$log"
  echo "== $name (log: $log)" >&2
  args=()
  # 50 000 register documents × uk/en = the target's 100 000 pages.
  [ "$name" = site ] && args=(50000)
  if ! "$script" "${args[@]}" >>"$log" 2>&1; then
    echo "== $name FAILED; see $log" >&2
    status=1
  fi
done
exit $status
