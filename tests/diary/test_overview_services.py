"""A case opened whole, for its overview: the same incidents, in the same order, as one at a time.

``incidents_all`` and ``case_overview`` read rows as the database driver gives
them and build only what the overview needs per incident (see the services).
These tests hold them to a plain reference: each incident opened through the
ORM and the vault, amended and summarised step by step, as the services did
before they were made fast.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from safetrail.accounts import services as accounts
from safetrail.diary import content
from safetrail.diary import overview as overview_module
from safetrail.diary import services as diary
from safetrail.diary.models import Amendment, Incident
from safetrail.diary.overview import Filters, IncidentSummary, summarise
from safetrail.vault import services as vault
from safetrail.vault.services import RecordUnreadable
from tests.diary.helpers import tamper

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def new_case(username: str = "olu") -> diary.OpenCase:
    user, account_key, _ = accounts.account_create(username=username, password=PASSWORD)
    return diary.case_create(owner=user, account_key=account_key, name="Overview (fictional)")


def _open(open_case, table: str, row) -> dict:
    return vault.record_open(
        key=open_case.key, table=table, row_id=row.id, case_id=open_case.id, sealed=row.sealed
    )


def _reference_sort_key(when: dict, local_receipt: datetime) -> datetime:
    kind = when.get("kind")
    try:
        if kind == "exact":
            return datetime.fromisoformat(when["at"])
        if kind == "part_of_day":
            return datetime.combine(
                date.fromisoformat(when["date"]),
                content.PART_OF_DAY_TIMES.get(when.get("part"), time()),
            )
        if kind == "range":
            return datetime.combine(date.fromisoformat(when["start"]), time())
    except (KeyError, ValueError):
        pass
    return local_receipt


def reference(open_case) -> list[tuple]:
    """Every incident as (summary, recorded_at, original, amendments, current), in order."""
    zone = timezone.get_current_timezone()
    views = []
    for incident in Incident.objects.filter(case=open_case.case):
        original = _open(open_case, "diary_incident", incident)
        sealed_at = original.pop(content.RECORDED_AT_KEY, None)
        assert sealed_at is None or datetime.fromisoformat(sealed_at) == incident.recorded_at
        original.pop(content.SEQUENCE_KEY, None)
        unnumbered, numbered = [], []
        for amendment in Amendment.objects.filter(incident=incident).order_by("recorded_at", "id"):
            data = _open(open_case, "diary_amendment", amendment)
            assert data["incident"] == str(incident.id)
            data.pop(content.RECORDED_AT_KEY, None)
            number = data.pop(content.SEQUENCE_KEY, None)
            opened = {**data, "recorded_at": amendment.recorded_at}
            (unnumbered if number is None else numbered).append((number, opened))
        amendments = [opened for _, opened in unnumbered] + [
            opened for _, opened in sorted(numbered, key=lambda pair: pair[0])
        ]
        full = content.with_defaults(original)
        current = content.apply_amendments(full, amendments) if amendments else full
        local = timezone.localtime(incident.recorded_at, zone).replace(tzinfo=None)
        when = current.get("when", {})
        sort_at = _reference_sort_key(when, local)
        summary = IncidentSummary(
            id=str(incident.id),
            day=sort_at.date() if content.when_day(when) is not None else local.date(),
            sort_at=sort_at,
            approximate=when.get("kind") in {"part_of_day", "range"},
            behaviours=tuple(current.get("behaviours", [])),
            letters=tuple(current.get("letters", [])),
            reported=current.get("reported", {}).get("status") == "yes",
            feared_violence=current.get("feared_violence") == "yes",
        )
        views.append((summary, incident.recorded_at, full, amendments, current))
    return sorted(views, key=lambda view: (view[0].sort_at, view[0].id))


def _seal_incident(open_case, record: dict) -> Incident:
    """An incident sealed as older versions did: without a receipt time, maybe without fields."""
    row_id = uuid.uuid4()
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


def _seal_amendment(open_case, incident: Incident, changes: dict) -> Amendment:
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


def varied_case(monkeypatch) -> diary.OpenCase:
    """One of every kind of entry the overview meets."""
    open_case = new_case()
    create = diary.incident_create

    def amend(incident, reason, **changes):
        return diary.incident_amend(
            open_case=open_case, incident_id=incident.id, reason=reason, changes=changes
        )

    create(
        open_case=open_case,
        data={
            "when": {"kind": "exact", "at": "2026-03-02T21:30"},
            "behaviours": ["contact", "loitering"],
            "letters": ["b"],
            "feared_violence": "yes",
            "reported": {"status": "yes", "crime_reference": "CR/1", "officer": "PC 1"},
        },
    )
    for part in ("morning", "afternoon", "evening", "night", "not a part"):
        create(
            open_case=open_case,
            data={"when": {"kind": "part_of_day", "date": "2026-03-04", "part": part}},
        )
    create(
        open_case=open_case,
        data={
            "when": {"kind": "range", "start": "2026-02-27", "end": "2026-03-01"},
            # The same behaviour twice still counts once.
            "behaviours": ["following", "following"],
        },
    )
    create(open_case=open_case, data={"what_happened": "no time given"})  # falls back
    create(open_case=open_case, data={"when": {"kind": "exact", "at": "not a time"}})
    create(open_case=open_case, data={"when": {"kind": "range", "start": "2026-02-30"}})
    # Received on a whole second (the database may store it without a fraction),
    # and on the next day in London: with no time of its own, that is its day.
    whole_second = datetime(2026, 7, 5, 23, 30, tzinfo=UTC)
    monkeypatch.setattr(diary.timezone, "now", lambda: whole_second)
    create(open_case=open_case, data={"what_happened": "after midnight, London time"})
    monkeypatch.undo()

    quick = create(
        open_case=open_case,
        data={"quick": True, "when": {"kind": "exact", "at": "2026-03-06T08:00"}},
    )
    amend(quick, "the details", quick=False, behaviours=["threats"], letters=["c"])
    amend(quick, "more", effect="I moved out", reported={"status": "yes"})
    amend(quick, "the date was wrong", when={"kind": "exact", "at": "2026-03-01T08:00"})

    legacy = _seal_incident(open_case, {"what_happened": "sealed long ago", "when": {}})
    _seal_amendment(open_case, legacy, {"behaviours": ["contact"]})
    amend(legacy, "later", when={"kind": "part_of_day", "date": "2026-01-10", "part": "night"})
    _seal_incident(
        open_case, {**content.empty_incident(), "when": {"kind": "exact", "at": "2026-03-02T21:30"}}
    )  # the same moment as the first: the id decides
    return open_case


def test_incidents_all_matches_opening_each_incident_on_its_own(monkeypatch):
    open_case = varied_case(monkeypatch)

    views = diary.incidents_all(open_case)
    expected = reference(open_case)

    assert len(views) == len(expected) == Incident.objects.count() == 14
    late = next(view for view in views if view.current["what_happened"].startswith("after"))
    assert late.summary.day == date(2026, 7, 6)
    for view, (summary, recorded_at, original, amendments, current) in zip(
        views, expected, strict=True
    ):
        assert view.summary == summary
        assert view.id == uuid.UUID(summary.id)
        assert isinstance(view.id, uuid.UUID)
        assert view.recorded_at == recorded_at
        assert view.recorded_at.utcoffset() is not None
        assert view.original == original
        assert list(view.amendments) == amendments
        assert view.current == current
        for record in (view.original, view.current, *view.amendments):
            assert not set(content.RESERVED_KEYS) & set(record)
        single = diary.incident_get(open_case=open_case, incident_id=view.id)
        assert (single.summary, single.original, single.current) == (
            view.summary,
            view.original,
            view.current,
        )
        assert list(single.amendments) == list(view.amendments)


def test_case_overview_counts_from_the_index_and_opens_the_newest_page(monkeypatch):
    """The counts cover every incident; the rows are the page's incidents, opened, newest first.

    Some of this case's incidents were written past the services (as older
    versions sealed them), so its index is rebuilt from the incidents first.
    """
    open_case = varied_case(monkeypatch)
    expected = reference(open_case)
    summaries = [summary for summary, *_ in expected]
    by_id = {summary.id: view for summary, *view in expected}

    for filters in (None, Filters(behaviour="contact"), Filters(start=date(2026, 3, 2))):
        shown = diary.case_overview(open_case, filters)

        assert shown.overview == summarise(summaries, filters)
        # Warnings read every incident, whatever the filters.
        assert sorted(item.summary for item in shown.incidents) == sorted(summaries)
        assert shown.total == len(summaries) == 14
        newest_first = list(reversed(shown.overview.incidents))
        assert [view.summary for view in shown.rows] == newest_first
        assert shown.page.number == shown.page.count == 1
        for view in shown.rows:
            recorded_at, original, amendments, current = by_id[view.summary.id]
            assert (view.recorded_at, view.original, list(view.amendments), view.current) == (
                recorded_at,
                original,
                amendments,
                current,
            )
        assert shown.first_when == by_id[shown.overview.first.id][3]["when"]
        assert shown.latest_when == by_id[shown.overview.latest.id][3]["when"]
    shown = diary.case_overview(open_case)
    assert dict(shown.overview.by_behaviour)["following"] == 1
    assert dict(shown.overview.by_behaviour)["contact"] == 2


def test_case_overview_pages_through_the_table_newest_first(monkeypatch):
    open_case = varied_case(monkeypatch)
    newest_first = [summary for summary, *_ in reversed(reference(open_case))]
    monkeypatch.setattr(overview_module, "PAGE_SIZE", 4)

    pages = [diary.case_overview(open_case, page=number) for number in (1, 2, 3, 4)]

    assert [shown.page.count for shown in pages] == [4, 4, 4, 4]
    assert [view.summary for shown in pages for view in shown.rows] == newest_first
    assert [len(shown.rows) for shown in pages] == [4, 4, 4, 2]
    assert all(shown.overview.occasions == 14 for shown in pages)
    # Past either end, or not a number: the nearest page there is, never an error.
    for asked, number in (("0", 1), ("-3", 1), ("5", 4), ("99999", 4), ("two", 1), ("", 1)):
        shown = diary.case_overview(open_case, page=asked)
        assert shown.page.number == number, asked
        assert [view.summary for view in shown.rows] == [
            view.summary for view in pages[number - 1].rows
        ]
    # Filters first, then pages: the pages of what the filters chose.
    shown = diary.case_overview(open_case, Filters(start=date(2026, 3, 2)), page=2)
    chosen = [s for s in newest_first if s.day >= date(2026, 3, 2)]
    assert [view.summary for view in shown.rows] == chosen[4:8]


def test_an_unamended_incident_keeps_one_record_for_original_and_current():
    open_case = new_case()
    diary.incident_create(open_case=open_case, data={"what_happened": "once"})

    (view,) = diary.incidents_all(open_case)

    assert view.original is view.current
    assert view.amendments == ()


def test_fields_an_older_entry_lacks_read_as_empty():
    open_case = new_case()
    _seal_incident(open_case, {"what_happened": "before witnesses were asked for"})

    (view,) = diary.incidents_all(open_case)

    assert view.current == {
        **content.empty_incident(),
        "what_happened": "before witnesses were asked for",
    }


@pytest.mark.parametrize(
    "change",
    [
        lambda moment: moment - timedelta(microseconds=1),
        lambda moment: moment + timedelta(microseconds=1),
        lambda moment: moment.replace(microsecond=0),
    ],
    ids=["a microsecond earlier", "a microsecond later", "to the whole second"],
)
def test_a_receipt_time_changed_at_all_shows_on_the_overview(change):
    open_case = new_case()
    incident = diary.incident_create(open_case=open_case, data={"what_happened": "x"})
    diary.incident_create(open_case=open_case, data={"what_happened": "y"})
    if incident.recorded_at.microsecond == 0:
        pytest.skip("received on a whole second already")

    tamper(Incident, incident.id, recorded_at=change(incident.recorded_at))

    with pytest.raises(RecordUnreadable):
        diary.case_overview(open_case)


def test_a_receipt_time_sealed_in_another_offset_still_opens():
    """The check compares moments, not spellings: "+01:00" is as good as "Z"."""
    open_case = new_case()
    row_id = uuid.uuid4()
    received = datetime(2026, 3, 5, 12, 0, 0, 123456, tzinfo=UTC)
    record = {
        **content.empty_incident(),
        content.RECORDED_AT_KEY: "2026-03-05T13:00:00.123456+01:00",
    }
    Incident.objects.create(
        id=row_id,
        case=open_case.case,
        recorded_at=received,
        sealed=vault.record_seal(
            key=open_case.key,
            table="diary_incident",
            row_id=row_id,
            case_id=open_case.id,
            data=record,
        ),
    )

    (view,) = diary.incidents_all(open_case)

    assert view.recorded_at == received


def test_when_moment_is_none_exactly_when_the_day_is_unknown():
    whens = [
        {},
        {"kind": "exact", "at": "2026-03-02T21:30"},
        {"kind": "exact", "at": "2026-03-02"},
        {"kind": "exact", "at": "never"},
        {"kind": "exact"},
        {"kind": "part_of_day", "date": "2026-03-04", "part": "night"},
        {"kind": "part_of_day", "date": "2026-03-04"},
        {"kind": "part_of_day", "date": "2026-13-04", "part": "night"},
        {"kind": "range", "start": "2026-02-27", "end": "2026-03-01"},
        {"kind": "range", "end": "2026-03-01"},
        {"kind": "someday"},
    ]
    fallback = datetime(2020, 1, 1, 12, 0, tzinfo=UTC)

    for when in whens:
        moment = content.when_moment(when)
        day = content.when_day(when)
        assert (moment is None) == (day is None), when
        if moment is not None:
            assert moment.date() == day
            assert content.when_sort_key(when, fallback) == moment
        else:
            assert content.when_sort_key(when, fallback) == fallback.replace(tzinfo=None)


def test_fill_defaults_adds_only_what_is_missing_and_keeps_the_record():
    record = {"what_happened": "x", "behaviours": ["contact"], "extra": 1}
    expected = content.with_defaults(record)

    filled = content.fill_defaults(record)

    assert filled is record
    assert filled == expected
    assert filled["behaviours"] == ["contact"]
    full = content.empty_incident()
    assert content.fill_defaults(full) is full
    assert full == content.empty_incident()
