from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.translation import gettext_lazy as _


def _switch_links(request: HttpRequest) -> list[dict[str, Any]]:
    current = translation.get_language()
    # The same page in the other language keeps its query: a filtered list
    # stays filtered, and a Street Safe report in progress keeps its draft. A
    # view may name the address of what it shows (a form's answer page).
    path = getattr(request, "language_switch_path", "") or request.path
    path, _, query = path.partition("?")
    query = query or request.META.get("QUERY_STRING", "")
    links = []
    for code, name in (("en", "English"), ("cy", "Cymraeg")):
        url = translate_url(path, code)
        if url == path and code != current:
            with translation.override(code):
                url = reverse("advice:home")
        elif query:
            url = f"{url}?{query}"
        links.append({"code": code, "name": name, "url": url, "current": code == current})
    return links


def safety(request: HttpRequest) -> dict[str, Any]:
    return {
        "site_name": settings.SAFETRAIL_SITE_NAME,
        "neutral_title": settings.SAFETRAIL_PAGE_TITLE,
        "descriptive_titles": settings.SAFETRAIL_DESCRIPTIVE_TITLES,
        "csp_nonce": getattr(request, "csp_nonce", ""),
        "language_links": _switch_links(request),
        "exit_label": _("Exit this page"),
        "idle_timeout_seconds": settings.SAFETRAIL_IDLE_TIMEOUT_SECONDS,
        "idle_warning_seconds": settings.SAFETRAIL_IDLE_WARNING_SECONDS,
        "idle_warning_minutes": max(1, round(settings.SAFETRAIL_IDLE_WARNING_SECONDS / 60)),
    }
