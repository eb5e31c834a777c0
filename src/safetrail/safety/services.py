"""What the safety shell does, apart from how it is asked."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse


def end_session_for_exit(request: HttpRequest, response: HttpResponse) -> None:
    """Signs the user out and removes the session and CSRF cookies.

    Logging out flushes the session, and with it the only wrapping of the
    person's account key this sign-in had (see vault/session.py).
    """
    if hasattr(request, "user"):
        logout(request)
    if hasattr(request, "session"):
        request.session.flush()
    response.delete_cookie(settings.SESSION_COOKIE_NAME, samesite=settings.SESSION_COOKIE_SAMESITE)
    response.delete_cookie(settings.CSRF_COOKIE_NAME, samesite=settings.CSRF_COOKIE_SAMESITE)
