"""The OpenAPI 3.1 document held to schemathesis (PyPI): every documented operation is
called with generated and explicit inputs (fixed seed, bounded examples so the run stays
well under 90 s) and every answer must conform — no 5xx, a documented status, the documented
content type, a body matching its schema."""

import json
import subprocess
import time
import urllib.request

from conftest import tool

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def test_every_response_has_a_schema(demo_server):
    with urllib.request.urlopen(demo_server + "/api/openapi.json", timeout=30) as response:
        document = json.load(response)
    assert "/api/v1/search" in document["paths"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            ok = operation["responses"]["200"]["content"]
            assert all("schema" in media for media in ok.values()), (method, path)
            assert operation["responses"]["405"]["headers"]["Allow"], (method, path)
    rows = document["paths"]["/api/v1/datasets/{name}/{resource}.{format}"]["get"]
    size = [p for p in rows["parameters"] if p["name"] == "_size"][0]
    assert size["schema"]["type"] == "integer"


def test_schemathesis_finds_no_failure(demo_server):
    started = time.monotonic()
    result = subprocess.run(
        [tool("st"), "run", demo_server + "/api/openapi.json", "--experimental=openapi-3.1",
         "--checks", CHECKS,
         "--hypothesis-seed", "14", "--hypothesis-max-examples", "12",
         "--hypothesis-phases", "explicit,generate", "--hypothesis-deadline", "5000",
         "--hypothesis-suppress-health-check", "all", "--no-color", "--workers", "2"],
        capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - started
    print(f"\nschemathesis: {elapsed:.0f} s\n" + result.stdout[-1500:])
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-3000:]
    assert elapsed < 90
