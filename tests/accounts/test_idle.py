"""Signing out after a quiet spell; the status check does not count as activity."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from safetrail.accounts.middleware import LAST_ACTIVITY_FIELD
from safetrail.accounts.models import UserSession
from tests.accounts.helpers import (
    HOME,
    assert_sent_to_sign_in,
    is_signed_in,
    make_account,
    session_key_of,
    signed_in_browser,
)

pytestmark = pytest.mark.django_db

STATUS = reverse("accounts:session_status")
KEEP_ALIVE = reverse("accounts:keep_alive")


@pytest.fixture
def laptop(db):
    make_account("alice")
    return signed_in_browser("alice")


def last_activity(laptop) -> float:
    return laptop.session[LAST_ACTIVITY_FIELD]


def quiet_for(laptop, seconds: float) -> None:
    """Moves this browser's last activity back in time, as if it had been left alone."""
    session = laptop.session
    session[LAST_ACTIVITY_FIELD] = time.time() - seconds
    session.save()


def seconds_left(laptop) -> int:
    response = laptop.get(STATUS)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()["seconds_left"]


def test_a_request_after_the_idle_time_is_signed_out(laptop, settings):
    session_key = session_key_of(laptop)
    quiet_for(laptop, settings.SAFETRAIL_IDLE_TIMEOUT_SECONDS + 5)

    response = laptop.get(HOME)

    assert_sent_to_sign_in(response, "idle")
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not UserSession.objects.filter(session_key=session_key).exists()
    assert not is_signed_in(laptop)
    notice = laptop.get(response["Location"]).content.decode()
    assert "You were signed out because you did nothing for a while" in notice


def test_the_idle_time_comes_from_the_setting(laptop, settings):
    settings.SAFETRAIL_IDLE_TIMEOUT_SECONDS = 60

    quiet_for(laptop, 50)
    assert laptop.get(HOME).status_code == 200

    quiet_for(laptop, 65)
    assert_sent_to_sign_in(laptop.get(HOME), "idle")


def test_every_page_counts_as_activity(laptop, settings):
    quiet_for(laptop, settings.SAFETRAIL_IDLE_TIMEOUT_SECONDS - 10)

    assert laptop.get(reverse("accounts:sessions")).status_code == 200

    assert last_activity(laptop) > time.time() - 5
    assert seconds_left(laptop) > settings.SAFETRAIL_IDLE_TIMEOUT_SECONDS - 5


def test_the_status_check_reports_the_time_left_without_counting_as_activity(laptop, settings):
    timeout = settings.SAFETRAIL_IDLE_TIMEOUT_SECONDS
    quiet_for(laptop, timeout - 100)
    before = last_activity(laptop)

    first = seconds_left(laptop)
    second = seconds_left(laptop)

    assert 90 <= second <= first <= 100
    assert last_activity(laptop) == before
    # So a page left open, asking for its status, is still signed out on time.
    quiet_for(laptop, timeout + 1)
    assert_sent_to_sign_in(laptop.get(STATUS), "idle")
    assert not is_signed_in(laptop)


def test_keep_alive_counts_as_activity(laptop, settings):
    timeout = settings.SAFETRAIL_IDLE_TIMEOUT_SECONDS
    quiet_for(laptop, timeout - 30)

    response = laptop.post(KEEP_ALIVE, headers={"Accept": "application/json"})

    assert response.status_code == 200
    assert response.json() == {"seconds_left": timeout}
    assert last_activity(laptop) > time.time() - 5
    assert seconds_left(laptop) > timeout - 5


def test_keep_alive_needs_a_post(laptop, settings):
    quiet_for(laptop, settings.SAFETRAIL_IDLE_TIMEOUT_SECONDS - 30)

    assert laptop.get(KEEP_ALIVE).status_code == 405


@pytest.mark.parametrize("target", ["/account/devices/", "/account/history/?page=2"])
def test_keep_alive_goes_back_to_the_page_on_this_site(laptop, target):
    response = laptop.post(KEEP_ALIVE, {"next": target})

    assert response.status_code == 302
    assert response["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/account/",
        "http://evil.example",
        "https:evil.example",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "https://testserver.evil.example/",
        "",
    ],
)
def test_keep_alive_never_sends_the_browser_to_another_site(laptop, target):
    response = laptop.post(KEEP_ALIVE, {"next": target})

    assert response.status_code == 302
    assert response["Location"] == HOME


def test_keep_alive_after_the_idle_time_does_not_revive_the_sign_in(laptop, settings):
    quiet_for(laptop, settings.SAFETRAIL_IDLE_TIMEOUT_SECONDS + 1)

    response = laptop.post(KEEP_ALIVE, headers={"Accept": "application/json"})

    assert_sent_to_sign_in(response, "idle")
    assert not is_signed_in(laptop)
