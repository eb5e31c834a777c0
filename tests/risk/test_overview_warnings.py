"""The overview's warnings come from the case index: the same as from every incident opened."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from safetrail.accounts import services as accounts
from safetrail.diary import demo
from safetrail.diary import services as diary
from safetrail.risk import services as risk
from tests.diary.helpers import person
from tests.html import soup

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_facts_and_warnings_from_the_index_are_those_of_the_incidents(seed):
    user, account_key, _ = accounts.account_create(username=f"w{seed}", password=PASSWORD)
    today = date(2026, 5, 1)
    open_case = demo.create_demo_case(
        user=user, account_key=account_key, today=today, rng=random.Random(seed)
    )
    risk.stop_date_set(open_case=open_case, day=today - timedelta(days=20))
    indexed = diary.case_overview(open_case).incidents

    from_index = risk.diary_facts(open_case, indexed=indexed)
    opened = risk.diary_facts(open_case)

    assert sorted(from_index.incidents, key=lambda f: f.id) == sorted(
        opened.incidents, key=lambda f: f.id
    )
    assert from_index.asked_to_stop == opened.asked_to_stop
    warnings = risk.case_warnings(open_case, today, indexed=indexed)
    assert warnings == risk.case_warnings(open_case, today)
    # The demo escalates: the warnings have something to agree on.
    assert {warning.kind for warning in warnings} >= {"new_danger", "after_stop"}


def test_the_overview_warns_from_incidents_on_every_page(monkeypatch):
    """Filters and pages choose what the table shows; warnings read the whole diary."""
    client, _, open_case = person()
    monkeypatch.setattr("safetrail.diary.overview.PAGE_SIZE", 2)
    today = timezone.localdate()
    for days_ago in range(60, 27, -3):  # a calm pattern, then threats lately
        diary.incident_create(
            open_case=open_case,
            data={
                "when": {"kind": "exact", "at": f"{today - timedelta(days=days_ago)}T10:00"},
                "behaviours": ["contact"],
            },
        )
    diary.incident_create(
        open_case=open_case,
        data={
            "when": {"kind": "exact", "at": f"{today - timedelta(days=2)}T10:00"},
            "behaviours": ["threats"],
        },
    )

    response = client.get(
        reverse("diary:case", args=[open_case.id]), {"behaviour": "contact", "page": "3"}
    )

    assert response.status_code == 200
    warnings = soup(response).select_one(".safetrail-warnings")
    assert warnings is not None
    assert "threat" in warnings.get_text(" ").lower()
