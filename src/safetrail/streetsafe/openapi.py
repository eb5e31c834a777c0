"""The OpenAPI 3.1 description of Street Safe's JSON API (served at openapi.json).

Built in code so every path comes from ``reverse()`` on the route it
describes: a moved route moves its documentation with it. Each operation's
``operationId`` is its route name in ``api_urls.py``; the tests fail when a
route has no operation here or an operation has no route. The api_docs page
is drawn from this same document, examples included.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from safetrail.streetsafe import domain

VERSION = "1.0.0"
ERROR_CODES = (
    "bad_request",
    "forbidden",
    "method_not_allowed",
    "too_large",
    "too_many_reports",
)

EXAMPLE_CELL = "88195d2b1dfffff"
EXAMPLE_RING = [
    [-0.1268, 51.5072],
    [-0.1236, 51.5045],
    [-0.1177, 51.5051],
    [-0.1150, 51.5085],
    [-0.1182, 51.5112],
    [-0.1241, 51.5106],
    [-0.1268, 51.5072],
]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _parameter(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _response(description: str, schema: str, example: Any = None, media: str = "") -> dict:
    content: dict[str, Any] = {"schema": _ref(schema)}
    if example is not None:
        content["example"] = example
    return {"description": description, "content": {media or "application/json": content}}


def _error(description: str, example_code: str, example_errors: dict | None = None) -> dict:
    example: dict[str, Any] = {"error": example_code, "message": description}
    if example_errors:
        example["errors"] = example_errors
    return _response(description, "Error", example)


def _forbidden() -> dict[str, Any]:
    return _error(_("Not signed in as an analyst."), "forbidden")


def _bad_filters() -> dict[str, Any]:
    return _error(
        _("A filter cannot be used."),
        "bad_request",
        {"band": "band must be night, morning, afternoon or evening."},
    )


def _analysis_parameters() -> list[dict[str, str]]:
    return [
        _parameter(name) for name in ("resolution", "reason", "band", "weekday", "since", "until")
    ]


def _operations() -> dict[str, tuple[str, dict[str, Any]]]:
    """Route name -> (method, operation)."""
    k = settings.SAFETRAIL_STREETSAFE_K
    cell_example = {
        "type": "FeatureCollection",
        "title": "Where people reported feeling unsafe",
        "k": k,
        "resolution": settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION,
        "bbox": [-0.2, 51.48, -0.05, 51.54],
        "features": [
            {
                "type": "Feature",
                "id": EXAMPLE_CELL,
                "geometry": {"type": "Polygon", "coordinates": [EXAMPLE_RING]},
                "properties": {
                    "cell": EXAMPLE_CELL,
                    "resolution": 8,
                    "reports": 12,
                    "first_month": "2024-03",
                    "last_month": "2024-11",
                    "centre_latitude": 51.508,
                    "centre_longitude": -0.121,
                    "actions": [
                        {
                            "kind": "lighting",
                            "label": "Lighting repaired or added",
                            "description": _("New street lights on the path by the station"),
                            "month": "2024-12",
                        }
                    ],
                },
            }
        ],
    }
    report_example = {
        "latitude": 51.5081,
        "longitude": -0.1219,
        "located_by": "map",
        "reasons": ["badly_lit", "followed"],
        "when": "another_day",
        "band": "evening",
        # A recent day: the API takes days within the last year only.
        "day": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "safer": ["lighting"],
        "note": "",
        "demographics": {"age_band": "25_34", "gender": "woman"},
        "proof": "eyJhbGdvcml0aG0iOiJTSEEtMjU2Ii...",
    }
    return {
        "openapi": (
            "get",
            {
                "summary": _("This description of the API"),
                "description": _("The OpenAPI 3.1 document you are reading."),
                "tags": ["about"],
                "responses": {"200": {"description": _("The OpenAPI document.")}},
            },
        ),
        "challenge": (
            "get",
            {
                "summary": _("Get a proof-of-work challenge"),
                "description": _(
                    "An ALTCHA (version 1) challenge. Find the number n, from 0 to maxnumber, "
                    "for which SHA-256(salt + n) in hex equals challenge. Send back, base64 "
                    "encoded, the JSON object {algorithm, challenge, number, salt, signature} "
                    "as the proof of a report. Each challenge expires after 2 hours and "
                    "each solution works once. Reports without a proof are accepted, but far "
                    "fewer of them. After many reports from one address in a day, challenges "
                    "get harder (a larger maxnumber); a report with an easier proof than asked "
                    "for gets a 400 on proof: get a new challenge and solve it."
                ),
                "tags": ["reporting"],
                "responses": {
                    "200": _response(
                        _("A new challenge."),
                        "Challenge",
                        {
                            "algorithm": "SHA-256",
                            "challenge": "4d2a…",
                            "salt": "8f1c…?expires=1733480000",
                            "signature": "a93b…",
                            "maxnumber": settings.SAFETRAIL_STREETSAFE_POW_MAX_NUMBER,
                        },
                    )
                },
            },
        ),
        "reports": (
            "post",
            {
                "summary": _("Send a report of feeling unsafe"),
                "description": _(
                    "Anonymous: no account, no cookie, and the sender's address is never "
                    "stored (a rate limit uses a keyed hash of it that changes every day). "
                    "The answer never says anything about the report, not even an id. "
                    "The body may be at most 16 KB. A report counts on the public map only "
                    "once its area has at least %(k)s reports from %(k)s different days."
                )
                % {"k": k},
                "tags": ["reporting"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _ref("ReportRequest"),
                            "example": report_example,
                        }
                    },
                },
                "responses": {
                    "201": _response(_("Received."), "Received", {"status": "received"}),
                    "400": _error(
                        _("Some fields cannot be used; nothing was stored."),
                        "bad_request",
                        {"reasons": "Choose at least one reason.", "band": "Say the time of day"},
                    ),
                    "403": _error(
                        _("Sent by a page on another website (Sec-Fetch-Site: cross-site)."),
                        "cross_site",
                    ),
                    "405": _error(_("Only POST is allowed."), "method_not_allowed"),
                    "413": _error(_("The body is over 16 KB."), "too_large"),
                    "415": _error(
                        _("The body is not declared as application/json."),
                        "unsupported_media_type",
                    ),
                    "429": {
                        **_error(
                            _("Too many reports from this sender or the site."), "too_many_reports"
                        ),
                        "headers": {
                            "Retry-After": {
                                "description": _("Seconds until more reports can be sent."),
                                "schema": {"type": "integer"},
                            }
                        },
                    },
                },
            },
        ),
        "cells": (
            "get",
            {
                "summary": _("Areas where people reported feeling unsafe"),
                "description": _(
                    "The public map's areas inside a box, as GeoJSON hexagons (H3 cells at "
                    "the public resolution). An area is included only when at least "
                    "%(k)s reports from %(k)s different days were made there; dates are months. "
                    "More reports does not mean a place is less safe: it also reflects who "
                    "reports. The box may be at most 1 degree each way; the whole set is at "
                    "the map's cells.geojson download."
                )
                % {"k": k},
                "tags": ["public map"],
                "parameters": [_parameter("bbox")],
                "responses": {
                    "200": _response(
                        _("The areas whose centre is in the box."),
                        "PublicCellCollection",
                        cell_example,
                        "application/geo+json",
                    ),
                    "400": _error(
                        _("bbox is missing, badly formed or too big."),
                        "bad_request",
                        {"bbox": "bbox must be four numbers: south,west,north,east."},
                    ),
                },
            },
        ),
        "actions": (
            "get",
            {
                "summary": _("What has been done about areas"),
                "description": _(
                    "Actions recorded by analysts and made public (patrols, lighting, CCTV, "
                    "referral to the council...), each over the public area it was taken "
                    "in, with the month."
                ),
                "tags": ["public map"],
                "responses": {
                    "200": _response(
                        _("Every public action."),
                        "ActionCollection",
                        {
                            "type": "FeatureCollection",
                            "features": [
                                {
                                    "type": "Feature",
                                    "id": "5b0f6c1e-3d3a-4a54-9a43-8f5e2b7d1c11",
                                    "geometry": {"type": "Polygon", "coordinates": [EXAMPLE_RING]},
                                    "properties": {
                                        "cell": EXAMPLE_CELL,
                                        "resolution": 8,
                                        "kind": "patrols",
                                        "label": "Patrols",
                                        "description": _("Evening patrols on Fridays"),
                                        "month": "2024-10",
                                    },
                                }
                            ],
                        },
                        "application/geo+json",
                    )
                },
            },
        ),
        "analysis_cells": (
            "get",
            {
                "summary": _("Counts per cell, for analysts"),
                "description": _(
                    "Reports per H3 cell at the chosen resolution under the filters, with "
                    "no minimum count. Exact days. Signed-in analysts only."
                ),
                "tags": ["analysis"],
                "security": [{"session": []}],
                "parameters": _analysis_parameters(),
                "responses": {
                    "200": _response(
                        _("Cells with at least one report."),
                        "AnalysisCellCollection",
                        None,
                        "application/geo+json",
                    ),
                    "400": _bad_filters(),
                    "403": _forbidden(),
                },
            },
        ),
        "analysis_hotspots": (
            "get",
            {
                "summary": _("Hotspots that are more than chance, for analysts"),
                "description": _(
                    "Getis-Ord Gi* z-scores over the cell counts, with binary weights over "
                    "every cell within distance steps (itself included), and the "
                    "Benjamini-Hochberg correction at the false discovery rate fdr. hotspot "
                    "and coldspot are true only for cells that pass the correction."
                ),
                "tags": ["analysis"],
                "security": [{"session": []}],
                "parameters": [*_analysis_parameters(), _parameter("distance"), _parameter("fdr")],
                "responses": {
                    "200": _response(
                        _("Every cell of the study area, scored."),
                        "HotspotCollection",
                        None,
                        "application/geo+json",
                    ),
                    "400": _bad_filters(),
                    "403": _forbidden(),
                },
            },
        ),
        "analysis_trend": (
            "get",
            {
                "summary": _("Reports over time, for analysts"),
                "description": _("Reports per week (starting Monday) or month under the filters."),
                "tags": ["analysis"],
                "security": [{"session": []}],
                "parameters": [*_analysis_parameters(), _parameter("by")],
                "responses": {
                    "200": _response(
                        _("One entry per period with reports."),
                        "Trend",
                        {
                            "by": "month",
                            "filters": {
                                "resolution": 8,
                                "reason": None,
                                "band": "evening",
                                "weekday": None,
                                "since": "2024-01-01",
                                "until": None,
                            },
                            "periods": [
                                {"start": "2024-10-01", "count": 14},
                                {"start": "2024-11-01", "count": 9},
                            ],
                        },
                    ),
                    "400": _bad_filters(),
                    "403": _forbidden(),
                },
            },
        ),
    }


def _polygon() -> dict[str, Any]:
    return {
        "type": "object",
        "description": _("A hexagon: one closed ring of [longitude, latitude] pairs."),
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"const": "Polygon"},
            "coordinates": {
                "type": "array",
                "minItems": 1,
                "maxItems": 1,
                "items": {
                    "type": "array",
                    "minItems": 4,
                    "items": {
                        "type": "array",
                        "prefixItems": [
                            {"type": "number", "minimum": -180, "maximum": 180},
                            {"type": "number", "minimum": -90, "maximum": 90},
                        ],
                        "minItems": 2,
                        "maxItems": 2,
                    },
                },
            },
        },
    }


def _collection(properties: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"const": "FeatureCollection"},
            "features": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["type", "geometry", "properties"],
                    "properties": {
                        "type": {"const": "Feature"},
                        "id": {"type": "string"},
                        "geometry": _ref("Polygon"),
                        "properties": _ref(properties),
                    },
                },
            },
            **(extra or {}),
        },
    }


MONTH = {"type": "string", "pattern": r"^\d{4}-\d{2}$", "description": _("YYYY-MM")}
DAY = {"type": "string", "format": "date"}


def _schemas() -> dict[str, Any]:
    reasons = [reason.code for reason in domain.REASONS]
    filters = {
        "type": "object",
        "properties": {
            "resolution": {"type": "integer"},
            "reason": {"type": ["string", "null"]},
            "band": {"type": ["string", "null"]},
            "weekday": {"type": ["integer", "null"]},
            "since": {"type": ["string", "null"], "format": "date"},
            "until": {"type": ["string", "null"], "format": "date"},
        },
    }
    return {
        "Error": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {
                "error": {"type": "string", "enum": list(ERROR_CODES)},
                "message": {"type": "string"},
                "errors": {
                    "type": "object",
                    "description": _("A message for each field that cannot be used."),
                    "additionalProperties": {"type": "string"},
                },
            },
        },
        "Polygon": _polygon(),
        "PublicAction": {
            "type": "object",
            "required": ["kind", "label", "description", "month"],
            "properties": {
                "kind": {"type": "string", "enum": [kind for kind, _label in _action_kinds()]},
                "label": {"type": "string"},
                "description": {"type": "string"},
                "month": MONTH,
            },
        },
        "PublicCell": {
            "type": "object",
            "required": ["cell", "resolution", "reports", "first_month", "last_month", "actions"],
            "properties": {
                "cell": {"type": "string", "description": _("The H3 cell id: the area reference.")},
                "resolution": {"type": "integer"},
                "reports": {"type": "integer", "minimum": settings.SAFETRAIL_STREETSAFE_K},
                "first_month": MONTH,
                "last_month": MONTH,
                "centre_latitude": {"type": "number", "description": _("Rounded to 3 decimals.")},
                "centre_longitude": {"type": "number", "description": _("Rounded to 3 decimals.")},
                "actions": {"type": "array", "items": _ref("PublicAction")},
            },
        },
        "PublicCellCollection": _collection(
            "PublicCell",
            {
                "title": {"type": "string"},
                "k": {"type": "integer"},
                "resolution": {"type": "integer"},
                "bbox": {"type": "array", "items": {"type": "number"}},
            },
        ),
        "ActionProperties": {
            "allOf": [
                _ref("PublicAction"),
                {
                    "type": "object",
                    "properties": {"cell": {"type": "string"}, "resolution": {"type": "integer"}},
                },
            ]
        },
        "ActionCollection": _collection("ActionProperties"),
        "Challenge": {
            "type": "object",
            "required": ["algorithm", "challenge", "salt", "signature", "maxnumber"],
            "properties": {
                "algorithm": {"const": "SHA-256"},
                "challenge": {"type": "string"},
                "salt": {"type": "string"},
                "signature": {"type": "string"},
                "maxnumber": {"type": "integer"},
            },
        },
        "ReportRequest": {
            "type": "object",
            "required": ["latitude", "longitude", "reasons", "when"],
            "additionalProperties": False,
            "properties": {
                "latitude": {
                    "type": "number",
                    "description": _("Inside the area the service covers."),
                },
                "longitude": {"type": "number"},
                "located_by": {
                    "type": "string",
                    "enum": [code for code, _label in domain.LOCATED_BY],
                    "default": "coordinates",
                },
                "reasons": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "enum": reasons},
                },
                "when": {"type": "string", "enum": [code for code, _label in domain.WHEN_CHOICES]},
                "band": {
                    "type": "string",
                    "enum": [band.code for band in domain.BANDS],
                    "description": _("The time of day; needed unless when is now."),
                },
                "day": {
                    **DAY,
                    "description": _("Needed when when is another_day: within the last year."),
                },
                "safer": {
                    "type": "array",
                    "items": {"type": "string", "enum": [item.code for item in domain.SAFER]},
                },
                "note": {
                    "type": "string",
                    "maxLength": 500,
                    "description": _(
                        "Never published. Seen only by moderators, with phone numbers, emails "
                        "and number plates removed. Do not name anyone."
                    ),
                },
                "demographics": {
                    "type": "object",
                    "additionalProperties": False,
                    "description": _("Every answer optional."),
                    "properties": {
                        "age_band": {"enum": ["", *[code for code, _label in domain.AGE_BANDS]]},
                        "gender": {"enum": ["", *[code for code, _label in domain.GENDERS]]},
                        "ethnic_group": {
                            "enum": ["", *[code for code, _label in domain.ETHNIC_GROUPS]]
                        },
                        "disability": {"enum": ["", *[code for code, _label in domain.DISABILITY]]},
                    },
                },
                "same_as": {
                    "type": "string",
                    "format": "uuid",
                    "description": _(
                        "'Me too': the id of a nearby report offered by the reporting page. "
                        "Adds weight to that place without a new point."
                    ),
                },
                "proof": {
                    "type": "string",
                    "description": _("The solved challenge from the challenge endpoint, base64."),
                },
            },
        },
        "Received": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"const": "received"}},
        },
        "Filters": filters,
        "AnalysisCell": {
            "type": "object",
            "required": ["cell", "resolution", "count"],
            "properties": {
                "cell": {"type": "string"},
                "resolution": {"type": "integer"},
                "count": {"type": "integer"},
                "days": {"type": "integer"},
                "first": DAY,
                "last": DAY,
                "latitude": {"type": "number"},
                "longitude": {"type": "number"},
            },
        },
        "AnalysisCellCollection": _collection("AnalysisCell", {"filters": _ref("Filters")}),
        "HotspotCell": {
            "type": "object",
            "required": ["cell", "resolution", "count", "z", "p", "hotspot", "coldspot"],
            "properties": {
                "cell": {"type": "string"},
                "resolution": {"type": "integer"},
                "count": {"type": "integer"},
                "z": {"type": "number", "description": _("Gi* z-score.")},
                "p": {"type": "number", "description": _("Two-sided p-value before correction.")},
                "hotspot": {"type": "boolean"},
                "coldspot": {"type": "boolean"},
            },
        },
        "HotspotCollection": _collection(
            "HotspotCell",
            {
                "filters": _ref("Filters"),
                "distance": {"type": "integer"},
                "false_discovery_rate": {"type": "number"},
            },
        ),
        "Trend": {
            "type": "object",
            "required": ["by", "periods"],
            "properties": {
                "by": {"enum": ["week", "month"]},
                "filters": _ref("Filters"),
                "periods": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["start", "count"],
                        "properties": {"start": DAY, "count": {"type": "integer"}},
                    },
                },
            },
        },
    }


def _action_kinds() -> list[tuple[str, Any]]:
    from safetrail.streetsafe.models import AreaAction

    return list(AreaAction.Kind.choices)


def _parameters() -> dict[str, Any]:
    def query(name: str, schema: dict, description: str, example: Any = None) -> dict[str, Any]:
        parameter = {"name": name, "in": "query", "schema": schema, "description": description}
        if example is not None:
            parameter["example"] = example
        return parameter

    return {
        "bbox": {
            **query(
                "bbox",
                {"type": "string"},
                _("south,west,north,east in degrees; at most 1 degree each way."),
                "51.48,-0.20,51.54,-0.05",
            ),
            "required": True,
        },
        "resolution": query(
            "resolution",
            {"type": "integer", "enum": [7, 8, 9, 10], "default": 8},
            _("H3 resolution."),
        ),
        "reason": query(
            "reason",
            {"type": "string", "enum": [reason.code for reason in domain.REASONS]},
            _("Only reports giving this reason."),
        ),
        "band": query(
            "band",
            {"type": "string", "enum": [band.code for band in domain.BANDS]},
            _("Only this time of day."),
        ),
        "weekday": query(
            "weekday",
            {"type": "integer", "minimum": 1, "maximum": 7},
            _("Only this day of the week: 1 Monday to 7 Sunday."),
        ),
        "since": query("since", DAY, _("Only reports on or after this day."), "2024-01-01"),
        "until": query("until", DAY, _("Only reports on or before this day.")),
        "distance": query(
            "distance",
            {"type": "integer", "enum": [1, 2, 3], "default": 1},
            _("Neighbour ring: cells within this many steps count as neighbours."),
        ),
        "fdr": query(
            "fdr",
            {"type": "number", "exclusiveMinimum": 0, "maximum": 0.5, "default": 0.05},
            _("False discovery rate for the Benjamini-Hochberg correction."),
        ),
        "by": query(
            "by", {"type": "string", "enum": ["week", "month"], "default": "week"}, _("Period.")
        ),
    }


def route_path(name: str) -> str:
    return reverse(f"streetsafe_api:{name}")


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for name, (method, operation) in _operations().items():
        paths.setdefault(route_path(name), {})[method] = {"operationId": name, **operation}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Street Safe API",
            "version": VERSION,
            "summary": _("Where people reported feeling unsafe, and what was done about it."),
            "description": _(
                "Public endpoints give only areas with at least "
                "%(k)s reports from %(k)s different days, with dates as months. "
                "The map shows where people reported feeling unsafe, not where it is unsafe: "
                "how many reports an area has also depends on who reports. Errors are JSON "
                "objects with error, message and, for field problems, errors."
            )
            % {"k": settings.SAFETRAIL_STREETSAFE_K},
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "public map", "description": _("Anyone may use these.")},
            {"name": "reporting", "description": _("Anonymous reports.")},
            {"name": "analysis", "description": _("Signed-in analysts only.")},
            {"name": "about", "description": _("This document.")},
        ],
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "parameters": _parameters(),
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": settings.SESSION_COOKIE_NAME,
                    "description": _(
                        "The session of an analyst signed in to the web site (with its "
                        "account key cookie)."
                    ),
                }
            },
        },
    }
