"""Importing data.police.uk street-level crime files as a comparison layer.

The police publish each recorded crime snapped to a nearby anonymous point and
with the month only, so nothing here is more exact than what is already
public. A file is read as a stream, twice: once to check its size, its kind
and its hash, then row by row into the database. Everything is stored in one
transaction, so a file that turns out to be broken half way leaves nothing
behind. Rows with no place (the police leave some crimes without a point)
are counted as skipped, as the police's own files are.

The file's columns are found by name, not by position: data.police.uk has
added columns before, and the ones used here have kept their names.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safetrail.streetsafe import cells
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import PoliceCrime, PoliceCrimeImport

# The header of a street-level crime file, as data.police.uk writes it.
HEADER = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
# The columns this import reads; the others may be missing.
NEEDED = ("Crime ID", "Month", "Longitude", "Latitude", "Location", "Crime type")

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
CHUNK = 1024 * 1024
BATCH = 2000

# The first bytes of files people are likely to pick by mistake.
_ZIP = b"PK\x03\x04"
_GZIP = b"\x1f\x8b"
_BINARY_STARTS = (b"%PDF", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")


def max_bytes() -> int:
    """The largest file accepted (SAFETRAIL_STREETSAFE_POLICE_MAX_BYTES, 100 MB by default)."""
    return int(getattr(settings, "SAFETRAIL_STREETSAFE_POLICE_MAX_BYTES", DEFAULT_MAX_BYTES))


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return _("%(size)s MB") % {"size": f"{size / (1024 * 1024):.0f}"}
    if size >= 1024:
        return _("%(size)s KB") % {"size": f"{size / 1024:.0f}"}
    return ngettext("%(size)s byte", "%(size)s bytes", size) % {"size": size}


class ImportRefused(Exception):
    """The file was not imported; ``message`` says why, in words for the person who sent it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Imported:
    record: PoliceCrimeImport
    no_place: int
    bad_month: int


def refuse_size(limit: int) -> ImportRefused:
    return ImportRefused(
        _(
            "The file is too big. The largest file you can add is %(limit)s. "
            "Split it into smaller files, for example one for each month."
        )
        % {"limit": human_size(limit)}
    )


def _survey(stream: IO[bytes], limit: int) -> tuple[str, int]:
    """The file's SHA-256 and size, refusing it early if it is too big or not text."""
    digest = hashlib.sha256()
    size = 0
    first = True
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        if first:
            _refuse_binary_start(chunk)
            first = False
        size += len(chunk)
        if size > limit:
            raise refuse_size(limit)
        if b"\x00" in chunk:
            raise ImportRefused(_not_csv())
        digest.update(chunk)
    if size == 0:
        raise ImportRefused(_("The file is empty. Choose a street-level crime CSV file."))
    return digest.hexdigest(), size


def _not_csv() -> str:
    return _(
        "This is not a CSV file. Choose a street-level crime file from data.police.uk: "
        "its name ends in -street.csv."
    )


def _refuse_binary_start(chunk: bytes) -> None:
    if chunk.startswith(_ZIP):
        raise ImportRefused(
            _(
                "This is a zip file. Open it on your computer first, "
                "then add the CSV files that are inside it."
            )
        )
    if chunk.startswith(_GZIP):
        raise ImportRefused(_("This file is compressed. Uncompress it first, then add the CSV."))
    if chunk.startswith(_BINARY_STARTS):
        raise ImportRefused(_not_csv())


def _text_lines(stream: IO[bytes]) -> Iterator[str]:
    """The file's lines as text. UTF-8 never puts a newline byte inside a character, so
    splitting the bytes first is safe; a byte order mark at the start is dropped."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    for line in stream:
        yield decoder.decode(line)
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def _columns(header: list[str]) -> dict[str, int]:
    found = {name.strip(): index for index, name in enumerate(header)}
    missing = [name for name in NEEDED if name not in found]
    if len(missing) == len(NEEDED):
        raise ImportRefused(
            _(
                "This does not look like a street-level crime file from data.police.uk. "
                "Its first line should be: %(header)s."
            )
            % {"header": ", ".join(HEADER)}
        )
    if missing:
        raise ImportRefused(
            ngettext(
                "The file is missing the column %(columns)s. "
                "Download the street-level crime file from data.police.uk again.",
                "The file is missing the columns %(columns)s. "
                "Download the street-level crime file from data.police.uk again.",
                len(missing),
            )
            % {"columns": ", ".join(missing)}
        )
    return found


def _month(text: str) -> date | None:
    try:
        year, month = text.strip().split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        return None


def _point(longitude: str, latitude: str) -> Point | None:
    try:
        point = Point(float(latitude), float(longitude))
    except ValueError:
        return None
    if not cells.valid_point(point.latitude, point.longitude):
        return None
    return point


def import_file(
    stream: IO[bytes], *, file_name: str, imported_by: Any = None, limit: int | None = None
) -> Imported:
    """Import one street-level crime file, all of it or nothing (``ImportRefused`` says why).

    ``stream`` is a binary file that can be read twice (seek to the start).
    """
    limit = max_bytes() if limit is None else limit
    sha256, _size = _survey(stream, limit)
    earlier = PoliceCrimeImport.objects.filter(sha256=sha256).first()
    if earlier is not None:
        raise ImportRefused(
            _("This file was already added on %(day)s, as %(name)s. It was not added again.")
            % {"day": date_format(earlier.imported_at, "j F Y"), "name": earlier.file_name}
        )
    stream.seek(0)
    try:
        with transaction.atomic():
            return _store(csv.reader(_text_lines(stream)), sha256, file_name, imported_by)
    except UnicodeDecodeError:
        raise ImportRefused(
            _(
                "Some of the text in the file could not be read. "
                "Files from data.police.uk are in UTF-8: download it again, "
                "or save it as 'CSV UTF-8'."
            )
        ) from None


def _store(reader: Iterable[list[str]], sha256: str, file_name: str, imported_by: Any) -> Imported:
    rows = iter(reader)
    try:
        header = next(rows)
    except StopIteration:
        raise ImportRefused(_("The file is empty. Choose a street-level crime CSV file.")) from None
    except csv.Error:
        raise ImportRefused(_not_csv()) from None
    at = _columns(header)
    record = PoliceCrimeImport.objects.create(
        file_name=file_name[:255], sha256=sha256, imported_by=imported_by
    )
    width = max(at.values()) + 1
    stored = no_place = bad_month = 0
    batch: list[PoliceCrime] = []
    line = 1
    try:
        for row in rows:
            line += 1
            if not row or not any(value.strip() for value in row):
                continue  # a blank line is not a row
            if len(row) < width:
                row = row + [""] * (width - len(row))
            point = _point(row[at["Longitude"]], row[at["Latitude"]])
            if point is None:
                no_place += 1
                continue
            month = _month(row[at["Month"]])
            if month is None:
                bad_month += 1
                continue
            found = cells.cells_for(point)
            batch.append(
                PoliceCrime(
                    source=record,
                    crime_id=row[at["Crime ID"]].strip()[:64],
                    month=month,
                    crime_type=row[at["Crime type"]].strip()[:100],
                    latitude=point.latitude,
                    longitude=point.longitude,
                    location=row[at["Location"]].strip()[:200],
                    **{f"cell_{resolution}": cell for resolution, cell in found.items()},
                )
            )
            if len(batch) >= BATCH:
                PoliceCrime.objects.bulk_create(batch)
                stored += len(batch)
                batch = []
    except csv.Error:
        raise ImportRefused(
            _("Line %(line)s of the file could not be read as CSV. Nothing was added.")
            % {"line": line}
        ) from None
    if batch:
        PoliceCrime.objects.bulk_create(batch)
        stored += len(batch)
    if not stored:
        raise ImportRefused(_("The file has no crimes with a place in them. Nothing was added."))
    record.rows = stored
    record.skipped = no_place + bad_month
    record.save(update_fields=["rows", "skipped"])
    return Imported(record=record, no_place=no_place, bad_month=bad_month)


# --- reading it back ---------------------------------------------------------------------------


def counts_by_cell(
    *,
    resolution: int,
    since: date | None = None,
    until: date | None = None,
    only: Iterable[str] | None = None,
) -> dict[str, int]:
    """Police-recorded crimes per cell. Police data has months only, so a date range takes
    every month it touches."""
    column = f"cell_{resolution}"
    rows = PoliceCrime.objects.all()
    if since:
        rows = rows.filter(month__gte=since.replace(day=1))
    if until:
        rows = rows.filter(month__lte=until.replace(day=1))
    if only is not None:
        rows = rows.filter(**{f"{column}__in": list(only)})
    return dict(rows.values(column).annotate(count=Count("id")).values_list(column, "count"))


def coverage() -> dict[str, Any]:
    """How much police data there is, and which months it covers."""
    return PoliceCrime.objects.aggregate(crimes=Count("id"), first=Min("month"), last=Max("month"))
