"""Two-step sign-in: an authenticator code or a one-time backup code after the password."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.urls import reverse

from safetrail.accounts import services
from safetrail.accounts.models import BackupCode, User
from tests.accounts.helpers import (
    HOME,
    LANDING,
    PASSWORD,
    browser,
    error_text,
    is_signed_in,
    make_account,
    shown_codes,
    sign_in,
    signed_in_browser,
)
from tests.html import soup

pytestmark = pytest.mark.django_db

SETUP = reverse("accounts:two_step_setup")
CODE = reverse("accounts:sign_in_code")
TURN_OFF = reverse("accounts:two_step_disable")
BACKUP_CODE = re.compile(r"^[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}$")
DIDNT_WORK = "That code did not work"


def later_code(secret: str) -> str:
    """The code for the next 30-second step: accepted (one step of drift) and never used yet."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def a_wrong_code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    near = {totp.at(time.time() + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(code for code in ("123456", "654321", "111111") if code not in near)


def turn_on(client) -> tuple[str, list[str]]:
    """Sets up two-step as a person would; returns the secret and the backup codes shown."""
    page = client.get(SETUP)
    assert page.status_code == 200
    secret = soup(page).select_one(".safetrail-code-box code").get_text(strip=True)
    assert secret not in str(client.session.load())  # sealed, never in clear
    assert secret in shown_codes(page)
    assert soup(page).select_one(".safetrail-qr svg") is not None
    response = client.post(SETUP, {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, error_text(response)
    codes = [code for code in shown_codes(response) if BACKUP_CODE.match(code)]
    return secret, codes


@pytest.fixture
def alice():
    user, _, _ = make_account("alice")
    return user


@pytest.fixture
def with_two_step(alice):
    client = signed_in_browser("alice")
    secret, codes = turn_on(client)
    client.post(reverse("accounts:sign_out"))
    return secret, codes


def password_step(client, password: str = PASSWORD):
    response = sign_in(client, "alice", password)
    assert response.status_code == 302
    assert response["Location"] == CODE
    return response


def test_setting_up_shows_ten_backup_codes_once(alice):
    client = signed_in_browser("alice")

    _, codes = turn_on(client)

    assert len(codes) == 10
    assert len(set(codes)) == 10
    user = User.objects.get()
    assert user.two_step_enabled
    assert services.TOTP_SETUP_FIELD not in client.session
    # Kept only as hashes, and not shown again.
    hashes = list(BackupCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(hashes) == 10
    for code in codes:
        assert code not in hashes
        assert code.replace("-", "") not in "".join(hashes)
    home = client.get(HOME).content.decode()
    assert "10 backup codes left" in home
    assert not any(code in home for code in codes)
    assert client.get(SETUP)["Location"] == HOME


def test_a_wrong_set_up_code_does_not_turn_it_on(alice):
    client = signed_in_browser("alice")
    page = client.get(SETUP)
    secret = soup(page).select_one(".safetrail-code-box code").get_text(strip=True)

    response = client.post(SETUP, {"code": a_wrong_code(secret)})

    assert response.status_code == 200
    assert DIDNT_WORK in error_text(response)
    assert not User.objects.get().two_step_enabled
    # The same secret is offered again, so the app already set up still works.
    assert soup(response).select_one(".safetrail-code-box code").get_text(strip=True) == secret


def test_the_secret_is_sealed_in_the_database(alice):
    client = signed_in_browser("alice")
    secret, _ = turn_on(client)

    sealed = bytes(User.objects.get().totp_secret_sealed)

    assert sealed
    assert secret.encode() not in sealed
    assert secret.lower().encode() not in sealed
    assert pyotp.TOTP(secret).byte_secret() not in sealed


def test_the_password_alone_no_longer_signs_in(with_two_step):
    client = browser()

    password_step(client)

    assert not is_signed_in(client)
    assert client.get(CODE).status_code == 200


def test_the_code_page_without_the_password_step_goes_back_to_sign_in(with_two_step):
    secret, _ = with_two_step
    client = browser()

    response = client.post(CODE, {"code": later_code(secret)})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_in")
    assert not is_signed_in(client)


def test_a_wrong_code_is_refused_and_the_right_one_signs_in(with_two_step):
    secret, _ = with_two_step
    client = browser()
    password_step(client)

    wrong = client.post(CODE, {"code": a_wrong_code(secret)})

    assert wrong.status_code == 200
    assert DIDNT_WORK in error_text(wrong)
    assert not is_signed_in(client)

    right = client.post(CODE, {"code": later_code(secret)})

    assert right.status_code == 302
    assert right["Location"] == LANDING
    assert is_signed_in(client)
    assert client.cookies["vault"].value


def test_a_code_cannot_be_replayed_for_another_sign_in(with_two_step):
    secret, _ = with_two_step
    code = later_code(secret)
    first = browser()
    password_step(first)
    assert first.post(CODE, {"code": code}).status_code == 302
    assert is_signed_in(first)

    # Someone who watched the code being typed tries it from another browser.
    watcher = browser(address="203.0.113.80")
    password_step(watcher)
    response = watcher.post(CODE, {"code": code})

    assert response.status_code == 200
    assert DIDNT_WORK in error_text(response)
    assert not is_signed_in(watcher)


def test_a_backup_code_works_once_only(with_two_step):
    _, codes = with_two_step
    first = browser()
    password_step(first)

    assert first.post(CODE, {"code": codes[0].lower()}).status_code == 302
    assert is_signed_in(first)
    assert BackupCode.objects.filter(used_at__isnull=False).count() == 1
    assert "9 backup codes left" in first.get(HOME).content.decode()

    second = browser(address="203.0.113.81")
    password_step(second)
    reused = second.post(CODE, {"code": codes[0]})
    assert reused.status_code == 200
    assert DIDNT_WORK in error_text(reused)
    assert not is_signed_in(second)

    assert second.post(CODE, {"code": codes[1]}).status_code == 302
    assert is_signed_in(second)


def test_new_backup_codes_replace_the_old_ones(with_two_step):
    _, old_codes = with_two_step
    client = browser()
    password_step(client)
    client.post(CODE, {"code": old_codes[0]})

    refused = client.post(reverse("accounts:backup_codes"), {"password": "wrong"})
    assert refused.status_code == 200
    assert "That is not your password" in error_text(refused)

    without_code = client.post(reverse("accounts:backup_codes"), {"password": PASSWORD})
    assert "Enter the code" in error_text(without_code)
    response = client.post(
        reverse("accounts:backup_codes"), {"password": PASSWORD, "code": old_codes[2]}
    )

    new_codes = [code for code in shown_codes(response) if BACKUP_CODE.match(code)]
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    other = browser(address="203.0.113.82")
    password_step(other)
    assert other.post(CODE, {"code": old_codes[3]}).status_code == 200
    assert other.post(CODE, {"code": new_codes[0]}).status_code == 302


def test_turning_off_needs_the_password_and_a_code(with_two_step):
    secret, codes = with_two_step
    client = browser()
    password_step(client)
    client.post(CODE, {"code": later_code(secret)})

    refused = client.post(TURN_OFF, {"password": "not my password"})

    assert refused.status_code == 200
    assert "That is not your password" in error_text(refused)
    assert User.objects.get().two_step_enabled
    assert BackupCode.objects.count() == 10

    without_code = client.post(TURN_OFF, {"password": PASSWORD})
    assert "Enter the code" in error_text(without_code)
    assert User.objects.get().two_step_enabled
    done = client.post(TURN_OFF, {"password": PASSWORD, "code": codes[0]})

    assert done.status_code == 302
    user = User.objects.get()
    assert not user.two_step_enabled
    assert user.totp_secret_sealed is None
    assert BackupCode.objects.count() == 0
    # The password alone signs in again.
    assert sign_in(browser(address="192.0.2.30"))["Location"] == LANDING


def test_a_right_password_does_not_reset_the_brake_on_codes(with_two_step):
    """Someone who knows the password cannot keep guessing codes by signing in again."""
    secret, _ = with_two_step
    client = browser(address="203.0.113.90")
    codes_checked = 0
    for _ in range(10):
        if sign_in(client, "alice").status_code == 429:
            break
        answers = [client.post(CODE, {"code": a_wrong_code(secret)}).status_code for _ in range(3)]
        if 429 in answers:
            codes_checked += answers.index(429)
            break
        codes_checked += 3

    # Before, each right password reset the count: every code was checked.
    assert codes_checked <= 6


def test_a_half_finished_sign_in_lapses_when_the_owner_signs_out_others(with_two_step):
    secret, codes = with_two_step
    owner = browser()
    password_step(owner)
    owner.post(CODE, {"code": codes[0]})
    stalker = browser(address="203.0.113.91")
    password_step(stalker)

    owner.post(reverse("accounts:sessions_end_others"))
    response = stalker.post(CODE, {"code": later_code(secret)})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_in")


def test_a_half_finished_sign_in_lapses_after_a_few_minutes(with_two_step):
    secret, _ = with_two_step
    client = browser()
    password_step(client)
    session = client.session
    session[services.PENDING_SINCE_FIELD] -= services.PENDING_LIFETIME_SECONDS + 1
    session.save()

    response = client.post(CODE, {"code": later_code(secret)})

    assert response["Location"] == reverse("accounts:sign_in")


def test_codes_with_other_kinds_of_digits_are_refused_plainly(with_two_step):
    client = browser()
    password_step(client)

    response = client.post(CODE, {"code": "\u0661\u0662\u0663\u0664\u0665\u0666"})

    assert response.status_code == 200
    assert DIDNT_WORK in error_text(response)
