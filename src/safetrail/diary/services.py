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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import cached_property
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from safetrail.diary import content
from safetrail.diary.models import (
    Amendment,
    Case,
    DailyLifeChange,
    Incident,
    SuspectProfile,
    UnsafeMoment,
)
from safetrail.diary.overview import Filters, IncidentSummary, Overview, summarise
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


@dataclass(frozen=True)
class IncidentView:
    id: uuid.UUID
    recorded_at: datetime
    original: dict[str, Any]
    amendments: list[dict[str, Any]]  # each with "recorded_at", "reason", "changes"
    current: dict[str, Any]
    summary: IncidentSummary


def _seal(open_case: OpenCase, table: str, row_id: uuid.UUID, data: dict) -> bytes:
    return open_case.seal(table, row_id, data)


def _open(open_case: OpenCase, table: str, row_id: uuid.UUID, sealed: bytes) -> dict:
    return open_case.open(table, row_id, sealed)


def _receipt(moment: datetime) -> str:
    """The server's receipt time as it is sealed: ISO 8601 in UTC, to the microsecond."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _take_reserved(data: dict[str, Any], recorded_at: datetime) -> int | None:
    """Takes the server's keys out of an opened entry; returns its sequence number, if any.

    The sealed receipt time must be the row's ``recorded_at``: a row whose time
    was changed in the database (backdated) does not open. Entries sealed
    before the receipt time was sealed with them have no such key, and open.
    """
    sealed_at = data.pop(content.RECORDED_AT_KEY, None)
    if sealed_at is not None:
        try:
            matches = datetime.fromisoformat(sealed_at) == recorded_at
        except (TypeError, ValueError):
            matches = False
        if not matches:
            raise vault.RecordUnreadable("recorded_at differs from the sealed receipt time")
    return data.pop(content.SEQUENCE_KEY, None)


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
    return OpenCase(case=case, key=key, name=name)


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


@transaction.atomic
def incident_create(*, open_case: OpenCase, data: dict[str, Any]) -> Incident:
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
    return incident


@transaction.atomic
def incident_amend(
    *, open_case: OpenCase, incident_id: Any, reason: str, changes: dict[str, Any]
) -> Amendment | None:
    """Adds an amendment. Returns None when nothing changed (nothing is written).

    Each amendment seals its place in the incident's history (1, 2, 3 ...), so
    one deleted from the middle shows. The incident's row is locked while the
    number is worked out, so two amendments at once cannot take the same one.
    """
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
    return amendment


@dataclass(frozen=True)
class _Row:
    """The stored parts of an entry: plain values, not model instances (cheaper by far)."""

    id: uuid.UUID
    recorded_at: datetime
    sealed: bytes


def _in_sequence(opened: list[dict[str, Any]], sequences: list[int | None]) -> list[dict[str, Any]]:
    """The amendments in the order they were written. Refuses a history with a hole in it.

    Numbered amendments must be numbered 1 to n (n amendments), each number once:
    one deleted from the database leaves a gap. Amendments sealed before they
    were numbered have no number; they are older than any numbered one, and
    were counted when the numbered ones were written, so they take the first
    places. (Deleting the latest amendment leaves no gap: nothing sealed can
    show that one is missing at the end.)
    """
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


def _view(
    open_case: OpenCase, incident: _Row, amendments: list[_Row], zone: tzinfo | None = None
) -> IncidentView:
    original = _open(open_case, "diary_incident", incident.id, incident.sealed)
    _take_reserved(original, incident.recorded_at)
    opened = []
    sequences = []
    for amendment in amendments:
        data = _open(open_case, "diary_amendment", amendment.id, amendment.sealed)
        if data.get("incident") != str(incident.id):
            # An amendment sealed for another incident was moved here: refuse it.
            raise vault.RecordUnreadable("amendment belongs to another incident")
        sequences.append(_take_reserved(data, amendment.recorded_at))
        opened.append({**data, "recorded_at": amendment.recorded_at})
    if opened:
        opened = _in_sequence(opened, sequences)
    full_original = content.with_defaults(original)
    current = content.apply_amendments(full_original, opened) if opened else full_original
    return IncidentView(
        id=incident.id,
        recorded_at=incident.recorded_at,
        original=full_original,
        amendments=opened,
        current=current,
        summary=content.summary(str(incident.id), current, _local(incident.recorded_at, zone)),
    )


_ROW_FIELDS = ("id", "recorded_at", "sealed")


def incident_get(*, open_case: OpenCase, incident_id: Any) -> IncidentView:
    row = Incident.objects.filter(id=incident_id, case=open_case.case).values_list(*_ROW_FIELDS)
    row = row.first()
    if row is None:
        raise Http404
    amendments = Amendment.objects.filter(incident_id=row[0]).order_by("recorded_at", "id")
    return _view(
        open_case, _Row(*row), [_Row(*values) for values in amendments.values_list(*_ROW_FIELDS)]
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


def _incidents_all(open_case: OpenCase) -> list[IncidentView]:
    incidents = Incident.objects.filter(case=open_case.case).values_list(*_ROW_FIELDS)
    by_incident: dict[uuid.UUID, list[_Row]] = {}
    amendments = (
        Amendment.objects.filter(incident__case=open_case.case)
        .order_by("recorded_at", "id")
        .values_list("incident_id", *_ROW_FIELDS)
    )
    for incident_id, *values in amendments:
        by_incident.setdefault(incident_id, []).append(_Row(*values))
    # Looked up once, not once per incident (each lookup goes through a context-local).
    zone = timezone.get_current_timezone()
    views = [
        _view(open_case, _Row(*values), by_incident.get(values[0], []), zone)
        for values in incidents
    ]
    return sorted(views, key=lambda view: (view.summary.sort_at, view.id))


def case_overview(
    open_case: OpenCase, filters: Filters | None = None
) -> tuple[Overview, dict[str, IncidentView]]:
    views = incidents_all(open_case)
    overview = summarise((view.summary for view in views), filters)
    return overview, {str(view.id): view for view in views}


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
    row = UnsafeMoment.objects.select_for_update().filter(id=moment_id, case=open_case.case).first()
    if row is None or row.incident_id is not None:
        raise Http404
    incident = incident_create(open_case=open_case, data=data)
    row.incident = incident
    row.save(update_fields=["incident"])
    return incident
