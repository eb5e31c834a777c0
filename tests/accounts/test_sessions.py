"""Signed-in devices: the person sees each one and can end it; ending it destroys its key."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from safetrail.accounts.models import UserSession
from tests.accounts.helpers import (
    FIREFOX_ANDROID,
    SAFARI_IPHONE,
    account_key_for,
    assert_sent_to_sign_in,
    is_signed_in,
    make_account,
    session_key_of,
    signed_in_browser,
)
from tests.html import soup

pytestmark = pytest.mark.django_db

DEVICES = reverse("accounts:sessions")
END_OTHERS = reverse("accounts:sessions_end_others")


def end_url(user_session: UserSession) -> str:
    return reverse("accounts:session_end", args=[user_session.id])


@pytest.fixture
def alice():
    user, account_key, _ = make_account("alice")
    return user, account_key


@pytest.fixture
def laptop(alice):
    return signed_in_browser("alice", address="198.51.100.1")


@pytest.fixture
def phone(alice):
    return signed_in_browser("alice", address="203.0.113.9", user_agent=SAFARI_IPHONE)


def row_of(client) -> UserSession:
    return UserSession.objects.get(session_key=session_key_of(client))


def test_the_devices_page_lists_every_signed_in_browser(alice, laptop, phone):
    page = laptop.get(DEVICES)

    assert page.status_code == 200
    cards = soup(page).select(".govuk-summary-card")
    assert len(cards) == 2
    titles = [
        card.select_one(".govuk-summary-card__title").get_text(" ", strip=True) for card in cards
    ]
    assert sum("This device" in title for title in titles) == 1
    this_device = next(card for card in cards if "This device" in card.get_text())
    other_device = next(card for card in cards if "This device" not in card.get_text())
    assert "Chrome · Windows computer" in this_device.get_text()
    assert "198.51.100.x" in this_device.get_text()
    assert "Safari · iPhone" in other_device.get_text()
    assert "203.0.113.x" in other_device.get_text()
    # Only the other device has a sign-out button; the form names that session.
    assert not this_device.select("form")
    assert other_device.select_one("form")["action"] == end_url(row_of(phone))
    assert "203.0.113.9" not in page.content.decode()


def test_signing_out_of_all_other_devices_ends_them_and_their_keys(alice, laptop, phone):
    user, account_key = alice
    tablet = signed_in_browser("alice", address="192.0.2.3", user_agent=FIREFOX_ANDROID)
    phone_session = session_key_of(phone)
    phone_cookie = phone.cookies["vault"].value
    assert account_key_for(phone_session, phone_cookie, user.pk) == account_key

    response = laptop.post(END_OTHERS)

    assert response.status_code == 302
    assert response["Location"] == DEVICES
    assert "Signed out of 2 other devices" in laptop.get(DEVICES).content.decode()
    assert not Session.objects.filter(session_key=phone_session).exists()
    assert account_key_for(phone_session, phone_cookie, user.pk) is None
    assert list(UserSession.objects.filter(user=user)) == [row_of(laptop)]
    assert_sent_to_sign_in(phone.get(reverse("accounts:home")))
    assert not is_signed_in(tablet)
    assert is_signed_in(laptop)


def test_ending_one_named_device_leaves_the_others(alice, laptop, phone):
    user, _ = alice
    tablet = signed_in_browser("alice", address="192.0.2.3", user_agent=FIREFOX_ANDROID)
    phone_session = session_key_of(phone)
    phone_cookie = phone.cookies["vault"].value

    response = laptop.post(end_url(row_of(phone)))

    assert response.status_code == 302
    assert response["Location"] == DEVICES
    assert account_key_for(phone_session, phone_cookie, user.pk) is None
    assert not is_signed_in(phone)
    assert is_signed_in(tablet)
    assert is_signed_in(laptop)
    assert UserSession.objects.filter(user=user).count() == 2


def test_this_device_is_not_ended_through_the_named_device_form(alice, laptop):
    own = row_of(laptop)

    response = laptop.post(end_url(own))

    assert response.status_code == 404
    assert UserSession.objects.filter(pk=own.pk).exists()
    assert is_signed_in(laptop)


def test_ending_another_persons_session_is_not_found_and_changes_nothing(alice, laptop):
    make_account("bob")
    bob = signed_in_browser("bob", address="192.0.2.50")
    bobs_row = row_of(bob)

    response = laptop.post(end_url(bobs_row))

    assert response.status_code == 404
    assert UserSession.objects.filter(pk=bobs_row.pk).exists()
    assert Session.objects.filter(session_key=bobs_row.session_key).exists()
    assert is_signed_in(bob)
    assert "bob" not in response.content.decode()


def test_an_unknown_session_id_is_not_found(laptop):
    response = laptop.post(
        reverse("accounts:session_end", args=["00000000-0000-0000-0000-000000000000"])
    )

    assert response.status_code == 404


def test_ending_sessions_needs_a_post(laptop, phone):
    assert laptop.get(END_OTHERS).status_code == 405
    assert laptop.get(end_url(row_of(phone))).status_code == 405
    assert is_signed_in(phone)


def test_signing_out_removes_the_session_and_its_row(alice, laptop, phone):
    user, _ = alice
    session_key = session_key_of(laptop)
    vault_cookie = laptop.cookies["vault"].value

    response = laptop.post(reverse("accounts:sign_out"))

    assert_sent_to_sign_in(response, "signed-out")
    assert response.cookies["vault"].value == ""
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not UserSession.objects.filter(session_key=session_key).exists()
    assert account_key_for(session_key, vault_cookie, user.pk) is None
    assert not is_signed_in(laptop)
    assert is_signed_in(phone)


def test_signing_out_needs_a_post(laptop):
    assert laptop.get(reverse("accounts:sign_out")).status_code == 405
    assert is_signed_in(laptop)


def test_quick_exit_removes_the_session_and_its_row(alice, laptop, phone):
    user, _ = alice
    session_key = session_key_of(laptop)
    vault_cookie = laptop.cookies["vault"].value

    response = laptop.get("/exit/")

    assert response.status_code == 302
    assert response.cookies["vault"].value == ""
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not UserSession.objects.filter(session_key=session_key).exists()
    assert account_key_for(session_key, vault_cookie, user.pk) is None
    assert not is_signed_in(laptop)
    assert is_signed_in(phone)
