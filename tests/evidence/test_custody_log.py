"""The custody log of a real case: every action adds exactly one line, in order, and
any change made to the stored log behind the site's back is found and named.

The actions go through the site's pages. The tampering goes straight at the
database (raw SQL, as someone with access to it could), past every guard.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from safetrail.diary.models import Incident
from safetrail.evidence import custody_log
from safetrail.evidence.models import CustodyEntry, EvidenceItem
from tests.diary.helpers import full_entry, person, reopen, tamper
from tests.evidence.test_locker import item_url, stored_files, streamed, text_of, upload
from tests.evidence.test_upload_handler import jpeg_with_gps

pytestmark = pytest.mark.django_db

CHECKS_OUT = "The log checks out: no line has been changed, removed or moved."
DOES_NOT = "The log does not check out"


@pytest.fixture(autouse=True)
def store_root(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR / "files"


def log_rows(open_case) -> list[tuple[int, str]]:
    return list(
        CustodyEntry.objects.filter(case=open_case.case)
        .order_by("sequence")
        .values_list("sequence", "action")
    )


def log_page(client, open_case) -> str:
    response = client.get(reverse("evidence:custody", args=[open_case.id]))
    assert response.status_code == 200
    return text_of(response)


# --- every action adds one line ---------------------------------------------------------------


def test_each_action_appends_exactly_one_entry_in_order(
    store_root, django_capture_on_commit_callbacks
):
    client, user, open_case = person()
    photo = jpeg_with_gps()
    sha256 = hashlib.sha256(photo).hexdigest()
    expected: list[tuple[int, str]] = []
    assert log_rows(open_case) == expected

    def then(action: str) -> None:
        expected.append((len(expected) + 1, action))
        assert log_rows(open_case) == expected

    upload(client, open_case, ("photo.jpg", photo))
    item = EvidenceItem.objects.get()
    then("evidence_added")
    # The item page, its preview and the log page show derived data only: not logged.
    client.get(item_url(open_case, item))
    client.get(item_url(open_case, item, "preview"))
    log_page(client, open_case)
    assert log_rows(open_case) == expected
    assert streamed(client.get(item_url(open_case, item, "view"))) == photo
    then("evidence_viewed")
    assert streamed(client.get(item_url(open_case, item, "download"))) == photo
    then("evidence_downloaded")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(item_url(open_case, item, "delete"), {"confirm": "yes"})
    assert response.status_code == 302
    then("evidence_deleted")
    response = client.post(reverse("diary:incident_new", args=[open_case.id]), full_entry())
    assert response.status_code == 302
    then("incident_created")
    response = client.post(
        response["Location"] + "amend/",
        full_entry(what_happened="He came back later.", reason="I remembered more"),
    )
    assert response.status_code == 302
    then("incident_amended")

    opened = custody_log.entries(reopen(user, open_case))
    details = [entry.details for entry, _row in opened]
    assert [detail.get("sha256") for detail in details[:4]] == [sha256] * 4
    assert {detail["item"] for detail in details[:4]} == {str(item.id)}
    incident = Incident.objects.get()
    assert details[4]["incident"] == details[5]["incident"] == str(incident.id)
    assert custody_log.verify(reopen(user, open_case)) is None
    page = log_page(client, open_case)
    assert CHECKS_OUT in page
    assert DOES_NOT not in page


def test_a_deleted_item_keeps_its_log_entries_but_its_files_are_gone(
    store_root, django_capture_on_commit_callbacks
):
    client, user, open_case = person()
    photo = jpeg_with_gps()
    upload(client, open_case, ("IMG_2041.jpg", photo))
    item = EvidenceItem.objects.get()
    assert item.preview_blob_name
    blobs = {item.blob_name, item.preview_blob_name}
    assert {path.name for path in stored_files(store_root)} == blobs

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(item_url(open_case, item, "delete"), {"confirm": "yes"})

    assert response.status_code == 302
    assert not EvidenceItem.objects.exists()
    assert stored_files(store_root) == []
    assert client.get(item_url(open_case, item, "download")).status_code == 404
    opened = custody_log.entries(reopen(user, open_case))
    assert [(row.action, entry.details["item"]) for entry, row in opened] == [
        ("evidence_added", str(item.id)),
        ("evidence_deleted", str(item.id)),
    ]
    sha256 = hashlib.sha256(photo).hexdigest()
    assert [entry.details["sha256"] for entry, _row in opened] == [sha256, sha256]
    assert opened[1][0].details["name"] == "IMG_2041.jpg"
    page = log_page(client, open_case)
    assert CHECKS_OUT in page
    assert "evidence_deleted: IMG_2041.jpg" in page


# --- tampering is found ---------------------------------------------------------------------


@pytest.fixture
def five_entries(store_root):
    """A case whose log has five entries, made through the site; returns client, user, case."""
    client, user, open_case = person()
    upload(client, open_case, ("photo.jpg", jpeg_with_gps()))  # 1
    item = EvidenceItem.objects.get()
    streamed(client.get(item_url(open_case, item, "view")))  # 2
    streamed(client.get(item_url(open_case, item, "download")))  # 3
    response = client.post(reverse("diary:incident_new", args=[open_case.id]), full_entry())  # 4
    client.post(  # 5
        response["Location"] + "amend/",
        full_entry(what_happened="He came back later.", reason="I remembered more"),
    )
    assert [action for _sequence, action in log_rows(open_case)] == [
        "evidence_added",
        "evidence_viewed",
        "evidence_downloaded",
        "incident_created",
        "incident_amended",
    ]
    assert custody_log.verify(reopen(user, open_case)) is None
    assert CHECKS_OUT in log_page(client, open_case)
    return client, user, open_case


def _row(open_case, sequence: int) -> CustodyEntry:
    return CustodyEntry.objects.get(case=open_case.case, sequence=sequence)


def change_a_sealed_byte(open_case) -> int:
    row = _row(open_case, 3)
    sealed = bytearray(row.sealed)
    sealed[len(sealed) // 2] ^= 0x01
    tamper(CustodyEntry, row.id, sealed=bytes(sealed))
    return 3


def change_the_time(open_case) -> int:
    row = _row(open_case, 3)
    tamper(CustodyEntry, row.id, at=row.at + timedelta(seconds=1))
    return 3


def change_the_action(open_case) -> int:
    row = _row(open_case, 2)
    assert row.action == "evidence_viewed"
    tamper(CustodyEntry, row.id, action="evidence_downloaded")
    return 2


def change_the_stored_hash(open_case) -> int:
    row = _row(open_case, 4)
    tamper(CustodyEntry, row.id, entry_hash=hashlib.sha256(b"something else").digest())
    return 4


def swap_two_sequence_numbers(open_case) -> int:
    second, third = _row(open_case, 2), _row(open_case, 3)
    tamper(CustodyEntry, second.id, sequence=1000)  # out of the way of the unique constraint
    tamper(CustodyEntry, third.id, sequence=2)
    tamper(CustodyEntry, second.id, sequence=3)
    return 2


def delete_an_entry(open_case) -> int:
    row = _row(open_case, 3)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM evidence_custodyentry WHERE id = %s", [row.id])
        assert cursor.rowcount == 1
    return 3


@pytest.mark.parametrize(
    "change",
    [
        change_a_sealed_byte,
        change_the_time,
        change_the_action,
        change_the_stored_hash,
        swap_two_sequence_numbers,
        delete_an_entry,
    ],
)
def test_tampering_with_the_stored_log_is_found_and_named(five_entries, change):
    client, user, open_case = five_entries

    first_bad = change(open_case)

    problem = custody_log.verify(reopen(user, open_case))
    assert problem is not None
    assert problem.sequence == first_bad
    page = log_page(client, open_case)
    assert DOES_NOT in page
    assert f"Line {first_bad} is not what was written." in page
    assert CHECKS_OUT not in page
