"""Signing up: keys made at once, no email, a recovery code shown once and confirmed."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from safetrail.accounts.models import User, UserSession
from safetrail.vault import services as vault
from safetrail.vault.crypto import KdfParameters, VaultError
from safetrail.vault.models import Keyring
from tests.accounts.helpers import (
    HOME,
    LANDING,
    PASSWORD,
    RECOVERY_CODE,
    assert_sent_to_sign_in,
    browser,
    error_text,
    make_account,
    shown_codes,
    signed_in_browser,
)
from tests.html import soup

pytestmark = pytest.mark.django_db

SIGN_UP = reverse("accounts:sign_up")
CONFIRM = reverse("accounts:recovery_code_confirm")
NEW_CODE = reverse("accounts:recovery_code_new")
GATED_PAGES = [
    HOME,
    reverse("accounts:sessions"),
    reverse("accounts:history"),
    reverse("accounts:password_change"),
    reverse("accounts:two_step_setup"),
    reverse("accounts:delete"),
]


def sign_up(client, username="alice", password=PASSWORD, again=None):
    return client.post(
        SIGN_UP,
        {
            "username": username,
            "new_password": password,
            "new_password_again": password if again is None else again,
        },
    )


def the_recovery_code(response) -> str:
    codes = [code for code in shown_codes(response) if RECOVERY_CODE.fullmatch(code)]
    assert len(codes) == 1, shown_codes(response)
    return codes[0]


def test_the_form_and_the_model_have_no_email_field():
    document = soup(browser().get(SIGN_UP))

    names = {field.get("name", "") for field in document.select("input, select, textarea")}
    assert names >= {"username", "new_password", "new_password_again"}
    assert not [name for name in names if "mail" in name.lower() or "phone" in name.lower()]
    assert not document.select("input[type=email], input[type=tel]")
    field_names = {field.name for field in User._meta.get_fields()}
    assert not [name for name in field_names if "mail" in name or "phone" in name]


def test_sign_up_creates_the_user_with_a_keyring_and_shows_the_recovery_code_once():
    client = browser()

    response = sign_up(client, "Alice.Smith")

    assert response.status_code == 200
    user = User.objects.get(username="Alice.Smith")
    assert user.check_password(PASSWORD)
    assert user.recovery_code_confirmed_at is None
    keyring = Keyring.objects.get(user=user)
    for kdf in (keyring.password_kdf, keyring.recovery_kdf):
        assert kdf.startswith("argon2id$v=19$")
        assert len(KdfParameters.decode(kdf).salt) == 16
    assert len(bytes(keyring.public_key)) == 32

    code = the_recovery_code(response)
    assert len(code.replace("-", "")) == 24
    assert len(code.split("-")) == 6
    body = response.content.decode()
    assert "Without your password or this code, nobody can open your records" in body
    assert "They would be lost for ever" in body
    # The code really opens the account, and gives the same key as the password.
    from_code = vault.account_key_from_recovery_code(user=user, recovery_code=code)
    assert from_code == vault.account_key_from_password(user=user, password=PASSWORD)
    # It is shown in that response only: not kept in the session, not on a later page.
    session = Session.objects.get(session_key=client.cookies["session"].value)
    assert code not in str(session.get_decoded())
    assert code not in client.get(CONFIRM).content.decode()
    # Signed in straight away, with the vault's key cookie.
    assert client.cookies["vault"].value
    assert UserSession.objects.filter(user=user).count() == 1


def test_until_the_code_is_confirmed_every_signed_in_page_leads_to_the_confirm_step():
    client = browser()
    sign_up(client)

    for url in GATED_PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == CONFIRM, url
    assert client.get(CONFIRM).status_code == 200


def test_quick_exit_works_before_confirming():
    client = browser()
    sign_up(client)

    response = client.get("/exit/")

    assert response.status_code == 302
    assert response["Location"].startswith("https://")
    assert Session.objects.count() == 0
    assert UserSession.objects.count() == 0
    assert client.get(HOME)["Location"].startswith(reverse("accounts:sign_in"))


def test_sign_out_works_before_confirming():
    client = browser()
    sign_up(client)

    response = client.post(reverse("accounts:sign_out"))

    assert_sent_to_sign_in(response, "signed-out")
    assert UserSession.objects.count() == 0
    assert_sent_to_sign_in(client.get(HOME))


def test_confirming_needs_the_checkbox_then_lets_the_person_in():
    client = browser()
    sign_up(client)

    # A browser always sends the form's CSRF token, even with the box left unticked.
    refused = client.post(CONFIRM, {"csrfmiddlewaretoken": "sent-by-every-browser"})
    assert refused.status_code == 200
    assert "Confirm that you have kept your recovery code" in error_text(refused)
    assert User.objects.get().recovery_code_confirmed_at is None
    assert client.get(HOME)["Location"] == CONFIRM

    confirmed = client.post(CONFIRM, {"kept": "on"})

    assert confirmed.status_code == 302
    assert confirmed["Location"] == LANDING
    assert User.objects.get().recovery_code_confirmed_at is not None
    for url in GATED_PAGES:
        assert client.get(url).status_code == 200, url


def test_a_new_recovery_code_from_the_gate_replaces_the_old_one():
    client = browser()
    old_code = the_recovery_code(sign_up(client))
    user = User.objects.get()

    response = client.post(NEW_CODE, {"password": PASSWORD})

    assert response.status_code == 200
    new_code = the_recovery_code(response)
    assert new_code != old_code
    assert "Your old recovery code no longer works" in response.content.decode()
    with pytest.raises(VaultError):
        vault.account_key_from_recovery_code(user=user, recovery_code=old_code)
    assert vault.account_key_from_recovery_code(
        user=user, recovery_code=new_code
    ) == vault.account_key_from_password(user=user, password=PASSWORD)
    # Still gated until this code is confirmed.
    assert client.get(HOME)["Location"] == CONFIRM


def test_a_new_recovery_code_from_the_account_page_asks_for_confirmation_again():
    make_account("alice")
    client = signed_in_browser("alice")

    response = client.post(NEW_CODE, {"password": PASSWORD})

    assert response.status_code == 200
    the_recovery_code(response)
    assert User.objects.get().recovery_code_confirmed_at is None
    assert client.get(HOME)["Location"] == CONFIRM


def test_a_new_recovery_code_needs_the_password(client):
    old_code = the_recovery_code(sign_up(client))
    user = User.objects.get()

    response = client.post(NEW_CODE, {"password": "not my password"})

    assert response.status_code == 200
    assert "That is not your password" in response.content.decode()
    assert not RECOVERY_CODE.search(response.content.decode())
    assert vault.account_key_from_recovery_code(user=user, recovery_code=old_code)


def assert_refused(response, message: str) -> None:
    assert response.status_code == 200
    assert message in error_text(response), error_text(response)
    assert "vault" not in response.cookies
    assert not RECOVERY_CODE.search(response.content.decode())


@pytest.mark.parametrize(
    ("username", "password", "again", "message"),
    [
        ("me@example.com", PASSWORD, None, "Choose a username that is not an email address"),
        ("alice", PASSWORD, PASSWORD + "x", "The two passwords are different"),
        ("alice", "short pw", None, "This password is too short"),
        ("alice", "qwertyuiop", None, "This password is too common"),
        ("alice", "1234567890123", None, "This password is entirely numeric"),
        ("al", PASSWORD, None, "at least 3 characters"),
        ("alice smith", PASSWORD, None, "only have letters, numbers, dots, dashes"),
        ("", PASSWORD, None, "Enter a username"),
        ("alice", "", "", "Enter a password"),
        ("alice", PASSWORD, "", "Type the password again"),
    ],
)
def test_a_refused_sign_up_says_why_and_creates_nothing(username, password, again, message):
    client = browser()

    response = sign_up(client, username, password, again)

    assert_refused(response, message)
    assert User.objects.count() == 0
    assert Keyring.objects.count() == 0
    assert UserSession.objects.count() == 0


@pytest.mark.parametrize("taken", ["alice.smith", "ALICE.SMITH", "Alice.Smith"])
def test_a_username_is_taken_whatever_its_case(taken):
    make_account("Alice.Smith")
    client = browser()

    response = sign_up(client, taken)

    assert_refused(response, "That username is taken")
    assert User.objects.count() == 1
    assert Keyring.objects.count() == 1


def test_a_signed_in_person_is_not_shown_the_sign_up_form():
    make_account("alice")
    client = signed_in_browser("alice")

    response = sign_up(client, "second-account")

    assert response.status_code == 302
    assert response["Location"] == HOME
    assert not User.objects.filter(username="second-account").exists()


def test_the_idle_status_still_answers_while_the_code_is_unconfirmed(client):
    # The page that shows a recovery code must not be lost to the idle warning.
    sign_up(client)

    response = client.get(reverse("accounts:session_status"))

    assert response.status_code == 200
    assert response.json()["seconds_left"] > 0
