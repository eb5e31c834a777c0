"""What an incident holds, as a plain dict, and how amendments apply to it.

The dict is what gets sealed. Keeping its shape here, in one place, lets the
forms, the services and the overview agree on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, tzinfo
from types import MappingProxyType
from typing import Any

from safetrail.diary.overview import IncidentSummary

# Fields a person can write; amendments may change any of them.
INCIDENT_FIELDS = (
    "quick",
    "when",
    "where",
    "map_point",
    "behaviours",
    "letters",
    "what_happened",
    "suspect_appearance",
    "vehicle",
    "witnesses",
    "feared_violence",
    "effect",
    "reported",
    "private_notes",
)
# Keys the server adds to what it seals, beside what the person wrote: when the
# server received the entry, and an amendment's place in its incident's history.
# Never shown as content: the services take them out when they open an entry.
RECORDED_AT_KEY = "_recorded_at"
SEQUENCE_KEY = "_sequence"
RESERVED_KEYS = (RECORDED_AT_KEY, SEQUENCE_KEY)
_MIDNIGHT = time()
PART_OF_DAY_TIMES = {
    "morning": time(9, 0),
    "afternoon": time(14, 0),
    "evening": time(19, 0),
    "night": time(23, 0),
}


def without_reserved(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without the keys only the server may set."""
    return {key: value for key, value in data.items() if key not in RESERVED_KEYS}


def empty_incident() -> dict[str, Any]:
    return {
        "quick": False,
        "when": {},
        "where": "",
        "map_point": None,
        "behaviours": [],
        "letters": [],
        "what_happened": "",
        "suspect_appearance": "",
        "vehicle": "",
        "witnesses": [],
        "feared_violence": "",
        "effect": "",
        "reported": {"status": "", "crime_reference": "", "officer": ""},
        "private_notes": "",
    }


_EMPTY = empty_incident()


def with_defaults(record: dict[str, Any]) -> dict[str, Any]:
    """The record with every field present (older entries may lack newer fields).

    Defaults are shared, not copied: views of an incident are read, never changed.
    """
    return {**_EMPTY, **record}


def fill_defaults(record: dict[str, Any]) -> dict[str, Any]:
    """``with_defaults`` in place, for a record just opened: no copy when nothing is missing.

    A case's overview opens thousands of entries and keeps them all: a copy of
    each would be one more dict per incident to build, keep and free. (The
    keys' order is the sealed record's, not ``empty_incident``'s.)
    """
    if not _EMPTY.keys() <= record.keys():
        for key, value in _EMPTY.items():
            record.setdefault(key, value)
    return record


def apply_amendments(original: dict[str, Any], amendments: list[dict[str, Any]]) -> dict[str, Any]:
    """The incident as it reads now: the original with each amendment's changes, in order."""
    current = with_defaults(original)
    for amendment in amendments:
        current.update(
            {
                key: value
                for key, value in amendment.get("changes", {}).items()
                if key in INCIDENT_FIELDS
            }
        )
    return current


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        key: after[key] for key in INCIDENT_FIELDS if key in after and after[key] != before.get(key)
    }


def when_day(when: dict[str, Any]) -> date | None:
    kind = when.get("kind")
    try:
        if kind == "exact":
            return datetime.fromisoformat(when["at"]).date()
        if kind == "part_of_day":
            return date.fromisoformat(when["date"])
        if kind == "range":
            return date.fromisoformat(when["start"])
    except (KeyError, ValueError):
        return None
    return None


def when_moment(when: dict[str, Any]) -> datetime | None:
    """A moment to sort by: the exact time, or a typical time of the part of day.

    None when ``when`` does not say (no kind, or a date that does not read);
    exactly when ``when_day`` is None.
    """
    kind = when.get("kind")
    try:
        if kind == "exact":
            return datetime.fromisoformat(when["at"])
        if kind == "part_of_day":
            return datetime.combine(
                date.fromisoformat(when["date"]), PART_OF_DAY_TIMES.get(when.get("part"), _MIDNIGHT)
            )
        if kind == "range":
            return datetime.combine(date.fromisoformat(when["start"]), _MIDNIGHT)
    except (KeyError, ValueError):
        return None
    return None


def when_sort_key(when: dict[str, Any], fallback: datetime) -> datetime:
    """A moment to sort by: the exact time, or a typical time of the part of day."""
    moment = when_moment(when)
    return fallback.replace(tzinfo=None) if moment is None else moment


_APPROXIMATE_KINDS = frozenset({"part_of_day", "range"})
_NOTHING: Mapping[str, Any] = MappingProxyType({})  # a default to read, not a dict per call


def is_approximate(when: dict[str, Any]) -> bool:
    return when.get("kind") in _APPROXIMATE_KINDS


def summary(
    incident_id: str,
    current: dict[str, Any],
    recorded_at: datetime,
    zone: tzinfo,
    shared: dict[tuple[str, ...], tuple[str, ...]] | None = None,
) -> IncidentSummary:
    """What the overview needs of one incident, as it reads now (see ``summary_of``)."""
    return summary_of(
        incident_id,
        current.get("when", _NOTHING),
        current.get("behaviours", ()),
        current.get("letters", ()),
        current.get("reported", _NOTHING).get("status") == "yes",
        current.get("feared_violence") == "yes",
        recorded_at,
        zone,
        shared,
    )


def summary_of(
    incident_id: str,
    when: Mapping[str, Any],
    behaviours: Iterable[str],
    letters: Iterable[str],
    reported: bool,
    feared_violence: bool,
    recorded_at: datetime | str,
    zone: tzinfo,
    shared: dict[tuple[str, ...], tuple[str, ...]] | None = None,
) -> IncidentSummary:
    """An incident's summary from the few facts the overview counts.

    ``summary`` reads them from an opened incident, and the case index
    (``diary.case_index``) from what it keeps of each incident, so both give
    the same summary. ``recorded_at`` (aware, or as ISO 8601 text) places an
    entry whose time does not read: at the moment it was received, as a local
    time in ``zone`` (converted only then: most entries say when they
    happened). Given ``shared``, equal lists of behaviours or letters share
    one tuple: a case of thousands of incidents has a few dozen different
    lists, and the overview keeps every summary.
    """
    sort_at = when_moment(when)
    if sort_at is None:
        if recorded_at.__class__ is str:
            recorded_at = datetime.fromisoformat(recorded_at)
        sort_at = recorded_at.astimezone(zone).replace(tzinfo=None)
    behaviours = tuple(behaviours)
    letters = tuple(letters)
    if shared is not None:
        behaviours = shared.setdefault(behaviours, behaviours)
        letters = shared.setdefault(letters, letters)
    return IncidentSummary(
        incident_id,
        sort_at.date(),
        sort_at,
        when.get("kind") in _APPROXIMATE_KINDS,
        behaviours,
        letters,
        reported,
        feared_violence,
    )
