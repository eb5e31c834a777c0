"""The advice pages: their addresses, titles and which REPORT rule they serve.

Page bodies live in templates, one per language:
``advice/pages/<language>/<slug>.html``. A test checks that every page here
has a body in every language the site offers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class AdvicePage:
    slug: str
    title: Promise
    summary: Promise
    rule: str = ""  # the REPORT letter this page explains, if any


REPORT_RULES = (
    AdvicePage(
        "report-it",
        _("Report it early"),
        _("Tell the police, and tell people you trust."),
        rule="R",
    ),
    AdvicePage(
        "get-good-advice",
        _("Get good advice"),
        _("Specialist services know what works. Their help is free."),
        rule="E",
    ),
    AdvicePage(
        "keep-evidence",
        _("Keep all the evidence"),
        _("Keep every message, letter and gift. Do not delete anything."),
        rule="P",
    ),
    AdvicePage(
        "keep-a-diary",
        _("Keep a diary"),
        _("Write down what happens, as soon as you can."),
        rule="O",
    ),
    AdvicePage(
        "risk-checklist",
        _("Check your risk"),
        _("Eleven questions that help you and the police see the danger."),
        rule="R",
    ),
    AdvicePage(
        "trust-your-instinct",
        _("Trust your instinct"),
        _("If something feels wrong, it probably is. Act on it."),
        rule="T",
    ),
)

MORE_ADVICE = (
    AdvicePage(
        "what-is-stalking",
        _("What stalking and harassment are"),
        _("How to tell if it is happening to you, and who does it."),
    ),
    AdvicePage(
        "what-to-record",
        _("What to write down and keep"),
        _("What the police will ask for, and how to keep it safe."),
    ),
    AdvicePage(
        "online-safety",
        _("Staying safe online"),
        _("Spy apps, trackers and your accounts."),
    ),
    AdvicePage(
        "street-safe",
        _("Street Safe"),
        _("Mark places where you feel unsafe, without giving your name."),
    ),
)

ALL_PAGES = REPORT_RULES + MORE_ADVICE
BY_SLUG = {page.slug: page for page in ALL_PAGES}
