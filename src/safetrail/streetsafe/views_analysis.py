"""Analysts' pages: the dashboard, hotspots, the action log, police data and exports.

Everything here counts "where people reported feeling unsafe": the number of
reports reflects who reports, not how unsafe a place is, and every page says
so. Filters are read from the address (GET) so a view can be bookmarked,
shared with a colleague and exported with exactly the same filters.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from safetrail import pagination
from safetrail.streetsafe import chart, exports, services
from safetrail.streetsafe import police_data as police
from safetrail.streetsafe.decorators import analyst_required
from safetrail.streetsafe.forms_staff import (
    ActionForm,
    ActionVisibilityForm,
    DashboardForm,
    FilterForm,
    HotspotForm,
    PoliceUploadForm,
)
from safetrail.streetsafe.models import AreaAction, PoliceCrimeImport

# The dashboard lists this many cells; the exports have them all.
TABLE_LIMIT = 100
ACTIONS_PAGE_SIZE = 50
IMPORTS_SHOWN = 50
# Room for the form's other fields around the file in a multipart body.
FORM_OVERHEAD = 64 * 1024


def _filter_page(
    request: HttpRequest, template: str, form: FilterForm, context: dict[str, Any]
) -> HttpResponse | None:
    """The page with the form's errors (400), or None when the filters are good."""
    if form.is_valid():
        return None
    return render(request, template, {"form": form, **context}, status=400)


def _with_police_counts(
    rows: list[dict[str, Any]], filters: services.Filters, *, every_cell: bool = False
) -> list[dict[str, Any]]:
    """Each row with the police-recorded crimes in its cell. An export takes every cell's
    count at once rather than a list of thousands of cells in one query."""
    crimes = police.counts_by_cell(
        resolution=filters.resolution,
        since=filters.since,
        until=filters.until,
        only=None if every_cell else [row["cell"] for row in rows],
    )
    return [{**row, "police_crimes": crimes.get(row["cell"], 0)} for row in rows]


# --- the dashboard -----------------------------------------------------------------------------


@analyst_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    form = DashboardForm(request.GET)
    coverage = police.coverage()
    refused = _filter_page(request, "streetsafe/analysis.html", form, {"coverage": coverage})
    if refused:
        return refused
    filters = form.filters()
    by = form.trend_by()
    table = services.cell_table(filters)
    shown = _with_police_counts(table[:TABLE_LIMIT], filters) if coverage["crimes"] else None
    series = chart.fill_gaps(services.trend(filters, by=by), by=by)
    total = sum(row["count"] for row in table)
    title = (
        _("Reports of feeling unsafe each month")
        if by == "month"
        else _("Reports of feeling unsafe each week")
    )
    svg = chart.trend_chart(
        series,
        by=by,
        title=title,
        description=_(
            "A bar chart. Each bar is one %(period)s. The same numbers are in the table below it."
        )
        % {"period": _("month") if by == "month" else _("week")},
    )
    return render(
        request,
        "streetsafe/analysis.html",
        {
            "form": form,
            "filters": filters,
            "rows": shown if shown is not None else table[:TABLE_LIMIT],
            "police_column": shown is not None,
            "cells_total": len(table),
            "cells_shown": min(len(table), TABLE_LIMIT),
            "total": total,
            "series": series,
            "by": by,
            "trend_svg": svg,
            "trend_title": title,
            "query": form.query(),
            "coverage": coverage,
            "retention_days": settings.SAFETRAIL_STREETSAFE_RETENTION_DAYS,
        },
    )


# --- hotspots ----------------------------------------------------------------------------------


@analyst_required
@require_safe
def hotspots_page(request: HttpRequest) -> HttpResponse:
    form = HotspotForm(request.GET)
    refused = _filter_page(request, "streetsafe/analysis_hotspots.html", form, {})
    if refused:
        return refused
    filters = form.filters()
    distance, rate = form.distance_value(), form.rate_value()
    scores = services.hotspot_scores(filters, distance=distance, false_discovery_rate=rate)
    hot = sorted((score for score in scores if score.hotspot), key=lambda s: (-s.z, s.cell))
    cold = sum(1 for score in scores if score.coldspot)
    return render(
        request,
        "streetsafe/analysis_hotspots.html",
        {
            "form": form,
            "filters": filters,
            "hotspots": hot,
            "tested": len(scores),
            "coldspots": cold,
            "distance": distance,
            "rate_percent": f"{rate * 100:g}",
            "query": form.query(distance=distance, rate=f"{rate:g}"),
            "dashboard_query": form.query(),
        },
    )


# --- what was done about an area ---------------------------------------------------------------


@analyst_required
@require_http_methods(["GET", "POST"])
def actions(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ActionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            action = services.action_record(
                cell=data["cell"],
                kind=data["kind"],
                description=data["description"],
                taken_on=data["taken_on"],
                public=data["public"] == "yes",
                recorded_by=request.user,
            )
            messages.success(request, _("The action is recorded."))
            return redirect("streetsafe:action_detail", action_id=action.id)
        status = 400
    else:
        cell = request.GET.get("cell", "").strip()[:15]
        form = ActionForm(initial={"cell": cell} if cell else None)
        status = 200
    resolution = settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION
    page = Paginator(AreaAction.objects.select_related("recorded_by"), ACTIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "streetsafe/actions.html",
        {
            "form": form,
            "page": page,
            "pagination": pagination.for_page(page),
            "top_cells": services.top_cells(resolution),
            "resolution": resolution,
        },
        status=status,
    )


@analyst_required
@require_http_methods(["GET", "POST"])
def action_detail(request: HttpRequest, action_id) -> HttpResponse:
    try:
        action = AreaAction.objects.select_related("recorded_by").get(id=action_id)
    except AreaAction.DoesNotExist:
        raise Http404 from None
    if request.method == "POST":
        form = ActionVisibilityForm(request.POST)
        if form.is_valid():
            public = form.cleaned_data["public"] == "yes"
            services.action_set_public(action_id=action.id, public=public, by=request.user)
            messages.success(
                request,
                _("It is shown on the public map.")
                if public
                else _("It is no longer shown on the public map."),
            )
            return redirect("streetsafe:action_detail", action_id=action.id)
        return render(request, "streetsafe/actions_detail.html", {"action": action}, status=400)
    resolution = settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION
    return render(
        request,
        "streetsafe/actions_detail.html",
        {
            "action": action,
            "public_cell": services.public_cell_of(action.cell, resolution),
        },
    )


# --- police data -------------------------------------------------------------------------------


class _SizeLimit(FileUploadHandler):
    """Goes first among the upload handlers: stops a file one chunk past the limit, so a
    huge upload is never written out whole. ``too_big`` says it happened."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.too_big = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_big = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _police_page(request: HttpRequest, form: PoliceUploadForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "streetsafe/police_data.html",
        {
            "form": form,
            "imports": PoliceCrimeImport.objects.select_related("imported_by").order_by(
                "-imported_at"
            )[:IMPORTS_SHOWN],
            "coverage": police.coverage(),
            "limit": police.human_size(police.max_bytes()),
        },
        status=status,
    )


def _refused_form(refusal: police.ImportRefused) -> PoliceUploadForm:
    """A bound form whose only error is the refusal, on the file field."""
    form = PoliceUploadForm(data={}, files={})
    form.is_valid()
    form.errors.clear()
    form.add_error("file", refusal.message)
    return form


@csrf_exempt
@analyst_required
@require_http_methods(["GET", "POST"])
def police_data(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _police_page(request, PoliceUploadForm())
    limit = police.max_bytes()
    # A body far over the limit is refused before a byte of it is read.
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit + FORM_OVERHEAD:
        return _police_page(request, _refused_form(police.refuse_size(limit)), status=400)
    # The limit must be in place before anything reads the body; the CSRF
    # check reads it, so it runs after, through csrf_protect.
    handler = _SizeLimit(request, limit)
    request.upload_handlers = [handler, *request.upload_handlers]
    return _police_upload(request, handler)


@csrf_protect
def _police_upload(request: HttpRequest, handler: _SizeLimit) -> HttpResponse:
    form = PoliceUploadForm(request.POST, request.FILES)
    if handler.too_big:
        return _police_page(request, _refused_form(police.refuse_size(limit=handler.limit)), 400)
    if not form.is_valid():
        return _police_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        with upload.open("rb") as stream:
            outcome = police.import_file(
                stream, file_name=upload.name or "upload.csv", imported_by=request.user
            )
    except police.ImportRefused as refusal:
        form.add_error("file", refusal.message)
        return _police_page(request, form, status=400)
    record = outcome.record
    messages.success(
        request,
        _("%(name)s is added: %(rows)s crimes, %(skipped)s rows skipped (no place or no month).")
        % {"name": record.file_name, "rows": record.rows, "skipped": record.skipped},
    )
    return redirect("streetsafe:police_data")


# --- exports -----------------------------------------------------------------------------------


def _export_filters(request: HttpRequest) -> services.Filters | HttpResponse:
    form = FilterForm(request.GET)
    if not form.is_valid():
        return render(request, "streetsafe/analysis_export_error.html", {"form": form}, status=400)
    return form.filters()


def _export_name(filters: services.Filters, kind: str, extension: str) -> str:
    parts = [f"street-safe-{kind}"]
    if kind == "cells":
        parts.append(f"resolution-{filters.resolution}")
    if filters.since:
        parts.append(f"from-{filters.since.isoformat()}")
    if filters.until:
        parts.append(f"to-{filters.until.isoformat()}")
    return "-".join(parts) + f".{extension}"


def _export(request: HttpRequest, kind: str, extension: str, write) -> HttpResponse:
    """One of the four downloads: the dashboard's filters, then cells or points."""
    filters = _export_filters(request)
    if isinstance(filters, HttpResponse):
        return filters
    if kind == "cells":
        rows = _with_police_counts(services.cell_table(filters), filters, every_cell=True)
    else:
        rows = services.points_for_analysts(filters)
    return write(rows, filename=_export_name(filters, kind, extension))


@analyst_required
@require_safe
def cells_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "cells", "csv", exports.cells_csv)


@analyst_required
@require_safe
def cells_geojson(request: HttpRequest) -> HttpResponse:
    return _export(request, "cells", "geojson", exports.cells_geojson)


@analyst_required
@require_safe
def points_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "points", "csv", exports.points_csv)


@analyst_required
@require_safe
def points_geojson(request: HttpRequest) -> HttpResponse:
    return _export(request, "points", "geojson", exports.points_geojson)
