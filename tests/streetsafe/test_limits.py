"""Rate limits on anonymous reports: per sender per day, and site-wide for unverified ones."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache

from safetrail.streetsafe import limits, proof_of_work, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import Report


@pytest.fixture(autouse=True)
def small_limits(settings):
    cache.clear()
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 4
    settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY = 2
    settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_HOUR = 5
    # No harder reports past the daily number, except where a test says so.
    settings.SAFETRAIL_STREETSAFE_HARDER_REPORTS_PER_DAY = 0
    settings.SAFETRAIL_STREETSAFE_HARDER_STEP = 2
    yield settings
    cache.clear()


def send(address: str, *, verified: bool) -> limits.Verdict:
    """What a view does: check, and count only what was accepted."""
    verdict = limits.check(address, verified=verified)
    if verdict.allowed:
        limits.record(address, verified=verified)
    return verdict


def test_a_verified_sender_gets_the_verified_number():
    verdicts = [send("203.0.113.10", verified=True) for _ in range(5)]

    assert [verdict.allowed for verdict in verdicts] == [True, True, True, True, False]
    assert verdicts[-1].reason == "sender"


def test_an_unverified_sender_gets_the_smaller_number():
    verdicts = [send("203.0.113.11", verified=False) for _ in range(3)]

    assert [verdict.allowed for verdict in verdicts] == [True, True, False]
    assert verdicts[-1].reason == "sender"


def test_the_numbers_come_from_the_settings(small_limits):
    small_limits.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 7

    assert sum(send("203.0.113.12", verified=True).allowed for _ in range(10)) == 7


def test_unverified_reports_count_towards_the_day_for_a_verified_one():
    send("203.0.113.13", verified=False)
    send("203.0.113.13", verified=False)

    assert not limits.check("203.0.113.13", verified=False).allowed
    assert limits.check("203.0.113.13", verified=True).allowed


def test_another_address_is_not_limited():
    for _ in range(4):
        send("203.0.113.14", verified=True)
    assert not limits.check("203.0.113.14", verified=True).allowed

    assert limits.check("203.0.113.15", verified=True).allowed
    assert limits.check("2001:db8:1:2::15", verified=True).allowed


def test_an_ipv6_64_is_one_sender():
    for host in ("2001:db8:aa:bb::1", "2001:db8:aa:bb::2", "2001:db8:aa:bb:ffff:1:2:3"):
        assert send(host, verified=True).allowed
    assert send("2001:db8:aa:bb:1::9", verified=True).allowed

    assert not limits.check("2001:db8:aa:bb:9::9", verified=True).allowed
    # The next /64 is someone else.
    assert limits.check("2001:db8:aa:bc::1", verified=True).allowed
    assert limits.sender_token("2001:db8:aa:bb::1") == limits.sender_token("2001:db8:aa:bb:1234::1")
    assert limits.sender_token("2001:db8:aa:bb::1") != limits.sender_token("2001:db8:aa:bc::1")


def test_an_ipv4_mapped_address_is_the_ipv4_sender():
    assert limits.sender_token("::ffff:203.0.113.16") == limits.sender_token("203.0.113.16")


def test_the_site_wide_cap_stops_unverified_reports_from_everyone():
    for number in range(5):
        assert send(f"203.0.113.{100 + number}", verified=False).allowed

    refused = limits.check("203.0.113.200", verified=False)

    assert not refused.allowed
    assert refused.reason == "site"
    # Solving the challenge still gets a report through.
    assert limits.check("203.0.113.200", verified=True).allowed


def test_the_site_wide_cap_is_per_hour(monkeypatch):
    from django.utils import timezone

    now = timezone.now().replace(minute=30)
    monkeypatch.setattr(timezone, "now", lambda: now)
    for number in range(5):
        send(f"203.0.113.{120 + number}", verified=False)
    assert limits.check("203.0.113.130", verified=False).reason == "site"

    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(hours=1))

    assert limits.check("203.0.113.130", verified=False).allowed


def test_verified_reports_do_not_count_towards_the_site_wide_cap():
    for number in range(10):
        send(f"203.0.113.{140 + number}", verified=True)

    assert limits.check("203.0.113.160", verified=False).allowed


@pytest.mark.django_db
def test_report_create_refuses_over_the_limit_and_stores_nothing():
    draft = services.Draft(
        point=Point(51.51, -0.13),
        located_by="map",
        reasons=["badly_lit"],
        when="earlier_today",
        band="morning",
    )
    for _ in range(2):
        services.report_create(draft, address="203.0.113.17", verified=False)

    with pytest.raises(services.ReportRefused) as refused:
        services.report_create(draft, address="203.0.113.17", verified=False)

    assert refused.value.reason == "limit_sender"
    assert Report.objects.count() == 2
    # A refused report is not counted: the same sender can still send verified ones.
    services.report_create(draft, address="203.0.113.17", verified=True)
    assert Report.objects.count() == 3


@pytest.mark.django_db
def test_report_create_refuses_over_the_site_wide_cap():
    draft = services.Draft(
        point=Point(51.51, -0.13),
        located_by="map",
        reasons=["followed"],
        when="now",
    )
    for number in range(5):
        services.report_create(draft, address=f"203.0.113.{180 + number}", verified=False)

    with pytest.raises(services.ReportRefused) as refused:
        services.report_create(draft, address="203.0.113.190", verified=False)

    assert refused.value.reason == "limit_site"


def test_a_burst_from_one_sender_gets_exactly_the_limit_through():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        verdicts = list(pool.map(lambda _: limits.take("203.0.113.40", verified=True), range(20)))

    assert sum(verdict.allowed for verdict in verdicts) == 4
    assert {verdict.reason for verdict in verdicts if not verdict.allowed} == {"sender"}


def test_take_applies_the_site_cap_to_unverified_reports_only():
    for number in range(5):
        assert limits.take(f"203.0.113.{50 + number}", verified=False).allowed

    refused = limits.take("203.0.113.60", verified=False)

    assert not refused.allowed
    assert refused.reason == "site"
    assert limits.take("203.0.113.61", verified=True).allowed


# --- many people behind one address: harder proofs, not a refusal ----------------------------


def test_past_the_daily_number_a_sender_needs_ever_harder_proofs(small_limits):
    small_limits.SAFETRAIL_STREETSAFE_HARDER_REPORTS_PER_DAY = 5
    address = "203.0.113.70"
    levels = []
    for _ in range(9):
        level = limits.level_needed(address)
        levels.append(level)
        # An easier proof is not enough once the level is up; the asked-for one is.
        if level:
            assert limits.check(address, verified=True, level=level - 1).reason == "harder"
        assert limits.check(address, verified=True, level=level).allowed
        limits.record(address, verified=True)

    # 4 at the normal level, then twice the work every 2 reports (HARDER_STEP).
    assert levels == [0, 0, 0, 0, 1, 1, 2, 2, 3]
    assert limits.check(address, verified=True, level=5).reason == "sender"
    # take() decides the same way, in one step.
    other = "203.0.113.73"
    for _ in range(4):
        assert limits.take(other, verified=True).allowed
    assert limits.take(other, verified=True, level=0).reason == "harder"
    assert limits.take(other, verified=True, level=1).allowed


def test_harder_proofs_end_at_the_ceiling(small_limits):
    small_limits.SAFETRAIL_STREETSAFE_HARDER_REPORTS_PER_DAY = 3
    address = "203.0.113.71"
    verdicts = [limits.take(address, verified=True, level=5) for _ in range(8)]
    assert [verdict.allowed for verdict in verdicts] == [True] * 7 + [False]
    assert verdicts[-1].reason == "sender"


def test_the_level_never_passes_the_proof_of_works_top(small_limits):
    small_limits.SAFETRAIL_STREETSAFE_HARDER_REPORTS_PER_DAY = 1000
    assert limits.level_for(4) == 1
    assert limits.level_for(999) == proof_of_work.MAX_LEVEL


def test_reports_without_a_proof_do_not_raise_the_level_for_others(small_limits):
    """Unproven attempts are free to send: they must not push an address's level up."""
    small_limits.SAFETRAIL_STREETSAFE_HARDER_REPORTS_PER_DAY = 5
    address = "203.0.113.72"
    for _ in range(4):
        limits.record(address, verified=True)
    assert limits.level_needed(address) == 1
    verdicts = [limits.take(address, verified=False) for _ in range(60)]
    assert [verdict.allowed for verdict in verdicts[:3]] == [True, True, False]
    assert limits.level_needed(address) == 1
    # Nor does asking for a harder proof: the refused attempt is taken back.
    for _ in range(5):
        assert limits.take(address, verified=True, level=0).reason == "harder"
    assert limits.level_needed(address) == 1
    assert limits.take(address, verified=True, level=1).allowed
