from datetime import timedelta

import pytest

from safetrail.streetsafe import proof_of_work, rollups, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import Cell

pytestmark = pytest.mark.django_db


def draft(**extra):
    values = {
        "point": Point(51.5, -0.12),
        "located_by": "map",
        "reasons": ["badly_lit", "followed"],
        "when": "another_day",
        "band": "evening",
        "day": services.today() - timedelta(days=3),
    }
    values.update(extra)
    return services.Draft(**values)


def test_core_round_trip(settings):
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 100
    for offset in range(5):
        services.report_create(
            draft(day=services.today() - timedelta(days=offset + 1)),
            address="203.0.113.5",
            verified=True,
        )
    assert rollups.check() == []
    assert len(services.public_cells()) == 1
    first = services.nearby(Point(51.5, -0.12))
    assert first
    services.report_create(draft(), address="203.0.113.6", verified=True, same_as=first[0].id)
    assert Cell.objects.get(resolution=8).total == 6
    report = services.moderation_queue().first()
    assert report is None
    hidden = services.report_create(draft(note="call 07700 900123"), address="x", verified=True)
    assert "[phone number removed]" in hidden.note
    services.moderate(report_id=hidden.id, moderator=None, kind="hidden")
    assert rollups.check() == []
    challenge = proof_of_work.new_challenge()
    payload = proof_of_work.solve(challenge)
    assert proof_of_work.verify(payload)
    assert not proof_of_work.verify(payload)
