"""Shared helpers for the accounts tests: accounts, browsers, and what a page says."""

from __future__ import annotations

import re

from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from django.urls import reverse

from safetrail.accounts import services
from safetrail.accounts.models import Role, User
from safetrail.vault import session as vault_session
from tests.authz import PASSWORD
from tests.html import soup

__all__ = ["PASSWORD"]

NEW_PASSWORD = "a quite different passphrase"
RECOVERY_CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){5}\b")

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0"

SIGN_IN = reverse("accounts:sign_in")
HOME = reverse("accounts:home")
LANDING = reverse("diary:home")  # where signing in leads


def make_account(
    username: str = "alice",
    password: str = PASSWORD,
    *,
    confirmed: bool = True,
    role: str = Role.PERSON,
) -> tuple[User, bytes, str]:
    """An account made by the real service: the user, their account key, their recovery code."""
    user, account_key, code = services.account_create(
        username=username, password=password, role=role
    )
    if confirmed:
        services.recovery_code_confirm(user=user)
    return user, account_key, code


def browser(address: str = "198.51.100.7", user_agent: str = CHROME_WINDOWS) -> Client:
    """A test browser that always comes from ``address`` with ``user_agent``."""
    return Client(REMOTE_ADDR=address, HTTP_USER_AGENT=user_agent)


def sign_in(client: Client, username: str = "alice", password: str = PASSWORD):
    return client.post(SIGN_IN, {"username": username, "password": password})


def signed_in_browser(username: str = "alice", password: str = PASSWORD, **kwargs) -> Client:
    client = browser(**kwargs)
    response = sign_in(client, username, password)
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == LANDING
    return client


def is_signed_in(client: Client) -> bool:
    """True when the account page opens; a signed-out browser is sent to sign in."""
    response = client.get(HOME)
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN), response["Location"]
    return False


def assert_sent_to_sign_in(response, reason: str | None = None) -> None:
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    assert location.startswith(SIGN_IN), location
    if reason is not None:
        assert location == f"{SIGN_IN}?reason={reason}", location


def error_text(response) -> str:
    """Every error the page shows (summary and field messages), as one string."""
    document = soup(response)
    parts = [
        element.get_text(" ", strip=True)
        for element in document.select(".govuk-error-summary, .govuk-error-message")
    ]
    return " ".join(parts)


def shown_codes(response) -> list[str]:
    return [
        element.get_text(strip=True) for element in soup(response).select("code.safetrail-code")
    ]


def session_key_of(client: Client) -> str:
    return client.cookies["session"].value


def account_key_for(session_key: str, vault_cookie: str, user_id: int) -> bytes | None:
    """What vault.session.account_key gives a request with this session and vault cookie."""
    request = RequestFactory().get("/")
    request.session = SessionStore(session_key=session_key)
    request.COOKIES["vault"] = vault_cookie
    return vault_session.account_key(request, user_id)
