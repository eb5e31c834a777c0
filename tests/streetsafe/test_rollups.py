"""The rollups stay in step with the visible reports: after any mix of reports,
"me too"s, hides and shows, and with many writers at once on PostgreSQL."""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connections, transaction

from safetrail.streetsafe import cells, domain, rollups, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import (
    REASON_COLUMNS,
    Cell,
    CellDay,
    CellDayTotal,
    ModerationAction,
    Report,
)

HIDE = ModerationAction.Kind.HIDDEN
SHOW = ModerationAction.Kind.SHOWN
# Three places a street apart (one resolution-8 cell, different finer ones) and one further off.
PLACES = [
    Point(51.5101, -0.1340),
    Point(51.5104, -0.1332),
    Point(51.5098, -0.1345),
    Point(51.5230, -0.0850),
]


@pytest.fixture(autouse=True)
def fresh_limits(settings):
    cache.clear()
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 100_000


def draft(point: Point, *, day: date, band: str = "evening", reasons=("badly_lit",)):
    return services.Draft(
        point=point,
        located_by="map",
        reasons=list(reasons),
        when="another_day",
        band=band,
        day=day,
    )


def report(point: Point = PLACES[0], *, days_ago: int = 3, band: str = "evening", **extra):
    """A report of ``days_ago``, sent that day (``received_on`` in ``extra`` says otherwise)."""
    day = services.today() - timedelta(days=days_ago)
    extra.setdefault("received_on", day)
    return services.report_create(
        draft(point, day=day, band=band), address="198.51.100.7", verified=True, **extra
    )


def expected_rollups() -> tuple[dict, dict, dict]:
    """Cell, CellDay and CellDayTotal counted again from the visible reports, the slow way.

    A cell's days and the day totals go by the day a report arrived; the
    per-band rows and a cell's first and last day by the day it happened.
    """
    cell_rows: dict = {}
    day_rows: dict = defaultdict(lambda: defaultdict(int))
    day_totals: dict = defaultdict(int)
    by_cell: dict = defaultdict(list)
    arrivals: dict = defaultdict(set)
    for item in Report.objects.filter(hidden=False):
        for resolution in cells.RESOLUTIONS:
            cell = item.cell(resolution)
            by_cell[(resolution, cell)].append(item.happened_on)
            arrivals[(resolution, cell)].add(item.received_on)
            day_totals[(resolution, cell, item.received_on)] += 1
            row = day_rows[(resolution, cell, item.happened_on, item.band)]
            row["total"] += 1
            for reason in domain.REASONS:
                if item.reasons & reason.bit:
                    row[f"r_{reason.code}"] += 1
    for key, days in by_cell.items():
        cell_rows[key] = (len(days), len(arrivals[key]), min(days), max(days))
    return cell_rows, {key: dict(value) for key, value in day_rows.items()}, dict(day_totals)


def stored_rollups() -> tuple[dict, dict, dict]:
    cell_rows = {
        (row.resolution, row.cell): (row.total, row.days, row.first_day, row.last_day)
        for row in Cell.objects.filter(total__gt=0)
    }
    day_rows = {}
    for row in CellDay.objects.all():
        values = {
            column: getattr(row, column)
            for column in ("total", *REASON_COLUMNS)
            if getattr(row, column)
        }
        if values:
            day_rows[(row.resolution, row.cell, row.day, row.band)] = values
    day_totals = {
        (row.resolution, row.cell, row.day): row.total
        for row in CellDayTotal.objects.exclude(total=0)
    }
    return cell_rows, day_rows, day_totals


def assert_in_step() -> None:
    assert rollups.check() == []
    assert stored_rollups() == expected_rollups()
    # Cells emptied by hides are kept, at zero, and nothing is ever negative.
    assert not Cell.objects.filter(total__lt=0).exists()
    assert not Cell.objects.filter(days__lt=0).exists()
    assert not CellDay.objects.filter(total__lt=0).exists()
    assert not CellDayTotal.objects.filter(total__lt=0).exists()


# --- one writer -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_many_random_reports_me_toos_hides_and_shows_keep_the_rollups_in_step():
    rng = random.Random(5)
    reason_codes = [reason.code for reason in domain.REASONS]
    band_codes = [band.code for band in domain.BANDS]
    for step in range(300):
        visible = list(Report.objects.filter(hidden=False).values_list("id", flat=True))
        hidden = list(Report.objects.filter(hidden=True).values_list("id", flat=True))
        originals = list(
            Report.objects.filter(hidden=False, same_as__isnull=True).values_list("id", flat=True)
        )
        roll = rng.random()
        # Sent on the day it happened or a few days later.
        days_ago = rng.randint(0, 12)
        sent = services.today() - timedelta(days=rng.randint(0, days_ago))
        if roll < 0.55 or not visible:
            services.report_create(
                draft(
                    rng.choice(PLACES),
                    day=services.today() - timedelta(days=days_ago),
                    band=rng.choice(band_codes),
                    reasons=rng.sample(reason_codes, rng.randint(1, 4)),
                ),
                address="198.51.100.8",
                verified=True,
                received_on=sent,
            )
        elif roll < 0.7 and originals:
            services.report_create(
                draft(
                    PLACES[0],  # ignored: a "me too" takes the original's place
                    day=services.today() - timedelta(days=days_ago),
                    band=rng.choice(band_codes),
                    reasons=rng.sample(reason_codes, rng.randint(1, 3)),
                ),
                address="198.51.100.8",
                verified=True,
                same_as=rng.choice(originals),
                received_on=sent,
            )
        elif roll < 0.85:
            services.moderate(report_id=rng.choice(visible), moderator=None, kind=HIDE)
        elif hidden:
            services.moderate(report_id=rng.choice(hidden), moderator=None, kind=SHOW)
        if step % 25 == 0:
            assert_in_step()

    assert_in_step()
    assert Report.objects.filter(hidden=True).exists()
    assert Report.objects.filter(same_as__isnull=False).exists()
    # Hiding twice or showing a shown report changes nothing.
    some = Report.objects.filter(hidden=False).first()
    services.moderate(report_id=some.id, moderator=None, kind=SHOW)
    services.moderate(report_id=some.id, moderator=None, kind=HIDE)
    services.moderate(report_id=some.id, moderator=None, kind=HIDE)
    assert_in_step()
    # A rebuild from scratch gives the very same rollups.
    before = stored_rollups()
    rollups.rebuild()
    assert stored_rollups() == before


@pytest.mark.django_db
def test_check_finds_a_rollup_out_of_step():
    report()
    assert rollups.check() == []

    Cell.objects.filter(resolution=8).update(total=5)

    problems = rollups.check()
    assert len(problems) == 1
    assert "resolution 8" in problems[0]


@pytest.mark.django_db
def test_check_finds_an_emptied_cell_that_still_counts_a_day():
    made = report()
    services.moderate(report_id=made.id, moderator=None, kind=HIDE)
    assert rollups.check() == []

    Cell.objects.filter(resolution=7).update(days=1)

    problems = rollups.check()
    assert len(problems) == 1
    assert f"resolution 7 cell {made.cell_7}" in problems[0]


@pytest.mark.django_db
def test_check_finds_a_day_total_out_of_step():
    """A wrong day total would count the next report's day wrongly: check() says so."""
    made = report()
    CellDayTotal.objects.filter(resolution=9).update(total=3)

    problems = rollups.check()

    assert len(problems) == 1
    assert f"resolution 9 cell {made.cell_9} on {made.received_on}" in problems[0]


@pytest.mark.django_db
def test_the_first_report_of_a_day_in_a_cell_counts_the_day_once_and_hiding_it_uncounts_it():
    first = report(days_ago=1, band="morning")
    second = report(days_ago=1, band="night")

    total = CellDayTotal.objects.get(resolution=10, cell=first.cell_10, day=first.received_on)
    assert total.total == 2
    assert Cell.objects.get(resolution=10, cell=first.cell_10).days == 1

    services.moderate(report_id=first.id, moderator=None, kind=HIDE)
    services.moderate(report_id=second.id, moderator=None, kind=HIDE)

    total.refresh_from_db()
    assert total.total == 0
    assert Cell.objects.get(resolution=10, cell=first.cell_10).days == 0
    assert_in_step()


@pytest.mark.django_db
def test_days_are_distinct_days_not_bands():
    first = report(days_ago=2, band="morning")
    report(days_ago=2, band="evening")
    report(days_ago=2, band="evening")

    cell = Cell.objects.get(resolution=8, cell=first.cell_8)
    assert (cell.total, cell.days) == (3, 1)
    assert CellDay.objects.filter(resolution=8, cell=first.cell_8).count() == 2

    report(days_ago=5, band="night")

    cell.refresh_from_db()
    assert (cell.total, cell.days) == (4, 2)
    assert_in_step()


@pytest.mark.django_db
def test_days_are_the_days_reports_arrived_and_the_span_the_days_they_happened():
    today = services.today()
    first = report(days_ago=9, received_on=today)
    report(days_ago=4, received_on=today)

    cell = Cell.objects.get(resolution=8, cell=first.cell_8)
    assert (cell.total, cell.days) == (2, 1)
    assert (cell.first_day, cell.last_day) == (today - timedelta(days=9), today - timedelta(days=4))
    assert list(CellDayTotal.objects.filter(resolution=8).values_list("day", "total")) == [
        (today, 2)
    ]

    report(days_ago=4, received_on=today - timedelta(days=1))

    cell.refresh_from_db()
    assert (cell.total, cell.days) == (3, 2)
    assert_in_step()


@pytest.mark.django_db
def test_days_drop_only_when_the_last_report_of_the_day_is_hidden():
    morning = report(days_ago=2, band="morning")
    evening = report(days_ago=2, band="evening")

    services.moderate(report_id=morning.id, moderator=None, kind=HIDE)
    cell = Cell.objects.get(resolution=9, cell=morning.cell_9)
    assert (cell.total, cell.days) == (1, 1)

    services.moderate(report_id=evening.id, moderator=None, kind=HIDE)
    cell.refresh_from_db()
    assert (cell.total, cell.days) == (0, 0)

    services.moderate(report_id=morning.id, moderator=None, kind=SHOW)
    cell.refresh_from_db()
    assert (cell.total, cell.days) == (1, 1)
    assert_in_step()


def _span(resolution: int, cell: str) -> tuple[date, date]:
    row = Cell.objects.get(resolution=resolution, cell=cell)
    return row.first_day, row.last_day


@pytest.mark.django_db
def test_first_and_last_day_follow_hides_and_shows():
    today = services.today()
    oldest = report(days_ago=10)
    middle = report(days_ago=6, band="night")
    newest = report(days_ago=2)
    cell = oldest.cell_8
    assert _span(8, cell) == (today - timedelta(days=10), today - timedelta(days=2))

    services.moderate(report_id=oldest.id, moderator=None, kind=HIDE)
    assert _span(8, cell) == (today - timedelta(days=6), today - timedelta(days=2))

    services.moderate(report_id=newest.id, moderator=None, kind=HIDE)
    assert _span(8, cell) == (today - timedelta(days=6), today - timedelta(days=6))

    services.moderate(report_id=oldest.id, moderator=None, kind=SHOW)
    assert _span(8, cell) == (today - timedelta(days=10), today - timedelta(days=6))

    services.moderate(report_id=newest.id, moderator=None, kind=SHOW)
    assert _span(8, cell) == (today - timedelta(days=10), today - timedelta(days=2))
    assert middle.cell_8 == cell
    assert_in_step()


@pytest.mark.django_db
def test_a_cell_emptied_by_hides_starts_a_new_span():
    today = services.today()
    old = report(days_ago=20)
    services.moderate(report_id=old.id, moderator=None, kind=HIDE)

    report(days_ago=3)

    assert _span(8, old.cell_8) == (today - timedelta(days=3), today - timedelta(days=3))
    assert_in_step()


@pytest.mark.django_db
def test_a_me_too_counts_in_the_originals_cells_without_a_point():
    original = report(PLACES[0], days_ago=4)

    again = report(PLACES[3], days_ago=1, same_as=original.id)

    assert again.latitude is None
    assert again.longitude is None
    assert [again.cell(r) for r in cells.RESOLUTIONS] == [
        original.cell(r) for r in cells.RESOLUTIONS
    ]
    assert Cell.objects.get(resolution=10, cell=original.cell_10).total == 2
    assert not Cell.objects.filter(cell=cells.cells_for(PLACES[3])[10]).exists()
    assert_in_step()


@pytest.mark.django_db
def test_a_me_too_for_a_hidden_report_is_refused_and_counts_nothing():
    original = report()
    services.moderate(report_id=original.id, moderator=None, kind=HIDE)

    with pytest.raises(services.ReportRefused) as refused:
        report(same_as=original.id)

    assert refused.value.reason == "same_as_gone"
    assert Report.objects.count() == 1
    assert_in_step()


# --- many writers at once -------------------------------------------------------------------

THREADS = 8
EACH = 25


def _write_concurrently(work) -> list[BaseException]:
    """Runs ``work(number)`` in THREADS threads at once, each on its own connection."""
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def run(number: int) -> None:
        try:
            start.wait()
            work(number)
        except BaseException as error:  # collected and re-raised by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a writer never finished"
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_in_the_same_cells_keep_exact_counts():
    """Row locks in rollups.py queue writers to one cell: no lost update, no day counted twice.

    On PostgreSQL the writers truly overlap; SQLite lets one write at a time,
    which the test also checks is enough.
    """
    today = services.today()

    def work(number: int) -> None:
        rng = random.Random(number)
        for _ in range(EACH):
            # Few days, so writers keep racing to add the same new day.
            day = today - timedelta(days=rng.randint(0, 3))
            services.report_create(
                draft(
                    PLACES[rng.randint(0, 2)],
                    day=day,
                    band=rng.choice(["morning", "evening"]),
                    reasons=["badly_lit", "followed"],
                ),
                address=f"198.51.100.{number + 1}",
                verified=True,
                received_on=day,
            )

    errors = _write_concurrently(work)

    assert errors == []
    assert Report.objects.count() == THREADS * EACH
    cell_8 = cells.cells_for(PLACES[0])[8]
    row = Cell.objects.get(resolution=8, cell=cell_8)
    assert row.total == THREADS * EACH
    assert row.days == Report.objects.values("received_on").distinct().count() == 4
    assert sum(CellDay.objects.filter(resolution=8).values_list("r_followed", flat=True)) == (
        THREADS * EACH
    )
    assert_in_step()


@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_hides_and_shows_keep_the_rollups_in_step():
    today = services.today()
    for days_ago in range(4):
        for place in PLACES[:3]:
            report(place, days_ago=days_ago)
    starting = list(Report.objects.values_list("id", flat=True))

    def work(number: int) -> None:
        rng = random.Random(100 + number)
        for _ in range(EACH):
            if number % 2:
                day = today - timedelta(days=rng.randint(0, 3))
                services.report_create(
                    draft(PLACES[rng.randint(0, 2)], day=day),
                    address="198.51.100.50",
                    verified=True,
                    same_as=rng.choice(starting) if rng.random() < 0.3 else None,
                    received_on=day,
                )
            else:
                kind = HIDE if rng.random() < 0.5 else SHOW
                services.moderate(report_id=rng.choice(starting), moderator=None, kind=kind)

    errors = _write_concurrently(work)

    # A "me too" for a report hidden meanwhile is refused; nothing else may fail.
    assert all(
        isinstance(error, services.ReportRefused) and error.reason == "same_as_gone"
        for error in errors
    ), errors
    assert_in_step()


@pytest.mark.django_db(transaction=True)
def test_a_report_that_arrives_during_a_rebuild_waits_and_is_counted_once():
    if connections["default"].vendor != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: there is no meanwhile")
    for days_ago in (1, 2, 3):
        report(days_ago=days_ago)
    rebuilt = threading.Event()
    finish = threading.Event()
    reported = threading.Event()
    errors: list[BaseException] = []

    def rebuild() -> None:
        try:
            with transaction.atomic():
                rollups.rebuild()
                rebuilt.set()
                finish.wait(timeout=60)
        except BaseException as error:  # re-raised below
            errors.append(error)
        finally:
            connections.close_all()

    def new_report() -> None:
        try:
            # A place with no rows yet: only the table lock can hold it back.
            report(PLACES[3], days_ago=4)
            reported.set()
        except BaseException as error:  # re-raised below
            errors.append(error)
        finally:
            connections.close_all()

    rebuilding = threading.Thread(target=rebuild)
    rebuilding.start()
    assert rebuilt.wait(timeout=60)
    reporting = threading.Thread(target=new_report)
    reporting.start()
    # The rebuild holds the rollup tables: the report cannot be counted yet.
    assert not reported.wait(timeout=1)
    finish.set()
    rebuilding.join(timeout=60)
    reporting.join(timeout=60)

    assert errors == []
    assert reported.is_set()
    assert Report.objects.count() == 4
    cell = Cell.objects.get(resolution=8, cell=cells.cells_for(PLACES[0])[8])
    assert (cell.total, cell.days) == (3, 3)
    cell = Cell.objects.get(resolution=8, cell=cells.cells_for(PLACES[3])[8])
    assert (cell.total, cell.days) == (1, 1)
    assert_in_step()
