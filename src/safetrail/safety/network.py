"""The address a request came from, for rate limits and coarse descriptions only.

It is never stored or logged as it is. Behind a reverse proxy (set
SAFETRAIL_BEHIND_PROXY), the proxy's own X-Forwarded-For entry is used: the
last one, since anything before it was written by the client and can be forged.
The header is believed only when the connection really comes from one of the
proxies (SAFETRAIL_PROXY_ADDRESSES), so a visitor who reaches the app directly
cannot pick their own address.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    direct = request.META.get("REMOTE_ADDR", "")
    if settings.SAFETRAIL_BEHIND_PROXY and direct in settings.SAFETRAIL_PROXY_ADDRESSES:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return direct
