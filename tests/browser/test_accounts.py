"""Accounts in a real browser: sign-up, sign-in and out, every signed-in page, idle, two-step.

Every sign-in here goes through the real form, so the browser holds the vault
cookie a real sign-in gives it; a forced login would be signed out at once.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pyotp
import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from playwright.sync_api import Browser, Page, Playwright, Response, expect
from pytest_django.live_server_helper import LiveServer

from safetrail.accounts import services
from safetrail.accounts.middleware import LAST_ACTIVITY_FIELD
from safetrail.accounts.models import User
from tests.authz import PASSWORD, ROUTES, Access, build_world
from tests.browser.conftest import (
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    TIMEOUT_MS,
    NewPage,
    live_netloc,
    open_safetrail_page,
    record_requests,
    run_axe,
)

pytestmark = pytest.mark.browser

USERNAME = "walker-dana"
SUBMIT = "main form button[type=submit]"
ERROR_SUMMARY = ".govuk-error-summary"
IDLE_DIALOG = "dialog#idle-warning"
# Six groups of four from the recovery alphabet (no I, L, O or U).
RECOVERY_CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){5}")
# Pages that answer JSON for the page's own scripts, not a person.
# Not pages: JSON for the idle warning, and evidence files streamed as they are.
JSON_ROUTES = {
    "accounts:session_status",
    "evidence:view",
    "evidence:download",
    "evidence:preview",
}
SIGNED_IN_GET_ROUTES = [
    name
    for name, route in ROUTES.items()
    if route.access is not Access.PUBLIC
    and "get" in route.methods
    and route.page
    and name not in JSON_ROUTES
]


# --- helpers ------------------------------------------------------------------------------


def make_account(username: str = USERNAME) -> User:
    user, _, _ = services.account_create(username=username, password=PASSWORD)
    services.recovery_code_confirm(user=user)
    return user


def path_of(page: Page) -> str:
    parts = urlsplit(page.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def assert_no_axe_violations(page: Page, axe_source: str, where: str) -> None:
    violations = run_axe(page, axe_source)
    assert violations == [], f"{where}:\n" + "\n".join(violations)


def assert_no_store(response: Response | None, where: str) -> None:
    assert response is not None, f"{where}: no response"
    cache_control = response.headers.get("cache-control", "")
    assert "no-store" in cache_control, f"{where} sent Cache-Control: {cache_control!r}"


def submit(page: Page) -> Response | None:
    """Presses the page's submit button and returns the response the browser settled on."""
    with page.expect_navigation() as navigation:
        page.locator(SUBMIT).click()
    response = navigation.value
    page.wait_for_load_state()
    return response


def sign_in(page: Page, live_server: LiveServer, username: str, password: str = PASSWORD) -> None:
    open_safetrail_page(page, live_server.url + reverse("accounts:sign_in"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    submit(page)


def assert_signed_in_landing(page: Page) -> None:
    # A completed sign-in opens the diary (its only case, when there is one).
    assert urlsplit(page.url).path.startswith(reverse("diary:home")), page.url
    expect(page.locator(IDLE_DIALOG)).to_have_count(1)


def session_key(page: Page) -> str:
    (cookie,) = [
        c for c in page.context.cookies() if c["name"] == django_settings.SESSION_COOKIE_NAME
    ]
    return cookie["value"]


# --- 1. signing up ------------------------------------------------------------------------


def test_sign_up_shows_the_recovery_code_once_and_asks_it_was_kept(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    sign_up = live_server.url + reverse("accounts:sign_up")
    response = page.goto(sign_up)
    assert response is not None
    assert response.status == 200
    assert_no_store(response, "the sign-up page")
    page.wait_for_selector("[data-govuk-exit-this-page-init]", state="attached")
    assert_no_axe_violations(page, axe_source, "sign-up page")

    page.fill("#id_username", USERNAME)
    page.fill("#id_new_password", PASSWORD)
    page.fill("#id_new_password_again", PASSWORD)
    response = submit(page)

    # Rendered in answer to the POST: the code is never at an address of its own.
    assert response is not None
    assert response.status == 200
    assert_no_store(response, "the recovery-code page")
    assert path_of(page) == reverse("accounts:sign_up")
    expect(page.locator("h1")).to_have_text("Your recovery code")
    code = page.locator(".safetrail-code-box code").inner_text().strip()
    assert RECOVERY_CODE.fullmatch(code), code
    assert len(code.replace("-", "")) == 24
    expect(page.locator(".govuk-warning-text")).to_contain_text(
        "Without your password or this code, nobody can open your records."
    )
    page.wait_for_selector("[data-govuk-exit-this-page-init]", state="attached")
    assert_no_axe_violations(page, axe_source, "recovery-code page")

    # Continue without ticking the box: the error summary, focused by GOV.UK's script.
    response = submit(page)
    assert response is not None
    assert response.status == 200
    assert path_of(page) == reverse("accounts:recovery_code_confirm")
    summary = page.locator(ERROR_SUMMARY)
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    expect(page.locator("#id_kept-error")).to_be_visible()
    assert_no_axe_violations(page, axe_source, "recovery-code confirmation with an error")
    # The code itself is not shown again.
    assert code not in page.content()

    page.check("#id_kept")
    submit(page)

    assert_signed_in_landing(page)
    user = User.objects.get(username=USERNAME)
    assert user.recovery_code_confirmed_at is not None
    open_safetrail_page(page, live_server.url + reverse("accounts:home"))
    expect(page.locator("h1")).to_have_text("Your account")


# --- 2. signing in and out ------------------------------------------------------------


@pytest.fixture
def bfcache_browser(playwright: Playwright) -> Iterator[Browser]:
    """A Chromium with the back-forward cache on, as a person's browser has it.

    Playwright turns the cache off by default; with it off, "Back did not
    restore the page from the cache" would be true whatever the site sent.
    """
    browser = playwright.chromium.launch(
        executable_path=os.environ.get("SAFETRAIL_CHROMIUM", "/usr/bin/chromium"),
        args=CHROMIUM_ARGS,
        ignore_default_args=["--disable-back-forward-cache"],
    )
    yield browser
    browser.close()


def test_sign_in_then_sign_out_and_back_does_not_show_the_account(
    bfcache_browser: Browser, live_server: LiveServer, axe_source: str
) -> None:
    make_account()
    context = bfcache_browser.new_context(**DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, live_server, USERNAME)
        assert_signed_in_landing(page)
        account = live_server.url + reverse("accounts:home")
        open_safetrail_page(page, account)
        expect(page.locator("h1")).to_have_text("Your account")
        expect(page.locator("main")).to_contain_text(USERNAME)
        assert_no_axe_violations(page, axe_source, "account page")
        # Survives only if Back brings this very document back from the cache.
        page.evaluate("() => { window.safetrailMarker = 'still here' }")
        page.evaluate(
            "() => addEventListener('pageshow', (event) => {"
            " if (event.persisted) window.safetrailRestored = true })"
        )

        page.locator("main").get_by_role("button", name="Sign out", exact=True).click()
        page.wait_for_url("**" + reverse("accounts:sign_in") + "?reason=signed-out")
        expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out.")

        requested: list[str] = []
        page.on(
            "request",
            lambda request: (
                requested.append(urlsplit(request.url).path)
                if request.is_navigation_request()
                else None
            ),
        )
        # A page restored from the cache fires no load event: wait for less.
        page.go_back(wait_until="commit")

        restored = page.evaluate("() => [window.safetrailMarker, window.safetrailRestored]")
        assert restored == [None, None], "Back restored the account page from the cache"
        page.wait_for_load_state()
        # Asked the server again, which sent it to sign in.
        assert reverse("accounts:home") in requested, requested
        assert urlsplit(page.url).path == reverse("accounts:sign_in"), page.url
        expect(page.get_by_role("heading", name="Your account")).to_have_count(0)
        expect(page.get_by_text(USERNAME)).to_have_count(0)
        expect(page.locator(IDLE_DIALOG)).to_have_count(0)
    finally:
        context.close()


# --- 3. every signed-in page ------------------------------------------------------------


def test_every_signed_in_page_as_its_owner(
    new_page: NewPage, live_server: LiveServer, axe_source: str
) -> None:
    world = build_world()
    own_host = live_netloc(live_server)
    desktop = new_page(**DESKTOP)
    sign_in(desktop, live_server, world.owner.marker)
    assert_signed_in_landing(desktop)
    # The phone gets the very cookies the real sign-in gave the desktop.
    phone = new_page(**PHONE, storage_state=desktop.context.storage_state())

    problems: list[str] = []
    for viewport, page in (("desktop", desktop), ("phone", phone)):
        record = record_requests(page)
        documents: list[Response] = []
        page.on(
            "response",
            lambda response, documents=documents: (
                documents.append(response) if response.request.is_navigation_request() else None
            ),
        )
        for name in SIGNED_IN_GET_ROUTES:
            url = ROUTES[name].build(world)
            where = f"{name} ({url}) at {viewport} size"
            documents.clear()
            response = page.goto(live_server.url + url)
            page.wait_for_load_state("networkidle")
            assert response is not None
            if response.status >= 400:
                problems.append(f"{where}: status {response.status}")
                continue
            if urlsplit(page.url).path == reverse("accounts:sign_in"):
                problems.append(f"{where}: sent to sign in")
                continue
            if not response.headers.get("content-type", "").startswith("text/html"):
                problems.append(f"{where}: not an HTML page")
            for document in documents:
                cache_control = document.headers.get("cache-control", "")
                if "no-store" not in cache_control:
                    problems.append(f"{where}: {document.url} sent {cache_control!r}")
            page.wait_for_selector("[data-govuk-exit-this-page-init]", state="attached")
            violations = run_axe(page, axe_source)
            if violations:
                problems.append(f"{where}:\n" + "\n".join(violations))
        foreign = sorted({u for u in record.requests if urlsplit(u).netloc != own_host})
        if foreign:
            problems.append(f"{viewport}: requests to other hosts: {foreign}")
        if record.console_errors or record.page_errors:
            problems.append(f"{viewport}: errors {record.console_errors + record.page_errors}")

    assert problems == [], "\n".join(problems)
    assert "accounts:two_step_setup" in SIGNED_IN_GET_ROUTES


# --- 4. wrong password --------------------------------------------------------------------


def test_wrong_password_is_refused_clearly_and_accessibly(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    make_account()

    sign_in(page, live_server, USERNAME, password="not the password at all")

    summary = page.locator(ERROR_SUMMARY)
    expect(summary).to_contain_text("The username or password is wrong")
    expect(summary).to_be_focused()
    assert path_of(page) == reverse("accounts:sign_in")
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator("#id_username")).to_have_value(USERNAME)
    assert_no_axe_violations(page, axe_source, "sign-in page with an error")
    expect(page.locator(IDLE_DIALOG)).to_have_count(0)


# --- 5. showing the password ------------------------------------------------------------


def test_password_can_be_shown_and_hidden(page: Page, live_server: LiveServer) -> None:
    open_safetrail_page(page, live_server.url + reverse("accounts:sign_in"))
    password = page.locator("#id_password")
    toggle = page.locator("#id_password ~ .govuk-password-input__toggle")
    page.wait_for_selector("[data-govuk-password-input-init]", state="attached")
    password.fill("a secret phrase")
    expect(password).to_have_attribute("type", "password")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_text("Show")

    toggle.click()

    expect(password).to_have_attribute("type", "text")
    expect(toggle).to_have_text("Hide")
    expect(toggle).to_have_attribute("aria-label", "Hide password")

    toggle.click()

    expect(password).to_have_attribute("type", "password")
    expect(toggle).to_have_text("Show")
    expect(password).to_have_value("a secret phrase")


# --- 6. the idle warning ----------------------------------------------------------------


def test_idle_warning_lets_you_stay_and_otherwise_signs_you_out(
    page: Page, live_server: LiveServer, axe_source: str, settings
) -> None:
    settings.SAFETRAIL_IDLE_TIMEOUT_SECONDS = 6
    settings.SAFETRAIL_IDLE_WARNING_SECONDS = 4
    make_account()
    sign_in(page, live_server, USERNAME)
    assert_signed_in_landing(page)
    account = live_server.url + reverse("accounts:home")
    open_safetrail_page(page, account)
    dialog = page.locator(IDLE_DIALOG)
    expect(dialog).to_be_hidden()

    page.wait_for_selector(f"{IDLE_DIALOG}[open]", timeout=10_000)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("You will be signed out soon")
    assert_no_axe_violations(page, axe_source, "account page with the idle warning open")
    key = session_key(page)
    before = SessionStore(session_key=key)[LAST_ACTIVITY_FIELD]

    with page.expect_response(lambda r: r.url.endswith(reverse("accounts:keep_alive"))) as kept:
        dialog.get_by_role("button", name="Stay signed in").click()
    assert kept.value.status == 200

    page.wait_for_selector(f"{IDLE_DIALOG}:not([open])", state="attached", timeout=5_000)
    assert path_of(page) == reverse("accounts:home")
    # The server counted "Stay signed in" as activity.
    assert SessionStore(session_key=key)[LAST_ACTIVITY_FIELD] > before
    response = page.goto(account)
    assert response is not None
    assert response.status == 200
    assert path_of(page) == reverse("accounts:home")
    expect(page.locator("h1")).to_have_text("Your account")

    # Now do nothing: warned, then signed out by the page and by the server.
    page.wait_for_selector(f"{IDLE_DIALOG}[open]", timeout=10_000)
    page.wait_for_url("**" + reverse("accounts:sign_in") + "?reason=idle", timeout=10_000)
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You were signed out because you did nothing for a while."
    )
    expect(dialog).to_have_count(0)
    assert not Session.objects.filter(session_key=key).exists()
    page.goto(account)
    assert urlsplit(page.url).path == reverse("accounts:sign_in")


# --- 7. two-step sign-in ----------------------------------------------------------------


def test_two_step_set_up_then_sign_in_with_a_code(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    user = make_account()
    sign_in(page, live_server, USERNAME)
    assert_signed_in_landing(page)
    open_safetrail_page(page, live_server.url + reverse("accounts:two_step_setup"))
    expect(page.locator(".safetrail-qr svg")).to_have_count(1)
    secret = page.locator(".safetrail-code-box code").inner_text().strip()
    totp = pyotp.TOTP(secret)
    page.fill("#id_code", totp.now())
    submit(page)

    expect(page.locator("h1")).to_have_text("Your backup codes")
    codes = page.locator(".safetrail-code-list li code")
    expect(codes).to_have_count(10)
    assert all(re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", c) for c in codes.all_inner_texts())
    assert_no_axe_violations(page, axe_source, "backup codes page")
    user.refresh_from_db()
    assert user.two_step_enabled
    used_step = user.totp_last_step

    open_safetrail_page(page, live_server.url + reverse("accounts:home"))
    page.locator("main").get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url("**" + reverse("accounts:sign_in") + "?reason=signed-out")

    sign_in(page, live_server, USERNAME)

    assert path_of(page) == reverse("accounts:sign_in_code")
    expect(page.locator("h1")).to_have_text("Enter your code")
    assert_no_axe_violations(page, axe_source, "code page")
    # The code used to turn two-step on cannot be used again: if this time
    # step's code was that one, take the next (one step of drift is allowed).
    step = max(int(time.time() // totp.interval), used_step + 1)
    page.fill("#id_code", totp.at(step * totp.interval))
    submit(page)

    assert_signed_in_landing(page)
    open_safetrail_page(page, live_server.url + reverse("accounts:home"))
    expect(page.locator("main")).to_contain_text("On. 10 backup codes left.")


# --- Welsh ------------------------------------------------------------------------------


def test_welsh_sign_in_page_is_welsh_and_accessible(
    page: Page, live_server: LiveServer, axe_source: str
) -> None:
    open_safetrail_page(page, live_server.url + "/cy" + reverse("accounts:sign_in"))

    assert page.locator("html").get_attribute("lang") == "cy"
    assert_no_axe_violations(page, axe_source, "Welsh sign-in page")
