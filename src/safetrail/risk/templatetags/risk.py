"""Escalation warnings in words, with the numbers behind them."""

from __future__ import annotations

from django import template
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safetrail.diary import domain
from safetrail.risk.escalation import Warning

register = template.Library()


@register.filter
def warning_text(warning: Warning) -> str:
    numbers = warning.numbers
    if warning.kind == "rising":
        return _(
            "It is happening more often. Your diary has incidents on %(recent)s days in the "
            "last %(recent_window)s days, against %(earlier)s days in the %(earlier_window)s "
            "days before. That rise is unlikely to be chance."
        ) % {
            "recent": numbers["recent_days"],
            "recent_window": numbers["recent_window_days"],
            "earlier": numbers["earlier_days"],
            "earlier_window": numbers["earlier_window_days"],
        }
    if warning.kind == "night_rise":
        return _(
            "More is happening at night: %(recent)s incidents at night in the last "
            "%(recent_window)s days, against %(earlier)s in the %(earlier_window)s days before."
        ) % {
            "recent": numbers["recent_incidents"],
            "recent_window": numbers["recent_window_days"],
            "earlier": numbers["earlier_incidents"],
            "earlier_window": numbers["earlier_window_days"],
        }
    if warning.kind == "new_danger":
        behaviour = domain.BEHAVIOURS_BY_KEY.get(numbers["behaviour"])
        return ngettext(
            "Something new and dangerous: your diary records “%(behaviour)s” for the first "
            "time, on %(day)s, after %(earlier)s earlier incident.",
            "Something new and dangerous: your diary records “%(behaviour)s” for the first "
            "time, on %(day)s, after %(earlier)s earlier incidents.",
            numbers["earlier_incidents"],
        ) % {
            "behaviour": behaviour.label if behaviour else numbers["behaviour"],
            "day": formats.date_format(numbers["first_day"], "j F Y"),
            "earlier": numbers["earlier_incidents"],
        }
    if warning.kind == "after_stop":
        return ngettext(
            "They did not stop: %(after)s incident since you asked them to stop on %(day)s.",
            "They did not stop: %(after)s incidents since you asked them to stop on %(day)s.",
            numbers["after"],
        ) % {
            "after": numbers["after"],
            "day": formats.date_format(numbers["asked_to_stop"], "j F Y"),
        }
    return ""
