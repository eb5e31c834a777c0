"""Risk pages: suggestions from the diary, results without verdicts, things sealed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from safetrail.risk import suggestions
from safetrail.risk.models import SafetyPlan, Screening
from tests.diary.helpers import full_entry, person
from tests.html import soup
from tests.rawdata import assert_absent, database_bytes

pytestmark = pytest.mark.django_db
FACTORS = list(suggestions.FACTORS)
NEXT_STEPS = ["999", "101", "0808 802 0300", "Take a copy of this checklist to the police"]


def answers(**yes) -> dict[str, str]:
    return {factor: ("yes" if factor in yes else "no") for factor in FACTORS}


def screen(client, open_case, **yes):
    response = client.post(reverse("risk:check", args=[open_case.id]), answers(**yes))
    assert response.status_code == 302
    return client.get(response["Location"])


def test_the_checklist_says_what_the_diary_shows():
    client, _, open_case = person()
    url = reverse("diary:incident_new", args=[open_case.id])
    for day in ("1", "2", "3"):
        client.post(url, full_entry(date_day=day, behaviours=["property_damage", "threats"]))

    page = client.get(reverse("risk:check", args=[open_case.id]))
    text = soup(page).get_text(" ", strip=True)

    assert "Your diary records damage to your property on 3 occasions" in text
    assert "Your diary records threats on 3 occasions" in text
    checked = soup(page).find("input", {"name": "property_damage", "checked": True})
    assert checked["value"] == "yes"  # suggested, for the person to confirm or change


@pytest.mark.parametrize("yes", [(), ("threats",), tuple(FACTORS)])
def test_every_result_gives_next_steps_and_never_a_low_risk_verdict(yes):
    client, _, open_case = person()

    result = screen(client, open_case, **dict.fromkeys(yes, True))
    text = soup(result).find("main").get_text(" ", strip=True)

    for step in NEXT_STEPS:
        assert step in text
    verdict = r"\b(low|medium|high|standard)[ -]risk\b|\bno risk\b|\bnot at risk\b"
    assert not re.search(verdict, text, re.IGNORECASE)
    assert f"You answered yes to {len(yes)} of the risk factors" in text


def test_very_frightened_with_threats_shows_the_danger_message():
    client, _, open_case = person()

    calm = screen(client, open_case, very_frightened=True)
    danger = screen(client, open_case, very_frightened=True, threats=True)

    assert "Your safety comes first" not in calm.content.decode()
    assert "Your safety comes first" in danger.content.decode()
    assert "press 55" in danger.content.decode()


def test_unanswered_questions_get_a_message_and_nothing_is_saved():
    client, _, open_case = person()

    response = client.post(reverse("risk:check", args=[open_case.id]), {"threats": "yes"})

    assert response.status_code == 200
    assert "Choose an answer to this question" in response.content.decode()
    assert Screening.objects.count() == 0


def test_answers_over_time_are_shown_side_by_side():
    client, _, open_case = person()
    screen(client, open_case)
    screen(client, open_case, threats=True)

    page = soup(client.get(reverse("risk:history", args=[open_case.id])))
    threat_row = next(row for row in page.find_all("tr") if "threatened" in row.get_text())

    assert [cell.get_text(strip=True) for cell in threat_row.find_all("td")] == ["No", "Yes"]


def test_the_stop_date_counts_incidents_before_and_after():
    client, _, open_case = person()
    url = reverse("diary:incident_new", args=[open_case.id])
    for day in ("1", "5", "9"):
        client.post(url, full_entry(date_day=day))

    client.post(
        reverse("risk:stop_date", args=[open_case.id]),
        {"date_day": "5", "date_month": "3", "date_year": "2026"},
    )
    page = client.get(reverse("risk:start", args=[open_case.id])).content.decode()

    assert "Incidents in your diary before that date: 1. On or after it: 2." in page


@pytest.mark.django_db(transaction=True)
def test_answers_and_plans_are_sealed_at_rest():
    client, _, open_case = person()
    screen(client, open_case, threats=True)
    client.post(
        reverse("risk:safety_plan", args=[open_case.id]),
        {"code_word": "MARK-code-word-pineapple", "trusted_people": "MARK-my-aunt-on-07700"},
    )
    assert SafetyPlan.objects.count() == 1
    client.post(reverse("accounts:sign_out"))

    stored = database_bytes()

    assert_absent("MARK-code-word-pineapple", stored, "the database")
    assert_absent("MARK-my-aunt-on-07700", stored, "the database")
    assert_absent('"threats":"yes"', stored, "the database")


def test_no_template_or_translation_anywhere_gives_a_risk_verdict():
    from pathlib import Path

    import safetrail

    root = Path(safetrail.__file__).parent
    verdict = re.compile(r"\b(low|medium|high|standard)[ -]risk\b", re.IGNORECASE)
    for path in [*root.rglob("*.html"), *root.rglob("*.po"), *root.rglob("*.json")]:
        assert not verdict.search(path.read_text(encoding="utf-8")), path
