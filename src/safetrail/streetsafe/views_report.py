"""The public reporting flow: where, what and when, check, send. No account, no cookie.

The answers so far are kept in a sealed draft (draft.py) that only the
reporter's page address can open: the CSRF cookie is the only one these pages
set. Each step's form posts to its own address; right answers are saved and
the browser is sent on (303 See Other) to the next step, fetched with GET,
so Back, Forward and reload behave as on any page. Wrong answers show the
step again with the errors and everything that was typed. "Back" and
"Change" are plain links to a step's address with the draft in it.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from safetrail.safety.network import client_address
from safetrail.streetsafe import area, domain, draft, limits, proof_of_work, services
from safetrail.streetsafe.draft import Handle, State, StateError
from safetrail.streetsafe.forms import CheckForm, DetailsForm, PlaceForm

PLACE = "place"
DETAILS = "details"
CHECK = "check"
STEP_FORMS = {PLACE: PlaceForm, DETAILS: DetailsForm}
STEP_URLS = {
    PLACE: "streetsafe:report_place",
    DETAILS: "streetsafe:report_details",
    CHECK: "streetsafe:report_check",
}
TEMPLATES = {
    PLACE: "streetsafe/report_place.html",
    DETAILS: "streetsafe/report_details.html",
    CHECK: "streetsafe/report_check.html",
}
# A field no person sees or fills in (see report_check.html); scripts that
# fill in every box do. Named like something a script would want to fill.
HONEYPOT = "website"
# In the check page's address when a send needs a harder proof of work.
LONGER_CHECK = "longer-check"


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "streetsafe/home.html")


@require_http_methods(["GET", "HEAD", "POST"])
def place(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _take(request, PLACE)
    return _step(request, PLACE)


@require_http_methods(["GET", "HEAD", "POST"])
def details(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _take(request, DETAILS)
    return _step(request, DETAILS)


@require_safe
def check(request: HttpRequest) -> HttpResponse:
    return _step(request, CHECK)


@require_POST
def send(request: HttpRequest) -> HttpResponse:
    if request.POST.get(HONEYPOT, ""):
        # A script filled in the hidden box: it is told all went well, and nothing is kept.
        return _see_other(reverse("streetsafe:report_done"))
    browser = draft.browser(request)
    try:
        handle, state = draft.load(request.POST.get(draft.FIELD_NAME, ""), browser)
    except StateError as error:
        return _start_again(request, error.reason)
    if handle is None:
        return _see_other(reverse(STEP_URLS[PLACE]))
    missing = _first_missing(state, CHECK)
    if missing != CHECK:
        return _see_other(_step_url(missing, handle))
    nearby = services.nearby(draft.point(state))
    form = CheckForm(request.POST, nearby=nearby)
    if not form.is_valid():
        return _show(request, CHECK, handle, state, form=form, nearby=nearby)
    verified = False
    try:
        with transaction.atomic():
            # The first send of a draft wins; a second click finds it gone. A
            # refusal below rolls this back. Claimed before the proof is spent,
            # so a second click cannot use up the first one's proof.
            if not draft.claim(handle):
                # Opened a moment ago, gone now: another press of Send took it.
                return _see_other(reverse("streetsafe:report_done"))
            level = proof_of_work.solved_level(form.cleaned_data["proof"])
            verified = level != proof_of_work.NOT_SOLVED
            services.report_create(
                draft.to_draft(state),
                address=client_address(request),
                verified=verified,
                same_as=form.same_as_id,
                proof_level=max(level, 0),
            )
    except StateError as error:
        return _start_again(request, error.reason)
    except services.ReportRefused as refused:
        if refused.reason == "limit_harder":
            # Back to the check page by GET (a reload must not send again),
            # with a harder challenge, the answer to "the same place?" kept,
            # and a word about why.
            kept = {**state, "same_as": form.cleaned_data.get("same_as", "")}
            if not draft.update(handle, kept, browser):
                # Another press of Send stored it meanwhile: do not bring it back.
                return _see_other(reverse("streetsafe:report_done"))
            return _see_other(f"{_step_url(CHECK, handle)}&{LONGER_CHECK}=1")
        return _refused(request, refused.reason, handle, state, verified=verified)
    return _see_other(reverse("streetsafe:report_done"))


@require_safe
def done(request: HttpRequest) -> HttpResponse:
    return render(request, "streetsafe/report_done.html")


# --- the steps ---------------------------------------------------------------------------------


def _step(request: HttpRequest, page: str) -> HttpResponse:
    """Shows ``page`` with the answers in the address's draft (GET)."""
    token = request.GET.get(draft.FIELD_NAME, "")
    if not token:
        if page == PLACE:
            return _show(request, PLACE, None, {})
        # A bookmark or an old address without its draft: start at the beginning.
        return _see_other(reverse(STEP_URLS[PLACE]))
    try:
        handle, state = draft.load(token, draft.browser(request))
    except StateError as error:
        return _start_again(request, error.reason)
    missing = _first_missing(state, page)
    if missing != page:
        return _see_other(_step_url(missing, handle))
    notice = ""
    if page == CHECK and request.GET.get(LONGER_CHECK) == "1":
        notice = _(
            "A lot of reports came from your internet connection today. Your browser needs to "
            "do a longer check this time. Press \u201cSend the report\u201d again."
        )
    return _show(request, page, handle, state, notice=notice)


def _take(request: HttpRequest, page: str) -> HttpResponse:
    """Takes a step's answers (POST): saved and on to the next step, or shown again."""
    browser = draft.browser(request)
    try:
        handle, state = draft.load(request.POST.get(draft.FIELD_NAME, ""), browser)
    except StateError as error:
        return _start_again(request, error.reason)
    missing = _first_missing(state, page)
    if missing != page:
        return _see_other(_step_url(missing, handle))
    form = STEP_FORMS[page](request.POST)
    if not form.is_valid():
        return _show(request, page, handle, state, form=form)
    if handle is None and not limits.draft_allowed(client_address(request)):
        notice = _(
            "A lot of reports were started from your internet connection today. Try again tomorrow."
        )
        return _show(request, page, None, state, form=form, notice=notice, status=429)
    state = {**state, **form.state_values()}
    if page == PLACE:
        # A new place: an earlier answer to "the same place as this one?" no longer holds.
        state.pop("same_as", None)
    handle = draft.save(handle, state, browser)
    return _see_other(_step_url(CHECK if draft.has_details(state) else DETAILS, handle))


def _first_missing(state: State, page: str) -> str:
    """``page``, or an earlier step still to be answered."""
    if page in (DETAILS, CHECK) and not draft.has_place(state):
        return PLACE
    if page == CHECK and not draft.has_details(state):
        return DETAILS
    return page


def _step_url(page: str, handle: Handle | None) -> str:
    url = reverse(STEP_URLS[page])
    return f"{url}?{urlencode({draft.FIELD_NAME: handle.token})}" if handle else url


def _show(
    request: HttpRequest,
    page: str,
    handle: Handle | None,
    state: State,
    *,
    form: Any = None,
    nearby: list[services.Nearby] | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    # The language switch links to this page's own address, with the draft,
    # whatever address the request came to (a POST to a step or to send).
    request.language_switch_path = _step_url(page, handle)  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "state_token": handle.token if handle else "",
        "notice": notice,
        # Every answer given: the steps go back to the check page, as "Change" should.
        "reviewing": draft.has_place(state) and draft.has_details(state),
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
        context["form"] = form or CheckForm(
            nearby=nearby, initial={"same_as": state.get("same_as", "")}
        )
        context["challenge"] = proof_of_work.new_challenge(
            limits.level_needed(client_address(request))
        )
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
    if reason == "gone":
        # Sent (this or another click: Back after sending lands here), or
        # cleared after two hours. Nothing kept says which, so the notice says
        # both; not an error on the sender's part, so a 200.
        notice = _(
            "We no longer have these answers. If you sent the report, we have it. If not, "
            "more than 2 hours went by. Please start again."
        )
        return _show(request, PLACE, None, {}, notice=notice)
    if reason == "expired":
        notice = _(
            "We did not keep your answers because more than 2 hours went by. This keeps them "
            "private. Please start again."
        )
    else:
        notice = _("We could not read your answers. Please start again.")
    return _show(request, PLACE, None, {}, notice=notice, status=400)


def _refused(
    request: HttpRequest, reason: str, handle: Handle, state: State, *, verified: bool
) -> HttpResponse:
    if reason == "same_as_gone":
        notice = _("The report you chose is no longer shown. Please choose again.")
        return _show(request, CHECK, handle, state, notice=notice)
    if reason == "bad_point":
        notice = _("We could not use that place. Please choose it again.")
        return _show(request, PLACE, handle, state, notice=notice, status=400)
    if reason == "no_reasons":
        notice = _("Tick at least one reason why you felt unsafe.")
        return _show(request, DETAILS, handle, state, notice=notice, status=400)
    return render(
        request,
        "streetsafe/report_refused.html",
        {"reason": reason, "verified": verified, "check_url": _step_url(CHECK, handle)},
        status=429,
    )
