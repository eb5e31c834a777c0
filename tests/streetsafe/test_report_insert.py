"""The service writes each report with one plain INSERT: the same row ``save()`` would write."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from safetrail.streetsafe import cells, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import NoteState, Report

pytestmark = pytest.mark.django_db

HERE = Point(51.5072, -0.1276)


def made(**fields) -> Report:
    found = cells.cells_for(HERE)
    values = {
        "id": uuid.uuid4(),
        "received_on": date(2026, 11, 20),
        "happened_on": date(2026, 11, 19),
        "band": 2,
        "when": "another_day",
        "reasons": 0b101,
        "located_by": "map",
        "latitude": HERE.latitude,
        "longitude": HERE.longitude,
        **{f"cell_{resolution}": cell for resolution, cell in found.items()},
    }
    return Report(**{**values, **fields})


def stored(report: Report) -> dict:
    row = Report.objects.filter(id=report.id).values().get()
    del row["id"]
    return row


@pytest.mark.parametrize(
    "fields",
    [
        {},  # the model's defaults: no ideas, no note, not verified, not hidden
        {
            "safer": 0b11,
            "note": "dark [phone number] by the bins",
            "note_state": NoteState.PENDING,
            "age_band": "25_34",
            "gender": "woman",
            "ethnic_group": "mixed",
            "disability": "no",
            "verified": True,
        },
    ],
)
def test_insert_writes_what_save_writes(fields):
    by_insert, by_save = made(**fields), made(**fields)

    services._insert(by_insert)
    by_save.save(force_insert=True)

    assert stored(by_insert) == stored(by_save)
    assert not by_insert._state.adding


def test_insert_keeps_a_me_too_link_to_its_original():
    original = made()
    original.save(force_insert=True)
    by_insert = made(same_as=original, latitude=None, longitude=None)
    by_save = made(same_as=original, latitude=None, longitude=None)

    services._insert(by_insert)
    by_save.save(force_insert=True)

    assert stored(by_insert) == stored(by_save)
    assert stored(by_insert)["same_as_id"] == original.id
    assert set(original.me_too.values_list("id", flat=True)) == {by_insert.id, by_save.id}
