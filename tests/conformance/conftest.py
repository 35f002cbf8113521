"""Shared fixtures for the conformance tests: real clients (installed into the test venv by
scripts/install-test-deps) against a portal built and served by the real `vidkryto` binary.

A check that needs a file from ../shared/ and cannot find it calls `shared()`, which skips it
with a message naming the file; it never passes silently. A missing Python client is an
error: the test command installs every client.
"""

import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
BIN = pathlib.Path(os.environ.get("VIDKRYTO_BIN", ROOT / "target" / "debug" / "vidkryto"))
WORK = ROOT / "target" / "conformance"


def shared(relative):
    """The path of a file under ../shared/, or a skip naming it when this checkout has none."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{path} not found: this check needs it and is skipped")
    return path


def tool(name):
    """The path of a client installed into the test venv (beside this interpreter)."""
    path = pathlib.Path(sys.executable).parent / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"`{name}` is not installed: run ./scripts/install-test-deps")
    return found


def vidkryto(*args, check=True, **kwargs):
    """Runs the vidkryto binary; output is captured as text."""
    if not BIN.exists():
        raise RuntimeError(f"{BIN} not found: run `cargo build -p vidkryto` first")
    result = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(
            f"vidkryto {' '.join(map(str, args))} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def portal_config(name, source=ROOT / "vidkryto.toml", extra="", datasets=None):
    """Writes target/conformance/<name>/vidkryto.toml: `source` with paths pointing back into
    the repository (or `datasets`, a folder of the test's own) and build/public trees of its
    own, so tests never touch ./public."""
    folder = WORK / name
    folder.mkdir(parents=True, exist_ok=True)
    text = source.read_text(encoding="utf-8")
    text = re.sub(r"(?ms)^\[paths\].*?(?=^\[)", "", text)
    text = text.replace('"../shared/', f'"{SHARED}/')
    repo = ROOT.as_posix()
    paths = (
        "[paths]\n"
        f'datasets = "{datasets or repo + "/datasets"}"\n'
        f'content = "{repo}/content"\n'
        f'site = "{repo}/site"\n'
        'build = "build"\n'
        'public = "public"\n\n'
    )
    # [paths] goes right after [portal]'s keys, before the first [[datasets]].
    text = text.replace("[[datasets]]", paths + "[[datasets]]", 1) + extra
    config = folder / "vidkryto.toml"
    config.write_text(text, encoding="utf-8")
    return config


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`vidkryto serve` on a free 127.0.0.1 port, stopped when the fixture ends."""

    def __init__(self, config, public, env=None, args=()):
        """`public`: the folder to serve, or None when `args` say where from (`--from`)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        where = ["--dir", str(public)] if public is not None else []
        self.process = subprocess.Popen(
            [str(BIN), "--config", str(config), "serve", "--addr", f"127.0.0.1:{self.port}",
             *where, *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"vidkryto serve exited: {self.process.stderr.read().decode()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.url}/healthz did not answer within 30 s")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(scope="session")
def demo_portal():
    """The bundled demo portal, built once per test session: (config, public folder)."""
    config = portal_config("demo")
    vidkryto("--config", config, "build")
    return config, config.parent / "public"


@pytest.fixture(scope="session")
def demo_server(demo_portal):
    """The demo portal served on a free port; yields its base URL."""
    config, public = demo_portal
    server = Server(config, public)
    yield server.url
    server.stop()
