"""Counters and once-only marks in the shared cache, for the limits and the proof of work.

Every report passes through here, so each operation is one round trip. With a
Redis cache (``SAFETRAIL_REDIS_URL``) they go to Redis directly: Django's cache
API takes two round trips for ``incr`` (it checks that the key exists first)
and makes a new client object for every call, a noticeable part of what a
report costs the server (see bench/streetsafe.py). Without
Redis, Django's cache is used (one process's memory: for one worker only, which
``manage.py check --deploy`` warns about).

The names are only ever keyed hashes and dates (see limits.py): no address or
report reaches the cache.
"""

from __future__ import annotations

import re
from contextlib import suppress
from functools import cache as once
from typing import Any

from django.conf import settings
from django.core.cache import cache

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
# Django's own options for its Redis cache; the rest go to redis-py's pool, as in Django.
_DJANGO_OPTIONS = {"serializer", "pool_class", "parser_class"}
# A Redis that stops answering must not hold a report's worker for ever.
_TIMEOUTS = {"socket_timeout": 5, "socket_connect_timeout": 5}


@once
def _redis() -> Any:
    """A Redis client for the default cache's server, or None when the cache is not Redis.

    Made once per process, after the server has forked its workers (redis-py's
    connection pool also notices a fork and starts afresh), with the cache's
    own OPTIONS (a password, TLS) as Django would pass them.
    """
    default = settings.CACHES.get("default", {})
    if default.get("BACKEND") != REDIS_BACKEND:
        return None
    import redis

    location = default["LOCATION"]
    servers = location if isinstance(location, list | tuple) else re.split("[;,]", location)
    options = {
        key: value
        for key, value in default.get("OPTIONS", {}).items()
        if key not in _DJANGO_OPTIONS
    }
    pool = redis.ConnectionPool.from_url(servers[0], **{**_TIMEOUTS, **options})
    return redis.Redis(connection_pool=pool)


def shared() -> bool:
    """Whether the counters live in Redis, shared by every worker."""
    return _redis() is not None


def forget_client() -> None:
    """For tests that change the cache settings."""
    _redis.cache_clear()


def _key(name: str) -> str:
    # The name Django's cache would give it (its KEY_PREFIX and VERSION), so
    # two deployments sharing a Redis stay apart, and cache.get reads it too.
    return cache.make_key(name)


def count(name: str, timeout: int) -> int:
    """Add one to the counter ``name`` and return its new value.

    A counter starts when first counted and lives ``timeout`` seconds from then.
    """
    client = _redis()
    if client is None:
        return _count_in_cache(name, timeout)
    key = _key(name)
    # MULTI/EXEC: still one round trip, and the counter cannot lose its expiry
    # between the two commands.
    pipe = client.pipeline(transaction=True)
    pipe.set(key, 0, ex=timeout, nx=True)
    pipe.incr(key)
    return int(pipe.execute()[1])


_DECREMENT_IF_THERE = (
    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0"
)


def uncount(name: str) -> None:
    """Take back one just counted (the counter exists and keeps its expiry)."""
    client = _redis()
    if client is None:
        # Gone in between (expired): nothing to take back.
        with suppress(ValueError):
            cache.decr(name)
        return
    # Only if it still exists: DECR on a key that expired meanwhile would
    # make one at -1 that never expires.
    client.eval(_DECREMENT_IF_THERE, 1, _key(name))


def value(name: str) -> int:
    """The counter's value, 0 if it has not started or has expired."""
    client = _redis()
    if client is None:
        return int(cache.get(name) or 0)
    return int(client.get(_key(name)) or 0)


def first_time(name: str, timeout: int) -> bool:
    """True the first time ``name`` is marked within ``timeout`` seconds, then False."""
    client = _redis()
    if client is None:
        return cache.add(name, 1, timeout=timeout)
    return bool(client.set(_key(name), 1, ex=timeout, nx=True))


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
