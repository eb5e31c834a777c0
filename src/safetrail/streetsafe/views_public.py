"""The public map of where people reported feeling unsafe, its table, downloads and API page.

Everything here reads ``services.public_cells`` and ``services.public_actions``,
so only areas that pass the k-threshold appear, with dates as months. The
map's data come from the JSON API (api.py) as the map moves; the page itself
says the same in words, and the table carries it all without JavaScript.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from safetrail import pagination
from safetrail.streetsafe import api, area, exports, openapi, services
from safetrail.streetsafe.models import AreaAction

TABLE_PAGE_SIZE = 50
CENTRE_DECIMALS = 3
# Roughly how wide one public area is, by H3 resolution, for the explanation.
AREA_WIDTHS = {
    7: gettext_lazy("about 2.5 km across"),
    8: gettext_lazy("about 1 km across"),
}
# JSON inside a <script type="application/json"> must not be able to close it.
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@dataclass(frozen=True)
class LegendStep:
    number: int
    low: int
    high: int | None  # None: and more

    @property
    def label(self) -> str:
        if self.high is None:
            return _("%(low)s or more reports") % {"low": self.low}
        return _("%(low)s to %(high)s reports") % {"low": self.low, "high": self.high}


def legend(k: int | None = None) -> list[LegendStep]:
    """Four colour steps, from k (the fewest any area can have) upwards."""
    k = k or settings.SAFETRAIL_STREETSAFE_K
    edges = [k, 2 * k, 5 * k, 10 * k]
    return [
        LegendStep(number + 1, low, edges[number + 1] - 1 if number + 1 < len(edges) else None)
        for number, low in enumerate(edges)
    ]


def _k_context() -> dict[str, Any]:
    resolution = settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION
    return {
        "k": settings.SAFETRAIL_STREETSAFE_K,
        "area_width": AREA_WIDTHS.get(resolution, ""),
    }


def tile_origin(url: str) -> str:
    """The origin a tile URL template loads from, for the CSP (``{s}`` subdomains as ``*``)."""
    parts = urlsplit(url)
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}" if parts.scheme and host else ""


def _script_json(data: Any) -> SafeString:
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES))  # noqa: S308


@require_safe
def map_page(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    covered = area.configured()
    tiles = settings.SAFETRAIL_STREETSAFE_TILE_URL
    if tiles:
        origin = tile_origin(tiles)
        if origin:
            request.csp_img_src = (*request.csp_img_src, origin)  # type: ignore[attr-defined]
    steps = legend()
    config = {
        "cellsUrl": reverse("streetsafe_api:cells"),
        "actionsUrl": reverse("streetsafe_api:actions"),
        "tableUrl": reverse("streetsafe:table"),
        "area": [covered.south, covered.west, covered.north, covered.east],
        "maxBox": api.MAX_BBOX_DEGREES,
        "tiles": tiles,
        "attribution": settings.SAFETRAIL_STREETSAFE_TILE_ATTRIBUTION,
        "steps": [step.low for step in steps],
        "kinds": {code: str(label) for code, label in AreaAction.Kind.choices},
        "text": {
            "map": _("Map of where people reported feeling unsafe"),
            "area": _("Area %(cell)s"),
            "reports": _("Reports: %(count)s"),
            "first": _("First reported: %(month)s"),
            "last": _("Last reported: %(month)s"),
            "action": _("Action taken here"),
            "showing": _("The map shows %(count)s areas here."),
            "none": _("No areas to show here."),
            "zoomIn": _("Zoom in to see every area."),
            "zoomInButton": _("Zoom in"),
            "zoomOutButton": _("Zoom out"),
            "failed": _("The map could not load. The table has the same information."),
            "loading": _("Loading the map."),
        },
    }
    actions = services.public_actions()
    return render(
        request,
        "streetsafe/map.html",
        {
            **_k_context(),
            "legend": steps,
            "config": _script_json(config),
            "cell_count": services.public_cell_rows().count(),
            "actions": actions,
            "tiles": bool(tiles),
        },
    )


SORT_DESCENDING = {"reports": True, "first": False, "last": True, "area": False}


@dataclass(frozen=True)
class Column:
    key: str  # its ?sort= value, or "" when it does not sort
    label: str
    numeric: bool = False


@require_safe
def table(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    sort = request.GET.get("sort", "reports")
    if sort not in services.PUBLIC_ORDERS:
        sort = "reports"
    # Paged in the database: a national map can have many thousand areas.
    page = Paginator(services.public_cell_rows(sort), TABLE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    columns = [
        Column("area", _("Area reference")),
        Column("", _("Centre (latitude, longitude)")),
        Column("reports", _("Reports"), numeric=True),
        Column("first", _("First reported")),
        Column("last", _("Last reported")),
        Column("", _("Action taken")),
    ]
    return render(
        request,
        "streetsafe/table.html",
        {
            **_k_context(),
            "page": page,
            "rows": [
                {
                    "cell": row,
                    "latitude": round(row.latitude, CENTRE_DECIMALS),
                    "longitude": round(row.longitude, CENTRE_DECIMALS),
                }
                for row in services.public_cells_from(page.object_list)
            ],
            "pagination": pagination.elided(
                page, lambda number: "?" + urlencode({"sort": sort, "page": number})
            ),
            "columns": columns,
            "sort": sort,
            "descending": SORT_DESCENDING[sort],
        },
    )


@require_safe
def cells_csv(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return exports.cells_csv(services.public_cells(), filename="street-safe-areas.csv")


@require_safe
def cells_geojson(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return exports.cells_geojson(services.public_cells(), filename="street-safe-areas.geojson")


@require_safe
def api_docs(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    document = openapi.document()
    endpoints = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            success = next(
                (
                    (status, response)
                    for status, response in operation["responses"].items()
                    if status.startswith("2")
                ),
                ("200", {}),
            )
            example = None
            for media in success[1].get("content", {}).values():
                example = media.get("example")
            parameters = [
                _resolve(document, parameter) for parameter in operation.get("parameters", [])
            ]
            endpoints.append(
                {
                    "id": operation["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "summary": operation["summary"],
                    "description": operation.get("description", ""),
                    "analysts_only": bool(operation.get("security")),
                    "parameters": parameters,
                    "example_query": _example_query(parameters),
                    "request_example": _pretty(body.get("example")),
                    "status": success[0],
                    "response_example": _pretty(example),
                    "errors": [
                        (status, response["description"])
                        for status, response in operation["responses"].items()
                        if not status.startswith("2")
                    ],
                }
            )
    return render(
        request,
        "streetsafe/api_docs.html",
        {
            **_k_context(),
            "endpoints": endpoints,
            "openapi_url": reverse("streetsafe_api:openapi"),
            "csv_url": reverse("streetsafe:public_csv"),
            "geojson_url": reverse("streetsafe:public_geojson"),
        },
    )


def _resolve(document: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    reference = item.get("$ref")
    if not reference:
        return item
    found: Any = document
    for part in reference.removeprefix("#/").split("/"):
        found = found[part]
    return found


def _example_query(parameters: list[dict[str, Any]]) -> str:
    pairs = [
        f"{parameter['name']}={parameter['example']}"
        for parameter in parameters
        if "example" in parameter
    ]
    return "?" + "&".join(pairs) if pairs else ""


def _pretty(example: Any) -> str:
    return json.dumps(example, indent=2, ensure_ascii=False) if example is not None else ""
