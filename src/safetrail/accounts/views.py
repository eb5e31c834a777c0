"""Account pages. Thin: the work is in services.py."""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from safetrail.accounts import forms, services, two_step
from safetrail.accounts.decorators import organisation_admin, signed_in
from safetrail.accounts.middleware import LAST_ACTIVITY_FIELD
from safetrail.accounts.models import Membership
from safetrail.accounts.services import Outcome
from safetrail.safety.http import posted

SIGNED_OUT_REASONS = {
    "idle": gettext_lazy(
        "You were signed out because you did nothing for a while. This keeps your records safe."
    ),
    "locked": gettext_lazy(
        "You were signed out to keep your records safe. Sign in again to carry on."
    ),
    "signed-out": gettext_lazy("You have signed out."),
    "expired": gettext_lazy("You were signed out because you have been signed in for a long time."),
}


def _slow_down_message(seconds: int) -> str:
    return services.slow_down_message(seconds)


# --- signing up ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:home")
    form = forms.SignUpForm(posted(request))
    if request.method == "POST":
        wait = services.sign_up_wait(request=request)
        if wait:
            form.add_error(None, _slow_down_message(wait))
            return render(request, "accounts/sign_up.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            user, account_key, recovery_code = services.account_create(
                username=form.cleaned_data["username"], password=form.cleaned_data["new_password"]
            )
        except IntegrityError:  # someone took the name between the check and now
            form.add_error("username", _("That username is taken. Choose another."))
        else:
            services.start_sign_in_for_new_account(request, user, account_key)
            return _show_recovery_code(request, recovery_code, first_time=True)
    return render(request, "accounts/sign_up.html", {"form": form})


def _show_recovery_code(request: HttpRequest, code: str, first_time: bool) -> HttpResponse:
    # Rendered directly, never stored or redirected to: this is the only time
    # the code exists outside the person's own copy.
    return render(
        request,
        "accounts/recovery_code.html",
        {"recovery_code": code, "first_time": first_time, "form": forms.ConfirmRecoveryCodeForm()},
    )


@signed_in
@require_http_methods(["GET", "POST"])
def recovery_code_confirm(request: HttpRequest) -> HttpResponse:
    if request.user.recovery_code_confirmed_at is not None:
        return redirect("accounts:home")
    if request.session.get(services.NEEDS_RECOVERY_CODE_FIELD):
        return redirect("accounts:recovery_code_new")
    form = forms.ConfirmRecoveryCodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.recovery_code_confirm(user=request.user)
        messages.success(request, _("Your account is ready."))
        return redirect("diary:home")
    return render(request, "accounts/recovery_code_confirm.html", {"form": form})


@signed_in
@require_http_methods(["GET", "POST"])
def recovery_code_new(request: HttpRequest) -> HttpResponse:
    """A new code needs the password: a code is a way into the account for ever after."""
    form = forms.PasswordConfirmForm(
        posted(request), user=request.user, account_key=request.account_key
    )
    if request.method == "POST" and form.is_valid():
        code = services.recovery_code_replace(user=request.user, account_key=request.account_key)
        request.session.pop(services.NEEDS_RECOVERY_CODE_FIELD, None)
        return _show_recovery_code(request, code, first_time=False)
    return render(request, "accounts/recovery_code_new.html", {"form": form})


# --- signing in and out ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:home")
    form = forms.SignInForm(posted(request))
    notice = SIGNED_OUT_REASONS.get(request.GET.get("reason", ""), "")
    status = 200
    if request.method == "POST" and form.is_valid():
        result = services.sign_in(
            request=request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if result.outcome is Outcome.SIGNED_IN:
            return _after_sign_in(request)
        if result.outcome is Outcome.TWO_STEP_NEEDED:
            return redirect("accounts:sign_in_code")
        if result.outcome is Outcome.SLOW_DOWN:
            form.add_error(None, _slow_down_message(result.wait_seconds))
            status = 429
        else:
            form.add_error(None, _("The username or password is wrong. Check them and try again."))
    return render(request, "accounts/sign_in.html", {"form": form, "notice": notice}, status=status)


def _after_sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.recovery_code_confirmed_at is None:
        return redirect("accounts:recovery_code_confirm")
    return redirect("diary:home")


@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    if services.pending_two_step_user(request) is None:
        return redirect("accounts:sign_in")
    form = forms.SecondStepForm(posted(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        result = services.sign_in_second_step(request=request, code=form.cleaned_data["code"])
        if result.outcome is Outcome.SIGNED_IN:
            return _after_sign_in(request)
        if result.outcome is Outcome.SLOW_DOWN:
            form.add_error("code", _slow_down_message(result.wait_seconds))
            status = 429
        else:
            form.add_error("code", _("That code did not work. Check the app and try again."))
    return render(request, "accounts/sign_in_code.html", {"form": form}, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    services.sign_out(request=request)
    return HttpResponseRedirect(f"{reverse('accounts:sign_in')}?reason=signed-out")


# --- the account page ---------------------------------------------------------------------


@signed_in
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/home.html",
        {
            "backup_codes_left": services.backup_codes_left(user=request.user),
            "membership": Membership.objects.filter(user=request.user)
            .select_related("organisation")
            .first(),
        },
    )


@signed_in
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = forms.PasswordChangeForm(posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        services.password_change(
            request=request,
            account_key=request.account_key,
            new_password=form.cleaned_data["new_password"],
        )
        messages.success(
            request, _("Your password has been changed. Other devices are signed out.")
        )
        return redirect("accounts:home")
    return render(request, "accounts/password_change.html", {"form": form})


@require_http_methods(["GET", "POST"])
def recover(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:home")
    form = forms.RecoverForm(posted(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        result, new_code = services.reset_with_recovery_code(
            request=request,
            username=form.cleaned_data["username"],
            recovery_code=form.cleaned_data["recovery_code"],
            new_password=form.cleaned_data["new_password"],
        )
        if result.outcome is Outcome.SIGNED_IN:
            return _show_recovery_code(request, new_code, first_time=False)
        if result.outcome is Outcome.SLOW_DOWN:
            form.add_error(None, _slow_down_message(result.wait_seconds))
            status = 429
        else:
            form.add_error(
                None, _("The username or recovery code is wrong. Check them and try again.")
            )
    return render(request, "accounts/recover.html", {"form": form}, status=status)


@signed_in
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = forms.DeleteAccountForm(
        posted(request), user=request.user, account_key=request.account_key
    )
    if request.method == "POST" and form.is_valid():
        services.account_delete(request=request)
        return render(request, "accounts/deleted.html")
    return render(request, "accounts/delete.html", {"form": form})


# --- sessions and history ---------------------------------------------------------------------


@signed_in
@require_safe
def sessions(request: HttpRequest) -> HttpResponse:
    rows = services.sessions_list(
        user=request.user,
        account_key=request.account_key,
        current_key=request.session.session_key,
    )
    return render(request, "accounts/sessions.html", {"sessions": rows})


@signed_in
@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    count = services.sessions_end_others(request=request)
    messages.success(request, _("Signed out of %(count)s other devices.") % {"count": count})
    return redirect("accounts:sessions")


@signed_in
@require_POST
def session_end(request: HttpRequest, session_id: str) -> HttpResponse:
    if not services.session_end(request=request, session_id=session_id):
        raise Http404
    messages.success(request, _("That device has been signed out."))
    return redirect("accounts:sessions")


@signed_in
@require_safe
def history(request: HttpRequest) -> HttpResponse:
    events = services.sign_in_history(user=request.user, account_key=request.account_key)
    return render(request, "accounts/history.html", {"events": events})


@signed_in
@require_safe
def session_status(request: HttpRequest) -> JsonResponse:
    """For the idle warning: how long until this sign-in ends if nothing happens."""
    last = request.session.get(LAST_ACTIVITY_FIELD, timezone.now().timestamp())
    left = settings.SAFETRAIL_IDLE_TIMEOUT_SECONDS - (timezone.now().timestamp() - last)
    # Rounded up: the page's countdown must never end before the server's. A
    # page that gave up early would go to the sign-in page still signed in,
    # be sent back to the account page, and that visit would count as activity.
    return JsonResponse({"seconds_left": max(0, math.ceil(left))})


@signed_in
@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"seconds_left": settings.SAFETRAIL_IDLE_TIMEOUT_SECONDS})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("accounts:home")
    return HttpResponseRedirect(target)


# --- two-step sign-in ---------------------------------------------------------------------


@signed_in
@require_http_methods(["GET", "POST"])
def two_step_setup(request: HttpRequest) -> HttpResponse:
    if request.user.two_step_enabled:
        return redirect("accounts:home")
    # Kept between the two steps of set-up sealed with the account key, like
    # the secret itself once two-step is on: never in clear in the session table.
    secret = services.setup_secret_open(request) or two_step.new_secret()
    services.setup_secret_keep(request, secret)
    form = forms.TwoStepSetupForm(posted(request))
    if request.method == "POST" and form.is_valid():
        codes = services.two_step_enable(
            user=request.user,
            account_key=request.account_key,
            secret=secret,
            code=form.cleaned_data["code"],
        )
        if codes is not None:
            del request.session[services.TOTP_SETUP_FIELD]
            return render(request, "accounts/backup_codes.html", {"codes": codes, "first": True})
        form.add_error("code", _("That code did not work. Check the app and try again."))
    uri = two_step.provisioning_uri(
        secret, account_label=request.user.username, issuer=settings.SAFETRAIL_SITE_NAME
    )
    return render(
        request,
        "accounts/two_step_setup.html",
        {"form": form, "secret": secret, "qr_svg": two_step.qr_svg(uri)},
    )


@signed_in
@require_http_methods(["GET", "POST"])
def two_step_disable(request: HttpRequest) -> HttpResponse:
    if not request.user.two_step_enabled:
        return redirect("accounts:home")
    form = forms.PasswordConfirmForm(
        posted(request), user=request.user, account_key=request.account_key
    )
    if request.method == "POST" and form.is_valid():
        services.two_step_disable(user=request.user)
        messages.success(request, _("Two-step sign-in is off."))
        return redirect("accounts:home")
    return render(request, "accounts/two_step_disable.html", {"form": form})


@signed_in
@require_http_methods(["GET", "POST"])
def backup_codes(request: HttpRequest) -> HttpResponse:
    if not request.user.two_step_enabled:
        return redirect("accounts:home")
    form = forms.PasswordConfirmForm(
        posted(request), user=request.user, account_key=request.account_key
    )
    if request.method == "POST" and form.is_valid():
        codes = services.backup_codes_replace(user=request.user)
        return render(request, "accounts/backup_codes.html", {"codes": codes, "first": False})
    return render(request, "accounts/backup_codes_new.html", {"form": form})


# --- organisations ---------------------------------------------------------------------


@organisation_admin
@require_http_methods(["GET", "POST"])
def organisation(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    form = forms.InvitationForm(posted(request))
    invitation_link = ""
    if request.method == "POST" and form.is_valid():
        token = services.invitation_create(
            organisation=organisation, created_by=request.user, note=form.cleaned_data["note"]
        )
        invitation_link = request.build_absolute_uri(reverse("accounts:join", args=[token]))
        form = forms.InvitationForm()
    return render(
        request,
        "accounts/organisation.html",
        {
            "organisation": organisation,
            "members": organisation.memberships.select_related("user").order_by("user__username"),
            "invitations": organisation.invitations.filter(
                accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
            ).order_by("-created_at"),
            "form": form,
            "invitation_link": invitation_link,
        },
    )


@organisation_admin
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: str) -> HttpResponse:
    if not services.invitation_revoke(
        organisation=request.organisation, invitation_id=invitation_id
    ):
        raise Http404
    messages.success(request, _("The invitation has been cancelled."))
    return redirect("accounts:organisation")


@organisation_admin
@require_POST
def member_remove(request: HttpRequest, user_id: int) -> HttpResponse:
    if user_id == request.user.pk or not services.membership_remove(
        organisation=request.organisation, user_id=user_id
    ):
        raise Http404
    messages.success(request, _("That person is no longer in your organisation."))
    return redirect("accounts:organisation")


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/join_invalid.html", status=404)
    if request.user.is_authenticated:
        return render(request, "accounts/join_signed_in.html", status=409)
    form = forms.JoinForm(posted(request))
    if request.method == "POST" and form.is_valid():
        created = services.invitation_accept(
            token=token,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["new_password"],
        )
        if created is None:
            return render(request, "accounts/join_invalid.html", status=404)
        user, account_key, recovery_code = created
        services.start_sign_in_for_new_account(request, user, account_key)
        return _show_recovery_code(request, recovery_code, first_time=True)
    return render(
        request, "accounts/join.html", {"form": form, "organisation": invitation.organisation}
    )
