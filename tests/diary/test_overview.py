"""The overview's numbers for a hand-built case."""

from __future__ import annotations

from datetime import date, datetime

from safetrail.diary.overview import Filters, IncidentSummary, calendar_strip, summarise


def incident(n, day, behaviours=(), letters=(), reported=False, fear=False) -> IncidentSummary:
    return IncidentSummary(
        id=f"i{n}",
        day=day,
        sort_at=datetime.combine(day, datetime.min.time()).replace(hour=n % 24),
        approximate=False,
        behaviours=tuple(behaviours),
        letters=tuple(letters),
        reported=reported,
        feared_violence=fear,
    )


CASE = [
    incident(1, date(2026, 3, 2), ["contact"], ["b"]),  # Monday, week of 2 March
    incident(2, date(2026, 3, 4), ["contact", "loitering"], ["b", "e"], fear=True),
    incident(3, date(2026, 3, 8), ["following"], ["a"]),  # Sunday, still that week
    # nothing in the week of 9 March
    incident(4, date(2026, 3, 17), ["threats", "contact"], ["b"], reported=True, fear=True),
    incident(5, date(2026, 3, 22), ["property_damage"], ["f"], reported=True),
]


def test_course_of_conduct_counts_occasions():
    overview = summarise(CASE)

    assert overview.occasions == 5
    assert overview.is_course_of_conduct
    assert not summarise(CASE[:1]).is_course_of_conduct
    assert summarise(CASE[:2]).is_course_of_conduct


def test_counts_per_behaviour_count_each_incident_once():
    overview = summarise(CASE)

    assert dict(overview.by_behaviour) == {
        "contact": 3,
        "loitering": 1,
        "following": 1,
        "threats": 1,
        "property_damage": 1,
    }
    # In the order the behaviours are listed, not by count.
    assert [key for key, _ in overview.by_behaviour][:2] == ["contact", "loitering"]


def test_counts_per_letter():
    assert dict(summarise(CASE).by_letter) == {"a": 1, "b": 3, "e": 1, "f": 1}


def test_weekly_series_has_every_week_including_empty_ones():
    assert summarise(CASE).weekly == (
        (date(2026, 3, 2), 3),
        (date(2026, 3, 9), 0),
        (date(2026, 3, 16), 2),
    )


def test_first_latest_and_other_totals():
    overview = summarise(list(reversed(CASE)))

    assert overview.first.id == "i1"
    assert overview.latest.id == "i5"
    assert [item.id for item in overview.incidents] == ["i1", "i2", "i3", "i4", "i5"]
    assert overview.feared_violence_occasions == 2
    assert overview.reported_occasions == 2


def test_filters():
    assert summarise(CASE, Filters(behaviour="contact")).occasions == 3
    assert summarise(CASE, Filters(start=date(2026, 3, 5))).occasions == 3
    assert summarise(CASE, Filters(end=date(2026, 3, 4))).occasions == 2
    assert summarise(CASE, Filters(reported=True)).occasions == 2
    assert summarise(CASE, Filters(reported=False, feared_violence=True)).occasions == 1
    filtered = summarise(CASE, Filters(behaviour="threats"))
    assert filtered.weekly == ((date(2026, 3, 16), 1),)
    assert not Filters().active
    assert Filters(behaviour="x").active


def test_calendar_strip_marks_days_with_incidents():
    strip = calendar_strip(CASE, end=date(2026, 3, 22), days=7)

    assert next(day for day, _ in strip) == date(2026, 3, 16)
    assert dict(strip)[date(2026, 3, 17)] == 1
    assert dict(strip)[date(2026, 3, 22)] == 1
    assert sum(count for _, count in strip) == 2


def test_an_empty_case():
    overview = summarise([])

    assert overview.occasions == 0
    assert overview.weekly == ()
    assert overview.first is None
