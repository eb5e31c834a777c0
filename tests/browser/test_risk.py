"""Checking your risk in a real browser: axe on every page, print, no script, nothing fetched.

As in test_diary.py, every sign-in goes through the real form (the diary, and
so the risk pages, cannot be opened without the vault cookie it gives), and
the diary is built with the services, dated from today, so the escalation
warnings fire whatever day the suite runs.
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

from safetrail.risk import checklist as checklists
from safetrail.risk import services as risk
from safetrail.risk.models import SafetyPlan, Screening
from tests.browser.conftest import (
    VIEWPORTS,
    NewPage,
    live_netloc,
    open_safetrail_page,
    record_requests,
    run_axe,
)
from tests.browser.test_diary import (
    ERROR_SUMMARY,
    MESSAGE,
    add_incident,
    diarist,
    open_every_details,
    overflow_sideways,
    path_of,
    press,
    sign_in,
    wait_for_scripts,
)

pytestmark = pytest.mark.browser

NEXT_STEPS = ["999", "101", "0808 802 0300", "Take a copy of this checklist to the police"]
DANGER = ".safetrail-danger"
WARNINGS = ".safetrail-warnings"

PLAN = {
    "trusted_people": "My sister Ann, 07700 900999\nMy neighbour in flat 2",
    "code_word": "Pineapple",
    "safe_places": "The corner shop on Mill Road",
    "routes": "Take the bus from the other stop",
    "bag": ["id", "keys", "phone"],
    "bag_other": "A torch",
    "tech": ["passwords", "location"],
    "who_to_call": "PC 1234, crime reference CR/2026/1",
}


# --- helpers ------------------------------------------------------------------------------


def questions() -> tuple[checklists.Question, ...]:
    return checklists.default().questions


def answers(**given: str) -> dict[str, str]:
    """An answer to every question: "no" unless given."""
    return {question.key: given.get(question.key, "no") for question in questions()}


def url(name: str, open_case: Any, *args: Any) -> str:
    return reverse(name, args=[open_case.id, *args])


def screen(open_case: Any, **given: str) -> Screening:
    """A finished checklist, saved as the checklist page saves it."""
    return risk.screening_save(
        open_case=open_case,
        checklist=checklists.default(),
        answers=answers(**given),
        suggested={},
    )


def escalating_diary(open_case: Any, today: date) -> date:
    """A diary that sets off the escalation warnings as of ``today``.

    Five incidents spread over the three months before the last four weeks,
    then ten on different days in the last four weeks (three of them at
    night), with a first threat and a first damage in the last fortnight.
    Returns a stop date before the last ten, which, once recorded, sets off
    "they did not stop" too.
    """
    for days in (95, 80, 66, 52, 38):
        add_incident(
            open_case,
            today - timedelta(days=days),
            behaviours=["contact"],
            time="",
            what_happened=f"He messaged me ({days} days ago)",
        )
    recent = {
        26: ["contact"],
        23: ["contact"],
        20: ["contact"],
        17: ["following"],
        14: ["contact"],
        12: ["following"],
        10: ["threats"],
        8: ["contact"],
        6: ["property_damage"],
        3: ["threats", "following"],
    }
    at_night = {12, 8, 3}
    for days, behaviours in recent.items():
        add_incident(
            open_case,
            today - timedelta(days=days),
            behaviours=behaviours,
            time="11.15pm" if days in at_night else "",
            what_happened=f"It happened again ({days} days ago)",
        )
    return today - timedelta(days=30)


def question_group(page: Page, question: checklists.Question) -> Any:
    return page.get_by_role("group", name=question.text.values["en"])


def answer_checklist(page: Page, given: dict[str, str]) -> None:
    """Picks each answer by its label, inside its question's fieldset."""
    labels = {answer.key: answer.label.values["en"] for answer in checklists.default().answers}
    for question in questions():
        if question.key in given:
            group = question_group(page, question)
            group.get_by_label(labels[given[question.key]], exact=True).check()


# --- 1. axe on every risk page ------------------------------------------------------------


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_every_risk_page_has_no_axe_violations(
    new_page: NewPage, live_server: LiveServer, axe_source: str, viewport: str
) -> None:
    _, open_case = diarist()
    today = timezone.localdate()
    stop = escalating_diary(open_case, today)  # recorded below, through its form
    page = new_page(**VIEWPORTS[viewport])
    sign_in(page, live_server)

    problems: list[str] = []

    def check(where: str) -> None:
        wait_for_scripts(page)
        open_every_details(page)
        violations = run_axe(page, axe_source)
        if violations:
            problems.append(f"{where} at {viewport} size:\n" + "\n".join(violations))
        if overflow_sideways(page):
            problems.append(f"{where} at {viewport} size: the page scrolls sideways")

    def visit(where: str, path: str) -> None:
        response = page.goto(live_server.url + path)
        assert response is not None
        assert response.status == 200, f"{where}: {path} answered {response.status}"
        assert path_of(page) == path, f"{where}: {path} went to {page.url}"
        check(where)

    main = page.locator("main")

    # The start page, nothing done yet.
    visit("start page, nothing done", url("risk:start", open_case))
    expect(main).to_contain_text("Record the date")
    expect(main).not_to_contain_text("Checklists you have done")

    # The stop date: empty, wrong, then saved.
    visit("stop date, empty", url("risk:stop_date", open_case))
    page.fill("#id_date_day", "31")
    page.fill("#id_date_month", "2")
    page.fill("#id_date_year", str(today.year))
    press(page, "Save")
    expect(page.locator(ERROR_SUMMARY)).to_be_visible()
    check("stop date with a date that does not exist")
    page.fill("#id_date_day", str(stop.day))
    page.fill("#id_date_month", str(stop.month))
    page.fill("#id_date_year", str(stop.year))
    press(page, "Save")
    assert path_of(page) == url("risk:start", open_case)
    expect(page.locator(MESSAGE)).to_contain_text("Saved.")
    visit("stop date, filled in", url("risk:stop_date", open_case))
    expect(page.locator("#id_date_day")).to_have_value(str(stop.day))

    # The checklist, with what the diary shows.
    visit("checklist with suggestions", url("risk:check", open_case))
    suggestions = main.locator(".govuk-inset-text")
    expect(suggestions).to_have_count(2)
    expect(suggestions.nth(0)).to_contain_text(
        "Your diary records damage to your property on 1 occasion."
    )
    expect(suggestions.nth(1)).to_contain_text("Your diary records threats on 2 occasions.")

    # Sent with only the suggested answers: every other question is missing.
    press(page, "See the result")
    assert path_of(page) == url("risk:check", open_case)
    summary = page.locator(ERROR_SUMMARY)
    expect(summary.get_by_role("link")).to_have_count(len(questions()) - 2)
    expect(main.locator(".govuk-error-message")).to_have_count(len(questions()) - 2)
    check("checklist with errors")

    # Answered, very frightened and threatened: the danger message.
    answer_checklist(page, answers(very_frightened="yes", property_damage="yes", threats="yes"))
    press(page, "See the result")
    (danger,) = Screening.objects.filter(case=open_case.case)
    assert path_of(page) == url("risk:result", open_case, danger.id)
    expect(page.locator(DANGER)).to_be_visible()
    expect(main).to_contain_text("You answered yes to 3 of the risk factors.")
    check("result with the danger message")

    calmer = screen(open_case, harassed_before="yes", drugs_alcohol="not_sure")
    visit("result without the danger message", url("risk:result", open_case, calmer.id))
    expect(page.locator(DANGER)).to_have_count(0)
    expect(main).to_contain_text("You answered yes to 1 of the risk factors.")

    visit("history of two checklists", url("risk:history", open_case))
    expect(main.locator("thead th")).to_have_count(3)
    expect(main.locator("tbody tr")).to_have_count(len(questions()))

    visit("start page, two checklists and a stop date", url("risk:start", open_case))
    expect(main.get_by_role("link", name=re.compile(r"^\d+ \w+ \d{4}, \d\d:\d\d$"))).to_have_count(
        2
    )
    expect(main).to_contain_text(f"You told them to stop on {stop.day} {stop:%B %Y}.")

    # The safety plan: empty, filled in and saved, then ready to print.
    visit("safety plan, empty", url("risk:safety_plan", open_case))
    for name in ("trusted_people", "code_word", "safe_places", "routes", "bag_other"):
        page.fill(f"#id_{name}", PLAN[name])
    page.get_by_label("Spare keys").check()
    page.get_by_label("I turned off location sharing on my phone and apps").check()
    page.fill("#id_who_to_call", PLAN["who_to_call"])
    press(page, "Save my plan")
    assert path_of(page) == url("risk:safety_plan_print", open_case)
    expect(page.locator(MESSAGE)).to_be_visible()
    expect(main.locator(".govuk-summary-list__row")).to_have_count(7)
    check("safety plan ready to print")
    visit("safety plan, filled in", url("risk:safety_plan", open_case))
    expect(page.locator("#id_code_word")).to_have_value("Pineapple")
    expect(main).to_contain_text("Last saved")

    # The diary overview with every kind of warning.
    visit("overview with escalation warnings", url("diary:case", open_case))
    warnings = page.locator(WARNINGS).locator("li")
    expect(warnings).to_have_text(
        [
            re.compile(r"^Something new and dangerous: .*“Threats”"),
            re.compile(r"^Something new and dangerous: .*“Damaging my property”"),
            re.compile(r"^They did not stop: 10 incidents since"),
            re.compile(r"^It is happening more often\. .* on 10 days in the last 28 days"),
            re.compile(r"^More is happening at night: 3 incidents at night"),
        ]
    )

    assert problems == [], "\n".join(problems)


# --- 2. the result and the plan print cleanly ---------------------------------------------

# Screen furniture that must not reach the paper; each is on every page.
NOT_PRINTED = {
    "the exit button": ".govuk-exit-this-page",
    "the danger strip": ".safetrail-danger-strip",
    "the header navigation": ".govuk-service-navigation__wrapper",
    "the language switch": ".govuk-language-navigation",
    "the footer": ".govuk-footer",
}
CASE_NAV = ".safetrail-case-nav"
BUTTONS = "button, .govuk-button, [role=button], input[type=submit]"
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def assert_prints_without_furniture(page: Page, where: str, *, case_nav: bool = False) -> None:
    """Switches the page to print media and checks the furniture is not displayed."""
    furniture = {**NOT_PRINTED, **({"the case navigation": CASE_NAV} if case_nav else {})}
    # On screen it is all there, so what hides it is the print rules.
    for name, selector in furniture.items():
        expect(page.locator(selector), f"{where}: {name} on screen").to_be_visible()
    buttons = page.locator(BUTTONS)
    expect(buttons.filter(visible=True).first, f"{where}: a button on screen").to_be_visible()

    page.emulate_media(media="print")
    for name, selector in furniture.items():
        element = page.locator(selector)
        expect(element, f"{where}: {name} printed").to_be_hidden()
        assert element.evaluate("(e) => getComputedStyle(e).display") == "none", (
            f"{where}: {name} is hidden only by something around it"
        )
    for element in [*page.locator(CASE_NAV).all(), *buttons.all()]:
        expect(element, f"{where}: printed").to_be_hidden()
    expect(page.locator(".safetrail-no-print").filter(visible=True)).to_have_count(0)


def pdf_pages(page: Page) -> int:
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    return len(PAGE_OBJECT.findall(pdf))


def test_the_result_and_the_safety_plan_print_cleanly(
    new_page: NewPage, live_server: LiveServer
) -> None:
    _, open_case = diarist()
    screening = screen(open_case, very_frightened="yes", threats="yes", loitering="not_sure")
    risk.safety_plan_save(open_case=open_case, plan=PLAN)
    page = new_page()
    sign_in(page, live_server)
    main = page.locator("main")

    open_safetrail_page(page, live_server.url + url("risk:result", open_case, screening.id))
    wait_for_scripts(page)
    expect(main.get_by_role("link", name="Back to checking your risk")).to_be_visible()
    assert_prints_without_furniture(page, "result")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your checklist")
    expect(page.locator(DANGER)).to_be_visible()
    rows = main.locator(".govuk-summary-list__row")
    expect(rows).to_have_count(len(questions()))
    for row, question in zip(rows.all(), questions(), strict=True):
        expect(row.locator("dt")).to_be_visible()
        expect(row.locator("dt")).to_have_text(question.text.values["en"])
        expect(row.locator("dd")).to_be_visible()
    expect(rows.nth(0).locator("dd")).to_have_text("Yes")
    expect(rows.nth(1).locator("dd")).to_have_text("No")
    for step in NEXT_STEPS:
        expect(main.locator("li", has_text=step).first).to_be_visible()
    pages = pdf_pages(page)
    assert 1 <= pages <= 3, f"the result prints on {pages} pages"

    page.emulate_media(media="screen")
    open_safetrail_page(page, live_server.url + url("risk:safety_plan_print", open_case))
    wait_for_scripts(page)
    expect(main.get_by_role("link", name="Change your plan")).to_be_visible()
    assert_prints_without_furniture(page, "safety plan")
    expect(main.get_by_role("link", name="Change your plan")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your safety plan")
    expect(main.locator(".govuk-summary-list__row")).to_have_count(7)
    for text in (
        "My sister Ann, 07700 900999",
        "Pineapple",
        "The corner shop on Mill Road",
        "Spare keys",
        "I turned off location sharing on my phone and apps",
        "A torch",
        "PC 1234, crime reference CR/2026/1",
        "Call 999.",
        "National Stalking Helpline: 0808 802 0300.",
    ):
        expect(main.get_by_text(text).first, text).to_be_visible()
    pages = pdf_pages(page)
    assert 1 <= pages <= 3, f"the safety plan prints on {pages} pages"

    # A page with the diary's own navigation: that stays off the paper too.
    page.emulate_media(media="screen")
    open_safetrail_page(page, live_server.url + url("risk:start", open_case))
    wait_for_scripts(page)
    assert_prints_without_furniture(page, "start page", case_nav=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your risk")


# --- 3. without JavaScript ----------------------------------------------------------------


def test_the_whole_checklist_works_without_javascript(
    new_page: NewPage, live_server: LiveServer
) -> None:
    _, open_case = diarist()
    add_incident(open_case, timezone.localdate() - timedelta(days=4), behaviours=["threats"])
    page = new_page(java_script_enabled=False)
    sign_in(page, live_server)
    assert not page.evaluate("() => document.body.classList.contains('govuk-frontend-supported')")

    open_safetrail_page(page, live_server.url + url("diary:case", open_case))
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="Check your risk").first.click()
    assert path_of(page) == url("risk:start", open_case)
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="Start the checklist").click()
    assert path_of(page) == url("risk:check", open_case)
    # What the diary shows is already ticked, for the person to check.
    expect(
        question_group(page, checklists.default().question("threats")).get_by_label("Yes")
    ).to_be_checked()

    given = answers(very_frightened="yes", harassed_before="not_sure", loitering="yes")
    given["threats"] = "yes"
    answer_checklist(page, given)
    # "Why we ask this" opens without script.
    page.locator("summary", has_text="Why we ask this").first.click()
    expect(page.locator("details").first.locator(".govuk-details__text")).to_be_visible()
    press(page, "See the result")

    (screening,) = Screening.objects.filter(case=open_case.case)
    assert path_of(page) == url("risk:result", open_case, screening.id)
    result = risk.screening_get(open_case=open_case, screening_id=screening.id)
    assert result is not None
    assert result.answers == given
    main = page.locator("main")
    expect(main).to_contain_text("You answered yes to 3 of the risk factors.")
    expect(page.locator(DANGER)).to_be_visible()
    steps = main.locator("h2", has_text="What to do next").locator("xpath=following-sibling::ul[1]")
    for step in NEXT_STEPS:
        expect(steps).to_contain_text(step)
    expect(main.locator("dd").nth(0)).to_have_text("Yes")
    expect(main.locator("dd").nth(1)).to_have_text("I'm not sure")


# --- 4. nothing fetched from another host -------------------------------------------------


def test_no_risk_page_asks_another_host_for_anything(
    new_page: NewPage, live_server: LiveServer
) -> None:
    _, open_case = diarist()
    today = timezone.localdate()
    risk.stop_date_set(open_case=open_case, day=escalating_diary(open_case, today))
    calmer = screen(open_case)
    page = new_page()
    sign_in(page, live_server)
    record = record_requests(page)

    def visit(path: str) -> None:
        open_safetrail_page(page, live_server.url + path)
        page.wait_for_load_state("networkidle")

    for path in (
        url("risk:start", open_case),
        url("risk:result", open_case, calmer.id),
        url("risk:history", open_case),
        url("risk:stop_date", open_case),
        url("risk:safety_plan", open_case),
        url("risk:safety_plan_print", open_case),
        url("diary:case", open_case),
        url("risk:check", open_case),
    ):
        visit(path)
    # And the pages that answer forms: errors, a result, a saved plan.
    press(page, "See the result")
    expect(page.locator(ERROR_SUMMARY)).to_be_visible()
    page.wait_for_load_state("networkidle")
    answer_checklist(page, answers(very_frightened="yes", threats="yes"))
    press(page, "See the result")
    expect(page.locator(DANGER)).to_be_visible()
    page.wait_for_load_state("networkidle")
    visit(url("risk:safety_plan", open_case))
    page.fill("#id_code_word", "Pineapple")
    press(page, "Save my plan")
    assert path_of(page) == url("risk:safety_plan_print", open_case)
    page.wait_for_load_state("networkidle")
    assert SafetyPlan.objects.filter(case=open_case.case).count() == 1

    own_host = live_netloc(live_server)
    assert any(urlsplit(u).netloc == own_host for u in record.requests)  # it listened
    foreign = sorted({u for u in record.requests if urlsplit(u).netloc != own_host})
    assert foreign == [], f"requests to other hosts: {foreign}"
    assert record.console_errors + record.page_errors == []
