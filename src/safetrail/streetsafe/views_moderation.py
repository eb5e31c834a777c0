"""Moderators' pages: the queue of notes to read, every recent report, one report with its
history, and the log.

Notes were redacted as they arrived, so a moderator only ever sees the
redacted text. Every action goes through ``services.moderate``, which logs it
and keeps the map's counts in step in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from safetrail import pagination
from safetrail.streetsafe import services
from safetrail.streetsafe.decorators import moderator_required
from safetrail.streetsafe.forms_staff import ModerationForm, ReportListForm
from safetrail.streetsafe.models import ModerationAction, Report

PAGE_SIZE = 20
LOG_PAGE_SIZE = 50
REPORTS_PAGE_SIZE = 50

DONE = {
    ModerationAction.Kind.REVIEWED: _("The report is marked as reviewed."),
    ModerationAction.Kind.HIDDEN: _("The report is hidden. It no longer counts on any map."),
    ModerationAction.Kind.SHOWN: _("The report is shown again. It counts on the maps again."),
    ModerationAction.Kind.NOTE_REMOVED: _("The note is removed. The rest of the report stays."),
}


@moderator_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(services.moderation_queue(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "streetsafe/moderation.html",
        {"page": page, "pagination": pagination.for_page(page)},
    )


@moderator_required
@require_safe
def reports(request: HttpRequest) -> HttpResponse:
    """Every report, with a note or not, newest first, so a run of note-less reports that
    makes a place look dangerous can be found and hidden."""
    form = ReportListForm(request.GET)
    if not form.is_valid():
        return render(request, "streetsafe/moderation_reports.html", {"form": form}, status=400)
    page = Paginator(services.moderation_reports(form.filters()), REPORTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "streetsafe/moderation_reports.html",
        {
            "form": form,
            "page": page,
            "pagination": pagination.for_page(page, lambda number: "?" + form.query(page=number)),
            "filtered": bool(form.query()),
        },
    )


@moderator_required
@require_safe
def log(request: HttpRequest) -> HttpResponse:
    page = Paginator(services.moderation_log(), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "streetsafe/moderation_log.html",
        {"page": page, "pagination": pagination.for_page(page)},
    )


@moderator_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, report_id) -> HttpResponse:
    found = get_object_or_404(Report, id=report_id)
    # Field ids carry the report's id, as on the queue page, where many forms share a page.
    auto_id = f"%s-{found.id}"
    if request.method == "POST":
        form = ModerationForm(request.POST, auto_id=auto_id)
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            services.moderate(
                report_id=found.id,
                moderator=request.user,
                kind=kind,
                reason=form.cleaned_data["reason"].strip(),
            )
            messages.success(request, str(DONE[kind]))
            if form.cleaned_data.get("back") == "queue":
                return redirect("streetsafe:moderation")
            return redirect("streetsafe:moderate_report", report_id=found.id)
        status = 400
    else:
        form = ModerationForm(auto_id=auto_id)
        status = 200
    return render(
        request,
        "streetsafe/moderation_report.html",
        {
            "report": found,
            # The area at the public resolution, as the list of recent reports shows it.
            "area": found.cell(settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION),
            "form": form,
            "history": found.moderation.select_related("moderator").order_by("-at", "-id"),
        },
        status=status,
    )
