"""Headers that keep every page private and locked to this site."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control

from safetrail.safety import csp

Handler = Callable[[HttpRequest], HttpResponse]


class SecurityHeadersMiddleware:
    """Sets the CSP (with a fresh nonce per request) and Permissions-Policy.

    Django's SecurityMiddleware already sends HSTS, nosniff, Referrer-Policy
    and COOP; X-Frame-Options comes from the clickjacking middleware.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = csp.new_nonce()  # type: ignore[attr-defined]
        request.csp_img_src = ()  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.setdefault(
            "Content-Security-Policy",
            csp.policy(request.csp_nonce, request.csp_img_src),  # type: ignore[attr-defined]
        )
        response.setdefault("Permissions-Policy", csp.PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.setdefault("X-Robots-Tag", "noindex, nofollow")
        return response


def is_signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class NoStoreMiddleware:
    """Tells browsers and proxies never to keep a copy of a page.

    For a signed-in user this is a rule with no exception: a cached diary page
    could be read later by whoever picks up the device. Anonymous pages get it
    too, because even advice pages in the cache say what someone was reading.
    Static assets (served earlier by WhiteNoise) are not affected.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_signed_in(request) or not getattr(response, "safetrail_cacheable", False):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response
