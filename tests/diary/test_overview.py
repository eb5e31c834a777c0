"""The overview's numbers for a hand-built case."""

from __future__ import annotations

from datetime import date, datetime

from safetrail.diary.overview import (
    Filters,
    IncidentSummary,
    Page,
    calendar_strip,
    newest_first_page,
    page_links,
    page_number,
    summarise,
)


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


def test_pages_are_newest_first_and_the_last_may_be_short():
    incidents = [incident(n, date(2026, 3, 1 + n)) for n in range(7)]  # oldest first

    first = newest_first_page(incidents, 1, size=3)
    last = newest_first_page(incidents, 3, size=3)

    assert [item.id for item in first.incidents] == ["i6", "i5", "i4"]
    assert (first.number, first.count, first.total) == (1, 3, 7)
    assert not first.has_previous
    assert first.has_next
    assert [item.id for item in last.incidents] == ["i0"]
    assert last.has_previous
    assert not last.has_next
    assert newest_first_page([], 1, size=3) == Page(1, 1, (), 0)
    assert not newest_first_page([], 1).has_other_pages


def test_a_page_number_that_is_not_one_is_the_nearest_page_there_is():
    for asked, expected in (
        (2, 2),
        ("2", 2),
        (" 2 ", 2),
        ("0", 1),
        ("-1", 1),
        ("4", 3),
        ("9" * 5000, 1),  # too long for a number: not one
        ("2.5", 1),
        ("page two", 1),
        ("", 1),
        (None, 1),
    ):
        assert page_number(asked, 3) == expected, asked


def test_page_links_show_the_first_the_last_and_either_side_of_the_current():
    assert page_links(1, 1) == [1]
    assert page_links(1, 2) == [1, 2]
    assert page_links(1, 5) == [1, 2, None, 5]
    assert page_links(3, 5) == [1, 2, 3, 4, 5]  # a gap of one page shows the page
    assert page_links(5, 10) == [1, None, 4, 5, 6, None, 10]
    assert page_links(10, 10) == [1, None, 9, 10]
