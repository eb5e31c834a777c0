"""Views of the safety shell: quick exit, the safe-browsing page, health, errors."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from safetrail.safety.services import end_session_for_exit

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def quick_exit(request: HttpRequest) -> HttpResponse:
    """Ends any session, then sends the browser to the configured exit site.

    A plain link, so it works before any JavaScript has loaded. No referrer is
    sent to the exit site, and nothing in the redirect says where it came from.
    """
    response = HttpResponseRedirect(settings.SAFETRAIL_EXIT_URL)
    end_session_for_exit(request, response)
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the app can reach its database, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not ready", whatever its type
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


_BARE_ERROR_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><p><a href="{exit}" rel="nofollow noreferrer">Exit this page</a></p>
<h1>Sorry, there is a problem</h1>
<p>Something went wrong on our side. Please try again later.</p>
<p>If you are in danger now, call 999.</p></body></html>"""


def server_error(request: HttpRequest) -> HttpResponse:
    # The error may be in a template or a context processor; the visitor must
    # still get a page with the exit link that reveals nothing about the fault.
    try:
        return render(request, "500.html", status=500)
    except Exception:
        logger.exception("The error page itself failed to render")
        page = _BARE_ERROR_PAGE.format(
            title=escape(settings.SAFETRAIL_PAGE_TITLE), exit=escape(reverse("safety:exit"))
        )
        return HttpResponse(page, status=500)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
