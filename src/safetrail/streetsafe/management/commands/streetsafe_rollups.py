"""``safetrail streetsafe-rollups --check | --rebuild``: the map's counts against the reports.

``--check`` recounts from the reports and lists any difference (exit status 1
if there is one); ``--rebuild`` recounts every rollup from scratch, for repair
after a restore.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from safetrail.streetsafe import rollups


class Command(BaseCommand):
    help = "Check Street Safe's per-cell counts against the reports, or rebuild them."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--check", action="store_true", help="list differences, change nothing")
        group.add_argument("--rebuild", action="store_true", help="recount every cell")

    def handle(self, *args: object, **options: object) -> None:
        if options["rebuild"]:
            # One transaction: the maps never see half-rebuilt counts.
            with transaction.atomic():
                count = rollups.rebuild()
            self.stdout.write(f"rebuilt: {count} cells")
            return
        problems = rollups.check()
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} cells differ from the reports")
        self.stdout.write("the counts match the reports")
