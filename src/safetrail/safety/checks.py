"""Deployment checks of Safetrail's own, run by ``safetrail check --deploy``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def secret_key_is_configured(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if getattr(settings, "SAFETRAIL_SECRET_KEY_GENERATED", False):
        return [
            Warning(
                "SECRET_KEY is not set, so a key was generated into the data directory.",
                hint="Set SECRET_KEY (or SECRET_KEY_FILE) in production. Every app server "
                "must share one key, kept apart from database backups.",
                id="safetrail.W001",
            )
        ]
    return []
