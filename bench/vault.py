"""Vault benchmark: streaming file encryption, its memory, and unlocking an account.

    .venv/bin/python bench/vault.py          # 1 GiB file, openssl for 3 s, 5 unlocks
    .venv/bin/python bench/vault.py --quick  # 64 MiB file, openssl for 1 s, 3 unlocks

Prints one JSON object per line (see bench/README.md). Measured in one run:

- ``openssl_aes_256_gcm``: ``openssl speed -evp aes-256-gcm`` on 1 MiB blocks,
  the same cipher and chunk size the vault uses; the comparison figure. The
  ``openssl`` command may be another OpenSSL than the one inside the
  ``cryptography`` wheel; the parameters line names both.
- ``stream_encrypt`` / ``stream_decrypt``: ``vault.stream`` from a file on disk
  to a file on disk, and from that file to a sink that discards. The source
  was just written, so it is read from the page cache: this measures the
  vault's code, not the disk. Goal: at least half of openssl's figure.
- ``file_copy``: a plain copy of the same file, disk to disk, without
  encryption: the ceiling the disk puts on ``stream_encrypt``; and
  ``stream_encrypt_no_disk``: the same encryption into a sink that discards.
  Each phase starts after ``os.sync()``, so none pays for another's writeback.
- ``stream_peak_rss``: the peak resident set size of a fresh process (started
  with ``spawn``) that does only the streaming above; ``idle_rss`` is the same
  kind of process that only imports the vault, for comparison. Goal: < 100 MiB.
  Read from /proc's VmHWM where there is one (see ``_max_rss_mib``), else
  from ``ru_maxrss``.
- ``unlock_account``: Argon2id with the production parameters, then unwrapping
  the account key: what a sign-in costs. Median of the runs. Goal: 0.3–1 s.

Sizes are in decimal MB (10**6 bytes), as openssl's figures are.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import multiprocessing
import operator
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from cryptography.hazmat.backends.openssl import backend as openssl_backend

from safetrail.vault import crypto, stream

# Production defaults for Argon2id. Keep in step with SAFETRAIL_KDF_MEMORY_KIB,
# SAFETRAIL_KDF_PASSES and SAFETRAIL_KDF_LANES in src/safetrail/settings.py;
# once settings.py defines them, their defaults are read from it instead.
KDF_MEMORY_KIB = 131072
KDF_PASSES = 3
KDF_LANES = 1
PASSWORD_PURPOSE = "account-key/password"  # noqa: S105 - as in safetrail.vault.services

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "src" / "safetrail" / "settings.py"
MIB = 1024 * 1024
MB = 1_000_000
FULL_SIZE = 1024 * MIB
QUICK_SIZE = 64 * MIB
WRITE_BLOCK = 16 * MIB
RSS_GOAL_MIB = 100
UNLOCK_GOAL = (0.3, 1.0)


def emit(name: str, value: Any, unit: str | None, **goal: Any) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit, **goal}), flush=True)


# --- the production KDF parameters ---------------------------------------------------

_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Pow: operator.pow,
}


def _integer(node: ast.expr) -> int:
    """Evaluates an integer literal such as ``128 * 1024``, and nothing else."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_integer(node.left), _integer(node.right))
    raise ValueError("not an integer literal")


def kdf_defaults() -> tuple[dict[str, int], str]:
    """The defaults in settings.py, read as text: importing it would need a data dir.

    Looks for ``SAFETRAIL_KDF_<NAME> = env_int("SAFETRAIL_KDF_<NAME>", <default>)``
    and falls back to the constants above for any it does not find.
    """
    found: dict[str, int] = {}
    try:
        tree = ast.parse(SETTINGS_FILE.read_text())
    except (OSError, SyntaxError):
        tree = ast.Module(body=[], type_ignores=[])
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        names = [target.id for target in node.targets if isinstance(target, ast.Name)]
        match = re.fullmatch(r"SAFETRAIL_KDF_(MEMORY_KIB|PASSES|LANES)", names[0] if names else "")
        if match and len(node.value.args) >= 2:
            with contextlib.suppress(ValueError):  # a default that is not a literal
                found[match.group(1).lower()] = _integer(node.value.args[1])
    parameters = {
        "memory_kib": found.get("memory_kib", KDF_MEMORY_KIB),
        "passes": found.get("passes", KDF_PASSES),
        "lanes": found.get("lanes", KDF_LANES),
    }
    source = "settings.py" if len(found) == 3 else "bench/vault.py" if not found else "mixed"
    return parameters, source


# --- openssl ---------------------------------------------------------------------------


def openssl_version() -> str | None:
    try:
        result = subprocess.run(
            ["openssl", "version"], capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip()


def openssl_speed(seconds: int) -> float | None:
    """openssl's AES-256-GCM throughput on 1 MiB blocks, in MB/s; None without openssl."""
    command = ["openssl", "speed", "-evp", "aes-256-gcm", "-bytes", str(MIB)]
    try:
        result = subprocess.run(
            [*command, "-seconds", str(seconds)],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds * 10 + 30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    for line in result.stdout.splitlines():
        if line.startswith("AES-256-GCM"):
            # "AES-256-GCM    5809534.71k": thousands of bytes per second.
            return float(line.split()[-1].rstrip("k")) * 1000 / MB
    return None


# --- streaming, in a process of its own ------------------------------------------------


PROC_STATUS = Path("/proc/self/status")
RSS_METHOD = "VmHWM" if PROC_STATUS.exists() else "ru_maxrss"


def _max_rss_mib() -> float:
    """This process's own peak resident set size.

    On Linux, ``ru_maxrss`` carries over through fork and exec: a child started
    by this (larger) benchmark reports at least the parent's size at the time,
    not its own. ``VmHWM`` is the high-water mark of the memory the process has
    had since exec, so it is used where there is a /proc.
    """
    if RSS_METHOD == "VmHWM":
        for line in PROC_STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024  # bytes on macOS, else KiB


def _idle() -> float:
    """Runs in a fresh process: the resident size of the interpreter and the vault alone."""
    return _max_rss_mib()


class _Discard:
    def write(self, data: bytes) -> int:
        return len(data)


def _timed(work) -> float:
    # Start each phase with no dirty pages left by the one before, so one
    # phase's writeback is not billed to the next.
    if hasattr(os, "sync"):
        os.sync()
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _stream(source: str, directory: str) -> dict[str, float]:
    """Runs in a fresh process: the streaming phases, their times and the peak RSS."""
    key = crypto.random_key()
    size = os.path.getsize(source)
    copied, encrypted = os.path.join(directory, "copy"), os.path.join(directory, "encrypted")

    def copy() -> None:
        with open(source, "rb") as plain, open(copied, "wb") as target:
            while block := plain.read(stream.DEFAULT_CHUNK_SIZE):
                target.write(block)

    def encrypt() -> None:
        with open(source, "rb") as plain, open(encrypted, "wb") as target:
            if stream.encrypt_file(key, plain, target) != size:
                raise RuntimeError("encryption lost data")

    def encrypt_to_sink() -> None:
        with open(source, "rb") as plain:
            stream.encrypt_file(key, plain, _Discard())

    def decrypt() -> None:
        decrypted = 0
        with open(encrypted, "rb") as sealed:
            for chunk in stream.decrypt_stream(key, sealed):
                decrypted += len(chunk)
        if decrypted != size:
            raise RuntimeError("decryption lost data")

    times = {"copy": _timed(copy)}
    os.unlink(copied)
    times["encrypt"] = _timed(encrypt)
    times["encrypt_to_sink"] = _timed(encrypt_to_sink)
    times["decrypt"] = _timed(decrypt)
    return {**times, "peak_rss_mib": _max_rss_mib()}


def _in_fresh_process(function, *args):
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as executor:
        return executor.submit(function, *args).result()


def write_random_file(path: Path, size: int) -> None:
    with path.open("wb") as target:
        left = size
        while left:
            block = min(left, WRITE_BLOCK)
            target.write(os.urandom(block))
            left -= block


# --- unlocking an account --------------------------------------------------------------


def unlock_seconds(parameters: dict[str, int], runs: int) -> list[float]:
    """Times what sign-in does: derive the key-encryption key, unwrap the account key."""
    password = "correct horse battery staple"  # noqa: S105 - a benchmark input
    kdf = crypto.KdfParameters.fresh(**parameters)
    account_key = crypto.random_key()
    stored_kdf = kdf.encode()
    wrapped = crypto.wrap_key(crypto.derive_key(password, kdf), account_key, PASSWORD_PURPOSE)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        wrapping_key = crypto.derive_key(password, crypto.KdfParameters.decode(stored_kdf))
        unwrapped = crypto.unwrap_key(wrapping_key, wrapped, PASSWORD_PURPOSE)
        times.append(time.perf_counter() - started)
        if unwrapped != account_key:
            raise RuntimeError("unlocking returned the wrong key")
    return times


# --- the run ---------------------------------------------------------------------------


def throughput_goal(value: float, reference: float | None) -> dict[str, Any]:
    return {
        "goal": ">= 0.5x openssl",
        "ok": None if reference is None else value >= 0.5 * reference,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--dir", help="where to write the test files (default: the temp dir)")
    options = parser.parse_args(argv)

    size = QUICK_SIZE if options.quick else FULL_SIZE
    openssl_seconds = 1 if options.quick else 3
    runs = 3 if options.quick else 5
    kdf, kdf_source = kdf_defaults()
    emit(
        "parameters",
        {
            "quick": options.quick,
            "file_bytes": size,
            "chunk_bytes": stream.DEFAULT_CHUNK_SIZE,
            "openssl_seconds": openssl_seconds,
            "kdf": {**kdf, "source": kdf_source},
            "unlock_runs": runs,
            "python": sys.version.split()[0],
            "cryptography_openssl": openssl_backend.openssl_version_text(),
            "openssl_cli": openssl_version(),
            "rss_method": RSS_METHOD,
            "cpus": os.cpu_count(),
        },
        None,
    )

    reference = openssl_speed(openssl_seconds)
    emit("openssl_aes_256_gcm", None if reference is None else round(reference, 1), "MB/s")

    directory = Path(tempfile.mkdtemp(prefix="safetrail-bench-", dir=options.dir))
    try:
        source = directory / "plain"
        write_random_file(source, size)
        result = _in_fresh_process(_stream, str(source), str(directory))
    finally:
        shutil.rmtree(directory)
    phases = ("copy", "encrypt", "encrypt_to_sink", "decrypt")
    rates = {phase: size / result[phase] / MB for phase in phases}
    # A plain copy, disk to disk: the ceiling the disk puts on stream_encrypt.
    emit("file_copy", round(rates["copy"], 1), "MB/s")
    for name, phase in (("stream_encrypt", "encrypt"), ("stream_decrypt", "decrypt")):
        emit(name, round(rates[phase], 1), "MB/s", **throughput_goal(rates[phase], reference))
    # The same encryption into a sink that discards: the vault's code without the disk.
    emit("stream_encrypt_no_disk", round(rates["encrypt_to_sink"], 1), "MB/s")
    peak_rss = result["peak_rss_mib"]
    emit(
        "stream_peak_rss",
        round(peak_rss, 1),
        "MiB",
        goal=f"< {RSS_GOAL_MIB} MiB",
        ok=peak_rss < RSS_GOAL_MIB,
    )
    emit("idle_rss", round(_in_fresh_process(_idle), 1), "MiB")

    unlock = statistics.median(unlock_seconds(kdf, runs))
    low, high = UNLOCK_GOAL
    emit("unlock_account", round(unlock, 3), "s", goal="0.3–1 s", ok=low <= unlock <= high)
    return 0


if __name__ == "__main__":
    sys.exit(main())
