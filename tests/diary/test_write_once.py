"""Amendments, not edits: the original text of an incident is never overwritten."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from safetrail.diary import content
from safetrail.diary import services as diary
from safetrail.diary.models import (
    Amendment,
    Incident,
    SuspectProfile,
    WriteOnceError,
)
from safetrail.vault import services as vault
from safetrail.vault.services import RecordUnreadable
from tests.diary.helpers import full_entry, person, reopen, tamper

pytestmark = pytest.mark.django_db


def test_an_amendment_keeps_the_original(client):
    client, user, open_case = person()
    response = client.post(
        reverse("diary:incident_new", args=[open_case.id]), full_entry(what_happened="Version one")
    )
    incident_url = response["Location"]
    incident = Incident.objects.get()
    sealed_before = bytes(incident.sealed)

    response = client.post(
        incident_url + "amend/",
        full_entry(what_happened="Version two", reason="I remembered more"),
    )

    assert response.status_code == 302
    incident.refresh_from_db()
    assert bytes(incident.sealed) == sealed_before
    view = diary.incident_get(open_case=reopen(user, open_case), incident_id=incident.id)
    assert view.original["what_happened"] == "Version one"
    assert view.current["what_happened"] == "Version two"
    assert view.amendments[0]["reason"] == "I remembered more"
    assert view.amendments[0]["changes"] == {"what_happened": "Version two"}
    page = client.get(incident_url).content.decode()
    assert "Version one" in page
    assert "Version two" in page
    assert "I remembered more" in page


def test_an_amendment_that_changes_nothing_adds_nothing():
    client, _user, open_case = person()
    response = client.post(reverse("diary:incident_new", args=[open_case.id]), full_entry())

    client.post(response["Location"] + "amend/", full_entry(reason="no change"))

    assert Amendment.objects.count() == 0


def test_an_amendment_needs_a_reason():
    client, _user, open_case = person()
    response = client.post(reverse("diary:incident_new", args=[open_case.id]), full_entry())

    page = client.post(response["Location"] + "amend/", full_entry(what_happened="changed"))

    assert page.status_code == 200
    assert "Say why you are changing the entry" in page.content.decode()
    assert Amendment.objects.count() == 0


def test_no_code_path_overwrites_incident_content():
    _, _user, open_case = person()
    incident = diary.incident_create(open_case=open_case, data={"what_happened": "original"})
    original = bytes(incident.sealed)

    incident.sealed = b"overwritten"
    with pytest.raises(WriteOnceError):
        incident.save()
    with pytest.raises(WriteOnceError):
        Incident.objects.filter(id=incident.id).update(sealed=b"overwritten")
    with pytest.raises(WriteOnceError):
        Incident.objects.bulk_update([incident], ["sealed"])
    amendment = diary.incident_amend(
        open_case=open_case, incident_id=incident.id, reason="r", changes={"where": "x"}
    )
    amendment.sealed = b"overwritten"
    with pytest.raises(WriteOnceError):
        amendment.save()

    assert bytes(Incident.objects.get(id=incident.id).sealed) == original


def test_an_amendment_moved_to_another_incident_does_not_open():
    _, _user, open_case = person()
    first = diary.incident_create(open_case=open_case, data={"what_happened": "first"})
    second = diary.incident_create(open_case=open_case, data={"what_happened": "second"})
    amendment = diary.incident_amend(
        open_case=open_case, incident_id=first.id, reason="r", changes={"where": "x"}
    )
    # Someone with database access re-points the amendment at the other incident.
    Amendment.objects.filter(id=amendment.id).update(incident=second)

    with pytest.raises(RecordUnreadable):
        diary.incident_get(open_case=open_case, incident_id=second.id)


# --- no bulk path writes over an entry ----------------------------------------------------


def _entries(open_case) -> list:
    """One of each write-once row, written through the services."""
    incident = diary.incident_create(open_case=open_case, data={"what_happened": "original"})
    amendment = diary.incident_amend(
        open_case=open_case, incident_id=incident.id, reason="r", changes={"where": "x"}
    )
    suspect = diary.suspect_save(open_case=open_case, data={"names": "original"})
    daily = diary.daily_life_add(open_case=open_case, data={"kind": "route"})
    return [incident, amendment, suspect, daily]


def _copy(entry, **changes):
    model = type(entry)
    values = {field.attname: getattr(entry, field.attname) for field in model._meta.concrete_fields}
    return model(**{**values, **changes})


@pytest.mark.parametrize("update_fields", [["sealed"], ["recorded_at"], ["sealed", "recorded_at"]])
def test_bulk_create_cannot_overwrite_an_entry_on_conflict(update_fields):
    _, _user, open_case = person()
    entries = _entries(open_case)
    before = {entry.id: (bytes(entry.sealed), entry.recorded_at) for entry in entries}

    for entry in entries:
        copy = _copy(entry, sealed=b"overwritten", recorded_at=entry.recorded_at - timedelta(1))
        with pytest.raises(WriteOnceError):
            type(entry).objects.bulk_create(
                [copy], update_conflicts=True, update_fields=update_fields, unique_fields=["id"]
            )

    for entry in entries:
        stored = type(entry).objects.get(id=entry.id)
        assert (bytes(stored.sealed), stored.recorded_at) == before[entry.id]


def test_bulk_create_refuses_any_update_on_conflict_and_still_inserts():
    _, _user, open_case = person()
    incident = diary.incident_create(open_case=open_case, data={"what_happened": "original"})
    original = bytes(incident.sealed)

    # "ON CONFLICT DO UPDATE" is refused whatever it would update ...
    with pytest.raises(WriteOnceError):
        Incident.objects.bulk_create(
            [_copy(incident, sealed=b"overwritten")],
            update_conflicts=True,
            update_fields=["case"],
            unique_fields=["id"],
        )
    # ... while a conflict that is skipped leaves the entry as it was,
    Incident.objects.bulk_create([_copy(incident, sealed=b"overwritten")], ignore_conflicts=True)
    assert bytes(Incident.objects.get(id=incident.id).sealed) == original
    # and a plain insert of new rows works.
    Incident.objects.bulk_create([_copy(incident, id=uuid.uuid4())])
    assert Incident.objects.count() == 2


def test_suspect_profile_versions_are_written_once():
    client, _user, open_case = person()
    profile = diary.suspect_save(open_case=open_case, data={"names": "First guess"})
    original = bytes(profile.sealed)

    profile.sealed = b"overwritten"
    with pytest.raises(WriteOnceError):
        profile.save()
    with pytest.raises(WriteOnceError):
        SuspectProfile.objects.filter(id=profile.id).update(sealed=b"overwritten")
    with pytest.raises(WriteOnceError):
        open_case.case.suspect_versions.update(recorded_at=timezone.now())
    with pytest.raises(WriteOnceError):
        SuspectProfile.objects.bulk_update([profile], ["sealed"])

    assert bytes(SuspectProfile.objects.get(id=profile.id).sealed) == original
    # Saving the profile still works: it adds a version.
    client.post(reverse("diary:suspect", args=[open_case.id]), {"names": "Now I know"})
    assert SuspectProfile.objects.count() == 2


# --- the server's receipt time is sealed with the entry ---------------------------------------


def _sealed(open_case, table: str, row) -> dict:
    return vault.record_open(
        key=open_case.key, table=table, row_id=row.id, case_id=open_case.id, sealed=row.sealed
    )


def _incident_with_amendment(open_case):
    incident = diary.incident_create(open_case=open_case, data={"what_happened": "original"})
    amendment = diary.incident_amend(
        open_case=open_case, incident_id=incident.id, reason="why", changes={"where": "x"}
    )
    return incident, amendment


def test_the_receipt_time_is_sealed_and_never_shown_as_content():
    _, _user, open_case = person()
    incident, amendment = _incident_with_amendment(open_case)

    for table, row in (("diary_incident", incident), ("diary_amendment", amendment)):
        stored = type(row).objects.get(id=row.id)
        sealed_at = _sealed(open_case, table, stored)["_recorded_at"]
        assert sealed_at.endswith("+00:00")
        assert len(sealed_at.split("T")[1].split("+")[0]) == len("HH:MM:SS.ffffff")
        assert datetime.fromisoformat(sealed_at) == stored.recorded_at
    view = diary.incident_get(open_case=open_case, incident_id=incident.id)
    for record in (view.original, view.current, *view.amendments):
        assert not set(content.RESERVED_KEYS) & set(record)
    assert view.amendments[0]["changes"] == {"where": "x"}
    assert set(view.amendments[0]) == {"incident", "reason", "changes", "recorded_at"}
    assert view.recorded_at == incident.recorded_at
    assert view.amendments[0]["recorded_at"] == amendment.recorded_at


def test_the_receipt_time_cannot_be_given_by_the_caller():
    _, _user, open_case = person()
    incident = diary.incident_create(
        open_case=open_case,
        data={"what_happened": "x", "_recorded_at": "2001-01-01T00:00:00+00:00", "_sequence": 9},
    )

    sealed = _sealed(open_case, "diary_incident", incident)
    assert datetime.fromisoformat(sealed["_recorded_at"]) == incident.recorded_at
    assert "_sequence" not in sealed
    view = diary.incident_get(open_case=open_case, incident_id=incident.id)
    assert not set(content.RESERVED_KEYS) & set(view.original)


@pytest.mark.parametrize("shift", [timedelta(days=-30), timedelta(microseconds=1)])
def test_a_backdated_incident_does_not_open(shift):
    client, user, open_case = person()
    incident, _amendment = _incident_with_amendment(open_case)

    # Someone with database access moves the receipt time, past the model's guards.
    tamper(Incident, incident.id, recorded_at=incident.recorded_at + shift)

    with pytest.raises(RecordUnreadable):
        diary.incident_get(open_case=reopen(user, open_case), incident_id=incident.id)
    with pytest.raises(RecordUnreadable):
        diary.incidents_all(reopen(user, open_case))
    client.raise_request_exception = False
    page = client.get(reverse("diary:incident", args=[open_case.id, incident.id]))
    assert page.status_code == 422


def test_a_backdated_amendment_does_not_open():
    client, user, open_case = person()
    incident, amendment = _incident_with_amendment(open_case)

    tamper(Amendment, amendment.id, recorded_at=incident.recorded_at - timedelta(hours=1))

    with pytest.raises(RecordUnreadable):
        diary.incident_get(open_case=reopen(user, open_case), incident_id=incident.id)
    client.raise_request_exception = False
    page = client.get(reverse("diary:incident", args=[open_case.id, incident.id]))
    assert page.status_code == 422


def _legacy_incident(open_case, data: dict) -> Incident:
    """An incident as it was sealed before receipt times were: without one."""
    row_id = uuid.uuid4()
    record = {**content.empty_incident(), **data}
    return Incident.objects.create(
        id=row_id,
        case=open_case.case,
        sealed=vault.record_seal(
            key=open_case.key,
            table="diary_incident",
            row_id=row_id,
            case_id=open_case.id,
            data=record,
        ),
    )


def _legacy_amendment(open_case, incident, changes: dict) -> Amendment:
    """An amendment as it was sealed before receipt times and numbers were."""
    row_id = uuid.uuid4()
    return Amendment.objects.create(
        id=row_id,
        incident=incident,
        sealed=vault.record_seal(
            key=open_case.key,
            table="diary_amendment",
            row_id=row_id,
            case_id=open_case.id,
            data={"incident": str(incident.id), "reason": "earlier", "changes": changes},
        ),
    )


def test_entries_sealed_before_receipt_times_and_numbers_still_open():
    _, user, open_case = person()
    incident = _legacy_incident(open_case, {"what_happened": "old"})
    legacy = _legacy_amendment(open_case, incident, {"where": "first"})
    newer = diary.incident_amend(
        open_case=open_case, incident_id=incident.id, reason="later", changes={"effect": "e"}
    )

    assert _sealed(open_case, "diary_amendment", newer)["_sequence"] == 2
    view = diary.incident_get(open_case=reopen(user, open_case), incident_id=incident.id)
    assert view.original["what_happened"] == "old"
    assert [a["reason"] for a in view.amendments] == ["earlier", "later"]
    assert view.current["where"] == "first"
    assert view.current["effect"] == "e"
    for record in (view.original, view.current, *view.amendments):
        assert not set(content.RESERVED_KEYS) & set(record)

    # The unnumbered amendment counts too: deleting it leaves a gap.
    Amendment.objects.filter(id=legacy.id).delete()
    with pytest.raises(RecordUnreadable):
        diary.incident_get(open_case=reopen(user, open_case), incident_id=incident.id)


# --- an amendment deleted from the history shows ------------------------------------------------


def _amended_three_times(open_case):
    incident = diary.incident_create(open_case=open_case, data={"what_happened": "v0"})
    amendments = [
        diary.incident_amend(
            open_case=open_case,
            incident_id=incident.id,
            reason=f"reason {number}",
            changes={"what_happened": f"v{number}"},
        )
        for number in (1, 2, 3)
    ]
    return incident, amendments


def test_amendments_are_numbered_in_their_sealed_content():
    _, _user, open_case = person()
    incident, amendments = _amended_three_times(open_case)

    assert [_sealed(open_case, "diary_amendment", a)["_sequence"] for a in amendments] == [1, 2, 3]
    view = diary.incident_get(open_case=open_case, incident_id=incident.id)
    assert [a["reason"] for a in view.amendments] == ["reason 1", "reason 2", "reason 3"]
    assert view.current["what_happened"] == "v3"


@pytest.mark.parametrize("deleted", [0, 1])
def test_a_deleted_amendment_leaves_a_gap_that_shows(deleted):
    client, user, open_case = person()
    incident, amendments = _amended_three_times(open_case)

    Amendment.objects.filter(id=amendments[deleted].id).delete()

    with pytest.raises(RecordUnreadable):
        diary.incident_get(open_case=reopen(user, open_case), incident_id=incident.id)
    client.raise_request_exception = False
    assert client.get(reverse("diary:incident", args=[open_case.id, incident.id])).status_code == (
        422
    )
    assert client.get(reverse("diary:case", args=[open_case.id])).status_code == 422


def test_amendments_apply_in_the_order_they_were_written_even_if_the_clock_went_back(
    monkeypatch,
):
    _, user, open_case = person()
    incident = diary.incident_create(open_case=open_case, data={"what_happened": "v0"})
    diary.incident_amend(
        open_case=open_case, incident_id=incident.id, reason="first", changes={"where": "A"}
    )
    # The server's clock is set back (or another server's runs behind) before the next one.
    earlier = datetime(2020, 1, 1, tzinfo=UTC)
    monkeypatch.setattr(diary.timezone, "now", lambda: earlier)
    second = diary.incident_amend(
        open_case=open_case, incident_id=incident.id, reason="second", changes={"where": "B"}
    )
    monkeypatch.undo()

    assert Amendment.objects.get(id=second.id).recorded_at == earlier
    view = diary.incident_get(open_case=reopen(user, open_case), incident_id=incident.id)
    assert [a["reason"] for a in view.amendments] == ["first", "second"]
    assert view.current["where"] == "B"
