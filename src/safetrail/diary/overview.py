"""The numbers on a case's overview page, from plain incident summaries.

Pure functions: no database, no decryption. The service layer decrypts the
incidents and hands summaries here, so the arithmetic is tested on its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import attrgetter
from typing import NamedTuple

from safetrail.diary.domain import BEHAVIOURS, SECTION_2A3_LETTERS


class IncidentSummary(NamedTuple):
    """One incident as the overview counts it. A named tuple: a case has thousands."""

    id: str
    day: date  # the day it happened, or the first day of an approximate range
    sort_at: datetime
    approximate: bool
    behaviours: tuple[str, ...]
    letters: tuple[str, ...]
    reported: bool
    feared_violence: bool


@dataclass(frozen=True)
class Filters:
    behaviour: str = ""
    start: date | None = None
    end: date | None = None
    reported: bool | None = None
    feared_violence: bool | None = None

    def match(self, incident: IncidentSummary) -> bool:
        return (
            (not self.behaviour or self.behaviour in incident.behaviours)
            and (self.start is None or incident.day >= self.start)
            and (self.end is None or incident.day <= self.end)
            and (self.reported is None or incident.reported == self.reported)
            and (self.feared_violence is None or incident.feared_violence == self.feared_violence)
        )

    @property
    def active(self) -> bool:
        return bool(
            self.behaviour
            or self.start
            or self.end
            or self.reported is not None
            or self.feared_violence is not None
        )


@dataclass(frozen=True)
class Overview:
    incidents: tuple[IncidentSummary, ...]  # oldest first
    occasions: int
    is_course_of_conduct: bool
    by_behaviour: tuple[tuple[str, int], ...]
    by_letter: tuple[tuple[str, int], ...]
    weekly: tuple[tuple[date, int], ...]
    first: IncidentSummary | None
    latest: IncidentSummary | None
    feared_violence_occasions: int
    reported_occasions: int


_ORDER = attrgetter("sort_at", "id")
_DAY = attrgetter("day")
_BEHAVIOURS = attrgetter("behaviours")
_LETTERS = attrgetter("letters")
_FEARED_VIOLENCE = attrgetter("feared_violence")
_REPORTED = attrgetter("reported")


def in_order(incidents: Iterable[IncidentSummary]) -> list[IncidentSummary]:
    return sorted(incidents, key=_ORDER)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_series(incidents: Iterable[IncidentSummary]) -> list[tuple[date, int]]:
    """Incidents per week (weeks start on Monday), every week from first to last."""
    counts: Counter[date] = Counter()
    # Counted by day first: there are far fewer days than incidents.
    for day, count in Counter(map(_DAY, incidents)).items():
        counts[week_start(day)] += count
    if not counts:
        return []
    week, last = min(counts), max(counts)
    series = []
    while week <= last:
        series.append((week, counts.get(week, 0)))
        week += timedelta(days=7)
    return series


def calendar_strip(
    incidents: Iterable[IncidentSummary], end: date, days: int = 84
) -> list[tuple[date, int]]:
    """Incidents on each of the ``days`` days up to and including ``end``."""
    counts = Counter(incident.day for incident in incidents)
    first = end - timedelta(days=days - 1)
    return [
        (first + timedelta(days=offset), counts.get(first + timedelta(days=offset), 0))
        for offset in range(days)
    ]


def _incidents_listing(lists: Iterable[tuple[str, ...]]) -> Counter[str]:
    """How many incidents list each key; one that lists a key twice counts once.

    Equal lists are counted together first: a case has a few dozen different
    lists of behaviours, however many incidents it has.
    """
    counts: Counter[str] = Counter()
    for keys, incidents in Counter(lists).items():
        for key in set(keys):
            counts[key] += incidents
    return counts


def summarise(incidents: Iterable[IncidentSummary], filters: Filters | None = None) -> Overview:
    filters = filters or Filters()
    chosen = in_order(filter(filters.match, incidents) if filters.active else incidents)
    behaviour_counts = _incidents_listing(map(_BEHAVIOURS, chosen))
    letter_counts = _incidents_listing(map(_LETTERS, chosen))
    return Overview(
        incidents=tuple(chosen),
        occasions=len(chosen),
        # Protection from Harassment Act 1997 s.7(3): conduct on at least two occasions.
        is_course_of_conduct=len(chosen) >= 2,
        by_behaviour=tuple(
            (behaviour.key, behaviour_counts[behaviour.key])
            for behaviour in BEHAVIOURS
            if behaviour_counts[behaviour.key]
        ),
        by_letter=tuple(
            (letter, letter_counts[letter])
            for letter in SECTION_2A3_LETTERS
            if letter_counts[letter]
        ),
        weekly=tuple(weekly_series(chosen)),
        first=chosen[0] if chosen else None,
        latest=chosen[-1] if chosen else None,
        feared_violence_occasions=sum(map(bool, map(_FEARED_VIOLENCE, chosen))),
        reported_occasions=sum(map(bool, map(_REPORTED, chosen))),
    )
