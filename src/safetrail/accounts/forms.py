"""Forms for accounts. Error messages say what to do next, in plain words."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from safetrail.accounts import services
from safetrail.vault.recovery import normalise

USERNAME_HELP = _("Use letters, numbers, dots, dashes or underscores. Not your email address.")


class _Form(forms.Form):
    """Shared behaviour: GOV.UK error summary needs each field's id."""

    def error_list(self) -> list[dict[str, str]]:
        return error_summary(self)


def error_summary(form: forms.Form) -> list[dict[str, str]]:
    """The GOV.UK error summary's items: in the order of the boxes on the page.

    A form's errors come in the order they were found, and clean() finds some
    (a date that needs a time of day) after every field's own, which would
    list a note's error before the date's above it. Errors about the whole
    form come first.
    """
    order = {name: place for place, name in enumerate(form.fields)}
    items = []
    for name in sorted(form.errors, key=lambda name: order.get(name, -1)):
        # The box the cursor should go to (a date's first box, for one).
        anchor = form[name].id_for_label if name in form.fields else ""
        items.extend({"anchor": anchor, "message": str(error)} for error in form.errors[name])
    return items


def _clean_username(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError(_("Enter a username"))
    if "@" in value:
        raise ValidationError(_("Choose a username that is not an email address"))
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
    if any(ch not in allowed for ch in value.lower()):
        raise ValidationError(
            _("Your username can only have letters, numbers, dots, dashes and underscores")
        )
    if len(value) < 3:
        raise ValidationError(_("Your username must be at least 3 characters"))
    return value


class NewPasswordMixin(forms.Form):
    new_password = forms.CharField(
        label=_("Create a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 10 characters. A few unrelated words are easy to remember and hard to guess."
        ),
        error_messages={"required": _("Enter a password")},
    )
    new_password_again = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Type the password again")},
    )

    def clean_new_password(self) -> str:
        password = self.cleaned_data.get("new_password", "")
        if not password:
            raise ValidationError(_("Enter a password"))
        password_validation.validate_password(password)
        return password

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        first, second = cleaned.get("new_password"), cleaned.get("new_password_again")
        if first and second is not None and first != second:
            self.add_error(
                "new_password_again", _("The two passwords are different. Type them again.")
            )
        return cleaned


class SignUpForm(NewPasswordMixin, _Form):
    username = forms.CharField(
        label=_("Choose a username"),
        max_length=150,
        help_text=USERNAME_HELP,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"}
        ),
        error_messages={"required": _("Enter a username")},
    )
    field_order = ["username", "new_password", "new_password_again"]

    def clean_username(self) -> str:
        username = _clean_username(self.cleaned_data.get("username", ""))
        if services.username_taken(username):
            raise ValidationError(_("That username is taken. Choose another."))
        return username


def _existing_username_field() -> forms.CharField:
    return forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"}
        ),
        error_messages={"required": _("Enter your username")},
    )


class SignInForm(_Form):
    username = _existing_username_field()
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password")},
    )


class SecondStepForm(_Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a backup code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"}
        ),
        error_messages={"required": _("Enter the code")},
    )


class ConfirmRecoveryCodeForm(_Form):
    kept = forms.BooleanField(
        label=_("I have written down or saved my recovery code somewhere safe"),
        error_messages={"required": _("Confirm that you have kept your recovery code")},
    )


class PasswordChangeForm(NewPasswordMixin, _Form):
    current_password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your current password")},
    )
    field_order = ["current_password", "new_password", "new_password_again"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self) -> str:
        password = self.cleaned_data.get("current_password", "")
        services.password_check_again(
            user=self.user, password=password, wrong=_("That is not your current password")
        )
        return password


class RecoverForm(NewPasswordMixin, _Form):
    username = _existing_username_field()
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        max_length=60,
        help_text=_("24 letters and numbers, for example 7K2Q-9XMB-..."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
        error_messages={"required": _("Enter your recovery code")},
    )
    field_order = ["username", "recovery_code", "new_password", "new_password_again"]

    def clean_recovery_code(self) -> str:
        code = normalise(self.cleaned_data.get("recovery_code", ""))
        if not code:
            raise ValidationError(
                _("A recovery code has 24 letters and numbers. Check you copied all of it.")
            )
        return code


class PasswordConfirmForm(_Form):
    """The password again (and, with two-step on, a code) before a change that matters.

    Someone who picks up a signed-in phone must not be able to switch two-step
    off, take a new recovery code or delete the evidence without both.
    """

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password")},
    )

    def __init__(self, *args: Any, user: Any, account_key: bytes | None = None, **kwargs: Any):
        self.user = user
        self.account_key = account_key
        super().__init__(*args, **kwargs)
        if user.two_step_enabled and account_key is not None:
            self.fields["code"] = forms.CharField(
                label=_("Code from your authenticator app, or a backup code"),
                max_length=40,
                widget=forms.TextInput(
                    attrs={"autocomplete": "one-time-code", "spellcheck": "false"}
                ),
                error_messages={"required": _("Enter the code")},
            )

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        services.password_check_again(
            user=self.user, password=password, wrong=_("That is not your password")
        )
        return password

    def clean_code(self) -> str:
        code = self.cleaned_data.get("code", "")
        services.second_factor_check_again(
            user=self.user,
            account_key=self.account_key,
            code=code,
            wrong=_("That code did not work. Check the app and try again."),
        )
        return code


class DeleteAccountForm(PasswordConfirmForm):
    understood = forms.BooleanField(
        label=_("I understand that everything in my account will be deleted for ever"),
        error_messages={"required": _("Confirm that you understand")},
    )


class TwoStepSetupForm(_Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("Enter the 6-digit code from your app")},
    )


class InvitationForm(_Form):
    note = forms.CharField(
        label=_("Who is this invitation for? (optional)"),
        max_length=200,
        required=False,
        help_text=_("Only your organisation's administrators see this note."),
    )


class JoinForm(SignUpForm):
    pass
