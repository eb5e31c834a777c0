"""Which S-DASH factors the diary suggests, and where it must stay quiet."""

from __future__ import annotations

from datetime import date

import pytest

from safetrail.risk.facts import DiaryFacts
from safetrail.risk.suggestions import FACTORS, Suggestion, suggest
from tests.risk.helpers import inc

MON = date(2026, 6, 1)  # a Monday


def on(*days: int, behaviour: str = "loitering") -> list:
    """Incidents on days of June 2026, each showing ``behaviour``."""
    return [inc(date(2026, 6, day), behaviour) for day in days]


def test_there_are_eleven_factors_in_checklist_order():
    assert len(FACTORS) == len(set(FACTORS)) == 11
    assert FACTORS[0] == "very_frightened"
    assert FACTORS[-1] == "violent_past"


def test_an_empty_diary_suggests_nothing():
    assert suggest(DiaryFacts(incidents=())) == {}


def test_contact_alone_suggests_nothing():
    assert suggest(DiaryFacts(tuple(on(1, 2, 3, 4, 5, behaviour="contact")))) == {}


@pytest.mark.parametrize(
    ("factor", "behaviour"),
    [
        ("property_damage", "property_damage"),
        ("loitering", "loitering"),
        ("threats", "threats"),
        ("third_parties", "third_parties"),
        ("violence_now", "violence"),
    ],
)
def test_a_behaviour_suggests_its_factor_and_counts_incidents(factor, behaviour):
    incidents = [
        inc(date(2026, 6, 20), behaviour, "contact"),
        inc(date(2026, 6, 2), behaviour),
        inc(date(2026, 6, 10), "contact"),
    ]

    found = suggest(DiaryFacts(tuple(incidents)))

    assert found[factor] == Suggestion(
        factor=factor,
        occasions=2,
        detail={
            "first_day": date(2026, 6, 2),
            "last_day": date(2026, 6, 20),
            "incident_ids": (incidents[1].id, incidents[0].id),  # in date order
        },
    )


def test_factors_the_diary_cannot_show_are_never_suggested():
    everything = ("contact", "loitering", "entering", "threats", "property_damage", "violence")
    incidents = tuple(inc(date(2026, 6, day), *everything, "third_parties") for day in range(1, 8))

    found = suggest(DiaryFacts(incidents, asked_to_stop=date(2026, 5, 1)))

    for factor in (
        "very_frightened",
        "harassed_before",
        "others_helping",
        "drugs_alcohol",
        "violent_past",
    ):
        assert factor not in found
    # Keyed in the checklist's order.
    assert list(found) == [factor for factor in FACTORS if factor in found]


def test_exactly_three_visits_in_a_week_do_not_meet_frequent_visits():
    found = suggest(DiaryFacts(tuple(on(1, 3, 5))))

    assert "frequent_visits" not in found
    assert found["loitering"].occasions == 3


def test_four_visits_in_a_week_meet_frequent_visits():
    found = suggest(DiaryFacts(tuple(on(1, 3, 5, 7))))  # 1 to 7 June is seven days

    visits = found["frequent_visits"]
    assert visits.occasions == 4
    assert visits.detail["window_start"] == MON
    assert visits.detail["window_end"] == date(2026, 6, 7)
    assert visits.detail["window_visits"] == 4


def test_four_visits_spread_over_eight_days_do_not():
    assert "frequent_visits" not in suggest(DiaryFacts(tuple(on(1, 3, 5, 8))))


def test_a_rolling_week_catches_a_burst_across_a_calendar_week_boundary():
    # Saturday 6 June to Tuesday 9 June: two calendar weeks, one rolling week.
    found = suggest(DiaryFacts(tuple(on(6, 7, 8, 9))))

    assert found["frequent_visits"].detail["window_start"] == date(2026, 6, 6)


def test_every_kind_of_visit_counts_and_others_do_not():
    incidents = [
        inc(date(2026, 6, 1), "loitering"),
        inc(date(2026, 6, 2), "entering"),
        inc(date(2026, 6, 3), "accosting"),
        inc(date(2026, 6, 4), "contact", "following", "watching", "gifts"),
    ]

    assert "frequent_visits" not in suggest(DiaryFacts(tuple(incidents)))

    incidents.append(inc(date(2026, 6, 5), "driving_past"))
    assert suggest(DiaryFacts(tuple(incidents)))["frequent_visits"].occasions == 4


def test_an_incident_with_several_visit_behaviours_is_one_visit():
    incidents = [
        inc(date(2026, 6, day), "loitering", "entering", "driving_past") for day in (1, 2, 3)
    ]

    assert "frequent_visits" not in suggest(DiaryFacts(tuple(incidents)))


def test_four_visits_on_one_day_are_four_visits():
    assert "frequent_visits" in suggest(DiaryFacts(tuple(on(10, 10, 10, 10))))


def test_frequent_visits_reports_the_busiest_week_and_every_visit_in_a_busy_week():
    incidents = on(1, 2, 3, 4) + on(14) + on(20, 22, 23, 24, 25, 26)

    visits = suggest(DiaryFacts(tuple(incidents)))["frequent_visits"]

    # 1–7 June holds four and 20–26 June six; the 14 June visit is in no busy week.
    assert visits.detail["window_start"] == date(2026, 6, 20)
    assert visits.detail["window_visits"] == 6
    assert visits.occasions == 10
    assert incidents[4].id not in visits.detail["incident_ids"]
    assert len(visits.detail["incident_ids"]) == 10
