"""Signing in: the key stays split between cookie and session; failures are slowed, not locked."""

from __future__ import annotations

import base64
import contextlib
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from safetrail.accounts import throttle
from safetrail.accounts.models import SignInEvent, SignInThrottle, TrustedDevice, UserSession
from safetrail.vault import services as vault
from safetrail.vault import session as vault_session
from tests.accounts.helpers import (
    HOME,
    LANDING,
    PASSWORD,
    SAFARI_IPHONE,
    SIGN_IN,
    assert_sent_to_sign_in,
    browser,
    error_text,
    is_signed_in,
    make_account,
    session_key_of,
    sign_in,
    signed_in_browser,
)
from tests.html import soup

pytestmark = pytest.mark.django_db

WRONG = "The username or password is wrong"
HISTORY = "/account/history/"


@pytest.fixture
def alice():
    user, account_key, _ = make_account("alice")
    return user, account_key


def encodings(secret: bytes) -> list[bytes]:
    """The forms a key could take if it were written down somewhere."""
    return [
        secret,
        secret.hex().encode(),
        base64.b64encode(secret),
        base64.urlsafe_b64encode(secret),
        base64.b64encode(secret).rstrip(b"="),
        base64.urlsafe_b64encode(secret).rstrip(b"="),
    ]


def test_the_right_password_signs_in_and_sets_the_key_cookie(alice):
    user, _ = alice
    client = browser()

    response = sign_in(client)

    assert response.status_code == 302
    assert response["Location"] == LANDING
    cookie = response.cookies["vault"]
    assert cookie.value
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["max-age"], "the key cookie must go when the browser closes"
    assert response.cookies["device"]["httponly"] is True
    assert client.get(HOME).status_code == 200
    assert UserSession.objects.filter(user=user).count() == 1
    event = SignInEvent.objects.get(user=user)
    assert vault.open_for_account(
        user=user, account_key=alice[1], sealed=event.sealed_details, label="sign-in-event"
    )["succeeded"]


def test_the_session_holds_only_a_wrapping_of_the_account_key(alice):
    user, account_key = alice
    client = browser()
    sign_in(client)

    row = Session.objects.get(session_key=session_key_of(client))
    data = SessionStore().decode(row.session_data)
    secret = base64.urlsafe_b64decode(client.cookies["vault"].value)

    # The wrapping is there (so this test looks at the right thing) ...
    assert data[vault_session.SESSION_FIELD]
    assert account_key == vault.account_key_from_password(user=user, password=PASSWORD)
    # ... but neither the account key nor the cookie's half is, in any common encoding.
    stored = [row.session_data.encode(), repr(data).encode()]
    for value in data.values():
        if isinstance(value, str):
            stored.append(value.encode())
            with contextlib.suppress(ValueError):
                stored.append(base64.b64decode(value, validate=True))
    for needle in [*encodings(account_key), *encodings(secret)]:
        for haystack in stored:
            assert needle not in haystack


def test_a_wrong_password_is_refused_plainly_and_recorded_for_the_owner(alice):
    user, _ = alice
    attacker = browser(address="192.0.2.44")

    response = sign_in(attacker, "alice", "not the password")

    assert response.status_code == 200
    assert WRONG in error_text(response)
    assert "vault" not in response.cookies
    assert not is_signed_in(attacker)
    assert SignInEvent.objects.filter(user=user).count() == 1

    owner = signed_in_browser("alice")
    page = owner.get(HISTORY)
    rows = soup(page).select("tbody tr")
    assert len(rows) == 2
    assert "Signed in" in rows[0].get_text()
    assert "Failed" in rows[1].get_text()
    assert "192.0.2.x" in rows[1].get_text()


def test_an_unknown_username_gets_the_same_message(alice):
    response = sign_in(browser(), "nobody-here", PASSWORD)

    assert response.status_code == 200
    assert WRONG in error_text(response)


def test_history_shows_the_browser_family_and_a_coarse_network_only(alice):
    user, _ = alice
    phone = browser(address="203.0.113.77", user_agent=SAFARI_IPHONE)
    sign_in(phone, "alice", "a wrong guess")
    sign_in(phone)

    page = phone.get(HISTORY)

    assert page.status_code == 200
    text = soup(page).get_text(" ")
    assert "Safari · iPhone" in text
    assert "203.0.113.x" in text
    assert "Failed" in text
    body = page.content.decode()
    assert "203.0.113.77" not in body
    assert "Version/17.4" not in body
    # Stored sealed: neither the network nor the device is in clear in the database.
    for event in SignInEvent.objects.filter(user=user):
        assert b"203.0.113" not in bytes(event.sealed_details)
        assert b"iPhone" not in bytes(event.sealed_details)
    for user_session in UserSession.objects.filter(user=user):
        assert b"203.0.113" not in bytes(user_session.sealed_details)


def source_row(username: str, address: str) -> SignInThrottle:
    key = throttle.keys_for(username, address, None)[0]
    assert key[0] is throttle.USERNAME_AND_SOURCE
    return SignInThrottle.objects.get(key_hash=key[1])


def test_after_the_free_failures_even_the_right_password_must_wait(alice):
    user, _ = alice
    client = browser(address="203.0.113.5")
    free = throttle.USERNAME_AND_SOURCE.free_failures

    for _ in range(free):
        assert sign_in(client, "alice", "wrong guess").status_code == 200
    row = source_row("alice", "203.0.113.5")
    assert row.failures == free
    assert row.blocked_until == row.last_failure_at  # the free ones cost nothing

    assert sign_in(client, "alice", "wrong guess").status_code == 200
    row = source_row("alice", "203.0.113.5")
    assert row.blocked_until - row.last_failure_at == timedelta(seconds=1)

    events_before = SignInEvent.objects.filter(user=user).count()
    # Move the clock as if more failures had made the wait longer.
    SignInThrottle.objects.filter(pk=row.pk).update(
        blocked_until=timezone.now() + timedelta(seconds=40)
    )
    response = sign_in(client, "alice", PASSWORD)

    assert response.status_code == 429
    assert "Wait" in error_text(response)
    assert "seconds" in error_text(response)
    assert "vault" not in response.cookies
    assert not is_signed_in(client)
    assert SignInEvent.objects.filter(user=user).count() == events_before
    # Waiting does not count as another failure.
    assert source_row("alice", "203.0.113.5").failures == free + 1

    # Once the wait is over, the right password works and the count is cleared.
    SignInThrottle.objects.filter(pk=row.pk).update(blocked_until=timezone.now())
    assert sign_in(client).status_code == 302
    assert not SignInThrottle.objects.filter(pk=row.pk).exists()


def test_a_long_wait_is_given_in_minutes(alice):
    client = browser(address="203.0.113.5")
    sign_in(client, "alice", "wrong guess")
    SignInThrottle.objects.update(blocked_until=timezone.now() + timedelta(seconds=600))

    response = sign_in(client, "alice", PASSWORD)

    assert response.status_code == 429
    assert "Wait 10 minutes" in error_text(response)


def fail_many_times(client, username: str, times: int) -> None:
    """An attacker who keeps going, waiting out each slow-down (time is moved, not slept)."""
    for _ in range(times):
        SignInThrottle.objects.update(blocked_until=timezone.now() - timedelta(seconds=1))
        response = sign_in(client, username, "guess")
        assert response.status_code == 200
        assert WRONG in error_text(response)


def test_an_attacker_cannot_lock_out_the_person_on_their_own_device(alice):
    user, _ = alice
    own_phone = browser(address="198.51.100.20", user_agent=SAFARI_IPHONE)
    sign_in(own_phone)
    assert TrustedDevice.objects.filter(user=user).count() == 1
    assert own_phone.cookies["device"].value
    own_phone.post("/account/sign-out/")

    attacker = browser(address="203.0.113.66")
    fail_many_times(attacker, "alice", 30)
    # The attacker is now slowed for as long as the rules allow ...
    assert sign_in(attacker, "alice", "guess").status_code == 429

    # ... but the real person's own device signs in at once, from anywhere.
    response = sign_in(own_phone)

    assert response.status_code == 302
    assert response["Location"] == LANDING
    assert is_signed_in(own_phone)
    # Even from the attacker's own network (a shared home connection, say).
    own_phone.post("/account/sign-out/")
    shared = own_phone.post(
        SIGN_IN, {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="203.0.113.66"
    )
    assert shared.status_code == 302
    assert shared["Location"] == LANDING


def test_a_device_cookie_of_another_account_does_not_skip_the_slow_down(alice):
    make_account("mallory")
    attacker = signed_in_browser("mallory", address="203.0.113.66")
    attacker.post("/account/sign-out/")
    assert attacker.cookies["device"].value

    fail_many_times(attacker, "alice", throttle.USERNAME_AND_SOURCE.free_failures + 1)
    SignInThrottle.objects.update(blocked_until=timezone.now() + timedelta(seconds=60))

    assert sign_in(attacker, "alice", PASSWORD).status_code == 429


def test_without_the_device_cookie_the_person_is_slowed_for_a_bounded_time(alice):
    attacker = browser(address="203.0.113.66")
    fail_many_times(attacker, "alice", 40)

    fresh = browser(address="192.0.2.200")
    response = sign_in(fresh)

    # Slowed, because someone has been failing at this username from elsewhere ...
    assert response.status_code == 429
    keys = throttle.keys_for("alice", "192.0.2.200", None)
    wait = throttle.wait_seconds(keys)
    # ... but never for longer than the rule's cap, however many failures there were.
    cap = throttle.USERNAME_UNTRUSTED.max_delay_seconds
    assert 0 < wait <= cap
    assert throttle.delay_after(10_000, throttle.USERNAME_UNTRUSTED) == cap
    for row in SignInThrottle.objects.all():
        assert row.blocked_until - row.last_failure_at <= timedelta(
            seconds=max(
                rule.max_delay_seconds
                for rule in (
                    throttle.USERNAME_AND_SOURCE,
                    throttle.SOURCE,
                    throttle.USERNAME_UNTRUSTED,
                )
            )
        )
    untrusted = SignInThrottle.objects.get(key_hash=keys[2][1])
    assert untrusted.blocked_until - untrusted.last_failure_at == timedelta(seconds=cap)

    # When that time has passed, the right password works from the fresh browser.
    SignInThrottle.objects.update(blocked_until=timezone.now() - timedelta(seconds=1))
    assert sign_in(fresh).status_code == 302
    assert is_signed_in(fresh)


def test_a_signed_in_page_without_its_key_cookie_signs_the_person_out(alice):
    user, _ = alice
    client = signed_in_browser("alice")
    session_key = session_key_of(client)
    client.cookies.pop("vault")

    response = client.get(HOME)

    assert_sent_to_sign_in(response, "locked")
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not UserSession.objects.filter(user=user).exists()
    assert not is_signed_in(client)
    notice = client.get(response["Location"]).content.decode()
    assert "You were signed out to keep your records safe" in notice


def test_a_changed_key_cookie_signs_the_person_out(alice):
    client = signed_in_browser("alice")
    client.cookies["vault"] = base64.urlsafe_b64encode(b"\x00" * 32).decode()

    assert_sent_to_sign_in(client.get(HOME), "locked")
    assert not is_signed_in(client)


def test_a_key_cookie_moved_to_another_session_opens_nothing(alice):
    make_account("bob")
    alice_browser = signed_in_browser("alice")
    bob_browser = signed_in_browser("bob")
    bob_browser.cookies["vault"] = alice_browser.cookies["vault"].value

    assert_sent_to_sign_in(bob_browser.get(HOME), "locked")
    assert is_signed_in(alice_browser)


def test_activity_does_not_keep_a_sign_in_going_past_its_longest_life(settings):
    make_account("alice")
    client = signed_in_browser("alice")
    session = client.session
    session["accounts.signed_in_at"] -= settings.SESSION_COOKIE_AGE + 1
    session.save()

    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"].endswith("?reason=expired")


def test_an_account_made_outside_the_app_is_sent_to_take_a_recovery_code(client):
    from django.urls import reverse

    from safetrail.accounts.models import User
    from safetrail.vault.models import Keyring

    User.objects.create_user(username="admin", password=PASSWORD, role="admin")
    assert not Keyring.objects.exists()

    sign_in(client, "admin")
    gate = client.get(reverse("accounts:recovery_code_confirm"))

    assert Keyring.objects.count() == 1
    assert gate["Location"] == reverse("accounts:recovery_code_new")
    shown = client.post(reverse("accounts:recovery_code_new"), {"password": PASSWORD})
    assert shown.status_code == 200
    assert client.get(reverse("accounts:recovery_code_confirm")).status_code == 200
