"""The public map, its table and downloads: only areas past the k-threshold, months only.

Every public output is checked against the same reports: the map page, the
map's data (the API it reads), the table, the CSV and the GeoJSON.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from safetrail.streetsafe import cells, exports, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import ModerationAction
from tests.html import foreign_urls, soup

pytestmark = pytest.mark.django_db

AREA_BBOX = "51.48,-0.20,51.54,-0.05"
# Far enough apart to fall in different public (resolution 8) cells. The odd
# decimals let a test look for the exact point in every output.
SHOWN = Point(51.501234, -0.121234)
TOO_FEW = Point(51.521234, -0.161234)
ONE_DAY = Point(51.491234, -0.081234)
WITH_HIDDEN = Point(51.531234, -0.071234)
NOTE = "secret-note-marker 07700 900123"
DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    cache.clear()
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 10_000
    settings.SAFETRAIL_STREETSAFE_K = 5
    settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION = 8
    settings.SAFETRAIL_STREETSAFE_TILE_URL = ""
    yield
    cache.clear()


def report(point: Point, days_ago: int, **extra):
    values = {
        "point": point,
        "located_by": "map",
        "reasons": ["badly_lit", "followed"],
        "when": "another_day",
        "band": "evening",
        "day": services.today() - timedelta(days=days_ago),
    }
    values.update(extra)
    return services.report_create(
        services.Draft(**values),
        address="198.51.100.23",
        verified=True,
        received_on=values["day"],  # sent the day it happened
    )


def public_cell(point: Point) -> str:
    return cells.cells_for(point)[8]


@pytest.fixture
def world():
    """Four places: one public, one with k-1 reports, one with k on one day, one
    with k reports of which a moderator hid one."""
    assert len({public_cell(p) for p in (SHOWN, TOO_FEW, ONE_DAY, WITH_HIDDEN)}) == 4
    for days_ago in range(1, 6):
        report(
            SHOWN,
            days_ago * 3,
            note=NOTE,
            age_band="25_34",
            gender="non_binary",
            ethnic_group="mixed",
            disability="yes",
        )
    for days_ago in range(1, 5):
        report(TOO_FEW, days_ago)
    for _ in range(5):
        report(ONE_DAY, 2)
    hidden = [report(WITH_HIDDEN, days_ago) for days_ago in range(1, 6)]
    services.moderate(
        report_id=hidden[0].id, moderator=None, kind=ModerationAction.Kind.HIDDEN, reason="test"
    )
    return {
        "shown": public_cell(SHOWN),
        "absent": [public_cell(TOO_FEW), public_cell(ONE_DAY), public_cell(WITH_HIDDEN)],
    }


def outputs(client) -> dict[str, str]:
    """Every public output, as text."""
    return {
        "map": client.get(reverse("streetsafe:map")).content.decode(),
        "map data": client.get(
            reverse("streetsafe_api:cells"), {"bbox": AREA_BBOX}
        ).content.decode(),
        "table": client.get(reverse("streetsafe:table")).content.decode(),
        "csv": client.get(reverse("streetsafe:public_csv")).content.decode(),
        "geojson": client.get(reverse("streetsafe:public_geojson")).content.decode(),
        "actions": client.get(reverse("streetsafe_api:actions")).content.decode(),
    }


# --- the k-threshold ---------------------------------------------------------------------------


def test_only_cells_past_the_threshold_appear_in_any_output(client, world):
    texts = outputs(client)
    for name in ("map data", "table", "csv", "geojson"):
        assert world["shown"] in texts[name], name
        for cell in world["absent"]:
            assert cell not in texts[name], (name, cell)
    for cell in world["absent"]:
        assert cell not in texts["map"]
    assert "There is 1 area on the map." in texts["map"]


def test_k_reports_on_k_days_appear_and_k_minus_one_do_not(client):
    for days_ago in range(1, 5):
        report(SHOWN, days_ago)
    assert not services.public_cells()
    assert client.get(reverse("streetsafe:public_csv")).content.decode().count("\n") == 1
    report(SHOWN, 9)
    cell = public_cell(SHOWN)
    assert [row.cell for row in services.public_cells()] == [cell]
    assert cell in client.get(reverse("streetsafe:table")).content.decode()


def test_k_comes_from_the_settings(client, settings, world):
    settings.SAFETRAIL_STREETSAFE_K = 4
    shown = {row.cell for row in services.public_cells()}
    # Four reports on four days now pass, and the area with one hidden report
    # has four visible; five on one day still do not.
    assert shown == {world["shown"], public_cell(TOO_FEW), public_cell(WITH_HIDDEN)}
    page = client.get(reverse("streetsafe:map")).content.decode()
    assert "at least 4 reports were sent on 4 different days" in page
    assert public_cell(ONE_DAY) not in client.get(reverse("streetsafe:public_csv")).content.decode()


def test_table_rows_and_count_follow_the_same_rule_as_public_cells(world, settings):
    for k in (2, 4, 5, 6):
        settings.SAFETRAIL_STREETSAFE_K = k
        expected = {row.cell for row in services.public_cells()}
        assert {row.cell for row in services.public_cell_rows()} == expected
        assert services.public_cell_rows().count() == len(expected)


def test_unhiding_a_report_brings_the_area_back(world):
    hidden = services.moderation_recent().get().report
    services.moderate(report_id=hidden.id, moderator=None, kind=ModerationAction.Kind.SHOWN)
    assert public_cell(WITH_HIDDEN) in {row.cell for row in services.public_cells()}


# --- what the public never sees ---------------------------------------------------------------


def test_dates_are_months_and_no_point_note_or_answers_appear(client, world):
    texts = outputs(client)
    for name, text in texts.items():
        for secret in ("501234", "121234", "secret-note", "07700", "non_binary", "25_34"):
            assert secret not in text, (name, secret)
        if name != "map":  # the page has only month names
            assert not DAY_PATTERN.search(text), (name, DAY_PATTERN.search(text))
    rows = list(csv.DictReader(io.StringIO(texts["csv"])))
    assert set(rows[0]) == {
        "cell",
        "resolution",
        "reports",
        "first_month",
        "last_month",
        "centre_latitude",
        "centre_longitude",
        "actions",
    }
    assert re.fullmatch(r"\d{4}-\d{2}", rows[0]["first_month"])
    properties = json.loads(texts["geojson"])["features"][0]["properties"]
    assert set(properties) >= {"cell", "resolution", "reports", "first_month", "last_month"}
    assert not {"note", "latitude", "longitude", "gender", "days"} & set(properties)


def test_the_table_shows_month_and_year_and_a_rounded_centre(client, world):
    page = soup(client.get(reverse("streetsafe:table")))
    row = page.select("tbody tr")[0]
    cells_text = [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
    assert cells_text[0] == world["shown"]
    latitude, longitude = (float(part) for part in cells_text[1].split(","))
    centre = cells.centre(world["shown"])
    assert cells_text[1] == f"{centre.latitude:.3f}, {centre.longitude:.3f}"
    assert abs(latitude - centre.latitude) < 0.001
    assert abs(longitude - centre.longitude) < 0.001
    assert cells_text[2] == "5"
    assert re.fullmatch(r"[A-Z][a-z]+ \d{4}", cells_text[3])
    assert re.fullmatch(r"[A-Z][a-z]+ \d{4}", cells_text[4])
    # No link out to a street map for the area.
    assert not row.find("a")


# --- the map page --------------------------------------------------------------------------------


def test_map_page_explains_itself_without_javascript(client, world):
    response = client.get(reverse("streetsafe:map"))
    assert response.status_code == 200
    page = soup(response)
    text = page.get_text(" ", strip=True)
    assert page.h1.get_text(strip=True) == "Where people reported feeling unsafe"
    assert "It does not show where it is unsafe" in text
    assert "some people report more than others" in text
    assert "An area shows only when at least 5 reports were sent on 5 different days" in text
    assert page.find("a", href=reverse("streetsafe:table"))
    assert page.select_one(".safetrail-map-nojs")
    # The key says each colour in words.
    legend = [item.get_text(" ", strip=True) for item in page.select("#streetsafe-map-legend li")]
    assert legend[:4] == [
        "5 to 9 reports",
        "10 to 24 reports",
        "25 to 49 reports",
        "50 or more reports",
    ]
    assert not foreign_urls(page)


def test_map_page_follows_the_content_security_policy(client, world):
    response = client.get(reverse("streetsafe:map"))
    page = soup(response)
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    for element in page.find_all(True):
        assert not element.has_attr("style"), element
        assert not any(name.startswith("on") for name in element.attrs), element
    for script in page.find_all("script"):
        assert script.get("src") or script.get("nonce") == nonce, script
    config = json.loads(page.find(id="streetsafe-map-config").string)
    assert config["cellsUrl"] == reverse("streetsafe_api:cells")
    assert config["tiles"] == ""
    assert config["steps"] == [5, 10, 25, 50]
    assert "img-src 'self' data:;" in response["Content-Security-Policy"]


def test_map_config_cannot_break_out_of_its_script(client, world, settings):
    settings.SAFETRAIL_STREETSAFE_TILE_ATTRIBUTION = "</script><script>alert(1)</script>"
    settings.SAFETRAIL_STREETSAFE_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    page = client.get(reverse("streetsafe:map")).content.decode()
    assert "</script><script>alert(1)" not in page
    config = soup_config(page)
    assert config["attribution"] == "</script><script>alert(1)</script>"


def soup_config(text: str) -> dict:
    from bs4 import BeautifulSoup

    return json.loads(BeautifulSoup(text, "html.parser").find(id="streetsafe-map-config").string)


def test_tiles_when_configured_are_allowed_by_the_policy(client, settings):
    settings.SAFETRAIL_STREETSAFE_TILE_URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    settings.SAFETRAIL_STREETSAFE_TILE_ATTRIBUTION = "© Example contributors"
    response = client.get(reverse("streetsafe:map"))
    assert (
        "img-src 'self' data: https://*.tiles.example.org;" in response["Content-Security-Policy"]
    )
    config = soup_config(response.content.decode())
    assert config["tiles"] == settings.SAFETRAIL_STREETSAFE_TILE_URL
    assert config["attribution"] == "© Example contributors"
    # Other pages do not get the tile host.
    other = client.get(reverse("streetsafe:table"))
    assert "tiles.example.org" not in other["Content-Security-Policy"]


def test_actions_taken_show_on_the_map_table_and_downloads(client, world):
    services.action_record(
        cell=cells.cells_for(SHOWN)[9],
        kind="lighting",
        description="New lights on the station path",
        taken_on=date(2024, 5, 17),
        public=True,
        recorded_by=None,
    )
    services.action_record(
        cell=world["shown"],
        kind="patrols",
        description="private-plan-marker",
        taken_on=date(2024, 6, 2),
        public=False,
        recorded_by=None,
    )
    texts = outputs(client)
    for name in ("map", "table", "csv", "geojson", "map data", "actions"):
        assert "New lights on the station path" in texts[name], name
        assert "private-plan-marker" not in texts[name], name
        assert "2024-05-17" not in texts[name], name
        assert "17 May" not in texts[name], name
    assert "May 2024" in texts["map"]
    assert "May 2024" in texts["table"]
    assert "2024-05" in texts["csv"]
    actions = json.loads(texts["actions"])["features"]
    assert len(actions) == 1
    assert actions[0]["properties"]["cell"] == world["shown"]  # coarsened to the public cell
    assert actions[0]["properties"]["month"] == "2024-05"
    cell = json.loads(texts["map data"])["features"][0]["properties"]
    assert cell["actions"][0]["kind"] == "lighting"


# --- the table ---------------------------------------------------------------------------------


def test_table_sorts_and_pages(client, settings):
    settings.SAFETRAIL_STREETSAFE_K = 2
    points = [Point(51.485 + 0.0075 * (n // 10), -0.19 + 0.012 * (n % 10)) for n in range(60)]
    wanted = {public_cell(point) for point in points}
    assert len(wanted) >= 51
    for point in points:
        report(point, 1)
        report(point, 40)
    busiest = Point(51.50, -0.10)
    for days_ago in (3, 4, 5):
        report(busiest, days_ago)
    first = soup(client.get(reverse("streetsafe:table")))
    rows = first.select("tbody tr")
    assert len(rows) == 50
    assert rows[0].th.get_text(strip=True) == public_cell(busiest)
    header = first.find("th", attrs={"aria-sort": "descending"})
    assert "Reports" in header.get_text()
    assert first.select_one(".govuk-pagination")
    second = soup(client.get(reverse("streetsafe:table"), {"page": 2}))
    shown = {row.th.get_text(strip=True) for row in rows + second.select("tbody tr")}
    assert shown == {row.cell for row in services.public_cells()}
    by_area = soup(client.get(reverse("streetsafe:table"), {"sort": "area"}))
    names = [row.th.get_text(strip=True) for row in by_area.select("tbody tr")]
    assert names == sorted(names)
    assert by_area.find("th", attrs={"aria-sort": "ascending"})
    # Unknown sorts and pages fall back rather than fail.
    assert client.get(reverse("streetsafe:table"), {"sort": "nope", "page": "x"}).status_code == 200


def test_table_sorted_by_month_never_orders_by_day(client):
    # Two areas first reported in the same month: the order is by area
    # reference, not by which had the earlier day.
    month_start = services.today().replace(day=1) - timedelta(days=1)
    month_start = month_start.replace(day=1)
    late, early = sorted([public_cell(SHOWN), public_cell(TOO_FEW)], reverse=True)
    late_point, early_point = (SHOWN, TOO_FEW) if late == public_cell(SHOWN) else (TOO_FEW, SHOWN)
    for offset in range(5):
        day = month_start + timedelta(days=offset)
        report(late_point, (services.today() - day).days)  # the earlier days
        report(early_point, (services.today() - day).days - 5)
    page = soup(client.get(reverse("streetsafe:table"), {"sort": "first"}))
    assert [row.th.get_text(strip=True) for row in page.select("tbody tr")] == [early, late]


def test_empty_table_says_so(client):
    page = soup(client.get(reverse("streetsafe:table")))
    assert "No areas have enough reports to show yet." in page.get_text()


# --- downloads ---------------------------------------------------------------------------------


def test_csv_download(client, world):
    response = client.get(reverse("streetsafe:public_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="street-safe-areas.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows[0][0] == "cell"
    assert rows[1][0] == world["shown"]
    assert rows[1][2] == "5"
    assert len(rows) == 2


def test_geojson_download_is_closed_hexagons_in_longitude_latitude_order(client, world):
    response = client.get(reverse("streetsafe:public_geojson"))
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Disposition"].startswith("attachment;")
    collection = json.loads(response.content)
    assert collection["type"] == "FeatureCollection"
    (feature,) = collection["features"]
    ring = feature["geometry"]["coordinates"][0]
    assert feature["geometry"]["type"] == "Polygon"
    assert len(ring) == 7
    assert ring[0] == ring[-1]
    for longitude, latitude in ring:
        assert -0.2 < longitude < 0
        assert 51.4 < latitude < 51.6
    assert feature["properties"]["cell"] == world["shown"]
    assert feature["properties"]["resolution"] == 8
    assert feature["properties"]["reports"] == 5
    assert feature["properties"]["actions"] == []


def test_actions_in_areas_below_k_and_names_or_numbers_in_them_are_not_published(client, world):
    services.action_record(
        cell=cells.cells_for(TOO_FEW)[10],
        kind="patrols",
        description="quiet-street-marker",
        taken_on=date(2024, 5, 1),
        public=True,
        recorded_by=None,
    )
    services.action_record(
        cell=world["shown"],
        kind="other",
        description="Ring 07700 900777 or mail lamps@example.org about it",
        taken_on=date(2024, 5, 1),
        public=True,
        recorded_by=None,
    )
    texts = outputs(client)
    for name in ("map", "table", "csv", "geojson", "map data", "actions"):
        assert "quiet-street-marker" not in texts[name], name
        for absent in world["absent"]:
            assert absent not in texts[name], name
        assert "07700 900777" not in texts[name], name
        assert "lamps@example.org" not in texts[name], name
    assert "about it" in texts["map"]


def test_csv_injection_is_defused(client, world):
    services.action_record(
        cell=world["shown"],
        kind="other",
        description='=HYPERLINK("http://evil.example","click")',
        taken_on=date(2024, 5, 1),
        public=True,
        recorded_by=None,
    )
    text = client.get(reverse("streetsafe:public_csv")).content.decode()
    row = next(iter(csv.DictReader(io.StringIO(text))))
    assert not row["actions"].startswith(("=", "+", "-", "@"))
    assert '=HYPERLINK("http://evil.example","click")' in row["actions"]
    for value in row.values():
        assert not value.startswith(("=", "+", "@")), value


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_safe_text_prefixes_formula_starts(start):
    assert exports.safe_text(f"{start}1+1") == f"'{start}1+1"


def test_safe_text_keeps_numbers_and_plain_text():
    assert exports.safe_text(-0.127) == -0.127
    assert exports.safe_text(5) == 5
    assert exports.safe_text("88195d2b1dfffff") == "88195d2b1dfffff"
    assert exports.safe_text(["a", "b"]) == "a;b"
    assert exports.safe_text(None) == ""


def test_analyst_rows_export_with_their_own_columns():
    rows = [
        {
            "cell": "88194ad14dfffff",
            "count": 3,
            "days": 2,
            "first": date(2024, 1, 2),
            "last": date(2024, 2, 3),
            "latitude": 51.5,
            "longitude": -0.12,
            "label": "-2+3",
        }
    ]
    response = exports.cells_csv(rows, filename="x.csv")
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert lines[0] == [
        "cell",
        "resolution",
        "count",
        "days",
        "first",
        "last",
        "latitude",
        "longitude",
        "label",
    ]
    assert lines[1] == [
        "88194ad14dfffff",
        "8",
        "3",
        "2",
        "2024-01-02",
        "2024-02-03",
        "51.5",
        "-0.12",
        "'-2+3",
    ]
    collection = exports.cells_feature_collection(rows)
    assert collection["features"][0]["properties"]["first"] == "2024-01-02"


def test_points_export_streams_without_notes_or_answers(world):
    reports = services.points_for_analysts(services.Filters())
    response = exports.points_csv(reports)
    text = b"".join(response.streaming_content).decode()
    lines = list(csv.DictReader(io.StringIO(text)))
    assert len(lines) == reports.count()
    assert "secret-note" not in text
    assert "non_binary" not in text
    assert set(lines[0]) == set(exports.POINT_COLUMNS)
    geo = json.loads(b"".join(exports.points_geojson(reports).streaming_content))
    assert len(geo["features"]) == reports.count()
    longitude, latitude = geo["features"][0]["geometry"]["coordinates"]
    assert -0.2 < longitude < 0
    assert 51.4 < latitude < 51.6


def test_public_pages_set_no_cookie(client, world):
    for name in ("map", "table", "public_csv", "public_geojson", "api_docs"):
        response = client.get(reverse(f"streetsafe:{name}"))
        assert response.status_code == 200, name
        assert not response.cookies, name
