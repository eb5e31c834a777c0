"""Keeping ``Cell`` and ``CellDay`` in step with the visible reports.

``apply(report, +1)`` counts a report in, ``apply(report, -1)`` takes it out
(a moderator hid it). Both run inside the caller's transaction, so a report and
its counts are stored together or not at all.

Each change is one ``INSERT ... ON CONFLICT DO UPDATE`` per table and
resolution, which SQLite and PostgreSQL both speak. The cell row is written
first: that takes its row lock, so two reports in the same cell on PostgreSQL
queue behind each other, and the "is this a new day for the cell?" question
below always sees the other's committed rows. Resolutions are always taken in
the same order, so two writers cannot deadlock. The number of distinct days
matters: the public map's k-threshold depends on it.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, Max, Min

from safetrail.streetsafe import cells, domain
from safetrail.streetsafe.models import REASON_COLUMNS, Cell, CellDay, Report

# Table and column names below are this module's constants; values are parameters.
CELL_TABLE = Cell._meta.db_table
DAY_TABLE = CellDay._meta.db_table

_DAY_COLUMNS = ("total", *REASON_COLUMNS)
_KEPT = len(cells.RESOLUTIONS)


def _values(count: int, width: int) -> str:
    row = "(" + ", ".join(["%s"] * width) + ")"
    return ", ".join([row] * count)


# One statement per table for all resolutions at once: a report costs four
# statements here, not sixteen (see bench/streetsafe.py's ingest figures).
_CELL_INSERT = (
    f"INSERT INTO {CELL_TABLE} "
    "(resolution, cell, latitude, longitude, total, days, first_day, last_day) "
    f"VALUES {_values(_KEPT, 8)} "
    "ON CONFLICT (resolution, cell) DO UPDATE SET "
    f"total = {CELL_TABLE}.total + excluded.total, "
    # A cell whose reports were all hidden keeps its old span; the first
    # report back starts a new one. (Every SET reads the row as it was.)
    f"first_day = CASE WHEN {CELL_TABLE}.total <= 0 "
    f"OR excluded.first_day < {CELL_TABLE}.first_day "
    f"THEN excluded.first_day ELSE {CELL_TABLE}.first_day END, "
    f"last_day = CASE WHEN {CELL_TABLE}.total <= 0 "
    f"OR excluded.last_day > {CELL_TABLE}.last_day "
    f"THEN excluded.last_day ELSE {CELL_TABLE}.last_day END"
)
# The day, band and counts are the same for every resolution, so they are
# sent once and joined to the (resolution, cell) pairs: fewer than 50
# parameters, so psycopg caches the parsed statement instead of splitting it
# again for every report. (VALUES columns are column1, column2 in SQLite and
# PostgreSQL alike; SQLite needs the WHERE before an upsert's ON CONFLICT.)
_DAY_INSERT = (
    f"INSERT INTO {DAY_TABLE} (resolution, cell, day, band, {', '.join(_DAY_COLUMNS)}) "
    f"SELECT v.column1, v.column2, {', '.join(['%s'] * (2 + len(_DAY_COLUMNS)))} "
    f"FROM (VALUES {_values(_KEPT, 2)}) AS v WHERE true "
    "ON CONFLICT (resolution, cell, day, band) DO UPDATE SET "
    + ", ".join(f"{column} = {DAY_TABLE}.{column} + excluded.{column}" for column in _DAY_COLUMNS)
)
_IN = ", ".join(["%s"] * _KEPT)
# PostgreSQL: the day upsert and the day count in one statement. The upsert
# says which rows it made new (total 1) and the count looks, in the snapshot
# the statement started with, for other bands of the same day. That snapshot
# is taken after the cell upsert's row lock was granted, so it holds every
# report committed before ours in this cell: exactly what _DAYS_CHANGE reads.
# Only for counting in (+1); taking out keeps the two statements.
_DAY_INSERT_COUNTING = (
    f"WITH changed AS ({_DAY_INSERT} RETURNING resolution, cell, total) "
    f"UPDATE {CELL_TABLE} SET days = {CELL_TABLE}.days + 1 FROM changed "
    f"WHERE {CELL_TABLE}.resolution = changed.resolution AND {CELL_TABLE}.cell = changed.cell "
    "AND changed.total = 1 AND NOT EXISTS ("
    f"SELECT 1 FROM {DAY_TABLE} d WHERE d.resolution = changed.resolution "
    "AND d.cell = changed.cell AND d.day = %s AND d.band <> %s AND d.total > 0)"
)
# The day's total in each cell, after the upsert above, decides whether the
# cell gained a day (its first report that day: total 1) or lost one (its
# last went: total 0). Counted and applied in one statement, under the cell
# row's lock taken by the first upsert.
_DAYS_CHANGE = (
    f"UPDATE {CELL_TABLE} SET days = days + %s "
    f"WHERE resolution IN ({_IN}) AND cell IN ({_IN}) AND "
    f"(SELECT COALESCE(SUM(d.total), 0) FROM {DAY_TABLE} d "
    f"WHERE d.resolution = {CELL_TABLE}.resolution AND d.cell = {CELL_TABLE}.cell "
    "AND d.day = %s) = %s"
)


def apply(report: Report, sign: int) -> None:
    if sign not in (1, -1):
        raise ValueError("sign must be 1 or -1")
    reasons = [sign if report.reasons & reason.bit else 0 for reason in domain.REASONS]
    day = report.happened_on
    # Always in the order of RESOLUTIONS: the cell rows' locks are taken in a
    # fixed order, so two writers cannot deadlock.
    kept = [(resolution, report.cell(resolution)) for resolution in cells.RESOLUTIONS]
    cell_rows: list = []
    day_rows: list = [day, report.band, sign, *reasons]
    for resolution, cell in kept:
        middle = cells.centre(cell)
        cell_rows += [resolution, cell, middle.latitude, middle.longitude, sign, 0, day, day]
        day_rows += [resolution, cell]
    resolutions = [resolution for resolution, _ in kept]
    cell_ids = [cell for _, cell in kept]
    with connection.cursor() as cursor:
        cursor.execute(_CELL_INSERT, cell_rows)
        if sign == 1 and connection.vendor == "postgresql":
            cursor.execute(_DAY_INSERT_COUNTING, [*day_rows, day, report.band])
            return
        cursor.execute(_DAY_INSERT, day_rows)
        cursor.execute(_DAYS_CHANGE, [sign, *resolutions, *cell_ids, day, 1 if sign == 1 else 0])
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
    """Recount every rollup from the reports. For repair after a restore; returns cells."""
    CellDay.objects.all().delete()
    Cell.objects.all().delete()
    for report in Report.objects.filter(hidden=False).iterator(chunk_size=2000):
        apply(report, 1)
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
                total=Count("id"), days=Count("happened_on", distinct=True)
            )
        }
        stored = {
            row.cell: (row.total, row.days)
            for row in Cell.objects.filter(resolution=resolution, total__gt=0)
        }
        for cell in sorted(set(counted) | set(stored)):
            if counted.get(cell) != stored.get(cell):
                problems.append(
                    f"resolution {resolution} cell {cell}: reports say {counted.get(cell)}, "
                    f"rollup says {stored.get(cell)}"
                )
    return problems
