"""The custody log's chain: each entry's hash covers the one before it.

Pure functions over plain data, so the same code checks a live case and, later,
an exported evidence pack offline. An entry's hash is

    SHA-256( previous entry's hash (32 bytes, zeros for the first)
             || canonical JSON of the entry: sequence, action, time, details )

Canonical JSON: keys sorted, no spaces, UTF-8. Change any byte of any entry,
reorder entries or drop one, and every later hash stops matching; ``verify``
names the first entry that does not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = bytes(32)


@dataclass(frozen=True)
class Entry:
    sequence: int
    action: str
    at: str  # the server's time, ISO 8601 in UTC
    details: dict[str, Any]
    entry_hash: bytes

    def body(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "action": self.action,
            "at": self.at,
            "details": self.details,
        }


@dataclass(frozen=True)
class Problem:
    sequence: int  # the first entry that does not match (its position when numbering is off)
    reason: str


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(previous: bytes, body: dict[str, Any]) -> bytes:
    return hashlib.sha256(previous + canonical(body)).digest()


def next_entry(previous: Entry | None, action: str, at: str, details: dict[str, Any]) -> Entry:
    sequence = 1 if previous is None else previous.sequence + 1
    body = {"sequence": sequence, "action": action, "at": at, "details": details}
    prior = GENESIS if previous is None else previous.entry_hash
    return Entry(sequence, action, at, details, entry_hash(prior, body))


def verify(entries: Iterable[Entry]) -> Problem | None:
    """None when the chain is whole; otherwise the first entry that breaks it and why."""
    previous = GENESIS
    expected_sequence = 1
    for entry in entries:
        if entry.sequence != expected_sequence:
            return Problem(
                expected_sequence,
                f"entry {expected_sequence} is missing or out of order "
                f"(found entry {entry.sequence} in its place)",
            )
        if entry_hash(previous, entry.body()) != entry.entry_hash:
            return Problem(entry.sequence, f"entry {entry.sequence} was changed")
        previous = entry.entry_hash
        expected_sequence += 1
    return None
