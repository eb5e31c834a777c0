"""Shared set-up for the real-browser tests: one Chromium, a fake exit site, axe.

Chromium is Debian's (Playwright cannot download its own here), started once
per session; every test gets fresh browser contexts, so no cookie, history or
cache leaks from one test into the next.
"""

from __future__ import annotations

import os

# Playwright's sync API runs an asyncio loop in this thread, which makes
# Django refuse ORM calls from the test body without this.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import http.server
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"

CHROMIUM_ARGS = [
    "--headless=new",
    # Tests run as root in containers, where Chromium's sandbox cannot start.
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium calls Google (updates, sync, field trials), which
    # would both slow the run and muddy the "no request to another host" test.
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-default-browser-check",
]

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 375, "height": 667},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}

# Short enough that a broken exit fails the test quickly, long enough for a
# loaded CI machine.
TIMEOUT_MS = 10_000

EXIT_SITE_TITLE = "Somewhere else entirely"

# Set once the GOV.UK components have started; app.mjs creates them all in one
# task, so when these are present every component on the page is live.
JS_READY = "[data-govuk-exit-this-page-init], [data-govuk-service-navigation-init]"


# --- the Django server ----------------------------------------------------------


def _no_static_interception(application: Any) -> Any:
    return application


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """pytest-django's live server, but with static files served by WhiteNoise.

    The default wraps the app in staticfiles' finder-based handler, which knows
    nothing of the hashed names the manifest storage puts in every page, so
    every stylesheet and script would 404. Letting requests reach WhiteNoise
    also means the browser gets exactly the headers production sends.
    """
    addr = request.config.getvalue("liveserver") or os.getenv(
        "DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.static_handler = _no_static_interception
    server.start()
    yield server
    server.stop()


def live_netloc(live_server: LiveServer) -> str:
    return urlsplit(live_server.url).netloc


# --- the browser ------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    executable = os.environ.get("SAFETRAIL_CHROMIUM", "/usr/bin/chromium")
    browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


NewPage = Callable[..., Page]


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    """Opens a page in a fresh context; keyword arguments go to new_context."""
    contexts: list[BrowserContext] = []

    def open_page(**context_options: Any) -> Page:
        options = {**DESKTOP, **context_options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: NewPage) -> Page:
    return new_page()


def open_safetrail_page(page: Page, url: str, *, status: int = 200) -> None:
    """Loads a page, checks its status and, with JavaScript on, waits for it to start.

    Clicking before the components start would follow the plain link instead
    of the scripted exit, so tests of the scripted behaviour must wait.
    """
    response = page.goto(url)
    assert response is not None
    assert response.status == status, f"{url} answered {response.status}"
    if page.evaluate("() => document.body.classList.contains('govuk-frontend-supported')"):
        page.wait_for_selector("[data-govuk-exit-this-page-init]", state="attached")


# --- watching what the page does ------------------------------------------------


@dataclass
class PageRecord:
    """Everything a page asked for and complained about while it was watched."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


def record_requests(page: Page, *, expected_status: int = 200) -> PageRecord:
    """Starts recording the page's requests, console errors and uncaught errors.

    Chromium logs "Failed to load resource" for any document that is not a 2xx,
    so on a page that is meant to be a 404 that one message about the page
    itself is expected; the same message about anything else is not.
    """
    record = PageRecord()
    page.on("request", lambda request: record.requests.append(request.url))

    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        where = message.location.get("url", "")
        own_status = f"status of {expected_status} " in text and where == page.url
        if expected_status != 200 and own_status and text.startswith("Failed to load resource"):
            return
        # Chromium reports CSP violations as console errors; the text check
        # also catches any CSP message logged at a lower level.
        if message.type == "error" or "Content Security Policy" in text:
            record.console_errors.append(f"{message.type}: {text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: record.page_errors.append(str(error)))
    return record


# --- the fake exit site -----------------------------------------------------------


@dataclass(frozen=True)
class ExitSite:
    origin: str
    title: str = EXIT_SITE_TITLE

    @property
    def url(self) -> str:
        return f"{self.origin}/news/"

    def page(self, path: str) -> str:
        return f"{self.origin}{path}"


class _ExitSiteHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{EXIT_SITE_TITLE}</title></head><body><p>News</p></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keeps the test output readable


@pytest.fixture(scope="session")
def exit_server() -> Iterator[ExitSite]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ExitSiteHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield ExitSite(origin=f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()
    server.server_close()


@pytest.fixture
def exit_site(exit_server: ExitSite, settings: Any) -> ExitSite:
    """A local stand-in for the news site, configured as this test's exit URL.

    The live server runs in this process, so it sees the settings override.
    """
    settings.SAFETRAIL_EXIT_URL = exit_server.url
    return exit_server


# --- axe-core ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_PATH.exists():
        pytest.fail(f"{AXE_PATH} is missing: run `make assets` (npm ci installs axe-core)")
    return AXE_PATH.read_text(encoding="utf-8")


def run_axe(page: Page, source: str) -> list[str]:
    """Runs axe-core's WCAG 2.2 A and AA rules; one readable line per violation.

    axe goes in through page.evaluate, which the DevTools protocol runs outside
    the page's CSP; a script tag would be blocked like any other inline script.

    The page is judged scrolled to the top. The quick exit stays on screen as
    the page scrolls (on purpose: it must always be in reach), so wherever a
    test happened to leave the scroll, axe would count the fields passing
    under it as covered. Keyboard focus comes to rest below it (GOV.UK's
    template sets scroll-padding-top when the quick exit is on the page),
    which test_quick_exit checks.
    """
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate(source)
    violations: list[dict[str, Any]] = page.evaluate(AXE_RUN)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>\n"
        + "\n".join(f"    {node['target']}: {node['summary']}" for node in v["nodes"])
        for v in violations
    ]


AXE_RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {
      type: "tag",
      values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"],
    },
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.join(" "),
      summary: (n.failureSummary || "").replace(/\\s+/g, " "),
    })),
  }));
}"""


# --- the pages every test walks ---------------------------------------------------

NOT_FOUND_PAGES = ["/no-such-page/", "/cy/no-such-page/"]


def every_page() -> list[tuple[str, int]]:
    """Each page with the status it should answer: the site's pages, then its 404s."""
    from tests.pages import all_page_urls  # needs Django set up, so not at import

    return [(url, 200) for url in all_page_urls()] + [(url, 404) for url in NOT_FOUND_PAGES]
