"""``safetrail set_role USERNAME ROLE``: moderators, analysts and site administrators."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safetrail.accounts import services
from safetrail.accounts.models import Role, User


class Command(BaseCommand):
    help = "Give an account a role: " + ", ".join(Role.values)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=Role.values)

    def handle(self, *args: Any, username: str, role: str, **options: Any) -> None:
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"There is no account called {username!r}.")
        if role == Role.PROFESSIONAL and not hasattr(user, "membership"):
            raise CommandError("Professionals join through an invitation from their organisation.")
        services.role_set(user=user, role=role)
        self.stdout.write(f"{user.username} is now: {Role(role).label}.")
