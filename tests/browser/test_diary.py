"""The diary in a real browser: a quick log on a phone, axe on every page, no script, the chart.

Every sign-in goes through the real form, so the browser holds the vault
cookie a real sign-in gives it; the diary cannot be opened without it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from safetrail.accounts import services as accounts
from safetrail.diary import content, forms
from safetrail.diary import services as diary
from safetrail.diary.models import Amendment, Incident
from safetrail.diary.overview import week_start
from tests.authz import PASSWORD
from tests.browser.conftest import (
    DESKTOP,
    JS_READY,
    PHONE,
    NewPage,
    live_netloc,
    open_safetrail_page,
    record_requests,
    run_axe,
)
from tests.diary.helpers import full_entry

pytestmark = pytest.mark.browser

USERNAME = "diarist-erin"
ERROR_SUMMARY = ".govuk-error-summary"
MESSAGE = ".govuk-notification-banner"


# --- helpers ------------------------------------------------------------------------------


def diarist(username: str = USERNAME, *, with_case: bool = True) -> tuple[Any, Any]:
    """An account (recovery code kept) and, unless told otherwise, one diary.

    As tests/diary/helpers.person(), without the test client's sign-in: here the
    browser signs in. Returns (user, open_case or None).
    """
    user, account_key, _ = accounts.account_create(username=username, password=PASSWORD)
    accounts.recovery_code_confirm(user=user)
    if not with_case:
        return user, None
    return user, diary.case_create(owner=user, account_key=account_key, name="My diary")


def entry(day: date, **overrides: Any) -> dict[str, Any]:
    """What the full form would save for an incident on ``day`` (full_entry's answers)."""
    form = forms.IncidentForm(
        full_entry(
            date_day=str(day.day), date_month=str(day.month), date_year=str(day.year), **overrides
        )
    )
    assert form.is_valid(), form.errors
    return form.to_content()


def add_incident(open_case: Any, day: date, **overrides: Any) -> Incident:
    return diary.incident_create(open_case=open_case, data=entry(day, **overrides))


def amend(open_case: Any, incident: Incident, reason: str, **changes: Any) -> None:
    current = diary.incident_get(open_case=open_case, incident_id=incident.id).current
    diary.incident_amend(
        open_case=open_case,
        incident_id=incident.id,
        reason=reason,
        changes=content.changed_fields(current, {**current, **changes}),
    )


def case_url(name: str, open_case: Any, *args: Any) -> str:
    return reverse(f"diary:{name}", args=[open_case.id, *args])


def path_of(page: Page) -> str:
    parts = urlsplit(page.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sign_in(page: Page, live_server: LiveServer, username: str = USERNAME) -> None:
    open_safetrail_page(page, live_server.url + reverse("accounts:sign_in"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert urlsplit(page.url).path.startswith(reverse("diary:home")), page.url


def press(page: Page, name: str) -> None:
    """Presses a button in the page's main content and waits for the page it leads to."""
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def follow(page: Page, name: str) -> None:
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()


def fill_date(page: Page, prefix: str, day: date) -> None:
    page.fill(f"#id_{prefix}_day", str(day.day))
    page.fill(f"#id_{prefix}_month", str(day.month))
    page.fill(f"#id_{prefix}_year", str(day.year))


def wait_for_scripts(page: Page) -> None:
    if page.evaluate("() => document.body.classList.contains('govuk-frontend-supported')"):
        page.wait_for_selector(JS_READY, state="attached")


def summary_value(page: Page, key: str) -> str:
    """The text of one row of the first summary list (the entry as it reads now)."""
    row = (
        page.locator(".govuk-summary-list")
        .first.locator(".govuk-summary-list__row")
        .filter(has=page.locator("dt", has_text=key))
    )
    return row.locator("dd").inner_text()


def open_every_details(page: Page) -> None:
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true })")


def overflow_sideways(page: Page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )


# --- 1. a quick log on a phone -------------------------------------------------------------


def test_quick_log_on_a_phone_from_the_diary_to_the_saved_incident(
    new_page: NewPage, live_server: LiveServer
) -> None:
    _, open_case = diarist()
    page = new_page(**PHONE)
    sign_in(page, live_server)

    # With one diary, the diary's address opens it.
    open_safetrail_page(page, live_server.url + reverse("diary:home"))
    assert path_of(page) == case_url("case", open_case)

    with page.expect_navigation():
        page.get_by_role("link", name="Log something now").tap()
    wait_for_scripts(page)
    assert path_of(page) == case_url("quick_log", open_case)
    expect(page.get_by_role("heading", level=1)).to_have_text("Quick log")

    what = page.get_by_label("What happened?")
    what.tap()
    page.keyboard.type("He was at the bus stop again")
    expect(page.get_by_label("Just now")).to_be_checked()

    # At 375 by 667 the Save button is below the fold (the header, the exit
    # button and the form's hint come first), so what is checked is that the
    # keyboard reaches it, in reading order, with nothing outside the form on
    # the way, and that it is then scrolled into view.
    expect(what).to_be_focused()
    stops = []
    for _ in range(4):
        page.keyboard.press("Tab")
        stops.append(
            page.evaluate(
                "() => { const e = document.activeElement; return e.id || e.textContent.trim() }"
            )
        )
    assert stops == ["id_when", "If it was earlier: when?", "id_where", "Save"]
    save = page.locator("main form").get_by_role("button", name="Save", exact=True)
    expect(save).to_be_focused()
    expect(save).to_be_in_viewport()

    with page.expect_navigation():
        save.tap()
    page.wait_for_load_state()

    (incident,) = Incident.objects.filter(case=open_case.case)
    assert path_of(page) == case_url("incident", open_case, incident.id)
    expect(page.get_by_role("heading", level=1)).to_have_text("Incident")
    expect(page.locator(MESSAGE)).to_contain_text(
        "Saved. You can add more detail whenever you are ready."
    )
    assert summary_value(page, "What happened") == "He was at the bus stop again"
    expect(page.locator(".govuk-inset-text")).to_contain_text("This is a quick log.")
    expect(page.locator("main").get_by_role("link", name="Add the details")).to_be_visible()
    assert not overflow_sideways(page)


# --- 2. axe on every diary page -----------------------------------------------------------


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_every_diary_page_has_no_axe_violations(
    new_page: NewPage, live_server: LiveServer, axe_source: str, viewport: str
) -> None:
    _, open_case = diarist()
    today = timezone.localdate()
    incidents = [
        add_incident(open_case, today - timedelta(days=days), what_happened=f"Incident {n}")
        for n, days in enumerate((2, 9, 10, 24))
    ]
    add_incident(open_case, today - timedelta(days=5), behaviours=["contact"], reported="no")
    amended = incidents[0]
    amend(open_case, amended, "I remembered more", where="At the bus stop")
    diary.unsafe_moment_add(open_case=open_case, place="Outside the shop")
    diary.suspect_save(
        open_case=open_case,
        data={"names": "Sam", "relationship": "ex_partner", "vehicles": [], "identifiers": {}},
    )
    diary.daily_life_add(
        open_case=open_case,
        data={"kind": "route", "since": "2026-03-01", "description": "I take the bus"},
    )
    diarist("diarist-new", with_case=False)
    size = DESKTOP if viewport == "desktop" else PHONE
    page = new_page(**size)
    sign_in(page, live_server)
    newcomer = new_page(**size)
    sign_in(newcomer, live_server, "diarist-new")

    problems: list[str] = []

    def check(where: str, target: Page = page) -> None:
        wait_for_scripts(target)
        open_every_details(target)
        violations = run_axe(target, axe_source)
        if violations:
            problems.append(f"{where} at {viewport} size:\n" + "\n".join(violations))
        if overflow_sideways(target):
            problems.append(f"{where} at {viewport} size: the page scrolls sideways")

    def visit(where: str, url: str, target: Page = page) -> None:
        response = target.goto(live_server.url + url)
        assert response is not None
        assert response.status == 200, f"{where}: {url} answered {response.status}"
        assert path_of(target) == url, f"{where}: {url} went to {target.url}"
        check(where, target)

    pages = {
        "overview": case_url("case", open_case),
        "overview, filtered to nothing": case_url("case", open_case) + "?behaviour=goods",
        "quick log": case_url("quick_log", open_case),
        "full entry": case_url("incident_new", open_case),
        "incident with an amendment": case_url("incident", open_case, amended.id),
        "amend form": case_url("incident_amend", open_case, amended.id),
        "about them": case_url("suspect", open_case),
        "changes to my life": case_url("daily_life", open_case),
        "I felt unsafe": case_url("unsafe", open_case),
    }
    for where, url in pages.items():
        visit(where, url)
    # What each page must show, or axe checked less than it should have.
    page.goto(live_server.url + pages["overview"])
    expect(page.locator(".safetrail-chart-box svg")).to_have_count(1)
    expect(page.locator(".safetrail-strip__day--incident")).not_to_have_count(0)
    expect(page.locator("main table")).to_have_count(4)
    page.goto(live_server.url + pages["incident with an amendment"])
    expect(page.locator(".safetrail-history > li")).to_have_count(2)

    visit("Start your diary", reverse("diary:home"), newcomer)
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Start your diary")
    visit("Start a diary", reverse("diary:case_new"), newcomer)

    # The forms after a failed submit, error summary shown.
    future = today + timedelta(days=3)
    page.goto(live_server.url + pages["full entry"])
    page.get_by_label("Yes, I know the date (and maybe the time)").check()
    fill_date(page, "date", future)
    page.get_by_label("What happened?").fill("He sent flowers")
    press(page, "Save entry")
    expect(page.locator(ERROR_SUMMARY)).to_contain_text("The date cannot be in the future")
    check("full entry with a future date")

    page.goto(live_server.url + pages["quick log"])
    press(page, "Save")
    expect(page.locator(ERROR_SUMMARY)).to_contain_text("Write what happened")
    check("quick log with nothing written")

    page.goto(live_server.url + pages["amend form"])
    page.get_by_label("Where did it happen?").fill("Somewhere else")
    press(page, "Add amendment")
    expect(page.locator(ERROR_SUMMARY)).to_contain_text("Say why you are changing the entry")
    check("amend form without a reason")

    page.goto(live_server.url + pages["changes to my life"])
    page.fill("#id_since_day", "31")
    page.fill("#id_since_month", "2")
    page.fill("#id_since_year", "2026")
    press(page, "Save")
    expect(page.locator(ERROR_SUMMARY)).to_contain_text("Choose what changed")
    expect(page.locator(ERROR_SUMMARY)).to_contain_text("Enter a real date")
    check("changes to my life with mistakes")

    assert problems == [], "\n".join(problems)


def test_error_summary_links_take_you_to_the_box_to_fix(
    new_page: NewPage, live_server: LiveServer
) -> None:
    _, open_case = diarist()
    page = new_page()
    sign_in(page, live_server)
    open_safetrail_page(page, live_server.url + case_url("incident_new", open_case))
    today = timezone.localdate()
    page.get_by_label("Only roughly: it was sometime between two dates").check()
    page.locator("summary", has_text="If you only know roughly").click()
    fill_date(page, "range_start", today - timedelta(days=2))
    fill_date(page, "range_end", today + timedelta(days=2))
    press(page, "Save entry")
    wait_for_scripts(page)

    summary = page.locator(ERROR_SUMMARY)
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    expect(links).to_have_text(["The date cannot be in the future", "Write what happened"])
    # Each link puts the cursor in the first box of the answer it is about.
    links.nth(0).click()
    expect(page.locator("#id_range_end_day")).to_be_focused()
    links.nth(1).click()
    expect(page.get_by_label("What happened?")).to_be_focused()

    # Without JavaScript the link still leads to a box that exists.
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs == ["#id_range_end_day", "#id_what_happened"]


# --- 3. without JavaScript ----------------------------------------------------------------


def test_every_diary_page_works_without_javascript(
    new_page: NewPage, live_server: LiveServer
) -> None:
    _, open_case = diarist()
    earlier = add_incident(
        open_case,
        date(2026, 2, 14),
        behaviours=["contact"],
        what_happened="He rang me twelve times",
        feared_violence="no",
    )
    page = new_page(java_script_enabled=False)
    sign_in(page, live_server)
    assert not page.evaluate("() => document.body.classList.contains('govuk-frontend-supported')")

    # A full entry: the date boxes, the behaviours ticked.
    open_safetrail_page(page, live_server.url + case_url("case", open_case))
    follow(page, "Write a full entry")
    assert path_of(page) == case_url("incident_new", open_case)
    page.get_by_label("Yes, I know the date (and maybe the time)").check()
    fill_date(page, "date", date(2026, 3, 3))
    page.get_by_label("Time (optional)").fill("9.30pm")
    page.get_by_label("Where did it happen?").fill("Outside my flat")
    page.get_by_label("What happened?").fill("He followed me home and shouted")
    page.get_by_label("Following me").check()
    page.get_by_label("Threats").check()
    page.locator("#id_feared_violence").check()  # the first answer: Yes
    press(page, "Save entry")

    created = Incident.objects.filter(case=open_case.case).exclude(id=earlier.id)
    (incident,) = created
    incident_url = case_url("incident", open_case, incident.id)
    assert path_of(page) == incident_url
    expect(page.locator(MESSAGE)).to_contain_text("The incident is saved in your diary.")
    assert summary_value(page, "When") == "3 March 2026, 21:30"
    assert summary_value(page, "What happened") == "He followed me home and shouted"
    assert summary_value(page, "What they did").splitlines() == ["Following me", "Threats"]
    assert summary_value(page, "Section 2A(3)").splitlines() == [
        "(a) following a person",
        "(b) contacting, or trying to contact, a person by any means",
    ]
    assert summary_value(page, "Feared violence") == "Yes"

    # Amend it, with a reason: the form starts from the entry as it reads now.
    follow(page, "Add an amendment")
    assert path_of(page) == case_url("incident_amend", open_case, incident.id)
    expect(page.get_by_label("What happened?")).to_have_value("He followed me home and shouted")
    expect(page.locator("#id_date_day")).to_have_value("3")
    expect(page.get_by_label("Following me")).to_be_checked()
    page.get_by_label("Why are you changing this entry?").fill("I remembered where")
    page.get_by_label("Where did it happen?").fill("Outside the station")
    press(page, "Add amendment")

    assert path_of(page) == incident_url
    expect(page.locator(MESSAGE)).to_contain_text("Your amendment is added. The original is kept.")
    expect(page.get_by_role("heading", name="As it reads now")).to_be_visible()
    assert summary_value(page, "Where") == "Outside the station"
    history = page.locator(".safetrail-history")
    expect(history).to_contain_text("Reason: I remembered where")
    expect(history).to_contain_text("Changed: where")
    page.locator("summary", has_text="Show the original entry").click()  # no script needed
    expect(history.locator(".govuk-details__text")).to_contain_text("Outside my flat")
    assert Amendment.objects.filter(incident=incident).count() == 1

    # A suspect profile.
    follow(page, "About them")
    assert path_of(page) == case_url("suspect", open_case)
    page.get_by_label("Their name or names (optional)").fill("Sam Smith")
    page.get_by_label("Ex-partner").check()
    page.get_by_label("Phone numbers they use (optional)").fill("07700 900123\n07700 900456")
    page.locator("#id_vehicle_1_plate").fill("AB12 CDE")
    press(page, "Save")
    assert path_of(page) == case_url("suspect", open_case)
    expect(page.locator(MESSAGE)).to_contain_text("Saved. Earlier versions are kept.")
    expect(page.get_by_label("Their name or names (optional)")).to_have_value("Sam Smith")
    expect(page.get_by_label("Ex-partner")).to_be_checked()
    expect(page.get_by_label("Phone numbers they use (optional)")).to_have_value(
        "07700 900123\n07700 900456"
    )
    expect(page.locator("#id_vehicle_1_plate")).to_have_value("AB12 CDE")
    expect(page.locator("main")).to_contain_text("Last saved")

    # A change to daily life.
    follow(page, "Changes to my life")
    assert path_of(page) == case_url("daily_life", open_case)
    page.get_by_label("I changed my route or the way I travel").check()
    page.fill("#id_since_day", "10")
    page.fill("#id_since_month", "3")
    page.fill("#id_since_year", "2026")
    page.get_by_label("Tell us more (optional)").fill("I take the long way round")
    press(page, "Save")
    assert path_of(page) == case_url("daily_life", open_case)
    expect(page.locator(MESSAGE)).to_contain_text("Saved.")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("I changed my route or the way I travel")
    expect(rows).to_contain_text("I take the long way round")

    # "I feel unsafe right now" on the overview.
    follow(page, "Overview")
    assert path_of(page) == case_url("case", open_case)
    press(page, "I feel unsafe right now")
    assert path_of(page) == case_url("unsafe", open_case)
    expect(page.locator(MESSAGE)).to_contain_text("Noted. Trust your instinct.")
    expect(
        page.locator("main").get_by_role("link", name="Write this up as an incident")
    ).to_have_count(1)
    follow(page, "Overview")
    expect(page.get_by_role("heading", name="Times you felt unsafe")).to_be_visible()

    # Filter the overview by what they did.
    incidents_table = page.locator("main table").last
    expect(incidents_table.locator("tbody tr")).to_have_count(2)
    page.get_by_label("What they did", exact=True).select_option(label="Following me")
    press(page, "Show")
    assert path_of(page) == case_url("case", open_case) + (
        "?behaviour=following&from=&to=&reported=&feared_violence="
    )
    rows = incidents_table.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("He followed me home and shouted")
    expect(page.locator("main")).not_to_contain_text("He rang me twelve times")
    expect(page.get_by_label("What they did", exact=True)).to_have_value("following")
    expect(page.locator("main").get_by_role("link", name="Clear filters")).to_be_visible()
    expect(page.locator(".govuk-summary-list").first).to_contain_text("1 occasion")


def test_the_overview_table_pages_without_javascript_and_keeps_the_filters(
    new_page: NewPage, live_server: LiveServer, axe_source: str
) -> None:
    """55 incidents: 25 to a page, newest first; 28 of them "following", so two pages."""
    _, open_case = diarist()
    first_day = timezone.localdate() - timedelta(days=80)
    for n in range(55):
        add_incident(
            open_case,
            first_day + timedelta(days=n),
            time="",
            what_happened=f"Incident {n:02d}",
            behaviours=["following"] if n % 2 == 0 else ["contact"],
        )
    page = new_page(java_script_enabled=False)
    sign_in(page, live_server)
    open_safetrail_page(page, live_server.url + case_url("case", open_case))

    incidents_table = page.locator("main table").last
    rows = incidents_table.locator("tbody tr td:nth-child(2)")
    expect(rows).to_have_count(25)
    expect(rows.first).to_have_text("Incident 54")
    pagination = page.get_by_role("navigation", name="Pages")
    expect(pagination.locator("[aria-current=page]")).to_have_text("1")
    with page.expect_navigation():
        pagination.get_by_role("link", name="Next page").click()
    assert path_of(page) == case_url("case", open_case) + "?page=2"
    expect(rows).to_have_count(25)
    expect(rows.first).to_have_text("Incident 29")
    expect(rows.last).to_have_text("Incident 05")
    expect(pagination.locator("[aria-current=page]")).to_have_text("2")
    # The counts above the table still cover every incident.
    expect(page.locator(".govuk-summary-list").first).to_contain_text("55 occasions")

    page.get_by_label("What they did", exact=True).select_option(label="Following me")
    press(page, "Show")
    expect(rows).to_have_count(25)
    expect(rows.first).to_have_text("Incident 54")
    with page.expect_navigation():
        pagination.get_by_role("link", name="Page 2").click()
    assert path_of(page) == case_url("case", open_case) + "?behaviour=following&page=2"
    expect(rows).to_have_text(["Incident 04", "Incident 02", "Incident 00"])
    expect(page.get_by_label("What they did", exact=True)).to_have_value("following")
    with page.expect_navigation():
        pagination.get_by_role("link", name="Previous page").click()
    assert path_of(page) == case_url("case", open_case) + "?behaviour=following"

    # A page past the end: the last page, not an error.
    open_safetrail_page(page, live_server.url + case_url("case", open_case) + "?page=40")
    expect(pagination.locator("[aria-current=page]")).to_have_text("3")
    expect(rows).to_have_count(5)

    # The page links on a phone, with scripts: nothing axe objects to, nothing sideways.
    phone = new_page(**PHONE)
    sign_in(phone, live_server)
    open_safetrail_page(phone, live_server.url + case_url("case", open_case) + "?page=2")
    wait_for_scripts(phone)
    assert run_axe(phone, axe_source) == []
    assert not overflow_sideways(phone)


# --- 4. the chart, and nothing fetched from elsewhere -------------------------------------


def test_overview_chart_is_inline_svg_with_the_numbers_of_its_table(
    new_page: NewPage, live_server: LiveServer
) -> None:
    _, open_case = diarist()
    today = timezone.localdate()
    # Four weeks, the second empty: 1, 0, 3 and 2 incidents. Dates only, so
    # today's cannot be later than now.
    monday = week_start(today) - timedelta(weeks=3)
    offsets = [0, 14, 15, 16, 21, 21 + today.weekday()]
    for n, offset in enumerate(offsets):
        add_incident(open_case, monday + timedelta(days=offset), time="", what_happened=f"No {n}")
    expected = [1, 0, 3, 2]
    page = new_page()
    sign_in(page, live_server)
    open_safetrail_page(page, live_server.url + case_url("case", open_case))

    svg = page.locator(".safetrail-chart-box > svg")
    expect(svg).to_have_count(1)  # in the page itself, not an <img> or <object>
    expect(page.locator(".safetrail-chart-box img, .safetrail-chart-box object")).to_have_count(0)
    expect(svg.locator("title")).to_have_text("Incidents each week")
    expect(svg).to_have_attribute("role", "img")
    # Named by its title (aria-labelledby adds the <desc> after it).
    expect(svg).to_have_accessible_name(re.compile(r"^Incidents each week\b"))

    page.locator("summary", has_text="See these numbers as a table").click()
    table = page.locator("table", has=page.locator("caption", has_text="Incidents each week"))
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    weeks = [row.locator("td").nth(0).inner_text() for row in rows.all()]
    counts = [int(row.locator("td").nth(1).inner_text()) for row in rows.all()]
    assert counts == expected
    mondays = [monday + timedelta(weeks=n) for n in range(len(expected))]
    assert weeks == [f"{week.day} {week:%B %Y}" for week in mondays]

    # One bar a week with incidents, left to right, each as tall as its count.
    bars = sorted(
        (float(bar.get_attribute("x") or 0), float(bar.get_attribute("height") or 0))
        for bar in svg.locator("rect").all()
    )
    drawn = [count for count in counts if count]
    assert len(bars) == len(drawn)
    per_incident = bars[0][1] / drawn[0]
    # (Heights are drawn to a tenth of a pixel.)
    assert [height / per_incident for _, height in bars] == pytest.approx(drawn, rel=0.01)
    # The y axis reaches the busiest week.
    ticks = [int(text) for text in svg.locator("text").all_text_contents() if text.isdigit()]
    assert max(ticks) >= max(counts)


def test_no_diary_page_asks_another_host_for_anything(
    new_page: NewPage, live_server: LiveServer
) -> None:
    _, open_case = diarist()
    today = timezone.localdate()
    incident = add_incident(open_case, today - timedelta(days=3))
    amend(open_case, incident, "I remembered more", where="At the bus stop")
    add_incident(open_case, today - timedelta(days=12))
    diary.unsafe_moment_add(open_case=open_case, place="Outside the shop")
    diarist("diarist-new", with_case=False)

    own_host = live_netloc(live_server)
    problems: list[str] = []
    for username, urls in (
        (
            USERNAME,
            [
                reverse("diary:home"),
                case_url("case", open_case),
                case_url("case", open_case) + "?behaviour=threats&reported=yes",
                case_url("quick_log", open_case),
                case_url("incident_new", open_case),
                case_url("incident", open_case, incident.id),
                case_url("incident_amend", open_case, incident.id),
                case_url("suspect", open_case),
                case_url("daily_life", open_case),
                case_url("unsafe", open_case),
            ],
        ),
        ("diarist-new", [reverse("diary:home"), reverse("diary:case_new")]),
    ):
        page = new_page()
        sign_in(page, live_server, username)
        record = record_requests(page)
        for url in urls:
            open_safetrail_page(page, live_server.url + url)
            page.wait_for_load_state("networkidle")
        if username == USERNAME:  # and a page that answers a form, errors shown
            press(page, "Note it now")
            open_safetrail_page(page, live_server.url + case_url("quick_log", open_case))
            press(page, "Save")
            expect(page.locator(ERROR_SUMMARY)).to_be_visible()
            page.wait_for_load_state("networkidle")
        assert any(urlsplit(u).netloc == own_host for u in record.requests)  # it listened
        foreign = sorted({u for u in record.requests if urlsplit(u).netloc != own_host})
        if foreign:
            problems.append(f"{username}: requests to other hosts: {foreign}")
        if record.console_errors or record.page_errors:
            problems.append(f"{username}: errors {record.console_errors + record.page_errors}")

    assert problems == [], "\n".join(problems)
