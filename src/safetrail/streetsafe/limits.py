"""Limits on how many reports one sender can make, without knowing who they are.

The sender's address is turned into HMAC(daily key, address) and only that is
used, as a cache key with a count. The daily key is random, made on first use
each day, and lives only in the cache (memory, or a Redis that keeps nothing
on disk; see docs/deploying.md): it is never written to the database, a file
or a log, and when it expires yesterday's counts cannot be linked to anyone.
The address itself is never stored.

Two limits: one per sender per day (tighter when the browser did not solve the
proof-of-work challenge, for example with JavaScript off), and one for the
whole site per hour for unsolved reports, so a script that skips the
challenge cannot flood the map.

Many people can share one address (a phone network's, a college's, a
refuge's Wi-Fi), so past REPORTS_PER_DAY solved reports a sender is not
refused at once: the next HARDER_REPORTS_PER_DAY each need a harder proof of
work (``level_needed``; twice the work every HARDER_STEP reports). A person
sending one report waits a few seconds more; a script sending hundreds pays
for each.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from safetrail.accounts.throttle import source_prefix
from safetrail.streetsafe import counting, proof_of_work

DAY_SECONDS = 24 * 60 * 60


# With Redis, reading the key is a network round trip on every report, so a
# worker remembers it for a few minutes. If Redis loses it (a restart), the
# workers agree on the new one again within that time.
KEY_RECHECK_SECONDS = 300
_remembered: dict[str, tuple[float, bytes]] = {}


def _daily_key() -> bytes:
    today = timezone.now().date().isoformat()
    name = f"streetsafe:daily-key:{today}"
    remembered = _remembered.get(name)
    if remembered is not None and time.monotonic() < remembered[0]:
        return remembered[1]
    value = cache.get(name)
    if value is None:
        made = secrets.token_hex(32)
        cache.add(name, made, timeout=DAY_SECONDS + 3600)
        # None if the cache dropped it straight away (full): use ours for this request.
        value = cache.get(name) or made
    key = bytes.fromhex(value)
    _remembered.clear()  # yesterday's key goes as soon as today's is known
    if counting.shared():
        _remembered[name] = (time.monotonic() + KEY_RECHECK_SECONDS, key)
    return key


def sender_token(address: str) -> str:
    """The keyed hash standing for the sender today. Only ever kept in the cache."""
    prefix = source_prefix(address)
    return hmac.new(_daily_key(), prefix.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""  # "sender", "site", or "harder" (solve a harder challenge)


def level_for(sent_today: int) -> int:
    """The proof-of-work level a sender needs after ``sent_today`` reports today."""
    free = settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY
    if sent_today < free:
        return 0
    step = max(1, settings.SAFETRAIL_STREETSAFE_HARDER_STEP)
    return min(proof_of_work.MAX_LEVEL, 1 + (sent_today - free) // step)


def _per_day(verified: bool) -> int:
    if verified:
        return (
            settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY
            + settings.SAFETRAIL_STREETSAFE_HARDER_REPORTS_PER_DAY
        )
    return settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY


def _count(name: str, timeout: int) -> int:
    return counting.count(name, timeout)


def _peek(name: str) -> int:
    return counting.value(name)


def _sender_counter(address: str, *, verified: bool) -> str:
    # Solved and unsolved reports are counted apart, so reports without a
    # proof (free to send) cannot raise the level others on the address need.
    kind = "sender" if verified else "unverified-sender"
    return f"streetsafe:{kind}:{timezone.now().date().isoformat()}:{sender_token(address)}"


def _hour_counter() -> str:
    return f"streetsafe:unverified:{timezone.now().strftime('%Y-%m-%dT%H')}"


def level_needed(address: str) -> int:
    """The level of the challenge to give this sender now."""
    return level_for(_peek(_sender_counter(address, verified=True)))


def check(address: str, *, verified: bool, level: int = 0) -> Verdict:
    """Whether one more report may be accepted. Does not count it (see ``record``)."""
    sent = _peek(_sender_counter(address, verified=verified))
    if sent >= _per_day(verified):
        return Verdict(False, "sender")
    if verified and level < level_for(sent):
        return Verdict(False, "harder")
    if (
        not verified
        and _peek(_hour_counter()) >= settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_HOUR
    ):
        return Verdict(False, "site")
    return Verdict(True)


def record(address: str, *, verified: bool) -> None:
    _count(_sender_counter(address, verified=verified), DAY_SECONDS)
    if not verified:
        _count(_hour_counter(), 3600)


def take(address: str, *, verified: bool, level: int = 0) -> Verdict:
    """Count one more report and say whether it may be accepted.

    Counting first makes the limit exact under a burst of concurrent requests
    from one sender (``check`` then ``record`` could let a few through), and
    keeps it one round trip. A report refused for too easy a proof is taken
    back (a second round trip, on that path only), so asking does not raise
    the level for the next person on the same address. Other refused
    attempts count, which only matters to someone already over.
    """
    name = _sender_counter(address, verified=verified)
    sent = _count(name, DAY_SECONDS)
    if sent > _per_day(verified):
        return Verdict(False, "sender")
    if verified:
        if level < level_for(sent - 1):
            counting.uncount(name)
            return Verdict(False, "harder")
        return Verdict(True)
    if _count(_hour_counter(), 3600) > settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_HOUR:
        return Verdict(False, "site")
    return Verdict(True)


def draft_allowed(address: str) -> bool:
    """Whether this sender may start one more report today (each start stores a draft).

    Drafts are written before any proof of work, so this keeps a script from
    filling the drafts table; the number is high because many people can
    share an address, and nobody is refused a report they have started.
    """
    name = f"streetsafe:drafts:{timezone.now().date().isoformat()}:{sender_token(address)}"
    return _count(name, DAY_SECONDS) <= settings.SAFETRAIL_STREETSAFE_DRAFTS_PER_DAY


def secret_token() -> str:
    return secrets.token_hex(16)
