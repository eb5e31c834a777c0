"""``safetrail create_organisation NAME --admin USERNAME``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safetrail.accounts import services
from safetrail.accounts.models import Organisation, User


class Command(BaseCommand):
    help = (
        "Create an organisation (a police force or an advocacy service) and make an "
        "existing account its administrator, who can then invite professionals."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--admin", required=True, help="username of the administrator")

    def handle(self, *args: Any, name: str, admin: str, **options: Any) -> None:
        user = User.objects.filter(username__iexact=admin).first()
        if user is None:
            raise CommandError(f"There is no account called {admin!r}. Create it first.")
        if Organisation.objects.filter(name=name).exists():
            raise CommandError(f"There is already an organisation called {name!r}.")
        services.organisation_create(name=name, admin=user)
        self.stdout.write(f"Created {name!r}; {user.username} administers it.")
