from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_safe

from safetrail.advice import directory, pages


def _body_template(slug: str) -> str:
    language = translation.get_language() or "en"
    return f"advice/pages/{language}/{slug}.html"


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "advice/home.html",
        {"report_rules": pages.REPORT_RULES, "more_advice": pages.MORE_ADVICE},
    )


@require_safe
def advice_page(request: HttpRequest, slug: str) -> HttpResponse:
    page = pages.BY_SLUG.get(slug)
    if page is None:
        raise Http404
    return render(
        request,
        _body_template(slug),
        {"page": page, "report_rules": pages.REPORT_RULES, "more_advice": pages.MORE_ADVICE},
    )


@require_safe
def in_danger(request: HttpRequest) -> HttpResponse:
    return render(request, _body_template("in-danger"))


@require_safe
def support_services(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "advice/support_services.html",
        {"groups": directory.load_configured().grouped()},
    )


@require_safe
def leaving_quickly(request: HttpRequest) -> HttpResponse:
    return render(request, _body_template("leaving-quickly"))
