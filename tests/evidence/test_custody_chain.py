"""The custody log's hash chain: any change, reordering or deletion is caught."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safetrail.evidence import custody


def chain(count: int) -> list[custody.Entry]:
    entries: list[custody.Entry] = []
    for number in range(count):
        previous = entries[-1] if entries else None
        entries.append(
            custody.next_entry(
                previous,
                "evidence_added",
                f"2026-03-0{number % 9 + 1}T10:00:00Z",
                {"item": f"item-{number}", "sha256": f"{number:064x}"},
            )
        )
    return entries


def test_a_whole_chain_verifies():
    assert custody.verify(chain(5)) is None
    assert custody.verify([]) is None


def test_a_changed_detail_names_that_entry():
    entries = chain(5)
    entries[2] = dataclasses.replace(entries[2], details={**entries[2].details, "item": "other"})

    problem = custody.verify(entries)

    assert problem.sequence == 3
    assert "changed" in problem.reason


def test_a_changed_stored_hash_names_that_entry():
    entries = chain(4)
    entries[1] = dataclasses.replace(entries[1], entry_hash=bytes(32))

    assert custody.verify(entries).sequence == 2


def test_a_deleted_entry_is_found():
    entries = chain(5)
    del entries[3]

    problem = custody.verify(entries)

    assert problem.sequence == 4
    assert "missing" in problem.reason


def test_reordered_entries_are_found():
    entries = chain(5)
    entries[1], entries[2] = entries[2], entries[1]

    assert custody.verify(entries).sequence == 2


def test_renumbered_entries_do_not_verify():
    entries = chain(3)
    # Swap two entries and fix their numbers: the hashes still give it away.
    first, second = entries[0], entries[1]
    entries[0] = dataclasses.replace(second, sequence=1)
    entries[1] = dataclasses.replace(first, sequence=2)

    assert custody.verify(entries).sequence == 1


@settings(max_examples=150, deadline=None)
@given(
    count=st.integers(min_value=1, max_value=8),
    data=st.data(),
)
def test_any_changed_byte_of_any_entry_is_found(count, data):
    entries = chain(count)
    index = data.draw(st.integers(0, count - 1))
    field = data.draw(st.sampled_from(["action", "at", "detail"]))
    entry = entries[index]
    if field == "action":
        changed = dataclasses.replace(entry, action=entry.action + "x")
    elif field == "at":
        changed = dataclasses.replace(entry, at=entry.at.replace("10:00", "10:01"))
    else:
        changed = dataclasses.replace(entry, details={**entry.details, "sha256": "0" * 64})
        if changed.details == entry.details:
            changed = dataclasses.replace(entry, details={**entry.details, "extra": True})
    entries[index] = changed

    problem = custody.verify(entries)

    assert problem is not None
    assert problem.sequence == index + 1


@pytest.mark.parametrize("count", [1, 2, 10])
def test_hashes_are_deterministic(count):
    assert [entry.entry_hash for entry in chain(count)] == [
        entry.entry_hash for entry in chain(count)
    ]
