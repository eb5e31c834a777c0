"""Changing the password and recovering with the code: records stay readable, old secrets die."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from safetrail.accounts import throttle
from safetrail.accounts.models import SignInEvent, SignInThrottle, User, UserSession
from safetrail.vault import services as vault
from safetrail.vault.crypto import VaultError
from tests.accounts.helpers import (
    HOME,
    NEW_PASSWORD,
    PASSWORD,
    RECOVERY_CODE,
    assert_sent_to_sign_in,
    browser,
    error_text,
    is_signed_in,
    make_account,
    session_key_of,
    shown_codes,
    sign_in,
    signed_in_browser,
)
from tests.html import soup

pytestmark = pytest.mark.django_db

CHANGE = reverse("accounts:password_change")
RECOVER = reverse("accounts:recover")
NOTE = {"text": "He was outside the house again at 7pm."}


@pytest.fixture
def alice():
    """Alice, with one sealed record whose content key her account key holds."""
    user, account_key, code = make_account("alice")
    key_id, content_key = vault.content_key_create(owner=user, account_key=account_key)
    sealed = vault.record_seal(
        key=content_key, table="tests.note", row_id="note-1", case_id="case-1", data=NOTE
    )
    return {
        "user": user,
        "account_key": account_key,
        "code": code,
        "key_id": key_id,
        "sealed": sealed,
    }


def read_the_record(alice, account_key: bytes) -> dict:
    content_key = vault.content_key_open(
        holder=alice["user"], key_id=alice["key_id"], account_key=account_key
    )
    return vault.record_open(
        key=content_key,
        table="tests.note",
        row_id="note-1",
        case_id="case-1",
        sealed=alice["sealed"],
    )


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        CHANGE,
        {
            "current_password": current,
            "new_password": new,
            "new_password_again": new if again is None else again,
        },
    )


def recover(client, code, username="alice", new=NEW_PASSWORD):
    return client.post(
        RECOVER,
        {
            "username": username,
            "recovery_code": code,
            "new_password": new,
            "new_password_again": new,
        },
    )


# --- changing the password ------------------------------------------------------------


def test_after_a_password_change_the_new_password_opens_the_records(alice):
    user = alice["user"]
    laptop = signed_in_browser("alice")

    response = change_password(laptop)

    assert response.status_code == 302
    assert response["Location"] == HOME
    new_key = vault.account_key_from_password(user=user, password=NEW_PASSWORD)
    assert new_key == alice["account_key"]
    assert read_the_record(alice, new_key) == NOTE
    with pytest.raises(VaultError):
        vault.account_key_from_password(user=user, password=PASSWORD)
    # The recovery code is unchanged and still opens the same key.
    assert vault.account_key_from_recovery_code(user=user, recovery_code=alice["code"]) == new_key
    # This browser carries on, with its key.
    assert "Your password has been changed" in laptop.get(HOME).content.decode()


def test_after_a_password_change_only_the_new_password_signs_in(alice):
    change_password(signed_in_browser("alice"))

    old = sign_in(browser(address="192.0.2.8"), "alice", PASSWORD)
    assert old.status_code == 200
    assert "The username or password is wrong" in error_text(old)

    assert sign_in(browser(address="192.0.2.9"), "alice", NEW_PASSWORD).status_code == 302


def test_a_password_change_signs_out_the_other_devices(alice):
    laptop = signed_in_browser("alice")
    phone = signed_in_browser("alice", address="203.0.113.9")

    change_password(laptop)

    assert_sent_to_sign_in(phone.get(HOME))
    assert is_signed_in(laptop)


def test_after_a_password_change_this_device_is_still_listed(alice):
    user = alice["user"]
    laptop = signed_in_browser("alice")
    signed_in_browser("alice", address="203.0.113.9")

    change_password(laptop)

    rows = UserSession.objects.filter(user=user)
    assert [row.session_key for row in rows] == [session_key_of(laptop)]
    page = laptop.get(reverse("accounts:sessions"))
    assert "This device" in page.content.decode()
    assert len(soup(page).select(".govuk-summary-card")) == 1


@pytest.mark.parametrize(
    ("current", "new", "again", "message"),
    [
        ("not my password", NEW_PASSWORD, None, "That is not your current password"),
        (PASSWORD, NEW_PASSWORD, "something else entirely", "The two passwords are different"),
        (PASSWORD, "short", None, "This password is too short"),
    ],
)
def test_a_refused_password_change_changes_nothing(alice, current, new, again, message):
    laptop = signed_in_browser("alice")
    phone = signed_in_browser("alice", address="203.0.113.9")

    response = change_password(laptop, current, new, again)

    assert response.status_code == 200
    assert message in error_text(response)
    assert vault.account_key_from_password(user=alice["user"], password=PASSWORD)
    assert User.objects.get().check_password(PASSWORD)
    assert is_signed_in(phone)


# --- recovering with the recovery code --------------------------------------------------


def test_recovery_sets_a_new_password_and_shows_a_new_code(alice):
    user = alice["user"]
    old_code = alice["code"]
    other_device = signed_in_browser("alice", address="203.0.113.9")
    client = browser(address="192.0.2.10")

    response = recover(client, old_code.lower().replace("-", " "))

    assert response.status_code == 200
    codes = [code for code in shown_codes(response) if RECOVERY_CODE.fullmatch(code)]
    assert len(codes) == 1
    new_code = codes[0]
    assert new_code != old_code
    assert "Your old recovery code no longer works" in response.content.decode()
    # The records are still readable, with the new password and with the new code.
    key = vault.account_key_from_password(user=user, password=NEW_PASSWORD)
    assert key == alice["account_key"]
    assert read_the_record(alice, key) == NOTE
    assert vault.account_key_from_recovery_code(user=user, recovery_code=new_code) == key
    # The old code and the old password open nothing.
    with pytest.raises(VaultError):
        vault.account_key_from_recovery_code(user=user, recovery_code=old_code)
    with pytest.raises(VaultError):
        vault.account_key_from_password(user=user, password=PASSWORD)
    assert sign_in(browser(address="192.0.2.11"), "alice", PASSWORD).status_code == 200
    # Every other session has ended; this browser is signed in and must confirm the code.
    assert_sent_to_sign_in(other_device.get(HOME))
    assert list(UserSession.objects.filter(user=user).values_list("session_key", flat=True)) == [
        session_key_of(client)
    ]
    assert client.get(HOME)["Location"] == reverse("accounts:recovery_code_confirm")


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("alice", "0000-0000-0000-0000-0000-0000"),
        ("nobody-here", "0000-0000-0000-0000-0000-0000"),
    ],
)
def test_a_wrong_recovery_code_gets_a_plain_message(alice, username, code):
    client = browser(address="192.0.2.10")

    response = recover(client, code, username=username)

    assert response.status_code == 200
    assert "The username or recovery code is wrong" in error_text(response)
    assert not RECOVERY_CODE.search(" ".join(shown_codes(response))), (
        "no new code for a failed attempt"
    )
    assert vault.account_key_from_password(user=alice["user"], password=PASSWORD)
    assert not is_signed_in(client)


def test_a_wrong_recovery_code_is_in_the_owners_history(alice):
    recover(browser(address="192.0.2.10"), "0000-0000-0000-0000-0000-0000")

    assert SignInEvent.objects.filter(user=alice["user"]).count() == 1
    owner = signed_in_browser("alice")
    text = soup(owner.get("/account/history/")).get_text(" ")
    assert "Failed" in text
    assert "192.0.2.x" in text


@pytest.mark.parametrize("code", ["not a code", "0000-0000", "UUUU-UUUU-UUUU-UUUU-UUUU-UUUU"])
def test_a_malformed_recovery_code_says_what_a_code_looks_like(alice, code):
    response = recover(browser(), code)

    assert response.status_code == 200
    assert "A recovery code has 24 letters and numbers" in error_text(response)


def test_recovery_attempts_are_throttled(alice):
    client = browser(address="192.0.2.10")
    free = throttle.USERNAME_AND_SOURCE.free_failures

    for _ in range(free + 1):
        response = recover(client, "0000-0000-0000-0000-0000-0000")
        assert response.status_code == 200
    blocked = [
        row for row in SignInThrottle.objects.all() if row.blocked_until > row.last_failure_at
    ]
    assert len(blocked) == 1
    SignInThrottle.objects.filter(pk=blocked[0].pk).update(
        blocked_until=timezone.now() + timedelta(seconds=30)
    )

    response = recover(client, alice["code"])

    assert response.status_code == 429
    assert "Wait" in error_text(response)
    assert vault.account_key_from_recovery_code(user=alice["user"], recovery_code=alice["code"])
    assert vault.account_key_from_password(user=alice["user"], password=PASSWORD)
    # Recovery has its own count: the password still signs in from that browser.
    assert sign_in(client).status_code == 302


def test_recovery_throttle_rows_fit_the_table_and_name_nobody(alice):
    recover(browser(address="192.0.2.10"), "0000-0000-0000-0000-0000-0000")

    rows = list(SignInThrottle.objects.all())
    assert len(rows) == 3
    max_length = SignInThrottle._meta.get_field("key_hash").max_length
    sign_in_keys = {key for _, key in throttle.keys_for("alice", "192.0.2.10", None)}
    for row in rows:
        assert len(row.key_hash) <= max_length
        assert "alice" not in row.key_hash
        assert "192.0.2" not in row.key_hash
        assert row.key_hash not in sign_in_keys
