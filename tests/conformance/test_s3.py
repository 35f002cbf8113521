"""`vidkryto publish --to s3://…` and `vidkryto serve --from s3://…` against moto_server, an
S3-compatible store started on 127.0.0.1: objects and headers, incremental re-publishing, two
stateless replicas that accept each other's cursors, and a version switch under load that
never fails a request nor mixes versions."""

import json
import os
import shutil
import subprocess
import threading
import time
import urllib.request

import pytest

from conftest import ROOT, WORK, Server, free_port, portal_config, tool, vidkryto

BUCKET = "portal-bucket"
ENV = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    # Replicas must sign cursors with one key, so a cursor from one is valid on another.
    "VIDKRYTO_CURSOR_KEY": "conformance-test-cursor-key-0123456789abcdef",
}


@pytest.fixture(scope="module")
def s3():
    """moto_server on a free port with an empty bucket; yields (endpoint, boto3 client)."""
    import boto3

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [tool("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
            break
        except OSError:
            if time.time() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("moto_server did not start")
            time.sleep(0.2)
    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="test",
        aws_secret_access_key="test", region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    yield endpoint, client
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def portal():
    """A demo portal whose datasets folder is a copy the tests may edit."""
    folder = WORK / "s3"
    if folder.exists():
        shutil.rmtree(folder)
    datasets = folder / "datasets"
    shutil.copytree(ROOT / "datasets", datasets)
    config = portal_config("s3", datasets=datasets)
    build(config)
    return config, folder / "public", datasets


def build(config):
    vidkryto("--config", config, "build", env={**os.environ, **ENV})


def publish(config, endpoint, prefix="demo"):
    result = vidkryto(
        "--config", config, "publish", "--to", f"s3://{BUCKET}/{prefix}",
        "--endpoint", endpoint, "--json", env={**os.environ, **ENV},
    )
    return json.loads(result.stdout)


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


def test_publish_uploads_the_build_with_headers_then_only_what_changed(s3, portal):
    endpoint, client = s3
    config, public, datasets = portal
    first = publish(config, endpoint, "incremental")
    local_files = [p for p in public.rglob("*") if p.is_file() and not any(
        part.startswith(".") for part in p.relative_to(public).parts)]
    assert first["files"] == len(local_files)
    assert first["uploaded"] == first["files"] and first["unchanged"] == 0

    pointer = json.loads(client.get_object(Bucket=BUCKET, Key="incremental/current.json")["Body"].read())
    assert pointer["version"] == first["version"]
    prefix = f"incremental/v/{first['version']}/"
    page = client.head_object(Bucket=BUCKET, Key=prefix + "datasets/index.html")
    assert page["ContentType"].startswith("text/html")
    assert "max-age=60" in page["CacheControl"]
    data = client.head_object(Bucket=BUCKET, Key=prefix + "data/catalog.json")
    assert data["ContentType"] == "application/json"
    body = client.get_object(Bucket=BUCKET, Key=prefix + "datasets/index.html")["Body"].read()
    assert body == (public / "datasets" / "index.html").read_bytes()
    keys = [o["Key"] for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=prefix) for o in page.get("Contents", [])]
    assert not [k for k in keys if "/." in k], "dot-files (build bookkeeping) are never uploaded"
    for key in keys:
        if key.endswith("/meta.json") and "/_store/" in key:
            meta = json.loads(client.get_object(Bucket=BUCKET, Key=key)["Body"].read())
            assert "secret" not in meta, f"{key} carries a cursor-signing secret"

    again = publish(config, endpoint, "incremental")
    assert again["uploaded"] == 0 and again["version"] == first["version"], again

    change_one_dataset(datasets, "kyiv-it-audit-2010-2011", "(перевірено)")
    build(config)
    third = publish(config, endpoint, "incremental")
    assert third["previous"] == first["version"] and third["version"] != first["version"]
    assert 0 < third["uploaded"] < third["files"] / 4, third
    uploaded = third["uploaded_paths"]
    assert any(p.startswith("data/kyiv-it-audit-2010-2011/") for p in uploaded), uploaded
    for other in ["digital-kyiv-2024-2025", "kyiv-egov-2012-2014"]:
        assert not [p for p in uploaded if p.startswith(f"data/{other}/")], (other, uploaded)

    fourth_source = change_one_dataset(datasets, "kyiv-it-audit-2010-2011", "(ще раз)")
    build(config)
    fourth = publish(config, endpoint, "incremental")
    assert fourth["deleted"] > 0, "the version two publishes back is retired"
    remaining = {o["Key"].split("/")[2] for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix="incremental/v/") for o in page.get("Contents", [])}
    assert remaining == {third["version"], fourth["version"]}
    restore(fourth_source)


def change_one_dataset(datasets, name, mark):
    """Appends `mark` to a dataset's description; returns (file, original text)."""
    path = datasets / name / "datapackage.json"
    original = path.read_text(encoding="utf-8")
    package = json.loads(original)
    package["description"] = package.get("description", "") + " " + mark
    path.write_text(json.dumps(package, ensure_ascii=False, indent=2), encoding="utf-8")
    return path, original


def restore(saved):
    path, original = saved
    path.write_text(original, encoding="utf-8")


def test_replicas_share_cursors_and_switch_versions_under_load(s3, portal, tmp_path):
    endpoint, _ = s3
    config, public, datasets = portal
    build(config)
    publish(config, endpoint, "live")
    before = {
        "/data/catalog.json": (public / "data" / "catalog.json").read_bytes(),
        "/datasets/": (public / "datasets" / "index.html").read_bytes(),
    }
    replicas = [
        Server(config, None, env=ENV, args=[
            "--from", f"s3://{BUCKET}/live", "--endpoint", endpoint,
            "--cache", str(tmp_path / f"replica-{i}"), "--poll", "0.3"])
        for i in range(2)
    ]
    try:
        for replica in replicas:
            for path, body in before.items():
                assert get(replica.url + path) == (200, body)

        # A cursor from one replica is followed on the other.
        rows = "/api/v1/datasets/digital-kyiv-2024-2025/measures.json?_size=3"
        status, body = get(replicas[0].url + rows)
        page = json.loads(body)
        assert status == 200 and page["next"], page
        status, body = get(replicas[1].url + rows + "&_next=" + urllib.parse.quote(page["next"]))
        assert status == 200, body
        second = json.loads(body)
        assert second["rows"] and second["rows"][0] != page["rows"][0]

        errors, seen = [], {path: set() for path in before}
        stop = threading.Event()

        def load(replica):
            while not stop.is_set():
                for path in before:
                    try:
                        status, body = get(replica.url + path)
                        if status != 200:
                            errors.append((path, status))
                        seen[path].add(body)
                    except Exception as err:  # noqa: BLE001 — every failure counts
                        errors.append((path, repr(err)))

        threads = [threading.Thread(target=load, args=(r,)) for r in replicas for _ in range(2)]
        for thread in threads:
            thread.start()
        saved = change_one_dataset(datasets, "digital-kyiv-2024-2025", "(нова версія)")
        try:
            build(config)
            after = {
                "/data/catalog.json": (public / "data" / "catalog.json").read_bytes(),
                "/datasets/": (public / "datasets" / "index.html").read_bytes(),
            }
            publish(config, endpoint, "live")
            deadline = time.time() + 60
            while time.time() < deadline and not all(
                get(r.url + "/data/catalog.json")[1] == after["/data/catalog.json"] for r in replicas
            ):
                time.sleep(0.2)
            time.sleep(1)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
            restore(saved)
        assert not errors, errors[:10]
        for path in before:
            assert seen[path] <= {before[path], after[path]}, f"{path}: a body of neither version"
        for replica in replicas:
            for path, body in after.items():
                assert get(replica.url + path) == (200, body), "every replica switched"
    finally:
        for replica in replicas:
            replica.stop()
