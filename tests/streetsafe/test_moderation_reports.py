"""Moderators' list of recent reports: every report, a note or not, with filters.

Reports without a note never reach the queue of notes; this list is how a
moderator finds them (a run of scripted reports making a place look
dangerous, say) and hides them.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import h3
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safetrail.accounts.models import Role
from safetrail.streetsafe import rollups, services, views_moderation
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import Cell, ModerationAction, Report
from tests.html import soup
from tests.streetsafe.staff import signed_in

pytestmark = pytest.mark.django_db

PLACE = Point(51.5101, -0.1340)
ELSEWHERE = Point(51.5300, -0.0800)
URL = "streetsafe:moderation_reports"


@pytest.fixture
def moderator() -> Client:
    return signed_in("mod-mina", Role.MODERATOR)


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 10_000
    settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY = 10_000
    settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_HOUR = 10_000


def report(
    *,
    received_days_ago: int = 2,
    point: Point = PLACE,
    note: str = "",
    verified: bool = True,
    same_as: Report | None = None,
    reasons: tuple[str, ...] = ("badly_lit",),
) -> Report:
    day = services.today() - timedelta(days=received_days_ago)
    draft = services.Draft(
        point=point,
        located_by="map",
        reasons=list(reasons),
        when="another_day",
        band="evening",
        day=day,
        note=note,
    )
    return services.report_create(
        draft,
        # A sender of its own each time: the limits are not under test.
        address=str(uuid.uuid4()),
        verified=verified,
        same_as=same_as.id if same_as else None,
        received_on=day,
    )


def listed(client: Client, **query) -> list[Report]:
    response = client.get(reverse(URL), query)
    assert response.status_code == 200, response.content.decode()[:500]
    return list(response.context["page"].object_list)


def ids(client: Client, **query) -> set:
    return {found.id for found in listed(client, **query)}


def row_of(response, found: Report):
    """The table row that links to ``found``'s own page."""
    link = soup(response).find("a", href=reverse("streetsafe:moderate_report", args=[found.id]))
    assert link is not None, f"no link to {found.id}"
    return link.find_parent("tr")


# --- what is listed ----------------------------------------------------------------------------


def test_every_report_is_listed_with_what_a_moderator_needs_and_no_point(moderator):
    plain = report(reasons=("badly_lit", "followed"))
    noted = report(note="The gate by the bins is always locked at night")
    unverified = report(verified=False)
    me_too = report(same_as=plain)

    response = moderator.get(reverse(URL))

    assert response.status_code == 200
    text = response.content.decode()
    assert "4 reports" in text
    assert soup(response).find("caption").get_text(strip=True) == "Reports, newest day first"
    row = row_of(response, plain)
    cells = [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
    day = plain.received_on
    assert cells[0] == f"{day.day} {day:%b %Y}"
    assert cells[1] == f"{plain.happened_on:%a} {day.day} {day:%b %Y}, Evening (6pm to midnight)"
    assert "Badly lit" in cells[2]
    assert "I was followed" in cells[2]
    assert plain.cell_8 in cells[3]
    assert "Counted on the maps" in cells[4]
    assert "Me too" not in cells[4]
    assert "Unverified" not in cells[4]
    assert cells[5] == "No note"
    # The area links to the other reports there.
    area_link = row.find("a", href=f"{reverse(URL)}?cell={plain.cell_8}")
    assert area_link is not None
    assert "Waiting for a moderator" in row_of(response, noted).get_text()
    assert "Unverified" in row_of(response, unverified).get_text()
    assert "Me too" in row_of(response, me_too).get_text()
    # Neither the note (that is for the report's own page) nor the exact point.
    assert "always locked" not in text
    for value in (PLACE.latitude, PLACE.longitude):
        assert f"{value}" not in text
        assert f"{value:.3f}" not in text
    assert plain.cell_9 not in text
    assert plain.cell_10 not in text


def test_a_report_without_a_note_is_listed_though_the_queue_never_shows_it(moderator):
    plain = report()

    queue = moderator.get(reverse("streetsafe:moderation")).content.decode()

    assert str(plain.id) not in queue
    assert ids(moderator) == {plain.id}


def test_newest_received_first_then_by_id(moderator):
    old = report(received_days_ago=9)
    newest = report(received_days_ago=1)
    middle = [report(received_days_ago=4) for _ in range(3)]

    order = [found.id for found in listed(moderator)]

    assert order == [newest.id, *sorted(found.id for found in middle), old.id]


def test_a_page_costs_the_same_queries_however_many_reports_it_shows(moderator):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert moderator.get(reverse(URL)).status_code == 200
        return len(captured)

    original = report()
    report(note="a note", verified=False)
    few = queries()
    for _ in range(6):
        report(same_as=original, verified=False)

    assert queries() == few


def test_nothing_to_list_says_so(moderator):
    response = moderator.get(reverse(URL))

    assert response.status_code == 200
    assert "No one has sent a report yet." in response.content.decode()
    assert "No reports match" not in response.content.decode()


def test_the_list_pages_and_the_page_links_keep_the_filters(moderator, monkeypatch):
    monkeypatch.setattr(views_moderation, "REPORTS_PAGE_SIZE", 2)
    made = [report(received_days_ago=days, verified=False) for days in range(1, 6)]
    report(received_days_ago=1, verified=True)

    first = moderator.get(reverse(URL), {"unverified": "yes"})
    third = moderator.get(reverse(URL), {"unverified": "yes", "page": 3})

    assert [found.id for found in first.context["page"].object_list] == [
        made[0].id,
        made[1].id,
    ]
    assert [found.id for found in third.context["page"].object_list] == [made[4].id]
    assert "Page 1 of 3" in first.content.decode()
    assert "5 reports" in first.content.decode()
    next_link = soup(first).find("a", rel="next")
    assert next_link["href"] == "?unverified=yes&page=2"
    # A page past the end shows the last one rather than failing.
    assert moderator.get(reverse(URL), {"page": 99}).status_code == 200


# --- the filters -------------------------------------------------------------------------------


def test_filter_by_area_at_the_public_resolution(moderator):
    here = [report(), report(note="a note")]
    there = report(point=ELSEWHERE)
    assert here[0].cell_8 != there.cell_8

    assert ids(moderator, cell=here[0].cell_8) == {found.id for found in here}
    assert ids(moderator, cell=there.cell_8.upper()) == {there.id}
    assert ids(moderator, cell=f"  {there.cell_8} ") == {there.id}


def test_filter_by_area_follows_the_deployments_public_resolution(moderator, settings):
    settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION = 7
    here = report()

    assert ids(moderator, cell=here.cell_7) == {here.id}
    refused = moderator.get(reverse(URL), {"cell": here.cell_8})
    assert refused.status_code == 400
    assert "resolution 7" in refused.content.decode()


def test_filter_by_the_day_received(moderator):
    old = report(received_days_ago=10)
    middle = report(received_days_ago=5)
    new = report(received_days_ago=1)
    today = services.today()

    def day(days_ago: int) -> str:
        return (today - timedelta(days=days_ago)).isoformat()

    assert ids(moderator, since=day(5)) == {middle.id, new.id}
    assert ids(moderator, until=day(5)) == {old.id, middle.id}
    assert ids(moderator, since=day(5), until=day(5)) == {middle.id}
    assert ids(moderator, since=day(9), until=day(2)) == {middle.id}


def test_filter_hidden_visible_or_all(moderator):
    shown = report()
    hidden = report()
    services.moderate(report_id=hidden.id, moderator=None, kind="hidden", reason="scripted")

    assert ids(moderator) == {shown.id, hidden.id}
    assert ids(moderator, visibility="all") == {shown.id, hidden.id}
    assert ids(moderator, visibility="hidden") == {hidden.id}
    assert ids(moderator, visibility="visible") == {shown.id}


def test_filter_unverified_only(moderator):
    verified = report()
    unverified = report(verified=False)

    assert ids(moderator) == {verified.id, unverified.id}
    assert ids(moderator, unverified="yes") == {unverified.id}


def test_filters_together_and_what_the_form_shows(moderator):
    wanted = report(verified=False, received_days_ago=3)
    report(verified=True, received_days_ago=3)
    report(verified=False, point=ELSEWHERE, received_days_ago=3)
    report(verified=False, received_days_ago=20)
    since = (services.today() - timedelta(days=7)).isoformat()

    response = moderator.get(
        reverse(URL),
        {"cell": wanted.cell_8, "since": since, "visibility": "visible", "unverified": "yes"},
    )

    assert {found.id for found in response.context["page"].object_list} == {wanted.id}
    page = soup(response)
    assert page.find("input", id="id_cell")["value"] == wanted.cell_8
    assert page.find("input", id="id_since")["value"] == since
    assert page.find("input", attrs={"name": "visibility", "value": "visible"}).has_attr("checked")
    assert page.find("input", id="id_unverified").has_attr("checked")


def test_no_report_matches_says_so(moderator):
    report()

    response = moderator.get(reverse(URL), {"visibility": "hidden"})

    assert response.status_code == 200
    assert "No reports match these filters." in response.content.decode()


def test_all_reports_is_chosen_until_someone_chooses_otherwise(moderator):
    page = soup(moderator.get(reverse(URL)))

    assert page.find("input", attrs={"name": "visibility", "value": "all"}).has_attr("checked")
    assert not page.find("input", id="id_unverified").has_attr("checked")


FINE_CELL = h3.latlng_to_cell(PLACE.latitude, PLACE.longitude, 10)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"cell": "not-a-cell"}, "That is not a cell id"),
        ({"cell": "8" * 400}, "That is not a cell id"),
        ({"cell": FINE_CELL}, "Use an area the size the public map shows (resolution 8)"),
        ({"since": "yesterday"}, "Enter a date like 2026-03-27"),
        ({"until": "2026-02-30"}, "Enter a date like 2026-03-27"),
        ({"since": "99999-01-01"}, "Enter a date like 2026-03-27"),
        (
            {"since": "2026-03-10", "until": "2026-03-01"},
            "The end date must be the same as or after the start date",
        ),
        ({"visibility": "everything"}, "Choose all reports, hidden only or visible only"),
        ({"unverified": "perhaps"}, "Tick the box to see only unverified reports"),
    ],
)
def test_a_filter_it_cannot_use_is_a_400_with_the_reason(moderator, query, message):
    report()

    response = moderator.get(reverse(URL), query)

    assert response.status_code == 400
    page = soup(response)
    summary = page.find(class_="govuk-error-summary")
    assert summary is not None
    assert message in summary.get_text(" ")
    # Each message leads to its field.
    for link in summary.find_all("a"):
        assert page.find(id=link["href"].removeprefix("#")) is not None
    assert page.find("table") is None


def test_a_nul_in_a_filter_is_a_400_not_a_crash(moderator):
    response = moderator.get(reverse(URL), {"cell": "88195da49bfffff\x00"})

    assert response.status_code == 400


# --- acting on a report from the list ----------------------------------------------------------


def test_hiding_a_report_reached_from_the_list(moderator):
    scripted = report(verified=False)
    other = report()
    listing = moderator.get(reverse(URL))
    link = row_of(listing, scripted).find(
        "a", href=reverse("streetsafe:moderate_report", args=[scripted.id])
    )
    assert link.get_text(" ", strip=True).startswith("Open")

    opened = moderator.get(link["href"])
    assert opened.status_code == 200
    hidden = moderator.post(
        link["href"], {"kind": "hidden", "reason": "one of a scripted run", "back": "report"}
    )

    assert hidden.status_code == 302
    scripted.refresh_from_db()
    assert scripted.hidden
    assert rollups.check() == []
    # Out of the counts; the other report in the same area still counts.
    assert Cell.objects.get(resolution=8, cell=scripted.cell_8).total == 1
    (logged,) = ModerationAction.objects.filter(report=scripted)
    assert logged.kind == "hidden"
    assert logged.reason == "one of a scripted run"
    after = moderator.get(reverse(URL))
    assert "Hidden" in row_of(after, scripted).get_text()
    assert "Counted on the maps" in row_of(after, other).get_text()
    assert ids(moderator, visibility="hidden") == {scripted.id}


def test_the_report_page_links_to_other_reports_in_its_area(moderator):
    found = report()
    neighbour = report(received_days_ago=5)
    report(point=ELSEWHERE)

    page = moderator.get(reverse("streetsafe:moderate_report", args=[found.id]))

    assert page.status_code == 200
    link = soup(page).find("a", string="Other reports in this area")
    assert link["href"] == f"{reverse(URL)}?cell={found.cell_8}"
    assert found.cell_8 in page.content.decode()
    assert found.cell_10 not in page.content.decode()
    assert {item.id for item in listed(moderator, cell=found.cell_8)} == {found.id, neighbour.id}


def test_the_moderation_pages_link_to_each_other(moderator):
    found = report()
    for address in (
        reverse("streetsafe:moderation"),
        reverse("streetsafe:moderation_log"),
        reverse("streetsafe:moderate_report", args=[found.id]),
    ):
        page = soup(moderator.get(address))
        assert page.find("a", href=reverse(URL)) is not None, address
    page = soup(moderator.get(reverse(URL)))
    assert page.find("a", href=reverse("streetsafe:moderation")) is not None
    assert page.find("a", href=reverse("streetsafe:moderation_log")) is not None


# --- HTTP, languages and who may see it --------------------------------------------------------


def test_head_answers_like_get_and_other_methods_are_refused(moderator):
    report()

    assert moderator.head(reverse(URL)).status_code == 200
    assert moderator.head(reverse(URL), {"visibility": "nope"}).status_code == 400
    assert moderator.post(reverse(URL)).status_code == 405


def test_the_page_is_in_welsh_too(moderator):
    report(verified=False)

    response = moderator.get("/cy" + reverse(URL))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Adroddiadau diweddar" in text
    assert "Heb ei wirio" in text
    assert "Recent reports" not in text


def test_nobody_else_gets_the_list():
    report(note="secret-looking note text")
    visitors = {
        "anonymous": Client(),
        "person": signed_in("person-pia"),
        "analyst": signed_in("analyst-abe", Role.ANALYST),
    }
    for name, client in visitors.items():
        for method in ("get", "head"):
            response = getattr(client, method)(reverse(URL))
            assert response.status_code in (302, 403), (name, method)
            if response.status_code == 302:
                assert response["Location"].startswith(reverse("accounts:sign_in"))
            assert "Recent reports" not in response.content.decode()
    admin = signed_in("admin-ada", Role.ADMIN)
    assert admin.get(reverse(URL)).status_code == 200
