"""The case index: the facts the overview counts, sealed, kept in step, and healed.

Each case has one sealed record with, per incident, only what the overview and
the warnings count (``diary.case_index``). These tests check what it holds for
a hand-built case, that every write keeps it exactly as a fresh build from the
incidents would be (so the overview never needs to open them all), and that a
missing, unreadable or stale index is rebuilt and gives the same overview.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import date

import pytest
from django.db import connections
from django.urls import reverse

from safetrail.accounts import services as accounts
from safetrail.diary import case_index, content
from safetrail.diary import services as diary
from safetrail.diary.models import Amendment, CaseIndex, Incident, UnsafeMoment
from safetrail.diary.overview import summarise
from safetrail.vault import services as vault
from tests.diary.helpers import full_entry, person, reopen, tamper

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
WORDS = (
    "He shouted at me",
    "Outside my flat",
    "Grey hoodie",
    "Blue Ford",
    "My neighbour",
    "Flat 2",
    "Saw the car",
    "could not sleep",
    "CR/2026/1",
    "PC 1234",
    "Tell my sister",
    "an extra key",
)


def new_case(username: str = "indi") -> diary.OpenCase:
    user, account_key, _ = accounts.account_create(username=username, password=PASSWORD)
    return diary.case_create(owner=user, account_key=account_key, name="Index (fictional)")


def stored_record(open_case) -> dict:
    """The index as sealed, opened with the case key."""
    row = CaseIndex.objects.get(case=open_case.case)
    return vault.record_open(
        key=open_case.key,
        table="diary_caseindex",
        row_id=open_case.id,
        case_id=open_case.id,
        sealed=row.sealed,
    )


def fresh(open_case) -> case_index.CaseIndex:
    """The index a rebuild would make now, from every incident opened (nothing stored)."""
    return case_index.built(
        (view.summary.id, view.current, view.recorded_at, len(view.amendments))
        for view in diary.incidents_all(open_case)
    )


def assert_in_step(open_case) -> None:
    stored = case_index.CaseIndex.from_record(stored_record(open_case))
    assert stored == fresh(open_case)
    assert stored.in_step(
        Incident.objects.filter(case=open_case.case).count(),
        Amendment.objects.filter(incident__case=open_case.case).count(),
    )


@pytest.fixture
def no_rebuild(monkeypatch):
    """Fails the test if anything rebuilds an index (opens the whole case)."""

    def refuse(open_case):
        raise AssertionError("the index was rebuilt: it was not kept in step")

    monkeypatch.setattr(diary, "_index_rebuild_locked", refuse)


# --- what it holds --------------------------------------------------------------------------


def test_the_index_holds_only_the_facts_the_overview_counts(no_rebuild):
    open_case = new_case()
    assert stored_record(open_case) == {
        "version": 1,
        "incidents": 0,
        "amendments": 0,
        "entries": {},
    }
    full = diary.incident_create(
        open_case=open_case,
        data={
            "when": {"kind": "exact", "at": "2026-03-03T21:30", "note": "an extra key"},
            "where": "Outside my flat",
            "behaviours": ["loitering", "threats"],
            "letters": ["b", "c"],
            "what_happened": "He shouted at me",
            "suspect_appearance": "Grey hoodie",
            "vehicle": "Blue Ford",
            "witnesses": [{"name": "My neighbour", "contact": "Flat 2", "saw": "Saw the car"}],
            "feared_violence": "yes",
            "effect": "I could not sleep",
            "reported": {"status": "yes", "crime_reference": "CR/2026/1", "officer": "PC 1234"},
            "private_notes": "Tell my sister",
        },
    )
    evening = diary.incident_create(
        open_case=open_case,
        data={
            "when": {"kind": "part_of_day", "date": "2026-03-04", "part": "evening"},
            "feared_violence": "unsure",
            "reported": {"status": "no"},
        },
    )
    found = diary.incident_create(
        open_case=open_case,
        data={"when": {"kind": "range", "start": "2026-03-05", "end": "2026-03-07"}},
    )
    diary.incident_amend(
        open_case=open_case,
        incident_id=evening.id,
        reason="I remembered",
        changes={"behaviours": ["contact"], "reported": {"status": "yes"}},
    )
    diary.incident_amend(
        open_case=open_case, incident_id=found.id, reason="words only", changes={"effect": "x"}
    )

    record = stored_record(open_case)

    def receipt(incident) -> str:
        return case_index.receipt_text(incident.recorded_at)

    assert record == {
        "version": 1,
        "incidents": 3,
        "amendments": 2,
        "entries": {
            str(full.id): [
                {"kind": "exact", "at": "2026-03-03T21:30"},
                ["loitering", "threats"],
                ["b", "c"],
                True,
                True,
                receipt(full),
            ],
            str(evening.id): [
                {"kind": "part_of_day", "date": "2026-03-04", "part": "evening"},
                ["contact"],
                [],
                True,
                False,
                receipt(evening),
            ],
            str(found.id): [
                {"kind": "range", "start": "2026-03-05", "end": "2026-03-07"},
                [],
                [],
                False,
                False,
                receipt(found),
            ],
        },
    }
    text = json.dumps(record)
    for words in WORDS:
        assert words not in text
    assert_in_step(open_case)


def test_the_summaries_it_gives_are_those_of_the_incidents_opened(no_rebuild):
    open_case = new_case()
    for when in (
        {"kind": "exact", "at": "2026-03-03T21:30"},
        {"kind": "part_of_day", "date": "2026-03-04", "part": "night"},
        {"kind": "range", "start": "2026-03-05", "end": "2026-03-07"},
        {},
        {"kind": "exact", "at": "not a time"},
    ):
        diary.incident_create(open_case=open_case, data={"when": when, "behaviours": ["contact"]})

    shown = diary.case_overview(open_case)

    views = diary.incidents_all(open_case)
    assert sorted(item.summary for item in shown.incidents) == sorted(v.summary for v in views)
    assert shown.overview == summarise(view.summary for view in views)
    assert {item.summary.id: item.when for item in shown.incidents} == {
        view.summary.id: view.current["when"] for view in views
    }


# --- kept in step by every write -------------------------------------------------------------


def test_every_write_keeps_the_index_in_step(no_rebuild):
    client, user, open_case = person()
    case_url = reverse("diary:case", args=[open_case.id])

    def page():
        response = client.get(case_url)
        assert response.status_code == 200
        return response.content.decode()

    # A quick log ...
    client.post(
        reverse("diary:quick_log", args=[open_case.id]),
        {"what_happened": "At the bus stop again", "when": "now"},
    )
    assert_in_step(reopen(user, open_case))
    assert "1 occasion" in page()
    (quick,) = Incident.objects.filter(case=open_case.case)

    # ... completed later: an amendment that changes what the overview counts.
    response = client.post(
        reverse("diary:incident_amend", args=[open_case.id, quick.id]),
        {**full_entry(behaviours=["following"]), "reason": "The details"},
    )
    assert response.status_code == 302
    assert_in_step(reopen(user, open_case))
    (item,) = diary.case_overview(reopen(user, open_case)).incidents
    assert item.summary.behaviours == ("following",)
    assert item.summary.reported
    assert item.summary.feared_violence
    assert item.when == {"kind": "exact", "at": "2026-03-03T21:30"}

    # A full entry, and an amendment that changes only words.
    client.post(reverse("diary:incident_new", args=[open_case.id]), full_entry(date_day="4"))
    client.post(
        reverse("diary:incident_amend", args=[open_case.id, quick.id]),
        {**full_entry(behaviours=["following"], where="Somewhere else"), "reason": "Where"},
    )
    assert Amendment.objects.count() == 2
    assert_in_step(reopen(user, open_case))

    # "I felt unsafe", written up as an incident later.
    client.post(reverse("diary:unsafe", args=[open_case.id]), {"place": "The station"})
    moment = UnsafeMoment.objects.get()
    response = client.post(
        reverse("diary:incident_new", args=[open_case.id]),
        {**full_entry(date_day="5", behaviours=["watching"]), "from_unsafe": str(moment.id)},
    )
    assert response.status_code == 302
    assert UnsafeMoment.objects.get().incident_id is not None
    assert_in_step(reopen(user, open_case))
    assert "3 occasions" in page()


def test_writes_by_many_at_once_lose_no_entry(transactional_db):
    """The case's row lock queues writers: no index update is lost, none counted twice.

    Meanwhile someone keeps opening the overview, and now and then the index is
    deleted under it, so rebuilds race the writes too. On PostgreSQL they truly
    overlap; SQLite lets one write at a time.
    """
    open_case = new_case()
    writers, each = 4, 6
    errors: list[BaseException] = []
    start = threading.Barrier(writers + 1)
    done = threading.Event()

    def write(number: int) -> None:
        for n in range(each):
            incident = diary.incident_create(
                open_case=open_case,
                data={
                    "when": {"kind": "exact", "at": f"2026-03-{n + 1:02d}T1{number}:00"},
                    "behaviours": ["contact"],
                },
            )
            if n % 2:
                diary.incident_amend(
                    open_case=open_case,
                    incident_id=incident.id,
                    reason="more",
                    changes={"behaviours": ["contact", "threats"]},
                )

    def read() -> None:
        visits = 0
        while not done.is_set() or visits < 3:
            if visits % 3 == 2:
                CaseIndex.objects.filter(case=open_case.case).delete()
            diary.case_overview(open_case)
            visits += 1

    def run(work, *args) -> None:
        try:
            start.wait()
            work(*args)
        except BaseException as error:  # collected and checked below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(write, number)) for number in range(writers)]
    reader = threading.Thread(target=run, args=(read,))
    for thread in [*threads, reader]:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    done.set()
    reader.join(timeout=300)

    assert not any(thread.is_alive() for thread in [*threads, reader])
    assert errors == []
    diary.case_overview(open_case)  # in step already, or rebuilt now if the reader deleted it
    record = stored_record(open_case)
    assert record["incidents"] == len(record["entries"]) == writers * each
    assert record["amendments"] == writers * each // 2
    assert_in_step(open_case)
    counts = dict(diary.case_overview(open_case).overview.by_behaviour)
    assert counts == {"contact": writers * each, "threats": writers * each // 2}


def test_writes_after_the_overview_keep_it_in_step_without_a_rebuild(transactional_db):
    """No lost update, seen from the stored index itself (no overview to heal it)."""
    open_case = new_case()
    writers, each = 4, 5
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def run(number: int) -> None:
        try:
            start.wait()
            for n in range(each):
                diary.incident_create(
                    open_case=open_case,
                    data={"when": {"kind": "exact", "at": f"2026-04-{n + 1:02d}T1{number}:00"}},
                )
        except BaseException as error:  # collected and checked below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert errors == []
    assert stored_record(open_case)["incidents"] == writers * each
    assert_in_step(open_case)


# --- healed when missing, unreadable or stale ------------------------------------------------


def _some_incidents(open_case) -> list[Incident]:
    incidents = [
        diary.incident_create(
            open_case=open_case,
            data={
                "when": {"kind": "exact", "at": f"2026-03-{day:02d}T09:00"},
                "behaviours": ["contact"] if day % 2 else ["following"],
                "reported": {"status": "yes" if day % 3 == 0 else "no"},
            },
        )
        for day in range(1, 8)
    ]
    diary.incident_amend(
        open_case=open_case,
        incident_id=incidents[0].id,
        reason="more",
        changes={"behaviours": ["threats"]},
    )
    return incidents


def _seal_past_the_services(open_case, data: dict) -> Incident:
    row_id = uuid.uuid4()
    return Incident.objects.create(
        id=row_id,
        case=open_case.case,
        sealed=vault.record_seal(
            key=open_case.key,
            table="diary_incident",
            row_id=row_id,
            case_id=open_case.id,
            data={**content.empty_incident(), **data},
        ),
    )


def _delete_it(open_case, incidents) -> None:
    CaseIndex.objects.filter(case=open_case.case).delete()


def _garble_it(open_case, incidents) -> None:
    tamper(CaseIndex, open_case.id, sealed=b"\x00" * 64)


def _another_cases(open_case, incidents) -> None:
    other = new_case("other-indi")
    diary.incident_create(open_case=other, data={"when": {}})
    tamper(CaseIndex, open_case.id, sealed=CaseIndex.objects.get(case=other.case).sealed)


def _older_version(open_case, incidents) -> None:
    record = {**stored_record(open_case), "version": 0}
    sealed = vault.record_seal(
        key=open_case.key,
        table="diary_caseindex",
        row_id=open_case.id,
        case_id=open_case.id,
        data=record,
    )
    tamper(CaseIndex, open_case.id, sealed=sealed)


def _incident_added_past_it(open_case, incidents) -> None:
    _seal_past_the_services(open_case, {"when": {"kind": "exact", "at": "2026-03-20T10:00"}})


def _incident_deleted(open_case, incidents) -> None:
    Incident.objects.filter(id=incidents[3].id).delete()


def _amendment_deleted(open_case, incidents) -> None:
    # The latest (and only) amendment: the incident still opens, as it did before it.
    Amendment.objects.filter(incident=incidents[0]).delete()


def _one_incident_swapped_for_another(open_case, incidents) -> None:
    """The counts still match: only the page's incidents, checked against it, show it."""
    Incident.objects.filter(id=incidents[-1].id).delete()
    _seal_past_the_services(
        open_case, {"when": {"kind": "exact", "at": "2026-03-21T10:00"}, "behaviours": ["gifts"]}
    )


@pytest.mark.parametrize(
    "damage",
    [
        _delete_it,
        _garble_it,
        _another_cases,
        _older_version,
        _incident_added_past_it,
        _incident_deleted,
        _amendment_deleted,
        _one_incident_swapped_for_another,
    ],
    ids=lambda damage: damage.__name__.strip("_").replace("_", " "),
)
def test_a_missing_or_stale_index_is_rebuilt_and_the_overview_is_as_fresh(damage, request):
    open_case = new_case()
    incidents = _some_incidents(open_case)
    damage(open_case, incidents)

    shown = diary.case_overview(open_case)

    views = diary.incidents_all(open_case)
    assert shown.overview == summarise(view.summary for view in views)
    assert [view.summary for view in shown.rows] == list(reversed(shown.overview.incidents))
    assert_in_step(open_case)
    # Healed: the next overview reads it as it is, and shows the same.
    request.getfixturevalue("no_rebuild")
    again = diary.case_overview(open_case)
    assert again.overview == shown.overview
    assert [view.summary for view in again.rows] == [view.summary for view in shown.rows]


def test_a_write_never_fails_because_of_the_index_and_the_overview_heals_it():
    open_case = new_case()
    _some_incidents(open_case)
    _garble_it(open_case, [])

    incident = diary.incident_create(open_case=open_case, data={"when": {}})
    diary.incident_amend(
        open_case=open_case, incident_id=incident.id, reason="r", changes={"letters": ["a"]}
    )

    assert bytes(CaseIndex.objects.get(case=open_case.case).sealed) == b"\x00" * 64
    assert diary.case_overview(open_case).total == 8
    assert_in_step(open_case)


def test_a_case_from_before_the_index_gets_one_on_its_first_overview():
    open_case = new_case()
    incidents = _some_incidents(open_case)
    _delete_it(open_case, incidents)

    # Writes leave it to the overview: they never open the whole case.
    diary.incident_create(open_case=open_case, data={"when": {}})
    assert not CaseIndex.objects.filter(case=open_case.case).exists()

    shown = diary.case_overview(open_case)

    assert shown.total == 8
    assert_in_step(open_case)


def test_a_rebuild_opens_every_incident_so_a_changed_one_shows():
    """As before the index: the cold path checks every entry as it opens it."""
    open_case = new_case()
    incidents = _some_incidents(open_case)
    tamper(Incident, incidents[2].id, recorded_at=incidents[2].recorded_at.replace(year=2020))
    _delete_it(open_case, incidents)

    with pytest.raises(vault.RecordUnreadable):
        diary.case_overview(open_case)


def test_a_day_from_the_index_is_the_day_of_the_incident():
    open_case = new_case()
    diary.incident_create(
        open_case=open_case, data={"when": {"kind": "exact", "at": "2026-03-03T23:59"}}
    )

    (item,) = diary.case_overview(open_case).incidents

    assert item.summary.day == date(2026, 3, 3)
