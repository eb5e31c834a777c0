"""Street Safe's JSON API, version 1 (described by ``openapi.py``, served as openapi.json).

Public endpoints give only what the public map shows: cells that pass the
k-threshold, months rather than days, and public actions. Reports are sent
anonymously. The analysis endpoints need a signed-in analyst.

Every error is JSON: ``{"error": code, "message": text, "errors": {field: text}}``.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from safetrail.safety.network import client_address
from safetrail.streetsafe import (
    area,
    cells,
    decorators,
    domain,
    exports,
    limits,
    proof_of_work,
    services,
)
from safetrail.streetsafe import openapi as openapi_document
from safetrail.streetsafe.cells import Point

GEOJSON = "application/geo+json"
MAX_BODY_BYTES = 16 * 1024
# The largest box the cells endpoint answers for, in degrees each way: about
# a city. Bigger views would be slow to draw and easy to scrape in one go;
# the whole set is a download of its own (cells.geojson).
MAX_BBOX_DEGREES = 1.0
# How far back a report may say it happened.
MAX_DAYS_BACK = 365
DEMOGRAPHIC_CHOICES: dict[str, tuple[tuple[str, Any], ...]] = {
    "age_band": domain.AGE_BANDS,
    "gender": domain.GENDERS,
    "ethnic_group": domain.ETHNIC_GROUPS,
    "disability": domain.DISABILITY,
}
REPORT_FIELDS = frozenset(
    {
        "latitude",
        "longitude",
        "located_by",
        "reasons",
        "when",
        "band",
        "day",
        "safer",
        "note",
        "demographics",
        "same_as",
        "proof",
    }
)
HOTSPOT_DISTANCES = (1, 2, 3)


class BadInput(Exception):
    """Input the API cannot use; ``errors`` says which field and why."""

    def __init__(self, errors: Mapping[str, str], message: str = "") -> None:
        super().__init__(message)
        self.errors = dict(errors)
        self.message = message


# --- responses ---------------------------------------------------------------------------------


def _json(data: Any, *, status: int = 200, content_type: str = "application/json") -> HttpResponse:
    response = JsonResponse(
        data, status=status, content_type=content_type, json_dumps_params={"ensure_ascii": False}
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True, private=True)
    return response


def error(
    status: int, code: str, message: str, errors: Mapping[str, str] | None = None
) -> HttpResponse:
    body: dict[str, Any] = {"error": code, "message": message}
    if errors:
        body["errors"] = dict(errors)
    return _no_store(_json(body, status=status))


def _bad_input(problem: BadInput) -> HttpResponse:
    return error(
        400,
        "bad_request",
        problem.message or _("Some of what was sent cannot be used. See errors."),
        problem.errors,
    )


def _methods(*allowed: str) -> Callable:
    """Only these methods; anything else gets a JSON 405 with Allow."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                response = error(
                    405, "method_not_allowed", _("This address does not take that method.")
                )
                response["Allow"] = ", ".join(allowed)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _analyst(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """decorators.analyst_required, answered in JSON.

    The decorator sends anonymous visitors to the sign-in page and refuses
    everyone else without the role. A program calling the API cannot follow a
    sign-in page, so both become a JSON 403; who gets in is still decided by
    the same decorator the analyst pages use.
    """
    guarded = decorators.analyst_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = error(403, "forbidden", _("Only signed-in analysts can use this."))
        if not request.user.is_authenticated:
            return refusal
        try:
            response = guarded(request, *args, **kwargs)
        except PermissionDenied:
            return refusal
        if response.status_code in (301, 302):
            return refusal
        return _no_store(response)

    return wrapper


# --- reading input -----------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer with hundreds of digits
            return None
    elif isinstance(value, str):
        # float() also reads "51.5_1" (as 51.51) and other scripts' digits: not
        # numbers as this API documents them.
        if "_" in value or not value.isascii():
            return None
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _json_number(value: Any) -> float | None:
    """A number in a JSON body: a JSON number, as the OpenAPI description says, not "51.5"."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return _number(value)


def parse_bbox(raw: str | None) -> services.Viewport:
    """``south,west,north,east`` in degrees, no bigger than MAX_BBOX_DEGREES each way."""
    if not raw:
        raise BadInput({"bbox": _("Give bbox as south,west,north,east in degrees.")})
    parts = raw.split(",")
    numbers = [_number(part) for part in parts]
    if len(parts) != 4 or any(number is None for number in numbers):
        raise BadInput({"bbox": _("bbox must be four numbers: south,west,north,east.")})
    south, west, north, east = (float(number) for number in numbers if number is not None)
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        raise BadInput(
            {
                "bbox": _(
                    "bbox must have south below north and west before east, "
                    "within -90 to 90 and -180 to 180."
                )
            }
        )
    if north - south > MAX_BBOX_DEGREES or east - west > MAX_BBOX_DEGREES:
        raise BadInput(
            {
                "bbox": _("bbox can be at most %(degrees)s degrees each way. Zoom in.")
                % {"degrees": MAX_BBOX_DEGREES}
            }
        )
    return services.Viewport(south=south, west=west, north=north, east=east)


def _iso_date(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise BadInput({field: _("Give a date as YYYY-MM-DD.")}) from None


def parse_filters(query: Mapping[str, str]) -> services.Filters:
    """The analysis filters from a query string; every field optional."""
    errors: dict[str, str] = {}
    resolution = 8
    if query.get("resolution"):
        try:
            resolution = int(query["resolution"])
        except ValueError:
            resolution = -1
        if resolution not in services.ANALYST_RESOLUTIONS:
            errors["resolution"] = _("resolution must be one of %(choices)s.") % {
                "choices": ", ".join(str(number) for number in services.ANALYST_RESOLUTIONS)
            }
    reason = query.get("reason", "")
    if reason and reason not in domain.REASON_BY_CODE:
        errors["reason"] = _("Unknown reason. See the list in openapi.json.")
    band = query.get("band", "")
    if band and band not in domain.BAND_BY_CODE:
        errors["band"] = _("band must be night, morning, afternoon or evening.")
    weekday = None
    if query.get("weekday"):
        try:
            weekday = int(query["weekday"])
        except ValueError:
            weekday = 0
        if not 1 <= weekday <= 7:
            errors["weekday"] = _("weekday must be 1 (Monday) to 7 (Sunday).")
    since = until = None
    for name in ("since", "until"):
        if query.get(name):
            try:
                value = _iso_date(query[name], name)
            except BadInput as problem:
                errors.update(problem.errors)
                continue
            if name == "since":
                since = value
            else:
                until = value
    if since and until and since > until:
        errors["until"] = _("until must not be before since.")
    if errors:
        raise BadInput(errors)
    return services.Filters(
        resolution=resolution,
        reason=reason,
        band=band,
        weekday=weekday,
        since=since,
        until=until,
    )


def _filters_json(filters: services.Filters) -> dict[str, Any]:
    return {
        "resolution": filters.resolution,
        "reason": filters.reason or None,
        "band": filters.band or None,
        "weekday": filters.weekday,
        "since": filters.since.isoformat() if filters.since else None,
        "until": filters.until.isoformat() if filters.until else None,
    }


def _codes(value: Any, field: str, known: Mapping[str, Any], *, required: bool) -> list[str]:
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadInput({field: _("Give a list of codes.")})
    if required and not value:
        raise BadInput({field: _("Choose at least one reason.")})
    unknown = [item for item in value if item not in known]
    if unknown:
        raise BadInput({field: _("Unknown code: %(code)s.") % {"code": unknown[0]}})
    return list(dict.fromkeys(value))


def _draft(body: Mapping[str, Any]) -> tuple[services.Draft, uuid.UUID | None, str]:
    """A services.Draft from a JSON report, with every field problem at once."""
    errors: dict[str, str] = {}

    unknown = sorted(set(body) - REPORT_FIELDS)
    if unknown:
        errors[unknown[0]] = _("This field is not part of a report.")

    latitude = _json_number(body.get("latitude"))
    longitude = _json_number(body.get("longitude"))
    if latitude is None or not -90 <= latitude <= 90:
        errors["latitude"] = _("Give the latitude in degrees, -90 to 90.")
    if longitude is None or not -180 <= longitude <= 180:
        errors["longitude"] = _("Give the longitude in degrees, -180 to 180.")
    point = Point(latitude or 0.0, longitude or 0.0)
    located = "latitude" not in errors and "longitude" not in errors
    if located and not area.configured().contains(point):
        errors["latitude"] = _("This place is outside the area this service covers.")

    located_by = body.get("located_by") or "coordinates"
    if located_by not in dict(domain.LOCATED_BY):
        errors["located_by"] = _("located_by must be map, device, grid or coordinates.")

    def collect(field: str, parse: Callable[[], Any], default: Any) -> Any:
        try:
            return parse()
        except BadInput as problem:
            errors.update(problem.errors)
            return default

    reasons = collect(
        "reasons",
        lambda: _codes(body.get("reasons"), "reasons", domain.REASON_BY_CODE, required=True),
        [],
    )
    safer = collect(
        "safer",
        lambda: _codes(body.get("safer"), "safer", domain.SAFER_BY_CODE, required=False),
        [],
    )

    when = body.get("when")
    band = body.get("band") or ""
    day = None
    if when not in dict(domain.WHEN_CHOICES):
        errors["when"] = _("when must be now, earlier_today or another_day.")
    elif when != domain.WHEN_NOW and band not in domain.BAND_BY_CODE:
        errors["band"] = _("Say the time of day: night, morning, afternoon or evening.")
    if when == domain.WHEN_ANOTHER_DAY:
        raw_day = body.get("day")
        if not isinstance(raw_day, str):
            errors["day"] = _("Give the day as YYYY-MM-DD.")
        else:
            day = collect("day", lambda: _iso_date(raw_day, "day"), None)
            today = services.today()
            if day and day > today:
                errors["day"] = _("The day cannot be in the future.")
            elif day and day < today - timedelta(days=MAX_DAYS_BACK):
                errors["day"] = _("The day must be within the last year.")
    if "band" not in errors and services.band_still_to_come(when, day, band):
        errors["band"] = _("That time of day has not come yet today. Check it.")
    if when == domain.WHEN_NOW:
        band = ""

    note = body.get("note") or ""
    if not isinstance(note, str):
        errors["note"] = _("The note must be text.")
        note = ""
    elif len(note) > services.NOTE_MAX_LENGTH:
        errors["note"] = _("The note must be %(count)s characters or fewer.") % {
            "count": services.NOTE_MAX_LENGTH
        }

    demographics = body.get("demographics") or {}
    about: dict[str, str] = {}
    if not isinstance(demographics, dict):
        errors["demographics"] = _("demographics must be an object.")
    else:
        for key, value in demographics.items():
            choices = DEMOGRAPHIC_CHOICES.get(key)
            if choices is None:
                errors[f"demographics.{key}"] = _("This question is not asked.")
            elif value in (None, ""):
                continue
            elif value not in dict(choices):
                errors[f"demographics.{key}"] = _("Unknown answer.")
            else:
                about[key] = value

    same_as = None
    if body.get("same_as") not in (None, ""):
        try:
            same_as = uuid.UUID(str(body["same_as"]))
        except ValueError:
            errors["same_as"] = _("same_as must be the id of a nearby report.")

    proof = body.get("proof") or ""
    if not isinstance(proof, str):
        errors["proof"] = _("proof must be the solved challenge, as text.")
        proof = ""

    if errors:
        raise BadInput(errors)
    draft = services.Draft(
        point=point,
        located_by=located_by,
        reasons=reasons,
        when=when,
        band=band,
        day=day,
        safer=safer,
        note=note,
        **about,
    )
    return draft, same_as, proof


def _seconds_to_next(unit: str) -> int:
    now = timezone.now()
    if unit == "hour":
        following = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    else:
        following = datetime.combine(
            now.date() + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo
        )
    return max(1, int((following - now).total_seconds()))


# --- public endpoints --------------------------------------------------------------------------


def _any_origin(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Lets a web page on another site read it (CORS), as open data should be.

    Only for the public, aggregated reads: no cookie is sent or read with
    them (``*`` never carries credentials), and they hold nothing a visit to
    the public map does not show. Sending reports and the analysts' API stay
    same-site only.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapper


@_any_origin
@_methods("GET", "HEAD")
def openapi(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return _json(openapi_document.document())


@_methods("GET", "HEAD")
def challenge(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    made = proof_of_work.new_challenge(limits.level_needed(client_address(request)))
    return _no_store(_json(json.loads(made.as_json())))


@_any_origin
@_methods("GET", "HEAD")
def public_cells(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    try:
        viewport = parse_bbox(request.GET.get("bbox"))
    except BadInput as problem:
        return _bad_input(problem)
    collection = exports.cells_feature_collection(services.public_cells(viewport))
    collection.update(
        {
            "title": _("Where people reported feeling unsafe"),
            "k": settings.SAFETRAIL_STREETSAFE_K,
            "resolution": settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION,
            "bbox": [viewport.west, viewport.south, viewport.east, viewport.north],
        }
    )
    return _json(collection, content_type=GEOJSON)


def action_features() -> dict[str, Any]:
    """Public actions as GeoJSON: each over the public cell it was taken in."""
    features = []
    for item in services.public_actions():
        action = item["action"]
        features.append(
            {
                "type": "Feature",
                "id": str(action.id),
                "geometry": exports.hexagon(item["cell"]),
                "properties": {
                    "cell": item["cell"],
                    "resolution": cells.resolution_of(item["cell"]),
                    **exports.public_action_record(action),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


@_any_origin
@_methods("GET", "HEAD")
def public_actions(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return _json(action_features(), content_type=GEOJSON)


# Anonymous and cookie-less on purpose, so it is exempt from CSRF checks: the
# CSRF token protects the authority a browser's cookies carry, and this
# endpoint gives a cookie none. But another site's page must not send
# reports through its visitors' browsers (each from a new address, so past
# the per-address limits): a body must be declared application/json, which a
# cross-site page can only send after a CORS preflight that this endpoint
# never grants, and a browser that says the request is cross-site is refused.
@csrf_exempt
@_methods("POST")
def reports(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    if request.headers.get("Sec-Fetch-Site", "") == "cross-site":
        return error(403, "cross_site", _("Reports cannot be sent from another website."))
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
        return error(
            413,
            "too_large",
            _("A report can be at most %(size)s bytes.") % {"size": MAX_BODY_BYTES},
        )
    if request.body and request.content_type != "application/json":
        return error(
            415, "unsupported_media_type", _("Send the report as JSON (application/json).")
        )
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):  # nesting deep enough to crash
        body = None
    if not isinstance(body, dict):
        return _bad_input(BadInput({"body": _("Send the report as a JSON object.")}))
    try:
        draft, same_as, proof = _draft(body)
    except BadInput as problem:
        return _bad_input(problem)
    if same_as is not None and str(same_as) not in services.nearby_ids(draft.point):
        # Only a report offered as nearby can be joined: this API must not tell
        # anyone whether some other id exists or was hidden.
        return _bad_input(BadInput({"same_as": _("That report is not near this place.")}))
    level = proof_of_work.NOT_SOLVED
    if proof:
        level = proof_of_work.solved_level(proof)
        if level == proof_of_work.NOT_SOLVED:
            return _bad_input(
                BadInput({"proof": _("The check did not work. Get a new challenge and try again.")})
            )
    try:
        services.report_create(
            draft,
            address=client_address(request),
            verified=level != proof_of_work.NOT_SOLVED,
            same_as=same_as,
            proof_level=max(level, 0),
        )
    except services.ReportRefused as refused:
        if refused.reason == "limit_harder":
            return _bad_input(
                BadInput(
                    {
                        "proof": _(
                            "Many reports came from this address today. Get a new challenge "
                            "(it is harder now), solve it and send the report again."
                        )
                    }
                )
            )
        if refused.reason.startswith("limit_"):
            response = error(
                429,
                "too_many_reports",
                _("Too many reports have been sent. Please try again later."),
            )
            unit = "hour" if refused.reason == "limit_site" else "day"
            response["Retry-After"] = str(_seconds_to_next(unit))
            return response
        field = {"same_as_gone": "same_as", "no_reasons": "reasons"}.get(refused.reason, "latitude")
        return _bad_input(BadInput({field: _("This report could not be stored as it is.")}))
    return _no_store(_json({"status": "received"}, status=201))


# --- analysts ----------------------------------------------------------------------------------


@_methods("GET", "HEAD")
@_analyst
def analysis_cells(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    try:
        filters = parse_filters(request.GET)
    except BadInput as problem:
        return _bad_input(problem)
    collection = exports.cells_feature_collection(services.cell_table(filters))
    collection["filters"] = _filters_json(filters)
    return _json(collection, content_type=GEOJSON)


@_methods("GET", "HEAD")
@_analyst
def analysis_hotspots(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    try:
        filters = parse_filters(request.GET)
        distance, rate = _hotspot_options(request.GET)
    except BadInput as problem:
        return _bad_input(problem)
    scores = services.hotspot_scores(filters, distance=distance, false_discovery_rate=rate)
    rows = [
        {
            "cell": score.cell,
            "count": score.count,
            "z": round(score.z, 6),
            "p": score.p,
            "hotspot": score.hotspot,
            "coldspot": score.coldspot,
        }
        for score in scores
    ]
    collection = exports.cells_feature_collection(rows)
    collection.update(filters=_filters_json(filters), distance=distance, false_discovery_rate=rate)
    return _json(collection, content_type=GEOJSON)


def _hotspot_options(query: Mapping[str, str]) -> tuple[int, float]:
    errors = {}
    distance = 1
    if query.get("distance"):
        try:
            distance = int(query["distance"])
        except ValueError:
            distance = 0
        if distance not in HOTSPOT_DISTANCES:
            errors["distance"] = _("distance must be 1, 2 or 3.")
    rate = 0.05
    if query.get("fdr"):
        rate = _number(query["fdr"]) or 0.0
        if not 0 < rate <= 0.5:
            errors["fdr"] = _("fdr must be a number above 0 and at most 0.5.")
    if errors:
        raise BadInput(errors)
    return distance, rate


@_methods("GET", "HEAD")
@_analyst
def analysis_trend(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    try:
        filters = parse_filters(request.GET)
    except BadInput as problem:
        return _bad_input(problem)
    by = request.GET.get("by") or "week"
    if by not in ("week", "month"):
        return _bad_input(BadInput({"by": _("by must be week or month.")}))
    periods = services.trend(filters, by=by)
    return _json(
        {
            "by": by,
            "filters": _filters_json(filters),
            "periods": [{"start": start.isoformat(), "count": count} for start, count in periods],
        }
    )
