"""``safetrail serve`` starts a real server; its log names no visitor."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

SAFETRAIL = Path(sys.executable).with_name("safetrail")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(tmp_path: Path, database_url: str | None = None):
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "safetrail.settings",
        "SAFETRAIL_HTTPS": "false",
        "SAFETRAIL_DATA_DIR": str(tmp_path),
        "DEBUG": "false",
    }
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        subprocess.run([SAFETRAIL, "migrate", "--noinput", "-v0"], env=env, check=True)
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [SAFETRAIL, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/health/", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answered; an unhealthy answer is for the test to judge
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(log_path.read_text()) from None
                time.sleep(0.2)
        yield base, log_path
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def server(tmp_path):
    with running_server(tmp_path) as running:
        yield running


def test_serve_answers_and_logs_no_address_or_query(server):
    base, log_path = server
    marker = "marker-4f2a"

    with urllib.request.urlopen(f"{base}/?name={marker}") as response:
        body = response.read().decode()
        headers = response.headers
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{base}/missing/?name={marker}")
    assert missing.value.code == 404

    assert "Exit this page" in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"].count("no-store") == 1
    time.sleep(0.5)  # let gunicorn flush its access log
    log = log_path.read_text()
    assert '"GET / HTTP/1.1" 200' in log
    assert marker not in log
    assert "127.0.0.1" not in log


def test_static_files_are_served_by_the_app(server):
    base, _ = server
    with urllib.request.urlopen(base + "/") as response:
        body = response.read().decode()
    stylesheet = body.split('rel="stylesheet" href="')[1].split('"')[0]

    with urllib.request.urlopen(base + stylesheet) as response:
        css = response.read().decode()

    assert ".govuk-exit-this-page" in css
    assert "GDS Transport" not in css


def test_health_says_unavailable_when_the_database_is_unreachable(tmp_path):
    # A real PostgreSQL URL to a port where nothing listens.
    unreachable = f"postgres://nobody@127.0.0.1:{free_port()}/safetrail"

    with running_server(tmp_path, database_url=unreachable) as (base, _):
        try:
            urllib.request.urlopen(base + "/health/", timeout=10)
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode()
        else:
            status, body = 200, ""

    assert status == 503
    assert '"unavailable"' in body
