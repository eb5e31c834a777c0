"""Street Safe benchmark: reports through a real server under load, and map views over a million.

    .venv/bin/python bench/streetsafe.py          # 200 clients, 1,000,000 reports on the map
    .venv/bin/python bench/streetsafe.py --quick  # 20 clients, 50,000 reports (under a minute)

Prints one JSON object per line (see bench/README.md). Each backend
(PostgreSQL, then SQLite; ``--backends`` picks) gets a fresh database of its
own (a database created on the PostgreSQL server and dropped afterwards, a
SQLite file in a temporary data dir), ``safetrail migrate``, and then:

Ingest. ``safetrail serve`` (gunicorn, ``2 x CPUs + 1`` sync workers unless
``--workers`` says otherwise) on a free port on 127.0.0.1, with production
settings except ``SAFETRAIL_HTTPS=false``; the rate limits in a Redis shared by
the workers (``--redis``, a database of its own: the keys it made are deleted
at the end); the per-sender daily limit raised out of the way, since every
report comes from 127.0.0.1. The load generator is one asyncio process
speaking plain HTTP/1.1 over ``asyncio.open_connection``, one connection per
request as gunicorn's sync workers want. Before any timing it fetches one
proof-of-work challenge per report from ``/api/street-safe/v1/challenge`` and
solves each as a browser would, so every report is a verified one. The
challenges' difficulty is lowered (``SAFETRAIL_STREETSAFE_POW_MAX_NUMBER=1000``)
only so that the client can solve thousands in seconds: checking a solution
costs the server one hash and one HMAC whatever the difficulty.

- ``ingest_<db>_reports``: acknowledged reports (201) a second, from N
  concurrent clients each POSTing JSON reports to
  ``/api/street-safe/v1/reports`` one after another: points in London around
  hotspots, 1 to 3 reasons, now / earlier today / another day.
- ``ingest_<db>_health``: the comparison, measured by the same generator
  against the same server: ``/health/`` (one ``SELECT 1``) answered a second
  by the same N clients for the same length of time. The two take turns: a
  quarter of the reports, then health checks for as long as that took, four
  times over, and each figure is the total of its four turns, so that a
  machine whose speed drifts during the run (other work, a neighbour on the
  same host) weighs on both alike.
- ``ingest_<db>_reports_vs_health``: the ratio. Goal on PostgreSQL, the
  production database: at least 0.5. SQLite, the single-machine default, has
  no goal, as for the map: its writers take turns and each commit waits for
  the disk, while its health check only opens a local file
  (docs/streetsafe.md has the figures).
- ``ingest_<db>_server_cpu_per_report``: the gunicorn workers' CPU time per
  acknowledged report, and per answered health check beside it: the same
  comparison in a form that moves less when other work shares the machine
  (it leaves out the database's and Redis's own CPU time).
- ``ingest_postgresql_database_cpu_per_report``: PostgreSQL's CPU time per
  acknowledged report, and per health check beside it, when the server runs
  on this machine (its process and its ended connections, from /proc).

The server opens a database connection for each request, the app's default
(``SAFETRAIL_DB_CONN_MAX_AGE=0``); ``--conn-max-age 60`` keeps them open
instead. That makes every request cheaper, the health check most of all (its
one query costs less than connecting), so both rates rise and the ratio falls;
docs/streetsafe.md has the figures for both.

- ``ingest_<db>_lost``: acknowledged reports not in ``streetsafe_report``
  afterwards. The API answers 201 without an id, so each report is known by
  its point (every one sent has its own, stored as sent). Goal: 0, at 200
  clients.
  ``ingest_<db>_acknowledged`` and ``_stored`` are the two counts, ``_refused``
  answers other than 201, ``_failed`` requests with no answer at all.
- ``ingest_<db>_rollups_in_step``: differences ``rollups.check()`` finds
  between the cell counts and the stored reports after the concurrent load
  (the k rule depends on them). Goal: 0.
- ``ingest_<db>_generator_cpu_share``: the load generator's CPU time over the
  wall time of each phase: near 1, the generator was a limit too.

Map. The same database, emptied, gets 1,000,000 reports (50,000 with
``--quick``) written directly, not through the service: points around 16
hotspots in Greater London, a city-wide spread and a uniform background, two
years of days, a twentieth "me too" reports (no point of their own), one in
a hundred hidden by a moderator; their cells from ``cells.cells_for``; rows by
COPY (PostgreSQL) or ``executemany`` (SQLite), with the report table's plain
indexes dropped during the load and made again from their own definitions
after it, and more sort memory for the session while loading. The rollups are
then built by ``rollups.rebuild()``, the repair an operator runs
(``INSERT ... SELECT ... GROUP BY`` over the reports; its time is
``map_<db>_build_rollups``), and (always with ``--quick``, with ``--check``
at full size) checked against the reports with ``rollups.check()`` (``map_<db>_rollups_in_step``).
PostgreSQL's tables are then ANALYZEd, as autovacuum would after such a load;
SQLite's are left as the app leaves them. Then, for 200 random viewports (50
with ``--quick``) of 10 km x 10 km inside London, the same on both backends:

- ``map_<db>_r8`` and ``map_<db>_r9``: the 95th percentile of
  ``services.cells_in_viewport(resolution, viewport)`` (the ``Cell`` rows at
  that resolution whose centres are in view, with their outlines), in ms;
  ``_p50`` beside each, and the median number of cells in a viewport. Goal on
  PostgreSQL: p95 < 100 ms at 1,000,000 reports. SQLite has no goal.
- ``map_<db>_public``: the same for ``services.public_cells(viewport)``, the
  public map's query (its own resolution, the k-threshold).
- ``map_<db>_r8_from_reports`` (and r9): the comparison, the same viewport's
  counts computed from the reports' points (what the rollups save), median
  of 5 viewports, and the ratio.

The query timings run in one process with an open connection, so they leave
out connecting to the database (which ``SAFETRAIL_DB_CONN_MAX_AGE`` decides).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import math
import os
import random
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# Run as a script, only bench/ is on the path; the shared helpers sit beside this file.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import serving

FULL_CLIENTS = 200
QUICK_CLIENTS = 20
FULL_REPORTS = 4_000  # sent through the server, per backend
QUICK_REPORTS = 150
FULL_MAP_REPORTS = 1_000_000
QUICK_MAP_REPORTS = 50_000
FULL_VIEWPORTS = 200
QUICK_VIEWPORTS = 50
SCAN_VIEWPORTS = 5
VIEWPORT_KM = 10
MAP_GOAL_MS = 100
RATIO_GOAL = 0.5
ROUNDS = 4  # turns of reports, then /health/ for as long
POW_MAX_NUMBER = 1000
BATCH = 50_000
REQUEST_TIMEOUT = 120
SEED = 2026
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
CHALLENGE_PATH = "/api/street-safe/v1/challenge"
REPORTS_PATH = "/api/street-safe/v1/reports"
HEALTH_PATH = "/health/"

# Greater London, south,west,north,east: the server's SAFETRAIL_STREETSAFE_AREA too.
CITY = (51.28, -0.51, 51.70, 0.33)
CITY_CENTRE = (51.507, -0.128)
KM_LATITUDE = 1 / 111.32  # degrees of latitude in a kilometre


def emit(name: str, value: Any, unit: str | None, **goal: Any) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit, **goal}), flush=True)


def note(text: str) -> None:
    print(f"streetsafe bench: {text}", file=sys.stderr, flush=True)


VERBOSE = {"on": False, "since": time.perf_counter()}


def stage(text: str) -> None:
    """With --verbose: what starts now, and how long the stage before it took."""
    if VERBOSE["on"]:
        now = time.perf_counter()
        note(f"(+{now - VERBOSE['since']:.1f} s) {text}")
        VERBOSE["since"] = now


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value at or above ``share`` of them."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# --- made-up reports ----------------------------------------------------------------------


def km_longitude(latitude: float) -> float:
    return KM_LATITUDE / math.cos(math.radians(latitude))


class City:
    """Points where people might report: hotspots, a city-wide spread and a background."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.hotspots = [
            (
                rng.uniform(51.42, 51.58),
                rng.uniform(-0.30, 0.10),
                rng.uniform(0.3, 2.5),  # kilometres
                rng.uniform(0.5, 2.0),  # weight
            )
            for _ in range(16)
        ]
        self.weights = [spot[3] for spot in self.hotspots]

    def point(self) -> tuple[float, float]:
        rng = self.rng
        south, west, north, east = CITY
        while True:
            roll = rng.random()
            if roll < 0.5:
                latitude, longitude, km, _ = rng.choices(self.hotspots, self.weights)[0]
            elif roll < 0.8:
                latitude, longitude, km = *CITY_CENTRE, 8.0
            else:
                return rng.uniform(south, north), rng.uniform(west, east)
            latitude = rng.gauss(latitude, km * KM_LATITUDE)
            longitude = rng.gauss(longitude, km * km_longitude(latitude))
            if south <= latitude <= north and west <= longitude <= east:
                return latitude, longitude

    def reasons(self, codes: list[str]) -> list[str]:
        return self.rng.sample(codes, self.rng.choice((1, 1, 2, 2, 3)))


def viewports(count: int, rng: random.Random) -> list[tuple[float, float, float, float]]:
    """``count`` viewports of VIEWPORT_KM x VIEWPORT_KM inside the city: south,west,north,east."""
    south, west, north, east = CITY
    half_height = VIEWPORT_KM / 2 * KM_LATITUDE
    found = []
    for _ in range(count):
        latitude = rng.uniform(south + half_height, north - half_height)
        half_width = VIEWPORT_KM / 2 * km_longitude(latitude)
        longitude = rng.uniform(west + half_width, east - half_width)
        found.append(
            (
                latitude - half_height,
                longitude - half_width,
                latitude + half_height,
                longitude + half_width,
            )
        )
    return found


# --- databases ----------------------------------------------------------------------------


@dataclass
class Backend:
    name: str  # "postgresql" or "sqlite"
    admin_url: str = ""
    database: str = ""
    postmaster: int | None = None  # PostgreSQL's server process, when it runs on this machine

    def create(self, directory: Path) -> str:
        """A fresh, empty database; returns its DATABASE_URL."""
        if self.name == "sqlite":
            return f"sqlite:///{directory / 'bench.sqlite3'}"
        import psycopg

        self.database = f"safetrail_bench_{os.getpid()}_{secrets.token_hex(3)}"
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.database}"')
            backend = admin.execute("SELECT pg_backend_pid()").fetchone()[0]
        self.postmaster = parent_of(backend)
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path=f"/{self.database}"))

    def drop(self) -> None:
        if self.name != "postgresql" or not self.database:
            return
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            # FORCE: a child process killed half-way may still hold a connection.
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        self.database = ""


def parent_of(pid: int) -> int | None:
    """The parent of a process on this machine (None if it is elsewhere or gone)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("PPid:"):
                return int(line.split()[1])
    return None


def postgres_cpu(postmaster: int | None) -> float | None:
    """CPU seconds of PostgreSQL's server process and of its ended children.

    Each connection is a child process; once it ends the server collects it,
    and its CPU time moves into the server's "children" counts. With one
    connection per request (the default), that is each request's database work.
    """
    if postmaster is None:
        return None
    try:
        fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def postgres_version(admin_url: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(admin_url, connect_timeout=5) as connection:
            return connection.execute("SHOW server_version").fetchone()[0]
    except Exception as error:  # any failure: no PostgreSQL for this run
        note(f"no PostgreSQL at {admin_url} ({error}); skipping it")
        return None


def redis_reachable(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except Exception as error:  # any failure: run without a shared cache
        note(f"no Redis at {url} ({error}); each worker keeps its own limits")
        return False


def redis_cleanup(url: str) -> None:
    """Deletes the keys Street Safe made (Django's cache prefixes them with ":1:")."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=":1:streetsafe:*", count=1000):
        client.delete(key)


# --- the server ---------------------------------------------------------------------------


def server_environment(
    directory: Path, database_url: str, redis_url: str, conn_max_age: int = 0
) -> dict[str, str]:
    environment = serving.clean_environment()
    environment.update(
        DJANGO_SETTINGS_MODULE="safetrail.settings",
        DEBUG="false",
        SAFETRAIL_DATA_DIR=str(directory),
        DATABASE_URL=database_url,
        SAFETRAIL_HTTPS="false",
        ALLOWED_HOSTS="127.0.0.1",
        SAFETRAIL_LOG_LEVEL="WARNING",
        SAFETRAIL_STREETSAFE_AREA=",".join(str(edge) for edge in CITY),
        # Every report comes from 127.0.0.1: one sender, as far as the limits know.
        SAFETRAIL_STREETSAFE_REPORTS_PER_DAY=str(10**9),
        # See the docstring: the client's search is shorter, the server's check the same.
        SAFETRAIL_STREETSAFE_POW_MAX_NUMBER=str(POW_MAX_NUMBER),
    )
    if redis_url:
        environment["SAFETRAIL_REDIS_URL"] = redis_url
    environment["SAFETRAIL_DB_CONN_MAX_AGE"] = str(conn_max_age)
    return environment


def migrate(environment: dict[str, str]) -> None:
    done = subprocess.run(
        [*serving.safetrail_command(), "migrate", "--noinput"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode:
        raise RuntimeError(f"safetrail migrate failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")


# --- the load generator -------------------------------------------------------------------


class NoAnswer(Exception):
    """The connection failed or closed before a whole status line came back."""


async def http(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    """One HTTP/1.1 request on its own connection; the status and the body."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as error:
        raise NoAnswer(str(error)) from error
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        writer.write(head.encode() + b"\r\n" + (body or b""))
        await writer.drain()
        answer = await reader.read()  # gunicorn's sync worker closes after each answer
    except OSError as error:
        raise NoAnswer(str(error)) from error
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    status_line, _, rest = answer.partition(b"\r\n")
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise NoAnswer(f"no status line in {answer[:80]!r}")
    _, _, payload = rest.partition(b"\r\n\r\n")
    return int(parts[1]), payload


async def timed_http(port: int, method: str, path: str, body: bytes | None = None):
    return await asyncio.wait_for(http(port, method, path, body), REQUEST_TIMEOUT)


@dataclass
class Phase:
    """What one phase of the load got: answers by status, and the time and CPU it took."""

    seconds: float = 0.0
    answered: Counter = field(default_factory=Counter)
    failed: int = 0  # no answer at all
    generator_cpu: float = 0.0  # seconds
    server_cpu: float = 0.0  # seconds, summed over the gunicorn workers
    database_cpu: float | None = None  # seconds, PostgreSQL's server and its backends
    # Each acknowledged report's point: the report's own identity, as the API
    # answers 201 without an id and stores the point exactly as sent.
    points: list[tuple[float, float]] = field(default_factory=list)

    def count(self, status: int) -> int:
        return self.answered[status]

    def add(self, other: Phase) -> None:
        """Counts ``other`` in: the rounds of one kind become one phase."""
        self.seconds += other.seconds
        self.answered.update(other.answered)
        self.failed += other.failed
        self.generator_cpu += other.generator_cpu
        self.server_cpu += other.server_cpu
        if self.database_cpu is None or other.database_cpu is None:
            self.database_cpu = None
        else:
            self.database_cpu += other.database_cpu
        self.points += other.points

    def others(self, status: int) -> int:
        return sum(number for code, number in self.answered.items() if code != status)


async def fetch_challenges(port: int, count: int, clients: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    async def client() -> None:
        while len(found) < count:
            status, body = await timed_http(port, "GET", CHALLENGE_PATH)
            if status != 200:
                raise RuntimeError(f"{CHALLENGE_PATH} answered {status}: {body[:200]!r}")
            found.append(json.loads(body))

    await asyncio.gather(*(client() for _ in range(clients)))
    return found[:count]


def solve(challenge: dict[str, Any]) -> str:
    """The ALTCHA v1 payload a browser sends: the number whose hash is the challenge."""
    if challenge["algorithm"] != "SHA-256":
        raise RuntimeError(f"a challenge in {challenge['algorithm']}, not SHA-256")
    salt = challenge["salt"]
    target = challenge["challenge"]
    for number in range(int(challenge.get("maxnumber") or challenge.get("maxNumber")) + 1):
        if hashlib.sha256(f"{salt}{number}".encode()).hexdigest() == target:
            payload = {
                "algorithm": challenge["algorithm"],
                "challenge": target,
                "number": number,
                "salt": salt,
                "signature": challenge["signature"],
            }
            return base64.b64encode(json.dumps(payload).encode()).decode()
    raise RuntimeError("a challenge with no solution")


def report_bodies(proofs: list[str], rng: random.Random) -> list[bytes]:
    from safetrail.streetsafe import domain

    city = City(rng)
    codes = [reason.code for reason in domain.REASONS]
    bands = [band.code for band in domain.BANDS]
    today = date.today()
    bodies = []
    for proof in proofs:
        latitude, longitude = city.point()
        report: dict[str, Any] = {
            "latitude": round(latitude, 6),
            "longitude": round(longitude, 6),
            "reasons": city.reasons(codes),
            "proof": proof,
        }
        roll = rng.random()
        if roll < 0.5:
            report["when"] = "now"
        elif roll < 0.7:
            # Night has always come already today; a later band may not have
            # yet, and the API refuses a time of day still to come.
            report.update(when="earlier_today", band="night")
        else:
            day = today - timedelta(days=rng.randrange(1, 30))
            report.update(when="another_day", band=rng.choice(bands), day=day.isoformat())
        bodies.append(json.dumps(report).encode())
    return bodies


def server_cpu(master: int) -> float:
    """User and system seconds the master's workers have used so far (/proc/<pid>/stat)."""
    total = 0.0
    for pid in serving.workers(master):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def run_phase(clients: int, master: int, request, postmaster: int | None) -> Phase:
    """``clients`` coroutines, each calling ``request(phase)`` until it returns False."""
    phase = Phase()
    database = postgres_cpu(postmaster)

    async def client() -> None:
        while True:
            try:
                if not await request(phase):
                    return
            except (NoAnswer, TimeoutError):
                phase.failed += 1

    cpu, server = time.process_time(), server_cpu(master)
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    phase.seconds = time.perf_counter() - started
    phase.generator_cpu = time.process_time() - cpu
    phase.server_cpu = server_cpu(master) - server
    after = postgres_cpu(postmaster)
    if database is not None and after is not None:
        phase.database_cpu = after - database
    return phase


async def post_reports(
    port: int, master: int, bodies: list[bytes], clients: int, postmaster: int | None
) -> Phase:
    queue = iter(bodies)  # shared: each body goes to exactly one client

    async def request(phase: Phase) -> bool:
        body = next(queue, None)
        if body is None:
            return False
        status, _ = await timed_http(port, "POST", REPORTS_PATH, body)
        phase.answered[status] += 1
        if status == 201:
            sent = json.loads(body)
            phase.points.append((sent["latitude"], sent["longitude"]))
        return True

    return await run_phase(clients, master, request, postmaster)


async def get_health(
    port: int, master: int, seconds: float, clients: int, postmaster: int | None
) -> Phase:
    deadline = time.perf_counter() + seconds

    async def request(phase: Phase) -> bool:
        if time.perf_counter() >= deadline:
            return False
        status, _ = await timed_http(port, "GET", HEALTH_PATH)
        phase.answered[status] += 1
        return True

    return await run_phase(clients, master, request, postmaster)


async def load(
    port: int, master: int, options: argparse.Namespace, postmaster: int | None
) -> dict[str, Any]:
    """Warms up, fetches and solves the challenges, then times reports and /health/."""
    warm = 2 * options.workers
    for _ in range(warm):
        await timed_http(port, "GET", HEALTH_PATH)
    status, _ = await timed_http(port, "GET", CHALLENGE_PATH)
    if status != 200:
        return {"missing": f"{CHALLENGE_PATH} answered {status}"}
    stage("fetching challenges")
    challenges = await fetch_challenges(port, options.reports + warm, options.clients)
    stage("solving them")
    bodies = report_bodies([solve(challenge) for challenge in challenges], random.Random(SEED))
    stage("warming up")
    warm_up = await post_reports(
        port, master, bodies[:warm], min(warm, options.clients), postmaster
    )
    if warm_up.count(201) == 0:
        return {"missing": f"{REPORTS_PATH} answered {dict(warm_up.answered)} to the warm-up"}
    # Taken in turns, so that a machine that speeds up or slows down during
    # the run (other work, a neighbour on the same host) weighs on both alike.
    reports, health = Phase(database_cpu=0.0), Phase(database_cpu=0.0)
    timed = bodies[warm:]
    share = math.ceil(len(timed) / ROUNDS)
    for turn in range(ROUNDS):
        stage(f"sending reports ({turn + 1} of {ROUNDS})")
        part = timed[turn * share : (turn + 1) * share]
        sent = await post_reports(port, master, part, options.clients, postmaster)
        stage(f"asking for /health/ ({turn + 1} of {ROUNDS})")
        asked = await get_health(port, master, sent.seconds, options.clients, postmaster)
        reports.add(sent)
        health.add(asked)
    return {"warm_up": warm_up, "reports": reports, "health": health}


def ingest(
    backend: Backend, environment: dict[str, str], options: argparse.Namespace, log: Path
) -> dict[str, Any]:
    """The ingest figures; returns what the check afterwards needs."""
    port = serving.free_port()
    stage("starting the server")
    server = serving.start_server(environment, port, options.workers, log)
    try:
        result = asyncio.run(load(port, server.pid, options, backend.postmaster))
    finally:
        serving.stop_server(server)
    prefix = f"ingest_{backend.name}"
    if "missing" in result:
        note(f"no reporting API ({result['missing']}): no ingest figures")
        emit(f"{prefix}_reports", None, "reports/s")
        return {"sent": 0, "points": []}
    warm_up, reports, health = result["warm_up"], result["reports"], result["health"]
    report_rate = reports.count(201) / reports.seconds
    health_rate = health.count(200) / health.seconds
    emit(f"{prefix}_reports", round(report_rate, 1), "reports/s", seconds=round(reports.seconds, 1))
    emit(f"{prefix}_health", round(health_rate, 1), "requests/s", seconds=round(health.seconds, 1))
    ratio_goal = (
        {
            "goal": f">= {RATIO_GOAL}x the same server's /health/",
            "ok": bool(health_rate) and report_rate >= RATIO_GOAL * health_rate,
        }
        if backend.name == "postgresql"
        else {}
    )
    emit(
        f"{prefix}_reports_vs_health",
        round(report_rate / health_rate, 2) if health_rate else None,
        "x",
        **ratio_goal,
    )
    report_cpu = reports.server_cpu / max(1, reports.count(201)) * 1000
    health_cpu = health.server_cpu / max(1, health.count(200)) * 1000
    emit(
        f"{prefix}_server_cpu_per_report",
        round(report_cpu, 2),
        "ms",
        per_health=round(health_cpu, 2),
        workers_busy=round(reports.server_cpu / reports.seconds, 2),
        workers_busy_health=round(health.server_cpu / health.seconds, 2),
    )
    # Kept-open connections' CPU time only reaches the server's counts when they close.
    if options.conn_max_age == 0 and None not in (reports.database_cpu, health.database_cpu):
        emit(
            f"{prefix}_database_cpu_per_report",
            round(reports.database_cpu / max(1, reports.count(201)) * 1000, 2),
            "ms",
            per_health=round(health.database_cpu / max(1, health.count(200)) * 1000, 2),
        )
    emit(f"{prefix}_refused", reports.others(201), "answers", statuses=dict(reports.answered))
    emit(f"{prefix}_failed", reports.failed, "requests")
    emit(f"{prefix}_health_refused", health.others(200) + health.failed, "requests")
    emit(
        f"{prefix}_generator_cpu_share",
        round(reports.generator_cpu / reports.seconds, 2),
        "x",
        health=round(health.generator_cpu / health.seconds, 2),
    )
    return {
        "sent": sum(warm_up.answered.values()) + sum(reports.answered.values()),
        "points": warm_up.points + reports.points,
    }


# --- inside Django (a child process per backend) ------------------------------------------

REPORT_COLUMNS = (
    "id",
    "received_on",
    "happened_on",
    "band",
    "when",
    "reasons",
    "safer",
    "note",
    "note_state",
    "age_band",
    "gender",
    "ethnic_group",
    "disability",
    "located_by",
    "latitude",
    "longitude",
    "cell_7",
    "cell_8",
    "cell_9",
    "cell_10",
    "same_as_id",
    "verified",
    "hidden",
)


def made_up_reports(count: int, rng: random.Random) -> Iterator[list[tuple]]:
    """Reports as table rows, in batches: REPORT_COLUMNS' order, Python values."""
    from safetrail.streetsafe import cells, domain
    from safetrail.streetsafe.cells import Point

    city = City(rng)
    codes = [reason.code for reason in domain.REASONS]
    located = [code for code, _ in domain.LOCATED_BY]
    ages = ["", *(code for code, _ in domain.AGE_BANDS)]
    genders = ["", *(code for code, _ in domain.GENDERS)]
    first = date.today() - timedelta(days=730)
    days = [first + timedelta(days=offset) for offset in range(731)]
    made = 0
    while made < count:
        batch: list[tuple] = []
        for _ in range(min(BATCH, count - made)):
            happened = rng.randrange(730)
            received = days[min(730, happened + rng.choice((0, 0, 0, 1, 2, 7)))]
            reasons = domain.mask_of(city.reasons(codes), domain.REASONS)
            if batch and rng.random() < 0.05:  # "me too": an earlier report's place, no point
                original = batch[rng.randrange(len(batch))]
                original_id = original[0] if original[20] is None else original[20]
                where: tuple = (None, None, *original[16:20], original_id)
                located_by = original[13]
            else:
                latitude, longitude = city.point()
                found = cells.cells_for(Point(latitude, longitude))
                where = (latitude, longitude, *(found[r] for r in cells.RESOLUTIONS), None)
                located_by = rng.choice(located)
            batch.append(
                (
                    uuid.uuid4(),
                    received,
                    days[happened],
                    rng.randrange(4),
                    "another_day",
                    reasons,
                    rng.choice((0, 0, 1, 2, 4, 9)),
                    "",
                    "none",
                    rng.choice(ages),
                    rng.choice(genders),
                    "",
                    "",
                    located_by,
                    *where,
                    True,
                    rng.random() < 0.01,
                )
            )
        made += len(batch)
        yield batch


def sqlite_row(row: tuple) -> tuple:
    """Django's SQLite storage: UUIDs as 32 hex digits, dates as ISO text, booleans as 0/1."""
    return tuple(
        value.hex
        if isinstance(value, uuid.UUID)
        else value.isoformat()
        if isinstance(value, date)
        else int(value)
        if isinstance(value, bool)
        else value
        for value in row
    )


@contextlib.contextmanager
def indexes_set_aside(table: str) -> Iterator[int]:
    """Drops ``table``'s plain indexes and makes them again afterwards, as bulk loads do.

    Indexes behind constraints (the primary key, unique constraints) stay. The
    same definitions are made again, so the queries afterwards see the schema
    the migrations made. Yields how many were set aside.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = %s AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                [table],
            )
        else:  # SQLite: an index made by a constraint has no SQL of its own
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield len(found)
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Inside a caller's transaction (the tests), the foreign key checks
                # are still pending, and PostgreSQL makes no index with them so.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for _, definition in found:
                cursor.execute(definition)


@contextlib.contextmanager
def bulk_session() -> Iterator[None]:
    """More memory for sorting and grouping while loading, as a bulk load would have, then
    the connection's defaults again, so the timed queries run as the app's would."""
    from django.db import connection

    if connection.vendor == "postgresql":
        start = ["SET maintenance_work_mem = '256MB'", "SET work_mem = '256MB'"]
        end = ["RESET maintenance_work_mem", "RESET work_mem"]
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            (cache_size,) = cursor.fetchone()
            cursor.execute("PRAGMA temp_store")
            (temp_store,) = cursor.fetchone()
        start = ["PRAGMA cache_size = -262144", "PRAGMA temp_store = MEMORY"]
        end = [f"PRAGMA cache_size = {int(cache_size)}", f"PRAGMA temp_store = {int(temp_store)}"]
    with connection.cursor() as cursor:
        for statement in start:
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in end:
                cursor.execute(statement)


def load_reports(count: int, rng: random.Random) -> None:
    from safetrail.streetsafe.models import Report

    columns = {field.column for field in Report._meta.concrete_fields}
    if columns != set(REPORT_COLUMNS):
        raise RuntimeError(f"the report table changed: {sorted(columns ^ set(REPORT_COLUMNS))}")
    table = Report._meta.db_table
    with indexes_set_aside(table):
        _load_rows(table, count, rng)
        stage("making the indexes again")


def _load_rows(table: str, count: int, rng: random.Random) -> None:
    from django.db import connection, transaction

    quoted = ", ".join(connection.ops.quote_name(column) for column in REPORT_COLUMNS)
    for batch in made_up_reports(count, rng):
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(REPORT_COLUMNS))
                cursor.connection.executemany(
                    f"INSERT INTO {table} ({quoted}) VALUES ({marks})",  # noqa: S608 - our names
                    [sqlite_row(row) for row in batch],
                )


def build_rollups() -> None:
    """The rollups from the loaded reports, as an operator's ``--rebuild`` makes them."""
    from django.db import transaction

    from safetrail.streetsafe import rollups

    with transaction.atomic():
        rollups.rebuild()


def empty_streetsafe_tables() -> None:
    from django.db import connection, transaction

    from safetrail.streetsafe.models import Cell, CellDay, CellDayTotal, ModerationAction, Report

    with transaction.atomic(), connection.cursor() as cursor:
        for model in (ModerationAction, CellDay, CellDayTotal, Cell, Report):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608 - our names


def time_calls(work, arguments: list, warm: int = 3) -> tuple[list[float], list[int]]:
    """Milliseconds each ``work(argument)`` took (after ``warm`` calls to warm up), and the
    length of what each returned."""
    for argument in arguments[:warm]:
        work(argument)
    times, sizes = [], []
    for argument in arguments:
        started = time.perf_counter()
        result = work(argument)
        times.append((time.perf_counter() - started) * 1000)
        sizes.append(len(result))
    return times, sizes


def from_reports(resolution: int, viewport) -> list[tuple]:
    """The viewport's counts computed from the reports' points, without the rollups."""
    from django.db.models import Count

    from safetrail.streetsafe.models import Report

    column = f"cell_{resolution}"
    return list(
        Report.objects.filter(
            hidden=False,
            latitude__gte=viewport.south,
            latitude__lte=viewport.north,
            longitude__gte=viewport.west,
            longitude__lte=viewport.east,
        )
        .values(column)
        .annotate(total=Count("id"), days=Count("happened_on", distinct=True))
        .values_list(column, "total", "days")
    )


def check_ingest(name: str, config: dict[str, Any]) -> None:
    from safetrail.streetsafe import rollups
    from safetrail.streetsafe.models import Report

    prefix = f"ingest_{name}"
    # Every report was sent with a point of its own, and only this run wrote
    # to the database: each acknowledged point must be in a row.
    acknowledged = Counter((latitude, longitude) for latitude, longitude in config["points"])
    stored = Counter(Report.objects.values_list("latitude", "longitude"))
    lost = sum((acknowledged - stored).values())
    emit(
        f"{prefix}_lost",
        lost,
        "reports",
        goal=f"0 lost at {FULL_CLIENTS} concurrent clients",
        ok=lost == 0 and bool(acknowledged),
        clients=config["clients"],
    )
    emit(f"{prefix}_acknowledged", acknowledged.total(), "reports", sent=config["sent"])
    emit(f"{prefix}_stored", stored.total(), "reports")
    problems = rollups.check()
    emit(f"{prefix}_rollups_in_step", len(problems), "differences", goal="0", ok=not problems)
    for problem in problems[:5]:
        note(problem)


def measure_map(name: str, config: dict[str, Any]) -> None:
    from django.conf import settings
    from django.db import connection
    from django.db.models import Sum

    from safetrail.streetsafe import cells, rollups, services
    from safetrail.streetsafe.models import Cell, CellDay, Report

    prefix = f"map_{name}"
    count = config["map_reports"]
    stage("emptying the tables")
    empty_streetsafe_tables()
    stage(f"loading {count:,} reports")
    with bulk_session():
        started = time.perf_counter()
        load_reports(count, random.Random(SEED + 1))
        loaded = time.perf_counter()
        stage("building the rollups")
        build_rollups()
        built = time.perf_counter()
    emit(f"{prefix}_load_reports", round(loaded - started, 1), "s", reports=count)
    emit(f"{prefix}_build_rollups", round(built - loaded, 1), "s", cells=Cell.objects.count())
    if config["check"]:
        stage("checking the rollups")
        problems = rollups.check()
        # rollups.check() compares Cell; CellDay's totals must add up to the reports too.
        visible = Report.objects.filter(hidden=False).count()
        for resolution in cells.RESOLUTIONS:
            total = CellDay.objects.filter(resolution=resolution).aggregate(sum=Sum("total"))
            if total["sum"] != visible:
                problems.append(f"CellDay at {resolution} counts {total['sum']}, not {visible}")
        emit(f"{prefix}_rollups_in_step", len(problems), "differences", goal="0", ok=not problems)
        for problem in problems[:5]:
            note(problem)
    if connection.vendor == "postgresql":
        stage("ANALYZE")
        with connection.cursor() as cursor:
            for model in (Report, Cell, CellDay):
                cursor.execute(f"ANALYZE {model._meta.db_table}")

    boxes = [
        services.Viewport(south=s, west=w, north=n, east=e)
        for s, w, n, e in viewports(config["viewports"], random.Random(SEED + 2))
    ]
    full = count >= FULL_MAP_REPORTS
    goal = (
        f"p95 < {MAP_GOAL_MS} ms at {FULL_MAP_REPORTS:,} reports" if name == "postgresql" else None
    )
    for resolution in (8, 9):
        stage(f"timing viewports at resolution {resolution}")
        times, in_view = time_calls(
            lambda box, r=resolution: services.cells_in_viewport(r, box), boxes
        )
        p95 = percentile(times, 0.95)
        extra = {"goal": goal, "ok": (p95 < MAP_GOAL_MS if full else None)} if goal else {}
        emit(f"{prefix}_r{resolution}", round(p95, 2), "ms p95", **extra)
        emit(f"{prefix}_r{resolution}_p50", round(statistics.median(times), 2), "ms")
        emit(
            f"{prefix}_r{resolution}_cells_in_view",
            statistics.median(in_view),
            "cells (median)",
            most=max(in_view),
        )
        stage(f"counting from the reports at resolution {resolution}")
        scans, _ = time_calls(
            lambda box, r=resolution: from_reports(r, box), boxes[:SCAN_VIEWPORTS], warm=1
        )
        scan = statistics.median(scans)
        emit(f"{prefix}_r{resolution}_from_reports", round(scan, 1), "ms (median)")
        emit(
            f"{prefix}_r{resolution}_from_reports_vs_rollup",
            round(scan / statistics.median(times), 1),
            "x",
        )
    stage("timing public_cells")
    times, _ = time_calls(services.public_cells, boxes)
    emit(
        f"{prefix}_public",
        round(percentile(times, 0.95), 2),
        "ms p95",
        p50=round(statistics.median(times), 2),
        resolution=settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION,
        k=settings.SAFETRAIL_STREETSAFE_K,
    )


def child(config_path: str) -> int:
    """Run inside Django, with the server's environment: the ingest check, then the map."""
    import django

    config = json.loads(Path(config_path).read_text())
    VERBOSE["on"] = config["verbose"]
    django.setup()
    if config["ingest"]:
        check_ingest(config["backend"], config)
    if config["map_reports"]:
        measure_map(config["backend"], config)
    return 0


# --- the run ------------------------------------------------------------------------------


def run_backend(backend: Backend, options: argparse.Namespace, redis_url: str) -> None:
    directory = Path(tempfile.mkdtemp(prefix="safetrail-bench-"))
    try:
        stage(f"{backend.name}: a fresh database")
        environment = server_environment(
            directory, backend.create(directory), redis_url, options.conn_max_age
        )
        migrate(environment)
        config: dict[str, Any] = {
            "backend": backend.name,
            "ingest": options.reports > 0,
            "map_reports": options.map_reports,
            "viewports": options.viewports,
            "check": options.quick or options.check,
            "clients": options.clients,
            "verbose": options.verbose,
        }
        if options.reports:
            config.update(ingest(backend, environment, options, directory / "server.log"))
            config["ingest"] = bool(config["sent"])
        config_path = directory / "child.json"
        config_path.write_text(json.dumps(config))
        stage("the child process: Django, the ingest check, the map")
        subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", str(config_path)],
            env=environment,
            check=True,
            timeout=3 * 60 * 60,
        )
    finally:
        stage("dropping the database")
        try:
            backend.drop()
        finally:
            shutil.rmtree(directory, ignore_errors=True)


def stop_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)  # so every ``finally`` (databases, servers) runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--backends", default="postgresql,sqlite", help="comma-separated")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="an admin connection URL")
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="a Redis database to use")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=0,
        help="the server's SAFETRAIL_DB_CONN_MAX_AGE (0, the default: a connection per request)",
    )
    parser.add_argument("--clients", type=int, help="concurrent clients (200; quick 20)")
    parser.add_argument("--reports", type=int, help="reports sent per backend (0: no ingest)")
    parser.add_argument("--map-reports", type=int, help="reports on the map (0: no map)")
    parser.add_argument("--viewports", type=int, help="viewports timed")
    parser.add_argument("--check", action="store_true", help="rollups.check() at full size too")
    parser.add_argument("--verbose", action="store_true", help="say what runs, on stderr")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    VERBOSE["on"] = options.verbose
    if options.child:
        return child(options.child)

    quick = options.quick
    for name, full, small in (
        ("clients", FULL_CLIENTS, QUICK_CLIENTS),
        ("reports", FULL_REPORTS, QUICK_REPORTS),
        ("map_reports", FULL_MAP_REPORTS, QUICK_MAP_REPORTS),
        ("viewports", FULL_VIEWPORTS, QUICK_VIEWPORTS),
    ):
        if getattr(options, name) is None:
            setattr(options, name, small if quick else full)
    names = [name.strip() for name in options.backends.split(",") if name.strip()]
    unknown = set(names) - {"postgresql", "sqlite"}
    if unknown:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    postgres = postgres_version(options.postgres) if "postgresql" in names else None
    if postgres is None and "postgresql" in names:
        names.remove("postgresql")
    redis_url = options.redis if options.redis and redis_reachable(options.redis) else ""

    signal.signal(signal.SIGTERM, stop_on_sigterm)
    started = time.perf_counter()
    emit(
        "parameters",
        {
            "quick": quick,
            "backends": names,
            "clients": options.clients,
            "reports_sent": options.reports,
            "workers": options.workers,
            "conn_max_age": options.conn_max_age,
            "map_reports": options.map_reports,
            "viewports": options.viewports,
            "viewport_km": VIEWPORT_KM,
            "pow_max_number": POW_MAX_NUMBER,
            "shared_cache": "redis" if redis_url else None,
            "python": sys.version.split()[0],
            "sqlite": sqlite3.sqlite_version,
            "postgresql": postgres,
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg()[0],
        },
        None,
    )
    try:
        for name in names:
            run_backend(Backend(name, admin_url=options.postgres), options, redis_url)
        stage("done")
    finally:
        if redis_url:
            redis_cleanup(redis_url)
    emit("total_seconds", round(time.perf_counter() - started, 1), "s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
