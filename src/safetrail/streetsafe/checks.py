from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from safetrail.streetsafe import area, cells


@register()
def streetsafe_settings(app_configs, **kwargs) -> list[Error]:
    problems = []
    try:
        area.configured()
    except area.AreaError as error:
        problems.append(Error(str(error), id="streetsafe.E001"))
    if settings.SAFETRAIL_STREETSAFE_K < 2:
        problems.append(
            Error(
                "SAFETRAIL_STREETSAFE_K must be 2 or more: one report must never show alone.",
                id="streetsafe.E002",
            )
        )
    if settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION not in cells.RESOLUTIONS[:2]:
        problems.append(
            Error(
                "SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION must be 7 or 8: finer cells could point "
                "at a home.",
                id="streetsafe.E003",
            )
        )
    if not 2 <= settings.SAFETRAIL_STREETSAFE_GRID_SIZE <= 26:
        problems.append(
            Error("SAFETRAIL_STREETSAFE_GRID_SIZE must be between 2 and 26.", id="streetsafe.E004")
        )
    tiles = settings.SAFETRAIL_STREETSAFE_TILE_URL
    if tiles and not tiles.startswith("https://") and not settings.DEBUG:
        problems.append(
            Error(
                "SAFETRAIL_STREETSAFE_TILE_URL must be an https:// address.", id="streetsafe.E005"
            )
        )
    return problems


@register(Tags.security, deploy=True)
def streetsafe_shared_cache(app_configs, **kwargs) -> list[Warning]:
    """Rate limits and spent challenges live in the cache: one per process unless shared."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache"):
        return [
            Warning(
                "Street Safe's rate limits and proof-of-work replay guard are kept per process. "
                "With more than one worker, set SAFETRAIL_REDIS_URL to a Redis that keeps "
                "nothing on disk.",
                id="streetsafe.W001",
            )
        ]
    return []
