"""Diary pages. Thin: forms turn input into dicts, services seal and open them."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from safetrail import pagination
from safetrail.accounts.decorators import signed_in
from safetrail.diary import chart, content, domain, forms, overview, services
from safetrail.safety.http import posted


def case_for(request: HttpRequest, case_id) -> services.OpenCase:
    """The signed-in person's case, opened for this request (404 for anyone else's)."""
    return services.case_open(user=request.user, account_key=request.account_key, case_id=case_id)


def _labels() -> dict:
    return {
        "behaviour_labels": {b.key: b.label for b in domain.BEHAVIOURS},
        "letter_labels": domain.SECTION_2A3_LETTERS,
        "part_labels": dict(domain.PARTS_OF_DAY),
        "relationship_labels": dict(domain.RELATIONSHIPS),
        "change_labels": dict(domain.DAILY_LIFE_CHANGES),
        "field_labels": domain.INCIDENT_FIELD_LABELS,
    }


@signed_in
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    cases = services.cases_for(user=request.user, account_key=request.account_key)
    if len(cases) == 1:
        return redirect("diary:case", case_id=cases[0].id)
    return render(request, "diary/home.html", {"cases": cases})


@signed_in
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    form = forms.CaseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        open_case = services.case_create(
            owner=request.user,
            account_key=request.account_key,
            name=form.cleaned_data["name"] or _("My diary"),
        )
        return redirect("diary:case", case_id=open_case.id)
    return render(request, "diary/case_new.html", {"form": form})


def _filters(request: HttpRequest) -> tuple[overview.Filters, dict]:
    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    def yes_no(name: str) -> bool | None:
        return {"yes": True, "no": False}.get(request.GET.get(name, ""))

    behaviour = request.GET.get("behaviour", "")
    filters = overview.Filters(
        behaviour=behaviour if behaviour in domain.BEHAVIOURS_BY_KEY else "",
        start=day("from"),
        end=day("to"),
        reported=yes_no("reported"),
        feared_violence=yes_no("feared_violence"),
    )
    return filters, {
        key: request.GET.get(key, "")
        for key in ("behaviour", "from", "to", "reported", "feared_violence")
    }


def _page_links(path: str, chosen: dict[str, str], page: overview.Page) -> pagination.PageLinks:
    """The table's page links, each keeping the filters chosen."""
    kept = {key: value for key, value in chosen.items() if value}

    def href(number: int) -> str:
        query = urlencode({**kept, "page": number} if number > 1 else kept)
        return f"{path}?{query}#incidents" if query else f"{path}#incidents"

    return pagination.links(
        page.number, page.count, href, overview.page_links(page.number, page.count)
    )


@signed_in
@require_safe
def case(request: HttpRequest, case_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    filters, chosen = _filters(request)
    shown = services.case_overview(open_case, filters, page=request.GET.get("page", 1))
    summary = shown.overview
    today = timezone.localdate()
    # Warnings look at the whole diary, whatever the filters show: from the
    # case index, as the counts are, so no incident is opened for them.
    from safetrail.risk import services as risk

    warnings = risk.case_warnings(open_case, today, indexed=shown.incidents)
    weekly_chart = chart.weekly_chart(
        list(summary.weekly),
        title=_("Incidents each week"),
        description=_("A bar for each week from the first incident to the latest."),
    )
    return render(
        request,
        "diary/case.html",
        {
            "case": open_case,
            "overview": summary,
            "first_when": shown.first_when,
            "latest_when": shown.latest_when,
            "rows": shown.rows,
            "page": shown.page,
            "pagination": _page_links(request.path, chosen, shown.page),
            "chart_svg": weekly_chart,
            "strip": overview.calendar_strip(summary.incidents, end=today, days=28),
            "filters": chosen,
            "filters_active": filters.active,
            "behaviours": domain.BEHAVIOURS,
            "unsafe_moments": [
                m for m in services.unsafe_moments(open_case) if not m["incident_id"]
            ][:5],
            "since": today - timedelta(days=27),
            "warnings": warnings,
            "suggest_screening": risk.should_screen(open_case, shown.total, warnings),
            **_labels(),
        },
    )


@signed_in
@require_http_methods(["GET", "POST"])
def quick_log(request: HttpRequest, case_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    form = forms.QuickLogForm(posted(request), initial={"when": "now"})
    if request.method == "POST" and form.is_valid():
        incident = services.incident_create(open_case=open_case, data=form.to_content())
        messages.success(request, _("Saved. You can add more detail whenever you are ready."))
        return redirect("diary:incident", case_id=open_case.id, incident_id=incident.id)
    return render(request, "diary/quick_log.html", {"case": open_case, "form": form})


def _uuid_or_404(value: str | None) -> uuid.UUID | None:
    """An id from the query string or a form: None when absent, 404 when it is not an id.

    The value itself is not echoed anywhere (not in the page, not in the log).
    """
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise Http404 from None


@signed_in
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest, case_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    moment_id = _uuid_or_404(request.GET.get("from_unsafe") or request.POST.get("from_unsafe"))
    moment = (
        services.unsafe_moment_get(open_case=open_case, moment_id=moment_id) if moment_id else None
    )
    initial = {}
    if moment:
        at = content.when_sort_key({"kind": "exact", "at": moment["at"]}, timezone.now())
        initial = {
            "when_kind": "exact",
            "date": at.date(),
            "time": at.time(),
            "where": moment.get("place", ""),
        }
    form = forms.IncidentForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        if moment:
            incident = services.unsafe_moment_to_incident(
                open_case=open_case, moment_id=moment["id"], data=form.to_content()
            )
        else:
            incident = services.incident_create(open_case=open_case, data=form.to_content())
        messages.success(request, _("The incident is saved in your diary."))
        return redirect("diary:incident", case_id=open_case.id, incident_id=incident.id)
    return render(
        request,
        "diary/incident_form.html",
        {"case": open_case, "form": form, "amending": False, "moment": moment},
    )


@signed_in
@require_safe
def incident(request: HttpRequest, case_id, incident_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    view = services.incident_get(open_case=open_case, incident_id=incident_id)
    return render(request, "diary/incident.html", {"case": open_case, "view": view, **_labels()})


@signed_in
@require_http_methods(["GET", "POST"])
def incident_amend(request: HttpRequest, case_id, incident_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    view = services.incident_get(open_case=open_case, incident_id=incident_id)
    form = forms.AmendForm(posted(request), initial=forms.IncidentForm.initial_from(view.current))
    if request.method == "POST" and form.is_valid():
        proposed = form.to_content()
        proposed.pop("quick")
        changes = content.changed_fields(view.current, proposed)
        if changes and view.current.get("quick"):
            changes["quick"] = False  # the details are in: no longer just a quick log
        amendment = services.incident_amend(
            open_case=open_case,
            incident_id=view.id,
            reason=form.cleaned_data["reason"],
            changes=changes,
        )
        if amendment is None:
            messages.success(request, _("Nothing was changed, so nothing was added."))
        else:
            messages.success(request, _("Your amendment is added. The original is kept."))
        return redirect("diary:incident", case_id=open_case.id, incident_id=view.id)
    return render(
        request,
        "diary/incident_form.html",
        {"case": open_case, "form": form, "amending": True, "view": view},
    )


@signed_in
@require_http_methods(["GET", "POST"])
def suspect(request: HttpRequest, case_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    profile, recorded_at = services.suspect_current(open_case)
    # Photos come from the evidence locker, where they are kept and logged.
    from safetrail.evidence import services as evidence

    photos = [
        (str(item.id), item.details.get("name") or _("Photo"))
        for item in evidence.items(open_case)
        if item.family == "image"
    ]
    form = forms.SuspectForm(
        posted(request), initial=forms.SuspectForm.initial_from(profile), photo_choices=photos
    )
    if request.method == "POST" and form.is_valid():
        services.suspect_save(open_case=open_case, data=form.to_content())
        messages.success(request, _("Saved. Earlier versions are kept."))
        return redirect("diary:suspect", case_id=open_case.id)
    return render(
        request,
        "diary/suspect.html",
        {
            "case": open_case,
            "form": form,
            "profile": profile,
            "recorded_at": recorded_at,
            # A photo deleted from the evidence since is not shown (nor linked).
            "photo_shown": profile.get("photo_item") in {value for value, _ in photos},
            **_labels(),
        },
    )


@signed_in
@require_http_methods(["GET", "POST"])
def daily_life(request: HttpRequest, case_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    form = forms.DailyLifeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.daily_life_add(open_case=open_case, data=form.to_content())
        messages.success(request, _("Saved."))
        return redirect("diary:daily_life", case_id=open_case.id)
    return render(
        request,
        "diary/daily_life.html",
        {
            "case": open_case,
            "form": form,
            "changes": services.daily_life_all(open_case),
            **_labels(),
        },
    )


@signed_in
@require_http_methods(["GET", "POST"])
def unsafe(request: HttpRequest, case_id) -> HttpResponse:
    open_case = case_for(request, case_id)
    form = forms.UnsafeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.unsafe_moment_add(open_case=open_case, place=form.cleaned_data["place"])
        messages.success(
            request,
            _("Noted. Trust your instinct. If you are in danger, call 999."),
        )
        return redirect("diary:unsafe", case_id=open_case.id)
    return render(
        request,
        "diary/unsafe.html",
        {"case": open_case, "form": form, "moments": services.unsafe_moments(open_case)},
    )
