"""Forms for moderators and analysts. Errors say what to do next, in plain words."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safetrail.accounts.forms import error_summary
from safetrail.diary.fields import DatePartsField
from safetrail.streetsafe import cells, domain, services
from safetrail.streetsafe.models import AreaAction, ModerationAction

RESOLUTION_CHOICES = (
    (7, _("7: large areas, about 5 km² each")),
    (8, _("8: neighbourhoods, about 0.7 km² each")),
    (9, _("9: a few streets, about 0.1 km² each")),
    (10, _("10: a short stretch of street, about 0.015 km² each")),
)
WEEKDAYS = (
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
    (7, _("Sunday")),
)
DEFAULT_RESOLUTION = 8


class StaffForm(forms.Form):
    """GOV.UK error summary needs each field's id."""

    def error_list(self) -> list[dict[str, str]]:
        return error_summary(self)


class AddressFilterForm(StaffForm):
    """Filters read from the address (GET) with a ``since``/``until`` pair, which
    can be written back into links (``query``) for page links and exports."""

    FILTER_FIELDS: tuple[str, ...] = ()
    # Values ``query`` leaves out, as the form would choose them anyway.
    QUERY_DEFAULTS: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date must be the same as or after the start date"))
        return data

    def query(self, **extra: Any) -> str:
        """The filters as a query string, leaving out what is empty or a default."""
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for name in self.FILTER_FIELDS:
            value = data.get(name)
            if value in (None, "") or (
                name in self.QUERY_DEFAULTS and value == self.QUERY_DEFAULTS[name]
            ):
                continue
            values[name] = value.isoformat() if isinstance(value, date) else value
        values.update({key: value for key, value in extra.items() if value not in (None, "")})
        return urlencode(values)


class IsoDateField(forms.DateField):
    """A date typed as 2026-03-27: short in a filter bar and the same in an export's address."""

    input_formats = ["%Y-%m-%d"]
    default_error_messages = {"invalid": _("Enter a date like 2026-03-27 (year, month, day)")}


# --- moderators --------------------------------------------------------------------------------


class ModerationForm(StaffForm):
    kind = forms.ChoiceField(
        choices=ModerationAction.Kind.choices,
        error_messages={
            "required": _("Choose what to do with the report"),
            "invalid_choice": _("Choose what to do with the report"),
        },
    )
    reason = forms.CharField(
        label=_("Why (needed to hide a report)"),
        required=False,
        max_length=500,
        error_messages={"max_length": _("Use 500 characters or fewer for the reason")},
    )
    # Where to go afterwards: the queue or the report's own page. A word, not an
    # address, so the form cannot be used to send anyone elsewhere.
    back = forms.ChoiceField(choices=(("queue", "queue"), ("report", "report")), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == ModerationAction.Kind.HIDDEN and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why you are hiding this report"))
        return data


class ReportListForm(AddressFilterForm):
    """The filters of the moderators' list of recent reports, read from the address (GET),
    so a link such as "other reports in this area" can fill them in."""

    VISIBILITY_CHOICES = (
        (services.VISIBILITY_ALL, _("All reports")),
        (services.VISIBILITY_HIDDEN, _("Hidden only")),
        (services.VISIBILITY_VISIBLE, _("Visible only")),
    )

    cell = forms.CharField(
        label=_("Area (H3 cell id)"),
        help_text=_("The area's id, as in the Area column. Leave it empty for every area."),
        required=False,
    )
    since = IsoDateField(label=_("Received from (YYYY-MM-DD)"), required=False)
    until = IsoDateField(label=_("Received to (YYYY-MM-DD)"), required=False)
    visibility = forms.ChoiceField(
        label=_("Hidden or visible"),
        choices=VISIBILITY_CHOICES,
        required=False,
        error_messages={"invalid_choice": _("Choose all reports, hidden only or visible only")},
    )
    unverified = forms.ChoiceField(
        label=_("Only unverified reports (the sender's browser did not do the anti-spam check)"),
        choices=(("yes", "yes"),),
        required=False,
        error_messages={
            "invalid_choice": _("Tick the box to see only unverified reports, or leave it empty")
        },
    )

    FILTER_FIELDS = ("cell", "since", "until", "visibility", "unverified")
    QUERY_DEFAULTS = {"visibility": services.VISIBILITY_ALL}

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        # "All reports" is chosen until someone chooses otherwise.
        if data is not None and not data.get("visibility"):
            data = data.copy()
            data["visibility"] = services.VISIBILITY_ALL
        super().__init__(data, *args, **kwargs)

    def clean_cell(self) -> str:
        cell = self.cleaned_data["cell"].strip().lower()
        if not cell:
            return ""
        if len(cell) > 15 or not cells.is_valid(cell):
            raise ValidationError(
                _("That is not a cell id. It looks like 88195da49bfffff: 15 letters and numbers.")
            )
        resolution = settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION
        if cells.resolution_of(cell) != resolution:
            raise ValidationError(
                _(
                    "Use an area the size the public map shows (resolution %(resolution)s), "
                    "like those in the Area column"
                )
                % {"resolution": resolution}
            )
        return cell

    def filters(self) -> services.ReportFilters:
        data = self.cleaned_data
        return services.ReportFilters(
            area=data.get("cell", ""),
            since=data.get("since"),
            until=data.get("until"),
            visibility=data.get("visibility") or services.VISIBILITY_ALL,
            unverified_only=data.get("unverified") == "yes",
        )


# --- analysts: filters -------------------------------------------------------------------------


class FilterForm(AddressFilterForm):
    """The dashboard's filters, read from the address (GET), so a view can be shared or
    exported with the same filters."""

    resolution = forms.TypedChoiceField(
        label=_("Size of area"),
        choices=RESOLUTION_CHOICES,
        coerce=int,
        required=False,
        empty_value=DEFAULT_RESOLUTION,
        error_messages={"invalid_choice": _("Choose a size of area from the list")},
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=(("", _("Any reason")), *((r.code, r.label) for r in domain.REASONS)),
        required=False,
        error_messages={"invalid_choice": _("Choose a reason from the list")},
    )
    band = forms.ChoiceField(
        label=_("Time of day"),
        choices=(("", _("Any time")), *((b.code, b.label) for b in domain.BANDS)),
        required=False,
        error_messages={"invalid_choice": _("Choose a time of day from the list")},
    )
    weekday = forms.TypedChoiceField(
        label=_("Day of the week"),
        choices=(("", _("Any day")), *WEEKDAYS),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose a day of the week from the list")},
    )
    since = IsoDateField(label=_("From (YYYY-MM-DD)"), required=False)
    until = IsoDateField(label=_("To (YYYY-MM-DD)"), required=False)

    FILTER_FIELDS = ("resolution", "reason", "band", "weekday", "since", "until")

    def filters(self) -> services.Filters:
        data = self.cleaned_data
        return services.Filters(
            resolution=data.get("resolution") or DEFAULT_RESOLUTION,
            reason=data.get("reason", ""),
            band=data.get("band", ""),
            weekday=data.get("weekday"),
            since=data.get("since"),
            until=data.get("until"),
        )


class DashboardForm(FilterForm):
    by = forms.ChoiceField(
        label=_("Show the trend by"),
        choices=(("week", _("Week")), ("month", _("Month"))),
        required=False,
        error_messages={"invalid_choice": _("Choose week or month")},
    )

    def trend_by(self) -> str:
        return self.cleaned_data.get("by") or "week"


FALSE_DISCOVERY_RATES = (
    ("0.01", _("1 in 100")),
    ("0.05", _("5 in 100")),
    ("0.1", _("10 in 100")),
)


class HotspotForm(FilterForm):
    distance = forms.TypedChoiceField(
        label=_("Neighbours to include"),
        choices=(
            (1, _("Next-door areas (1 ring)")),
            (2, _("Up to 2 areas away (2 rings)")),
            (3, _("Up to 3 areas away (3 rings)")),
        ),
        coerce=int,
        required=False,
        empty_value=1,
        error_messages={"invalid_choice": _("Choose how many neighbours to include")},
    )
    rate = forms.ChoiceField(
        label=_("Share of false alarms allowed"),
        choices=FALSE_DISCOVERY_RATES,
        required=False,
        error_messages={"invalid_choice": _("Choose a share of false alarms from the list")},
    )

    def distance_value(self) -> int:
        return self.cleaned_data.get("distance") or 1

    def rate_value(self) -> float:
        return float(self.cleaned_data.get("rate") or "0.05")


# --- analysts: what was done -------------------------------------------------------------------


class ActionForm(StaffForm):
    cell = forms.CharField(
        label=_("Area (H3 cell id)"),
        help_text=_("For example 88195da49bfffff. Or pick one of the busiest areas below."),
        max_length=15,
        error_messages={
            "required": _("Enter the area's cell id, or pick one of the busiest areas"),
            "max_length": _("A cell id is 15 letters and numbers, like 88195da49bfffff"),
        },
    )
    kind = forms.ChoiceField(
        label=_("What was done"),
        choices=AreaAction.Kind.choices,
        error_messages={
            "required": _("Choose what was done"),
            "invalid_choice": _("Choose what was done"),
        },
    )
    description = forms.CharField(
        label=_("Describe it for the public"),
        help_text=_(
            "Up to 300 characters. This is shown on the public map. "
            "Do not name anyone or give anyone's address."
        ),
        widget=forms.Textarea,
        error_messages={"required": _("Describe what was done")},
    )
    taken_on = DatePartsField(label=_("When was it done?"))
    public = forms.ChoiceField(
        label=_("Show it on the public map?"),
        choices=(
            ("yes", pgettext_lazy("show on the public map", "Yes")),
            ("no", _("No, keep it for staff only")),
        ),
        error_messages={
            "required": _("Choose whether to show it on the public map"),
            "invalid_choice": _("Choose whether to show it on the public map"),
        },
    )

    def clean_cell(self) -> str:
        cell = self.cleaned_data["cell"].strip().lower()
        if not cells.is_valid(cell):
            raise ValidationError(
                _("That is not a cell id. It looks like 88195da49bfffff: 15 letters and numbers.")
            )
        if cells.resolution_of(cell) not in cells.RESOLUTIONS:
            raise ValidationError(
                _("Use a cell at one of the sizes the dashboard shows (resolution 7 to 10)")
            )
        return cell

    def clean_description(self) -> str:
        text = self.cleaned_data["description"].strip()
        if not text:
            raise ValidationError(_("Describe what was done"))
        if len(text) > 300:
            raise ValidationError(
                _("Keep the description to 300 characters or fewer. It has %(count)s.")
                % {"count": len(text)}
            )
        return text


class ActionVisibilityForm(StaffForm):
    public = forms.ChoiceField(choices=(("yes", "yes"), ("no", "no")))


# --- analysts: police data ---------------------------------------------------------------------


class PoliceUploadForm(StaffForm):
    file = forms.FileField(
        label=_("Street-level crime file (CSV)"),
        help_text=_("A file from data.police.uk whose name ends in -street.csv."),
        error_messages={
            "required": _("Choose a CSV file to add"),
            "empty": _("The file is empty. Choose a street-level crime CSV file."),
            "invalid": _("Choose a CSV file to add"),
        },
    )
