"""The quick exit in a real browser: button, Shift three times, keyboard, no script."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.http import HttpRequest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import (
    NOT_FOUND_PAGES,
    ExitSite,
    NewPage,
    open_safetrail_page,
    record_requests,
)

pytestmark = pytest.mark.browser

BUTTON = ".govuk-exit-this-page .govuk-exit-this-page__button"
SKIP_LINK = "a.govuk-js-exit-this-page-skiplink"


def press_shift(page: Page, times: int) -> None:
    for _ in range(times):
        page.keyboard.press("Shift")


def test_button_leaves_and_takes_this_page_out_of_the_history(
    page: Page, live_server: LiveServer, exit_site: ExitSite
) -> None:
    # Start on another site, so Back has somewhere to go that tells a replaced
    # history entry (Back skips Safetrail) from an added one (Back returns).
    before = exit_site.page("/before/")
    page.goto(before)
    safetrail_page = live_server.url + "/"
    open_safetrail_page(page, safetrail_page)

    page.locator(BUTTON).click()

    page.wait_for_url(exit_site.url)
    assert page.title() == exit_site.title
    page.go_back()
    assert page.url != safetrail_page
    assert page.url == before


def test_shift_three_times_leaves(page: Page, live_server: LiveServer, exit_site: ExitSite) -> None:
    open_safetrail_page(page, live_server.url + "/")

    press_shift(page, 3)

    page.wait_for_url(exit_site.url)
    assert page.title() == exit_site.title


def test_shift_twice_does_not_leave(
    page: Page, live_server: LiveServer, exit_site: ExitSite
) -> None:
    record = record_requests(page)
    safetrail_page = live_server.url + "/"
    open_safetrail_page(page, safetrail_page)

    press_shift(page, 2)

    # The component counts presses inside its keyup handler and leaves on the
    # third in the same call, so this message proves the second did not leave.
    expect(page.locator(".govuk-exit-this-page [role=status]")).to_have_text(
        "Shift, press 1 more time to exit."
    )
    expect(page.locator(".govuk-exit-this-page-overlay")).to_have_count(0)
    assert page.url == safetrail_page
    assert [url for url in record.requests if urlsplit(url).path == "/exit/"] == []


def test_exit_works_without_javascript(
    new_page: NewPage, live_server: LiveServer, exit_site: ExitSite
) -> None:
    page = new_page(java_script_enabled=False)
    record = record_requests(page)
    open_safetrail_page(page, live_server.url + "/")
    assert "js-enabled" not in (page.locator("body").get_attribute("class") or "")

    page.locator(BUTTON).click()

    page.wait_for_url(exit_site.url)
    assert page.title() == exit_site.title
    # A plain link: the server's /exit/ ends the session and redirects. (Without
    # script nothing can replace the history entry, so Back does return here;
    # the leaving-quickly advice says "on most browsers" for this reason.)
    assert live_server.url + "/exit/" in record.requests


def _authenticates(session_key: str) -> bool:
    request = HttpRequest()
    request.session = SessionStore(session_key=session_key)
    return get_user(request).is_authenticated


def test_exit_signs_the_user_out(
    page: Page, live_server: LiveServer, exit_site: ExitSite, signed_in_client
) -> None:
    open_safetrail_page(page, live_server.url + "/")
    # The cookie goes in once the page is open: a forced login has none of the
    # vault cookies a real sign-in has, and any other page would rightly end
    # such a sign-in itself. This way the exit is the request that must end it.
    cookie_name = settings.SESSION_COOKIE_NAME
    session_key = signed_in_client.cookies[cookie_name].value
    page.context.add_cookies([{"name": cookie_name, "value": session_key, "url": live_server.url}])
    assert _authenticates(session_key), "the browser should start signed in"

    page.locator(BUTTON).click()

    page.wait_for_url(exit_site.url)
    assert not _authenticates(session_key)
    assert not Session.objects.filter(session_key=session_key).exists()
    assert Session.objects.count() == 0
    assert [c for c in page.context.cookies() if c["name"] == cookie_name] == []


@pytest.mark.parametrize("path", NOT_FOUND_PAGES)
def test_not_found_page_has_a_working_exit(
    page: Page, live_server: LiveServer, exit_site: ExitSite, path: str
) -> None:
    open_safetrail_page(page, live_server.url + path, status=404)
    expect(page.locator(BUTTON)).to_be_visible()

    press_shift(page, 3)

    page.wait_for_url(exit_site.url)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_first_tab_stop_is_the_exit_skip_link(
    new_page: NewPage, live_server: LiveServer, exit_site: ExitSite, javascript: bool
) -> None:
    page = new_page(java_script_enabled=javascript)
    open_safetrail_page(page, live_server.url + "/")
    skip_link = page.locator(SKIP_LINK)
    hidden = skip_link.bounding_box()
    assert hidden is not None
    assert hidden["width"] <= 1
    assert hidden["height"] <= 1

    page.keyboard.press("Tab")

    expect(skip_link).to_be_focused()
    shown = skip_link.bounding_box()
    assert shown is not None
    assert shown["width"] > 20
    assert shown["height"] > 10
    viewport = page.viewport_size
    assert viewport is not None
    assert shown["y"] >= 0
    assert shown["y"] + shown["height"] <= viewport["height"]
    # A 1px box can still be clipped to nothing, which is how it hides.
    assert skip_link.evaluate("link => getComputedStyle(link).clipPath") == "none"

    page.keyboard.press("Enter")

    page.wait_for_url(exit_site.url)


@pytest.mark.parametrize("width", [375, 1280])
def test_the_button_stays_on_screen_down_a_long_page(
    page: Page, live_server: LiveServer, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 700})
    open_safetrail_page(page, live_server.url + "/")
    # However long the page (a long form on a phone, say).
    # (Set through the DOM: the site's CSP refuses inline style attributes.)
    page.evaluate(
        "const filler = document.createElement('div');"
        "filler.style.height = '4000px';"
        "document.querySelector('main').append(filler);"
    )

    page.evaluate("window.scrollTo(0, 2500)")
    assert page.evaluate("window.scrollY") > 2000

    box = page.locator(BUTTON).bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= 700
    # Still the button, on top: a click there leaves.
    hit = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('.govuk-exit-this-page__button')"
        " !== null",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert hit


def test_on_a_phone_focus_comes_to_rest_below_the_button_not_under_it(
    page: Page, live_server: LiveServer
) -> None:
    page.set_viewport_size({"width": 375, "height": 700})
    open_safetrail_page(page, live_server.url + "/")
    page.evaluate(
        "const target = document.createElement('button');"
        "target.id = 'far-up'; target.textContent = 'Far up';"
        "const above = document.createElement('div');"
        "above.style.height = '2000px';"
        "const below = document.createElement('div');"
        "below.style.height = '4000px';"
        "document.querySelector('main').prepend(above, target, below);"
    )
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")

    # Shift+Tab back to something above the screen scrolls it to the top edge.
    page.evaluate("document.getElementById('far-up').focus()")

    button = page.locator(BUTTON).bounding_box()
    target = page.locator("#far-up").bounding_box()
    assert button is not None
    assert target is not None
    assert page.evaluate("window.scrollY") > 1000
    assert target["y"] >= button["y"] + button["height"]
