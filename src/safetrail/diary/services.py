"""The diary's actions. Every read and write of content goes through the vault.

An ``OpenCase`` is a case whose key is open for this request: a view gets one
from ``case_open`` (which checks the person holds the key) and hands it to
the other functions. Nothing here stores plaintext.
"""

from __future__ import annotations

import gc
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import cached_property, partial
from itertools import chain
from operator import attrgetter
from typing import Any

from django.db import connections, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from safetrail.diary import case_index, content
from safetrail.diary.case_index import IndexedIncident
from safetrail.diary.models import (
    Amendment,
    Case,
    CaseIndex,
    DailyLifeChange,
    Incident,
    SuspectProfile,
    UnsafeMoment,
)
from safetrail.diary.overview import (
    Filters,
    IncidentSummary,
    Overview,
    Page,
    newest_first_page,
    summarise,
)
from safetrail.vault import services as vault


@dataclass(frozen=True)
class OpenCase:
    case: Case
    key: bytes
    name: str

    @property
    def id(self) -> uuid.UUID:
        return self.case.id

    @cached_property
    def _id_text(self) -> str:
        # Every record's associated data names the case; spelled out once, not per row.
        return str(self.case.id)

    def seal(self, table: str, row_id: Any, data: dict) -> bytes:
        """Seals a record of this case, bound to its table and row."""
        return vault.record_seal(
            key=self.key, table=table, row_id=row_id, case_id=self._id_text, data=data
        )

    def open(self, table: str, row_id: Any, sealed: bytes) -> dict:
        return vault.record_open(
            key=self.key, table=table, row_id=row_id, case_id=self._id_text, sealed=sealed
        )


class IncidentView:
    """An incident, opened: as first written, its amendments in order, and as it reads now.

    Read, never changed. A case's overview makes thousands, so this is a plain
    slotted class, and the id as a UUID is made only when asked for (the
    summary holds it as text). ``original`` is ``current`` when nothing was
    amended, and ``amendments`` is then one shared empty tuple.
    """

    __slots__ = ("_id", "amendments", "current", "original", "recorded_at", "summary")

    def __init__(
        self,
        summary: IncidentSummary,
        recorded_at: datetime,
        original: dict[str, Any],
        amendments: tuple[dict[str, Any], ...],  # each with "recorded_at", "reason", "changes"
        current: dict[str, Any],
    ) -> None:
        self.summary = summary
        self.recorded_at = recorded_at
        self.original = original
        self.amendments = amendments
        self.current = current
        self._id: uuid.UUID | None = None

    @property
    def id(self) -> uuid.UUID:
        if self._id is None:
            self._id = uuid.UUID(self.summary.id)
        return self._id

    def __repr__(self) -> str:
        return f"<IncidentView {self.summary.id}>"


def _seal(open_case: OpenCase, table: str, row_id: uuid.UUID, data: dict) -> bytes:
    return open_case.seal(table, row_id, data)


def _open(open_case: OpenCase, table: str, row_id: uuid.UUID, sealed: bytes) -> dict:
    return open_case.open(table, row_id, sealed)


def _receipt(moment: datetime) -> str:
    """The server's receipt time as it is sealed: ISO 8601 in UTC, to the microsecond."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _take_reserved(data: dict[str, Any], recorded_at: Any, db_zone: tzinfo) -> datetime:
    """Takes the server's keys out of an opened entry; returns its receipt time, aware.

    ``recorded_at`` is the row's, as the database driver gives it (see
    ``_plain_rows``). The sealed receipt time must be the same: a row whose
    time was changed in the database (backdated) does not open. Entries sealed
    before the receipt time was sealed with them have no such key, and open.
    """
    sealed_at = data.pop(content.RECORDED_AT_KEY, None)
    data.pop(content.SEQUENCE_KEY, None)  # an amendment's place: ``_amendments`` reads it first
    if (
        db_zone is UTC
        and recorded_at.__class__ is datetime
        and recorded_at.tzinfo is None
        and sealed_at.__class__ is str
        and sealed_at.endswith("+00:00")
    ):
        # SQLite's naive UTC time against the sealed one as ``_receipt`` wrote it:
        # read without its "+00:00", the two compare with neither made aware first.
        try:
            if datetime.fromisoformat(sealed_at[:-6]) == recorded_at:
                return datetime.fromisoformat(sealed_at)
        except ValueError:
            pass
        raise vault.RecordUnreadable("recorded_at differs from the sealed receipt time")
    recorded_at = _aware(recorded_at, db_zone)
    if sealed_at is not None:
        try:
            matches = datetime.fromisoformat(sealed_at) == recorded_at
        except (TypeError, ValueError):
            matches = False
        if not matches:
            raise vault.RecordUnreadable("recorded_at differs from the sealed receipt time")
    return recorded_at


def _local(moment: datetime, zone: tzinfo | None = None) -> datetime:
    """The moment as a naive local time (in ``zone``, or else the current time zone)."""
    return timezone.localtime(moment, zone).replace(tzinfo=None)


# --- cases -------------------------------------------------------------------------------


@transaction.atomic
def case_create(*, owner: Any, account_key: bytes, name: str) -> OpenCase:
    key_id, key = vault.content_key_create(owner=owner, account_key=account_key)
    sealed = vault.record_seal(
        key=key, table="diary_case", row_id=key_id, case_id=key_id, data={"name": name}
    )
    case = Case.objects.create(id=key_id, owner=owner, sealed=sealed)
    open_case = OpenCase(case=case, key=key, name=name)
    _index_store(open_case, case_index.CaseIndex())  # empty: kept in step from the start
    return open_case


def case_open(*, user: Any, account_key: bytes, case_id: Any) -> OpenCase:
    """The case, if this person owns it; 404 otherwise (never "forbidden": it does not exist)."""
    case = Case.objects.filter(id=case_id, owner=user).first()
    if case is None:
        raise Http404
    key = vault.content_key_open(holder=user, key_id=case.id, account_key=account_key)
    data = vault.record_open(
        key=key, table="diary_case", row_id=case.id, case_id=case.id, sealed=case.sealed
    )
    return OpenCase(case=case, key=key, name=data.get("name", ""))


def cases_for(*, user: Any, account_key: bytes) -> list[OpenCase]:
    """Every case this person can open. One that will not open is left out, not fatal."""
    cases = []
    for case in Case.objects.filter(owner=user).order_by("created_at"):
        try:
            cases.append(case_open(user=user, account_key=account_key, case_id=case.id))
        except vault.RecordUnreadable:
            continue
    return cases


# --- the suspect ---------------------------------------------------------------------------


def suspect_current(open_case: OpenCase) -> tuple[dict[str, Any], datetime | None]:
    latest = open_case.case.suspect_versions.first()
    if latest is None:
        return {}, None
    return _open(open_case, "diary_suspectprofile", latest.id, latest.sealed), latest.recorded_at


def suspect_save(*, open_case: OpenCase, data: dict[str, Any]) -> SuspectProfile:
    """Saves a new version of the profile; earlier versions are kept."""
    row_id = uuid.uuid4()
    return SuspectProfile.objects.create(
        id=row_id,
        case=open_case.case,
        sealed=_seal(open_case, "diary_suspectprofile", row_id, data),
    )


# --- incidents -----------------------------------------------------------------------------


def _log(open_case: OpenCase, action: str, details: dict[str, Any]) -> None:
    # The custody log lives with the evidence; imported here to keep apps loosely tied.
    from safetrail.evidence import custody_log

    custody_log.append(open_case, action, details)


def _digest(record: dict[str, Any]) -> str:
    """A hash of what was written, for the custody log (which never holds the text)."""
    return hashlib.sha256(
        json.dumps(record, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _lock_case(open_case: OpenCase) -> None:
    """Takes the case's row lock until the transaction ends: one writer per case at a time.

    Every write that changes the case index takes it first, before any other
    row, so writers queue in one order: two at once cannot both read the index,
    add their own incident and write it back, losing the other's. (The custody
    log takes the same lock; taking it first also means no writer holds a lock
    another is waiting for while it waits for this one.) SQLite ignores it, but
    lets only one transaction write at a time anyway.
    """
    list(Case.objects.select_for_update().filter(id=open_case.id).values_list("id", flat=True))


@transaction.atomic
def incident_create(*, open_case: OpenCase, data: dict[str, Any]) -> Incident:
    _lock_case(open_case)
    row_id = uuid.uuid4()
    # The receipt time is sealed too, so it cannot be changed without it showing.
    recorded_at = timezone.now()
    record = {
        **content.empty_incident(),
        **content.without_reserved(data),
        content.RECORDED_AT_KEY: _receipt(recorded_at),
    }
    incident = Incident.objects.create(
        id=row_id,
        case=open_case.case,
        recorded_at=recorded_at,
        sealed=_seal(open_case, "diary_incident", row_id, record),
    )
    _log(open_case, "incident_created", {"incident": str(row_id), "sha256": _digest(record)})
    entry = case_index.entry(record, recorded_at)
    _index_update(open_case, lambda index: index.add(str(row_id), entry))
    return incident


@transaction.atomic
def incident_amend(
    *, open_case: OpenCase, incident_id: Any, reason: str, changes: dict[str, Any]
) -> Amendment | None:
    """Adds an amendment. Returns None when nothing changed (nothing is written).

    Each amendment seals its place in the incident's history (1, 2, 3 ...), so
    one deleted from the middle shows. The incident's row is locked while the
    number is worked out, so two amendments at once cannot take the same one.
    (The case's row is locked first, as for every write that changes the index.)
    """
    _lock_case(open_case)
    incident = (
        Incident.objects.select_for_update().filter(id=incident_id, case=open_case.case).first()
    )
    if incident is None:
        raise Http404
    changes = {key: value for key, value in changes.items() if key in content.INCIDENT_FIELDS}
    if not changes:
        return None
    sequence = Amendment.objects.filter(incident=incident).count() + 1
    row_id = uuid.uuid4()
    recorded_at = timezone.now()
    record = {
        "incident": str(incident.id),
        "reason": reason,
        "changes": changes,
        content.RECORDED_AT_KEY: _receipt(recorded_at),
        content.SEQUENCE_KEY: sequence,
    }
    amendment = Amendment.objects.create(
        id=row_id,
        incident=incident,
        recorded_at=recorded_at,
        sealed=_seal(open_case, "diary_amendment", row_id, record),
    )
    _log(
        open_case,
        "incident_amended",
        {"incident": str(incident.id), "amendment": str(row_id), "sha256": _digest(record)},
    )
    _index_update(open_case, lambda index: index.amend(str(incident.id), changes))
    return amendment


@contextmanager
def _plain_rows(queryset: QuerySet, *fields: str) -> Iterator[Iterator[tuple[Any, ...]]]:
    """The rows' values as the database driver gives them, past the ORM's converters.

    The ORM would make a UUID object of every id and re-check the time zone of
    every time, one Python call per value: on a case of thousands of entries,
    that was a third as long again as decrypting them. The SQL is still the
    ORM's. ``_id_text`` and ``_take_reserved`` read the driver's values. Rows
    come a few hundred at a time, so a case's ciphertexts are not all held at once.
    """
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        yield chain.from_iterable(iter(partial(cursor.fetchmany, _CHUNK), []))


_CHUNK = 500


def _id_text(value: Any) -> str:
    """A UUID column's value, as the text sealed records are bound to (``str(uuid)``)."""
    if value.__class__ is str and len(value) == 32:  # SQLite keeps the 32 hex digits
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


def _aware(value: Any, zone: tzinfo) -> datetime:
    """A time column's value, aware; ``zone`` is the database's (for SQLite's naive times)."""
    if not isinstance(value, datetime):
        value = parse_datetime(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


_SEALED_COLUMNS = ("id", "recorded_at", "sealed")


def _in_sequence(opened: list[dict[str, Any]], sequences: list[int | None]) -> list[dict[str, Any]]:
    """The amendments in the order they were written. Refuses a history with a hole in it.

    Numbered amendments must be numbered 1 to n (n amendments), each number once:
    one deleted from the database leaves a gap. Amendments sealed before they
    were numbered have no number; they are older than any numbered one, and
    were counted when the numbered ones were written, so they take the first
    places. (Deleting the latest amendment leaves no gap: nothing sealed can
    show that one is missing at the end.)
    """
    if sequences == list(range(1, len(sequences) + 1)):
        return opened  # the usual history: numbered 1 to n, in the order they were written
    numbered = sorted(
        (number, index) for index, number in enumerate(sequences) if number is not None
    )
    if not numbered:
        return opened
    unnumbered = [opened[index] for index, number in enumerate(sequences) if number is None]
    expected = range(len(unnumbered) + 1, len(sequences) + 1)
    if [number for number, _ in numbered] != list(expected):
        raise vault.RecordUnreadable("an amendment is missing or repeated")
    return unnumbered + [opened[index] for _, index in numbered]


def _amendments(
    open_case: OpenCase, incident_id: str, rows: list[tuple[Any, ...]], db_zone: tzinfo
) -> tuple[dict[str, Any], ...]:
    """An incident's amendments (rows of ``_SEALED_COLUMNS``), opened and in order."""
    opened = []
    sequences = []
    for row_id, recorded_at, sealed in rows:
        data = open_case.open("diary_amendment", _id_text(row_id), sealed)
        if data.get("incident") != incident_id:
            # An amendment sealed for another incident was moved here: refuse it.
            raise vault.RecordUnreadable("amendment belongs to another incident")
        sequences.append(data.get(content.SEQUENCE_KEY))
        data["recorded_at"] = _take_reserved(data, recorded_at, db_zone)
        opened.append(data)
    return tuple(_in_sequence(opened, sequences))


def _view(
    open_case: OpenCase,
    row: tuple[Any, ...],
    amendments: list[tuple[Any, ...]],
    zone: tzinfo,
    db_zone: tzinfo,
    shared: dict[tuple[str, ...], tuple[str, ...]] | None = None,
) -> IncidentView:
    """An incident from its row and its amendments' rows (each of ``_SEALED_COLUMNS``)."""
    row_id, recorded_at, sealed = row
    incident_id = _id_text(row_id)
    original = open_case.open("diary_incident", incident_id, sealed)
    recorded_at = _take_reserved(original, recorded_at, db_zone)
    content.fill_defaults(original)
    # Most incidents are never amended: they share one empty tuple, not a list each.
    opened = _amendments(open_case, incident_id, amendments, db_zone) if amendments else ()
    current = content.apply_amendments(original, opened) if opened else original
    return IncidentView(
        content.summary(incident_id, current, recorded_at, zone, shared),
        recorded_at,
        original,
        opened,
        current,
    )


def incident_get(*, open_case: OpenCase, incident_id: Any) -> IncidentView:
    incident = Incident.objects.filter(id=incident_id, case=open_case.case)
    with _plain_rows(incident, *_SEALED_COLUMNS) as rows:
        row = next(rows, None)
    if row is None:
        raise Http404
    amendments = Amendment.objects.filter(incident_id=row[0]).order_by("recorded_at", "id")
    with _plain_rows(amendments, *_SEALED_COLUMNS) as rows:
        amendment_rows = list(rows)
    return _view(
        open_case,
        row,
        amendment_rows,
        timezone.get_current_timezone(),
        connections[incident.db].timezone,
    )


def incidents_all(open_case: OpenCase) -> list[IncidentView]:
    """Every incident of the case, opened, oldest first by when it happened."""
    # Thousands of short-lived dicts, none in a cycle: the cyclic collector would
    # only rescan them again and again, so it waits until this is done.
    with _collector_paused():
        return _incidents_all(open_case)


@contextmanager
def _collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_VIEW_ORDER = attrgetter("summary.sort_at", "summary.id")


def _amendments_by_incident(amendments: QuerySet) -> dict[Any, list[tuple[Any, ...]]]:
    """Each incident's sealed amendment rows, oldest first."""
    by_incident: dict[Any, list[tuple[Any, ...]]] = {}
    with _plain_rows(
        amendments.order_by("recorded_at", "id"), "incident_id", *_SEALED_COLUMNS
    ) as rows:
        for incident_id, *row in rows:
            by_incident.setdefault(incident_id, []).append(row)
    return by_incident


def _incidents_all(open_case: OpenCase) -> list[IncidentView]:
    incidents = Incident.objects.filter(case=open_case.case).order_by()  # sorted below
    by_incident = _amendments_by_incident(Amendment.objects.filter(incident__case=open_case.case))
    # Looked up once, not once per incident (each lookup goes through a context-local).
    zone = timezone.get_current_timezone()
    db_zone = connections[incidents.db].timezone
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # see ``content.summary``
    with _plain_rows(incidents, *_SEALED_COLUMNS) as rows:
        views = [
            _view(open_case, row, by_incident.get(row[0], ()), zone, db_zone, shared)
            for row in rows
        ]
    views.sort(key=_VIEW_ORDER)
    return views


# --- the case index and the overview ------------------------------------------------------
#
# The overview counts every incident but shows a page of them. Its counts come
# from the case's index (``case_index``): one sealed record with the few facts
# the overview and the warnings count, kept in step by every write above. Only
# the incidents on the page shown are opened. The index heals itself: when it
# is missing, will not open, or was made from other rows than the database
# holds now, the overview rebuilds it from the incidents, opening them all once.

_INDEX_TABLE = "diary_caseindex"


def _index_store(open_case: OpenCase, index: case_index.CaseIndex) -> None:
    sealed = open_case.seal(_INDEX_TABLE, open_case.id, index.record())
    if not CaseIndex.objects.filter(case=open_case.case).update(sealed=sealed):
        CaseIndex.objects.create(case=open_case.case, sealed=sealed)


def _index_stored(open_case: OpenCase) -> case_index.CaseIndex | None:
    """The index as stored; None when there is none, or it will not open or read."""
    sealed = CaseIndex.objects.filter(case=open_case.case).values_list("sealed", flat=True).first()
    if sealed is None:
        return None
    try:
        with _collector_paused():  # thousands of small lists, none in a cycle
            record = open_case.open(_INDEX_TABLE, open_case.id, sealed)
    except vault.RecordUnreadable:
        return None  # derived data: rebuilt from the incidents, which are checked as they open
    return case_index.CaseIndex.from_record(record)


def _row_counts(open_case: OpenCase) -> tuple[int, int]:
    """How many incidents and amendments the case has in the database."""
    return (
        Incident.objects.filter(case=open_case.case).count(),
        Amendment.objects.filter(incident__case=open_case.case).count(),
    )


def _index_update(open_case: OpenCase, change: Callable[[case_index.CaseIndex], bool]) -> None:
    """Applies a write's ``change`` to the index, in the write's transaction.

    The caller holds the case's lock (``_lock_case``) and has written its rows.
    A write never opens the whole case, and never fails because of the index:
    when there is no index yet (a case from before it), it will not open, or
    it does not know the incident amended, it is left as it is, and the next
    overview rebuilds it. An index already out of step stays so (its counts
    still differ from the rows by as much), so the next overview rebuilds it too.
    """
    index = _index_stored(open_case)
    if index is not None and change(index):
        _index_store(open_case, index)


def index_rebuild(open_case: OpenCase) -> case_index.CaseIndex:
    """Builds the case's index from its incidents and stores it: the cold path.

    Opens every incident and amendment once, under the case's lock, so no
    write can slip in between reading the rows and storing what they gave.
    """
    with transaction.atomic():
        _lock_case(open_case)
        return _index_rebuild_locked(open_case)


def _index_rebuild_locked(open_case: OpenCase) -> case_index.CaseIndex:
    index = case_index.built(
        (view.summary.id, view.current, view.recorded_at, len(view.amendments))
        for view in incidents_all(open_case)
    )
    _index_store(open_case, index)
    return index


def _index_healed(open_case: OpenCase) -> case_index.CaseIndex:
    """The index, rebuilt first if it is missing, will not open, or is out of step."""
    index = _index_stored(open_case)
    if index is not None and index.in_step(*_row_counts(open_case)):
        return index
    with transaction.atomic():
        _lock_case(open_case)
        # Another request may have rebuilt it while this one waited for the lock.
        index = _index_stored(open_case)
        if index is not None and index.in_step(*_row_counts(open_case)):
            return index
        return _index_rebuild_locked(open_case)


def _views_of(open_case: OpenCase, summaries: tuple[IncidentSummary, ...]) -> list[IncidentView]:
    """The incidents with these summaries, opened, in the same order (as far as they exist)."""
    if not summaries:
        return []
    ids = [summary.id for summary in summaries]
    incidents = Incident.objects.filter(case=open_case.case, id__in=ids).order_by()
    by_incident = _amendments_by_incident(
        Amendment.objects.filter(incident__case=open_case.case, incident_id__in=ids)
    )
    zone = timezone.get_current_timezone()
    db_zone = connections[incidents.db].timezone
    with _plain_rows(incidents, *_SEALED_COLUMNS) as rows:
        views = {
            view.summary.id: view
            for view in (
                _view(open_case, row, by_incident.get(row[0], ()), zone, db_zone) for row in rows
            )
        }
    return [views[key] for key in ids if key in views]


@dataclass(frozen=True)
class CaseOverview:
    """What the overview page shows: the counts, and one page of the table, opened."""

    overview: Overview  # the numbers, for the filters chosen
    incidents: tuple[IndexedIncident, ...]  # every incident, whatever the filters (for warnings)
    page: Page  # the table's page shown, newest first
    rows: tuple[IncidentView, ...]  # the incidents on that page, opened, newest first
    first_when: Any  # when the first and the most recent incident happened
    latest_when: Any

    @property
    def total(self) -> int:
        """Incidents in the case, whatever the filters."""
        return len(self.incidents)


def case_overview(
    open_case: OpenCase, filters: Filters | None = None, page: object = 1
) -> CaseOverview:
    """The overview from the case's index, with the incidents on ``page`` opened.

    ``page`` is what was asked for (text from the address is fine): anything
    not a page number shows the first page, a number past the end the last.
    The incidents shown are checked against the index: if one is missing or
    reads differently, the index is out of step in a way its counts could
    not show, so it is rebuilt and the page made again.
    """
    zone = timezone.get_current_timezone()
    index = _index_healed(open_case)
    for rebuilt in (False, True):
        with _collector_paused():  # as in ``incidents_all``: thousands of summaries, no cycles
            incidents = index.read(zone)
            overview = summarise((incident.summary for incident in incidents), filters)
        shown = newest_first_page(overview.incidents, page)
        rows = _views_of(open_case, shown.incidents)
        if rebuilt or [view.summary for view in rows] == list(shown.incidents):
            break
        index = index_rebuild(open_case)
    return CaseOverview(
        overview=overview,
        incidents=tuple(incidents),
        page=shown,
        rows=tuple(rows),
        first_when=index.when(overview.first.id) if overview.first else None,
        latest_when=index.when(overview.latest.id) if overview.latest else None,
    )


# --- changes to daily life -----------------------------------------------------------------


def daily_life_add(*, open_case: OpenCase, data: dict[str, Any]) -> DailyLifeChange:
    row_id = uuid.uuid4()
    return DailyLifeChange.objects.create(
        id=row_id,
        case=open_case.case,
        sealed=_seal(open_case, "diary_dailylifechange", row_id, data),
    )


def daily_life_all(open_case: OpenCase) -> list[dict[str, Any]]:
    rows = [
        {
            **_open(open_case, "diary_dailylifechange", row.id, row.sealed),
            "recorded_at": row.recorded_at,
            "id": row.id,
        }
        for row in DailyLifeChange.objects.filter(case=open_case.case)
    ]
    return sorted(rows, key=lambda row: (row.get("since", ""), row["recorded_at"]))


# --- "I felt unsafe" ---------------------------------------------------------------------------


def unsafe_moment_add(*, open_case: OpenCase, place: str, note: str = "") -> UnsafeMoment:
    row_id = uuid.uuid4()
    when = _local(timezone.now()).isoformat(timespec="minutes")
    return UnsafeMoment.objects.create(
        id=row_id,
        case=open_case.case,
        sealed=_seal(
            open_case, "diary_unsafemoment", row_id, {"at": when, "place": place, "note": note}
        ),
    )


def unsafe_moments(open_case: OpenCase) -> list[dict[str, Any]]:
    return [
        {
            **_open(open_case, "diary_unsafemoment", row.id, row.sealed),
            "id": row.id,
            "recorded_at": row.recorded_at,
            "incident_id": row.incident_id,
        }
        for row in UnsafeMoment.objects.filter(case=open_case.case).order_by("-recorded_at")
    ]


def unsafe_moment_get(*, open_case: OpenCase, moment_id: Any) -> dict[str, Any]:
    row = UnsafeMoment.objects.filter(id=moment_id, case=open_case.case).first()
    if row is None:
        raise Http404
    return {
        **_open(open_case, "diary_unsafemoment", row.id, row.sealed),
        "id": row.id,
        "incident_id": row.incident_id,
    }


@transaction.atomic
def unsafe_moment_to_incident(
    *, open_case: OpenCase, moment_id: Any, data: dict[str, Any]
) -> Incident:
    _lock_case(open_case)  # first, as in ``incident_create``
    row = UnsafeMoment.objects.select_for_update().filter(id=moment_id, case=open_case.case).first()
    if row is None or row.incident_id is not None:
        raise Http404
    incident = incident_create(open_case=open_case, data=data)
    row.incident = incident
    row.save(update_fields=["incident"])
    return incident
