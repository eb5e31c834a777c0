"""The public map: only cells with at least k reports from k different days, at the
public resolution, with dates to the month."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db.models import F
from django.urls import reverse

from safetrail.streetsafe import cells, rollups, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import Cell, ModerationAction, Report

pytestmark = pytest.mark.django_db

PLACE = Point(51.5101, -0.1340)
ELSEWHERE = Point(51.5230, -0.0850)


@pytest.fixture(autouse=True)
def settings_for_k(settings):
    cache.clear()
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 100_000
    settings.SAFETRAIL_STREETSAFE_K = 5
    settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION = 8
    return settings


def report_on(
    day: date, point: Point = PLACE, band: str = "evening", *, sent: date | None = None
) -> Report:
    """A report of ``day``, sent that same day unless ``sent`` says otherwise."""
    return services.report_create(
        services.Draft(
            point=point,
            located_by="map",
            reasons=["badly_lit"],
            when="another_day",
            band=band,
            day=day,
        ),
        address="198.51.100.9",
        verified=True,
        received_on=sent or day,
    )


def days_back(count: int, *, start: int = 1) -> list[date]:
    return [services.today() - timedelta(days=start + number) for number in range(count)]


def public_ids() -> list[str]:
    return [cell.cell for cell in services.public_cells()]


def test_k_minus_one_reports_on_different_days_are_not_public():
    for day in days_back(4):
        report_on(day)

    assert public_ids() == []


def test_k_reports_on_one_day_are_not_public():
    day = services.today() - timedelta(days=2)
    for band in ("night", "morning", "afternoon", "evening", "evening"):
        report_on(day, band=band)

    assert public_ids() == []


def test_k_days_typed_by_someone_sending_them_all_on_one_day_are_not_public():
    """The days that count are the days reports arrive: a sender cannot type them."""
    for day in days_back(5):
        report_on(day, sent=services.today())

    assert public_ids() == []
    stored = Cell.objects.get(resolution=8, cell=cells.cells_for(PLACE)[8])
    assert (stored.total, stored.days) == (5, 1)
    # The same five, had they come in on five days, would be public.
    Report.objects.update(received_on=F("happened_on"))
    rollups.rebuild()
    assert public_ids() == [cells.cells_for(PLACE)[8]]


def test_many_reports_on_fewer_than_k_days_are_not_public():
    for day in days_back(4):
        for band in ("morning", "evening", "night"):
            report_on(day, band=band)

    assert public_ids() == []


def test_k_reports_on_k_days_are_public():
    for day in days_back(5):
        report_on(day)
    report_on(services.today() - timedelta(days=1), point=ELSEWHERE)

    shown = services.public_cells()

    assert [cell.cell for cell in shown] == [cells.cells_for(PLACE)[8]]
    assert shown[0].reports == 5


def test_hiding_one_report_takes_the_cell_off_the_map():
    made = [report_on(day) for day in days_back(5)]
    assert len(public_ids()) == 1

    services.moderate(report_id=made[2].id, moderator=None, kind=ModerationAction.Kind.HIDDEN)

    assert public_ids() == []


def test_me_toos_count_each_on_their_own_day():
    first = report_on(services.today() - timedelta(days=1))
    for day in days_back(4, start=2):
        services.report_create(
            services.Draft(
                point=ELSEWHERE,
                located_by="map",
                reasons=["followed"],
                when="another_day",
                band="night",
                day=day,
            ),
            address="198.51.100.10",
            verified=True,
            same_as=first.id,
            received_on=day,
        )

    assert public_ids() == [first.cell_8]


@pytest.mark.parametrize("k", [2, 3, 7])
def test_k_comes_from_the_settings(settings_for_k, k: int):
    settings_for_k.SAFETRAIL_STREETSAFE_K = k
    for day in days_back(k - 1):
        report_on(day)
    assert public_ids() == []

    report_on(services.today() - timedelta(days=k + 3))

    assert public_ids() == [cells.cells_for(PLACE)[8]]


def test_the_public_resolution_comes_from_the_settings(settings_for_k):
    # Two resolution-8 cells in one resolution-7 cell, each with too few reports on its own.
    here = cells.cells_for(PLACE)
    neighbour = next(
        cell
        for cell in cells.ring(here[8], 1)
        if cell != here[8] and cells.cells_for(cells.centre(cell))[7] == here[7]
    )
    beside = cells.centre(neighbour)
    for number, day in enumerate(days_back(6)):
        report_on(day, point=PLACE if number % 2 else beside)
    assert public_ids() == []

    settings_for_k.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION = 7

    shown = services.public_cells()
    assert [cell.cell for cell in shown] == [here[7]]
    assert cells.resolution_of(shown[0].cell) == 7
    assert shown[0].reports == 6


def test_dates_are_coarsened_to_months():
    days = [date(2025, 1, 30), date(2025, 2, 3), date(2025, 2, 17), date(2025, 3, 1)]
    days.append(date(2025, 3, 28))
    # The days themselves are in the past whatever day the tests run.
    assert max(days) < services.today()
    for day in days:
        report_on(day)

    (shown,) = services.public_cells()

    assert shown.first_month == date(2025, 1, 1)
    assert shown.last_month == date(2025, 3, 1)
    # Nothing in what the public sees carries a day of the month.
    for field in dataclasses.fields(shown):
        value = getattr(shown, field.name)
        if isinstance(value, date):
            assert value.day == 1, field.name


def test_the_viewport_limits_the_cells():
    for day in days_back(5):
        report_on(day)
        report_on(day, point=ELSEWHERE)
    assert len(public_ids()) == 2

    around = services.Viewport(south=51.505, west=-0.14, north=51.515, east=-0.13)

    assert [cell.cell for cell in services.public_cells(around)] == [cells.cells_for(PLACE)[8]]


def test_every_public_page_and_export_shows_only_cells_over_k(client):
    days = [date(2025, 2, 17), date(2025, 2, 23), date(2025, 3, 9), date(2025, 3, 14)]
    days.append(date(2025, 4, 27))
    for day in days:
        report_on(day)
    for day in days[:4]:
        report_on(day, point=ELSEWHERE)
    shown = cells.cells_for(PLACE)[8]
    never = [cells.cells_for(ELSEWHERE)[resolution] for resolution in cells.RESOLUTIONS]
    never += [cells.cells_for(PLACE)[resolution] for resolution in (7, 9, 10)]

    assert all(cell not in client.get(reverse("streetsafe:map")).content.decode() for cell in never)
    for url in (
        reverse("streetsafe:table"),
        reverse("streetsafe:public_csv"),
        reverse("streetsafe:public_geojson"),
        reverse("streetsafe_api:cells") + "?bbox=51.48,-0.2,51.54,-0.05",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert shown in body, url
        for cell in never:
            assert cell not in body, (url, cell)
        for day in days:
            assert day.isoformat() not in body, (url, day)
            assert day.strftime("%d/%m/%Y") not in body, (url, day)
