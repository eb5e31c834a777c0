"""``safetrail demo --username U --password P``: an account to look around with.

The account comes with a made-up diary (see ``safetrail.diary.demo``).
"""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from safetrail.accounts import services
from safetrail.diary.demo import create_demo_case
from safetrail.streetsafe.demo import create_demo_reports

# The demo diary's story is the same every time; only the dates move with today.
DEMO_SEED = 1997


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
        with transaction.atomic():
            user, account_key, recovery_code = services.account_create(
                username=username, password=password
            )
            services.recovery_code_confirm(user=user)
            open_case = create_demo_case(
                user=user,
                account_key=account_key,
                today=timezone.localdate(),
                rng=random.Random(DEMO_SEED),  # noqa: S311 - made-up story, not a secret
            )
            street_reports = create_demo_reports(
                today=timezone.localdate(),
                rng=random.Random(DEMO_SEED),  # noqa: S311 - made-up reports, not a secret
            )
        incidents = open_case.case.incidents.count()
        self.stdout.write(f"Created the demo account {username!r}.")
        self.stdout.write(
            f"Its diary {open_case.name!r} has {incidents} made-up incidents (all fictional)."
        )
        self.stdout.write(f"Its recovery code is {recovery_code}")
        self.stdout.write("Sign in at /account/sign-in/ with the password you gave.")
        if street_reports:
            self.stdout.write(
                f"Street Safe has {street_reports} made-up reports: see /street-safe/map/."
            )
