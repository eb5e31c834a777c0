"""Reading an incident's current content into the facts risk screening uses."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from safetrail.risk.facts import IncidentFacts, facts_from_current

RECORDED = date(2026, 6, 30)


def facts(when, behaviours=("contact",)) -> IncidentFacts:
    return facts_from_current("x1", {"when": when, "behaviours": list(behaviours)}, RECORDED)


def test_exact_time_keeps_the_moment():
    result = facts({"kind": "exact", "at": "2026-06-12T14:30"}, ["threats", "loitering"])

    assert result == IncidentFacts(
        id="x1",
        day=date(2026, 6, 12),
        moment=datetime(2026, 6, 12, 14, 30),
        behaviours=("threats", "loitering"),
        at_night=False,
    )


@pytest.mark.parametrize(
    ("at", "night"),
    [
        ("2026-06-12T21:59", False),
        ("2026-06-12T22:00", True),
        ("2026-06-12T23:45", True),
        ("2026-06-12T00:00", True),
        ("2026-06-12T05:59", True),
        ("2026-06-12T06:00", False),
    ],
)
def test_night_is_ten_at_night_to_six_in_the_morning(at, night):
    assert facts({"kind": "exact", "at": at}).at_night is night


def test_a_time_zone_is_dropped_so_moments_compare():
    result = facts({"kind": "exact", "at": "2026-06-12T23:10+01:00"})

    assert result.moment == datetime(2026, 6, 12, 23, 10)
    assert result.at_night


def test_part_of_day_has_no_moment_and_night_counts_as_night():
    night = facts({"kind": "part_of_day", "date": "2026-06-12", "part": "night"})
    evening = facts({"kind": "part_of_day", "date": "2026-06-12", "part": "evening"})

    assert (night.day, night.moment, night.at_night) == (date(2026, 6, 12), None, True)
    assert (evening.moment, evening.at_night) == (None, False)


def test_range_uses_its_first_day():
    result = facts({"kind": "range", "start": "2026-06-01", "end": "2026-06-05"})

    assert (result.day, result.moment, result.at_night) == (date(2026, 6, 1), None, False)


@pytest.mark.parametrize(
    "when", [{}, {"kind": "exact"}, {"kind": "exact", "at": "not a date"}, {"kind": "odd"}]
)
def test_missing_or_unreadable_when_falls_back_to_the_recorded_day(when):
    result = facts(when)

    assert (result.day, result.moment, result.at_night) == (RECORDED, None, False)


def test_missing_behaviours_are_empty():
    result = facts_from_current(
        "x1", {"when": {"kind": "exact", "at": "2026-06-12T10:00"}}, RECORDED
    )

    assert result.behaviours == ()


def test_night_of_puts_small_hours_with_the_evening_before():
    late = facts({"kind": "exact", "at": "2026-06-12T23:30"})
    small_hours = facts({"kind": "exact", "at": "2026-06-13T01:15"})
    said_night = facts({"kind": "part_of_day", "date": "2026-06-12", "part": "night"})

    assert late.night_of == small_hours.night_of == said_night.night_of == date(2026, 6, 12)
