"""``safetrail streetsafe-import-police FILE...``: add data.police.uk street-level crime files.

The same import as the analysts' page, for files too big to upload or for a
scheduled job. Each file is imported whole or not at all; a file that was
already imported (same SHA-256) is refused, so running it twice is harmless.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safetrail.streetsafe import police_data


class Command(BaseCommand):
    help = "Import data.police.uk street-level crime CSV files as Street Safe's comparison layer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="a *-street.csv file")
        parser.add_argument(
            "--max-bytes",
            type=int,
            default=None,
            help="refuse files bigger than this (default: SAFETRAIL_STREETSAFE_POLICE_MAX_BYTES)",
        )

    def handle(self, *args: object, **options: object) -> None:
        failed = 0
        for name in options["files"]:  # type: ignore[union-attr]
            path = Path(str(name))
            try:
                with path.open("rb") as stream:
                    outcome = police_data.import_file(
                        stream,
                        file_name=path.name,
                        limit=options["max_bytes"],  # type: ignore[arg-type]
                    )
            except OSError as error:
                failed += 1
                self.stderr.write(f"{path}: cannot be read ({error.strerror or error})")
                continue
            except police_data.ImportRefused as refusal:
                failed += 1
                self.stderr.write(f"{path}: {refusal.message}")
                continue
            record = outcome.record
            self.stdout.write(
                f"{path}: {record.rows} crimes imported, {record.skipped} rows skipped "
                f"({outcome.no_place} with no place, {outcome.bad_month} with no month)"
            )
        if failed:
            raise CommandError(f"{failed} of {len(options['files'])} files were not imported")  # type: ignore[arg-type]
