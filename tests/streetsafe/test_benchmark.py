"""bench/streetsafe.py's own parts: what it times and the data it makes must be right.

No timings here: the benchmark prints numbers, tests check only that the
viewport query answers correctly, that the bulk-built rollups are the ones
the service would have written, and that the load generator's reports and
proof-of-work solutions are ones the API accepts.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from bench import streetsafe as bench
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from safetrail.streetsafe import cells, proof_of_work, rollups, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import Cell, CellDay, CellDayTotal, ModerationAction, Report

pytestmark = pytest.mark.django_db

INSIDE = Point(51.5101, -0.1340)
OUTSIDE = Point(51.6500, 0.2500)
VIEW = services.Viewport(south=51.49, west=-0.16, north=51.53, east=-0.10)


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    cache.clear()
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 100_000
    settings.SAFETRAIL_STREETSAFE_POW_MAX_NUMBER = 1_000
    settings.SAFETRAIL_STREETSAFE_AREA = [str(edge) for edge in bench.CITY]
    yield
    cache.clear()


def report(point: Point, days_ago: int = 2) -> Report:
    return services.report_create(
        services.Draft(
            point=point,
            located_by="map",
            reasons=["badly_lit"],
            when="another_day",
            band="evening",
            day=services.today() - timedelta(days=days_ago),
        ),
        address="198.51.100.7",
        verified=True,
        received_on=services.today() - timedelta(days=days_ago),
    )


# --- the query the map part times --------------------------------------------------------------


def test_cells_in_viewport_gives_the_cells_in_view_at_that_resolution():
    report(INSIDE, days_ago=2)
    report(INSIDE, days_ago=3)
    report(OUTSIDE)
    here = cells.cells_for(INSIDE)

    for resolution in (8, 9):
        (found,) = services.cells_in_viewport(resolution, VIEW)
        assert found["cell"] == here[resolution]
        assert (found["reports"], found["days"]) == (2, 2)
        assert found["first_day"] < found["last_day"]
        assert found["boundary"][0] == found["boundary"][-1]
        assert VIEW.south <= found["latitude"] <= VIEW.north


def test_cells_in_viewport_leaves_out_cells_whose_reports_were_all_hidden():
    hidden = report(INSIDE)
    services.moderate(report_id=hidden.id, moderator=None, kind=ModerationAction.Kind.HIDDEN)

    assert Cell.objects.filter(resolution=9, cell=cells.cells_for(INSIDE)[9]).exists()
    assert services.cells_in_viewport(9, VIEW) == []


def test_cells_in_viewport_refuses_a_resolution_that_is_not_kept():
    with pytest.raises(ValueError, match="resolution"):
        services.cells_in_viewport(6, VIEW)


# --- the map part's data -----------------------------------------------------------------------


def rollup_rows() -> tuple[list, list, list]:
    cell_rows = sorted(Cell.objects.values_list(*(f.column for f in Cell._meta.fields[1:])))
    day_rows = sorted(CellDay.objects.values_list(*(f.column for f in CellDay._meta.fields[1:])))
    totals = sorted(CellDayTotal.objects.values_list("resolution", "cell", "day", "total"))
    return cell_rows, day_rows, totals


def test_bulk_loaded_reports_and_rollups_are_what_the_service_would_have_counted():
    bench.load_reports(400, random.Random(7))
    bench.build_rollups()

    assert Report.objects.count() == 400
    assert Report.objects.filter(same_as__isnull=False, latitude__isnull=True).exists()
    assert Report.objects.filter(hidden=True).count() < 400
    assert rollups.check() == []
    built = rollup_rows()
    # The service's own count, report by report, gives the very same rows.
    for table in (CellDay, CellDayTotal, Cell):
        table.objects.all().delete()
    for report in Report.objects.filter(hidden=False):
        rollups.apply(report, 1)
    assert rollup_rows() == built


def test_made_up_points_and_viewports_stay_in_the_city():
    south, west, north, east = bench.CITY
    city = bench.City(random.Random(3))
    for _ in range(2000):
        latitude, longitude = city.point()
        assert south <= latitude <= north
        assert west <= longitude <= east
    for box in bench.viewports(50, random.Random(4)):
        assert south <= box[0] < box[2] <= north
        assert west <= box[1] < box[3] <= east
        height_km = (box[2] - box[0]) / bench.KM_LATITUDE
        assert height_km == pytest.approx(bench.VIEWPORT_KM)


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    random.Random(5).shuffle(values)
    assert bench.percentile(values, 0.95) == 95
    assert bench.percentile(values, 0.5) == 50
    assert bench.percentile([7.0], 0.95) == 7.0


# --- the ingest part's requests ----------------------------------------------------------------


def test_the_load_generators_reports_are_accepted_and_stored():
    client = Client(REMOTE_ADDR="127.0.0.1")
    challenges = []
    for _ in range(12):
        answer = client.get(reverse("streetsafe_api:challenge"))
        assert answer.status_code == 200
        challenges.append(answer.json())
    bodies = bench.report_bodies(
        [bench.solve(challenge) for challenge in challenges], random.Random(6)
    )

    for body in bodies:
        answer = client.post(
            reverse("streetsafe_api:reports"), body, content_type="application/json"
        )
        assert answer.status_code == 201, answer.content
    assert Report.objects.filter(verified=True).count() == len(bodies)
    assert {json.loads(body)["when"] for body in bodies} >= {"now", "another_day"}


def test_a_solution_is_accepted_once():
    payload = bench.solve(json.loads(proof_of_work.new_challenge().as_json()))
    assert proof_of_work.verify(payload)
    assert not proof_of_work.verify(payload)
