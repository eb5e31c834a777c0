"""The sign-in slow-down: doubling waits with a cap, keyed hashes, and forgetting."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from safetrail.accounts import throttle
from safetrail.accounts.models import SignInThrottle

pytestmark = pytest.mark.django_db

ALL_RULES = [
    throttle.USERNAME_AND_SOURCE,
    throttle.SOURCE,
    throttle.USERNAME_UNTRUSTED,
    throttle.TRUSTED_DEVICE,
]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.name)
def test_the_wait_doubles_after_the_free_failures_up_to_a_cap(rule):
    free = rule.free_failures

    assert [throttle.delay_after(n, rule) for n in range(free + 1)] == [0] * (free + 1)
    assert [throttle.delay_after(free + n, rule) for n in range(1, 6)] == [1, 2, 4, 8, 16]
    assert throttle.delay_after(free + 100, rule) == rule.max_delay_seconds
    waits = [throttle.delay_after(n, rule) for n in range(300)]
    assert waits == sorted(waits)
    assert max(waits) == rule.max_delay_seconds


def test_the_caps_keep_every_wait_short():
    for rule in ALL_RULES:
        assert rule.max_delay_seconds <= 15 * 60
    # The person's own device and the username's shared count wait the least.
    assert throttle.TRUSTED_DEVICE.max_delay_seconds <= 5 * 60
    assert throttle.USERNAME_UNTRUSTED.max_delay_seconds <= 5 * 60


def test_record_failure_sets_the_wait_from_the_count():
    keys = throttle.keys_for("alice", "203.0.113.77", None)
    now = timezone.now()

    for _ in range(throttle.USERNAME_AND_SOURCE.free_failures + 3):
        throttle.record_failure(keys, now=now)

    row = SignInThrottle.objects.get(key_hash=keys[0][1])
    assert row.failures == throttle.USERNAME_AND_SOURCE.free_failures + 3
    assert row.blocked_until == now + timedelta(seconds=4)
    assert throttle.wait_seconds(keys, now=now) == 4
    assert throttle.wait_seconds(keys, now=now + timedelta(seconds=3)) == 1
    assert throttle.wait_seconds(keys, now=now + timedelta(seconds=4)) == 0


def test_keys_are_keyed_hashes_that_name_nobody(settings):
    username, address = "Alice.Smith", "203.0.113.77"
    keys = throttle.keys_for(username, address, None)
    throttle.record_failure(keys)

    rows = list(SignInThrottle.objects.all())
    assert len(rows) == 3
    max_length = SignInThrottle._meta.get_field("key_hash").max_length
    plain = {
        hashlib.sha256(text.encode()).hexdigest()
        for text in (username, username.casefold(), address, f"{username.casefold()}{address}")
    }
    for row in rows:
        assert len(row.key_hash) == 64 <= max_length
        int(row.key_hash, 16)
        for secret in (username, username.casefold(), address, "203.0.113"):
            assert secret not in row.key_hash
        assert row.key_hash not in plain
    assert len({row.key_hash for row in rows}) == 3
    # Keyed: without the site's secret key they cannot be worked out from a guess.
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert not {key for _, key in throttle.keys_for(username, address, None)} & {
        row.key_hash for row in rows
    }


def test_keys_ignore_the_case_of_the_username():
    assert throttle.keys_for("ALICE", "203.0.113.77", None) == throttle.keys_for(
        "alice", "203.0.113.77", None
    )


def test_a_trusted_device_is_counted_on_its_own():
    keys = throttle.keys_for("alice", "203.0.113.77", "device-token")

    assert [rule for rule, _ in keys] == [throttle.TRUSTED_DEVICE]
    untrusted = throttle.keys_for("alice", "203.0.113.77", None)
    assert keys[0][1] not in {key for _, key in untrusted}
    assert keys != throttle.keys_for("alice", "203.0.113.77", "another-device")


def test_the_source_key_is_shared_across_usernames():
    alice = dict((rule.name, key) for rule, key in throttle.keys_for("alice", "203.0.113.7", None))
    bob = dict((rule.name, key) for rule, key in throttle.keys_for("bob", "203.0.113.7", None))

    assert alice["source"] == bob["source"]
    assert alice["username+source"] != bob["username+source"]
    assert alice["username+untrusted"] != bob["username+untrusted"]


def test_success_clears_the_username_counts_but_not_the_source_count():
    keys = throttle.keys_for("alice", "203.0.113.77", None)
    for _ in range(5):
        throttle.record_failure(keys)

    throttle.record_success(keys)

    source_key = next(key for rule, key in keys if rule is throttle.SOURCE)
    assert list(SignInThrottle.objects.values_list("key_hash", flat=True)) == [source_key]
    assert SignInThrottle.objects.get().failures == 5


def test_success_on_one_username_leaves_anothers_counts():
    alice = throttle.keys_for("alice", "203.0.113.77", None)
    bob = throttle.keys_for("bob", "203.0.113.77", None)
    throttle.record_failure(alice)
    throttle.record_failure(bob)

    throttle.record_success(alice)

    remaining = set(SignInThrottle.objects.values_list("key_hash", flat=True))
    assert {key for rule, key in bob if rule is not throttle.SOURCE} <= remaining
    assert not {key for rule, key in alice if rule is not throttle.SOURCE} & remaining


def test_old_failures_are_forgotten():
    keys = throttle.keys_for("alice", "203.0.113.77", None)
    now = timezone.now()
    for _ in range(20):
        throttle.record_failure(keys, now=now)
    assert throttle.wait_seconds(keys, now=now) > 0

    later = now + throttle.FORGET_AFTER + timedelta(seconds=1)
    # Even a row still marked blocked is ignored once it is that old ...
    SignInThrottle.objects.update(blocked_until=later + timedelta(hours=1))
    assert throttle.wait_seconds(keys, now=later) == 0

    # ... a new failure starts counting from one again ...
    throttle.record_failure(keys, now=later)
    row = SignInThrottle.objects.get(key_hash=keys[0][1])
    assert row.failures == 1
    assert row.blocked_until == later

    # ... and forget_old deletes rows that have been quiet for that long.
    other = throttle.keys_for("bob", "192.0.2.1", None)
    throttle.record_failure(other, now=now)
    assert throttle.forget_old(now=later) == 3
    assert not SignInThrottle.objects.filter(key_hash=other[0][1]).exists()
    assert SignInThrottle.objects.filter(key_hash=keys[0][1]).exists()


def test_failures_within_a_day_are_not_forgotten():
    keys = throttle.keys_for("alice", "203.0.113.77", None)
    now = timezone.now()
    for _ in range(5):
        throttle.record_failure(keys, now=now)

    almost = now + throttle.FORGET_AFTER - timedelta(seconds=1)
    throttle.record_failure(keys, now=almost)

    assert SignInThrottle.objects.get(key_hash=keys[0][1]).failures == 6
    assert throttle.forget_old(now=almost) == 0
