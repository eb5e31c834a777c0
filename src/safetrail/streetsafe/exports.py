"""CSV and GeoJSON downloads of Street Safe cells and points.

Used by the public map (views_public.py), the JSON API (api.py) and the
analyst pages (views_analysis.py). Views decide *what* may be shown (the
k-threshold lives in ``services.public_cells``, retention in
``services.points_for_analysts``); this module only writes it out.

Cells
-----
``cells_csv(rows, filename=...)`` and ``cells_geojson(rows, filename=...)``
return an ``HttpResponse`` downloaded as an attachment. ``rows`` is a list of
either:

* ``services.PublicCell`` objects (the public map). Columns: ``cell``,
  ``resolution``, ``reports``, ``first_month`` and ``last_month`` (``YYYY-MM``,
  never a day), ``centre_latitude`` and ``centre_longitude`` (3 decimals) and
  ``actions`` (public actions taken there). Use ``public_cell_record`` for the
  same dict elsewhere (the API and the map's JSON use it).
* dicts, like ``services.cell_table()`` returns (analysts). Every key of the
  first row becomes a column, in order, with ``resolution`` added after
  ``cell`` when missing; extra keys (a z-score, say) simply come along. Dates
  are written as ``YYYY-MM-DD``.

In GeoJSON each row is a Feature whose geometry is the cell's hexagon (a
Polygon, ``[longitude, latitude]``, ring closed) and whose properties are the
columns above (``actions`` as a list of objects rather than text).
``cells_feature_collection(rows)`` gives the dict without the response, and
``hexagon(cell)`` one cell's Polygon.

Points (analysts only)
----------------------
``points_csv(reports, filename=...)`` and ``points_geojson(reports, filename=...)``
take an iterable of ``Report`` (``services.points_for_analysts()``; its
``supporters`` annotation becomes ``me_too``) and stream the response, so a
large export is never held in memory. Columns: ``id``, ``latitude``,
``longitude``, ``happened_on``, ``band``, ``when``, ``reasons`` and ``safer``
(codes joined by ``;``), ``located_by``, ``me_too``, ``received_on``,
``cell_8``, ``cell_9``. A point never carries the free-text note or the
reporter's answers about themselves: with an exact place, day and time of day
those could pick a person out, and analysts need them only in aggregate.

Every text value is guarded against CSV injection: one starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` so a
spreadsheet shows it rather than runs it. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

from safetrail.streetsafe import cells, domain
from safetrail.streetsafe.models import AreaAction, Report

CSV_TYPE = "text/csv; charset=utf-8"
GEOJSON_TYPE = "application/geo+json"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CENTRE_DECIMALS = 3
COORDINATE_DECIMALS = 6

POINT_COLUMNS = (
    "id",
    "latitude",
    "longitude",
    "happened_on",
    "band",
    "when",
    "reasons",
    "safer",
    "located_by",
    "me_too",
    "received_on",
    "cell_8",
    "cell_9",
)


# --- values ------------------------------------------------------------------------------------


def month(day: date | None) -> str:
    """``YYYY-MM``: how public outputs give every date."""
    return f"{day:%Y-%m}" if day else ""


def safe_text(value: Any) -> Any:
    """A value for one CSV cell, with formulas defused. Numbers pass unchanged."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        value = ";".join(str(item) for item in value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _attachment(response: HttpResponse | StreamingHttpResponse, filename: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"


# --- cells -------------------------------------------------------------------------------------


def public_action_record(action: AreaAction) -> dict[str, str]:
    """What the public may know about one action: its kind, what was done and the month."""
    return {
        "kind": action.kind,
        "label": str(action.get_kind_display()),
        "description": action.description,
        "month": month(action.taken_on),
    }


def public_cell_record(row: Any) -> dict[str, Any]:
    """One ``services.PublicCell`` as plain values, dates to the month."""
    return {
        "cell": row.cell,
        "resolution": cells.resolution_of(row.cell),
        "reports": row.reports,
        "first_month": month(row.first_month),
        "last_month": month(row.last_month),
        "centre_latitude": round(row.latitude, CENTRE_DECIMALS),
        "centre_longitude": round(row.longitude, CENTRE_DECIMALS),
        "actions": [public_action_record(action) for action in row.actions],
    }


def _cell_record(row: Any) -> dict[str, Any]:
    if isinstance(row, dict):
        record = dict(row)
        if "resolution" not in record:
            # Keep the order: resolution straight after the cell.
            ordered: dict[str, Any] = {}
            for key, value in record.items():
                ordered[key] = value
                if key == "cell":
                    ordered["resolution"] = cells.resolution_of(value)
            record = ordered
        return record
    return public_cell_record(row)


def _actions_text(actions: list[dict[str, str]]) -> str:
    return " | ".join(
        f"{action['month']} {action['label']}: {action['description']}".strip()
        for action in actions
    )


def cells_csv(rows: Iterable[Any], *, filename: str = "cells.csv") -> HttpResponse:
    records = [_cell_record(row) for row in rows]
    columns = list(records[0]) if records else list(_EMPTY_PUBLIC_COLUMNS)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for record in records:
        values = []
        for column in columns:
            value = record.get(column)
            if column == "actions" and isinstance(value, list):
                value = _actions_text(value)
            values.append(safe_text(value))
        writer.writerow(values)
    response = HttpResponse(buffer.getvalue().encode(), content_type=CSV_TYPE)
    _attachment(response, filename)
    return response


_EMPTY_PUBLIC_COLUMNS = (
    "cell",
    "resolution",
    "reports",
    "first_month",
    "last_month",
    "centre_latitude",
    "centre_longitude",
    "actions",
)


def hexagon(cell: str) -> dict[str, Any]:
    """The cell as a GeoJSON Polygon: [longitude, latitude], ring closed.

    Six decimals (about 10 cm) is far finer than any cell and keeps the
    download small.
    """
    ring = [
        [round(lng, COORDINATE_DECIMALS), round(lat, COORDINATE_DECIMALS)]
        for lng, lat in cells.boundary(cell)
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def cell_feature(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": record["cell"],
        "geometry": hexagon(record["cell"]),
        "properties": {key: _json_value(value) for key, value in record.items()},
    }


def cells_feature_collection(rows: Iterable[Any]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [cell_feature(_cell_record(row)) for row in rows],
    }


def cells_geojson(rows: Iterable[Any], *, filename: str = "cells.geojson") -> HttpResponse:
    response = HttpResponse(
        json.dumps(cells_feature_collection(rows), ensure_ascii=False).encode(),
        content_type=GEOJSON_TYPE,
    )
    _attachment(response, filename)
    return response


# --- points ------------------------------------------------------------------------------------


def point_record(report: Report) -> dict[str, Any]:
    return {
        "id": str(report.id),
        "latitude": report.latitude,
        "longitude": report.longitude,
        "happened_on": report.happened_on.isoformat(),
        "band": domain.BAND_BY_NUMBER[report.band].code,
        "when": report.when,
        "reasons": report.reason_codes,
        "safer": domain.codes_in(report.safer, domain.SAFER),
        "located_by": report.located_by,
        "me_too": getattr(report, "supporters", 0),
        "received_on": report.received_on.isoformat(),
        "cell_8": report.cell_8,
        "cell_9": report.cell_9,
    }


def _each(reports: Iterable[Report]) -> Iterator[Report]:
    # A queryset is read in chunks, so a big export is never all in memory.
    iterate = getattr(reports, "iterator", None)
    return iterate(chunk_size=2000) if callable(iterate) else iter(reports)


def _csv_lines(reports: Iterable[Report]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode()

    writer.writerow(POINT_COLUMNS)
    yield flush()
    for report in _each(reports):
        record = point_record(report)
        writer.writerow([safe_text(record[column]) for column in POINT_COLUMNS])
        yield flush()


def points_csv(reports: Iterable[Report], *, filename: str = "points.csv") -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(reports), content_type=CSV_TYPE)
    _attachment(response, filename)
    return response


def point_feature(report: Report) -> dict[str, Any]:
    record = point_record(report)
    return {
        "type": "Feature",
        "id": record["id"],
        "geometry": {"type": "Point", "coordinates": [report.longitude, report.latitude]},
        "properties": record,
    }


def _geojson_chunks(reports: Iterable[Report]) -> Iterator[bytes]:
    yield b'{"type": "FeatureCollection", "features": ['
    first = True
    for report in _each(reports):
        if report.latitude is None or report.longitude is None:
            continue
        prefix = b"" if first else b",\n"
        first = False
        yield prefix + json.dumps(point_feature(report), ensure_ascii=False).encode()
    yield b"]}\n"


def points_geojson(
    reports: Iterable[Report], *, filename: str = "points.geojson"
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_geojson_chunks(reports), content_type=GEOJSON_TYPE)
    _attachment(response, filename)
    return response
