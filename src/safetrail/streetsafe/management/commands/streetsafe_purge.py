"""``safetrail streetsafe-purge``: clear exact points and notes past the retention period.

Run it daily (cron or a systemd timer). Counts per cell stay: only what could
point at a person (the exact place and the note) goes, after
SAFETRAIL_STREETSAFE_RETENTION_DAYS. Drafts left unsent for two hours go too
(new reports clear them as well, so this only matters on a quiet site).
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safetrail.streetsafe import draft, services


class Command(BaseCommand):
    help = "Clear Street Safe reports' exact points and notes older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--before",
            metavar="YYYY-MM-DD",
            help="clear reports received before this day instead (sooner than retention only)",
        )

    def handle(self, *args: object, **options: object) -> None:
        before = None
        if options.get("before"):
            try:
                before = date.fromisoformat(str(options["before"]))
            except ValueError:
                raise CommandError("--before takes a date like 2026-03-27") from None
            if before > services.today():
                raise CommandError("--before cannot be in the future")
        changed = services.purge(before=before)
        self.stdout.write(f"{changed} reports had their exact point or note cleared")
        self.stdout.write(f"{draft.clear_expired()} unsent drafts older than 2 hours deleted")
