"""Evidence forms: the person's own account of a file, and physical items."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safetrail.accounts.forms import _Form
from safetrail.diary.fields import LongTextField


class CapturedForm(_Form):
    """What the person says about the files they add (the server adds its own time)."""

    captured_when = forms.CharField(
        label=_("When was this taken or received? (optional)"),
        help_text=_("For example, “the text came on 3 March at about 9pm”."),
        max_length=300,
        required=False,
    )
    captured_how = LongTextField(
        label=_("How did you get it? (optional)"),
        help_text=_("For example, “screenshot of my phone”, “photo I took of the car”."),
        max_length=2000,
    )
    incidents = forms.MultipleChoiceField(
        label=_("Which incidents is it about? (optional)"), required=False
    )
    # Photos of a letter, gift or other object recorded earlier.
    of_physical = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, incident_choices: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["incidents"].choices = incident_choices


class PhysicalItemForm(_Form):
    description = LongTextField(
        label=_("What is it?"),
        required=True,
        max_length=2000,
        error_messages={"required": _("Say what the item is")},
    )
    arrived = forms.CharField(
        label=_("When and how did it arrive?"),
        max_length=300,
        required=False,
        help_text=_("For example, “left on my doorstep on 3 March”."),
    )
    kept_where = forms.CharField(
        label=_("Where is it kept now?"),
        max_length=300,
        required=False,
        help_text=_("Handle it as little as you can. Keep it in a paper envelope."),
    )
    incidents = forms.MultipleChoiceField(
        label=_("Which incidents is it about? (optional)"), required=False
    )

    def __init__(self, *args: Any, incident_choices: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["incidents"].choices = incident_choices
