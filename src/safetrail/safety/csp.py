"""The Content Security Policy every page is sent with.

Everything comes from this site. Inline scripts run only with the per-request
nonce. Map pages may add one configured tile server later, through
``extra_img_src``; no other host is ever allowed.
"""

from __future__ import annotations

import secrets


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def policy(nonce: str, extra_img_src: tuple[str, ...] = ()) -> str:
    img_src = " ".join(("'self'", "data:", *extra_img_src))
    directives = [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        f"img-src {img_src}",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "manifest-src 'self'",
        "worker-src 'self'",
    ]
    return "; ".join(directives)


PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "autoplay=()",
        "camera=()",
        "display-capture=()",
        "geolocation=(self)",
        "gyroscope=()",
        "magnetometer=()",
        "microphone=()",
        "payment=()",
        "usb=()",
        "browsing-topics=()",
    ]
)
