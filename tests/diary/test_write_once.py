"""Amendments, not edits: the original text of an incident is never overwritten."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safetrail.diary import services as diary
from safetrail.diary.models import Amendment, Incident, WriteOnceError
from safetrail.vault.services import RecordUnreadable
from tests.diary.helpers import full_entry, person, reopen

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
