"""Risk forms: the checklist (built from its data file), the stop date, the safety plan."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from safetrail.accounts.forms import _Form
from safetrail.diary.fields import DatePartsField, LongTextField
from safetrail.risk.checklist import Checklist
from safetrail.risk.suggestions import Suggestion


def suggestion_text(suggestion: Suggestion) -> str:
    """What the diary shows for a factor, in words, with the numbers."""
    count = suggestion.occasions
    messages = {
        "property_damage": ngettext(
            "Your diary records damage to your property on %(count)s occasion.",
            "Your diary records damage to your property on %(count)s occasions.",
            count,
        ),
        "frequent_visits": ngettext(
            "Your diary records them at your home or work %(count)s time in one week.",
            "Your diary records them at your home or work %(count)s times in one week.",
            suggestion.detail.get("window_visits", count),
        ),
        "loitering": ngettext(
            "Your diary records them hanging around on %(count)s occasion.",
            "Your diary records them hanging around on %(count)s occasions.",
            count,
        ),
        "threats": ngettext(
            "Your diary records threats on %(count)s occasion.",
            "Your diary records threats on %(count)s occasions.",
            count,
        ),
        "third_parties": ngettext(
            "Your diary records them targeting people close to you on %(count)s occasion.",
            "Your diary records them targeting people close to you on %(count)s occasions.",
            count,
        ),
        "violence_now": ngettext(
            "Your diary records violence on %(count)s occasion.",
            "Your diary records violence on %(count)s occasions.",
            count,
        ),
    }
    message = messages.get(suggestion.factor)
    if message is None:
        return ""
    shown = (
        suggestion.detail.get("window_visits", count)
        if suggestion.factor == "frequent_visits"
        else count
    )
    return message % {"count": shown}


class ScreeningForm(_Form):
    def __init__(
        self, *args: Any, checklist: Checklist, suggested: dict[str, Suggestion], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        self.suggested = suggested
        choices = [(answer.key, str(answer.label)) for answer in checklist.answers]
        for question in checklist.questions:
            self.fields[question.key] = forms.ChoiceField(
                label=str(question.text),
                choices=choices,
                error_messages={"required": _("Choose an answer to this question")},
            )
            if question.key in suggested and not self.is_bound:
                self.initial[question.key] = "yes" if "yes" in dict(choices) else None

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "question": question,
                "field": self[question.key],
                "suggestion": suggestion_text(self.suggested[question.key])
                if question.key in self.suggested
                else "",
            }
            for question in self.checklist.questions
        ]

    def answers(self) -> dict[str, str]:
        return {
            question.key: self.cleaned_data[question.key] for question in self.checklist.questions
        }


class StopDateForm(_Form):
    date = DatePartsField(
        label=_("When did you tell them to stop contacting you?"),
        required=False,
        help_text=_("For example, 27 3 2026. Leave it empty if you have not told them."),
    )


PLAN_BAG_ITEMS = (
    ("id", _("ID: passport, driving licence")),
    ("money", _("Money and bank cards")),
    ("keys", _("Spare keys")),
    ("phone", _("A phone charger, or a spare phone")),
    ("medicines", _("Medicines")),
    ("numbers", _("Important phone numbers, written on paper")),
    ("children", _("Things for children")),
    ("papers", _("Copies of important papers, and of your diary")),
)
PLAN_TECH_STEPS = (
    ("passwords", _("I changed my passwords, and the person does not know them")),
    ("two_step", _("I turned on two-step sign-in for my email and social media")),
    ("location", _("I turned off location sharing on my phone and apps")),
    ("apps", _("I checked my phone for apps I did not install")),
    ("trackers", _("I checked my bag and car for trackers")),
    ("privacy", _("I made my social media private")),
)


class SafetyPlanForm(_Form):
    trusted_people = LongTextField(
        label=_("People I trust, and how to reach them"),
        help_text=_("Who can you call, or go to, if something happens?"),
    )
    code_word = forms.CharField(
        label=_("A code word"),
        help_text=_("A word you can say or text to them that means “I need help, call 999”."),
        max_length=100,
        required=False,
    )
    safe_places = LongTextField(
        label=_("Safe places I can go"),
        help_text=_("Places with people around: a friend's home, a shop, a police station."),
    )
    routes = LongTextField(
        label=_("Changes to my routes and routines"),
        help_text=_("For example, different ways to work, different times, not going alone."),
    )
    bag = forms.MultipleChoiceField(
        label=_("My emergency bag"),
        help_text=_("Keep it packed and hidden, or with someone you trust."),
        choices=PLAN_BAG_ITEMS,
        required=False,
    )
    bag_other = LongTextField(label=_("Anything else for the bag"))
    tech = forms.MultipleChoiceField(
        label=_("Staying safe online"),
        choices=PLAN_TECH_STEPS,
        required=False,
    )
    who_to_call = LongTextField(
        label=_("Who to call"),
        help_text=_("Your local police contact, a stalking advocate, your crime reference."),
    )

    FIELDS = (
        "trusted_people",
        "code_word",
        "safe_places",
        "routes",
        "bag",
        "bag_other",
        "tech",
        "who_to_call",
    )

    def plan(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.FIELDS}
