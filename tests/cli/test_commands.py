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


def test_cleanup_forgets_what_is_no_longer_needed(capsys):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from safetrail.accounts.models import SignInEvent, SignInThrottle, UserSession

    call_command("demo", username="old", password="correct horse battery")
    user = User.objects.get(username="old")
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=timezone.now())
    UserSession.objects.create(user=user, session_key="x" * 32, sealed_details=b"")
    SignInThrottle.objects.create(
        key_hash="a" * 64, last_failure_at=timezone.now() - timedelta(days=2)
    )
    SignInThrottle.objects.create(key_hash="b" * 64)
    SignInEvent.objects.bulk_create(
        SignInEvent(user=user, sealed_details=b"", at=timezone.now() - timedelta(minutes=n))
        for n in range(205)
    )

    call_command("cleanup")

    assert not Session.objects.filter(session_key="x" * 32).exists()
    assert not UserSession.objects.filter(session_key="x" * 32).exists()
    assert list(SignInThrottle.objects.values_list("key_hash", flat=True)) == ["b" * 64]
    assert SignInEvent.objects.filter(user=user).count() == 200
    assert "Deleted" in capsys.readouterr().out


def test_cleanup_sweeps_unfinished_uploads_a_day_old(settings, tmp_path):
    import os
    import time

    from safetrail.accounts.management.commands.cleanup import sweep_unfinished_uploads

    settings.DATA_DIR = tmp_path
    folder = settings.DATA_DIR / "files" / "ab"
    folder.mkdir(parents=True, exist_ok=True)
    stale, fresh, real = folder / ".incoming-old", folder / ".incoming-new", folder / "abcdef"
    for path in (stale, fresh, real):
        path.write_bytes(b"x")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(stale, (two_days_ago, two_days_ago))
    os.utime(real, (two_days_ago, two_days_ago))

    assert sweep_unfinished_uploads() == 1
    assert not stale.exists()
    assert fresh.exists()
    assert real.exists()
