"""Keeping the account key while a person is signed in, and only then.

At sign-in the account key is wrapped under a fresh random secret. The secret
goes to the browser in its own cookie; the server session keeps only the
wrapping. Neither half is any use without the other, so a copy of the session
table reveals nothing, and ending the session (sign-out, expiry, "sign out
everywhere", quick exit) makes the key unreachable.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from safetrail.vault import crypto
from safetrail.vault.crypto import VaultError

SESSION_FIELD = "vault.wrapped_account_key"
REQUEST_ATTRIBUTE = "_vault_new_secret"


def _purpose(user_id: Any) -> str:
    return f"session/{user_id}"


def _cookie_name() -> str:
    return settings.SAFETRAIL_VAULT_COOKIE_NAME


def attach(request: HttpRequest, user_id: Any, account_key: bytes) -> None:
    """Keeps the account key for this session; the cookie is set on the response."""
    secret = secrets.token_bytes(crypto.KEY_BYTES)
    wrapped = crypto.wrap_key(secret, account_key, _purpose(user_id))
    request.session[SESSION_FIELD] = base64.b64encode(wrapped).decode()
    setattr(request, REQUEST_ATTRIBUTE, secret)


def account_key(request: HttpRequest, user_id: Any) -> bytes | None:
    """The account key, or None when this session cannot open it."""
    wrapped_text = request.session.get(SESSION_FIELD)
    secret = getattr(request, REQUEST_ATTRIBUTE, None)
    if secret is None:
        cookie = request.COOKIES.get(_cookie_name(), "")
        try:
            secret = base64.urlsafe_b64decode(cookie.encode()) if cookie else None
        except ValueError:
            secret = None
    if not wrapped_text or not secret or len(secret) != crypto.KEY_BYTES:
        return None
    try:
        return crypto.unwrap_key(secret, base64.b64decode(wrapped_text), _purpose(user_id))
    except (VaultError, ValueError):
        return None


def forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_FIELD, None)


def write_cookie(request: HttpRequest, response: HttpResponse) -> None:
    """Sends a newly attached secret to the browser, or deletes a stale one."""
    secret = getattr(request, REQUEST_ATTRIBUTE, None)
    if secret is not None:
        response.set_cookie(
            _cookie_name(),
            base64.urlsafe_b64encode(secret).decode(),
            max_age=None,  # a browser-session cookie: gone when the browser closes
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    elif _cookie_name() in request.COOKIES and not request.session.get(SESSION_FIELD):
        response.delete_cookie(_cookie_name(), samesite="Lax")
