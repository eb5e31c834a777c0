"""The few facts about a diary that risk screening reads, as plain values.

Pure code: the service layer decrypts the incidents and hands their current
content here, so the risk arithmetic is tested without a database. Only what
the analysis needs is kept: no words the person wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from safetrail.diary.content import when_day

# Night runs from NIGHT_STARTS to just before NIGHT_ENDS, local wall-clock time.
# Being watched or visited at night frightens more and is a common escalation sign.
NIGHT_STARTS = time(22, 0)
NIGHT_ENDS = time(6, 0)


@dataclass(frozen=True)
class IncidentFacts:
    id: str
    day: date  # the day it happened (first day of an approximate range)
    moment: datetime | None  # exact local time when known, else None
    behaviours: tuple[str, ...]
    at_night: bool = False  # exact time 22:00–05:59, or the person said "night"

    @property
    def night_of(self) -> date:
        """The evening the night began: 01:00 on Tuesday belongs to Monday night."""
        if self.moment is not None and self.moment.time() < NIGHT_ENDS:
            return self.day - timedelta(days=1)
        return self.day


@dataclass(frozen=True)
class DiaryFacts:
    incidents: tuple[IncidentFacts, ...]
    asked_to_stop: date | None = None


def is_night(moment: time) -> bool:
    return moment >= NIGHT_STARTS or moment < NIGHT_ENDS


def _exact_moment(when: Mapping[str, Any]) -> datetime | None:
    """The wall-clock time the person gave, without any zone, so all moments compare."""
    if when.get("kind") != "exact":
        return None
    try:
        return datetime.fromisoformat(when["at"]).replace(tzinfo=None)
    except (KeyError, TypeError, ValueError):
        return None


def facts_from_current(
    incident_id: str, current: dict[str, Any], recorded_day: date
) -> IncidentFacts:
    """An incident's facts from its content as it reads now (after amendments).

    ``recorded_day`` stands in when the "when" is missing or unreadable, as the
    overview does: an incident still counts even if its date was left out.
    """
    return facts_from(
        incident_id,
        current.get("when") or {},
        tuple(current.get("behaviours") or ()),
        when_day(current.get("when") or {}) or recorded_day,
    )


def facts_from(
    incident_id: str, when: Mapping[str, Any], behaviours: tuple[str, ...], day: date
) -> IncidentFacts:
    """An incident's facts from when it happened, what they did and its day.

    The overview hands these from its summaries (see ``diary.case_index``):
    a summary's day is ``when``'s day, or the day it was received when
    ``when`` does not say.
    """
    moment = _exact_moment(when)
    at_night = (moment is not None and is_night(moment.time())) or (
        when.get("kind") == "part_of_day" and when.get("part") == "night"
    )
    return IncidentFacts(
        id=incident_id, day=day, moment=moment, behaviours=behaviours, at_night=at_night
    )
