"""What the safety shell does, apart from how it is asked."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse


def end_session_for_exit(request: HttpRequest, response: HttpResponse) -> None:
    """Signs the user out and removes the session and CSRF cookies.

    Later issues hang key destruction on Django's logout signal, so signing out
    here also forgets the session's copy of the user's keys.
    """
    if hasattr(request, "user"):
        logout(request)
    if hasattr(request, "session"):
        request.session.flush()
    response.delete_cookie(settings.SESSION_COOKIE_NAME, samesite=settings.SESSION_COOKIE_SAMESITE)
    response.delete_cookie(settings.CSRF_COOKIE_NAME, samesite=settings.CSRF_COOKIE_SAMESITE)
