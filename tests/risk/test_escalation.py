"""Escalation warnings: each fires on a hand-built diary, and stays quiet where it must."""

from __future__ import annotations

from datetime import time
from fractions import Fraction
from itertools import product

import pytest

from safetrail.risk import escalation
from safetrail.risk.escalation import Warning, binomial_tail, warnings
from safetrail.risk.facts import DiaryFacts
from tests.risk.helpers import TODAY, days_ago, inc, weekly


def kinds(incidents, asked_to_stop=None) -> list[str]:
    return [w.kind for w in warnings(DiaryFacts(tuple(incidents), asked_to_stop), TODAY)]


def only(kind: str, incidents, asked_to_stop=None) -> list[Warning]:
    found = warnings(DiaryFacts(tuple(incidents), asked_to_stop), TODAY)
    return [warning for warning in found if warning.kind == kind]


# --- the binomial tail ---------------------------------------------------------------


def brute_force_tail(k: int, n: int, p: Fraction) -> Fraction:
    """P(X >= k) by adding up every one of the 2**n sequences of outcomes."""
    total = Fraction(0)
    for outcome in product((0, 1), repeat=n):
        if sum(outcome) >= k:
            total += p ** sum(outcome) * (1 - p) ** (n - sum(outcome))
    return total


@pytest.mark.parametrize("p", [Fraction(1, 4), Fraction(28, 112), Fraction(1, 3), 0.3, 0.5, 0.9])
@pytest.mark.parametrize("n", [0, 1, 2, 5, 10])
def test_binomial_tail_matches_a_brute_force_sum(n, p):
    for k in range(n + 2):
        assert binomial_tail(k, n, p) == float(brute_force_tail(k, n, Fraction(p)))


@pytest.mark.parametrize(
    ("k", "n", "p"),
    [(3, 9, 0.25), (8, 12, 0.25), (4, 5, 0.25), (12, 18, 0.25), (30, 100, 0.2), (1, 1, 0.5)],
)
def test_binomial_tail_matches_scipy_when_it_is_there(k, n, p):
    stats = pytest.importorskip("scipy.stats")

    expected = stats.binomtest(k, n, p, alternative="greater").pvalue
    assert binomial_tail(k, n, p) == pytest.approx(expected, rel=1e-9)


def test_binomial_tail_edges():
    assert binomial_tail(0, 7, 0.25) == 1.0
    assert binomial_tail(8, 7, 0.25) == 0.0
    assert binomial_tail(3, 3, Fraction(1, 2)) == 0.125
    # Exact arithmetic: a tiny tail is tiny, not a rounding error or a negative number.
    assert 0 < binomial_tail(60, 60, 0.25) < 1e-35
    with pytest.raises(ValueError, match="between 0 and 1"):
        binomial_tail(1, 2, 1.5)


# --- rising ------------------------------------------------------------------------


def test_windows_are_four_weeks_against_the_twelve_before():
    assert escalation.RECENT_WINDOW_DAYS == 28
    assert escalation.EARLIER_WINDOW_DAYS == 84


def test_nothing_to_warn_about_in_an_empty_diary():
    assert warnings(DiaryFacts(()), TODAY) == []


def test_a_steady_rate_does_not_fire():
    # One incident a week for sixteen weeks: 12 in the earlier 84 days, 4 in the last 28.
    assert kinds(weekly(111, 0)) == []


@pytest.mark.parametrize("other_recent_days", [(), (15, 25)])
def test_a_single_busy_day_does_not_fire(other_recent_days):
    earlier = [inc(days_ago(n)) for n in (111, 97, 83, 69, 55, 41)]  # every fortnight
    busy_day = [inc(days_ago(5)) for _ in range(10)]
    others = [inc(days_ago(n)) for n in other_recent_days]

    assert only("rising", earlier + busy_day + others) == []
    # Counting incidents instead of days, the same diary would look like a sharp rise.
    assert binomial_tail(10 + len(others), 16 + len(others), Fraction(1, 4)) < 0.01


def test_a_clear_rise_fires_with_its_numbers():
    earlier = [inc(days_ago(n)) for n in (111, 90, 69, 48)]  # every three weeks
    recent = [inc(days_ago(n)) for n in (22, 19, 16, 13, 10, 7, 4, 1)]  # every three days

    (rising,) = only("rising", earlier + recent)

    assert rising.numbers == {
        "recent_days": 8,
        "recent_window_days": 28,
        "earlier_days": 4,
        "earlier_window_days": 84,
        "p_value": round(binomial_tail(8, 12, Fraction(1, 4)), 3),
    }
    assert rising.numbers["p_value"] < 0.05


def test_a_rise_needs_a_small_p_value_not_just_a_higher_rate():
    # 3 days in 28 against 6 in 84 is 1.5 times the rate, but could easily be chance.
    earlier = [inc(days_ago(n)) for n in (111, 97, 83, 69, 55, 41)]
    recent = [inc(days_ago(n)) for n in (25, 15, 5)]

    assert binomial_tail(3, 9, Fraction(1, 4)) > 0.05
    assert only("rising", earlier + recent) == []


def test_a_rise_needs_three_recent_days():
    # Two recent days after one long-ago incident: p = 0.25**2, but two days are no trend.
    assert only("rising", [inc(days_ago(111)), inc(days_ago(3)), inc(days_ago(2))]) == []


def test_a_young_diary_compares_against_the_time_since_its_first_incident():
    recent = [inc(days_ago(n)) for n in range(0, 28, 2)]  # every other day

    (rising,) = only("rising", [inc(days_ago(45)), *recent])
    assert rising.numbers["earlier_window_days"] == 18
    assert rising.numbers["earlier_days"] == 1
    assert rising.numbers["recent_days"] == 14


def test_a_short_history_needs_a_bigger_rise():
    # Seven recent days against one in the 18 before: a lot, but 18 days say little.
    recent = [inc(days_ago(n)) for n in (20, 17, 14, 11, 8, 5, 2)]

    assert only("rising", [inc(days_ago(45)), *recent]) == []


def test_a_rise_needs_two_weeks_of_history_before_the_recent_four():
    recent = [inc(days_ago(n)) for n in range(0, 28, 2)]

    assert only("rising", [inc(days_ago(40)), *recent]) == []  # 13 days before
    assert only("rising", [inc(days_ago(41)), *recent]) != []  # 14 days before


def test_incidents_after_today_are_ignored():
    future = [inc(days_ago(-n)) for n in range(1, 20)]

    assert kinds(weekly(111, 0) + future) == []


# --- new danger --------------------------------------------------------------------


def test_a_new_threat_after_earlier_contact_fires():
    contact = weekly(111, 34, "contact")

    (warning,) = only("new_danger", [*contact, inc(days_ago(10), "threats", "contact")])

    assert warning.numbers == {
        "behaviour": "threats",
        "first_day": days_ago(10),
        "earlier_incidents": 12,
    }


def test_threats_from_the_start_are_not_new():
    incidents = [inc(days_ago(111), "threats"), *weekly(104, 34), inc(days_ago(3), "threats")]

    assert only("new_danger", incidents) == []


def test_a_danger_sign_first_seen_over_four_weeks_ago_is_not_new():
    contact = weekly(111, 34)

    assert only("new_danger", [*contact, inc(days_ago(28), "violence")]) == []
    assert only("new_danger", [*contact, inc(days_ago(27), "violence")]) != []


def test_new_danger_needs_incidents_on_earlier_days():
    # The very first incidents, on the same day, one with a threat: nothing was there before.
    assert only("new_danger", [inc(days_ago(5), "contact"), inc(days_ago(5), "threats")]) == []


def test_only_danger_signs_are_new_dangers():
    incidents = [*weekly(111, 34), inc(days_ago(3), "following", "gifts", "loitering")]

    assert only("new_danger", incidents) == []


def test_one_warning_per_danger_sign_in_date_then_name_order():
    incidents = [
        *weekly(111, 34),
        inc(days_ago(20), "violence"),
        inc(days_ago(10), "property_damage", "entering"),
        inc(days_ago(9), "violence"),
    ]

    found = only("new_danger", incidents)

    assert [(w.numbers["behaviour"], w.numbers["first_day"]) for w in found] == [
        ("violence", days_ago(20)),
        ("entering", days_ago(10)),
        ("property_damage", days_ago(10)),
    ]


# --- after being asked to stop -----------------------------------------------------


def test_after_stop_counts_incidents_from_the_day_of_asking():
    asked = days_ago(50)
    incidents = [
        inc(days_ago(90)),
        inc(days_ago(70)),
        inc(days_ago(51)),
        inc(asked),
        inc(days_ago(30)),
    ]

    (warning,) = only("after_stop", incidents, asked_to_stop=asked)

    assert warning.numbers == {"asked_to_stop": asked, "after": 2, "before": 3}


def test_no_after_stop_without_incidents_after_or_without_asking():
    incidents = [inc(days_ago(90)), inc(days_ago(70))]

    assert only("after_stop", incidents, asked_to_stop=days_ago(60)) == []
    assert only("after_stop", incidents) == []


# --- night -------------------------------------------------------------------------


def daytime() -> list:
    return weekly(111, 0, at=time(14, 0))  # steady daytime pattern all along


def test_a_rise_in_nights_fires():
    nights = [
        inc(days_ago(60), at=time(23, 0)),  # the only earlier night
        inc(days_ago(20), at=time(23, 0)),
        inc(days_ago(10), at=time(2, 0)),
        inc(days_ago(3), night=True),  # "night", no exact time
        inc(days_ago(2), at=time(22, 30)),
    ]

    (warning,) = only("night_rise", daytime() + nights)

    assert warning.numbers == {
        "recent_incidents": 4,
        "recent_nights": 4,
        "recent_window_days": 28,
        "earlier_incidents": 1,
        "earlier_window_days": 84,
        "p_value": round(binomial_tail(4, 5, Fraction(1, 4)), 3),
    }
    assert warning.numbers["p_value"] < 0.05
    assert only("rising", daytime() + nights) == []  # more nights, not more days


def test_a_steady_pattern_of_nights_does_not_fire():
    assert kinds(weekly(111, 0, at=time(23, 30))) == []


def test_many_incidents_on_one_night_do_not_fire():
    one_night = [
        inc(days_ago(5), at=time(22, 10)),
        inc(days_ago(5), at=time(23, 40)),
        inc(days_ago(4), at=time(1, 0)),  # small hours: still the night that began 5 days ago
        inc(days_ago(4), at=time(3, 0)),
    ]

    assert binomial_tail(4, 4, Fraction(1, 4)) < 0.05  # the counts alone would fire
    assert only("night_rise", daytime() + one_night) == []


def test_daytime_incidents_are_not_night_rises():
    recent = [inc(days_ago(n), at=time(21, 59)) for n in (20, 15, 10, 5, 1)]

    assert only("night_rise", daytime() + recent) == []


# --- all together ------------------------------------------------------------------


def test_warnings_come_in_a_fixed_order():
    earlier = [inc(days_ago(n), at=time(12, 0)) for n in (111, 90, 69, 48)]
    recent = [inc(days_ago(n), "threats", at=time(23, 0)) for n in (22, 19, 16, 13, 10, 7, 4, 1)]

    assert kinds(earlier + recent, asked_to_stop=days_ago(30)) == [
        "new_danger",
        "after_stop",
        "rising",
        "night_rise",
    ]
    assert escalation.KINDS == ("new_danger", "after_stop", "rising", "night_rise")
