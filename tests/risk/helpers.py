"""Hand-built incidents for the risk tests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from safetrail.risk.facts import IncidentFacts

TODAY = date(2026, 6, 30)  # recent window: 3 June to 30 June; earlier: 11 March to 2 June


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


_counter = iter(range(1, 1_000_000))


def inc(day: date, *behaviours: str, at: time | None = None, night: bool = False) -> IncidentFacts:
    """One incident; ``at`` gives an exact time, ``night`` a night with no exact time."""
    moment = datetime.combine(day, at) if at else None
    at_night = night or (at is not None and (at >= time(22) or at < time(6)))
    return IncidentFacts(
        id=f"i{next(_counter)}",
        day=day,
        moment=moment,
        behaviours=behaviours or ("contact",),
        at_night=at_night,
    )


def weekly(first_ago: int, last_ago: int, *behaviours: str, at: time | None = None) -> list:
    """One incident a week, from ``first_ago`` days ago to ``last_ago`` days ago."""
    return [inc(days_ago(n), *behaviours, at=at) for n in range(first_ago, last_ago - 1, -7)]
