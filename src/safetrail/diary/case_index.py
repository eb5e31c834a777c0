"""The case index: what a case's sealed summary keeps of each incident, and how it is read.

A case's overview counts every incident, but shows only a page of them. So
that it need not open thousands of incidents on each visit, each case has
one sealed record (``models.CaseIndex``) with, per incident, only the facts
the overview and the risk warnings count:

- when it happened (the ``when`` the person chose: an exact time, a part of
  a day, or a range of days: dates and times only, no words);
- the behaviours and the section 2A(3) letters ticked;
- whether it was reported to the police, and whether it made them fear
  violence (yes or not);
- the server's receipt time, which places an incident whose time does not
  read (as on the overview).

Never what happened, where, who saw it or any other words the person wrote.
It also keeps how many incidents and amendments it was made from, so the
services can tell when it is out of step with the database and rebuild it.

Pure: plain values in and out. ``diary.services`` seals it with the case
key, keeps it in step and rebuilds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, NamedTuple

from safetrail.diary import content
from safetrail.diary.overview import IncidentSummary

# Bumped when what an entry holds changes: an index of another version is rebuilt.
VERSION = 1
# The fields of an incident the index reads. An amendment that changes any of
# them changes the entry; one that changes only words does not.
FACT_FIELDS = frozenset({"when", "behaviours", "letters", "reported", "feared_violence"})

# What a "when" may hold (see ``diary.forms``): its kind, and dates, times or a part of day.
WHEN_KEYS = ("kind", "at", "date", "part", "start", "end")

# One incident in the index: [when, behaviours, letters, reported, feared_violence,
# recorded_at], in the order ``content.summary_of`` takes them. A list, not a dict:
# a case of thousands of incidents parses faster that way.
Entry = list[Any]


class IndexedIncident(NamedTuple):
    """An incident as the index knows it: its summary, and when it happened."""

    summary: IncidentSummary
    when: Mapping[str, Any]


def receipt_text(moment: datetime) -> str:
    """The receipt time as the index keeps it: ISO 8601 in UTC, to the microsecond."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def entry(current: Mapping[str, Any], recorded_at: datetime) -> Entry:
    """What the index keeps of an incident, from its content as it reads now."""
    return [
        _when(current.get("when", {})),
        list(current.get("behaviours", ())),
        list(current.get("letters", ())),
        _reported(current.get("reported")),
        current.get("feared_violence") == "yes",
        receipt_text(recorded_at),
    ]


def _when(when: Any) -> dict[str, Any]:
    """Only what a "when" holds (dates, times, a part of day): anything else an incident
    held there (words, in an entry no form of ours wrote) stays in the incident."""
    if not isinstance(when, Mapping):
        return {}
    return {key: when[key] for key in WHEN_KEYS if key in when}


def _reported(reported: Any) -> bool:
    return isinstance(reported, Mapping) and reported.get("status") == "yes"


def amended(before: Entry, changes: Mapping[str, Any]) -> Entry:
    """The entry after an amendment: its changes replace whole fields, as in the incident.

    (``content.apply_amendments`` replaces each changed field with the new value,
    so only the changed facts need reading again.)
    """
    when, behaviours, letters, reported, feared_violence, recorded_at = before
    if "when" in changes:
        when = _when(changes["when"])
    if "behaviours" in changes:
        behaviours = list(changes["behaviours"])
    if "letters" in changes:
        letters = list(changes["letters"])
    if "reported" in changes:
        reported = _reported(changes["reported"])
    if "feared_violence" in changes:
        feared_violence = changes["feared_violence"] == "yes"
    return [when, behaviours, letters, reported, feared_violence, recorded_at]


@dataclass
class CaseIndex:
    """A case's index, opened. ``incidents`` and ``amendments``: the rows it was made from."""

    incidents: int = 0
    amendments: int = 0
    entries: dict[str, Entry] = field(default_factory=dict)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> CaseIndex | None:
        """The index from its opened record; None when it is of another version or shape."""
        try:
            if record["version"] != VERSION:
                return None
            index = cls(int(record["incidents"]), int(record["amendments"]), record["entries"])
        except (KeyError, TypeError, ValueError):
            return None
        if not isinstance(index.entries, dict):
            return None
        return index

    def record(self) -> dict[str, Any]:
        """What is sealed."""
        return {
            "version": VERSION,
            "incidents": self.incidents,
            "amendments": self.amendments,
            "entries": self.entries,
        }

    def in_step(self, incidents: int, amendments: int) -> bool:
        """Whether it was made from as many incidents and amendments as the database holds."""
        return (
            self.incidents == incidents
            and self.amendments == amendments
            and len(self.entries) == incidents
        )

    def add(self, incident_id: str, new: Entry) -> bool:
        """A new incident. True: the index changed (as ``amend`` says)."""
        self.entries[incident_id] = new
        self.incidents += 1
        return True

    def amend(self, incident_id: str, changes: Mapping[str, Any]) -> bool:
        """A new amendment to an incident; False when the index does not know the incident."""
        before = self.entries.get(incident_id)
        if before is None:
            return False
        if FACT_FIELDS.intersection(changes):
            self.entries[incident_id] = amended(before, changes)
        self.amendments += 1
        return True

    def read(self, zone: tzinfo) -> list[IndexedIncident]:
        """Every incident's summary, in no particular order (``summarise`` sorts them)."""
        shared: dict[tuple[str, ...], tuple[str, ...]] = {}
        summary_of = content.summary_of
        return [
            IndexedIncident(summary_of(incident_id, *facts, zone, shared), facts[0])
            for incident_id, facts in self.entries.items()
        ]

    def when(self, incident_id: str) -> Mapping[str, Any] | None:
        facts = self.entries.get(incident_id)
        return None if facts is None else facts[0]


def built(
    incidents: Iterable[tuple[str, Mapping[str, Any], datetime, int]],
) -> CaseIndex:
    """An index made from every incident: (id, content as it reads now, receipt, amendments)."""
    index = CaseIndex()
    for incident_id, current, recorded_at, amendments in incidents:
        index.add(incident_id, entry(current, recorded_at))
        index.amendments += amendments
    return index
