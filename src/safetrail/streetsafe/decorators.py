"""Who may use the moderator and analyst pages: signed in, with the role (or a site admin)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from safetrail.accounts.decorators import View, signed_in
from safetrail.accounts.models import Role


def _with_role(role: str):
    def decorator(view: View) -> View:
        @signed_in
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_role(role):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


moderator_required = _with_role(Role.MODERATOR)
analyst_required = _with_role(Role.ANALYST)
