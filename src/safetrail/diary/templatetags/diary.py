from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from safetrail.diary import content, domain

register = template.Library()


@register.filter
def lookup(mapping: dict, key: Any) -> Any:
    return mapping.get(key, key) if isinstance(mapping, dict) else key


def _day(text: str) -> str:
    return formats.date_format(date.fromisoformat(text), "j F Y")


@register.filter
def when_text(when: dict[str, Any]) -> str:
    """When it happened, in words: "4 March 2026, 21:30", "4 March 2026, evening"."""
    kind = (when or {}).get("kind")
    try:
        if kind == "exact":
            moment = datetime.fromisoformat(when["at"])
            return f"{formats.date_format(moment.date(), 'j F Y')}, {moment:%H:%M}"
        if kind == "part_of_day":
            part = dict(domain.PARTS_OF_DAY).get(when.get("part"), "")
            return f"{_day(when['date'])}, {str(part).lower()}"
        if kind == "range":
            if when["start"] == when["end"]:
                return _day(when["start"])
            return _("between %(start)s and %(end)s") % {
                "start": _day(when["start"]),
                "end": _day(when["end"]),
            }
    except (KeyError, ValueError):
        pass
    return _("not given")


@register.filter
def is_approximate(when: dict[str, Any]) -> bool:
    return content.is_approximate(when or {})
