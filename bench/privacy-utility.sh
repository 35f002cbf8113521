#!/usr/bin/env bash
# Utility of the bundled privacy policy on synthetic appeals: `vidkryto synth appeals` makes
# ROWS rows, `vidkryto anonymise` applies the kyiv-appeals policy, and the privacy report's
# figures are printed (rows per level, per quasi-identifier forms, suppressed share, loss).
# Usage: bench/privacy-utility.sh [ROWS ...]   (default: 20000 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VIDKRYTO_BIN:-target/release/vidkryto}
[ -x "$BIN" ] || BIN=target/debug/vidkryto
OUT=${OUT:-target/bench-privacy}
mkdir -p "$OUT"
for rows in "${@:-20000 200000}"; do
  for n in $rows; do
    "$BIN" synth appeals --rows "$n" --seed 2026 --out "$OUT/raw-$n.csv" >/dev/null
    start=$(date +%s.%N)
    "$BIN" --config vidkryto.toml anonymise kyiv-appeals --in "$OUT/raw-$n.csv" \
      --out "$OUT/out-$n.csv" --report "$OUT/privacy-$n.json" >/dev/null
    end=$(date +%s.%N)
    python3 - "$OUT/privacy-$n.json" "$n" "$start" "$end" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); n = int(sys.argv[2])
cell = r["quasi_identifiers"].get("h3_cell", {})
kept_cell = sum(cell.get("rows", {}).values())
print(f"{n} rows: {r['rows_out']} published, {r['suppressed']} suppressed "
      f"({100 * r['suppressed_share']:.2f} %), k = {r['k']['achieved']}, l = {r['l']['achieved']}, "
      f"{100 * kept_cell / n:.1f} % keep an H3 cell, loss {r['information_loss']}, "
      f"{float(sys.argv[4]) - float(sys.argv[3]):.1f} s")
for lv in r["levels"]:
    res = '' if lv['location'] == 'district' else f" r{lv.get('h3_resolution', r['policy']['h3_resolution'])}"
    print(f"  level {lv['time']:5} {lv['location']:8}{res}: {lv['rows']}")
for qi, u in r["quasi_identifiers"].items():
    print(f"  {qi:8} {u['rows']} removed {u['removed']} missing {u['missing']} loss {u['loss']}")
PY
  done
done
