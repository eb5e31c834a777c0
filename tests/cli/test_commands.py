from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from safetrail.accounts.models import Membership, Role, User
from safetrail.vault import services as vault

pytestmark = pytest.mark.django_db


def test_demo_creates_an_account_that_can_sign_in(client, capsys):
    call_command("demo", username="demo", password="correct horse battery")

    output = capsys.readouterr().out
    user = User.objects.get(username="demo")
    assert "recovery code" in output
    assert user.recovery_code_confirmed_at is not None
    assert vault.account_key_from_password(user=user, password="correct horse battery")
    response = client.post(
        "/account/sign-in/", {"username": "demo", "password": "correct horse battery"}
    )
    assert response["Location"] == "/diary/"


def test_demo_refuses_a_taken_name_or_weak_password():
    call_command("demo", username="demo", password="correct horse battery")

    with pytest.raises(CommandError, match="already an account"):
        call_command("demo", username="DEMO", password="correct horse battery")
    with pytest.raises(CommandError, match="too short"):
        call_command("demo", username="other", password="short")


def test_create_organisation_and_roles():
    call_command("demo", username="chief", password="correct horse battery")

    call_command("create_organisation", "Northshire Police", admin="chief")
    call_command("set_role", "chief", "analyst")

    membership = Membership.objects.get(user__username="chief")
    assert membership.is_organisation_admin
    assert User.objects.get(username="chief").role == Role.ANALYST
    with pytest.raises(CommandError, match="no account"):
        call_command("set_role", "nobody", "moderator")
