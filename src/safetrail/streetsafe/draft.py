"""The answers so far, carried between the reporting steps in one signed hidden field.

Reporting is anonymous, so nothing is kept between steps on the server or in a
cookie: each page holds everything answered so far in one hidden field,
signed (not encrypted: it only ever goes back to the browser that typed it)
so it cannot be changed on the way. Each step checks its own fields again,
merges them in and signs the whole again; a state older than two hours since
the last step, or one that was tampered with, is refused and the person
starts again.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core import signing

from safetrail.streetsafe import area, domain, services
from safetrail.streetsafe.cells import Point

FIELD_NAME = "state"
SALT = "streetsafe.draft"
MAX_AGE = timedelta(hours=2)
# Far more than a full set of answers (the note is at most 500 characters):
# anything longer was not made here, and is not worth decompressing.
MAX_LENGTH = 8000

State = dict[str, Any]


class StateError(Exception):
    """The carried answers cannot be used: ``reason`` is "expired" or "bad"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sign(state: State) -> str:
    return signing.dumps(state, salt=SALT, compress=True)


def load(token: str) -> State:
    """The answers in a signed token; an empty token is a new report."""
    if not token:
        return {}
    if len(token) > MAX_LENGTH:
        raise StateError("bad")
    try:
        state = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise StateError("expired") from None
    except signing.BadSignature:
        raise StateError("bad") from None
    if not isinstance(state, dict):
        raise StateError("bad")
    return state


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
        # Signed by an older version of this code with other fields.
        raise StateError("bad") from None
