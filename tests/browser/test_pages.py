"""Every page in a real browser: nothing fetched from elsewhere, no errors, exit in reach."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import (
    PHONE,
    NewPage,
    every_page,
    open_safetrail_page,
    record_requests,
)

pytestmark = pytest.mark.browser

PAGES = every_page()


@pytest.mark.parametrize(("path", "status"), PAGES)
def test_page_talks_only_to_this_site_and_logs_no_errors(
    new_page: NewPage, live_server: LiveServer, path: str, status: int
) -> None:
    page = new_page()
    record = record_requests(page, expected_status=status)

    open_safetrail_page(page, live_server.url + path, status=status)
    page.wait_for_load_state("networkidle")

    own = urlsplit(live_server.url).netloc
    assert [url for url in record.requests if urlsplit(url).netloc != own] == []
    assert record.console_errors == []
    assert record.page_errors == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize(("path", "status"), PAGES)
def test_exit_button_is_in_view_on_a_phone_without_scrolling(
    new_page: NewPage, live_server: LiveServer, path: str, status: int, javascript: bool
) -> None:
    page = new_page(**PHONE, java_script_enabled=javascript)
    open_safetrail_page(page, live_server.url + path, status=status)

    button = page.locator(".govuk-exit-this-page__button")
    box = button.bounding_box()
    assert box is not None, "the exit button is not rendered"
    width, height = PHONE["viewport"]["width"], PHONE["viewport"]["height"]
    assert page.evaluate("() => [window.scrollX, window.scrollY]") == [0, 0]
    assert box["x"] >= 0
    assert box["y"] >= 0
    assert box["x"] + box["width"] <= width
    assert box["y"] + box["height"] <= height
    # In the viewport is not enough if something is drawn over it.
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.closest('.govuk-exit-this-page__button')"
        " !== null",
        list(centre),
    )
    assert on_top, "something covers the exit button"
