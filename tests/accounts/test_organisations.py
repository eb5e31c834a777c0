"""Organisations: invitation links shown once, joining as a professional, removing members."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from safetrail.accounts import services
from safetrail.accounts.models import Invitation, Membership, Role, User
from safetrail.vault import services as vault
from safetrail.vault.models import Keyring
from tests.accounts.helpers import (
    PASSWORD,
    RECOVERY_CODE,
    browser,
    error_text,
    make_account,
    shown_codes,
    signed_in_browser,
)

pytestmark = pytest.mark.django_db

ORGANISATION = reverse("accounts:organisation")
DOES_NOT_WORK = "This invitation does not work"
JOIN_LINK = re.compile(r"^http://testserver/join/([A-Za-z0-9_-]+)/$")


@pytest.fixture
def admin():
    user, _, _ = make_account("olive-admin")
    organisation = services.organisation_create(name="Northtown Advocacy", admin=user)
    return user, organisation


@pytest.fixture
def admin_browser(admin):
    return signed_in_browser("olive-admin")


def invite(admin_browser, note: str = "for PC Jones") -> str:
    """Creates an invitation through the page; returns the token from the link shown."""
    response = admin_browser.post(ORGANISATION, {"note": note})
    assert response.status_code == 200
    links = [code for code in shown_codes(response) if JOIN_LINK.match(code)]
    assert len(links) == 1, shown_codes(response)
    return JOIN_LINK.match(links[0]).group(1)


def join(client, token: str, username: str = "pc-jones", password: str = PASSWORD):
    return client.post(
        reverse("accounts:join", args=[token]),
        {"username": username, "new_password": password, "new_password_again": password},
    )


def test_the_invitation_link_is_shown_once_and_only_its_hash_is_stored(admin, admin_browser):
    token = invite(admin_browser)

    assert len(token) >= 32
    invitation = Invitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert invitation.note == "for PC Jones"
    assert invitation.created_by == admin[0]
    stored = " ".join(str(value) for value in Invitation.objects.values().get().values())
    assert token not in stored
    later = admin_browser.get(ORGANISATION).content.decode()
    assert token not in later
    assert "for PC Jones" in later


def test_a_person_joins_as_a_professional_member_with_keys(admin, admin_browser):
    _, organisation = admin
    token = invite(admin_browser)
    newcomer = browser(address="192.0.2.70")

    page = newcomer.get(reverse("accounts:join", args=[token]))
    assert page.status_code == 200
    assert "Northtown Advocacy" in page.content.decode()

    response = join(newcomer, token)

    assert response.status_code == 200
    codes = [code for code in shown_codes(response) if RECOVERY_CODE.fullmatch(code)]
    assert len(codes) == 1
    user = User.objects.get(username="pc-jones")
    assert user.role == Role.PROFESSIONAL
    membership = Membership.objects.get(user=user)
    assert membership.organisation == organisation
    assert not membership.is_organisation_admin
    assert len(bytes(Keyring.objects.get(user=user).public_key)) == 32
    assert vault.account_key_from_recovery_code(
        user=user, recovery_code=codes[0]
    ) == vault.account_key_from_password(user=user, password=PASSWORD)
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == user
    assert invitation.accepted_at is not None
    # Signed in, and sent to confirm the recovery code like anyone new.
    assert newcomer.get(reverse("accounts:home"))["Location"] == reverse(
        "accounts:recovery_code_confirm"
    )
    assert "pc-jones" in admin_browser.get(ORGANISATION).content.decode()


def test_an_invitation_works_once(admin_browser):
    token = invite(admin_browser)
    join(browser(), token)

    second = browser(address="192.0.2.71")
    page = second.get(reverse("accounts:join", args=[token]))
    response = join(second, token, username="someone-else")

    for refused in (page, response):
        assert refused.status_code == 404
        assert DOES_NOT_WORK in refused.content.decode()
    assert not User.objects.filter(username="someone-else").exists()
    assert Membership.objects.count() == 2


def test_a_refused_join_form_creates_nothing_and_keeps_the_invitation(admin_browser):
    token = invite(admin_browser)

    response = join(browser(), token, username="me@example.com")

    assert response.status_code == 200
    assert "not an email address" in error_text(response)
    assert Invitation.objects.get().accepted_at is None
    assert User.objects.count() == 1
    assert join(browser(), token).status_code == 200


def test_a_cancelled_invitation_does_not_work(admin_browser):
    token = invite(admin_browser)
    invitation = Invitation.objects.get()

    response = admin_browser.post(reverse("accounts:invitation_revoke", args=[invitation.id]))

    assert response.status_code == 302
    assert Invitation.objects.get().revoked_at is not None
    for refused in (browser().get(reverse("accounts:join", args=[token])), join(browser(), token)):
        assert refused.status_code == 404
        assert DOES_NOT_WORK in refused.content.decode()
    assert not User.objects.filter(username="pc-jones").exists()


def test_an_expired_invitation_does_not_work(admin_browser):
    token = invite(admin_browser)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    for refused in (browser().get(reverse("accounts:join", args=[token])), join(browser(), token)):
        assert refused.status_code == 404
        assert DOES_NOT_WORK in refused.content.decode()
    assert not User.objects.filter(username="pc-jones").exists()


def test_an_invitation_lasts_a_week(admin_browser):
    invite(admin_browser)

    invitation = Invitation.objects.get()

    lasts = invitation.expires_at - invitation.created_at
    assert abs(lasts - timedelta(days=7)) < timedelta(seconds=5)


def test_a_made_up_token_does_not_work():
    response = browser().get(reverse("accounts:join", args=["made-up-token"]))

    assert response.status_code == 404
    assert DOES_NOT_WORK in response.content.decode()


def test_a_signed_in_person_is_asked_to_sign_out_before_joining(admin_browser):
    token = invite(admin_browser)

    response = join(admin_browser, token)

    assert response.status_code == 409
    assert Invitation.objects.get().accepted_at is None


def test_an_administrator_can_remove_a_member(admin, admin_browser):
    token = invite(admin_browser)
    join(browser(), token)
    member = User.objects.get(username="pc-jones")

    response = admin_browser.post(reverse("accounts:member_remove", args=[member.pk]))

    assert response.status_code == 302
    assert not Membership.objects.filter(user=member).exists()
    member.refresh_from_db()
    assert member.role == Role.PERSON
    assert "pc-jones" not in admin_browser.get(ORGANISATION).content.decode()


def test_an_administrator_cannot_remove_themselves_or_other_organisations_members(
    admin, admin_browser
):
    user, _ = admin
    outsider, _, _ = make_account("outsider")
    services.organisation_create(name="Elsewhere", admin=outsider)

    for target in (user.pk, outsider.pk):
        response = admin_browser.post(reverse("accounts:member_remove", args=[target]))
        assert response.status_code == 404
    assert Membership.objects.filter(user=user, is_organisation_admin=True).exists()
    assert Membership.objects.filter(user=outsider).exists()


def test_a_plain_member_cannot_administer(admin, admin_browser):
    user, organisation = admin
    token = invite(admin_browser)
    other_token = invite(admin_browser, note="second")
    member_browser = browser()
    join(member_browser, token)
    member_browser.post(reverse("accounts:recovery_code_confirm"), {"kept": "on"})
    invitation = Invitation.objects.get(note="second")

    assert member_browser.get(ORGANISATION).status_code == 403
    assert member_browser.post(ORGANISATION, {"note": "mine"}).status_code == 403
    remove = reverse("accounts:member_remove", args=[user.pk])
    assert member_browser.post(remove).status_code == 403
    cancel = reverse("accounts:invitation_revoke", args=[invitation.id])
    assert member_browser.post(cancel).status_code == 403

    assert Invitation.objects.count() == 2
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None
    assert Membership.objects.filter(user=user, organisation=organisation).exists()
    assert browser().get(reverse("accounts:join", args=[other_token])).status_code == 200
