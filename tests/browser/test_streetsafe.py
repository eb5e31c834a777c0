"""Street Safe in a real browser: the report flow with and without JavaScript, "me too",
the public map, and axe on every Street Safe page.

The flows go through the pages exactly as a person would: the map is tapped
(no tiles are configured, so it is a plain grid), the device's location comes
from the browser context, the proof of work is solved by the page's own
script. Every page is checked with axe-core's WCAG 2.2 A and AA rules, for
console errors (which include CSP violations) and for requests to any host
but this one. Staff sign in through the real form, so the browser holds the
vault cookie a real sign-in gives it.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import ConsoleMessage, Page, Response, expect
from pytest_django.live_server_helper import LiveServer

from safetrail.accounts import services as accounts
from safetrail.accounts.models import Role, User
from safetrail.streetsafe import area, services
from safetrail.streetsafe import police_data as police
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import AreaAction, ModerationAction, Report
from tests.authz import PASSWORD
from tests.browser.conftest import (
    JS_READY,
    PHONE,
    VIEWPORTS,
    NewPage,
    live_netloc,
    run_axe,
)

pytestmark = pytest.mark.browser

# Inside the configured area (tests use the default, 51.48,-0.20 to 51.54,-0.05).
INSIDE = Point(51.5101, -0.1340)
# About 15 m from INSIDE: close enough to be offered as "the same place".
NEXT_DOOR = ("51.5102", "-0.1341")
# Where the phone says it is for "It's happening here now".
HERE_NOW = Point(51.5123, -0.1111)

ERROR_SUMMARY = ".govuk-error-summary"
MAP = "#streetsafe-report-map"
PROOF = "form[data-streetsafe-proof] input[name=proof]"
PROOF_SOLVED = f"() => document.querySelector('{PROOF}').value !== ''"
ALTERNATIVES = "[data-streetsafe-alternatives]"
NUMBER = re.compile(r"^-?\d+\.\d+$")
# Where Watch opens its copy of a page that has JavaScript off (never asked of the server).
COPY_PATH = "/axe-copy-of-a-page-without-javascript/"


# --- set-up ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_limits() -> Any:
    # The live server runs in this process: rate limits and used proofs are in
    # the same cache, which would otherwise carry over from test to test.
    cache.clear()
    yield
    cache.clear()


def report_at(point: Point, *, days_ago: int = 0, note: str = "", **fields: Any) -> Report:
    """A stored report, from a sender of its own so no rate limit bites."""
    day = services.today() - timedelta(days=days_ago)
    when = {"when": "now"} if days_ago == 0 else {"when": "another_day", "day": day}
    draft = services.Draft(
        point=point,
        located_by="map",
        reasons=fields.pop("reasons", ["badly_lit"]),
        band="" if days_ago == 0 else "evening",
        note=note,
        **when,
        **fields,
    )
    return services.report_create(
        draft,
        address=str(uuid.uuid4()),
        verified=True,
        received_on=day,  # sent that day
    )


def public_area() -> list[Report]:
    """k reports on k different days in one cell: enough to show on the public map,
    with an action taken there that the public may see."""
    reports = [
        report_at(INSIDE, days_ago=day)
        for day in range(1, django_settings.SAFETRAIL_STREETSAFE_K + 1)
    ]
    services.action_record(
        cell=reports[0].cell_8,
        kind="lighting",
        description="Two street lights were fixed.",
        taken_on=services.today(),
        public=True,
        recorded_by=None,
    )
    assert len(services.public_cells()) == 1
    return reports


def staff(username: str, role: str) -> User:
    user, _, _ = accounts.account_create(username=username, password=PASSWORD)
    accounts.recovery_code_confirm(user=user)
    user.role = role
    user.save(update_fields=["role"])
    return user


# --- moving through the pages ---------------------------------------------------------------


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def javascript_on(page: Page) -> bool:
    return page.evaluate("() => document.body.classList.contains('govuk-frontend-supported')")


def wait_for_scripts(page: Page) -> None:
    if javascript_on(page):
        page.wait_for_selector(JS_READY, state="attached")


def go(page: Page, url: str, *, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == status, f"{url} answered {response.status}"
    wait_for_scripts(page)


def settle(response: Response | None, status: int) -> None:
    assert response is not None
    assert response.status == status, f"{response.url} answered {response.status}"


def press(page: Page, name: str | re.Pattern[str], *, status: int = 200) -> None:
    """Presses a button in the page's main content and waits for the page it leads to."""
    with page.expect_navigation() as navigation:
        page.locator("main").get_by_role("button", name=name, exact=True).click()
    settle(navigation.value, status)
    wait_for_scripts(page)


def follow(page: Page, name: str | re.Pattern[str], *, role: str = "link") -> None:
    with page.expect_navigation() as navigation:
        page.locator("main").get_by_role(role, name=name).click()
    settle(navigation.value, 200)
    wait_for_scripts(page)


def start_report(page: Page, live_server: LiveServer) -> None:
    go(page, live_server.url + reverse("streetsafe:home"))
    # A start button: a link that looks and announces itself as a button.
    follow(page, "Start now", role="button")
    assert path_of(page) == reverse("streetsafe:report_place")
    if javascript_on(page):
        expect(page.locator(MAP)).to_have_class(re.compile(r"\bleaflet-container\b"))


def open_alternatives(page: Page) -> None:
    """Opens "Pick a square on a grid, or type coordinates" if the map's script folded it."""
    alternatives = page.locator(ALTERNATIVES)
    if not alternatives.evaluate("(details) => details.open"):
        alternatives.locator("summary").click()
    expect(page.locator("#id_typed_latitude")).to_be_visible()


def type_coordinates(page: Page, latitude: str, longitude: str) -> None:
    open_alternatives(page)
    page.fill("#id_typed_latitude", latitude)
    page.fill("#id_typed_longitude", longitude)


def tick(page: Page, *labels: str) -> None:
    for label in labels:
        page.get_by_label(label, exact=True).check()


def to_check_page(page: Page, live_server: LiveServer, *, note: str = "") -> None:
    """Typed coordinates, one reason, earlier today at night: on to the check page."""
    start_report(page, live_server)
    type_coordinates(page, *NEXT_DOOR)
    press(page, "Continue")
    tick(page, "Badly lit")
    page.get_by_label("Earlier today", exact=True).check()
    page.get_by_label("Night (midnight to 6am)", exact=True).check()
    if note:
        page.fill("#id_note", note)
    press(page, "Continue")
    assert path_of(page) == reverse("streetsafe:report_check")


def solved(page: Page) -> None:
    """Waits for the check page's script to fill in the proof of work."""
    if javascript_on(page):
        page.wait_for_function(PROOF_SOLVED)


def stored_only() -> Report:
    (report,) = Report.objects.all()
    return report


def only_the_form_cookie(page: Page) -> None:
    # Anonymous: the CSRF cookie is the only one the reporting pages set.
    assert {cookie["name"] for cookie in page.context.cookies()} <= {"csrftoken"}


# --- watching every page --------------------------------------------------------------------


class Watch:
    """Runs axe on each page it is shown and collects what went wrong along the way:
    violations, console errors (CSP violations among them), uncaught errors and
    requests to other hosts. One list of problems at the end, so a run shows them all.
    """

    def __init__(
        self,
        page: Page,
        live_server: LiveServer,
        axe_source: str,
        label: str,
        *,
        copies: Callable[[], Page] | None = None,
        reflow: bool = False,
    ) -> None:
        self.page = page
        # Whether every page must fit the screen's width (the public pages on a
        # phone): scrolling sideways to read each line is hard work.
        self.reflow = reflow
        self.copies = copies
        self.copy: Page | None = None
        self.copy_url = live_server.url + COPY_PATH
        self.own_host = live_netloc(live_server)
        self.axe_source = axe_source
        self.label = label
        self.requests: list[str] = []
        self.console: list[tuple[str, str, str]] = []
        self.page_errors: list[str] = []
        self.error_documents: set[str] = set()
        self.problems: list[str] = []
        self.checked = 0
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("response", self._on_response)

    def _on_console(self, message: ConsoleMessage) -> None:
        self.console.append((message.type, message.text, message.location.get("url", "")))

    def _on_response(self, response: Response) -> None:
        # Chromium logs "Failed to load resource" for a page that is meant to
        # answer 400 or 429: that one message, about that page, is expected.
        if response.request.is_navigation_request() and response.status >= 400:
            self.error_documents.add(response.url)

    def check(self, where: str) -> None:
        self.checked += 1
        assert self.page.title(), f"{where}: no title"
        if self.reflow:
            width, screen = self.page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if width > screen:
                self.problems.append(
                    f"{self.label}, {where}: {width}px wide on a {screen}px screen"
                )
        violations = run_axe(self._axe_page(), self.axe_source)
        if violations:
            self.problems.append(f"{self.label}, {where}:\n" + "\n".join(violations))
        self._errors(where)

    def _axe_page(self) -> Page:
        """The page itself, or with JavaScript off, an exact copy of it to run axe in.

        axe needs timers, which never fire where JavaScript is off. The copy is
        the page's markup as the browser has it, opened at this site's address
        (so its stylesheets load) in a page whose own scripts a CSP blocks, so
        it looks exactly as it does without JavaScript.
        """
        if self.copies is None:
            return self.page
        html = self.page.content()
        if self.copy is None:
            self.copy = self.copies()
        self.copy.route(
            self.copy_url,
            lambda route: route.fulfill(
                status=200,
                content_type="text/html; charset=utf-8",
                headers={"Content-Security-Policy": "script-src 'none'"},
                body=html,
            ),
        )
        self.copy.goto(self.copy_url)
        self.copy.unroute(self.copy_url)
        assert not javascript_on(self.copy)
        return self.copy

    def _errors(self, where: str) -> None:
        for kind, text, url in self.console:
            expected = text.startswith("Failed to load resource") and url in self.error_documents
            if not expected and (kind == "error" or "Content Security Policy" in text):
                self.problems.append(f"{self.label}, {where}: console {kind}: {text} ({url})")
        for error in self.page_errors:
            self.problems.append(f"{self.label}, {where}: uncaught {error}")
        self.console.clear()
        self.page_errors.clear()

    def finish(self) -> None:
        self._errors("at the end")
        assert any(urlsplit(url).netloc == self.own_host for url in self.requests)
        foreign = sorted({url for url in self.requests if urlsplit(url).netloc != self.own_host})
        if foreign:
            self.problems.append(f"{self.label}: requests to other hosts: {foreign}")
        assert self.problems == [], "\n".join(self.problems)


# --- 1. with JavaScript, on a phone ---------------------------------------------------------


def test_a_report_made_by_tapping_the_map_on_a_phone(
    new_page: NewPage, live_server: LiveServer, axe_source: str
) -> None:
    page = new_page(**PHONE)
    watch = Watch(page, live_server, axe_source, "phone, JavaScript", reflow=True)
    start_report(page, live_server)
    # The map is the main way in: the grid and the boxes fold away under it.
    expect(page.locator(ALTERNATIVES)).not_to_have_attribute("open", "")

    box = page.locator(MAP).bounding_box()
    assert box is not None
    page.locator(MAP).tap(position={"x": box["width"] * 0.55, "y": box["height"] * 0.6})

    latitude = page.locator("input[name=latitude]")
    longitude = page.locator("input[name=longitude]")
    expect(latitude).to_have_value(NUMBER)
    expect(longitude).to_have_value(NUMBER)
    expect(page.locator("input[name=located_by]")).to_have_value("map")
    expect(page.locator("[data-streetsafe-map-status]")).to_contain_text("The pin is on the place")
    tapped = Point(float(latitude.input_value()), float(longitude.input_value()))
    assert area.configured().contains(tapped)
    watch.check("place, pin on the map")
    press(page, "Continue")

    assert path_of(page) == reverse("streetsafe:report_details")
    band = page.locator("[data-streetsafe-band]")
    day = page.locator("[data-streetsafe-day]")
    tick(page, "Badly lit", "I was followed")
    page.get_by_label("Now", exact=True).check()
    # "Now" needs no time of day: the server takes it from the clock.
    expect(band).to_be_hidden()
    expect(day).to_be_hidden()
    page.get_by_label("Another day", exact=True).check()
    expect(day).to_be_visible()
    expect(band).to_be_visible()
    yesterday = services.today() - timedelta(days=1)
    page.fill("#id_day_day", str(yesterday.day))
    page.fill("#id_day_month", str(yesterday.month))
    page.fill("#id_day_year", str(yesterday.year))
    page.get_by_label("Evening (6pm to midnight)", exact=True).check()
    watch.check("details, filled in")
    press(page, "Continue")

    assert path_of(page) == reverse("streetsafe:report_check")
    main = page.locator("main")
    expect(main).to_contain_text("The place you chose on the map")
    expect(main).to_contain_text("Badly lit")
    expect(main).to_contain_text("I was followed")
    expect(main).to_contain_text("999")
    # No report near: nothing to say "me too" to.
    expect(page.locator("input[name=same_as]")).to_have_count(0)
    solved(page)
    watch.check("check, proof solved")
    assert Report.objects.count() == 0
    press(page, "Send the report")

    assert path_of(page) == reverse("streetsafe:report_done")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your report was sent")
    expect(main).to_contain_text("call 999")
    expect(main).to_contain_text("call 101")
    watch.check("thank you")
    report = stored_only()
    assert report.verified is True
    assert report.reason_codes == ["badly_lit", "followed"]
    assert report.located_by == "map"
    assert (report.latitude, report.longitude) == (tapped.latitude, tapped.longitude)
    assert report.when == "another_day"
    assert report.happened_on == yesterday
    assert report.band == 3
    only_the_form_cookie(page)
    watch.finish()


def test_its_happening_here_now_uses_the_phones_location(
    new_page: NewPage, live_server: LiveServer
) -> None:
    page = new_page(
        **PHONE,
        permissions=["geolocation"],
        geolocation={"latitude": HERE_NOW.latitude, "longitude": HERE_NOW.longitude},
    )
    start_report(page, live_server)

    page.locator("main").get_by_role("button", name=re.compile("use my location")).click()

    expect(page.locator("input[name=located_by]")).to_have_value("device")
    expect(page.locator("input[name=latitude]")).to_have_value("51.512300")
    expect(page.locator("input[name=longitude]")).to_have_value("-0.111100")
    expect(page.locator("[data-streetsafe-map-status]")).to_contain_text("where you are now")
    press(page, "Continue")
    # Happening now: "Now" is already chosen and no time of day is asked.
    expect(page.get_by_label("Now", exact=True)).to_be_checked()
    expect(page.locator("[data-streetsafe-band]")).to_be_hidden()
    tick(page, "Someone shouted or said things to me")
    press(page, "Continue")
    expect(page.locator("main")).to_contain_text("Where you were, from your device’s location")
    solved(page)
    press(page, "Send the report")

    assert path_of(page) == reverse("streetsafe:report_done")
    report = stored_only()
    assert report.located_by == "device"
    assert (report.latitude, report.longitude) == (HERE_NOW.latitude, HERE_NOW.longitude)
    assert report.when == "now"
    assert report.happened_on == services.today()
    assert report.reason_codes == ["harassed_one"]
    assert report.verified is True


# --- 2. without JavaScript ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["grid", "coordinates"])
def test_a_report_made_without_javascript(
    new_page: NewPage, live_server: LiveServer, axe_source: str, method: str
) -> None:
    page = new_page(**PHONE, java_script_enabled=False)
    watch = Watch(
        page,
        live_server,
        axe_source,
        f"phone, no JavaScript, {method}",
        copies=lambda: new_page(**PHONE),
        reflow=True,
    )
    start_report(page, live_server)
    # No map without the script; the grid and the boxes are open.
    expect(page.locator("[data-streetsafe-map]")).to_be_hidden()
    expect(page.locator(ALTERNATIVES)).to_have_attribute("open", "")

    if method == "grid":
        square = area.square("2-3")
        assert square is not None
        assert square.label == "C4"
        page.get_by_label("Square C4", exact=True).check()
        expected = square.centre
    else:
        type_coordinates(page, *NEXT_DOOR)
        expected = Point(float(NEXT_DOOR[0]), float(NEXT_DOOR[1]))
    press(page, "Continue")

    assert path_of(page) == reverse("streetsafe:report_details")
    tick(page, "No CCTV", "A group shouted or said things to me")
    page.get_by_label("Earlier today", exact=True).check()
    # Midnight to 6am has always come by earlier today, whenever the test runs.
    page.get_by_label("Night (midnight to 6am)", exact=True).check()
    page.fill("#id_note", "There was nobody else around.")
    press(page, "Continue")

    main = page.locator("main")
    if method == "grid":
        expect(main).to_contain_text("Square C4 on the grid")
    else:
        expect(main).to_contain_text("The coordinates you typed")
    expect(main).to_contain_text("There was nobody else around.")
    expect(page.locator(PROOF)).to_have_value("")
    watch.check("check")
    press(page, "Send the report")

    assert path_of(page) == reverse("streetsafe:report_done")
    expect(main).to_contain_text("call 999")
    report = stored_only()
    assert report.verified is False
    assert report.located_by == method
    assert report.latitude == pytest.approx(expected.latitude, abs=1e-6)
    assert report.longitude == pytest.approx(expected.longitude, abs=1e-6)
    assert report.reason_codes == ["no_cctv", "harassed_group"]
    assert report.when == "earlier_today"
    assert report.band == 0
    assert report.note == "There was nobody else around."
    only_the_form_cookie(page)
    watch.finish()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_browsers_back_forward_and_reload_keep_the_answers(
    new_page: NewPage, live_server: LiveServer, javascript: bool
) -> None:
    """Every step is a page fetched with GET: no "Confirm form resubmission", nothing lost."""
    page = new_page(**PHONE, java_script_enabled=javascript)
    to_check_page(page, live_server, note="By the bins.")

    settle(page.reload(), 200)
    expect(page.locator("main")).to_contain_text("By the bins.")
    settle(page.go_back(), 200)
    assert path_of(page) == reverse("streetsafe:report_details")
    # The answers as they are now, though this page was first shown before them.
    expect(page.locator("#id_note")).to_have_value("By the bins.")
    expect(page.get_by_label("Badly lit", exact=True)).to_be_checked()
    settle(page.go_back(), 200)
    assert path_of(page) == reverse("streetsafe:report_place")
    settle(page.go_forward(), 200)
    settle(page.go_forward(), 200)
    assert path_of(page) == reverse("streetsafe:report_check")
    wait_for_scripts(page)
    solved(page)
    press(page, "Send the report")
    assert path_of(page) == reverse("streetsafe:report_done")

    # Back after sending: the answers are gone (with the draft), and it says so.
    settle(page.go_back(), 200)
    expect(page.locator("main")).to_contain_text("If you sent the report, we have it.")
    expect(page.locator("main")).not_to_contain_text("By the bins.")
    assert stored_only().note == "By the bins."


def test_pressing_send_again_while_the_check_runs_does_not_send_it_unchecked(
    new_page: NewPage, live_server: LiveServer, settings: Any
) -> None:
    # A challenge this hard keeps the page's check busy for the whole test.
    settings.SAFETRAIL_STREETSAFE_POW_MAX_NUMBER = 2_000_000_000
    page = new_page(**PHONE)
    to_check_page(page, live_server)
    status = page.locator("[data-streetsafe-proof-status]")
    expect(status).to_have_text("")

    send = page.locator("main").get_by_role("button", name="Send the report", exact=True)
    send.click()
    expect(status).to_contain_text("Your browser is doing a check first")
    page.wait_for_timeout(1200)  # past the button's own one-second double-click guard
    send.click()
    page.wait_for_timeout(1500)

    # Still waiting for the check: nothing was sent, checked or not.
    assert path_of(page) == reverse("streetsafe:report_check")
    assert Report.objects.count() == 0


# --- 3. "me too" ----------------------------------------------------------------------------


def test_the_same_place_as_a_nearby_report_adds_a_me_too(
    new_page: NewPage, live_server: LiveServer
) -> None:
    earlier = report_at(INSIDE, reasons=["badly_lit", "no_cctv"])
    # Reports are offered as "the same place" only where the public map
    # already shows the area: k reports on k different days.
    for days_ago in (8, 15, 22, 29):
        report_at(INSIDE, days_ago=days_ago, reasons=["followed"])
    page = new_page()
    start_report(page, live_server)
    type_coordinates(page, *NEXT_DOOR)
    press(page, "Continue")
    tick(page, "Badly lit")
    page.get_by_label("Now", exact=True).check()
    press(page, "Continue")

    same_as = page.locator("input[name=same_as]")
    expect(same_as).to_have_count(6)
    this_one = page.get_by_label(
        re.compile(r"^Yes, this one: Within 100 m, this week: No CCTV, Badly lit")
    )
    expect(this_one).to_have_value(str(earlier.id))
    solved(page)
    # Sent without an answer, the question comes back with a clear message.
    press(page, "Send the report")
    expect(page.locator(ERROR_SUMMARY)).to_contain_text(
        "Say if this is the same place as one of these"
    )
    assert Report.objects.count() == 5
    this_one.check()
    solved(page)
    press(page, "Send the report")

    assert path_of(page) == reverse("streetsafe:report_done")
    me_too = Report.objects.get(same_as=earlier.id)
    # It adds weight without a new point.
    assert me_too.latitude is None
    assert me_too.cell_10 == earlier.cell_10
    assert me_too.verified is True
    assert {item.id: item.me_too for item in services.nearby(INSIDE)}[earlier.id] == 1


# --- 4. axe on every Street Safe page -------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_public_street_safe_page_passes_axe(
    new_page: NewPage,
    live_server: LiveServer,
    axe_source: str,
    settings: Any,
    viewport: str,
    javascript: bool,
) -> None:
    """The whole report flow, its error states and the refusal, then the map, the table,
    the API page and the home page: each checked as a person would meet it."""
    nearby = public_area()
    page = new_page(**VIEWPORTS[viewport], java_script_enabled=javascript)
    watch = Watch(
        page,
        live_server,
        axe_source,
        f"{viewport}, {'JavaScript' if javascript else 'no script'}",
        copies=None if javascript else lambda: new_page(**VIEWPORTS[viewport]),
        reflow=True,
    )

    start_report(page, live_server)
    watch.check("place")
    open_alternatives(page)
    watch.check("place, grid open")
    # Answers that cannot be read: start again, with a notice.
    page.locator("main input[name=state]").evaluate("(field) => { field.value = 'tampered' }")
    press(page, "Continue", status=400)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Please start again")
    watch.check("place, starting again")
    press(page, "Continue")
    expect(page.locator(ERROR_SUMMARY)).to_be_visible()
    watch.check("place, nothing chosen")
    type_coordinates(page, *NEXT_DOOR)
    press(page, "Continue")

    watch.check("details")
    press(page, "Continue")
    expect(page.locator(ERROR_SUMMARY)).to_contain_text(
        "Tick at least one reason why you felt unsafe"
    )
    watch.check("details, no reasons")
    tick(page, "Badly lit")
    page.get_by_label("Another day", exact=True).check()
    press(page, "Continue")
    expect(page.locator(ERROR_SUMMARY)).to_contain_text("Enter the date")
    watch.check("details, no date")
    page.get_by_label("Now", exact=True).check()
    press(page, "Continue")

    assert path_of(page) == reverse("streetsafe:report_check")
    # Each nearby report, and "No, it is a different place".
    offered = min(len(nearby), services.NEARBY_LIMIT) + 1
    expect(page.locator("input[name=same_as]")).to_have_count(offered)
    solved(page)
    watch.check("check, nearby report offered")
    press(page, "Send the report")
    expect(page.locator(ERROR_SUMMARY)).to_be_visible()
    solved(page)
    watch.check("check, same place not answered")

    page.get_by_label("No, it is a different place", exact=True).check()
    limits = (
        settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY,
        settings.SAFETRAIL_STREETSAFE_HARDER_REPORTS_PER_DAY,
        settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY,
    )
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 0
    settings.SAFETRAIL_STREETSAFE_HARDER_REPORTS_PER_DAY = 0
    settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY = 0
    solved(page)
    press(page, "Send the report", status=429)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your report was not sent")
    watch.check("refused")
    (
        settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY,
        settings.SAFETRAIL_STREETSAFE_HARDER_REPORTS_PER_DAY,
        settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY,
    ) = limits
    if javascript:
        # The proof was solved, so turning JavaScript on would not help: no way back.
        expect(page.locator("main form")).to_have_count(0)
        go(page, live_server.url + reverse("streetsafe:report_done"))
    else:
        press(page, "Go back to your report")
        page.get_by_label("No, it is a different place", exact=True).check()
        press(page, "Send the report")
        assert Report.objects.filter(same_as=None, latitude=float(NEXT_DOOR[0])).count() == 1
    assert path_of(page) == reverse("streetsafe:report_done")
    watch.check("thank you")

    go(page, live_server.url + reverse("streetsafe:map"))
    if javascript:
        expect(page.locator("path.safetrail-map-cell")).to_have_count(1)
        expect(page.locator("#streetsafe-map-status")).to_contain_text("The map shows 1 areas")
    watch.check("public map")
    go(page, live_server.url + reverse("streetsafe:table"))
    expect(page.locator("main table tbody tr")).to_have_count(1)
    watch.check("table")
    go(page, live_server.url + reverse("streetsafe:api_docs"))
    watch.check("API")
    go(page, live_server.url + reverse("streetsafe:home"))
    watch.check("home")
    watch.finish()
    assert watch.checked == 15


def sign_in(page: Page, live_server: LiveServer, username: str) -> None:
    go(page, live_server.url + reverse("accounts:sign_in"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert path_of(page) != reverse("accounts:sign_in"), page.url


POLICE_CSV = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Crime type,Last outcome category,Context\n"
    "a1,{month},City of London Police,City of London Police,-0.1340,51.5101,"
    "On or near Somewhere,E01000914,Camden 028B,Other theft,Under investigation,\n"
)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_moderator_and_analyst_page_passes_axe(
    new_page: NewPage, live_server: LiveServer, axe_source: str, viewport: str
) -> None:
    """Each staff page with something on it, and its error and done states."""
    reports = public_area()
    moderator = staff("moderator-mo", Role.MODERATOR)
    staff("analyst-ann", Role.ANALYST)
    noted = report_at(INSIDE, note="He was waiting by the car AB12 CDE, call 07700 900123.")
    # No note, so never in the queue: found through the list of recent reports.
    scripted = report_at(INSIDE, days_ago=django_settings.SAFETRAIL_STREETSAFE_K + 3)
    services.moderate(report_id=reports[0].id, moderator=moderator, kind="reviewed")
    month = services.today().strftime("%Y-%m")
    police.import_file(io.BytesIO(POLICE_CSV.format(month=month).encode()), file_name="street.csv")

    page = new_page(**VIEWPORTS[viewport])
    watch = Watch(page, live_server, axe_source, f"{viewport}, moderator", reflow=True)
    sign_in(page, live_server, "moderator-mo")
    go(page, live_server.url + reverse("streetsafe:moderation"))
    # Redacted before any moderator sees it.
    expect(page.locator("main")).not_to_contain_text("07700 900123")
    watch.check("notes to review")
    go(page, live_server.url + reverse("streetsafe:moderate_report", args=[noted.id]))
    watch.check("one report")
    press(page, "Hide report", status=400)
    expect(page.locator(ERROR_SUMMARY)).to_contain_text("Say why you are hiding this report")
    watch.check("one report, hiding without a reason")
    page.locator("main input[name=reason]").fill("Names a car.")
    press(page, "Hide report")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The report is hidden")
    watch.check("one report, hidden")
    go(page, live_server.url + reverse("streetsafe:moderation_log"))
    expect(page.locator("main")).to_contain_text("Names a car.")
    watch.check("moderation log")
    recent = live_server.url + reverse("streetsafe:moderation_reports")
    go(page, recent)
    expect(page.locator("main table tbody tr")).to_have_count(len(reports) + 2)
    watch.check("recent reports")
    go(page, recent + "?since=yesterday&visibility=hidden", status=400)
    expect(page.locator(ERROR_SUMMARY)).to_contain_text("Enter a date like 2026-03-27")
    watch.check("recent reports, a filter it cannot read")
    go(page, recent + "?visibility=hidden")
    expect(page.locator("main table tbody tr")).to_have_count(1)
    go(page, recent)
    sent = f"report sent on {scripted.received_on.day} {scripted.received_on:%B %Y}"
    follow(page, f"Open {sent}")
    assert path_of(page) == reverse("streetsafe:moderate_report", args=[scripted.id])
    page.locator("main input[name=reason]").fill("One of a run sent by a script.")
    press(page, "Hide report")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The report is hidden")
    follow(page, "Other reports in this area")
    assert urlsplit(page.url).query == f"cell={scripted.cell_8}"
    row = page.locator("main table tbody tr").filter(
        has=page.get_by_role("link", name=f"Open {sent}")
    )
    expect(row).to_contain_text("Hidden")
    watch.check("recent reports in one area")
    watch.finish()
    assert ModerationAction.objects.filter(report=noted, kind="hidden").count() == 1
    assert ModerationAction.objects.filter(report=scripted, kind="hidden").count() == 1

    page = new_page(**VIEWPORTS[viewport])
    watch = Watch(page, live_server, axe_source, f"{viewport}, analyst", reflow=True)
    sign_in(page, live_server, "analyst-ann")
    go(page, live_server.url + reverse("streetsafe:dashboard"))
    watch.check("dashboard")
    go(page, live_server.url + reverse("streetsafe:dashboard") + "?since=yesterday", status=400)
    expect(page.locator(ERROR_SUMMARY)).to_be_visible()
    watch.check("dashboard, a filter it cannot read")
    go(page, live_server.url + reverse("streetsafe:hotspots"))
    watch.check("hotspots")
    go(page, live_server.url + reverse("streetsafe:actions"))
    watch.check("actions")
    press(page, "Record the action", status=400)
    expect(page.locator(ERROR_SUMMARY)).to_be_visible()
    watch.check("actions, nothing filled in")
    go(page, live_server.url + reverse("streetsafe:actions"))
    # Tapped, as a person would: on a phone the table scrolls in its own box,
    # so nothing else on the page lies over its links.
    follow(page, re.compile(r"^View "))
    (action,) = AreaAction.objects.all()
    assert path_of(page) == reverse("streetsafe:action_detail", args=[action.id])
    expect(page.locator("main")).to_contain_text("Two street lights were fixed.")
    watch.check("one action")
    go(page, live_server.url + reverse("streetsafe:police_data"))
    watch.check("police data")
    watch.finish()


# --- 5. the public map ----------------------------------------------------------------------


def tab_to(page: Page, found: str, *, limit: int = 80) -> None:
    """Presses Tab until the focused element matches ``found`` (a JS test on ``el``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return {found} }}"):
            return
    raise AssertionError(f"Tab never reached {found}")


def test_the_public_map_draws_the_areas_and_the_keyboard_reaches_them(
    new_page: NewPage, live_server: LiveServer
) -> None:
    k = django_settings.SAFETRAIL_STREETSAFE_K
    reports = public_area()
    page = new_page()
    watch_requests: list[str] = []
    page.on("request", lambda request: watch_requests.append(request.url))
    go(page, live_server.url + reverse("streetsafe:map"))

    cell = page.locator("path.safetrail-map-cell")
    expect(cell).to_have_count(1)
    count = page.locator(".safetrail-map-count")
    expect(count).to_have_text(f"{k} ✓")
    expect(page.locator("path.safetrail-map-action")).to_have_count(1)

    tab_to(page, "el.classList.contains('safetrail-map-count')")
    label = count.get_attribute("aria-label") or ""
    assert f"Reports: {k}" in label
    assert "Action taken here" in label
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(f"Reports: {k}")
    expect(popup).to_contain_text("Two street lights were fixed.")
    expect(popup).to_contain_text(reports[0].cell_8)

    tab_to(page, "el.textContent.trim() === 'See the areas in a table'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert path_of(page) == reverse("streetsafe:table")
    expect(page.locator("main table tbody tr")).to_contain_text(str(k))
    own = live_netloc(live_server)
    assert [url for url in watch_requests if urlsplit(url).netloc != own] == []


def test_the_public_maps_zoom_buttons_speak_the_pages_language(
    new_page: NewPage, live_server: LiveServer
) -> None:
    page = new_page()
    go(page, live_server.url + "/cy" + reverse("streetsafe:map"))

    expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "Chwyddo i mewn")
    expect(page.locator(".leaflet-control-zoom-out")).to_have_attribute("title", "Chwyddo allan")
