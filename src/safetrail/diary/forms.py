"""Diary forms. Each turns what was typed into the plain dict that gets sealed,
and back, so amending starts from what the entry says now."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safetrail.accounts.forms import _Form
from safetrail.diary import domain
from safetrail.diary.fields import DatePartsField, LongTextField, MapPointField, TimeTextField

WITNESS_SLOTS = 3
VEHICLE_SLOTS = 2
VEHICLE_PARTS = ("make", "model", "colour", "plate")
YES_NO_UNSURE = (("yes", _("Yes")), ("no", _("No")), ("unsure", _("I'm not sure")))


def _short(label: Any, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=300, required=False, **kwargs)


def _now_local() -> datetime:
    return timezone.localtime().replace(tzinfo=None, second=0, microsecond=0)


class CaseForm(_Form):
    name = forms.CharField(
        label=_("What do you want to call this diary?"),
        help_text=_("Only you see this. For example: 'The person from my old job'."),
        max_length=120,
        required=False,
    )


class QuickLogForm(_Form):
    what_happened = LongTextField(
        label=_("What happened?"),
        help_text=_("A few words is enough. You can add more later."),
        required=True,
        error_messages={"required": _("Write what happened, even a few words")},
    )
    when = forms.ChoiceField(
        label=_("When?"),
        choices=(("now", _("Just now")), ("earlier", _("Earlier"))),
        initial="now",
        error_messages={"required": _("Choose when it happened")},
    )
    date = DatePartsField(label=_("Date"), required=False)
    time = TimeTextField(
        label=_("Time (optional)"), required=False, help_text=_("For example, 21:30 or 9.30pm")
    )
    where = _short(_("Where? (optional)"))
    field_order = ["what_happened", "when", "date", "time", "where"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        missing_date = cleaned.get("when") == "earlier" and not cleaned.get("date")
        if missing_date and "date" not in self.errors:
            self.add_error("date", _("Enter the date it happened"))
        _refuse_future(self, cleaned.get("date"), cleaned.get("time"))
        return cleaned

    def to_content(self) -> dict[str, Any]:
        data = self.cleaned_data
        if data["when"] == "now":
            when = {"kind": "exact", "at": _now_local().isoformat(timespec="minutes")}
        else:
            when = _when_from(data["date"], data.get("time"))
        return {
            "quick": True,
            "when": when,
            "where": data["where"],
            "what_happened": data["what_happened"],
        }


def _refuse_future(form: forms.Form, day: date | None, moment: time | None) -> None:
    if day and moment and datetime.combine(day, moment) > _now_local():
        form.add_error("time", _("The time cannot be in the future"))


def _when_from(day: date, moment: time | None) -> dict[str, Any]:
    """An exact time when there is one; otherwise the whole of that day."""
    if moment:
        return {"kind": "exact", "at": datetime.combine(day, moment).isoformat(timespec="minutes")}
    return {"kind": "range", "start": day.isoformat(), "end": day.isoformat()}


class IncidentForm(_Form):
    when_kind = forms.ChoiceField(
        label=_("Do you know exactly when it happened?"),
        choices=(
            ("exact", _("Yes, I know the date (and maybe the time)")),
            ("part_of_day", _("I know the day and roughly the time of day")),
            ("range", _("Only roughly: it was sometime between two dates")),
        ),
        error_messages={"required": _("Choose how well you know when it happened")},
    )
    date = DatePartsField(label=_("Date"), required=False)
    time = TimeTextField(
        label=_("Time (optional)"), required=False, help_text=_("For example, 21:30 or 9.30pm")
    )
    part_of_day = forms.ChoiceField(
        label=_("Time of day"), choices=domain.PARTS_OF_DAY, required=False
    )
    range_start = DatePartsField(label=_("From"), required=False)
    range_end = DatePartsField(label=_("To"), required=False)
    where = _short(_("Where did it happen?"), help_text=_("An address, a place, or 'online'."))
    map_point = MapPointField(
        label=_("Map point (optional)"),
        help_text=_("Latitude and longitude, for example 51.5072, -0.1276"),
        required=False,
    )
    behaviours = forms.MultipleChoiceField(
        label=_("What did they do?"),
        help_text=_("Tick all that apply."),
        choices=[(behaviour.key, behaviour.label) for behaviour in domain.BEHAVIOURS],
        required=False,
    )
    letters = forms.MultipleChoiceField(
        label=_("Which parts of the law does this match? (optional)"),
        help_text=_(
            "Protection from Harassment Act 1997, section 2A(3). Leave these empty and we will "
            "fill them in from what they did. You can change them."
        ),
        choices=list(domain.SECTION_2A3_LETTERS.items()),
        required=False,
    )
    what_happened = LongTextField(
        label=_("What happened?"),
        help_text=_("Write it in your own words, as much as you remember."),
        required=True,
        error_messages={"required": _("Write what happened")},
    )
    suspect_appearance = LongTextField(
        label=_("What did they look like, wear or sound like? (optional)")
    )
    vehicle = _short(
        _("Any vehicle you saw (optional)"), help_text=_("Make, model, colour and number plate.")
    )
    feared_violence = forms.ChoiceField(
        label=_("Did this make you afraid they would use violence?"),
        choices=YES_NO_UNSURE,
        required=False,
    )
    effect = LongTextField(label=_("How did it affect you? (optional)"))
    reported = forms.ChoiceField(
        label=_("Did you report it to the police?"),
        choices=(("yes", _("Yes")), ("no", _("No"))),
        required=False,
    )
    crime_reference = _short(_("Crime reference number (optional)"))
    officer = _short(_("Officer's name or number (optional)"))
    private_notes = LongTextField(
        label=_("Private notes (optional)"),
        help_text=_(
            "Only you see these. They are never put in anything you share or export, "
            "unless you choose to include them."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for slot in range(1, WITNESS_SLOTS + 1):
            self.fields[f"witness_{slot}_name"] = _short(_("Name"))
            self.fields[f"witness_{slot}_contact"] = _short(_("How to contact them"))
            self.fields[f"witness_{slot}_saw"] = _short(_("What they saw or heard"))

    def witness_slots(self) -> list[tuple[int, list[forms.BoundField]]]:
        return [
            (slot, [self[f"witness_{slot}_{part}"] for part in ("name", "contact", "saw")])
            for slot in range(1, WITNESS_SLOTS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind = cleaned.get("when_kind")
        missing_date = kind in {"exact", "part_of_day"} and not cleaned.get("date")
        if missing_date and "date" not in self.errors:
            self.add_error("date", _("Enter the date it happened"))
        if kind == "part_of_day" and not cleaned.get("part_of_day"):
            self.add_error("part_of_day", _("Choose the time of day"))
        if kind == "range":
            start, end = cleaned.get("range_start"), cleaned.get("range_end")
            if not start and "range_start" not in self.errors:
                self.add_error("range_start", _("Enter the first date it could have been"))
            if not end and "range_end" not in self.errors:
                self.add_error("range_end", _("Enter the last date it could have been"))
            if start and end and end < start:
                self.add_error("range_end", _("The last date must be after the first date"))
        if kind == "exact":
            _refuse_future(self, cleaned.get("date"), cleaned.get("time"))
        return cleaned

    def to_content(self) -> dict[str, Any]:
        data = self.cleaned_data
        kind = data["when_kind"]
        if kind == "exact":
            when = _when_from(data["date"], data.get("time"))
        elif kind == "part_of_day":
            when = {
                "kind": "part_of_day",
                "date": data["date"].isoformat(),
                "part": data["part_of_day"],
            }
        else:
            when = {
                "kind": "range",
                "start": data["range_start"].isoformat(),
                "end": data["range_end"].isoformat(),
            }
        witnesses = []
        for slot in range(1, WITNESS_SLOTS + 1):
            witness = {
                part: data.get(f"witness_{slot}_{part}", "") for part in ("name", "contact", "saw")
            }
            if any(witness.values()):
                witnesses.append(witness)
        behaviours = data["behaviours"]
        return {
            "quick": False,
            "when": when,
            "where": data["where"],
            "map_point": data["map_point"],
            "behaviours": behaviours,
            "letters": data["letters"] or domain.letters_for(behaviours),
            "what_happened": data["what_happened"],
            "suspect_appearance": data["suspect_appearance"],
            "vehicle": data["vehicle"],
            "witnesses": witnesses,
            "feared_violence": data["feared_violence"],
            "effect": data["effect"],
            "reported": {
                "status": data["reported"],
                "crime_reference": data["crime_reference"],
                "officer": data["officer"],
            },
            "private_notes": data["private_notes"],
        }

    @staticmethod
    def initial_from(current: dict[str, Any]) -> dict[str, Any]:
        """Form values for an incident as it reads now (to amend it)."""
        when = current.get("when", {})
        initial: dict[str, Any] = {
            "where": current.get("where", ""),
            "map_point": current.get("map_point"),
            "behaviours": current.get("behaviours", []),
            "letters": current.get("letters", []),
            "what_happened": current.get("what_happened", ""),
            "suspect_appearance": current.get("suspect_appearance", ""),
            "vehicle": current.get("vehicle", ""),
            "feared_violence": current.get("feared_violence", ""),
            "effect": current.get("effect", ""),
            "reported": current.get("reported", {}).get("status", ""),
            "crime_reference": current.get("reported", {}).get("crime_reference", ""),
            "officer": current.get("reported", {}).get("officer", ""),
            "private_notes": current.get("private_notes", ""),
        }
        kind = when.get("kind")
        if kind == "exact":
            moment = datetime.fromisoformat(when["at"])
            initial.update(when_kind="exact", date=moment.date(), time=moment.time())
        elif kind == "part_of_day":
            initial.update(
                when_kind="part_of_day",
                date=date.fromisoformat(when["date"]),
                part_of_day=when.get("part", ""),
            )
        elif kind == "range":
            start, end = date.fromisoformat(when["start"]), date.fromisoformat(when["end"])
            if start == end:
                initial.update(when_kind="exact", date=start)
            else:
                initial.update(when_kind="range", range_start=start, range_end=end)
        for slot, witness in enumerate(current.get("witnesses", [])[:WITNESS_SLOTS], start=1):
            for part in ("name", "contact", "saw"):
                initial[f"witness_{slot}_{part}"] = witness.get(part, "")
        return initial


class AmendForm(IncidentForm):
    reason = forms.CharField(
        label=_("Why are you changing this entry?"),
        help_text=_("For example: 'I remembered more', or 'I got the crime reference number'."),
        max_length=500,
        error_messages={"required": _("Say why you are changing the entry")},
    )


class SuspectForm(_Form):
    photo = forms.ChoiceField(
        label=_("A photo of them (optional)"),
        help_text=_("Choose a photo you have added to your evidence."),
        required=False,
    )
    names = _short(_("Their name or names (optional)"))
    aliases = _short(_("Other names they use, or nicknames (optional)"))
    relationship = forms.ChoiceField(
        label=_("Who are they to you?"), choices=domain.RELATIONSHIPS, required=False
    )
    appearance = LongTextField(label=_("What do they look like? (optional)"))
    voice = _short(_("What does their voice sound like? (optional)"))
    features = LongTextField(
        label=_("Anything that stands out (optional)"),
        help_text=_("For example, tattoos, scars, the way they walk."),
    )
    phone_numbers = LongTextField(
        label=_("Phone numbers they use (optional)"), help_text=_("One on each line.")
    )
    email_addresses = LongTextField(
        label=_("Email addresses they use (optional)"), help_text=_("One on each line.")
    )
    social_media = LongTextField(
        label=_("Social media accounts they use (optional)"),
        help_text=_("One on each line, for example 'Instagram: @name'."),
    )

    def __init__(
        self, *args: Any, photo_choices: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photo"].choices = [("", _("No photo")), *(photo_choices or [])]
        for slot in range(1, VEHICLE_SLOTS + 1):
            self.fields[f"vehicle_{slot}_make"] = _short(_("Make"))
            self.fields[f"vehicle_{slot}_model"] = _short(_("Model"))
            self.fields[f"vehicle_{slot}_colour"] = _short(_("Colour"))
            self.fields[f"vehicle_{slot}_plate"] = _short(_("Number plate"))

    def vehicle_slots(self) -> list[tuple[int, list[forms.BoundField]]]:
        return [
            (
                slot,
                [self[f"vehicle_{slot}_{part}"] for part in ("make", "model", "colour", "plate")],
            )
            for slot in range(1, VEHICLE_SLOTS + 1)
        ]

    def to_content(self) -> dict[str, Any]:
        data = self.cleaned_data

        def lines(text: str) -> list[str]:
            return [line.strip() for line in text.splitlines() if line.strip()]

        vehicles = []
        for slot in range(1, VEHICLE_SLOTS + 1):
            vehicle = {
                part: data[f"vehicle_{slot}_{part}"]
                for part in ("make", "model", "colour", "plate")
            }
            if any(vehicle.values()):
                vehicles.append(vehicle)
        return {
            "names": data["names"],
            "aliases": data["aliases"],
            "relationship": data["relationship"],
            "appearance": data["appearance"],
            "voice": data["voice"],
            "features": data["features"],
            "photo_item": data["photo"],
            "vehicles": vehicles,
            "identifiers": {
                "phone_numbers": lines(data["phone_numbers"]),
                "email_addresses": lines(data["email_addresses"]),
                "social_media": lines(data["social_media"]),
            },
        }

    @staticmethod
    def initial_from(profile: dict[str, Any]) -> dict[str, Any]:
        identifiers = profile.get("identifiers", {})
        initial = {
            key: profile.get(key, "")
            for key in ("names", "aliases", "relationship", "appearance", "voice", "features")
        }
        initial["photo"] = profile.get("photo_item", "")
        initial.update(
            phone_numbers="\n".join(identifiers.get("phone_numbers", [])),
            email_addresses="\n".join(identifiers.get("email_addresses", [])),
            social_media="\n".join(identifiers.get("social_media", [])),
        )
        for slot, vehicle in enumerate(profile.get("vehicles", [])[:VEHICLE_SLOTS], start=1):
            for part in ("make", "model", "colour", "plate"):
                initial[f"vehicle_{slot}_{part}"] = vehicle.get(part, "")
        return initial


class DailyLifeForm(_Form):
    kind = forms.ChoiceField(
        label=_("What changed?"),
        choices=domain.DAILY_LIFE_CHANGES,
        error_messages={"required": _("Choose what changed")},
    )
    since = DatePartsField(
        label=_("Since when?"), error_messages={"required": _("Enter when it started")}
    )
    description = LongTextField(
        label=_("Tell us more (optional)"),
        help_text=_("For example, how it affects your day, your work or your family."),
    )

    def to_content(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "since": data["since"].isoformat(),
            "description": data["description"],
        }


class UnsafeForm(_Form):
    place = _short(_("Where are you? (optional)"))
