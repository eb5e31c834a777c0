"""Turns a record that will not open into a plain page, never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from safetrail.vault.crypto import VaultError

logger = logging.getLogger(__name__)


class VaultErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, VaultError):
            return None
        # Which record, and why, stays out of the log: the type is enough to
        # notice tampering or a bug without revealing anything about a person.
        logger.warning("A sealed value could not be opened (%s)", type(exception).__name__)
        return render(request, "vault/unreadable.html", status=422)
