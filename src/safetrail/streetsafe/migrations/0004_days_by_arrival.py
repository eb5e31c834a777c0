"""The k rule's days become the days reports arrived, not the days typed.

Refills the day totals from the visible reports, grouped by the day of
receipt, and recounts each cell's days from them. First and last day (the
days it happened) do not change. On a large table this reads every report
once per resolution; docs/deploying.md says when to run it. Going back to
0003 counts the days as they happened again.
"""

from django.db import migrations

RESOLUTIONS = (7, 8, 9, 10)


def _statements(day: str) -> list[str]:
    statements = ["DELETE FROM streetsafe_celldaytotal"]
    for resolution in RESOLUTIONS:
        statements.append(
            "INSERT INTO streetsafe_celldaytotal (resolution, cell, day, total) "
            f"SELECT {resolution}, cell_{resolution}, {day}, COUNT(*) "
            "FROM streetsafe_report WHERE NOT hidden "
            f"GROUP BY cell_{resolution}, {day}"
        )
    statements.append(
        "UPDATE streetsafe_cell SET days = (SELECT COUNT(*) FROM streetsafe_celldaytotal t "
        "WHERE t.resolution = streetsafe_cell.resolution AND t.cell = streetsafe_cell.cell "
        "AND t.total > 0)"
    )
    return statements


class Migration(migrations.Migration):
    dependencies = [
        ("streetsafe", "0003_cell_day_total"),
    ]

    operations = [migrations.RunSQL(_statements("received_on"), reverse_sql=_statements("happened_on"))]
