"""The counters behind the limits and the once-only proof of work, in memory and in a real Redis.

Production runs several workers sharing a Redis (``SAFETRAIL_REDIS_URL``), and
the counters then talk to Redis directly; the rest of the suite uses Django's
in-memory cache. These tests run the same checks on both. The Redis ones use a
database of their own (``SAFETRAIL_TEST_REDIS_URL``, default database 13 on
127.0.0.1) and names unique to each test, and delete what they made.
"""

from __future__ import annotations

import os
import secrets
import threading

import pytest
from django.core.cache import cache
from django.utils import timezone

from safetrail.streetsafe import counting, limits, proof_of_work

REDIS_URL = os.environ.get("SAFETRAIL_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["memory", "redis"])
def store(request, settings):
    """Each test once with the in-memory cache and once with Redis."""
    counting.forget_client()
    limits._remembered.clear()
    prefix = f"test-{secrets.token_hex(4)}:"
    if request.param == "redis":
        if not redis_reachable():
            pytest.skip(f"no Redis at {REDIS_URL}")
        settings.CACHES = {
            "default": {
                "BACKEND": counting.REDIS_BACKEND,
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": prefix,
            }
        }
    else:
        cache.clear()
    yield prefix
    if request.param == "redis":
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for name in client.scan_iter(match=f"*{prefix}*"):
            client.delete(name)
    counting.forget_client()
    limits._remembered.clear()


# Only Redis is shared by several workers, and only there is the expiry ours.
redis_only = pytest.mark.parametrize("store", ["redis"], indirect=True)


def test_a_counter_starts_at_one_and_counts_up(store):
    name = f"{store}counter"

    assert counting.value(name) == 0
    assert [counting.count(name, 60) for _ in range(3)] == [1, 2, 3]
    assert counting.value(name) == 3


def test_counters_are_separate(store):
    counting.count(f"{store}a", 60)
    counting.count(f"{store}a", 60)

    assert counting.count(f"{store}b", 60) == 1
    assert counting.value(f"{store}a") == 2


def test_a_mark_is_new_only_the_first_time(store):
    name = f"{store}solution"

    assert counting.first_time(name, 60)
    assert not counting.first_time(name, 60)
    assert counting.first_time(f"{store}another", 60)


def test_a_count_taken_back_keeps_the_counter_and_a_gone_one_stays_gone(store):
    name = f"{store}taken-back"
    counting.count(name, 60)
    counting.count(name, 60)
    counting.uncount(name)
    assert counting.value(name) == 1

    # Expired (here: deleted) in between: nothing is made, so nothing lives for ever.
    cache.delete(name)
    counting.uncount(name)
    assert counting.value(name) == 0
    assert counting.count(name, 60) == 1


@redis_only
def test_in_redis_a_counter_expires_from_when_it_started(store):
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    name = f"{store}expiring"
    counting.count(name, 100)
    first = client.ttl(cache.make_key(name))
    counting.count(name, 100)

    assert 0 < first <= 100
    # Counting again does not push the end back.
    assert client.ttl(cache.make_key(name)) <= first


@redis_only
def test_concurrent_counts_are_all_counted(store):
    name = f"{store}busy"

    def count_many():
        for _ in range(50):
            counting.count(name, 60)

    threads = [threading.Thread(target=count_many) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert counting.value(name) == 500


def test_the_limit_is_exact_through_either_store(store, settings):
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 3
    address = f"198.51.100.{secrets.randbelow(200)}"

    verdicts = [limits.take(address, verified=True) for _ in range(5)]

    assert [verdict.allowed for verdict in verdicts] == [True, True, True, False, False]


def test_a_proof_of_work_solution_is_taken_once_through_either_store(store, settings):
    settings.SAFETRAIL_STREETSAFE_POW_MAX_NUMBER = 2_000
    payload = proof_of_work.solve(proof_of_work.new_challenge())

    assert proof_of_work.verify(payload)
    assert not proof_of_work.verify(payload)


@redis_only
def test_with_redis_the_daily_key_is_remembered_then_checked_again(store, monkeypatch):
    first = limits.sender_token("203.0.113.9")

    # Redis lost it, say after a restart. (Only this key: other tests share the database.)
    cache.delete(f"streetsafe:daily-key:{timezone.now().date().isoformat()}")
    assert limits.sender_token("203.0.113.9") == first  # remembered for a while

    monkeypatch.setattr(limits, "KEY_RECHECK_SECONDS", 0)
    limits._remembered.clear()
    assert limits.sender_token("203.0.113.9") != first  # then the new key, as every worker
