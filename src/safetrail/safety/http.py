"""Small helpers for views."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data for a POST, even an empty one; None (an unbound form) otherwise."""
    return request.POST if request.method == "POST" else None
