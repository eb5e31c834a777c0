"""Which S-DASH risk factors the diary already shows, to suggest as answers.

Only a suggestion: the person answers every question themselves. A factor is
suggested only when recorded incidents show it, never from absence, and the
suggestion says how many incidents show it so the person can check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from safetrail.risk.facts import DiaryFacts, IncidentFacts

# The 11 S-DASH (2009) risk factors, in the checklist's order.
FACTORS = (
    "very_frightened",
    "harassed_before",
    "property_damage",
    "frequent_visits",
    "loitering",
    "threats",
    "third_parties",
    "violence_now",
    "others_helping",
    "drugs_alcohol",
    "violent_past",
)

# Factors a single behaviour in an incident shows.
FACTOR_BEHAVIOURS = {
    "property_damage": "property_damage",
    "loitering": "loitering",
    "threats": "threats",
    "third_parties": "third_parties",
    "violence_now": "violence",
}

# "Visits the victim at home, work etc. more than three times a week": these
# behaviours mean the suspect came to where the person lives or works.
VISIT_BEHAVIOURS = frozenset({"loitering", "entering", "accosting", "driving_past"})
VISIT_WINDOW_DAYS = 7  # a rolling week, not a calendar week, so no week boundary hides a burst
VISITS_MORE_THAN = 3  # the factor needs MORE than three visits in a week


@dataclass(frozen=True)
class Suggestion:
    factor: str
    occasions: int  # incidents showing it
    detail: dict[str, Any] = field(default_factory=dict)


def _span(incidents: list[IncidentFacts]) -> dict[str, Any]:
    days = sorted(incident.day for incident in incidents)
    return {
        "first_day": days[0],
        "last_day": days[-1],
        "incident_ids": tuple(incident.id for incident in _by_day(incidents)),
    }


def _by_day(incidents: Iterable[IncidentFacts]) -> list[IncidentFacts]:
    return sorted(incidents, key=lambda incident: (incident.day, incident.id))


def _frequent_visits(incidents: Iterable[IncidentFacts]) -> Suggestion | None:
    """More than three visits in any rolling seven days.

    ``occasions`` counts the visits that fall in at least one such week, so the
    number matches what the person can see in the diary; the detail names the
    busiest week (the earliest, if two are as busy).
    """
    visits = _by_day(
        incident for incident in incidents if VISIT_BEHAVIOURS.intersection(incident.behaviours)
    )
    busiest: tuple[date, int] | None = None
    in_busy_weeks: set[str] = set()
    # The busiest window can always be slid to start on a visit's day.
    for start in sorted({visit.day for visit in visits}):
        end = start + timedelta(days=VISIT_WINDOW_DAYS - 1)
        inside = [visit for visit in visits if start <= visit.day <= end]
        if len(inside) > VISITS_MORE_THAN:
            in_busy_weeks.update(visit.id for visit in inside)
            if busiest is None or len(inside) > busiest[1]:
                busiest = (start, len(inside))
    if busiest is None:
        return None
    start, count = busiest
    return Suggestion(
        factor="frequent_visits",
        occasions=len(in_busy_weeks),
        detail={
            "window_start": start,
            "window_end": start + timedelta(days=VISIT_WINDOW_DAYS - 1),
            "window_visits": count,
            "incident_ids": tuple(visit.id for visit in visits if visit.id in in_busy_weeks),
        },
    )


def suggest(facts: DiaryFacts) -> dict[str, Suggestion]:
    """The factors the diary shows, keyed by factor, in the checklist's order."""
    found: dict[str, Suggestion] = {}
    for factor in FACTORS:
        if factor == "frequent_visits":
            visits = _frequent_visits(facts.incidents)
            if visits is not None:
                found[factor] = visits
        elif factor in FACTOR_BEHAVIOURS:
            behaviour = FACTOR_BEHAVIOURS[factor]
            showing = [incident for incident in facts.incidents if behaviour in incident.behaviours]
            if showing:
                found[factor] = Suggestion(factor, len(showing), _span(showing))
    return found
