"""Evidence benchmark: one large upload through a real server, against sha256sum.

    .venv/bin/python bench/evidence.py          # a 1 GiB file, median of 3 runs
    .venv/bin/python bench/evidence.py --quick  # a 64 MiB file, median of 5 runs

Prints one JSON object per line (see bench/README.md). Sets up, outside the
timings: a temporary data dir with a SQLite database, ``safetrail migrate``,
``safetrail demo`` (an account and its made-up diary), then ``safetrail
serve`` (gunicorn, one worker) on a free port on 127.0.0.1, with
``SAFETRAIL_HTTPS=false`` and otherwise production settings, including the
production key derivation. A plain HTTP client (``http.client``, with its own
cookie jar) signs in through the sign-in form, as a browser would, finds the
case id on the diary it is sent to and the form token on the evidence page.

The file is ``%PDF-1.7`` and then random bytes, written to disk first, so it
is read from the page cache by both measurements; each measurement starts
after ``os.sync()``, so none pays for another's writeback. Each figure is the
median of the runs (the uploads go one after another to the same server).
Measured in one run:

- ``sha256sum``: the ``sha256sum`` command over the file; the comparison
  figure (hashing is the least the server must do with every byte). Where
  the CPU has SHA instructions, OpenSSL (and so the server's hashlib) uses
  them and coreutils' sha256sum may not: then the server hashes faster than
  the reference does.
- ``upload``: the multipart POST to the evidence page's own form endpoint,
  streamed from the file with a precomputed Content-Length (never held in
  memory), timed from the first byte sent until the server's answer; so it
  includes what the server does after the last byte (saving the row,
  deriving metadata). Goal: at least half of sha256sum's figure.
  ``upload_wait_after_body`` is the part of that time after the last byte;
  ``upload_server_cpu_share`` the worker's CPU time over the same wall time
  (near 1: the worker is CPU-bound, not waiting for the client or the disk).
  The fingerprint the item's page then shows must equal sha256sum's, or the
  upload is not ``ok`` whatever its speed.
- ``server_peak_rss``: the peak resident set size (VmHWM) of the gunicorn
  worker over the uploads. Signing in runs Argon2id with the production memory
  cost (128 MiB) in the same worker, so the peak is reset (``clear_refs``)
  after signing in, and the peak including the sign-in is shown apart as
  ``server_peak_rss_with_sign_in``. Goal: < 150 MiB. ``server_rss_before_upload``
  is the worker's size just before, for comparison. The quick size, 64 MiB, is
  the largest file the server derives metadata and a preview for (see
  ``evidence.services.MAX_DERIVE_BYTES``), which it does from a decrypted copy
  held in memory: the quick run shows that worst case, the full run does not.

Rates are in decimal MB/s (10**6 bytes a second), as in bench/vault.py.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

# Run as a script, only bench/ is on the path; the shared helpers sit beside this file.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import serving

MIB = 1024 * 1024
MB = 1_000_000
FULL_SIZE = 1024 * MIB
QUICK_SIZE = 64 * MIB
WRITE_BLOCK = 16 * MIB
SEND_BLOCK = 1 * MIB
PDF_HEAD = b"%PDF-1.7\n"
RSS_GOAL_MIB = 150
FULL_RUNS = 3
QUICK_RUNS = 5
USERNAME = "bench"
PASSWORD = "correct horse battery staple"  # noqa: S105 - a benchmark input
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE_PATH = re.compile(r"^/diary/([0-9a-f-]{36})/$")
FINGERPRINT = re.compile(r'<code class="safetrail-code[^"]*">([0-9a-f]{64})</code>')


def emit(name: str, value: Any, unit: str | None, **goal: Any) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit, **goal}), flush=True)


# --- the file -----------------------------------------------------------------------------


def write_pdf_like_file(path: Path, size: int) -> None:
    with path.open("wb") as target:
        target.write(PDF_HEAD)
        left = size - len(PDF_HEAD)
        while left:
            block = min(left, WRITE_BLOCK)
            target.write(os.urandom(block))
            left -= block


def settle() -> None:
    """Writes out dirty pages first, so no measurement pays for another's writeback."""
    if hasattr(os, "sync"):
        os.sync()


def sha256sum(path: Path) -> tuple[float, str] | None:
    """Seconds ``sha256sum`` takes over ``path``, and the hash; None without the command."""
    started = time.perf_counter()
    try:
        result = subprocess.run(
            ["sha256sum", str(path)], capture_output=True, text=True, check=True, timeout=600
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return time.perf_counter() - started, result.stdout.split()[0]


# --- the server ---------------------------------------------------------------------------


def server_environment(directory: Path) -> dict[str, str]:
    environment = serving.clean_environment()
    environment.update(
        DJANGO_SETTINGS_MODULE="safetrail.settings",
        SAFETRAIL_DATA_DIR=str(directory),
        DATABASE_URL=f"sqlite:///{directory / 'bench.sqlite3'}",
        SAFETRAIL_HTTPS="false",
        ALLOWED_HOSTS="127.0.0.1",
        SAFETRAIL_LOG_LEVEL="WARNING",
    )
    return environment


def prepare(environment: dict[str, str]) -> None:
    """The database and the account with its demo diary."""
    for verb in (
        ["migrate", "--noinput"],
        ["demo", "--username", USERNAME, "--password", PASSWORD],
    ):
        subprocess.run(
            [*serving.safetrail_command(), *verb],
            env=environment,
            check=True,
            capture_output=True,
            timeout=300,
        )


def status_mib(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no {field} for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User and system time the process has used so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak(pid: int) -> bool:
    """Resets VmHWM to the present size (Linux 4.0+); False where that is not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


# --- the client ---------------------------------------------------------------------------


class Client:
    """A browser's share of HTTP: cookies, redirects, one connection per request.

    Gunicorn's sync worker closes every connection after its answer, so
    nothing is gained by keeping one open.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def connection(self, timeout: float = 60) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def cookie_header(self) -> dict[str, str]:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}

    def keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def answer(self, connection: http.client.HTTPConnection) -> tuple[int, str, str]:
        """Reads the response: status, body text and where it redirects (or "")."""
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        self.keep_cookies(response)
        connection.close()
        return response.status, body, response.headers.get("Location", "")

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, str, str]:
        """One request and the redirects after it; returns the last status, body and path."""
        for _ in range(10):
            connection = self.connection()
            connection.request(method, path, body, {**self.cookie_header(), **(headers or {})})
            status, text, location = self.answer(connection)
            if status not in {301, 302, 303, 307, 308}:
                return status, text, path
            method, body, headers, path = "GET", None, None, urlsplit(location).path
        raise RuntimeError("too many redirects")

    def get(self, path: str) -> tuple[int, str, str]:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        return self.request(
            "POST",
            path,
            urlencode(fields).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )


def form_token(page: str) -> str:
    match = CSRF_FIELD.search(page)
    if match is None:
        raise RuntimeError("the page has no form token")
    return match.group(1)


def sign_in(client: Client) -> str:
    """Signs in through the form; returns the id of the case the diary opens on."""
    status, page, _ = client.get("/account/sign-in/")
    if status != 200:
        raise RuntimeError(f"the sign-in page answered {status}")
    status, _, path = client.post_form(
        "/account/sign-in/",
        {"csrfmiddlewaretoken": form_token(page), "username": USERNAME, "password": PASSWORD},
    )
    match = CASE_PATH.match(path)
    if status != 200 or match is None:
        raise RuntimeError(f"signing in ended at {path} ({status}), not on a diary")
    return match.group(1)


# --- the upload ---------------------------------------------------------------------------


def multipart(token: str, path: Path, boundary: str) -> tuple[bytes, bytes]:
    """What goes before and after the file's bytes in the evidence form's body."""
    lines = []
    for name, value in (
        ("csrfmiddlewaretoken", token),
        ("captured_when", ""),
        ("captured_how", ""),
    ):
        lines += [
            f"--{boundary}",
            f'Content-Disposition: form-data; name="{name}"',
            "",
            value,
        ]
    lines += [
        f"--{boundary}",
        f'Content-Disposition: form-data; name="files"; filename="{path.name}"',
        "Content-Type: application/pdf",
        "",
        "",
    ]
    return "\r\n".join(lines).encode(), f"\r\n--{boundary}--\r\n".encode()


def body_pieces(head: bytes, path: Path, tail: bytes) -> Iterator[bytes]:
    yield head
    with path.open("rb") as source:
        while piece := source.read(SEND_BLOCK):
            yield piece
    yield tail


def upload(client: Client, case_id: str, path: Path, worker: int) -> dict[str, Any]:
    """Streams ``path`` to the evidence form; the times, and the item page's fingerprint."""
    locker = f"/diary/{case_id}/evidence/"
    status, page, _ = client.get(locker)
    if status != 200:
        raise RuntimeError(f"the evidence page answered {status}")
    boundary = f"bench-{secrets.token_hex(16)}"
    head, tail = multipart(form_token(page), path, boundary)
    length = len(head) + path.stat().st_size + len(tail)

    connection = client.connection(timeout=900)
    cpu_before = cpu_seconds(worker)
    started = time.perf_counter()
    connection.putrequest("POST", f"{locker}add/")
    for name, value in {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(length),
        **client.cookie_header(),
    }.items():
        connection.putheader(name, value)
    connection.endheaders()
    for piece in body_pieces(head, path, tail):
        connection.send(piece)
    sent = time.perf_counter()
    status, _, location = client.answer(connection)
    answered = time.perf_counter()
    cpu = cpu_seconds(worker) - cpu_before

    item_path = urlsplit(location).path
    if status != 302 or not item_path.startswith(locker) or item_path == locker:
        raise RuntimeError(f"the upload answered {status}, to {location!r}, not an item page")
    status, page, _ = client.get(item_path)
    fingerprint = FINGERPRINT.search(page)
    return {
        "seconds": answered - started,
        "wait_after_body": answered - sent,
        "server_cpu": cpu,
        "sha256": fingerprint.group(1) if fingerprint else None,
    }


# --- the run ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 64 MiB file, under a minute")
    parser.add_argument("--dir", help="where to put the file and the server's data")
    options = parser.parse_args(argv)
    size = QUICK_SIZE if options.quick else FULL_SIZE
    runs = QUICK_RUNS if options.quick else FULL_RUNS

    directory = Path(tempfile.mkdtemp(prefix="safetrail-bench-", dir=options.dir))
    server: subprocess.Popen | None = None
    try:
        data = directory / "data"
        data.mkdir()
        environment = server_environment(data)
        prepare(environment)
        port = serving.free_port()
        server = serving.start_server(environment, port, 1, directory / "server.log")

        source = directory / "bench.pdf"
        write_pdf_like_file(source, size)
        references = []
        for _ in range(runs):
            settle()
            references.append(sha256sum(source))

        client = Client(port)
        case_id = sign_in(client)
        (worker,) = serving.workers(server.pid)
        peak_with_sign_in = status_mib(worker, "VmHWM")
        peak_reset = reset_peak(worker)
        before = status_mib(worker, "VmRSS")
        results = []
        for _ in range(runs):
            settle()
            results.append(upload(client, case_id, source, worker))
        peak = status_mib(worker, "VmHWM")
    finally:
        if server is not None:
            serving.stop_server(server)
        shutil.rmtree(directory, ignore_errors=True)

    emit(
        "parameters",
        {
            "quick": options.quick,
            "file_bytes": size,
            "runs": runs,
            "send_block_bytes": SEND_BLOCK,
            "server": "safetrail serve (gunicorn, 1 sync worker), SQLite, SAFETRAIL_HTTPS=false",
            "peak_reset_after_sign_in": peak_reset,
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
        },
        None,
    )
    hashes = {reference[1] for reference in references if reference is not None}
    reference_rate = (
        None
        if None in references
        else size / statistics.median(seconds for seconds, _ in references) / MB
    )
    emit("sha256sum", None if reference_rate is None else round(reference_rate, 1), "MB/s")
    rate = size / statistics.median(result["seconds"] for result in results) / MB
    matches = len(hashes) == 1 and all(result["sha256"] in hashes for result in results)
    emit(
        "upload",
        round(rate, 1),
        "MB/s",
        goal=">= 0.5x sha256sum",
        ok=None if reference_rate is None else (rate >= 0.5 * reference_rate and matches),
    )
    emit(
        "upload_vs_sha256sum",
        None if reference_rate is None else round(rate / reference_rate, 2),
        "x",
    )
    wait = statistics.median(result["wait_after_body"] for result in results)
    emit("upload_wait_after_body", round(wait, 3), "s")
    busy = statistics.median(result["server_cpu"] / result["seconds"] for result in results)
    emit("upload_server_cpu_share", round(busy, 2), "x")
    emit("upload_fingerprint_matches_sha256sum", matches, None)
    emit(
        "server_peak_rss",
        round(peak, 1),
        "MiB",
        goal=f"< {RSS_GOAL_MIB} MiB",
        ok=peak < RSS_GOAL_MIB,
    )
    emit("server_rss_before_upload", round(before, 1), "MiB")
    emit("server_peak_rss_with_sign_in", round(max(peak, peak_with_sign_in), 1), "MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
