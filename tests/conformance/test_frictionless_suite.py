"""frictionless-py's own fixtures (../shared/standards/frictionless-py-data, MIT) as a peer
suite: every case is validated by frictionless-py 5.x and by `vidkryto validate --json`, and
the two lists of (error type, row, field) must agree, except for the short allow-list below,
where the specs side with us.

The case list is built from the folder, not written by hand:
- every CSV, with its same-stem schema when there is one (`x.csv` + `x.json`,
  `x-schema.json`, `x.schema.json|yaml`);
- every schema descriptor (`*schema*.json|yaml`) against `table.csv`;
- every package descriptor (`datapackage.json`, `*package*.json|yaml`) and resource
  descriptor (`*resource*.json|yaml|yml`, `resource.json`).

Normalisations, the same on both sides:
- label errors: frictionless gives `rowNumbers: [1]`, we give `rowNumber: 1`;
- frictionless's default cap of 1 000 errors is lifted (`limit_errors`), as is ours;
- tables without a schema: vidkryto does not infer cell types (it says so in a warning),
  so frictionless's detector runs with field type `any` — both then check the structure
  (labels, blank rows, missing and extra cells) and nothing else;
- frictionless runs through its Python API (`frictionless.validate`, what its
  `validate --json` command calls and prints), a few cases per worker process, so the suite
  costs one interpreter start per worker instead of one per case;
- row errors (`blank-row`, `primary-key`, `foreign-key`, `duplicate-row`) compare by type
  and row: frictionless gives them no field, we name the first key column;
- frictionless's generic `error` for a format whose plugin it lacks compares as our
  `format-error` (the format is not supported);
- only errors are compared (frictionless's warnings are free text);
- errors without a row or field compare by type alone.
"""

import concurrent.futures
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

from conftest import BIN, SHARED

DATA = SHARED / "standards" / "frictionless-py-data"
TIMEOUT = 60  # seconds per case and side; frictionless needs minutes for `wide.csv`

# Disagreements the specs decide in our favour. Every entry names the clause.
HEADER = ("CSV Dialect v1 `header`: true by default, the first row is the header. "
          "frictionless guesses a later header row when row 1 is narrower (a comment line); "
          "we read row 1, as the dialect says (a descriptor that means row 2 says "
          "`headerRows: [2]`, which we follow)")
MIN_ONE = ("Data Package v1 profile: `resources` is an array with at least one item "
           "(`minItems: 1`); frictionless 5 accepts an empty package")
ALLOWED = {
    "table countries.csv": HEADER,
    "table matrix-with-comment.csv": HEADER,
    "package multiple-folders.package.json": HEADER,  # the same countries.csv
    "package catalog/package1.yaml": MIN_ONE,
    "package catalog/package2.yaml": MIN_ONE,
    "package package-with-fields-993.json": MIN_ONE,  # and misplaced `fields`, as frictionless
    # Data Package v1 `encoding`: absent, the encoding is UTF-8. frictionless guesses
    # latin-1 and reads the file; we read UTF-8 as the spec says and report the byte.
    "table latin1.csv": "Data Package v1 `encoding`: default UTF-8",
    # Data Resource v1 `path`: a POSIX path to one file; frictionless reads `[table].csv` as
    # a glob pattern (matching nothing) and reports a package error.
    "table [table].csv": "Data Resource v1 `path`: a file path, not a pattern",
    # frictionless-py reads `.yml` descriptors as JSON (only `.yaml` as YAML) and fails; the
    # file is the same YAML as resource.yaml (YAML 1.2 names no required extension).
    "resource resource.yml": "YAML 1.2: `.yml` is YAML as much as `.yaml`",
}


def schema_like(path):
    """A JSON/YAML file whose top level is a Table Schema (has `fields`)."""
    try:
        if path.suffix == ".json":
            value = json.loads(path.read_text(encoding="utf-8"))
        else:
            import yaml

            value = yaml.safe_load(path.read_text(encoding="utf-8"))
    except Exception:
        return False
    return isinstance(value, dict) and "fields" in value


def same_stem_schema(csv):
    for name in (f"{csv.stem}.json", f"{csv.stem}-schema.json", f"{csv.stem}.schema.json",
                 f"{csv.stem}.schema.yaml"):
        candidate = csv.with_name(name)
        if candidate.exists() and schema_like(candidate):
            return candidate
    return None


def cases():
    """(id, kind, source, schema) for every case of the folder, sorted."""
    found = []
    skip = {"fixtures", "index"}
    files = sorted(p for p in DATA.rglob("*") if p.is_file()
                   and not skip.intersection(p.relative_to(DATA).parts))
    for path in files:
        rel = path.relative_to(DATA).as_posix()
        name = path.name
        descriptor = path.suffix in (".json", ".yaml", ".yml")
        if path.suffix == ".csv":
            schema = same_stem_schema(path)
            found.append((f"table {rel}", "table", path, schema))
        elif descriptor and ("package" in name or name == "datapackage.json"):
            found.append((f"package {rel}", "package", path, None))
        elif descriptor and "resource" in name:
            found.append((f"resource {rel}", "resource", path, None))
        elif descriptor and "schema" in name:
            found.append((f"schema {rel}", "table", DATA / "table.csv", path))
    return found


WORKER = textwrap.dedent(
    """
    import json, signal, sys
    import frictionless
    from frictionless import Detector

    def alarm(*_):
        raise TimeoutError()

    signal.signal(signal.SIGALRM, alarm)
    for line in sys.stdin:
        case = json.loads(line)
        signal.alarm(case["timeout"])
        try:
            options = {"limit_errors": 10**9, "detector": Detector(field_type="any")}
            if case["kind"] != "table":
                options["type"] = case["kind"]
            if case["schema"]:
                options["schema"] = case["schema"]
            report = frictionless.validate(case["source"], **options).to_dict()
        except TimeoutError:
            report = {"timeout": True}
        except Exception as error:
            report = {"exception": f"{type(error).__name__}: {error}"}
        signal.alarm(0)
        print(json.dumps({"id": case["id"], "report": report}), flush=True)
    """
)


def relative(path):
    """Paths relative to the fixture folder: frictionless refuses absolute paths as unsafe."""
    return path.relative_to(DATA).as_posix()


def run_frictionless(batch):
    """Runs one worker over `batch`; returns {id: report}."""
    lines = "".join(
        json.dumps({"id": c[0], "kind": c[1], "source": relative(c[2]),
                    "schema": relative(c[3]) if c[3] else None, "timeout": TIMEOUT}) + "\n"
        for c in batch
    )
    result = subprocess.run([sys.executable, "-c", WORKER], input=lines, capture_output=True,
                            text=True, cwd=DATA, timeout=TIMEOUT * (len(batch) + 1))
    reports = {}
    for line in result.stdout.splitlines():
        item = json.loads(line)
        reports[item["id"]] = item["report"]
    for case in batch:
        reports.setdefault(case[0], {"exception": f"worker died: {result.stderr[-500:]}"})
    return reports


def run_vidkryto(case):
    _, kind, source, schema = case
    args = [str(BIN), "validate", "--json"]
    if schema:
        args += ["--schema", relative(schema)]
    args.append(relative(source))
    try:
        result = subprocess.run(args, capture_output=True, text=True, cwd=DATA,
                                timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"timeout": True}
    if result.returncode not in (0, 1):
        return {"exit": result.returncode, "stderr": result.stderr.strip()}
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        return {"exit": result.returncode, "stderr": f"not JSON: {result.stdout[:300]}"}


ROW_ERRORS = {"blank-row", "primary-key", "foreign-key", "duplicate-row"}


def triples(report):
    """The sorted (type, row, field) list of a report, or a string saying why there is none."""
    if "timeout" in report:
        return "timeout"
    if "exception" in report:
        return "exception: " + report["exception"]
    if "exit" in report:
        return f"exit {report['exit']}: {report['stderr'][:200]}"
    errors = list(report.get("errors", []))
    for task in report.get("tasks", []):
        errors += task.get("errors", [])
    out = []
    for e in errors:
        # frictionless's generic `error` for a format whose plugin it lacks ("Please install
        # frictionless[sql]") is what we call a `format-error` (format not supported).
        if e.get("type") == "error" and "Please install" in e.get("note", e.get("message", "")):
            e = {**e, "type": "format-error"}
        row = e.get("rowNumber")
        if row is None and e.get("rowNumbers"):
            row = e["rowNumbers"][0]
        field = None if e.get("type") in ROW_ERRORS else e.get("fieldNumber")
        out.append((e.get("type"), row, field))
    return sorted(out, key=lambda t: (t[0] or "", t[1] or 0, t[2] or 0))


def compare_all():
    """Runs every case on both sides, in parallel; returns [(id, ours, theirs)]."""
    all_cases = cases()
    workers = max(2, os.cpu_count() or 2)
    batches = [all_cases[i::workers] for i in range(workers)]
    theirs = {}
    ours = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers * 2) as pool:
        fl = [pool.submit(run_frictionless, b) for b in batches]
        vk = {pool.submit(run_vidkryto, c): c[0] for c in all_cases}
        for future in fl:
            theirs.update(future.result())
        for future, case_id in vk.items():
            ours[case_id] = future.result()
    return [(c[0], triples(ours[c[0]]), triples(theirs[c[0]])) for c in all_cases]


def summarise(rows):
    """Counts per error type, for the table (a full list would be thousands of lines)."""
    if isinstance(rows, str):
        return rows
    counts = {}
    for t, _, _ in rows:
        counts[t] = counts.get(t, 0) + 1
    return ", ".join(f"{t}×{n}" for t, n in sorted(counts.items())) or "valid"


def first_difference(ours, theirs):
    if isinstance(ours, str) or isinstance(theirs, str):
        return ""
    only_ours = [t for t in ours if t not in theirs][:3]
    only_theirs = [t for t in theirs if t not in ours][:3]
    return f"only ours {only_ours}; only theirs {only_theirs}"


def test_agrees_with_frictionless_py():
    if not DATA.exists():
        pytest.skip(f"{DATA} not found: the peer suite needs frictionless-py's fixtures")
    if not BIN.exists():
        raise RuntimeError(f"{BIN} not found: run `cargo build -p vidkryto` first")
    results = compare_all()
    same = [r for r in results if r[1] == r[2]]
    allowed = [r for r in results if r[1] != r[2] and r[0] in ALLOWED]
    wrong = [r for r in results if r[1] != r[2] and r[0] not in ALLOWED]
    width = max(len(r[0]) for r in results)
    print(f"\nfrictionless-py peer suite: {len(results)} cases")
    for case_id, ours, theirs in results:
        verdict = "same" if ours == theirs else ("allowed" if case_id in ALLOWED else "DIFFER")
        print(f"{verdict:8} {case_id:{width}}  vidkryto: {summarise(ours)}")
        if ours != theirs:
            print(f"{'':8} {'':{width}}  frictionless: {summarise(theirs)}")
            detail = first_difference(ours, theirs)
            if detail:
                print(f"{'':8} {'':{width}}  {detail}")
    share = 100.0 * len(same) / len(results)
    print(f"identical: {len(same)}/{len(results)} ({share:.1f} %), allowed: {len(allowed)}, "
          f"differ: {len(wrong)}")
    exit2 = [r[0] for r in results if isinstance(r[1], str) and r[1].startswith("exit 2")
             and not isinstance(r[2], str)]
    assert not exit2, f"vidkryto exited 2 where frictionless reports: {exit2}"
    assert not wrong, "disagreements not in the allow-list: " + ", ".join(r[0] for r in wrong)


if __name__ == "__main__":
    # `python tests/conformance/test_frictionless_suite.py` prints the table without pytest.
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    try:
        test_agrees_with_frictionless_py()
    except AssertionError as error:
        print(error)
        sys.exit(1)
