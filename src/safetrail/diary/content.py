"""What an incident holds, as a plain dict, and how amendments apply to it.

The dict is what gets sealed. Keeping its shape here, in one place, lets the
forms, the services and the overview agree on it.
"""

from __future__ import annotations

from datetime import date, datetime, time
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


def when_sort_key(when: dict[str, Any], fallback: datetime) -> datetime:
    """A moment to sort by: the exact time, or a typical time of the part of day."""
    kind = when.get("kind")
    try:
        if kind == "exact":
            return datetime.fromisoformat(when["at"])
        if kind == "part_of_day":
            return datetime.combine(
                date.fromisoformat(when["date"]), PART_OF_DAY_TIMES.get(when.get("part"), time())
            )
        if kind == "range":
            return datetime.combine(date.fromisoformat(when["start"]), time())
    except (KeyError, ValueError):
        pass
    return fallback.replace(tzinfo=None)


def is_approximate(when: dict[str, Any]) -> bool:
    return when.get("kind") in {"part_of_day", "range"}


def summary(incident_id: str, current: dict[str, Any], recorded_at: datetime) -> IncidentSummary:
    when = current.get("when", {})
    sort_at = when_sort_key(when, recorded_at)
    # The sort moment's date is the day, except for a fallback, which stays the receipt day.
    day = sort_at.date() if when_day(when) is not None else recorded_at.date()
    return IncidentSummary(
        id=incident_id,
        day=day,
        sort_at=sort_at,
        approximate=is_approximate(when),
        behaviours=tuple(current.get("behaviours", [])),
        letters=tuple(current.get("letters", [])),
        reported=current.get("reported", {}).get("status") == "yes",
        feared_violence=current.get("feared_violence") == "yes",
    )
