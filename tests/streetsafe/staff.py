"""Signing in Street Safe staff for the page tests, as tests/authz.py signs people in."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from safetrail.accounts import services as accounts

PASSWORD = "correct horse battery staple"


def signed_in(username: str, role: str | None = None) -> Client:
    """A browser signed in as a new account with ``role``."""
    client = Client()
    user, _, _ = accounts.account_create(username=username, password=PASSWORD)
    accounts.recovery_code_confirm(user=user)
    if role:
        user.role = role
        user.save(update_fields=["role"])
    response = client.post(
        reverse("accounts:sign_in"), {"username": username, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:300]
    client.user = user  # type: ignore[attr-defined]
    return client
