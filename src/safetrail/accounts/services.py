"""Everything an account can do, one function per action.

Views call these; they own the transactions. Every change to what protects an
account (password, recovery code, two-step, sessions) goes through here.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from safetrail.accounts import devices, throttle, two_step
from safetrail.accounts.models import (
    BackupCode,
    Invitation,
    Membership,
    Organisation,
    Role,
    SignInEvent,
    TrustedDevice,
    User,
    UserSession,
)
from safetrail.safety.network import client_address
from safetrail.vault import services as vault
from safetrail.vault import session as vault_session
from safetrail.vault.crypto import VaultError
from safetrail.vault.models import Keyring

PENDING_USER_FIELD = "accounts.pending_two_step_user"
PENDING_SINCE_FIELD = "accounts.pending_two_step_since"
PENDING_AUTH_HASH_FIELD = "accounts.pending_two_step_auth"
PENDING_LIFETIME_SECONDS = 5 * 60
NEW_DEVICE_TOKEN_ATTRIBUTE = "_accounts_new_device_token"  # noqa: S105 (a name)
SIGN_IN_LABEL = "sign-in-event"
TOTP_SETUP_FIELD = "accounts.two_step_setup"
NEEDS_RECOVERY_CODE_FIELD = "accounts.needs_recovery_code"
SESSION_LABEL = "session"


class Outcome(Enum):
    SIGNED_IN = "signed-in"
    TWO_STEP_NEEDED = "two-step-needed"
    WRONG = "wrong"
    SLOW_DOWN = "slow-down"


@dataclass(frozen=True)
class SignInResult:
    outcome: Outcome
    wait_seconds: int = 0


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _describe(request: HttpRequest) -> dict[str, str]:
    return devices.describe(
        request.META.get("HTTP_USER_AGENT", ""), client_address(request)
    ).as_dict()


def _record_sign_in(request: HttpRequest, user: User, *, succeeded: bool, how: str) -> None:
    details = {**_describe(request), "succeeded": succeeded, "how": how}
    SignInEvent.objects.create(
        user=user,
        sealed_details=vault.seal_for_account(user=user, data=details, label=SIGN_IN_LABEL),
    )


def _trusted_device_token(request: HttpRequest, username: str) -> str | None:
    """The trusted-device cookie, when it belongs to this username."""
    token = request.COOKIES.get(settings.SAFETRAIL_DEVICE_COOKIE_NAME, "")
    if not token:
        return None
    device = TrustedDevice.objects.filter(token_hash=_hash_token(token)).select_related("user")
    device = device.first()
    if device is None or device.user.username.casefold() != username.casefold():
        return None
    return token


def _throttle_keys(request: HttpRequest, username: str) -> list:
    return throttle.keys_for(
        username, client_address(request), _trusted_device_token(request, username)
    )


# --- signing up ------------------------------------------------------------------------


def sign_up_wait(*, request: HttpRequest) -> int:
    """Counts a sign-up from this source; the seconds to wait when there are too many.

    Each sign-up costs three slow key derivations: a flood of them from one
    place would starve the server.
    """
    keys = throttle.source_keys(throttle.SIGN_UP, throttle.source_prefix(client_address(request)))
    wait = throttle.wait_seconds(keys)
    if not wait:
        throttle.record_failure(keys)
    return wait


@transaction.atomic
def account_create(
    *, username: str, password: str, role: str = Role.PERSON
) -> tuple[User, bytes, str]:
    """Creates the account and its keys. Returns the user, account key and recovery code."""
    user = User.objects.create_user(username=username, password=password, role=role)
    account_key, recovery_code = vault.keyring_create(user=user, password=password)
    return user, account_key, recovery_code


def _find_user(username: str) -> User | None:
    # Usernames are plain ASCII (see forms); anything else matches nobody, so
    # no look-alike spelling can reach an account with fresh slow-down counts.
    if not username.isascii():
        return None
    return User.objects.filter(username__iexact=username, is_active=True).first()


def username_taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


def recovery_code_confirm(*, user: User) -> None:
    user.recovery_code_confirmed_at = timezone.now()
    user.save(update_fields=["recovery_code_confirmed_at"])


def recovery_code_replace(*, user: User, account_key: bytes) -> str:
    code = vault.keyring_new_recovery_code(user=user, account_key=account_key)
    user.recovery_code_confirmed_at = None
    user.save(update_fields=["recovery_code_confirmed_at"])
    return code


# --- signing in and out ----------------------------------------------------------------


def sign_in(*, request: HttpRequest, username: str, password: str) -> SignInResult:
    keys = _throttle_keys(request, username)
    wait = throttle.wait_seconds(keys)
    if wait:
        return SignInResult(Outcome.SLOW_DOWN, wait)
    user = (
        authenticate(request, username=username, password=password) if username.isascii() else None
    )
    if user is None:
        throttle.record_failure(keys)
        known = _find_user(username)
        if known is not None:
            _record_sign_in(request, known, succeeded=False, how="password")
        return SignInResult(Outcome.WRONG)
    try:
        account_key = vault.account_key_from_password(user=user, password=password)
    except Keyring.DoesNotExist:
        # An account made outside the app (e.g. Django's createsuperuser) has
        # no keys yet: make them now. The code made with them is never shown,
        # so the person is sent to take a new one before anything else.
        account_key, _ = vault.keyring_create(user=user, password=password)
        user.recovery_code_confirmed_at = None
        user.save(update_fields=["recovery_code_confirmed_at"])
        request.session[NEEDS_RECOVERY_CODE_FIELD] = True
    except VaultError:
        # The password hash and the wrapped key disagree: never sign in half-way.
        throttle.record_failure(keys)
        return SignInResult(Outcome.WRONG)
    if user.two_step_enabled:
        # Counts are cleared only when the second step succeeds too: a right
        # password must not reset the brake on guessing codes.
        request.session.cycle_key()
        request.session[PENDING_USER_FIELD] = user.pk
        request.session[PENDING_SINCE_FIELD] = timezone.now().timestamp()
        request.session[PENDING_AUTH_HASH_FIELD] = user.get_session_auth_hash()
        vault_session.attach(request, user.pk, account_key)
        return SignInResult(Outcome.TWO_STEP_NEEDED)
    throttle.record_success(keys)
    _complete_sign_in(request, user, account_key, how="password")
    return SignInResult(Outcome.SIGNED_IN)


def pending_two_step_user(request: HttpRequest) -> User | None:
    """The person half-way through signing in, while that is still valid.

    It lapses after a few minutes, and when the password changes or every
    other session is ended: a stalker who typed an old password must not be
    able to finish later.
    """
    user_id = request.session.get(PENDING_USER_FIELD)
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    since = request.session.get(PENDING_SINCE_FIELD, 0)
    fresh = timezone.now().timestamp() - since <= PENDING_LIFETIME_SECONDS
    if (
        user is None
        or not fresh
        or request.session.get(PENDING_AUTH_HASH_FIELD) != user.get_session_auth_hash()
        or (user.sessions_ended_at is not None and user.sessions_ended_at.timestamp() > since)
    ):
        request.session.flush()
        return None
    return user


def sign_in_second_step(*, request: HttpRequest, code: str) -> SignInResult:
    user = pending_two_step_user(request)
    if user is None:
        return SignInResult(Outcome.WRONG)
    keys = _throttle_keys(request, user.username) + throttle.account_keys(
        throttle.SECOND_STEP, user.pk
    )
    wait = throttle.wait_seconds(keys)
    if wait:
        return SignInResult(Outcome.SLOW_DOWN, wait)
    account_key = vault_session.account_key(request, user.pk)
    if account_key is None:
        return SignInResult(Outcome.WRONG)
    how = _check_second_factor(user, account_key, code)
    if how is None:
        throttle.record_failure(keys)
        _record_sign_in(request, user, succeeded=False, how="two-step")
        return SignInResult(Outcome.WRONG)
    throttle.record_success(keys)
    for field in (PENDING_USER_FIELD, PENDING_SINCE_FIELD, PENDING_AUTH_HASH_FIELD):
        request.session.pop(field, None)
    _complete_sign_in(request, user, account_key, how=how)
    return SignInResult(Outcome.SIGNED_IN)


@transaction.atomic
def _check_second_factor(user: User, account_key: bytes, code: str) -> str | None:
    user = User.objects.select_for_update().get(pk=user.pk)
    secret = totp_secret(user=user, account_key=account_key)
    if secret:
        step = two_step.matching_step(secret, code, after_step=user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            user.save(update_fields=["totp_last_step"])
            return "authenticator"
    used = BackupCode.objects.filter(
        user=user, used_at__isnull=True, code_hash=two_step.hash_backup_code(user.pk, code)
    ).update(used_at=timezone.now())
    return "backup code" if used else None


@transaction.atomic
def _complete_sign_in(request: HttpRequest, user: User, account_key: bytes, how: str) -> None:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    vault_session.attach(request, user.pk, account_key)
    request.session["accounts.last_activity"] = timezone.now().timestamp()
    request.session["accounts.signed_in_at"] = timezone.now().timestamp()
    request.session.save()
    UserSession.objects.create(
        user=user,
        session_key=request.session.session_key,
        sealed_details=vault.seal_for_account(
            user=user, data=_describe(request), label=SESSION_LABEL
        ),
    )
    _record_sign_in(request, user, succeeded=True, how=how)
    if not _trusted_device_token(request, user.username):
        token = secrets.token_urlsafe(32)
        TrustedDevice.objects.create(user=user, token_hash=_hash_token(token))
        setattr(request, NEW_DEVICE_TOKEN_ATTRIBUTE, token)


def sign_out(*, request: HttpRequest) -> None:
    """Ends this session; the session's wrapping of the account key goes with it.

    The session row goes too (see signals.py), as it does on quick exit.
    """
    logout(request)


def sessions_end_others(*, request: HttpRequest) -> int:
    """Signs out every other browser, and forgets every other trusted device.

    A browser the stalker used must lose both its sign-in and the lighter
    slow-down rule that a trusted device gets.
    """
    user = request.user
    current = request.session.session_key
    others = UserSession.objects.filter(user=user).exclude(session_key=current)
    _forget_other_devices(request, user)
    user.sessions_ended_at = timezone.now()
    user.save(update_fields=["sessions_ended_at"])
    return _end_sessions(others)


def _forget_other_devices(request: HttpRequest, user: User) -> None:
    token = request.COOKIES.get(settings.SAFETRAIL_DEVICE_COOKIE_NAME, "")
    TrustedDevice.objects.filter(user=user).exclude(token_hash=_hash_token(token)).delete()


def session_end(*, request: HttpRequest, session_id: Any) -> bool:
    """Signs out one other device. This device signs out with the sign-out button."""
    sessions = UserSession.objects.filter(user=request.user, id=session_id).exclude(
        session_key=request.session.session_key
    )
    return bool(_end_sessions(sessions))


@transaction.atomic
def _end_sessions(user_sessions) -> int:
    keys = list(user_sessions.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    count, _ = user_sessions.delete()
    return count


def sessions_list(*, user: User, account_key: bytes, current_key: str) -> list[dict]:
    # Sessions that expired or were cleared elsewhere are gone: forget their rows.
    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    UserSession.objects.filter(user=user).exclude(session_key__in=live).delete()
    rows = []
    for user_session in UserSession.objects.filter(user=user):
        details = _open_details(user, account_key, user_session.sealed_details, SESSION_LABEL)
        rows.append(
            {
                "id": user_session.id,
                "created_at": user_session.created_at,
                "last_seen_at": user_session.last_seen_at,
                "is_current": user_session.session_key == current_key,
                **details,
            }
        )
    return rows


def sign_in_history(*, user: User, account_key: bytes, limit: int = 50) -> list[dict]:
    return [
        {"at": event.at, **_open_details(user, account_key, event.sealed_details, SIGN_IN_LABEL)}
        for event in SignInEvent.objects.filter(user=user)[:limit]
    ]


def _open_details(user: User, account_key: bytes, sealed: bytes, label: str) -> dict:
    try:
        return vault.open_for_account(
            user=user, account_key=account_key, sealed=sealed, label=label
        )
    except vault.RecordUnreadable:
        return {"browser": "?", "device": "?", "network": "?", "unreadable": True}


def session_touch(*, request: HttpRequest) -> None:
    """Notes activity, at most once a minute, so the sessions page shows "last seen"."""
    now = timezone.now()
    UserSession.objects.filter(
        session_key=request.session.session_key, last_seen_at__lt=now - timedelta(minutes=1)
    ).update(last_seen_at=now)


# --- passwords and recovery ----------------------------------------------------------------


@transaction.atomic
def password_change(*, request: HttpRequest, account_key: bytes, new_password: str) -> None:
    user = request.user
    vault.keyring_set_password(user=user, account_key=account_key, new_password=new_password)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # Changing the password invalidates every session but this one.
    from django.contrib.auth import update_session_auth_hash

    current_key = request.session.session_key
    update_session_auth_hash(request, user)
    # That gave this session a new key: keep this device's row, so it stays listed.
    UserSession.objects.filter(session_key=current_key).update(
        session_key=request.session.session_key
    )
    sessions_end_others(request=request)


def reset_with_recovery_code(
    *, request: HttpRequest, username: str, recovery_code: str, new_password: str
) -> tuple[SignInResult, str]:
    """Sets a new password using the recovery code, and issues a new code.

    Returns the outcome and, on success, the new recovery code to show once.
    """
    # Counted apart from sign-in, under a hash again so the key still fits the column.
    keys = [
        (rule, _hash_token("recovery/" + key)) for rule, key in _throttle_keys(request, username)
    ]
    wait = throttle.wait_seconds(keys)
    if wait:
        return SignInResult(Outcome.SLOW_DOWN, wait), ""
    user = _find_user(username)
    account_key = None
    if user is not None:
        try:
            account_key = vault.account_key_from_recovery_code(
                user=user, recovery_code=recovery_code
            )
        except VaultError:
            account_key = None
    else:
        # As slow as a real check, so the time taken does not say the name is free.
        vault.waste_a_derivation(recovery_code)
    if user is None or account_key is None:
        throttle.record_failure(keys)
        if user is not None:
            _record_sign_in(request, user, succeeded=False, how="recovery code")
        return SignInResult(Outcome.WRONG), ""
    throttle.record_success(keys)
    with transaction.atomic():
        vault.keyring_set_password(user=user, account_key=account_key, new_password=new_password)
        user.set_password(new_password)
        user.save(update_fields=["password"])
        new_code = recovery_code_replace(user=user, account_key=account_key)
        # Whoever had the old password is signed out everywhere, and no
        # browser they used stays trusted.
        _end_sessions(UserSession.objects.filter(user=user))
        _forget_other_devices(request, user)
        user.sessions_ended_at = timezone.now()
        user.save(update_fields=["sessions_ended_at"])
    _complete_sign_in(request, user, account_key, how="recovery code")
    return SignInResult(Outcome.SIGNED_IN), new_code


# --- two-step sign-in ---------------------------------------------------------------------


def totp_secret(*, user: User, account_key: bytes) -> str | None:
    if not user.totp_secret_sealed:
        return None
    data = vault.record_open(
        key=account_key,
        table="accounts_user.totp",
        row_id=str(user.pk),
        case_id="",
        sealed=bytes(user.totp_secret_sealed),
    )
    return data["secret"]


def setup_secret_keep(request: HttpRequest, secret: str) -> None:
    sealed = vault.record_seal(
        key=request.account_key,
        table="session.totp_setup",
        row_id=str(request.user.pk),
        case_id="",
        data={"secret": secret},
    )
    request.session[TOTP_SETUP_FIELD] = base64.b64encode(sealed).decode()


def setup_secret_open(request: HttpRequest) -> str | None:
    sealed = request.session.get(TOTP_SETUP_FIELD)
    if not sealed:
        return None
    try:
        return vault.record_open(
            key=request.account_key,
            table="session.totp_setup",
            row_id=str(request.user.pk),
            case_id="",
            sealed=base64.b64decode(sealed),
        )["secret"]
    except (vault.RecordUnreadable, ValueError, KeyError):
        return None


@transaction.atomic
def two_step_enable(*, user: User, account_key: bytes, secret: str, code: str) -> list[str] | None:
    """Turns two-step on if ``code`` matches ``secret``; returns the backup codes once."""
    step = two_step.matching_step(secret, code, after_step=0)
    if step is None:
        return None
    user.totp_secret_sealed = vault.record_seal(
        key=account_key,
        table="accounts_user.totp",
        row_id=str(user.pk),
        case_id="",
        data={"secret": secret},
    )
    user.totp_enabled_at = timezone.now()
    user.totp_last_step = step
    user.save(update_fields=["totp_secret_sealed", "totp_enabled_at", "totp_last_step"])
    return backup_codes_replace(user=user)


@transaction.atomic
def two_step_disable(*, user: User) -> None:
    user.totp_secret_sealed = None
    user.totp_enabled_at = None
    user.totp_last_step = 0
    user.save(update_fields=["totp_secret_sealed", "totp_enabled_at", "totp_last_step"])
    BackupCode.objects.filter(user=user).delete()


@transaction.atomic
def backup_codes_replace(*, user: User) -> list[str]:
    BackupCode.objects.filter(user=user).delete()
    codes = two_step.new_backup_codes()
    BackupCode.objects.bulk_create(
        BackupCode(user=user, code_hash=two_step.hash_backup_code(user.pk, code)) for code in codes
    )
    return codes


def backup_codes_left(*, user: User) -> int:
    return BackupCode.objects.filter(user=user, used_at__isnull=True).count()


def password_matches(*, user: User, password: str) -> bool:
    return user.check_password(password)


def _checked_again(user: User, rule: throttle.Rule, ok: Callable[[], bool], wrong: str) -> None:
    """Runs a re-check under the per-account brake; ValidationError with ``wrong`` on failure."""
    keys = throttle.account_keys(rule, user.pk)
    wait = throttle.wait_seconds(keys)
    if wait:
        raise ValidationError(slow_down_message(wait))
    if not ok():
        throttle.record_failure(keys)
        raise ValidationError(wrong)


def password_check_again(*, user: User, password: str, wrong: str) -> None:
    _checked_again(user, throttle.PASSWORD_AGAIN, lambda: user.check_password(password), wrong)


def second_factor_check_again(
    *, user: User, account_key: bytes | None, code: str, wrong: str
) -> None:
    _checked_again(
        user,
        throttle.SECOND_STEP,
        lambda: (
            account_key is not None and _check_second_factor(user, account_key, code) is not None
        ),
        wrong,
    )


def slow_down_message(seconds: int) -> str:
    if seconds < 60:
        return gettext("Too many tries. Wait %(seconds)s seconds, then try again.") % {
            "seconds": seconds
        }
    return gettext("Too many tries. Wait %(minutes)s minutes, then try again.") % {
        "minutes": (seconds + 59) // 60
    }


# --- deleting an account -------------------------------------------------------------------


def account_delete(*, request: HttpRequest) -> None:
    """Destroys the keys first, so nothing sealed can be opened, then every row."""
    user = request.user
    with transaction.atomic():
        vault.keyring_destroy(user=user)
        _end_sessions(UserSession.objects.filter(user=user))
    logout(request)
    user.delete()


# --- organisations -------------------------------------------------------------------------


INVITATION_DAYS = 7


def organisation_create(*, name: str, admin: User) -> Organisation:
    with transaction.atomic():
        organisation = Organisation.objects.create(name=name)
        Membership.objects.update_or_create(
            user=admin,
            defaults={"organisation": organisation, "is_organisation_admin": True},
        )
        if admin.role == Role.PERSON:
            admin.role = Role.PROFESSIONAL
            admin.save(update_fields=["role"])
    return organisation


def invitation_create(*, organisation: Organisation, created_by: User, note: str) -> str:
    """Creates an invitation and returns its secret token (shown once, as a link)."""
    token = secrets.token_urlsafe(24)
    Invitation.objects.create(
        organisation=organisation,
        token_hash=_hash_token(token),
        note=note,
        created_by=created_by,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    return token


def invitation_for_token(token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.filter(token_hash=_hash_token(token))
        .select_related("organisation")
        .first()
    )
    return invitation if invitation is not None and invitation.is_open else None


def invitation_revoke(*, organisation: Organisation, invitation_id: Any) -> bool:
    return bool(
        Invitation.objects.filter(
            organisation=organisation,
            id=invitation_id,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now())
    )


@transaction.atomic
def invitation_accept(
    *, token: str, username: str, password: str
) -> tuple[User, bytes, str] | None:
    invitation = invitation_for_token(token)
    if invitation is None:
        return None
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        return None
    user, account_key, recovery_code = account_create(
        username=username, password=password, role=Role.PROFESSIONAL
    )
    Membership.objects.create(user=user, organisation=invitation.organisation)
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    return user, account_key, recovery_code


def membership_remove(*, organisation: Organisation, user_id: Any) -> bool:
    membership = Membership.objects.filter(organisation=organisation, user_id=user_id).first()
    if membership is None:
        return False
    with transaction.atomic():
        membership.delete()
        User.objects.filter(pk=user_id, role=Role.PROFESSIONAL).update(role=Role.PERSON)
    return True


def role_set(*, user: User, role: str) -> None:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    user.role = role
    user.save(update_fields=["role"])


def start_sign_in_for_new_account(request: HttpRequest, user: User, account_key: bytes) -> None:
    _complete_sign_in(request, user, account_key, how="new account")
