"""Diary benchmark: a case's overview over many incidents, against decrypting alone.

    .venv/bin/python bench/diary.py          # 5,000 incidents, median of 5 runs
    .venv/bin/python bench/diary.py --quick  # 500 incidents, median of 3 runs

Prints one JSON object per line (see bench/README.md). Sets Django up on its
own with the test settings (a throwaway data dir, cheap key derivation: the
set-up is not what is measured) and a temporary SQLite file, then writes one
case through the diary's services: made-up incidents from the demo's story
(``safetrail.diary.demo.random_incident``), a tenth of them quick logs later
completed by an amendment and a few more corrected by one. Every write keeps
the case index in step, as it does in use; ``index_kept_in_step`` says the
index they left is exactly the one a rebuild makes (the run stops if not).
Measured in one run:

- ``overview``: ``diary.services.case_overview`` for the case, as the overview
  page calls it: open the case's sealed index (checking its counts against
  the database's), summarise every incident from it, and open the incidents
  (and their amendments) on the first page of the table. Median of the runs.
  Goal: < 300 ms at 5,000.
- ``decrypt_only``: the comparison. ``vault.services.record_open`` over every
  incident and amendment row of the case, already loaded from the database,
  and nothing else: what the overview cost at least before it had an index.
  Median of the runs. Goal for ``overview``: within 2x of it.
- ``index_rebuild``: the cold path, beside it: ``case_overview`` when the case
  has no index (a case from before the index, or one whose index is out of
  step): open every incident and amendment, build the index, seal and store
  it, then show the first page. Median of the runs, the index deleted before
  each (outside the timing). No goal; ``index_rebuild_vs_decrypt_only``
  beside it. A person meets it once per case, not on every visit.
- ``fetch_and_decrypt``: ``decrypt_only`` with the two queries that load the
  rows (as plain values, not model instances) inside the timing: how much of
  decrypting everything is the database. No goal.
- ``warnings_from_index``: ``risk.services.case_warnings`` from the index's
  summaries, as the overview page also calls it. No goal.
- ``overview_peak_memory``: the peak of Python's allocations (tracemalloc)
  during one more ``case_overview``, above what was allocated before it.
- ``index_size``: the sealed index's size.
- ``incident_create`` and ``incident_create_no_index``: what a write costs with
  the index kept in step (open it, add the entry, seal and store it again),
  and with no index to keep (the same case, its index deleted). Median of the
  runs, each a new incident. What the index costs the person when they write.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FULL_INCIDENTS = 5_000
QUICK_INCIDENTS = 500
OVERVIEW_GOAL_MS = 300
PASSWORD = "correct horse battery staple"  # noqa: S105 - a benchmark input
MIB = 1024 * 1024


def emit(name: str, value: Any, unit: str | None, **goal: Any) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit, **goal}), flush=True)


def setup_django(directory: Path) -> None:
    """Django with the test settings, on a fresh SQLite file in ``directory``."""
    sys.path.insert(0, str(ROOT))  # for tests.settings
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ["SAFETRAIL_DATA_DIR"] = str(directory)
    os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'bench.sqlite3'}"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)


def build_case(count: int, rng: random.Random):
    """One case with ``count`` incidents, written through the services. Returns it, open."""
    from django.db import transaction

    from safetrail.accounts import services as accounts
    from safetrail.diary import content, demo
    from safetrail.diary import services as diary

    user, account_key, _ = accounts.account_create(username="bench", password=PASSWORD)
    open_case = diary.case_create(
        owner=user, account_key=account_key, name="Benchmark case (fictional)"
    )
    first_day = date(2023, 1, 2)
    with transaction.atomic():
        for _ in range(count):
            record = demo.random_incident(rng, first_day + timedelta(days=rng.randrange(1000)))
            roll = rng.random()
            if roll < 0.1:  # a quick log, completed later
                quick = {
                    "quick": True,
                    "when": record["when"],
                    "where": record["where"],
                    "what_happened": record["what_happened"][:40],
                }
                incident = diary.incident_create(open_case=open_case, data=quick)
                diary.incident_amend(
                    open_case=open_case,
                    incident_id=incident.id,
                    reason="Added the details I didn't have time to write at the time.",
                    changes=content.changed_fields(
                        {**content.empty_incident(), **quick}, {**record, "quick": False}
                    ),
                )
            else:
                incident = diary.incident_create(open_case=open_case, data=record)
                if roll > 0.95:  # a later correction
                    diary.incident_amend(
                        open_case=open_case,
                        incident_id=incident.id,
                        reason="I remembered more.",
                        changes={"effect": record["effect"] + " It still worries me."},
                    )
    return open_case


def sealed_rows(open_case) -> list[tuple[str, Any, bytes]]:
    from safetrail.diary.models import Amendment, Incident

    incidents = Incident.objects.filter(case=open_case.case).values_list("id", "sealed")
    amendments = Amendment.objects.filter(incident__case=open_case.case).values_list("id", "sealed")
    return [("diary_incident", row_id, sealed) for row_id, sealed in incidents] + [
        ("diary_amendment", row_id, sealed) for row_id, sealed in amendments
    ]


def decrypt(open_case, rows: list[tuple[str, Any, bytes]]) -> int:
    from safetrail.vault import services as vault

    opened = 0
    for table, row_id, sealed in rows:
        vault.record_open(
            key=open_case.key, table=table, row_id=row_id, case_id=open_case.id, sealed=sealed
        )
        opened += 1
    return opened


def drop_index(open_case) -> None:
    from safetrail.diary.models import CaseIndex

    CaseIndex.objects.filter(case=open_case.case).delete()


def index_size(open_case) -> int:
    from safetrail.diary.models import CaseIndex

    return len(CaseIndex.objects.get(case=open_case.case).sealed)


def timed(work, runs: int, before=None) -> float:
    """The median of ``runs`` timings of ``work()``, in seconds; ``before()`` untimed."""
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of one run")
    options = parser.parse_args(argv)

    count = QUICK_INCIDENTS if options.quick else FULL_INCIDENTS
    runs = 3 if options.quick else 5
    directory = Path(tempfile.mkdtemp(prefix="safetrail-bench-"))
    try:
        setup_django(directory)
        from safetrail.diary import case_index, demo
        from safetrail.diary import services as diary
        from safetrail.diary.models import Amendment
        from safetrail.diary.overview import PAGE_SIZE
        from safetrail.risk import services as risk

        started = time.perf_counter()
        open_case = build_case(count, random.Random(2026))
        amendments = Amendment.objects.filter(incident__case=open_case.case).count()
        emit(
            "parameters",
            {
                "quick": options.quick,
                "incidents": count,
                "amendments": amendments,
                "runs": runs,
                "page_size": PAGE_SIZE,
                "setup_seconds": round(time.perf_counter() - started, 1),
                "python": sys.version.split()[0],
                "sqlite": sqlite3.sqlite_version,
                "cpus": os.cpu_count(),
            },
            None,
        )

        # The index every write kept in step must be the one a rebuild would make.
        kept = diary._index_stored(open_case)
        fresh = case_index.built(
            (view.summary.id, view.current, view.recorded_at, len(view.amendments))
            for view in diary.incidents_all(open_case)
        )
        emit("index_kept_in_step", kept == fresh, None)
        if kept != fresh:
            raise RuntimeError("the writes did not keep the case index in step")

        diary.case_overview(open_case)  # warm up: imports, query compilation, caches
        overview_seconds = timed(lambda: diary.case_overview(open_case), runs)
        rows = sealed_rows(open_case)
        if decrypt(open_case, rows) != count + amendments:
            raise RuntimeError("decrypted the wrong number of records")
        decrypt_seconds = timed(lambda: decrypt(open_case, rows), runs)
        fetch_seconds = timed(lambda: decrypt(open_case, sealed_rows(open_case)), runs)
        rebuild_seconds = timed(
            lambda: diary.case_overview(open_case), runs, before=lambda: drop_index(open_case)
        )
        shown = diary.case_overview(open_case)
        if shown.total != count or len(shown.rows) != min(count, PAGE_SIZE):
            raise RuntimeError("the overview did not count every incident")
        warnings_seconds = timed(
            lambda: risk.case_warnings(open_case, indexed=shown.incidents), runs
        )

        overview_ms = overview_seconds * 1000
        emit(
            "overview",
            round(overview_ms, 1),
            "ms",
            goal=f"< {OVERVIEW_GOAL_MS} ms at {FULL_INCIDENTS:,} incidents",
            ok=overview_ms < OVERVIEW_GOAL_MS if count >= FULL_INCIDENTS else None,
        )
        emit("decrypt_only", round(decrypt_seconds * 1000, 1), "ms")
        emit(
            "overview_vs_decrypt_only",
            round(overview_seconds / decrypt_seconds, 2),
            "x",
            goal="within 2x of decrypting alone",
            ok=overview_seconds <= 2 * decrypt_seconds,
        )
        emit("index_rebuild", round(rebuild_seconds * 1000, 1), "ms")
        emit("index_rebuild_vs_decrypt_only", round(rebuild_seconds / decrypt_seconds, 2), "x")
        emit("fetch_and_decrypt", round(fetch_seconds * 1000, 1), "ms")
        emit("warnings_from_index", round(warnings_seconds * 1000, 1), "ms")

        tracemalloc.start()
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        diary.case_overview(open_case)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        emit("overview_peak_memory", round((peak - before) / MIB, 1), "MiB")
        emit("index_size", round(index_size(open_case) / 1024), "KiB")

        # Last: each of these adds an incident to the case.
        rng = random.Random(7)

        def write() -> None:
            diary.incident_create(
                open_case=open_case, data=demo.random_incident(rng, date(2025, 6, 1))
            )

        emit("incident_create", round(timed(write, runs) * 1000, 1), "ms")
        drop_index(open_case)
        emit("incident_create_no_index", round(timed(write, runs) * 1000, 1), "ms")

        if options.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(diary.case_overview, open_case)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats(
                os.environ.get("PROFILE_SORT", "cumulative")
            ).print_stats(30)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
