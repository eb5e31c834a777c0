from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def signed_in(view: View) -> View:
    """Signed in, with the account key open (the middleware guarantees the latter)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "account_key", None) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def organisation_admin(view: View) -> View:
    @signed_in
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = getattr(request.user, "membership", None)
        if membership is None or not membership.is_organisation_admin:
            raise PermissionDenied
        request.organisation = membership.organisation  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
