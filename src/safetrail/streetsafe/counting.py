"""Counters and once-only marks in the shared cache, for the limits and the proof of work.

Every report passes through here, so each operation is one round trip. With a
Redis cache (``SAFETRAIL_REDIS_URL``) they go to Redis directly: Django's cache
API takes two round trips for ``incr`` (it checks that the key exists first)
and makes a new client object for every call, which together cost a report as
much time as writing it to the database (see bench/streetsafe.py). Without
Redis, Django's cache is used (one process's memory: for one worker only, which
``manage.py check --deploy`` warns about).

The names are only ever keyed hashes and dates (see limits.py): no address or
report reaches the cache.
"""

from __future__ import annotations

from functools import cache as once
from typing import Any

from django.conf import settings
from django.core.cache import cache

PREFIX = "safetrail:"
REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"


@once
def _redis() -> Any:
    """A Redis client for the default cache's server, or None when the cache is not Redis.

    Made once per process, after the server has forked its workers (redis-py's
    connection pool also notices a fork and starts afresh).
    """
    default = settings.CACHES.get("default", {})
    if default.get("BACKEND") != REDIS_BACKEND:
        return None
    import redis

    location = default["LOCATION"]
    url = location[0] if isinstance(location, list | tuple) else location.split(",")[0]
    return redis.Redis.from_url(url)


def shared() -> bool:
    """Whether the counters live in Redis, shared by every worker."""
    return _redis() is not None


def forget_client() -> None:
    """For tests that change the cache settings."""
    _redis.cache_clear()


def count(name: str, timeout: int) -> int:
    """Add one to the counter ``name`` and return its new value.

    A counter starts when first counted and lives ``timeout`` seconds from then.
    """
    client = _redis()
    if client is None:
        return _count_in_cache(name, timeout)
    pipe = client.pipeline(transaction=False)
    pipe.set(PREFIX + name, 0, ex=timeout, nx=True)
    pipe.incr(PREFIX + name)
    return int(pipe.execute()[1])


def value(name: str) -> int:
    """The counter's value, 0 if it has not started or has expired."""
    client = _redis()
    if client is None:
        return int(cache.get(name) or 0)
    return int(client.get(PREFIX + name) or 0)


def first_time(name: str, timeout: int) -> bool:
    """True the first time ``name`` is marked within ``timeout`` seconds, then False."""
    client = _redis()
    if client is None:
        return cache.add(name, 1, timeout=timeout)
    return bool(client.set(PREFIX + name, 1, ex=timeout, nx=True))


def _count_in_cache(name: str, timeout: int) -> int:
    try:
        return cache.incr(name)
    except ValueError:  # not there yet (or just expired)
        if cache.add(name, 1, timeout=timeout):
            return 1
        try:
            return cache.incr(name)
        except ValueError:
            cache.set(name, 1, timeout=timeout)
            return 1
