"""Analysts: the dashboard and its filters, hotspots, the action log and the exports.

Numbers are checked against reports made in each test, through the same
service that stores a real report.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import h3
import pytest
from django.test import Client
from django.urls import reverse

from safetrail.accounts.models import Role
from safetrail.streetsafe import cells, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import AreaAction, Report
from tests.streetsafe.staff import signed_in

pytestmark = pytest.mark.django_db

A = Point(51.5101, -0.1340)
B = Point(51.5200, -0.1000)


@pytest.fixture
def analyst() -> Client:
    return signed_in("analyst-ada", Role.ANALYST)


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 10_000


_sent = iter(range(1_000_000))


def report(point: Point, day: date, band: str, reasons: list[str], note: str = "") -> Report:
    draft = services.Draft(
        point=point,
        located_by="map",
        reasons=reasons,
        when="another_day",
        band=band,
        day=day,
        note=note,
    )
    address = f"198.51.100.{next(_sent) % 250 + 1}"
    return services.report_create(draft, address=address, verified=True, received_on=day)


@pytest.fixture
def monday() -> date:
    """A Monday at least two weeks ago."""
    today = services.today()
    return today - timedelta(days=today.weekday() + 14)


@pytest.fixture
def five(monday) -> list[Report]:
    """Three reports in A's cell, two in B's, on known days, bands and reasons."""
    return [
        report(A, monday, "evening", ["badly_lit"]),
        report(A, monday + timedelta(days=1), "night", ["badly_lit", "followed"]),
        report(A, monday + timedelta(days=7), "evening", ["no_cctv"]),
        report(B, monday + timedelta(days=2), "morning", ["followed"]),
        report(B, monday - timedelta(days=28), "evening", ["badly_lit"]),
    ]


def cell_of(point: Point, resolution: int = 8) -> str:
    return cells.cells_for(point)[resolution]


def dashboard(client: Client, **filters):
    response = client.get(reverse("streetsafe:dashboard"), filters)
    assert response.status_code == 200, response.content.decode()[:500]
    return response


def counts(response) -> dict[str, int]:
    return {row["cell"]: row["count"] for row in response.context["rows"]}


# --- who may see it ----------------------------------------------------------------------------


def test_only_analysts_get_the_analyst_pages(five):
    action = AreaAction.objects.create(
        cell=cell_of(A), resolution=8, kind="patrols", description="d", taken_on=date(2026, 1, 5)
    )
    addresses = [
        reverse("streetsafe:dashboard"),
        reverse("streetsafe:hotspots"),
        reverse("streetsafe:actions"),
        reverse("streetsafe:action_detail", args=[action.id]),
        reverse("streetsafe:police_data"),
        reverse("streetsafe:analyst_csv"),
        reverse("streetsafe:analyst_geojson"),
        reverse("streetsafe:points_csv"),
        reverse("streetsafe:points_geojson"),
    ]
    analyst = signed_in("analyst-ada", Role.ANALYST)
    for address in addresses:
        assert analyst.get(address).status_code == 200, address
    others = {
        "anonymous": Client(),
        "person": signed_in("person-pat"),
        "moderator": signed_in("mod-maya", Role.MODERATOR),
    }
    for name, client in others.items():
        for address in addresses:
            response = client.get(address)
            assert response.status_code in (302, 403), (name, address)
            if response.status_code == 302:
                assert response["Location"].startswith(reverse("accounts:sign_in"))
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert cell_of(A).encode() not in body, (name, address)
        # Nor can they record or change anything.
        client.post(reverse("streetsafe:actions"), {"cell": cell_of(A), "kind": "patrols"})
        client.post(reverse("streetsafe:action_detail", args=[action.id]), {"public": "no"})
    assert AreaAction.objects.count() == 1
    action.refresh_from_db()
    assert action.public


# --- the dashboard -----------------------------------------------------------------------------


def test_dashboard_counts_each_cell(analyst, five):
    response = dashboard(analyst)

    assert response.context["total"] == 5
    assert counts(response) == {cell_of(A): 3, cell_of(B): 2}
    text = response.content.decode()
    assert "Where people reported feeling unsafe" in text
    assert cell_of(A) in text


def test_dashboard_at_another_resolution(analyst, five):
    response = dashboard(analyst, resolution=10)

    assert counts(response) == {cell_of(A, 10): 3, cell_of(B, 10): 2}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"reason": "badly_lit"}, {"A": 2, "B": 1}),
        ({"reason": "followed"}, {"A": 1, "B": 1}),
        ({"reason": "no_cctv"}, {"A": 1}),
        ({"band": "evening"}, {"A": 2, "B": 1}),
        ({"band": "night"}, {"A": 1}),
        ({"weekday": "1"}, {"A": 2, "B": 1}),
        ({"weekday": "2"}, {"A": 1}),
        ({"weekday": "3"}, {"B": 1}),
        ({"reason": "badly_lit", "band": "evening"}, {"A": 1, "B": 1}),
    ],
)
def test_dashboard_filters(analyst, five, filters, expected):
    response = dashboard(analyst, **filters)

    named = {cell_of(A): "A", cell_of(B): "B"}
    assert {named[cell]: count for cell, count in counts(response).items()} == expected
    assert response.context["total"] == sum(expected.values())


def test_dashboard_date_range(analyst, five, monday):
    week = {"since": monday.isoformat(), "until": (monday + timedelta(days=6)).isoformat()}
    response = dashboard(analyst, **week)
    assert counts(response) == {cell_of(A): 2, cell_of(B): 1}

    response = dashboard(analyst, since=(monday + timedelta(days=7)).isoformat())
    assert counts(response) == {cell_of(A): 1}

    response = dashboard(analyst, until=(monday - timedelta(days=1)).isoformat())
    assert counts(response) == {cell_of(B): 1}


def test_dashboard_trend_by_week_and_month(analyst, five, monday):
    response = dashboard(analyst)

    series = response.context["series"]
    # Every week from the first report's to the last's, empty weeks included.
    assert [count for _, count in series] == [1, 0, 0, 0, 3, 1]
    assert series[0][0] == monday - timedelta(days=28)
    assert all(period.weekday() == 0 for period, _ in series)
    text = response.content.decode()
    assert "<svg" in text
    assert "Reports of feeling unsafe each week" in text
    assert text.count("<rect") == 3  # three weeks with reports, three bars

    by_month = dashboard(analyst, by="month")
    assert sum(count for _, count in by_month.context["series"]) == 5
    assert all(period.day == 1 for period, _ in by_month.context["series"])


def test_dashboard_trend_follows_the_filters(analyst, five):
    response = dashboard(analyst, reason="followed")

    assert sum(count for _, count in response.context["series"]) == 2


def test_dashboard_links_exports_and_hotspots_with_the_same_filters(analyst, five):
    response = dashboard(analyst, reason="followed", band="night", resolution=9)

    text = response.content.decode()
    query = "resolution=9&amp;reason=followed&amp;band=night"
    assert f"{reverse('streetsafe:analyst_csv')}?{query}" in text
    assert f"{reverse('streetsafe:points_geojson')}?{query}" in text
    assert f"{reverse('streetsafe:hotspots')}?{query}" in text


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"resolution": "11"}, "Choose a size of area from the list"),
        ({"reason": "sunshine"}, "Choose a reason from the list"),
        ({"band": "teatime"}, "Choose a time of day from the list"),
        ({"weekday": "8"}, "Choose a day of the week from the list"),
        ({"since": "last tuesday"}, "Enter a date like 2026-03-27"),
        ({"since": "2026-02-30"}, "Enter a date like 2026-03-27"),
        (
            {"since": "2026-03-02", "until": "2026-03-01"},
            "The end date must be the same as or after the start date",
        ),
    ],
)
def test_bad_filters_say_what_is_wrong(analyst, five, filters, message):
    response = analyst.get(reverse("streetsafe:dashboard"), filters)

    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text
    assert message in text


def test_dashboard_with_no_reports(analyst):
    response = dashboard(analyst)

    assert response.context["total"] == 0
    assert "No reports match these filters." in response.content.decode()


# --- hotspots ----------------------------------------------------------------------------------


def test_hotspots_find_a_planted_cluster(analyst):
    day = services.today() - timedelta(days=3)
    centre = cell_of(A)
    # The cluster: many reports in one cell and its six neighbours.
    for _ in range(12):
        report(A, day, "evening", ["badly_lit"])
    for neighbour in sorted(cells.ring(centre, 1) - {centre}):
        for _ in range(5):
            report(cells.centre(neighbour), day, "evening", ["badly_lit"])
    # Background: one report in each of many cells further out.
    background = sorted(set(h3.grid_ring(centre, 8)))[::2]
    for cell in background:
        report(cells.centre(cell), day, "evening", ["badly_lit"])

    response = analyst.get(reverse("streetsafe:hotspots"), {"resolution": "8"})

    assert response.status_code == 200
    found = {score.cell for score in response.context["hotspots"]}
    assert centre in found
    assert not found & set(background)
    assert response.context["tested"] >= len(background)
    text = response.content.decode()
    assert "Getis-Ord Gi*" in text
    assert "Benjamini-Hochberg" in text
    assert centre in text


def test_no_hotspots_says_so(analyst, monday):
    # One report alone is no cluster.
    report(A, monday, "evening", ["badly_lit"])

    response = analyst.get(reverse("streetsafe:hotspots"), {"distance": "2", "rate": "0.01"})

    assert response.status_code == 200
    assert response.context["hotspots"] == []
    assert response.context["tested"] > 1
    assert "No area has more reports than chance would give" in response.content.decode()


def test_hotspot_settings_are_checked(analyst):
    response = analyst.get(reverse("streetsafe:hotspots"), {"distance": "9"})

    assert response.status_code == 400
    assert "Choose how many neighbours to include" in response.content.decode()


# --- what was done -----------------------------------------------------------------------------


def action_post(**changes) -> dict[str, str]:
    taken = services.today() - timedelta(days=3)
    values = {
        "cell": cell_of(A),
        "kind": "lighting",
        "description": "Two street lights on the path were repaired.",
        "taken_on_day": str(taken.day),
        "taken_on_month": str(taken.month),
        "taken_on_year": str(taken.year),
        "public": "yes",
    }
    values.update(changes)
    return values


def test_record_an_action(analyst, five):
    response = analyst.post(reverse("streetsafe:actions"), action_post())

    action = AreaAction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("streetsafe:action_detail", args=[action.id])
    assert action.cell == cell_of(A)
    assert action.resolution == 8
    assert action.kind == "lighting"
    assert action.public
    assert action.recorded_by == analyst.user
    assert action.taken_on == services.today() - timedelta(days=3)
    page = analyst.get(reverse("streetsafe:actions"))
    assert "Lighting repaired or added" in page.content.decode()
    # Three reports in A's cell: below the k rule, so not on the public map yet.
    assert cell_of(A) not in services.public_actions_by_cell()
    later = max(item.happened_on for item in five)
    for days in (1, 2):
        report(A, later + timedelta(days=days), "evening", ["badly_lit"])
    assert services.public_actions_by_cell()[cell_of(A)] == [action]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cell": "not-a-cell"}, "That is not a cell id"),
        ({"cell": "881fffffffffff1"}, "That is not a cell id"),
        ({"cell": ""}, "Enter the area&#x27;s cell id"),
        ({"cell": h3.latlng_to_cell(51.5, -0.1, 5)}, "resolution 7 to 10"),
        ({"kind": "magic"}, "Choose what was done"),
        ({"description": "x" * 301}, "It has 301"),
        ({"description": "   "}, "Describe what was done"),
        ({"public": ""}, "Choose whether to show it on the public map"),
        ({"taken_on_day": "31", "taken_on_month": "2"}, "Enter a real date"),
        ({"taken_on_year": str(services.today().year + 1)}, "The date cannot be in the future"),
    ],
)
def test_action_mistakes_are_explained_and_nothing_is_stored(analyst, changes, message):
    response = analyst.post(reverse("streetsafe:actions"), action_post(**changes))

    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text
    assert message in text
    assert not AreaAction.objects.exists()


def test_a_future_date_is_refused_even_tomorrow(analyst):
    tomorrow = services.today() + timedelta(days=1)
    response = analyst.post(
        reverse("streetsafe:actions"),
        action_post(
            taken_on_day=str(tomorrow.day),
            taken_on_month=str(tomorrow.month),
            taken_on_year=str(tomorrow.year),
        ),
    )

    assert response.status_code == 400
    assert not AreaAction.objects.exists()


def test_actions_page_offers_the_busiest_cells(analyst, five, settings):
    settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION = 8

    page = analyst.get(reverse("streetsafe:actions"))
    picked = analyst.get(reverse("streetsafe:actions"), {"cell": cell_of(A)})

    assert [cell.cell for cell in page.context["top_cells"]] == [cell_of(A), cell_of(B)]
    assert f'value="{cell_of(A)}"' in picked.content.decode()


def test_hide_and_show_an_action_on_the_public_map(analyst):
    analyst.post(reverse("streetsafe:actions"), action_post())
    action = AreaAction.objects.get()
    address = reverse("streetsafe:action_detail", args=[action.id])

    response = analyst.post(address, {"public": "no"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert not action.public
    assert services.public_actions_by_cell() == {}
    assert "No, staff only" in analyst.get(address).content.decode()

    analyst.post(address, {"public": "yes"})
    action.refresh_from_db()
    assert action.public

    assert analyst.post(address, {"public": "maybe"}).status_code == 400


def test_an_unknown_action_is_not_found(analyst):
    import uuid

    response = analyst.get(reverse("streetsafe:action_detail", args=[uuid.uuid4()]))

    assert response.status_code == 404


# --- exports -----------------------------------------------------------------------------------


def test_cell_exports_use_the_filters(analyst, five):
    response = analyst.get(reverse("streetsafe:analyst_csv"), {"reason": "badly_lit"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {row["cell"]: int(row["count"]) for row in rows} == {cell_of(A): 2, cell_of(B): 1}
    assert {row["police_crimes"] for row in rows} == {"0"}

    response = analyst.get(reverse("streetsafe:analyst_geojson"), {"band": "morning"})
    features = json.loads(response.content)["features"]
    assert [(f["id"], f["properties"]["count"]) for f in features] == [(cell_of(B), 1)]
    assert features[0]["geometry"]["type"] == "Polygon"


def test_point_exports_use_the_filters_and_carry_no_notes(analyst, monday):
    noted = report(A, monday, "evening", ["followed"], note="a private note")
    other = report(B, monday, "night", ["no_cctv"])

    response = analyst.get(reverse("streetsafe:points_csv"), {"reason": "followed"})
    body = b"".join(response.streaming_content).decode()
    assert str(noted.id) in body
    assert str(other.id) not in body
    assert "private note" not in body

    response = analyst.get(reverse("streetsafe:points_geojson"))
    collection = json.loads(b"".join(response.streaming_content))
    assert {feature["id"] for feature in collection["features"]} == {str(noted.id), str(other.id)}


def test_an_export_with_bad_filters_says_so(analyst):
    response = analyst.get(reverse("streetsafe:analyst_csv"), {"since": "soon"})

    assert response.status_code == 400
    assert "Enter a date like 2026-03-27" in response.content.decode()


def test_hidden_reports_leave_the_dashboard(analyst, five):
    services.moderate(report_id=five[0].id, moderator=None, kind="hidden", reason="spam")

    response = dashboard(analyst)

    assert counts(response) == {cell_of(A): 2, cell_of(B): 2}
