"""Slowing down password guessing without letting anyone lock a person out.

Failed sign-ins are counted under three keys, each a keyed hash so the table
holds no usernames or addresses:

- the username from this source (address): the main brake on a guesser;
- the source alone, across usernames: a brake on someone trying many accounts;
- the username from any source *without* a trusted-device cookie.

After a few free tries each further failure doubles the wait, up to a cap.
Nothing is ever locked for good, and a browser that has signed in to this
account before (it holds a trusted-device cookie) is only subject to its own
count, so someone who knows the username cannot keep the real person out.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from safetrail.accounts.models import SignInThrottle


@dataclass(frozen=True)
class Rule:
    name: str
    free_failures: int
    max_delay_seconds: int


USERNAME_AND_SOURCE = Rule("username+source", free_failures=3, max_delay_seconds=15 * 60)
SOURCE = Rule("source", free_failures=20, max_delay_seconds=15 * 60)
USERNAME_UNTRUSTED = Rule("username+untrusted", free_failures=10, max_delay_seconds=5 * 60)
TRUSTED_DEVICE = Rule("username+device", free_failures=5, max_delay_seconds=5 * 60)
# Counted per account whatever the source or device: a second-step code, and
# the password asked again before a sensitive change. Someone who knows the
# password must not be able to guess six-digit codes quickly from anywhere.
SECOND_STEP = Rule("account+second-step", free_failures=5, max_delay_seconds=60 * 60)
PASSWORD_AGAIN = Rule("account+password-again", free_failures=5, max_delay_seconds=60 * 60)
SIGN_UP = Rule("source+sign-up", free_failures=10, max_delay_seconds=60 * 60)
# Counts are forgotten after a quiet day, so old failures do not linger.
FORGET_AFTER = timedelta(days=1)


def _key(rule: Rule, *parts: str) -> str:
    message = "\x1f".join((rule.name, *parts)).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def delay_after(failures: int, rule: Rule) -> int:
    """Seconds to wait after ``failures`` failures: 0 for the free ones, then 1, 2, 4 ..."""
    over = failures - rule.free_failures
    if over <= 0:
        return 0
    return min(2 ** (over - 1), rule.max_delay_seconds)


def source_prefix(address: str) -> str:
    """The part of an address one person controls: the whole IPv4 address, an IPv6 /64."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def keys_for(username: str, source: str, trusted_device: str | None) -> list[tuple[Rule, str]]:
    username = username.casefold()
    source = source_prefix(source)
    if trusted_device:
        return [(TRUSTED_DEVICE, _key(TRUSTED_DEVICE, username, trusted_device))]
    return [
        (USERNAME_AND_SOURCE, _key(USERNAME_AND_SOURCE, username, source)),
        (SOURCE, _key(SOURCE, source)),
        (USERNAME_UNTRUSTED, _key(USERNAME_UNTRUSTED, username)),
    ]


def account_keys(rule: Rule, account_id: object) -> list[tuple[Rule, str]]:
    return [(rule, _key(rule, str(account_id)))]


def source_keys(rule: Rule, source: str) -> list[tuple[Rule, str]]:
    return [(rule, _key(rule, source))]


def wait_seconds(keys: list[tuple[Rule, str]], now: datetime | None = None) -> int:
    """How long this attempt must wait before a password is even checked (0: go ahead)."""
    now = now or timezone.now()
    hashes = [key for _, key in keys]
    longest = 0
    for throttle in SignInThrottle.objects.filter(key_hash__in=hashes):
        if now - throttle.last_failure_at > FORGET_AFTER:
            continue
        remaining = (throttle.blocked_until - now).total_seconds()
        longest = max(longest, int(remaining + 0.999))
    return longest


@transaction.atomic
def record_failure(keys: list[tuple[Rule, str]], now: datetime | None = None) -> None:
    now = now or timezone.now()
    for rule, key in keys:
        throttle, _ = SignInThrottle.objects.select_for_update().get_or_create(key_hash=key)
        if now - throttle.last_failure_at > FORGET_AFTER:
            throttle.failures = 0
        throttle.failures += 1
        throttle.last_failure_at = now
        throttle.blocked_until = now + timedelta(seconds=delay_after(throttle.failures, rule))
        throttle.save()


def record_success(keys: list[tuple[Rule, str]]) -> None:
    """A correct sign-in clears the counts that could slow this person down."""
    SignInThrottle.objects.filter(
        key_hash__in=[key for rule, key in keys if rule is not SOURCE]
    ).delete()


def forget_old(now: datetime | None = None) -> int:
    now = now or timezone.now()
    deleted, _ = SignInThrottle.objects.filter(last_failure_at__lt=now - FORGET_AFTER).delete()
    return deleted
