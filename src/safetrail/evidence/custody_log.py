"""The custody log of a case: appending in the caller's transaction, and checking it.

Every action on evidence (and every incident written or amended) appends an
entry in the same transaction as the action itself, so the log cannot miss
what happened or record what did not.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from safetrail.diary.models import Case
from safetrail.diary.services import OpenCase
from safetrail.evidence import custody
from safetrail.evidence.models import CustodyEntry
from safetrail.vault import services as vault

TABLE = "evidence_custodyentry"


def _context_row(open_case: OpenCase, sequence: int) -> str:
    return f"{open_case.id}/{sequence}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _entry(row: CustodyEntry, details: dict[str, Any]) -> custody.Entry:
    return custody.Entry(
        sequence=row.sequence,
        action=row.action,
        at=_iso(row.at),
        details=details,
        entry_hash=bytes(row.entry_hash),
    )


def append(open_case: OpenCase, action: str, details: dict[str, Any]) -> CustodyEntry:
    """Adds an entry. Call it inside the transaction of the action it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("custody entries are written in the action's own transaction")
    # One writer at a time per case, so two actions cannot take the same place.
    Case.objects.select_for_update().filter(id=open_case.id).first()
    last = CustodyEntry.objects.filter(case=open_case.case).order_by("-sequence").first()
    previous = None
    if last is not None:
        previous = custody.Entry(
            last.sequence, last.action, _iso(last.at), {}, bytes(last.entry_hash)
        )
    now = timezone.now()
    entry = custody.next_entry(previous, action, _iso(now), details)
    return CustodyEntry.objects.create(
        case=open_case.case,
        sequence=entry.sequence,
        at=now,
        action=action,
        sealed=vault.record_seal(
            key=open_case.key,
            table=TABLE,
            row_id=_context_row(open_case, entry.sequence),
            case_id=open_case.id,
            data=details,
        ),
        entry_hash=entry.entry_hash,
    )


def entries(open_case: OpenCase) -> list[tuple[custody.Entry | None, CustodyEntry]]:
    """Every entry opened, in order; None where an entry's details will not open."""
    opened = []
    for row in CustodyEntry.objects.filter(case=open_case.case).order_by("sequence"):
        try:
            details = vault.record_open(
                key=open_case.key,
                table=TABLE,
                row_id=_context_row(open_case, row.sequence),
                case_id=open_case.id,
                sealed=bytes(row.sealed),
            )
        except vault.RecordUnreadable:
            opened.append((None, row))
            continue
        opened.append((_entry(row, details), row))
    return opened


def verify(open_case: OpenCase) -> custody.Problem | None:
    """None when the whole log checks out; otherwise the first entry that does not."""
    chain = []
    for position, (entry, row) in enumerate(entries(open_case), start=1):
        if entry is None:
            return custody.Problem(row.sequence, f"entry {row.sequence} was changed")
        if entry.sequence != position:
            return custody.verify([*chain, entry]) or custody.Problem(
                position, f"entry {position} is missing or out of order"
            )
        chain.append(entry)
    return custody.verify(chain)
