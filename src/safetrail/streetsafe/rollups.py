"""Keeping ``Cell``, ``CellDay`` and ``CellDayTotal`` in step with the visible reports.

``apply(report, +1)`` counts a report in, ``apply(report, -1)`` takes it out
(a moderator hid it). Both run inside the caller's transaction, so a report and
its counts are stored together or not at all.

Each table gets one ``INSERT ... ON CONFLICT DO UPDATE`` for all resolutions
at once, which SQLite and PostgreSQL both speak. The number of distinct days
matters (the public map's k-threshold depends on it), and it is decided by
``CellDayTotal``, keyed by cell and the day a report *arrived*: two writers
adding the first report of a day to a cell queue on that row, so exactly one
of them sees a total of 1 and counts the day in; taking out the last report
of a day (total 0) counts it out. The cell's own totals are additions, so
they need no more.

Why the day of arrival, not the day people say it happened: a sender types
the latter, so one person could report one place for five past days in one
sitting and make it public. The day of arrival is the server's, so reaching
k takes reports on k real days. ``CellDay`` (the analysts' filters) and a
cell's first and last day stay by the day it happened.

On PostgreSQL the three upserts are one statement (data-modifying WITH):
each report costs the database noticeably less that way than with three
(bench/streetsafe.py's ingest figures), on a new connection above all. Every
writer takes its rows in the same order, so two cannot deadlock: the per-band
row and the day total of resolution 7, then of 8, 9 and 10 (the day totals
read the band upsert's RETURNING row by row), then the cells in the order of
RESOLUTIONS. PostgreSQL does not promise an order between WITH parts in
general; this one holds because the cell insert's correlated COUNT(*) reads
all of ``totals`` before its first row is written. Keep it a scalar subquery:
as a join, the planner could write cells first. On SQLite the three are
separate statements inside the caller's write transaction, where no other
writer can come in between.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count, Max, Min

from safetrail.streetsafe import cells, domain
from safetrail.streetsafe.models import REASON_COLUMNS, Cell, CellDay, CellDayTotal, Report

# Table and column names below are this module's constants; values are parameters.
CELL_TABLE = Cell._meta.db_table
DAY_TABLE = CellDay._meta.db_table
TOTAL_TABLE = CellDayTotal._meta.db_table

_DAY_COLUMNS = ("total", *REASON_COLUMNS)
_KEPT = len(cells.RESOLUTIONS)
_REBUILD_BATCH = 5000


def _values(count: int, width: int) -> str:
    row = "(" + ", ".join(["%s"] * width) + ")"
    return ", ".join([row] * count)


# The day, band and counts are the same for every resolution, so they are
# sent once and joined to the (resolution, cell) pairs. (VALUES columns are
# column1, column2 in SQLite and PostgreSQL alike; SQLite needs the WHERE
# before an upsert's ON CONFLICT.) Parameters: day, band, sign, one per
# reason, then a resolution and a cell for each resolution kept.
_DAY_UPSERT = (
    f"INSERT INTO {DAY_TABLE} (resolution, cell, day, band, {', '.join(_DAY_COLUMNS)}) "
    f"SELECT v.column1, v.column2, {', '.join(['%s'] * (2 + len(_DAY_COLUMNS)))} "
    f"FROM (VALUES {_values(_KEPT, 2)}) AS v WHERE true "
    "ON CONFLICT (resolution, cell, day, band) DO UPDATE SET "
    + ", ".join(f"{column} = {DAY_TABLE}.{column} + excluded.{column}" for column in _DAY_COLUMNS)
)
_TOTAL_CONFLICT = (
    "ON CONFLICT (resolution, cell, day) DO UPDATE SET "
    f"total = {TOTAL_TABLE}.total + excluded.total"
)
# SQLite. Parameters: day of arrival, sign, then a resolution and a cell for each kept.
_TOTAL_UPSERT = (
    f"INSERT INTO {TOTAL_TABLE} (resolution, cell, day, total) "
    f"SELECT v.column1, v.column2, %s, %s FROM (VALUES {_values(_KEPT, 2)}) AS v WHERE true "
    + _TOTAL_CONFLICT
)
# SQLite: the day totals just written (no RETURNING, which needs SQLite 3.35;
# the write transaction keeps other writers out until it ends). Parameters:
# the day of arrival, then a resolution and a cell for each kept.
_TOTALS_NOW = (
    f"SELECT resolution, total FROM {TOTAL_TABLE} WHERE day = %s AND ("
    + " OR ".join(["(resolution = %s AND cell = %s)"] * _KEPT)
    + ")"
)
_CELL_CONFLICT = (
    "ON CONFLICT (resolution, cell) DO UPDATE SET "
    f"total = {CELL_TABLE}.total + excluded.total, "
    f"days = {CELL_TABLE}.days + excluded.days, "
    # A cell whose reports were all hidden keeps its old span; the first
    # report back starts a new one. (Every SET reads the row as it was.)
    f"first_day = CASE WHEN {CELL_TABLE}.total <= 0 "
    f"OR excluded.first_day < {CELL_TABLE}.first_day "
    f"THEN excluded.first_day ELSE {CELL_TABLE}.first_day END, "
    f"last_day = CASE WHEN {CELL_TABLE}.total <= 0 "
    f"OR excluded.last_day > {CELL_TABLE}.last_day "
    f"THEN excluded.last_day ELSE {CELL_TABLE}.last_day END"
)
_CELL_COLUMNS = "(resolution, cell, latitude, longitude, total, days, first_day, last_day)"
# SQLite: the days gained or lost come from the day totals just written.
_CELL_UPSERT = (
    f"INSERT INTO {CELL_TABLE} {_CELL_COLUMNS} VALUES {_values(_KEPT, 8)} {_CELL_CONFLICT}"
)
# PostgreSQL: all three in one. Parameters: those of _DAY_UPSERT, then the
# day of arrival and sign for the day totals, then sign (the cell's total), the day total
# that means a day changed (1 counting in, 0 taking out), sign (the days),
# day, day, and a resolution, cell, latitude and longitude for each kept.
_APPLY_POSTGRESQL = (
    f"WITH bands AS ({_DAY_UPSERT} RETURNING resolution, cell), "
    f"totals AS (INSERT INTO {TOTAL_TABLE} (resolution, cell, day, total) "
    f"SELECT resolution, cell, %s, %s FROM bands {_TOTAL_CONFLICT} RETURNING resolution, total) "
    f"INSERT INTO {CELL_TABLE} {_CELL_COLUMNS} "
    "SELECT v.column1, v.column2, v.column3, v.column4, %s, "
    "(SELECT COUNT(*) FROM totals WHERE totals.resolution = v.column1 AND totals.total = %s) * %s, "
    f"%s, %s FROM (VALUES {_values(_KEPT, 4)}) AS v WHERE true {_CELL_CONFLICT}"
)


def apply(report: Report, sign: int) -> None:
    if sign not in (1, -1):
        raise ValueError("sign must be 1 or -1")
    reasons = [sign if report.reasons & reason.bit else 0 for reason in domain.REASONS]
    day = report.happened_on
    arrived = report.received_on
    # Always in the order of RESOLUTIONS, so rows are locked in a fixed order.
    kept = [(resolution, report.cell(resolution)) for resolution in cells.RESOLUTIONS]
    pairs = [value for pair in kept for value in pair]
    bands = [day, report.band, sign, *reasons, *pairs]
    # A day total of 1 after counting in is a new day; of 0 after taking out, a day gone.
    day_changed = 1 if sign == 1 else 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            places = []
            for resolution, cell in kept:
                middle = cells.centre(cell)
                places += [resolution, cell, middle.latitude, middle.longitude]
            cells_part = [sign, day_changed, sign, day, day, *places]
            cursor.execute(_APPLY_POSTGRESQL, [*bands, arrived, sign, *cells_part])
        else:
            cursor.execute(_DAY_UPSERT, bands)
            cursor.execute(_TOTAL_UPSERT, [arrived, sign, *pairs])
            cursor.execute(_TOTALS_NOW, [arrived, *pairs])
            totals = cursor.fetchall()
            changed = {resolution for resolution, total in totals if total == day_changed}
            rows: list = []
            for resolution, cell in kept:
                middle = cells.centre(cell)
                days = sign if resolution in changed else 0
                rows += [resolution, cell, middle.latitude, middle.longitude, sign, days, day, day]
            cursor.execute(_CELL_UPSERT, rows)
    if sign == -1:
        for resolution, cell in kept:
            _refresh_span(resolution, cell)


def _refresh_span(resolution: int, cell: str) -> None:
    """After taking a report out, first and last day are those of what is left."""
    span = CellDay.objects.filter(resolution=resolution, cell=cell, total__gt=0).aggregate(
        first=Min("day"), last=Max("day")
    )
    if span["first"] is not None:
        Cell.objects.filter(resolution=resolution, cell=cell).update(
            first_day=span["first"], last_day=span["last"]
        )


def rebuild() -> int:
    """Recount every rollup from the visible reports. For repair after a restore; returns cells.

    In bulk (a GROUP BY over the reports per resolution, not ``apply`` per
    report), so a million reports take about a minute (bench/streetsafe.py),
    in one transaction, so the maps never see half-built counts. It may run
    while the service takes reports: on PostgreSQL the rollup tables are
    locked against other writers first, so a report arriving meanwhile waits
    and is then counted on top of the rebuilt rows (maps still read the old
    ones until the end). SQLite lets one writer in at a time anyway.
    """
    reports = Report._meta.db_table
    by_reason = ", ".join(
        f"SUM(CASE WHEN (reasons & {reason.bit}) <> 0 THEN 1 ELSE 0 END)"
        for reason in domain.REASONS
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # In the order apply() takes their rows, so a rebuild and a report cannot deadlock.
            cursor.execute(f"LOCK TABLE {DAY_TABLE}, {TOTAL_TABLE}, {CELL_TABLE} IN EXCLUSIVE MODE")
        for table in (DAY_TABLE, TOTAL_TABLE, CELL_TABLE):
            cursor.execute(f"DELETE FROM {table}")
        for resolution in cells.RESOLUTIONS:
            column = f"cell_{resolution}"
            cursor.execute(
                f"INSERT INTO {DAY_TABLE} (resolution, cell, day, band, {', '.join(_DAY_COLUMNS)}) "
                f"SELECT %s, {column}, happened_on, band, COUNT(*), {by_reason} "
                f"FROM {reports} WHERE hidden = %s GROUP BY {column}, happened_on, band",
                [resolution, False],
            )
            cursor.execute(
                f"INSERT INTO {TOTAL_TABLE} (resolution, cell, day, total) "
                f"SELECT %s, {column}, received_on, COUNT(*) FROM {reports} "
                f"WHERE hidden = %s GROUP BY {column}, received_on",
                [resolution, False],
            )
            cursor.execute(
                f"SELECT {column}, COUNT(*), COUNT(DISTINCT received_on), "
                f"MIN(happened_on), MAX(happened_on) FROM {reports} WHERE hidden = %s "
                f"GROUP BY {column}",
                [False],
            )
            rows = []
            for cell, *counts in cursor.fetchall():
                middle = cells.centre(cell)
                rows.append((resolution, cell, middle.latitude, middle.longitude, *counts))
            for start in range(0, len(rows), _REBUILD_BATCH):
                cursor.executemany(
                    f"INSERT INTO {CELL_TABLE} {_CELL_COLUMNS} VALUES {_values(1, 8)}",
                    rows[start : start + _REBUILD_BATCH],
                )
    return Cell.objects.count()


def check() -> list[str]:
    """Differences between the rollups and a count of the reports (empty when in step)."""
    problems: list[str] = []
    visible = Report.objects.filter(hidden=False)
    for resolution in cells.RESOLUTIONS:
        column = f"cell_{resolution}"
        counted = {
            row[column]: (row["total"], row["days"])
            for row in visible.values(column).annotate(
                total=Count("id"), days=Count("received_on", distinct=True)
            )
        }
        # A cell emptied by hides stays at (0, 0): the same as no row at all.
        stored = {
            row.cell: (row.total, row.days)
            for row in Cell.objects.filter(resolution=resolution).exclude(total=0, days=0)
        }
        for cell in sorted(set(counted) | set(stored)):
            if counted.get(cell) != stored.get(cell):
                problems.append(
                    f"resolution {resolution} cell {cell}: reports say {counted.get(cell)}, "
                    f"rollup says {stored.get(cell)}"
                )
        # The day totals decide the days of every later report: checked too.
        counted_days = {
            (row[column], row["received_on"]): row["total"]
            for row in visible.values(column, "received_on").annotate(total=Count("id"))
        }
        stored_days = {
            (row.cell, row.day): row.total
            for row in CellDayTotal.objects.filter(resolution=resolution).exclude(total=0)
        }
        for cell, day in sorted(set(counted_days) | set(stored_days)):
            if counted_days.get((cell, day)) != stored_days.get((cell, day)):
                problems.append(
                    f"resolution {resolution} cell {cell} on {day}: reports say "
                    f"{counted_days.get((cell, day))}, day total says "
                    f"{stored_days.get((cell, day))}"
                )
    return problems
