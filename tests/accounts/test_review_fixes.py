"""Brakes and lapses added after a security review: each closes a way in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from safetrail.accounts import throttle
from safetrail.accounts.models import TrustedDevice
from safetrail.safety.network import client_address
from tests.accounts.helpers import PASSWORD, browser, make_account, sign_in, signed_in_browser

pytestmark = pytest.mark.django_db


def test_sign_ups_from_one_place_are_slowed():
    client = browser(address="203.0.113.60")
    statuses = []
    for number in range(throttle.SIGN_UP.free_failures + 2):
        other = Client(REMOTE_ADDR="203.0.113.60")
        response = other.post(
            reverse("accounts:sign_up"),
            {
                "username": f"person{number}",
                "new_password": PASSWORD,
                "new_password_again": PASSWORD,
            },
        )
        statuses.append(response.status_code)

    assert statuses[: throttle.SIGN_UP.free_failures] == [200] * throttle.SIGN_UP.free_failures
    assert statuses[-1] == 429
    assert client.get(reverse("accounts:sign_up")).status_code == 200


def test_the_password_asked_again_is_slowed_per_account():
    make_account("alice")
    client = signed_in_browser("alice")
    url = reverse("accounts:recovery_code_new")
    for _ in range(throttle.PASSWORD_AGAIN.free_failures):
        assert (
            "That is not your password" in client.post(url, {"password": "guess"}).content.decode()
        )

    client.post(url, {"password": "guess"})
    slowed = client.post(url, {"password": PASSWORD})

    assert "Too many tries" in slowed.content.decode()


def test_ending_other_sign_ins_forgets_other_trusted_devices():
    make_account("alice")
    owner = signed_in_browser("alice")
    signed_in_browser("alice", address="203.0.113.61")
    assert TrustedDevice.objects.count() == 2

    owner.post(reverse("accounts:sessions_end_others"))

    assert TrustedDevice.objects.count() == 1


def test_look_alike_usernames_reach_nobody():
    make_account("sisi")

    response = sign_in(browser(), "s\u0131si")

    assert response.status_code == 200
    assert "The username or password is wrong" in response.content.decode()


def test_ipv6_addresses_in_one_slash_64_share_their_counts():
    first = throttle.keys_for("alice", "2001:db8:1:2::1", None)
    second = throttle.keys_for("alice", "2001:db8:1:2:ffff::9", None)
    elsewhere = throttle.keys_for("alice", "2001:db8:1:3::1", None)

    assert first == second
    assert first != elsewhere


@pytest.mark.parametrize(
    ("behind_proxy", "direct", "forwarded", "expected"),
    [
        (False, "198.51.100.1", "203.0.113.5", "198.51.100.1"),
        (True, "127.0.0.1", "10.0.0.9, 203.0.113.5", "203.0.113.5"),
        (True, "198.51.100.1", "203.0.113.5", "198.51.100.1"),  # not from our proxy
    ],
)
def test_forwarded_addresses_are_believed_only_from_the_proxy(
    rf, settings, behind_proxy, direct, forwarded, expected
):
    settings.SAFETRAIL_BEHIND_PROXY = behind_proxy
    request = rf.get("/", REMOTE_ADDR=direct, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected
