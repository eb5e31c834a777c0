"""Accounts: people, their roles, organisations, and what keeps sign-in safe.

Nothing here asks for an email address or a phone number. What the server
learns about a person's devices and networks is sealed to their public key,
so only they can read it.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PERSON = "person", _("Person using Safetrail for themselves")
    PROFESSIONAL = "professional", _("Police officer or advocate")
    MODERATOR = "moderator", _("Street Safe moderator")
    ANALYST = "analyst", _("Street Safe analyst")
    ADMIN = "admin", _("Site administrator")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra) -> User:
        user = self.model(username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra) -> User:
        extra.setdefault("role", Role.ADMIN)
        extra.setdefault("is_superuser", True)
        return self.create_user(username, password, **extra)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(username__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    username = models.CharField(_("username"), max_length=150, unique=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PERSON)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Until the person confirms they kept their recovery code, every signed-in
    # page sends them back to that step: without it they could lose everything.
    recovery_code_confirmed_at = models.DateTimeField(null=True, blank=True)
    # The authenticator secret is sealed with the account key.
    totp_secret_sealed = models.BinaryField(null=True, blank=True)
    totp_enabled_at = models.DateTimeField(null=True, blank=True)
    totp_last_step = models.BigIntegerField(default=0)
    # When the person last ended every other sign-in (or changed their
    # password): a sign-in half-way through two-step from before then lapses.
    sessions_ended_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="username_unique_ignoring_case"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def is_staff(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def two_step_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    def has_role(self, *roles: str) -> bool:
        return self.is_active and (self.role in roles or self.role == Role.ADMIN)


class BackupCode(models.Model):
    """A one-time code for two-step sign-in when the authenticator is lost."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="backup_codes")
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"backup code of {self.user_id}"


class SignInEvent(models.Model):
    """One attempt to sign in. Only the time is in clear; the rest is sealed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_events")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    sealed_details = models.BinaryField()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"sign-in event {self.id}"


class UserSession(models.Model):
    """A signed-in browser, so the person can see it and end it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="user_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    sealed_details = models.BinaryField()

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"session {self.id}"


class TrustedDevice(models.Model):
    """A browser that has signed in before. It skips the per-username slow-down.

    This is what stops someone who knows the username from locking the real
    person out by failing on purpose: the person's own device is not slowed.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="trusted_devices")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"trusted device of {self.user_id}"


class SignInThrottle(models.Model):
    """Failed sign-ins counted under a keyed hash (of a username, a source, or both)."""

    key_hash = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(default=timezone.now)
    blocked_until = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"throttle {self.key_hash[:8]}"


class Organisation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A professional belongs to one organisation; some of them administer it."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    is_organisation_admin = models.BooleanField(default=False)
    joined_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organisation_id}"


class Invitation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation {self.id}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )
