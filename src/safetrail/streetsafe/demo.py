"""Made-up Street Safe reports, so a newcomer sees a public map at once.

Clustered around a few places in the configured area (a station, a park path,
an underpass) over background scatter, across the last six months. Written
straight to the tables (no rate limits: this is not a visitor) and counted
into the rollups like any report. Entirely fictional.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

from django.db import transaction

from safetrail.streetsafe import area, cells, domain, rollups
from safetrail.streetsafe.models import NoteState, Report

# (share of the area's height, share of its width, spread in degrees, reasons)
PLACES = (
    (0.30, 0.40, 0.0015, ("badly_lit", "isolated", "followed")),
    (0.55, 0.70, 0.0012, ("no_cctv", "harassed_group", "drugs_alcohol")),
    (0.70, 0.25, 0.0010, ("blind_spots", "restricted_view", "harassed_one")),
)
NOTES = (
    "The street lights by the path have been out for weeks.",
    "A group hangs around the bus stop late and shouts at people walking past.",
    "It's very dark under the bridge and you can't see who is there.",
)


def create_demo_reports(*, today: date, rng: random.Random, count: int = 400) -> int:
    """Add ``count`` fictional reports unless there are reports already. Returns how many."""
    if Report.objects.exists():
        return 0
    served = area.configured()
    height = served.north - served.south
    width = served.east - served.west
    with transaction.atomic():
        for number in range(count):
            if number % 4 == 3:  # background scatter
                latitude = rng.uniform(served.south, served.north)
                longitude = rng.uniform(served.west, served.east)
                reasons = rng.sample([reason.code for reason in domain.REASONS], 2)
            else:
                share_north, share_east, spread, reasons = rng.choice(PLACES)
                latitude = served.south + share_north * height + rng.gauss(0, spread)
                longitude = served.west + share_east * width + rng.gauss(0, spread)
                reasons = rng.sample(reasons, rng.randint(1, len(reasons)))
            point = cells.Point(latitude, longitude)
            day = today - timedelta(days=rng.randrange(180))
            note = rng.choice(NOTES) if rng.random() < 0.05 else ""
            report = Report(
                id=uuid.uuid4(),
                received_on=day,
                happened_on=day,
                band=rng.choice((0, 3, 3, 3, 2)),
                when=domain.WHEN_ANOTHER_DAY,
                reasons=domain.mask_of(reasons, domain.REASONS),
                safer=domain.mask_of(
                    rng.sample([choice.code for choice in domain.SAFER], 1), domain.SAFER
                ),
                note=note,
                note_state=NoteState.PENDING if note else NoteState.NONE,
                located_by="map",
                latitude=latitude,
                longitude=longitude,
                verified=True,
                **{f"cell_{res}": cell for res, cell in cells.cells_for(point).items()},
            )
            report.save(force_insert=True)
            rollups.apply(report, 1)
    return count
