"""Nothing written in the diary is readable in the database or the file store."""

from __future__ import annotations

import json
import shutil

import pytest
from django.db import connection
from django.urls import reverse

from safetrail.diary.models import CaseIndex
from safetrail.vault import services as vault
from tests.diary.helpers import full_entry, person
from tests.rawdata import assert_absent, database_bytes, file_store_bytes

pytestmark = pytest.mark.django_db(transaction=True)

INCIDENT_TEXT = "MARK-incident-he-scratched-the-car"
SUSPECT_DETAIL = "MARK-suspect-scar-on-left-hand"
PRIVATE_NOTE = "MARK-note-tell-my-sister"
PLACE = "MARK-place-corner-of-mill-lane"
CASE_NAME = "MARK-case-name"
# The case index keeps when each incident happened (not what was written): a
# moment no other column holds in clear, so finding it would be a leak.
WHEN = "2019-07-13T04:17"


@pytest.mark.skipif(
    connection.vendor == "postgresql" and shutil.which("pg_dump") is None,
    reason="pg_dump is not installed",
)
def test_diary_content_is_not_readable_at_rest():
    client, _user, open_case = person()
    client.post(reverse("diary:case_new"), {"name": CASE_NAME})
    client.post(
        reverse("diary:incident_new", args=[open_case.id]),
        full_entry(what_happened=INCIDENT_TEXT, private_notes=PRIVATE_NOTE, where=PLACE),
    )
    client.post(
        reverse("diary:incident_new", args=[open_case.id]),
        full_entry(date_day="13", date_month="7", date_year="2019", time="4.17am"),
    )
    client.post(
        reverse("diary:suspect", args=[open_case.id]),
        {"features": SUSPECT_DETAIL, "phone_numbers": "07700 900123"},
    )
    client.post(reverse("diary:unsafe", args=[open_case.id]), {"place": PLACE})
    client.post(
        reverse("diary:daily_life", args=[open_case.id]),
        {
            "kind": "route",
            "since_day": "1",
            "since_month": "2",
            "since_year": "2026",
            "description": PRIVATE_NOTE,
        },
    )
    page = client.get(reverse("diary:case", args=[open_case.id])).content.decode()
    assert INCIDENT_TEXT[:20] in page  # it really was saved
    assert "13 July 2019, 04:17" in page
    index = CaseIndex.objects.get(case=open_case.case)  # and the index holds its time
    assert WHEN in json.dumps(
        vault.record_open(
            key=open_case.key,
            table="diary_caseindex",
            row_id=open_case.id,
            case_id=open_case.id,
            sealed=index.sealed,
        )
    )
    client.post(reverse("accounts:sign_out"))

    stored = database_bytes()

    assert len(stored) > 10_000
    markers = (INCIDENT_TEXT, SUSPECT_DETAIL, PRIVATE_NOTE, PLACE, CASE_NAME, "07700 900123", WHEN)
    for marker in markers:
        assert_absent(marker, stored, f"the {connection.vendor} database")
        assert_absent(marker, file_store_bytes(), "the file store")
