"""Diary forms: clear messages on bad input, and nothing typed is lost."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safetrail.diary import services as diary
from safetrail.diary.models import DailyLifeChange, Incident, UnsafeMoment
from tests.diary.helpers import full_entry, person, reopen
from tests.html import soup

pytestmark = pytest.mark.django_db


def errors(response) -> list[str]:
    return [
        item.get_text(" ", strip=True)
        for item in soup(response).select(".govuk-error-summary__list li")
    ]


def test_an_empty_quick_log_says_what_to_do_and_saves_nothing():
    client, _, open_case = person()

    response = client.post(reverse("diary:quick_log", args=[open_case.id]), {})

    assert response.status_code == 200
    assert "Write what happened, even a few words" in errors(response)
    assert Incident.objects.count() == 0


def test_a_quick_log_is_saved_with_now_as_its_time():
    client, user, open_case = person()

    response = client.post(
        reverse("diary:quick_log", args=[open_case.id]),
        {"what_happened": "At the bus stop again", "when": "now", "where": "Bus stop"},
    )

    assert response.status_code == 302
    view = diary.incidents_all(reopen(user, open_case))[0]
    assert view.current["quick"] is True
    assert view.current["when"]["kind"] == "exact"
    assert view.current["where"] == "Bus stop"


def test_an_earlier_quick_log_needs_its_date():
    client, _, open_case = person()

    response = client.post(
        reverse("diary:quick_log", args=[open_case.id]),
        {"what_happened": "Phone call", "when": "earlier"},
    )

    assert "Enter the date it happened" in errors(response)


def test_a_date_in_the_future_is_refused_and_the_text_kept():
    client, _, open_case = person()

    response = client.post(
        reverse("diary:incident_new", args=[open_case.id]),
        full_entry(date_year="2099", what_happened="Kept text 123"),
    )

    assert "The date cannot be in the future" in errors(response)
    assert "Kept text 123" in soup(response).find("textarea", {"name": "what_happened"}).text
    assert soup(response).find("input", {"name": "where"})["value"] == "Outside my flat"
    assert Incident.objects.count() == 0


def test_a_range_that_ends_before_it_starts_is_refused():
    client, _, open_case = person()
    data = full_entry(when_kind="range")
    data.update(
        range_start_day="5",
        range_start_month="3",
        range_start_year="2026",
        range_end_day="1",
        range_end_month="3",
        range_end_year="2026",
    )

    response = client.post(reverse("diary:incident_new", args=[open_case.id]), data)

    assert "The last date must be after the first date" in errors(response)


def test_an_impossible_date_is_refused():
    client, _, open_case = person()

    response = client.post(
        reverse("diary:incident_new", args=[open_case.id]),
        full_entry(date_day="31", date_month="2"),
    )

    assert "Enter a real date, for example 27 3 2026" in errors(response)


def test_a_huge_paste_gets_a_message_and_is_not_lost():
    client, _, open_case = person()
    huge = "x" * 1_000_000

    response = client.post(
        reverse("diary:incident_new", args=[open_case.id]), full_entry(what_happened=huge)
    )

    assert any("Use 10,000 characters or fewer" in error for error in errors(response))
    assert len(soup(response).find("textarea", {"name": "what_happened"}).text.strip()) == 1_000_000
    assert Incident.objects.count() == 0


def test_letters_are_derived_from_behaviours_unless_chosen():
    client, user, open_case = person()
    url = reverse("diary:incident_new", args=[open_case.id])

    client.post(url, full_entry(behaviours=["following", "property_damage"]))
    client.post(url, full_entry(behaviours=["following"], letters=["g"]))

    views = diary.incidents_all(reopen(user, open_case))
    assert sorted(view.current["letters"] for view in views) == [["a", "f"], ["g"]]


def test_the_overview_shows_the_counts(client):
    client, _, open_case = person()
    url = reverse("diary:incident_new", args=[open_case.id])
    client.post(url, full_entry(behaviours=["contact"]))
    client.post(url, full_entry(behaviours=["contact", "following"], date_day="10"))

    page = soup(client.get(reverse("diary:case", args=[open_case.id])))
    text = page.get_text(" ", strip=True)

    assert "2 occasions" in text
    assert "course of conduct" in text
    tables = {table.caption.get_text(strip=True): table for table in page.find_all("table")}
    rows = [row.get_text(" ", strip=True) for row in tables["What they did"].find_all("tr")[1:]]
    assert rows[0].endswith("2")
    assert rows[1].endswith("1")
    assert page.select_one("svg.safetrail-chart title").get_text() == "Incidents each week"


def test_felt_unsafe_in_one_tap_and_turned_into_an_incident():
    client, _user, open_case = person()

    client.post(reverse("diary:unsafe", args=[open_case.id]), {})
    moment = UnsafeMoment.objects.get()
    form = client.get(
        reverse("diary:incident_new", args=[open_case.id]) + f"?from_unsafe={moment.id}"
    )
    assert form.status_code == 200
    client.post(
        reverse("diary:incident_new", args=[open_case.id]),
        {**full_entry(date_day="1", date_month="1", date_year="2026"), "from_unsafe": moment.id},
    )

    moment.refresh_from_db()
    assert moment.incident_id == Incident.objects.get().id


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_moment_that_is_not_an_id_is_not_found_and_not_echoed(method, caplog):
    client, _user, open_case = person()
    url = reverse("diary:incident_new", args=[open_case.id])
    value = "not-a-uuid<script>"

    if method == "get":
        response = client.get(url, {"from_unsafe": value})
    else:
        response = client.post(url, {**full_entry(), "from_unsafe": value})

    assert response.status_code == 404
    assert value not in response.content.decode()
    assert "not-a-uuid" not in caplog.text
    assert Incident.objects.count() == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_moment_of_another_case_is_not_found(method):
    client, _user, open_case = person()
    _, _other_user, other_case = person("frank")
    theirs = diary.unsafe_moment_add(open_case=other_case, place="Their place")
    url = reverse("diary:incident_new", args=[open_case.id])

    if method == "get":
        response = client.get(url, {"from_unsafe": str(theirs.id)})
    else:
        response = client.post(url, {**full_entry(), "from_unsafe": str(theirs.id)})

    assert response.status_code == 404
    assert Incident.objects.count() == 0
    theirs.refresh_from_db()
    assert theirs.incident_id is None


def test_changes_to_daily_life_need_what_and_when():
    client, _, open_case = person()

    response = client.post(reverse("diary:daily_life", args=[open_case.id]), {})

    assert "Choose what changed" in errors(response)
    assert "Enter when it started" in errors(response)
    assert DailyLifeChange.objects.count() == 0


def test_the_suspect_profile_keeps_earlier_versions():
    client, user, open_case = person()
    url = reverse("diary:suspect", args=[open_case.id])

    client.post(url, {"names": "First guess", "relationship": "unknown"})
    client.post(
        url,
        {
            "names": "Now I know",
            "relationship": "colleague",
            "vehicle_1_plate": "AB12 CDE",
            "phone_numbers": "07700 900123\n\n",
        },
    )

    profile, _ = diary.suspect_current(reopen(user, open_case))
    assert profile["names"] == "Now I know"
    assert profile["vehicles"] == [{"make": "", "model": "", "colour": "", "plate": "AB12 CDE"}]
    assert profile["identifiers"]["phone_numbers"] == ["07700 900123"]
    assert open_case.case.suspect_versions.count() == 2
