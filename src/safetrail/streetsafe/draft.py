"""The answers so far, kept between the reporting steps as a sealed draft.

Each step's form posts to its own address; once its answers are right they
are saved and the browser is sent on (303) to the next step's address, which
it fetches with GET. So the browser's Back and reload buttons work like on
any other page (no "Confirm form resubmission"), and Back shows the answers
as they are now, not as they were.

The answers are kept in a ``ReportDraft`` row, encrypted (AES-GCM) with a
random key that is never stored: it travels only in the page's address and
forms as ``?state=<draft id>.<key>``. The server cannot read a draft on its
own, and its logs never keep query strings. A draft opens only in the
browser that made it: the encryption also covers a keyed hash of that
browser's CSRF secret (its only cookie, gone when the browser closes), so a
link to a draft sent to someone else, or synced to another device, opens
nothing. A draft is deleted in the same transaction that stores its report
(the first send wins: a second click finds nothing left to send), and once
two hours have gone by since the last step. Nothing in it says when the
report was sent: the row is gone, and its time was only ever to the minute.
There is no account, and a draft holds no address.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone

from safetrail.streetsafe import area, domain, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import ReportDraft

FIELD_NAME = "state"
MAX_AGE = timedelta(hours=2)
# A draft id (32 hex digits), a dot and a 32-byte key in base64: 76 characters.
MAX_LENGTH = 100
_NONCE_BYTES = 12

State = dict[str, Any]


class StateError(Exception):
    """The draft cannot be used: ``reason`` is "expired", "gone" (sent or cleared) or "bad"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Handle:
    """Which draft, and the key that opens it."""

    id: uuid.UUID
    key: bytes

    @property
    def token(self) -> str:
        return f"{self.id.hex}.{base64.urlsafe_b64encode(self.key).decode().rstrip('=')}"


def parse(token: str) -> Handle:
    if len(token) > MAX_LENGTH or token.count(".") != 1:
        raise StateError("bad")
    draft_id, key = token.split(".")
    try:
        padded = key + "=" * (-len(key) % 4)
        handle = Handle(uuid.UUID(hex=draft_id), base64.urlsafe_b64decode(padded))
    except (ValueError, binascii.Error):
        raise StateError("bad") from None
    if len(handle.key) != 32:
        raise StateError("bad")
    return handle


def browser(request: HttpRequest) -> bytes:
    """What ties a draft to the browser that made it: a keyed hash of its CSRF secret.

    get_token() makes the secret (and sets the cookie) if the browser has none yet.
    """
    get_token(request)
    secret = request.META.get("CSRF_COOKIE", "")
    key = hmac.new(settings.SECRET_KEY.encode(), b"streetsafe.draft-browser", hashlib.sha256)
    return hmac.new(key.digest(), secret.encode(), hashlib.sha256).digest()


def _context(handle: Handle, browser: bytes) -> bytes:
    # Authenticated, not encrypted: a draft under another id or in another browser fails.
    return handle.id.bytes + browser


def _seal(handle: Handle, state: State, browser: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(handle.key).encrypt(
        nonce, json.dumps(state).encode(), _context(handle, browser)
    )


def _minute(moment: Any) -> Any:
    return moment.replace(second=0, microsecond=0)


def load(token: str, browser: bytes) -> tuple[Handle | None, State]:
    """The draft a token names and its answers; an empty token is a new report."""
    if not token:
        return None, {}
    handle = parse(token)
    row = ReportDraft.objects.filter(id=handle.id).first()
    if row is None:
        raise StateError("gone")
    if row.updated_at < timezone.now() - MAX_AGE:
        row.delete()
        raise StateError("expired")
    sealed = bytes(row.sealed)
    try:
        plain = AESGCM(handle.key).decrypt(
            sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], _context(handle, browser)
        )
        state = json.loads(plain)
    except (InvalidTag, ValueError):
        raise StateError("bad") from None
    if not isinstance(state, dict):
        raise StateError("bad")
    return handle, state


def save(handle: Handle | None, state: State, browser: bytes) -> Handle:
    """Keeps the answers, in a new draft when there is none yet; returns its handle."""
    now = _minute(timezone.now())
    if handle is None:
        handle = Handle(uuid.uuid4(), AESGCM.generate_key(bit_length=256))
        # Housekeeping as drafts are made: what was left unsent goes after two hours.
        clear_expired()
    ReportDraft.objects.update_or_create(
        id=handle.id, defaults={"sealed": _seal(handle, state, browser), "updated_at": now}
    )
    return handle


def update(handle: Handle, state: State, browser: bytes) -> bool:
    """Changes a draft that still exists; False if it is gone (sent meanwhile)."""
    changed = ReportDraft.objects.filter(id=handle.id).update(
        sealed=_seal(handle, state, browser), updated_at=_minute(timezone.now())
    )
    return changed == 1


def claim(handle: Handle) -> bool:
    """Deletes the draft as its report is stored. False if it was gone already.

    Call it inside the transaction that stores the report: of two sends at
    once (a double click) exactly one deletes the row, the other waits for it
    and deletes nothing; a refusal rolls the delete back and keeps the draft.
    """
    deleted, _ = ReportDraft.objects.filter(id=handle.id).delete()
    return deleted > 0


def clear_expired() -> int:
    deleted, _ = ReportDraft.objects.filter(updated_at__lt=timezone.now() - MAX_AGE).delete()
    return deleted


def has_place(state: State) -> bool:
    return (
        isinstance(state.get("latitude"), float)
        and isinstance(state.get("longitude"), float)
        and state.get("located_by") in dict(domain.LOCATED_BY)
    )


def has_details(state: State) -> bool:
    return bool(state.get("reasons")) and state.get("when") in dict(domain.WHEN_CHOICES)


def point(state: State) -> Point:
    return Point(state["latitude"], state["longitude"])


def day(state: State) -> date | None:
    value = state.get("day") or ""
    return date.fromisoformat(value) if value else None


def square(state: State) -> area.Square | None:
    code = state.get("square") or ""
    return area.square(code) if code else None


def to_draft(state: State) -> services.Draft:
    """The report as services.report_create takes it. The state was checked step by step."""
    try:
        return services.Draft(
            point=point(state),
            located_by=state["located_by"],
            reasons=list(state["reasons"]),
            when=state["when"],
            band=state.get("band", ""),
            day=day(state),
            safer=list(state.get("safer", [])),
            note=state.get("note", ""),
            age_band=state.get("age_band", ""),
            gender=state.get("gender", ""),
            ethnic_group=state.get("ethnic_group", ""),
            disability=state.get("disability", ""),
        )
    except (KeyError, TypeError, ValueError):
        # Saved by an older version of this code with other fields.
        raise StateError("bad") from None
