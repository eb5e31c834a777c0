"""The public reporting flow: where, what and when, check, send. No account, no session.

The answers so far travel in one signed hidden field (draft.py), so nothing is
kept on the server or in a cookie until the report is sent: the CSRF cookie is
the only one these pages set. Each step's form posts its answers to the next
step's address, which checks them: right, and it shows its own page; wrong,
and it shows the step again with the errors and everything that was typed.
"Change" and "Back" post the state to a step's address with no answers, which
shows that step filled in.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from safetrail.safety.network import client_address
from safetrail.streetsafe import area, domain, draft, proof_of_work, services
from safetrail.streetsafe.draft import State, StateError
from safetrail.streetsafe.forms import CheckForm, DetailsForm, PlaceForm

PLACE = "place"
DETAILS = "details"
CHECK = "check"
STEP_FORMS = {PLACE: PlaceForm, DETAILS: DetailsForm}
TEMPLATES = {
    PLACE: "streetsafe/report_place.html",
    DETAILS: "streetsafe/report_details.html",
    CHECK: "streetsafe/report_check.html",
}
# A field no person sees or fills in (see report_check.html); scripts that
# fill in every box do. Named like something a script would want to fill.
HONEYPOT = "website"
# Set in the state once the check page has been shown: from then on every step
# goes back to it, as "Change" should.
REVIEWING = "reviewing"


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "streetsafe/home.html")


@require_http_methods(["GET", "POST"])
def place(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _show(request, PLACE, {})
    return _step(request, PLACE)


@require_http_methods(["GET", "POST"])
def details(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        # Answers only ever arrive by POST; a bookmarked or reloaded address starts again.
        return redirect("streetsafe:report_place")
    return _step(request, DETAILS)


@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return redirect("streetsafe:report_place")
    return _step(request, CHECK)


@require_POST
def send(request: HttpRequest) -> HttpResponse:
    if request.POST.get(HONEYPOT, ""):
        # A script filled in the hidden box: it is told all went well, and nothing is kept.
        return _see_other(reverse("streetsafe:report_done"))
    try:
        state = draft.load(request.POST.get(draft.FIELD_NAME, ""))
    except StateError as error:
        return _start_again(request, error.reason)
    missing = _first_missing(state, CHECK)
    if missing != CHECK:
        return _show(request, missing, state)
    nearby = services.nearby(draft.point(state))
    form = CheckForm(request.POST, nearby=nearby)
    if not form.is_valid():
        return _show(request, CHECK, state, form=form, nearby=nearby)
    verified = proof_of_work.verify(form.cleaned_data["proof"])
    try:
        services.report_create(
            draft.to_draft(state),
            address=client_address(request),
            verified=verified,
            same_as=form.same_as_id,
        )
    except StateError as error:
        return _start_again(request, error.reason)
    except services.ReportRefused as refused:
        return _refused(request, refused.reason, state, verified=verified)
    return _see_other(reverse("streetsafe:report_done"))


@require_safe
def done(request: HttpRequest) -> HttpResponse:
    return render(request, "streetsafe/report_done.html")


# --- the steps ---------------------------------------------------------------------------------


def _step(request: HttpRequest, page: str) -> HttpResponse:
    """Takes the answers of the step that was posted (if any), then shows ``page``."""
    try:
        state = draft.load(request.POST.get(draft.FIELD_NAME, ""))
    except StateError as error:
        return _start_again(request, error.reason)
    posted = request.POST.get("step", "")
    form_class = STEP_FORMS.get(posted)
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            return _show(request, posted, state, form=form)
        state = {**state, **form.state_values()}
    return _show(request, _first_missing(state, page), state)


def _first_missing(state: State, page: str) -> str:
    """``page``, or an earlier step still to be answered (after a stale Back, say)."""
    if page in (DETAILS, CHECK) and not draft.has_place(state):
        return PLACE
    if page == CHECK and not draft.has_details(state):
        return DETAILS
    return page


def _show(
    request: HttpRequest,
    page: str,
    state: State,
    *,
    form: Any = None,
    nearby: list[services.Nearby] | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    if page == CHECK:
        state = {**state, REVIEWING: True}
    context: dict[str, Any] = {
        "state_token": draft.sign(state),
        "notice": notice,
        "reviewing": bool(state.get(REVIEWING)),
    }
    if page == PLACE:
        context.update(_place_context(request, state, form))
    elif page == DETAILS:
        context["form"] = form or DetailsForm(initial=DetailsForm.initial_from(state))
        context["place_reasons"] = [r for r in domain.REASONS if r.group == domain.PLACE]
        context["people_reasons"] = [r for r in domain.REASONS if r.group == domain.PEOPLE]
        context["note_limit"] = services.NOTE_MAX_LENGTH
    else:
        if nearby is None:
            nearby = services.nearby(draft.point(state))
        context["form"] = form or CheckForm(nearby=nearby)
        context["challenge"] = proof_of_work.new_challenge()
        context["answers"] = _answers(state)
        context["honeypot"] = HONEYPOT
    return render(request, TEMPLATES[page], context, status=status)


def _place_context(request: HttpRequest, state: State, form: PlaceForm | None) -> dict[str, Any]:
    form = form or PlaceForm(initial=PlaceForm.initial_from(state))
    covered = area.configured()
    tile_url = settings.SAFETRAIL_STREETSAFE_TILE_URL
    if tile_url:
        request.csp_img_src = (*request.csp_img_src, _tile_origin(tile_url))  # type: ignore[attr-defined]
    grid = area.grid(covered)
    first = grid[0][0]
    method = state.get("located_by", "")
    chosen = form["square"].value() or ""
    return {
        "form": form,
        "area": covered,
        "grid": grid,
        "grid_size": len(grid),
        "square_size": _square_size(first),
        "first_square": first.label,
        "last_square": grid[-1][-1].label,
        "chosen_square": str(chosen),
        "tile_url": tile_url,
        "tile_attribution": settings.SAFETRAIL_STREETSAFE_TILE_ATTRIBUTION,
        # The grid and typed numbers stay open when they are what was used or
        # when they have an error; otherwise the map's script folds them away.
        "fold_alternatives": not form.errors and method not in ("grid", "coordinates"),
    }


def _tile_origin(url: str) -> str:
    """The CSP source for a tile URL template: https://{s}.tiles.example → https://*.tiles.example."""
    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}"


def _square_size(square: area.Square) -> dict[str, str]:
    """A square's rough size in kilometres, so the grid means something without a map."""
    height = (square.north - square.south) * 111.32
    width = (square.east - square.west) * 111.32 * math.cos(math.radians(square.centre.latitude))
    return {"width": f"{width:.1f}", "height": f"{height:.1f}"}


def _answers(state: State) -> dict[str, Any]:
    """The answers in words, for the check page."""
    square = draft.square(state)
    when = state.get("when", "")
    demographics = []
    for name, label, choices in (
        ("age_band", _("Age"), domain.AGE_BANDS),
        ("gender", _("Gender"), domain.GENDERS),
        ("ethnic_group", _("Ethnic group"), domain.ETHNIC_GROUPS),
        ("disability", _("Disability or long-term health condition"), domain.DISABILITY),
    ):
        value = state.get(name, "")
        if value:
            demographics.append((label, dict(choices).get(value, "")))
    reasons = state.get("reasons", [])
    return {
        "located_by": state.get("located_by", ""),
        "square": square,
        "latitude": state.get("latitude"),
        "longitude": state.get("longitude"),
        "place_reasons": [
            r.label for r in domain.REASONS if r.code in reasons and r.group == domain.PLACE
        ],
        "people_reasons": [
            r.label for r in domain.REASONS if r.code in reasons and r.group == domain.PEOPLE
        ],
        "when": when,
        "when_label": dict(domain.WHEN_CHOICES).get(when, ""),
        "day": draft.day(state),
        "band": domain.BAND_BY_CODE[state["band"]].label if state.get("band") else "",
        "safer": [c.label for c in domain.SAFER if c.code in state.get("safer", [])],
        "note": state.get("note", ""),
        "demographics": demographics,
    }


# --- endings -----------------------------------------------------------------------------------


def _see_other(url: str) -> HttpResponse:
    # 303: the browser fetches the next page with GET, so reloading it never posts again.
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _start_again(request: HttpRequest, reason: str) -> HttpResponse:
    if reason == "expired":
        notice = _(
            "We did not keep your answers because more than 2 hours went by. This keeps them "
            "private. Please start again."
        )
    else:
        notice = _("We could not read your answers. Please start again.")
    return _show(request, PLACE, {}, notice=notice, status=400)


def _refused(request: HttpRequest, reason: str, state: State, *, verified: bool) -> HttpResponse:
    if reason == "same_as_gone":
        notice = _("The report you chose is no longer shown. Please choose again.")
        return _show(request, CHECK, state, notice=notice)
    if reason == "bad_point":
        notice = _("We could not use that place. Please choose it again.")
        return _show(request, PLACE, state, notice=notice, status=400)
    if reason == "no_reasons":
        notice = _("Tick at least one reason why you felt unsafe.")
        return _show(request, DETAILS, state, notice=notice, status=400)
    return render(
        request,
        "streetsafe/report_refused.html",
        {"reason": reason, "verified": verified, "state_token": draft.sign(state)},
        status=429,
    )
