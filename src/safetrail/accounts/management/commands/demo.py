"""``safetrail demo --username U --password P``: an account to look around with."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safetrail.accounts import services


class Command(BaseCommand):
    help = "Create a demo account (clearly fictional) to look around Safetrail with."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)

    def handle(self, *args: Any, username: str, password: str, **options: Any) -> None:
        if services.username_taken(username):
            raise CommandError(f"There is already an account called {username!r}.")
        try:
            password_validation.validate_password(password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        user, _, recovery_code = services.account_create(username=username, password=password)
        services.recovery_code_confirm(user=user)
        self.stdout.write(f"Created the demo account {username!r}.")
        self.stdout.write(f"Its recovery code is {recovery_code}")
        self.stdout.write("Sign in at /account/sign-in/ with the password you gave.")
