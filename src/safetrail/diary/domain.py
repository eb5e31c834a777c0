"""The words of the diary: behaviours, relationships, the law's letters.

Jurisdiction-specific facts live here as data, not scattered through code:
a deployment for Scotland or Northern Ireland changes this module's tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Behaviour:
    key: str
    label: Promise
    letters: tuple[str, ...]  # the s.2A(3) examples it usually shows


# From the seed page's list, in its order, plus two the law names.
BEHAVIOURS = (
    Behaviour("contact", _("Unwanted calls, texts, emails, letters or other contact"), ("b",)),
    Behaviour("loitering", _("Hanging around near my home or work"), ("e",)),
    Behaviour("watching", _("Watching or spying on me"), ("g",)),
    Behaviour("following", _("Following me"), ("a",)),
    Behaviour("accosting", _("Coming up to me or stopping me, in private or in public"), ("b",)),
    Behaviour("entering", _("Coming into my home or workplace"), ("f",)),
    Behaviour("gifts", _("Sending or leaving things or gifts"), ("b",)),
    Behaviour("goods", _("Ordering or cancelling goods or services for me"), ("c",)),
    Behaviour("threats", _("Threats"), ("b",)),
    Behaviour("property_damage", _("Damaging my property"), ("f",)),
    Behaviour("violence", _("Violence"), ()),
    Behaviour("driving_past", _("Driving past my home or work"), ("e", "g")),
    Behaviour("monitoring", _("Watching my phone, email or online accounts"), ("d",)),
    Behaviour("publishing", _("Posting things about me, or pretending to be me"), ("c",)),
    Behaviour("third_parties", _("Targeting my family, friends or colleagues"), ("b",)),
)
BEHAVIOURS_BY_KEY = {behaviour.key: behaviour for behaviour in BEHAVIOURS}

# Behaviours that warn of danger when they appear (used by escalation warnings).
DANGER_SIGNS = frozenset({"threats", "property_damage", "entering", "violence"})

# Protection from Harassment Act 1997, s.2A(3): examples of acts associated with stalking.
SECTION_2A3_LETTERS = {
    "a": _("(a) following a person"),
    "b": _("(b) contacting, or trying to contact, a person by any means"),
    "c": _("(c) publishing material about a person, or claiming to be from them"),
    "d": _("(d) monitoring a person's use of the internet, email or other communication"),
    "e": _("(e) loitering in any place, public or private"),
    "f": _("(f) interfering with any property in the possession of a person"),
    "g": _("(g) watching or spying on a person"),
}

# Who stalks, from the Suzy Lamplugh Trust figures, plus other and unknown.
RELATIONSHIPS = (
    ("ex_partner", _("Ex-partner")),
    ("acquaintance", _("Someone I know")),
    ("stranger", _("A stranger")),
    ("colleague", _("Colleague or ex-colleague")),
    ("family", _("Family member")),
    ("other", _("Someone else")),
    ("unknown", _("I don't know who it is")),
)

PARTS_OF_DAY = (
    ("morning", _("Morning")),
    ("afternoon", _("Afternoon")),
    ("evening", _("Evening")),
    ("night", _("Night")),
)

DAILY_LIFE_CHANGES = (
    ("route", _("I changed my route or the way I travel")),
    ("moved", _("I moved home")),
    ("work", _("I took time off work or changed my work")),
    ("staying_in", _("I stopped going out, or go out less")),
    ("security", _("I added locks, cameras or other security")),
    ("phone", _("I changed my phone number or accounts")),
    ("other", _("Something else")),
)


def letters_for(behaviour_keys: list[str]) -> list[str]:
    """The s.2A(3) letters the behaviours usually show, in order, without repeats."""
    letters = {
        letter
        for key in behaviour_keys
        if key in BEHAVIOURS_BY_KEY
        for letter in BEHAVIOURS_BY_KEY[key].letters
    }
    return sorted(letters)


# How each part of an incident is named when an amendment lists what it changed.
INCIDENT_FIELD_LABELS = {
    "quick": _("quick log"),
    "when": _("when"),
    "where": _("where"),
    "map_point": _("map point"),
    "behaviours": _("what they did"),
    "letters": _("section 2A(3)"),
    "what_happened": _("what happened"),
    "suspect_appearance": _("how they looked or sounded"),
    "vehicle": _("vehicle"),
    "witnesses": _("witnesses"),
    "feared_violence": _("fear of violence"),
    "effect": _("how it affected you"),
    "reported": _("police report"),
    "private_notes": _("private notes"),
}
