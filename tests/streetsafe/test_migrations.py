"""Migration 0004 recounts the k rule's days by arrival, and going back undoes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from safetrail.streetsafe import cells, rollups, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import Cell, CellDayTotal

PLACE = Point(51.4816, -3.1791)
BEFORE = [("streetsafe", "0003_cell_day_total")]
AFTER = [("streetsafe", "0004_days_by_arrival")]


def migrate(target: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


@pytest.mark.django_db(transaction=True)
def test_days_are_recounted_by_arrival_and_back(settings):
    cache.clear()
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 100
    today = services.today()
    # Five days typed by one sender in one sitting; one more sent yesterday.
    for days_ago in range(1, 6):
        services.report_create(
            services.Draft(
                point=PLACE,
                located_by="map",
                reasons=["badly_lit"],
                when="another_day",
                band="evening",
                day=today - timedelta(days=days_ago),
            ),
            address="198.51.100.4",
            verified=True,
            received_on=today if days_ago < 5 else today - timedelta(days=1),
        )
    cell = cells.cells_for(PLACE)[8]
    try:
        migrate(BEFORE)
        assert Cell.objects.get(resolution=8, cell=cell).days == 5
        assert CellDayTotal.objects.filter(resolution=8, cell=cell).count() == 5

        migrate(AFTER)
        assert Cell.objects.get(resolution=8, cell=cell).days == 2
        assert sorted(
            CellDayTotal.objects.filter(resolution=8, cell=cell).values_list("day", "total")
        ) == [(today - timedelta(days=1), 1), (today, 4)]
        assert rollups.check() == []
    finally:
        migrate(AFTER)
