"""The reporting steps' forms. Each checks its own answers and says what goes in the state.

Messages say what to do next, in plain words. Nothing here stores anything:
the views carry the answers in a signed field (draft.py) and services.py
stores the report at the end.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from safetrail.accounts.forms import _Form
from safetrail.diary.fields import DatePartsField, LongTextField
from safetrail.streetsafe import area, domain, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.draft import State

# Where someone gave the place from: the map and the device's location come
# from the page's script, the grid and typed numbers work without it.
SCRIPTED_METHODS = ("map", "device")
SKIP = "skip"  # "Prefer not to say": stored as ''
DIFFERENT_PLACE = "different"

# "51.5072, -0.1276" pasted into the first box, as map apps copy it.
_PAIR = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*°?\s*[,;\s]\s*(-?\d+(?:\.\d+)?)\s*°?\s*$")


def _number(value: str) -> float | None:
    """A coordinate as typed, or None if it is not a plain finite number."""
    value = value.strip().rstrip("°").strip()
    if not value or len(value) > 30:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _square_choices() -> list[tuple[str, str]]:
    return [(square.code, square.label) for row in area.grid() for square in row]


class PlaceForm(_Form):
    """Where: a point from the map or the device, a square on the grid, or typed numbers."""

    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    located_by = forms.CharField(required=False, widget=forms.HiddenInput)
    now = forms.CharField(required=False, widget=forms.HiddenInput)
    square = forms.ChoiceField(
        label=_("Pick a square on the grid"),
        required=False,
        error_messages={"invalid_choice": _("Pick one of the squares on the grid")},
    )
    typed_latitude = forms.CharField(
        label=_("Latitude"),
        required=False,
        help_text=_("For example, 51.5072"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    typed_longitude = forms.CharField(
        label=_("Longitude"),
        required=False,
        help_text=_("For example, -0.1276"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["square"].choices = _square_choices()
        self.area = area.configured()
        self.point: Point | None = None
        self.method = ""

    @classmethod
    def initial_from(cls, state: State) -> dict[str, Any]:
        method = state.get("located_by", "")
        if method in SCRIPTED_METHODS:
            return {
                "latitude": state.get("latitude"),
                "longitude": state.get("longitude"),
                "located_by": method,
            }
        if method == "grid":
            return {"square": state.get("square", "")}
        if method == "coordinates":
            return {
                "typed_latitude": state.get("latitude"),
                "typed_longitude": state.get("longitude"),
            }
        return {}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        scripted = self._scripted_point(data)
        typed = bool(data.get("typed_latitude", "").strip() or data.get("typed_longitude", ""))
        chosen = data.get("square", "")
        if scripted is not None:
            # The page's script keeps one way at a time; the map wins if not.
            self.point = scripted
            self.method = data["located_by"] if data["located_by"] in SCRIPTED_METHODS else "map"
        elif typed and chosen:
            self.add_error(
                "typed_latitude", _("Pick a square or type coordinates, not both. Clear one.")
            )
        elif typed:
            self._typed_point(data)
        elif chosen:
            square = area.square(chosen)
            if square is not None:
                self.point, self.method = square.centre, "grid"
        elif "square" not in self.errors:
            self.add_error(
                "square",
                _("Show where it was: tap the map, pick a square on the grid or type coordinates"),
            )
        return data

    def _scripted_point(self, data: dict[str, Any]) -> Point | None:
        latitude = _number(data.get("latitude", ""))
        longitude = _number(data.get("longitude", ""))
        if latitude is None or longitude is None:
            return None
        point = Point(round(latitude, 6), round(longitude, 6))
        if not self.area.contains(point):
            self.add_error(
                None, _("The place on the map is outside the area we cover. Choose it again.")
            )
            return None
        return point

    def _typed_point(self, data: dict[str, Any]) -> None:
        typed_latitude = data.get("typed_latitude", "")
        typed_longitude = data.get("typed_longitude", "")
        pair = _PAIR.match(typed_latitude)
        if pair and not typed_longitude.strip():
            typed_latitude, typed_longitude = pair[1], pair[2]
        latitude = _number(typed_latitude)
        longitude = _number(typed_longitude)
        if not typed_latitude.strip():
            self.add_error("typed_latitude", _("Enter the latitude too"))
        elif latitude is None or not -90 <= latitude <= 90:
            self.add_error(
                "typed_latitude", _("Enter the latitude as a number, for example 51.5072")
            )
        if not typed_longitude.strip():
            self.add_error("typed_longitude", _("Enter the longitude too"))
        elif longitude is None or not -180 <= longitude <= 180:
            self.add_error(
                "typed_longitude", _("Enter the longitude as a number, for example -0.1276")
            )
        if latitude is None or longitude is None or self.errors:
            return
        point = Point(round(latitude, 6), round(longitude, 6))
        if not self.area.contains(point):
            self.add_error(
                "typed_latitude",
                _(
                    "That place is outside the area we cover. Check the numbers, or pick a "
                    "square on the grid."
                ),
            )
            return
        self.point, self.method = point, "coordinates"

    def state_values(self) -> State:
        assert self.point is not None
        values: State = {
            "latitude": self.point.latitude,
            "longitude": self.point.longitude,
            "located_by": self.method,
            "square": self.cleaned_data.get("square", "") if self.method == "grid" else "",
        }
        if self.method in SCRIPTED_METHODS and self.cleaned_data.get("now") == "1":
            # "It's happening here now" (even if the pin was moved a little
            # after): the next step starts with "Now" chosen.
            values["when"] = domain.WHEN_NOW
        return values


def _optional(choices: tuple[tuple[str, Any], ...]) -> list[tuple[str, Any]]:
    return [*choices, (SKIP, _("Prefer not to say"))]


def one_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


class DetailsForm(_Form):
    """What it was about, when, what would help, a private note, and optionally who."""

    reasons = forms.MultipleChoiceField(
        label=_("Why did you feel unsafe?"),
        help_text=_("Tick all that apply."),
        choices=[(reason.code, reason.label) for reason in domain.REASONS],
        error_messages={
            "required": _("Tick at least one reason why you felt unsafe"),
            "invalid_choice": _("Tick reasons from the list"),
        },
    )
    when = forms.ChoiceField(
        label=_("When was it?"),
        choices=domain.WHEN_CHOICES,
        error_messages={
            "required": _("Say when it was"),
            "invalid_choice": _("Say when it was"),
        },
    )
    day = DatePartsField(label=_("Date"), required=False)
    band = forms.ChoiceField(
        label=_("What time of day was it?"),
        help_text=_("Not needed if it is happening now. If you are not sure, choose the closest."),
        choices=[(band.code, band.label) for band in domain.BANDS],
        required=False,
        error_messages={"invalid_choice": _("Choose a time of day")},
    )
    safer = forms.MultipleChoiceField(
        label=_("What would make it feel safer? (optional)"),
        help_text=_("Tick any that apply."),
        choices=[(choice.code, choice.label) for choice in domain.SAFER],
        required=False,
        error_messages={"invalid_choice": _("Tick ideas from the list")},
    )
    note = LongTextField(
        label=_("Describe the place, or tell us anything else (optional)"),
        help_text=_(
            "This is never published. Do not name anyone. Do not include phone numbers, "
            "email addresses or car number plates."
        ),
        max_length=services.NOTE_MAX_LENGTH,
    )
    age_band = forms.ChoiceField(
        label=_("How old are you?"),
        choices=_optional(domain.AGE_BANDS),
        required=False,
        initial=SKIP,
    )
    gender = forms.ChoiceField(
        label=_("What is your gender?"),
        choices=_optional(domain.GENDERS),
        required=False,
        initial=SKIP,
    )
    ethnic_group = forms.ChoiceField(
        label=_("What is your ethnic group?"),
        choices=_optional(domain.ETHNIC_GROUPS),
        required=False,
        initial=SKIP,
    )
    disability = forms.ChoiceField(
        label=_("Do you have a disability or a long-term health condition?"),
        choices=_optional(domain.DISABILITY),
        required=False,
        initial=SKIP,
    )

    DEMOGRAPHICS = ("age_band", "gender", "ethnic_group", "disability")

    @classmethod
    def initial_from(cls, state: State) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: state[name]
            for name in ("reasons", "when", "band", "safer", "note")
            if state.get(name)
        }
        if state.get("day"):
            initial["day"] = date.fromisoformat(state["day"])
        for name in cls.DEMOGRAPHICS:
            initial[name] = state.get(name) or SKIP
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        when = data.get("when")
        # Without JavaScript every follow-up question is on show: answers to
        # the ones that do not apply are ignored, mistakes in them too.
        if when != domain.WHEN_ANOTHER_DAY:
            self._errors.pop("day", None)
            data.pop("day", None)
        if when == domain.WHEN_NOW:
            self._errors.pop("band", None)
            data.pop("band", None)
        band = data.get("band")
        today = timezone.localdate()
        needs_band = when in (domain.WHEN_EARLIER_TODAY, domain.WHEN_ANOTHER_DAY)
        if needs_band and not band and "band" not in self.errors:
            self.add_error("band", _("Choose the time of day"))
        if when == domain.WHEN_ANOTHER_DAY and "day" not in self.errors:
            day = data.get("day")
            if day is None:
                self.add_error("day", _("Enter the date"))
            elif day < one_year_before(today):
                self.add_error(
                    "day",
                    _("The date must be in the last 12 months"),
                )
        if "band" not in self.errors and services.band_still_to_come(when, data.get("day"), band):
            self.add_error("band", _("That time of day has not come yet today. Check it."))
        return data

    def state_values(self) -> State:
        data = self.cleaned_data
        when = data["when"]
        return {
            "reasons": list(data["reasons"]),
            "when": when,
            "band": data.get("band", "") if when != domain.WHEN_NOW else "",
            "day": data["day"].isoformat()
            if when == domain.WHEN_ANOTHER_DAY and data.get("day")
            else "",
            "safer": list(data.get("safer") or []),
            "note": (data.get("note") or "").strip(),
            **{
                name: "" if data.get(name) in (SKIP, None) else data[name]
                for name in self.DEMOGRAPHICS
            },
        }


def nearby_label(item: services.Nearby) -> str:
    """ "Within 100 m, 2 weeks ago: Badly lit, No CCTV" — rough on purpose (see services.nearby)."""
    weeks = int(item.happened)
    if weeks == 0:
        when = _("this week")
    else:
        when = ngettext("%(count)s week ago", "%(count)s weeks ago", weeks) % {"count": weeks}
    reasons = ", ".join(str(reason) for reason in item.reasons)
    label = _("Within %(metres)s m, %(when)s: %(reasons)s") % {
        "metres": item.metres,
        "when": when,
        "reasons": reasons,
    }
    if item.me_too:
        label += ". " + ngettext(
            "%(count)s other person said the same.",
            "%(count)s other people said the same.",
            item.me_too,
        ) % {"count": item.me_too}
    return str(label)


class CheckForm(_Form):
    """The last step: whether it is the same place as a nearby report, and the proof of work."""

    same_as = forms.ChoiceField(
        label=_("Is this the same place as one of these?"),
        required=False,
        error_messages={
            "required": _("Say if this is the same place as one of these"),
            "invalid_choice": _(
                "That report is no longer shown. Choose again from the list below."
            ),
        },
    )
    proof = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, nearby: list[services.Nearby], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.nearby = nearby
        field = self.fields["same_as"]
        field.choices = [
            *(
                (str(item.id), _("Yes, this one: %(place)s") % {"place": nearby_label(item)})
                for item in nearby
            ),
            (DIFFERENT_PLACE, _("No, it is a different place")),
        ]
        field.required = bool(nearby)

    @property
    def same_as_id(self) -> str | None:
        chosen = self.cleaned_data.get("same_as") or ""
        return None if chosen in ("", DIFFERENT_PLACE) else chosen

    def clean_proof(self) -> str:
        # A solution is a short base64 string; anything else is simply not one.
        value = self.cleaned_data.get("proof", "")
        return value if len(value) <= 2000 else ""
