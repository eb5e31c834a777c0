"""Running ``safetrail serve`` for a benchmark: a free port, start, wait, stop, its workers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def safetrail_command() -> list[str]:
    """The ``safetrail`` script beside this Python, or the module if there is none."""
    script = Path(sys.executable).with_name("safetrail")
    return [str(script)] if script.exists() else [sys.executable, "-m", "safetrail.cli"]


def clean_environment() -> dict[str, str]:
    """This process's environment without the app's own settings, for a server's to be added."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SAFETRAIL_", "DJANGO_")) and key not in {"DATABASE_URL", "DEBUG"}
    }


def start_server(
    environment: dict[str, str], port: int, worker_count: int, log: Path
) -> subprocess.Popen:
    """``safetrail serve`` on 127.0.0.1:``port``, once it answers and all its workers are up."""
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                *safetrail_command(),
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(worker_count),
            ],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped at once:\n{log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            if len(workers(server.pid)) >= worker_count:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"the server did not start in {START_TIMEOUT} s:\n{log.read_text()[-2000:]}")


def stop_server(server: subprocess.Popen) -> None:
    """Asks gunicorn's master to stop (it stops its workers), and makes sure it did."""
    if server.poll() is not None:
        return
    children = workers(server.pid)
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    for pid in children:  # any worker the master left behind
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def workers(master: int) -> list[int]:
    """The master's child processes: /proc/<pid>/task/*/children, else each process's ppid."""
    found: list[int] = []
    tasks = Path(f"/proc/{master}/task")
    try:
        for task in tasks.iterdir():
            found += [int(pid) for pid in (task / "children").read_text().split()]
        return sorted(set(found))
    except OSError:
        pass
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (name) state ppid ...": the name may hold spaces, so split after it.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            found.append(int(stat.parent.name))
    return sorted(found)
