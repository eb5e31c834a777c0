"""Per-request rules for signed-in people.

- A sign-in whose account key cannot be opened (the vault cookie is gone, or
  the session was ended elsewhere) is signed out at once: a signed-in page
  always has its keys, or it is not shown.
- After the idle time (default 15 minutes) with no request, the person is
  signed out; pages warn them shortly before.
- Until the recovery code is confirmed, signed-in pages lead back to that step.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from safetrail.accounts import services
from safetrail.vault import session as vault_session

LAST_ACTIVITY_FIELD = "accounts.last_activity"
SIGNED_IN_AT_FIELD = "accounts.signed_in_at"
# Quick exit and the health check must work whatever state a sign-in is in.
_ALWAYS_OPEN = {"safety:exit", "safety:health"}
# Pages a person must reach before confirming their recovery code.
_RECOVERY_GATE_OPEN = {
    "accounts:recovery_code_confirm",
    "accounts:recovery_code_new",
    "accounts:sign_out",
    "accounts:session_status",
    "accounts:keep_alive",
    "safety:exit",
    "safety:health",
}


def _signed_out_redirect(request: HttpRequest, reason: str) -> HttpResponse:
    logout(request)
    query = urlencode({"reason": reason})
    return HttpResponseRedirect(f"{reverse('accounts:sign_in')}?{query}")


class AccountSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.account_key = None  # type: ignore[attr-defined]
        if request.user.is_authenticated and _url_name(request) not in _ALWAYS_OPEN:
            early = self._check(request)
            if early is not None:
                vault_session.write_cookie(request, early)
                return early
        response = self.get_response(request)
        vault_session.write_cookie(request, response)
        token = getattr(request, services.NEW_DEVICE_TOKEN_ATTRIBUTE, None)
        if token:
            response.set_cookie(
                settings.SAFETRAIL_DEVICE_COOKIE_NAME,
                token,
                max_age=365 * 24 * 3600,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        now = timezone.now().timestamp()
        last = request.session.get(LAST_ACTIVITY_FIELD, now)
        if now - last > settings.SAFETRAIL_IDLE_TIMEOUT_SECONDS:
            return _signed_out_redirect(request, "idle")
        # Activity keeps a sign-in going, but never past its longest life.
        signed_in_at = request.session.get(SIGNED_IN_AT_FIELD, now)
        if now - signed_in_at > settings.SESSION_COOKIE_AGE:
            return _signed_out_redirect(request, "expired")
        account_key = vault_session.account_key(request, request.user.pk)
        if account_key is None:
            return _signed_out_redirect(request, "locked")
        request.account_key = account_key  # type: ignore[attr-defined]
        if not _is_keep_alive_free(request):
            request.session[LAST_ACTIVITY_FIELD] = now
        services.session_touch(request=request)
        if request.user.recovery_code_confirmed_at is None and not _gate_open(request):
            return HttpResponseRedirect(reverse("accounts:recovery_code_confirm"))
        return None


def _url_name(request: HttpRequest) -> str:
    match = request.resolver_match
    if match is None:
        from django.urls import Resolver404, resolve

        try:
            match = resolve(request.path_info)
        except Resolver404:
            return ""
    return match.view_name


def _gate_open(request: HttpRequest) -> bool:
    return _url_name(request) in _RECOVERY_GATE_OPEN or request.path.startswith(settings.STATIC_URL)


def _is_keep_alive_free(request: HttpRequest) -> bool:
    """Status checks made by the page itself do not count as activity."""
    return _url_name(request) == "accounts:session_status"
