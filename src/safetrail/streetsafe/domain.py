"""What a Street Safe report can say: reasons, times of day, ideas, and who reported.

The reasons are the UK pilot's (police.uk, 2021), so numbers can be compared
with it. Each set of choices is stored as a bit mask (reasons, ideas) or a
short code (everything else): codes never change once data exists; the bit
of each reason is its position in ``REASONS`` and new ones only go at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Choice:
    code: str
    label: str | Promise
    group: str = ""
    index: int = 0

    @property
    def bit(self) -> int:
        return 1 << self.index


def _numbered(*choices: Choice) -> tuple[Choice, ...]:
    return tuple(
        Choice(code=choice.code, label=choice.label, group=choice.group, index=number)
        for number, choice in enumerate(choices)
    )


PLACE = "place"
PEOPLE = "people"

REASONS = _numbered(
    Choice("no_cctv", _("No CCTV"), PLACE),
    Choice("badly_lit", _("Badly lit"), PLACE),
    Choice("isolated", _("Empty buildings or an isolated place"), PLACE),
    Choice("blind_spots", _("Blind spots or corners you cannot see round"), PLACE),
    Choice("restricted_view", _("Hard to see around, like overgrown bushes or high walls"), PLACE),
    Choice("run_down", _("Run down, like empty buildings, graffiti or rubbish"), PLACE),
    Choice("drugs_alcohol", _("Signs of drug or alcohol use"), PLACE),
    Choice("place_other", _("Something else about the place"), PLACE),
    Choice("harassed_one", _("Someone shouted or said things to me"), PEOPLE),
    Choice("harassed_group", _("A group shouted or said things to me"), PEOPLE),
    Choice("followed", _("I was followed"), PEOPLE),
    Choice("harassment_other", _("Other harassment"), PEOPLE),
)
REASON_BY_CODE = {reason.code: reason for reason in REASONS}

SAFER = _numbered(
    Choice("lighting", _("Better lighting")),
    Choice("cctv", _("CCTV")),
    Choice("more_people", _("More people around, like shops open later")),
    Choice("patrols", _("Police or warden patrols")),
    Choice("cut_back", _("Cutting back bushes or trees")),
    Choice("clean_up", _("Repairs or a clean-up")),
    Choice("safer_other", _("Something else")),
)
SAFER_BY_CODE = {choice.code: choice for choice in SAFER}


@dataclass(frozen=True)
class Band:
    number: int
    code: str
    label: str | Promise
    starts: time


BANDS = (
    Band(0, "night", _("Night (midnight to 6am)"), time(0)),
    Band(1, "morning", _("Morning (6am to midday)"), time(6)),
    Band(2, "afternoon", _("Afternoon (midday to 6pm)"), time(12)),
    Band(3, "evening", _("Evening (6pm to midnight)"), time(18)),
)
BAND_BY_CODE = {band.code: band for band in BANDS}
BAND_BY_NUMBER = {band.number: band for band in BANDS}


def band_at(moment: time) -> Band:
    return BANDS[moment.hour // 6]


WHEN_NOW = "now"
WHEN_EARLIER_TODAY = "earlier_today"
WHEN_ANOTHER_DAY = "another_day"
WHEN_CHOICES = (
    (WHEN_NOW, _("Now")),
    (WHEN_EARLIER_TODAY, _("Earlier today")),
    (WHEN_ANOTHER_DAY, _("Another day")),
)

# How the place was given: it says how exact the point is.
LOCATED_BY = (
    ("map", _("Tapped on the map")),
    ("device", _("The device's location")),
    ("grid", _("A square on the grid")),
    ("coordinates", _("Typed coordinates")),
)

# Optional questions about the reporter, each with "prefer not to say" as ''.
AGE_BANDS = (
    ("under_18", _("Under 18")),
    ("18_24", _("18 to 24")),
    ("25_34", _("25 to 34")),
    ("35_44", _("35 to 44")),
    ("45_54", _("45 to 54")),
    ("55_64", _("55 to 64")),
    ("65_plus", _("65 or over")),
)
GENDERS = (
    ("woman", _("Woman")),
    ("man", _("Man")),
    ("non_binary", _("Non-binary")),
    ("other", _("In another way")),
)
ETHNIC_GROUPS = (
    ("asian", _("Asian or Asian British")),
    ("black", _("Black, Black British, Caribbean or African")),
    ("mixed", _("Mixed or multiple ethnic groups")),
    ("white", _("White")),
    ("other", _("Another ethnic group")),
)
DISABILITY = (
    ("yes", pgettext_lazy("has a disability", "Yes")),
    ("no", pgettext_lazy("has a disability", "No")),
)


def mask_of(codes: list[str] | tuple[str, ...], choices: tuple[Choice, ...]) -> int:
    by_code = {choice.code: choice for choice in choices}
    mask = 0
    for code in codes:
        mask |= by_code[code].bit
    return mask


def codes_in(mask: int, choices: tuple[Choice, ...]) -> list[str]:
    return [choice.code for choice in choices if mask & choice.bit]


def labels_in(mask: int, choices: tuple[Choice, ...]) -> list[str | Promise]:
    return [choice.label for choice in choices if mask & choice.bit]
