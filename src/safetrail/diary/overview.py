"""The numbers on a case's overview page, from plain incident summaries, and its pages.

Pure functions: no database, no decryption. The service layer reads the
summaries from the case's index (``diary.case_index``) and hands them here, so
the arithmetic is tested on its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
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


# --- the table of incidents, a page at a time --------------------------------------------

# Incidents in the overview's table on one page. A page is what is opened
# (decrypted) to be shown; the counts above the table cover every incident.
PAGE_SIZE = 25


@dataclass(frozen=True)
class Page:
    """One page of the table of incidents, newest first. Page 1 has the newest."""

    number: int
    count: int  # how many pages there are; at least 1, even with no incidents
    incidents: tuple[IncidentSummary, ...]  # on this page, newest first
    total: int  # incidents on every page

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count

    @property
    def has_other_pages(self) -> bool:
        return self.count > 1


def page_number(asked: object, count: int) -> int:
    """The page to show for what was asked: anything that is not a whole number is page 1,
    and a number past either end is the nearest page that exists."""
    try:
        number = int(str(asked))
    except ValueError:  # not a number, or one with thousands of digits
        return 1
    return min(max(number, 1), count)


def newest_first_page(
    incidents: Sequence[IncidentSummary], asked: object, size: int | None = None
) -> Page:
    """The ``asked`` page of ``incidents`` (oldest first, as ``summarise`` gives them)."""
    size = size or PAGE_SIZE
    total = len(incidents)
    count = max(1, -(-total // size))
    number = page_number(asked, count)
    end = total - (number - 1) * size
    return Page(number, count, tuple(reversed(incidents[max(0, end - size) : end])), total)


def page_links(number: int, count: int) -> list[int | None]:
    """The page numbers to link to, GOV.UK's way: the first, the last, the current page
    and one either side of it. None stands for the pages left out (an ellipsis); a
    gap of a single page shows that page instead."""
    shown = sorted({1, count, *range(max(1, number - 1), min(count, number + 1) + 1)})
    links: list[int | None] = []
    previous = 0
    for page in shown:
        if page - previous == 2:
            links.append(page - 1)
        elif page - previous > 2:
            links.append(None)
        links.append(page)
        previous = page
    return links
