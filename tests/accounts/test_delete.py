"""Deleting an account: the keys go first, then every row; a wrong password deletes nothing."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse

from safetrail.accounts import services
from safetrail.accounts.models import (
    BackupCode,
    SignInEvent,
    TrustedDevice,
    User,
    UserSession,
)
from safetrail.vault import services as vault
from safetrail.vault.models import HeldKey, Keyring
from tests.accounts.helpers import (
    PASSWORD,
    account_key_for,
    browser,
    error_text,
    is_signed_in,
    make_account,
    session_key_of,
    sign_in,
    signed_in_browser,
)

pytestmark = pytest.mark.django_db

DELETE = reverse("accounts:delete")
OWN_ROWS = [
    (Keyring, "user_id"),
    (HeldKey, "holder_id"),
    (UserSession, "user_id"),
    (SignInEvent, "user_id"),
    (TrustedDevice, "user_id"),
    (BackupCode, "user_id"),
]


@pytest.fixture
def alice():
    user, account_key, _ = make_account("alice")
    vault.content_key_create(owner=user, account_key=account_key)
    services.backup_codes_replace(user=user)
    return user


@pytest.fixture
def bob():
    user, account_key, _ = make_account("bob")
    vault.content_key_create(owner=user, account_key=account_key)
    return user


def rows_of(user_id: int) -> dict[str, int]:
    return {
        model.__name__: model.objects.filter(**{field: user_id}).count()
        for model, field in OWN_ROWS
    }


class StatementLog:
    """Every SQL statement the database is sent, in order."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)

    def first(self, prefix: str) -> int:
        return next(i for i, sql in enumerate(self.statements) if sql.startswith(prefix))


def test_deleting_removes_the_keys_first_then_everything(alice, bob):
    laptop = signed_in_browser("alice")
    phone = signed_in_browser("alice", address="203.0.113.9")
    sign_in(browser(address="192.0.2.1"), "alice", "a wrong guess")
    session_key = session_key_of(phone)
    phone_cookie = phone.cookies["vault"].value
    user_id = alice.pk
    assert all(rows_of(user_id).values()), rows_of(user_id)
    bobs_rows = rows_of(bob.pk)
    log = StatementLog()

    with connection.execute_wrapper(log):
        response = laptop.post(DELETE, {"password": PASSWORD, "understood": "on"})

    assert response.status_code == 200
    assert "Your account has been deleted" in response.content.decode()
    assert not User.objects.filter(pk=user_id).exists()
    assert rows_of(user_id) == dict.fromkeys(rows_of(user_id), 0)
    assert not Session.objects.filter(session_key=session_key).exists()
    assert account_key_for(session_key, phone_cookie, user_id) is None
    assert not is_signed_in(laptop)
    assert not is_signed_in(phone)
    # Crypto-shredding: the wrapped keys are deleted before anything else of the account.
    held_keys = log.first('DELETE FROM "vault_heldkey"')
    keyring = log.first('DELETE FROM "vault_keyring"')
    user_row = log.first('DELETE FROM "accounts_user"')
    other_deletes = [
        i
        for i, sql in enumerate(log.statements)
        if sql.startswith("DELETE") and "vault_" not in sql.split(" WHERE ")[0]
    ]
    assert max(held_keys, keyring) < min(other_deletes) <= user_row
    # Nobody else's things are touched.
    assert rows_of(bob.pk) == bobs_rows
    assert signed_in_browser("bob").get(reverse("accounts:home")).status_code == 200


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"password": "not my password", "understood": "on"}, "That is not your password"),
        ({"password": PASSWORD}, "Confirm that you understand"),
        ({"password": "", "understood": "on"}, "Enter your password"),
    ],
)
def test_a_refused_deletion_deletes_nothing(alice, form, message):
    laptop = signed_in_browser("alice")
    before = rows_of(alice.pk)

    response = laptop.post(DELETE, form)

    assert response.status_code == 200
    assert message in error_text(response)
    assert User.objects.filter(pk=alice.pk).exists()
    assert rows_of(alice.pk) == before
    assert vault.account_key_from_password(user=alice, password=PASSWORD)
    assert is_signed_in(laptop)


def test_deleting_needs_a_post(alice):
    laptop = signed_in_browser("alice")

    assert laptop.get(DELETE).status_code == 200
    assert User.objects.filter(pk=alice.pk).exists()
