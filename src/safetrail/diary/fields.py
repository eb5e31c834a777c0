"""Form fields for the GOV.UK date pattern and for times typed as people type them."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class DatePartsWidget(forms.Widget):
    """Three boxes (day, month, year) posted as <name>_day, <name>_month, <name>_year."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, str, str]:
        return tuple(data.get(f"{name}_{part}", "").strip() for part in ("day", "month", "year"))

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(f"{name}_{part}" in data for part in ("day", "month", "year"))

    def id_for_label(self, id_: str) -> str:
        # The first box, as for Django's multi-widgets: where a label or an
        # error summary link must take the cursor. The boxes are <id>_day etc.
        return f"{id_}_day" if id_ else id_


class DatePartsField(forms.Field):
    widget = DatePartsWidget
    default_error_messages = {
        "required": _("Enter the date"),
        "incomplete": _("The date must have a day, a month and a year"),
        "invalid": _("Enter a real date, for example 27 3 2026"),
        "future": _("The date cannot be in the future"),
    }

    def __init__(self, *args: Any, allow_future: bool = False, **kwargs: Any) -> None:
        self.allow_future = allow_future
        super().__init__(*args, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, date):
            return (str(value.day), str(value.month), str(value.year))
        return value

    def to_python(self, value: Any) -> date | None:
        if not value or not any(value):
            return None
        if not all(value):
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        try:
            day, month, year = (int(part) for part in value)
            if year < 1900:
                raise ValueError
            parsed = date(year, month, day)
        except (ValueError, OverflowError):  # OverflowError: a part with a dozen digits
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return parsed

    def validate(self, value: date | None) -> None:
        super().validate(value)
        from django.utils import timezone

        if value and not self.allow_future and value > timezone.localdate():
            raise ValidationError(self.error_messages["future"], code="future")


_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\s*$", re.IGNORECASE)


class TimeTextField(forms.CharField):
    """A time as people type it: 21:30, 9.30pm, 9pm."""

    default_error_messages = {"invalid": _("Enter a time like 21:30 or 9.30pm")}

    def prepare_value(self, value: Any) -> Any:
        return value.strftime("%H:%M") if isinstance(value, time) else value

    def to_python(self, value: Any) -> time | None:  # type: ignore[override]
        value = super().to_python(value)
        if not value:
            return None
        match = _TIME.match(value)
        if not match:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        hour, minute, half = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
        if half:
            if not 1 <= hour <= 12:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            hour = hour % 12 + (12 if half == "pm" else 0)
        if hour > 23 or minute > 59:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return time(hour, minute)


class LongTextField(forms.CharField):
    """Free text with a generous limit and a message that says how much was typed."""

    def __init__(self, *args: Any, max_length: int = 10_000, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.limit = max_length
        self.widget = forms.Textarea()

    def to_python(self, value: Any) -> str:
        # Browsers send each line break as two characters (CR LF) but count it
        # as one in the box's counter: one it is, here too.
        return super().to_python(value).replace("\r\n", "\n")

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and len(value) > self.limit:
            raise ValidationError(
                _("Use %(limit)s characters or fewer. It has %(count)s.")
                % {"limit": f"{self.limit:,}", "count": f"{len(value):,}"},
                code="max_length",
            )


_POINT = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[, ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


class MapPointField(forms.CharField):
    """A point typed as "latitude, longitude"; stored as {"lat": .., "lon": ..}."""

    default_error_messages = {
        "invalid": _("Enter a latitude and longitude, for example 51.5072, -0.1276")
    }

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return f"{value['lat']}, {value['lon']}"
        return value

    def to_python(self, value: Any) -> dict[str, float] | None:  # type: ignore[override]
        value = super().to_python(value)
        if not value:
            return None
        match = _POINT.match(value)
        if not match:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        lat, lon = float(match[1]), float(match[2])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return {"lat": round(lat, 6), "lon": round(lon, 6)}
