"""The demo diary: a realistic, clearly fictional case that shows the overview's story."""

from __future__ import annotations

import random
import statistics
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safetrail.accounts import services as accounts
from safetrail.accounts.models import User
from safetrail.diary import demo
from safetrail.diary import services as diary
from safetrail.vault import services as vault

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
SIX_WEEKS = timedelta(weeks=6)


def demo_case(username: str = "demo"):
    """Runs ``safetrail demo``; returns what it printed, the user and the case, open."""
    out = StringIO()
    call_command("demo", username=username, password=PASSWORD, stdout=out)
    user = User.objects.get(username=username)
    account_key = vault.account_key_from_password(user=user, password=PASSWORD)
    (open_case,) = diary.cases_for(user=user, account_key=account_key)
    return out.getvalue(), user, open_case


def check_story(open_case: diary.OpenCase, today: date) -> None:
    """What the demo is for: the overview shows a pattern that escalates."""
    overview = diary.case_overview(open_case).overview
    views = {view.summary.id: view for view in diary.incidents_all(open_case)}

    assert 40 <= overview.occasions <= 60
    assert overview.is_course_of_conduct
    behaviours = dict(overview.by_behaviour)
    assert len(behaviours) >= 6
    assert max(behaviours, key=behaviours.get) == "contact"
    for danger in ("threats", "property_damage"):
        days = [incident.day for incident in overview.incidents if danger in incident.behaviours]
        assert days, danger
        assert min(days) >= today - SIX_WEEKS, (danger, min(days))
    assert overview.first.day >= today - timedelta(days=160)
    assert overview.latest.day <= today

    counts = [count for _, count in overview.weekly]
    assert len(counts) >= 20
    assert statistics.mean(counts[-4:]) > statistics.mean(counts[:8])

    assert sum(len(view.amendments) for view in views.values()) >= 4
    reported = [view.current["reported"] for view in views.values() if view.summary.reported]
    assert any(
        entry["crime_reference"].startswith("DEMO/") and "fictional" in entry["officer"]
        for entry in reported
    )
    assert overview.feared_violence_occasions >= 1


def test_the_demo_command_makes_a_diary_that_escalates():
    output, _, open_case = demo_case()

    assert open_case.name == demo.CASE_NAME
    assert "fictional" in open_case.name
    check_story(open_case, timezone.localdate())
    incidents = open_case.case.incidents.count()
    assert f"has {incidents} made-up incidents" in output

    overview = diary.case_overview(open_case).overview
    views = {view.summary.id: view for view in diary.incidents_all(open_case)}
    first = views[overview.first.id].current
    assert first["what_happened"].startswith("This is made-up demo data")
    completed = [
        view
        for view in views.values()
        if view.original["quick"] and not view.current["quick"] and view.amendments
    ]
    assert completed, "a quick log later completed with an amendment"
    assert all(amendment["reason"] for view in completed for amendment in view.amendments)


def test_the_demo_has_a_suspect_changes_to_daily_life_and_unsafe_moments():
    _, _, open_case = demo_case()

    profile, _ = diary.suspect_current(open_case)
    assert profile["relationship"] == "ex_partner"
    assert profile["vehicles"][0]["plate"].startswith("DEMO")
    assert all(
        number.replace(" ", "").startswith("07700900")
        for number in profile["identifiers"]["phone_numbers"]
    )
    assert all(
        address.endswith("@example.com") for address in profile["identifiers"]["email_addresses"]
    )
    assert open_case.case.suspect_versions.count() == 2
    assert {change["kind"] for change in diary.daily_life_all(open_case)} >= {"route", "work"}
    moments = diary.unsafe_moments(open_case)
    assert len(moments) == 2
    assert sum(1 for moment in moments if moment["incident_id"]) == 1


@pytest.mark.parametrize("offset", range(7))
def test_the_story_holds_whichever_day_of_the_week_today_is(offset):
    # Weeks start on Monday: the escalation must show whatever day "today" is.
    user, account_key, _ = accounts.account_create(username=f"d{offset}", password=PASSWORD)
    today = date(2026, 3, 2) + timedelta(days=offset)
    open_case = demo.create_demo_case(
        user=user, account_key=account_key, today=today, rng=random.Random(offset)
    )

    check_story(open_case, today)


def test_the_same_seed_and_day_give_the_same_diary():
    def story(username: str) -> list:
        user, account_key, _ = accounts.account_create(username=username, password=PASSWORD)
        open_case = demo.create_demo_case(
            user=user, account_key=account_key, today=date(2026, 5, 1), rng=random.Random(7)
        )
        views = diary.incidents_all(open_case)
        return [
            (view.original, view.current, [a["reason"] for a in view.amendments])
            for view in sorted(views, key=lambda view: (view.summary.sort_at, repr(view.current)))
        ]

    assert story("first") == story("second")


def test_signing_in_as_the_demo_user_shows_the_diary():
    demo_case()
    client = Client()

    response = client.post(reverse("accounts:sign_in"), {"username": "demo", "password": PASSWORD})
    assert response.status_code == 302
    response = client.get(reverse("diary:home"))
    assert response.status_code == 302
    response = client.get(response["Location"])

    assert response.status_code == 200
    assert demo.CASE_NAME in response.content.decode()
