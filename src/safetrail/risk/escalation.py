"""Warnings that the stalking may be getting worse, read from the diary.

Escalation is a known sign of danger: more frequent incidents, new kinds of
behaviour such as threats or violence, carrying on after being asked to stop,
and more at night. Each warning carries its numbers so the page can say
plainly what was seen, and a rise is only reported when a simple test says it
is unlikely to be chance, so a calm diary does not raise false alarms.

Pure code: no database, no Django models. Incidents dated after ``today`` are
ignored, so the warnings are as of that day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from math import comb
from typing import Any

from safetrail.diary.domain import DANGER_SIGNS
from safetrail.risk.facts import DiaryFacts, IncidentFacts

# The recent period: the last four weeks, today included. Short enough to
# notice a change soon, long enough to hold a few incidents.
RECENT_WINDOW_DAYS = 28
# The baseline: the twelve weeks just before the recent period, or since the
# first incident if the diary is younger than that.
EARLIER_WINDOW_DAYS = 84
# A baseline shorter than two weeks says too little to compare against.
MIN_EARLIER_WINDOW_DAYS = 14
# A rise needs at least this many recent days (or night incidents): one or two
# are too few to call a trend, whatever the test says.
MIN_RECENT = 3
# Night rises need incidents on at least this many different recent nights, so
# one bad night cannot raise it.
MIN_RECENT_NIGHTS = 2
# The recent rate must be at least this many times the earlier rate ...
MIN_RATE_RATIO = Fraction(3, 2)
# ... and chance alone would give a rise this large less often than this.
SIGNIFICANCE = 0.05
# A danger sign counts as new when it first appeared within this many days.
NEW_DANGER_WINDOW_DAYS = RECENT_WINDOW_DAYS

# The order warnings are listed in, most specific first.
KINDS = ("new_danger", "after_stop", "rising", "night_rise")


@dataclass(frozen=True)
class Warning:  # shadows the builtin on purpose: the name; never raised, only shown
    kind: str
    numbers: dict[str, Any] = field(default_factory=dict)


def binomial_tail(successes: int, trials: int, p: Fraction | float) -> float:
    """P(X >= successes) for X ~ Binomial(trials, p), summed exactly.

    Fractions keep the sum exact however small the terms are, so the p-value
    does not depend on rounding; the app needs no scipy for this.
    """
    if not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    if successes <= 0:
        return 1.0
    if successes > trials:
        return 0.0
    p = Fraction(p)
    q = 1 - p
    return float(
        sum(comb(trials, k) * p**k * q ** (trials - k) for k in range(successes, trials + 1))
    )


@dataclass(frozen=True)
class _Windows:
    recent_start: date
    earlier_start: date
    earlier_days: int  # length of the earlier window in days

    @property
    def recent_days(self) -> int:
        return RECENT_WINDOW_DAYS


def _windows(incidents: list[IncidentFacts], today: date) -> _Windows | None:
    """The recent and earlier windows, or None when there is too little history.

    The earlier window starts no sooner than the first incident of any kind,
    since the diary says nothing about the time before it.
    """
    if not incidents:
        return None
    recent_start = today - timedelta(days=RECENT_WINDOW_DAYS - 1)
    earlier_start = max(
        recent_start - timedelta(days=EARLIER_WINDOW_DAYS),
        min(incident.day for incident in incidents),
    )
    earlier_days = (recent_start - earlier_start).days
    if earlier_days < MIN_EARLIER_WINDOW_DAYS:
        return None
    return _Windows(recent_start, earlier_start, earlier_days)


def _rise_p_value(
    recent: int, recent_window: int, earlier: int, earlier_window: int
) -> float | None:
    """The p-value of a rise when the counts show a large enough one, else None.

    Conditional test for two Poisson rates: if nothing changed, each of the
    ``recent + earlier`` events falls in the recent window with probability
    recent_window / (recent_window + earlier_window).
    """
    if recent < MIN_RECENT:
        return None
    # recent / recent_window >= ratio * earlier / earlier_window, in whole numbers.
    if Fraction(recent * earlier_window) < MIN_RATE_RATIO * earlier * recent_window:
        return None
    share = Fraction(recent_window, recent_window + earlier_window)
    return binomial_tail(recent, recent + earlier, share)


def _split(
    items: Iterable[IncidentFacts],
    windows: _Windows,
    today: date,
    key: Callable[[IncidentFacts], Any],
) -> tuple[set[Any], set[Any]]:
    """The distinct keys (days, or ids) of items in the recent and earlier windows."""
    recent, earlier = set(), set()
    for incident in items:
        if windows.recent_start <= incident.day <= today:
            recent.add(key(incident))
        elif windows.earlier_start <= incident.day < windows.recent_start:
            earlier.add(key(incident))
    return recent, earlier


def _rising(incidents: list[IncidentFacts], today: date) -> Warning | None:
    """More days with incidents lately. Days, not incidents: one busy day is not a trend."""
    windows = _windows(incidents, today)
    if windows is None:
        return None
    recent, earlier = _split(incidents, windows, today, key=lambda incident: incident.day)
    p_value = _rise_p_value(len(recent), windows.recent_days, len(earlier), windows.earlier_days)
    if p_value is None or p_value >= SIGNIFICANCE:
        return None
    return Warning(
        "rising",
        {
            "recent_days": len(recent),
            "recent_window_days": windows.recent_days,
            "earlier_days": len(earlier),
            "earlier_window_days": windows.earlier_days,
            "p_value": round(p_value, 3),
        },
    )


def _night_rise(incidents: list[IncidentFacts], today: date) -> Warning | None:
    """More incidents at night lately, on more than one night.

    The baseline is the whole diary's history, not the first night incident:
    nights without incidents before then are part of the comparison.
    """
    windows = _windows(incidents, today)
    if windows is None:
        return None
    nights = [incident for incident in incidents if incident.at_night]
    recent, earlier = _split(nights, windows, today, key=lambda incident: incident.id)
    recent_nights = {incident.night_of for incident in nights if incident.id in recent}
    if len(recent_nights) < MIN_RECENT_NIGHTS:
        return None
    p_value = _rise_p_value(len(recent), windows.recent_days, len(earlier), windows.earlier_days)
    if p_value is None or p_value >= SIGNIFICANCE:
        return None
    return Warning(
        "night_rise",
        {
            "recent_incidents": len(recent),
            "recent_nights": len(recent_nights),
            "recent_window_days": windows.recent_days,
            "earlier_incidents": len(earlier),
            "earlier_window_days": windows.earlier_days,
            "p_value": round(p_value, 3),
        },
    )


def _new_dangers(incidents: list[IncidentFacts], today: date) -> list[Warning]:
    """Danger signs seen for the first time lately, in a pattern that was already there.

    Only incidents on earlier days count as the pattern: times are often
    approximate, so order within one day is not trusted.
    """
    since = today - timedelta(days=NEW_DANGER_WINDOW_DAYS - 1)
    found = []
    for behaviour in DANGER_SIGNS:
        days = [incident.day for incident in incidents if behaviour in incident.behaviours]
        if not days or min(days) < since:
            continue
        first_day = min(days)
        earlier = sum(1 for incident in incidents if incident.day < first_day)
        if earlier:
            found.append(
                Warning(
                    "new_danger",
                    {"behaviour": behaviour, "first_day": first_day, "earlier_incidents": earlier},
                )
            )
    return sorted(found, key=lambda w: (w.numbers["first_day"], w.numbers["behaviour"]))


def _after_stop(incidents: list[IncidentFacts], asked_to_stop: date | None) -> Warning | None:
    """Carrying on after being told to stop: the day itself counts as after."""
    if asked_to_stop is None:
        return None
    after = sum(1 for incident in incidents if incident.day >= asked_to_stop)
    if not after:
        return None
    return Warning(
        "after_stop",
        {"asked_to_stop": asked_to_stop, "after": after, "before": len(incidents) - after},
    )


def warnings(facts: DiaryFacts, today: date) -> list[Warning]:
    """Every escalation warning the diary shows as of ``today``, in ``KINDS`` order."""
    incidents = [incident for incident in facts.incidents if incident.day <= today]
    found = [
        *_new_dangers(incidents, today),
        _after_stop(incidents, facts.asked_to_stop),
        _rising(incidents, today),
        _night_rise(incidents, today),
    ]
    return [warning for warning in found if warning is not None]
