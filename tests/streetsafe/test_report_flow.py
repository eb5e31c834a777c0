"""The public reporting flow, step by step, as a browser without JavaScript uses it.

Every test posts the real forms with the Django test client, follows the
redirect to the next step as a browser does, and reads the draft's token
back out of each page, exactly as the pages carry it.
"""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from safetrail.streetsafe import area, cells, domain, draft, proof_of_work, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import Report, ReportDraft
from tests.html import soup

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"
INSIDE = Point(51.5, -0.12)  # inside the default area (51.48,-0.20 to 51.54,-0.05)


@pytest.fixture(autouse=True)
def fresh_limits():
    # Rate limits and used proofs live in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client(client):
    client.defaults["REMOTE_ADDR"] = ADDRESS
    return client


def state_of(response) -> str:
    field = soup(response).find("input", attrs={"name": "state"})
    assert field is not None, response.content.decode()[:2000]
    return field["value"]


def opened(client, token: str) -> dict:
    """A draft's answers, opened as the server would for this client's browser."""
    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE"] = client.cookies["csrftoken"].value
    return draft.load(token, draft.browser(request))[1]


def language_link(response, name: str) -> str:
    return next(
        link["href"]
        for link in soup(response).select(".govuk-language-navigation a")
        if link.get_text(strip=True) == name
    )


def errors_of(response) -> list[str]:
    return [
        " ".join(error.get_text(" ").split()).removeprefix("Error: ")
        for error in soup(response).select(".govuk-error-message")
    ]


def with_state(name: str, state: str) -> str:
    return f"{reverse(name)}?state={state}"


def place_by_square(client, code: str = "3-4", state: str = ""):
    return client.post(
        reverse("streetsafe:report_place"), {"state": state, "square": code}, follow=True
    )


def place_by_coordinates(client, latitude: str, longitude: str, state: str = ""):
    return client.post(
        reverse("streetsafe:report_place"),
        {"state": state, "typed_latitude": latitude, "typed_longitude": longitude},
        follow=True,
    )


def details(client, state: str, **fields):
    values = {
        "state": state,
        "reasons": ["badly_lit", "followed"],
        "when": "another_day",
        "day_day": "",
        "day_month": "",
        "day_year": "",
        "band": "evening",
        "note": "",
        "age_band": "skip",
        "gender": "skip",
        "ethnic_group": "skip",
        "disability": "skip",
    }
    day = fields.pop("day", services.today() - timedelta(days=3))
    if day is not None:
        values.update(day_day=str(day.day), day_month=str(day.month), day_year=str(day.year))
    values.update(fields)
    return client.post(reverse("streetsafe:report_details"), values, follow=True)


def send(client, state: str, **fields):
    # Reports sent from one spot find each other as "nearby": say it is another place.
    return client.post(
        reverse("streetsafe:report_send"), {"state": state, "same_as": "different", **fields}
    )


def to_check(client, **detail_fields):
    placed = place_by_coordinates(client, "51.5", "-0.12")
    checked = details(client, state_of(placed), **detail_fields)
    assert checked.status_code == 200
    assert "Check your report" in checked.content.decode()
    return checked


# --- the whole flow --------------------------------------------------------------------------


def test_home_and_first_step_show(client):
    home = client.get(reverse("streetsafe:home"))
    assert home.status_code == 200
    text = home.content.decode()
    assert "999" in text
    assert "101" in text
    assert reverse("streetsafe:report_place") in text
    assert reverse("streetsafe:map") in text
    assert reverse("streetsafe:table") in text

    first = client.get(reverse("streetsafe:report_place"))
    assert first.status_code == 200
    page = soup(first)
    squares = page.find_all("input", attrs={"name": "square"})
    size = len(area.grid())
    assert len(squares) == size * size
    assert page.find("label", attrs={"for": squares[0]["id"]}).get_text(" ").split()[-1] == "A1"
    assert page.find("input", attrs={"name": "typed_latitude"}) is not None


def test_grid_square_flow_stores_one_report(client):
    placed = place_by_square(client, "3-4")
    assert placed.status_code == 200
    assert "Tell us what happened" in placed.content.decode()
    day = services.today() - timedelta(days=3)
    checked = details(client, state_of(placed), day=day, safer=["lighting"], age_band="25_34")
    assert checked.status_code == 200
    text = checked.content.decode()
    assert "Square D5 on the grid" in text
    assert "Badly lit" in text
    assert "I was followed" in text

    sent = send(client, state_of(checked))
    assert sent.status_code == 303
    assert sent["Location"] == reverse("streetsafe:report_done")

    report = Report.objects.get()
    centre = area.square("3-4").centre
    expected = cells.cells_for(centre)
    assert [report.cell(resolution) for resolution in cells.RESOLUTIONS] == [
        expected[resolution] for resolution in cells.RESOLUTIONS
    ]
    assert report.located_by == "grid"
    assert report.reason_codes == ["badly_lit", "followed"]
    assert report.band == 3
    assert report.happened_on == day
    assert report.when == "another_day"
    assert report.age_band == "25_34"
    assert report.gender == ""
    assert report.verified is False
    assert report.same_as is None

    done = client.get(sent["Location"])
    assert done.status_code == 200
    text = done.content.decode()
    assert "999" in text
    assert "101" in text
    assert reverse("accounts:sign_up") in text
    assert reverse("advice:home") in text
    assert reverse("streetsafe:map") in text


def test_typed_coordinates_flow_stores_the_point(client):
    placed = place_by_coordinates(client, "51.51234", "-0.1")
    checked = details(
        client, state_of(placed), when="earlier_today", band="night", day=None, note="Dark path"
    )
    assert "51.51234, -0.1" in checked.content.decode()
    sent = send(client, state_of(checked))
    assert sent.status_code == 303
    report = Report.objects.get()
    assert (report.latitude, report.longitude) == (51.51234, -0.1)
    assert report.located_by == "coordinates"
    assert report.cell_9 == cells.cells_for(Point(51.51234, -0.1))[9]
    assert report.happened_on == services.today()
    assert report.band == 0
    assert report.note == "Dark path"


def test_pasted_pair_in_the_first_box_is_split(client):
    placed = place_by_coordinates(client, "51.5072, -0.1276", "")
    assert placed.status_code == 200
    state = opened(client, state_of(placed))
    assert (state["latitude"], state["longitude"]) == (51.5072, -0.1276)


def test_map_point_from_the_device_starts_details_at_now(client):
    placed = client.post(
        reverse("streetsafe:report_place"),
        {"latitude": "51.501", "longitude": "-0.121", "located_by": "device", "now": "1"},
        follow=True,
    )
    assert placed.status_code == 200
    now = soup(placed).find("input", attrs={"name": "when", "value": "now"})
    assert now.has_attr("checked")
    checked = details(client, state_of(placed), when="now", band="", day=None)
    send(client, state_of(checked))
    report = Report.objects.get()
    assert report.located_by == "device"
    assert report.when == "now"
    assert report.happened_on == services.today()


def test_change_goes_back_filled_in_and_returns_to_check(client):
    checked = to_check(client, note="by the garages")
    state = state_of(checked)
    links = [link["href"] for link in soup(checked).select(".govuk-summary-list__actions a")]
    assert f"{reverse('streetsafe:report_place')}?state={state}" in links
    assert f"{reverse('streetsafe:report_details')}?state={state}#id_note" in links
    # "Change" on the reasons: the details step, filled in, and back to the check page.
    back = client.get(with_state("streetsafe:report_details", state))
    page = soup(back)
    assert page.find("input", attrs={"name": "reasons", "value": "badly_lit"}).has_attr("checked")
    assert page.find("textarea", attrs={"name": "note"}).get_text() == "by the garages"
    assert page.select_one(".govuk-back-link")["href"] == with_state(
        "streetsafe:report_check", state
    )
    # "Change" on the place: the typed numbers are back in their boxes, and it
    # goes straight back to the check page.
    place = client.get(with_state("streetsafe:report_place", state))
    page = soup(place)
    assert page.find("input", attrs={"name": "typed_latitude"})["value"] == "51.5"
    moved = place_by_square(client, "0-0", state=state_of(place))
    assert moved.redirect_chain == [(with_state("streetsafe:report_check", state), 303)]
    assert "Check your report" in moved.content.decode()
    assert "Square A1 on the grid" in moved.content.decode()
    assert "by the garages" in moved.content.decode()


def test_steps_without_answers_lead_back_to_the_start(client):
    for name in ("streetsafe:report_details", "streetsafe:report_check"):
        response = client.get(reverse(name))
        assert response.status_code == 303
        assert response["Location"] == reverse("streetsafe:report_place")
    assert client.get(reverse("streetsafe:report_send")).status_code == 405
    assert client.post(reverse("streetsafe:report_check")).status_code == 405
    # Details posted before any place: the place step is shown.
    early = client.post(reverse("streetsafe:report_details"), {"state": ""}, follow=True)
    assert "Where did you feel unsafe?" in early.content.decode()
    # The check page of a draft with a place but no details: the details step.
    placed = place_by_square(client)
    check = client.get(with_state("streetsafe:report_check", state_of(placed)))
    assert check["Location"] == with_state("streetsafe:report_details", state_of(placed))


# --- duplicates --------------------------------------------------------------------------------


OFFERED_PLACE = Point(51.5003, -0.1203)


def _reported_on(days_ago: int, point: Point = OFFERED_PLACE) -> Report:
    return services.report_create(
        services.Draft(
            point=point,
            located_by="map",
            reasons=["badly_lit"],
            when="another_day",
            band="evening",
            day=services.today() - timedelta(days=days_ago),
        ),
        address=f"198.51.100.{days_ago}",
        verified=True,
        received_on=services.today() - timedelta(days=days_ago),
    )


def test_me_too_adds_weight_without_a_new_point(client):
    # k reports on k different days: an area the public map shows, so its
    # reports may be offered as "the same place".
    original = _reported_on(10)
    for days_ago in (11, 12, 13, 14):
        _reported_on(days_ago)
    checked = to_check(client)
    page = soup(checked)
    option = page.find("input", attrs={"name": "same_as", "value": str(original.id)})
    assert option is not None
    label = page.find("label", attrs={"for": option["id"]}).get_text(" ")
    assert "Within 100 m" in label
    assert "Badly lit" in label
    assert "week" in label
    # It must be answered when there is something to choose.
    unanswered = send(client, state_of(checked), same_as="")
    assert unanswered.status_code == 200
    assert "Say if this is the same place as one of these" in errors_of(unanswered)

    sent = send(client, state_of(checked), same_as=str(original.id))
    assert sent.status_code == 303
    me_too = Report.objects.get(same_as=original.id)
    assert me_too.latitude is None
    assert me_too.longitude is None
    assert me_too.cell_10 == original.cell_10


def test_a_different_place_is_a_new_report(client):
    services.report_create(
        services.Draft(
            point=INSIDE, located_by="map", reasons=["no_cctv"], when="now", band="", day=None
        ),
        address="198.51.100.1",
        verified=True,
    )
    checked = to_check(client)
    sent = send(client, state_of(checked), same_as="different")
    assert sent.status_code == 303
    assert Report.objects.filter(same_as__isnull=True, latitude__isnull=False).count() == 2


def test_a_report_hidden_meanwhile_is_chosen_again(client):
    original = services.report_create(
        services.Draft(
            point=INSIDE, located_by="map", reasons=["no_cctv"], when="now", band="", day=None
        ),
        address="198.51.100.1",
        verified=True,
    )
    checked = to_check(client)
    services.moderate(report_id=original.id, moderator=None, kind="hidden")
    again = send(client, state_of(checked), same_as=str(original.id))
    assert again.status_code == 200
    assert "Check your report" in again.content.decode()
    assert Report.objects.count() == 1


# --- abuse -------------------------------------------------------------------------------------


def test_honeypot_pretends_and_stores_nothing(client):
    checked = to_check(client)
    sent = send(client, state_of(checked), website="http://spam.example")
    assert sent.status_code == 303
    assert sent["Location"] == reverse("streetsafe:report_done")
    assert Report.objects.count() == 0


def test_honeypot_is_hidden_from_people_and_assistive_technology(client):
    page = soup(to_check(client))
    trap = page.find("input", attrs={"name": "website"})
    assert trap["tabindex"] == "-1"
    assert trap["autocomplete"] == "off"
    wrapper = trap.find_parent(attrs={"aria-hidden": "true"})
    assert wrapper is not None
    assert "govuk-visually-hidden" in wrapper["class"]


def test_valid_proof_is_verified_and_a_reused_one_is_not(client):
    challenge = proof_of_work.new_challenge()
    proof = proof_of_work.solve(challenge)
    send(client, state_of(to_check(client)), proof=proof)
    send(client, state_of(to_check(client)), proof=proof)
    assert [report.verified for report in Report.objects.order_by("verified")] == [False, True]


def test_check_page_carries_a_challenge_the_browser_can_solve(client):
    challenge = page_challenge(to_check(client))
    assert proof_of_work.verify(proof_of_work.solve(challenge))


def test_limit_reached_gives_429_with_a_clear_message(client, settings):
    settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY = 2
    for _ in range(2):
        assert send(client, state_of(to_check(client))).status_code == 303
    refused = send(client, state_of(to_check(client)))
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "A lot of reports came from your internet connection today. Try again tomorrow." in text
    assert Report.objects.count() == 2


def test_site_limit_for_unproven_reports(client, settings):
    settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_HOUR = 1
    assert send(client, state_of(to_check(client))).status_code == 303
    client.defaults["REMOTE_ADDR"] = "198.51.100.9"
    refused = send(client, state_of(to_check(client)))
    assert refused.status_code == 429
    assert "A lot of reports are arriving at the moment" in refused.content.decode()


# --- the draft ---------------------------------------------------------------------------------


def test_tampered_state_is_refused_kindly(client):
    checked = to_check(client)
    token = state_of(checked)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for response in (
        send(client, tampered),
        client.get(with_state("streetsafe:report_check", tampered)),
        client.post(reverse("streetsafe:report_place"), {"state": "not a state"}),
    ):
        assert response.status_code == 400
        text = response.content.decode()
        assert "We could not read your answers. Please start again." in text
        assert "Where did you feel unsafe?" in text
    assert Report.objects.count() == 0


def test_a_draft_cannot_be_opened_without_its_key(client):
    checked = to_check(client, note="by the old garages")
    token = state_of(checked)
    draft_id = token.split(".")[0]
    other_key = draft.Handle(uuid.uuid4(), bytes(32)).token.split(".")[1]
    response = client.get(with_state("streetsafe:report_check", f"{draft_id}.{other_key}"))
    assert response.status_code == 400
    assert "by the old garages" not in response.content.decode()
    # What the server keeps is sealed: neither the note nor the place can be read in it.
    sealed = bytes(ReportDraft.objects.get().sealed)
    assert b"garages" not in sealed
    assert b"51.5" not in sealed


def test_an_unknown_draft_is_refused_kindly(client):
    unknown = draft.Handle(uuid.uuid4(), bytes(32)).token
    response = client.get(with_state("streetsafe:report_details", unknown))
    assert response.status_code == 200
    assert "more than 2 hours went by" in response.content.decode()
    assert "Where did you feel unsafe?" in response.content.decode()


def test_expired_draft_is_refused_kindly_and_deleted(client):
    placed = place_by_square(client)
    ReportDraft.objects.update(updated_at=timezone.now() - draft.MAX_AGE - timedelta(seconds=5))
    response = details(client, state_of(placed))
    assert response.status_code == 400
    assert "more than 2 hours went by" in response.content.decode()
    assert not ReportDraft.objects.exists()


def test_the_purge_deletes_drafts_left_for_two_hours(client):
    old = state_of(place_by_square(client))
    fresh = state_of(place_by_square(client))
    ReportDraft.objects.filter(id=uuid.UUID(old.split(".")[0])).update(
        updated_at=timezone.now() - draft.MAX_AGE - timedelta(minutes=1)
    )
    call_command("streetsafe_purge", stdout=io.StringIO())
    assert list(ReportDraft.objects.values_list("id", flat=True)) == [
        uuid.UUID(fresh.split(".")[0])
    ]


# --- Back, reload and sending twice -------------------------------------------------------------


def test_every_step_is_a_page_of_its_own_so_back_and_reload_work(client):
    placed = place_by_square(client, "2-2")
    assert placed.redirect_chain[0][1] == 303
    checked = details(client, state_of(placed), note="under the bridge")
    check_url = checked.redirect_chain[-1][0]
    assert check_url == with_state("streetsafe:report_check", state_of(checked))
    # Reload: the same page, by GET, nothing posted again.
    assert "Check your report" in client.get(check_url).content.decode()
    # Back from the check page: the details step shows the answers as they are now.
    back = client.get(placed.redirect_chain[-1][0])
    page = soup(back)
    assert page.find("textarea", attrs={"name": "note"}).get_text() == "under the bridge"
    assert page.find("input", attrs={"name": "reasons", "value": "followed"}).has_attr("checked")
    # And back again: the place step, with its square chosen.
    place = client.get(with_state("streetsafe:report_place", state_of(placed)))
    assert soup(place).find("input", attrs={"name": "square", "value": "2-2"}).has_attr("checked")


def test_a_report_is_sent_once_however_often_send_is_pressed(client):
    checked = to_check(client)
    first = send(client, state_of(checked))
    assert first.status_code == 303
    assert first["Location"] == reverse("streetsafe:report_done")
    # The draft went with the report: nothing is kept, not even when it was sent.
    assert not ReportDraft.objects.exists()
    again = send(client, state_of(checked))
    assert again.status_code == 200
    assert "If you sent the report, we have it." in again.content.decode()
    assert Report.objects.count() == 1
    # Back to the check page after sending: the same words, not the answers.
    back = client.get(with_state("streetsafe:report_check", state_of(checked)))
    assert "If you sent the report, we have it." in back.content.decode()
    assert "Check your report" not in back.content.decode()


def test_a_second_click_cannot_spend_the_first_ones_proof(client):
    """The draft is claimed before the proof is checked: the report stays verified."""
    checked = to_check(client)
    proof = proof_of_work.solve(proof_of_work.new_challenge())
    assert send(client, state_of(checked), proof=proof).status_code == 303
    assert "If you sent the report" in send(client, state_of(checked), proof=proof).content.decode()
    assert [report.verified for report in Report.objects.all()] == [True]


def test_a_draft_opens_only_in_the_browser_that_made_it(client):
    """A link to someone's draft (sent to them, or synced elsewhere) opens nothing."""
    checked = to_check(client, note="near the back gate")
    link = with_state("streetsafe:report_check", state_of(checked))
    elsewhere = Client()
    elsewhere.defaults["REMOTE_ADDR"] = ADDRESS
    response = elsewhere.get(link)
    assert response.status_code == 400
    assert "near the back gate" not in response.content.decode()
    assert "We could not read your answers." in response.content.decode()
    # Nor can that other browser change it or send it.
    assert send(elsewhere, state_of(checked)).status_code == 400
    assert Report.objects.count() == 0
    assert "near the back gate" in client.get(link).content.decode()


def test_starting_many_reports_from_one_address_is_limited(client, settings):
    settings.SAFETRAIL_STREETSAFE_DRAFTS_PER_DAY = 2
    started = place_by_square(client)
    assert started.status_code == 200
    assert place_by_square(client).status_code == 200
    third = place_by_square(client)
    assert third.status_code == 429
    assert "A lot of reports were started from your internet connection today." in (
        third.content.decode()
    )
    assert ReportDraft.objects.count() == 2
    # A report already started goes on: only starting one more is limited.
    checked = details(client, state_of(started))
    assert send(client, state_of(checked)).status_code == 303


def test_a_refused_report_keeps_the_draft_to_try_again(client, settings):
    settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY = 0
    checked = to_check(client)
    refused = send(client, state_of(checked))
    assert refused.status_code == 429
    again = soup(refused).find("a", string=lambda text: text and "Go back to your report" in text)
    assert again["href"] == with_state("streetsafe:report_check", state_of(checked))
    assert client.get(again["href"]).status_code == 200
    settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY = 3
    assert send(client, state_of(checked)).status_code == 303
    assert Report.objects.count() == 1


# --- field errors keep what was typed ----------------------------------------------------------


def test_future_date_is_an_error_and_answers_stay(client):
    placed = place_by_square(client)
    tomorrow = services.today() + timedelta(days=1)
    response = details(client, state_of(placed), day=tomorrow, note="near the bridge")
    assert response.status_code == 200
    assert "The date cannot be in the future" in errors_of(response)
    page = soup(response)
    assert page.find("input", attrs={"name": "day_day"})["value"] == str(tomorrow.day)
    assert page.find("textarea", attrs={"name": "note"}).get_text() == "near the bridge"
    assert page.find("input", attrs={"name": "reasons", "value": "followed"}).has_attr("checked")
    assert page.select_one(".govuk-error-summary a")["href"] == "#id_day_day"


def test_date_more_than_a_year_ago_is_an_error(client):
    placed = place_by_square(client)
    today = services.today()
    limit = (
        today.replace(year=today.year - 1)
        if not (today.month == 2 and today.day == 29)
        else (today.replace(year=today.year - 1, day=28))
    )
    too_old = details(client, state_of(placed), day=limit - timedelta(days=1))
    assert any("in the last 12 months" in error for error in errors_of(too_old))
    just_in = details(client, state_of(placed), day=limit)
    assert "Check your report" in just_in.content.decode()


def test_earlier_today_needs_a_time_of_day_that_has_come(client):
    placed = place_by_square(client)
    response = details(client, state_of(placed), when="earlier_today", band="", day=None)
    assert "Choose the time of day" in errors_of(response)
    current = domain.band_at(timezone.localtime().time())
    if current.number < 3:
        later = domain.BAND_BY_NUMBER[current.number + 1].code
        response = details(client, state_of(placed), when="earlier_today", band=later, day=None)
        assert "That time of day has not come yet today. Check it." in errors_of(response)


def test_no_reasons_is_an_error(client):
    placed = place_by_square(client)
    response = details(client, state_of(placed), reasons=[], note="kept")
    assert "Tick at least one reason why you felt unsafe" in errors_of(response)
    assert soup(response).find("textarea", attrs={"name": "note"}).get_text() == "kept"
    assert soup(response).select_one(".govuk-error-summary a")["href"] == "#id_reasons"


def test_coordinates_outside_the_area_are_an_error(client):
    response = place_by_coordinates(client, "53.48", "-2.24")
    assert response.status_code == 200
    assert any("outside the area we cover" in error for error in errors_of(response))
    page = soup(response)
    assert page.find("input", attrs={"name": "typed_latitude"})["value"] == "53.48"
    assert page.find("input", attrs={"name": "typed_longitude"})["value"] == "-2.24"


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        ("north", "-0.12", "Enter the latitude as a number, for example 51.5072"),
        ("51.5", "", "Enter the longitude too"),
        ("nan", "inf", "Enter the latitude as a number, for example 51.5072"),
    ],
)
def test_bad_coordinates_are_errors(client, latitude, longitude, message):
    response = place_by_coordinates(client, latitude, longitude)
    assert message in errors_of(response)


def test_nothing_chosen_and_both_chosen_are_errors(client):
    nothing = client.post(reverse("streetsafe:report_place"), {})
    assert any("Show where it was" in error for error in errors_of(nothing))
    both = client.post(
        reverse("streetsafe:report_place"),
        {"square": "0-0", "typed_latitude": "51.5", "typed_longitude": "-0.1"},
    )
    assert any("not both" in error for error in errors_of(both))
    page = soup(both)
    assert page.find("input", attrs={"name": "square", "value": "0-0"}).has_attr("checked")
    # The grid stays open when it has something to fix.
    assert not page.find("details", attrs={"data-streetsafe-alternatives": True}).has_attr(
        "data-fold"
    )


def test_map_point_outside_the_area_is_an_error(client):
    response = client.post(
        reverse("streetsafe:report_place"),
        {"latitude": "10", "longitude": "10", "located_by": "map"},
    )
    assert any(
        "outside the area we cover" in item.get_text()
        for item in soup(response).select(".govuk-error-summary li")
    )


def test_a_one_megabyte_note_is_an_error_and_stays(client):
    placed = place_by_square(client)
    note = "x" * (1024 * 1024)
    response = details(client, state_of(placed), note=note)
    assert response.status_code == 200
    assert any("Use 500 characters or fewer" in error for error in errors_of(response))
    assert soup(response).find("textarea", attrs={"name": "note"}).get_text() == note
    # Nothing of this step was saved: the draft has no note at all.
    assert "note" not in opened(client, state_of(response))


# --- anonymity ---------------------------------------------------------------------------------


def test_no_cookie_but_csrf_and_no_address_in_any_page(client):
    bodies = []

    def keep(response):
        bodies.append(response.content.decode())
        return response

    keep(client.get(reverse("streetsafe:home")))
    keep(client.get(reverse("streetsafe:report_place")))
    placed = keep(place_by_square(client))
    keep(details(client, state_of(placed), day=None, when="now", band=""))
    bad = keep(details(client, state_of(placed), reasons=[]))
    assert bad.status_code == 200
    checked = keep(details(client, state_of(placed)))
    # The draft holds no address either.
    assert ADDRESS not in str(opened(client, state_of(checked)))
    sent = send(client, state_of(checked))
    assert sent.status_code == 303
    keep(client.get(sent["Location"]))
    keep(send(client, "tampered"))
    assert Report.objects.count() == 1
    assert set(client.cookies.keys()) <= {"csrftoken"}
    for body in bodies:
        assert ADDRESS not in body


def test_the_address_is_not_in_the_refusal_page(client, settings):
    settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY = 0
    refused = send(client, state_of(to_check(client)))
    assert refused.status_code == 429
    assert ADDRESS not in refused.content.decode()


# --- the map and the page shell ----------------------------------------------------------------


def test_no_tiles_by_default_and_the_tile_server_is_allowed_when_set(client, settings):
    plain = client.get(reverse("streetsafe:report_place"))
    panel = soup(plain).find(attrs={"data-streetsafe-map": True})
    assert panel["data-tile-url"] == ""
    assert panel.has_attr("hidden")  # shown by the script only
    assert "img-src 'self' data:;" in plain["Content-Security-Policy"]

    settings.SAFETRAIL_STREETSAFE_TILE_URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    tiled = client.get(reverse("streetsafe:report_place"))
    assert "img-src 'self' data: https://*.tiles.example.org;" in tiled["Content-Security-Policy"]
    # Only the page with the map: the next steps load no tiles.
    placed = place_by_square(client)
    assert "tiles.example.org" not in placed["Content-Security-Policy"]


def test_the_flow_works_in_welsh_too(client):
    with translation.override("cy"):
        place_url = reverse("streetsafe:report_place")
        details_url = reverse("streetsafe:report_details")
    assert place_url.startswith("/cy/")
    page = client.get(place_url)
    assert page.status_code == 200
    form = soup(page).find("input", attrs={"name": "square"}).find_parent("form")
    assert form["action"] == place_url
    placed = client.post(place_url, {"square": "0-0"}, follow=True)
    assert placed.status_code == 200
    assert placed.redirect_chain[0][0].startswith(details_url + "?state=")
    assert opened(client, state_of(placed))["square"] == "0-0"


def test_nearby_offers_only_reports_in_areas_the_public_map_shows_and_rounds_the_distance():
    place = Point(51.5003, -0.1203)
    for days_ago in (1, 2, 3, 4):
        _reported_on(days_ago, place)
    # Below the k rule: nothing to probe for, however close.
    assert services.nearby(place) == []

    _reported_on(5, place)

    offered = services.nearby(Point(51.5004, -0.1204))  # about 13 m away
    assert len(offered) == services.NEARBY_LIMIT
    assert {item.metres for item in offered} == {100}


def test_the_error_summary_follows_the_order_of_the_page(client):
    placed = place_by_square(client)
    response = details(
        client, state_of(placed), when="earlier_today", band="", day=None, note="x" * 501
    )
    anchors = [link["href"] for link in soup(response).select(".govuk-error-summary a")]
    # The time of day is asked above the note, though its error is found later (in clean()).
    assert anchors == ["#id_band", "#id_note"]


def page_challenge(response) -> proof_of_work.Challenge:
    form = soup(response).find("form", attrs={"data-streetsafe-proof": True})
    return proof_of_work.Challenge(
        algorithm=form["data-algorithm"],
        challenge=form["data-challenge"],
        salt=form["data-salt"],
        signature=form["data-signature"],
        max_number=int(form["data-maxnumber"]),
    )


def test_many_reports_from_one_address_ask_for_a_longer_check_not_a_refusal(client, settings):
    settings.SAFETRAIL_STREETSAFE_POW_MAX_NUMBER = 500
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 1
    settings.SAFETRAIL_STREETSAFE_HARDER_REPORTS_PER_DAY = 5
    settings.SAFETRAIL_STREETSAFE_HARDER_STEP = 1
    first = to_check(client)
    assert page_challenge(first).max_number == 500
    proof = proof_of_work.solve(page_challenge(first))
    assert send(client, state_of(first), proof=proof).status_code == 303

    # Someone else on the same connection: a harder challenge on their check page.
    second = to_check(client)
    assert page_challenge(second).max_number == 1000
    easy = proof_of_work.solve(proof_of_work.new_challenge())
    redirected = send(client, state_of(second), proof=easy)
    # Back to the check page by GET, so reloading it sends nothing.
    assert redirected.status_code == 303
    asked = client.get(redirected["Location"])
    assert "Your browser needs to do a longer check this time" in asked.content.decode()
    assert client.get(redirected["Location"]).status_code == 200
    assert Report.objects.count() == 1
    # The page shown again carries the harder challenge; solving it sends the report.
    harder = proof_of_work.solve(page_challenge(asked))
    assert send(client, state_of(asked), proof=harder).status_code == 303
    assert Report.objects.filter(verified=True).count() == 2


def test_switching_language_keeps_the_report_in_progress(client):
    checked = to_check(client, note="by the old mill")
    welsh = language_link(checked, "Cymraeg")
    assert welsh.startswith("/cy/")
    assert f"state={state_of(checked)}" in welsh
    page = client.get(welsh)
    assert page.status_code == 200
    assert "by the old mill" in page.content.decode()


def test_the_form_cookie_is_sent_when_arriving_from_another_site(client):
    """SameSite=Lax: a link from elsewhere must not replace it (and orphan a draft)."""
    response = client.get(reverse("streetsafe:report_place"))
    assert response.cookies["csrftoken"]["samesite"] == "Lax"


def test_the_same_place_answer_is_kept_when_a_longer_check_is_needed(client, settings):
    original = _reported_on(10)
    for days_ago in (11, 12, 13, 14):
        _reported_on(days_ago)
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 0
    settings.SAFETRAIL_STREETSAFE_HARDER_REPORTS_PER_DAY = 5
    checked = to_check(client)
    easy = proof_of_work.solve(proof_of_work.new_challenge())
    redirected = send(client, state_of(checked), proof=easy, same_as=str(original.id))
    page = soup(client.get(redirected["Location"]))
    chosen = page.find("input", attrs={"name": "same_as", "value": str(original.id)})
    assert chosen.has_attr("checked")


def test_line_breaks_count_as_one_character_as_the_counter_shows(client):
    placed = place_by_square(client)
    note = "\r\n".join(["dark"] * 100)  # 499 characters as the box counts them
    checked = details(client, state_of(placed), note=note)
    assert "Check your report" in checked.content.decode()
    assert opened(client, state_of(checked))["note"] == note.replace("\r\n", "\n")


def test_a_date_part_with_many_digits_is_a_clear_error(client):
    placed = place_by_square(client)
    response = details(client, state_of(placed), day_day="99999999999", note="kept")
    assert response.status_code == 200
    assert errors_of(response)
    assert soup(response).find("textarea", attrs={"name": "note"}).get_text() == "kept"


def test_a_new_place_forgets_the_earlier_same_place_answer(client, settings):
    original = _reported_on(10)
    for days_ago in (11, 12, 13, 14):
        _reported_on(days_ago)
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 0
    settings.SAFETRAIL_STREETSAFE_HARDER_REPORTS_PER_DAY = 5
    checked = to_check(client)
    easy = proof_of_work.solve(proof_of_work.new_challenge())
    send(client, state_of(checked), proof=easy, same_as=str(original.id))
    assert opened(client, state_of(checked))["same_as"] == str(original.id)

    place_by_square(client, "0-0", state=state_of(checked))

    assert "same_as" not in opened(client, state_of(checked))


def test_a_report_refused_for_its_content_does_not_use_up_the_address(settings):
    settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY = 1
    original = _reported_on(3)
    services.moderate(report_id=original.id, moderator=None, kind="hidden")
    draft_of = services.Draft(
        point=INSIDE, located_by="map", reasons=["no_cctv"], when="now", band="", day=None
    )
    for _ in range(3):
        with pytest.raises(services.ReportRefused) as refused:
            services.report_create(draft_of, address=ADDRESS, verified=False, same_as=original.id)
        assert refused.value.reason == "same_as_gone"
    # The one report allowed without a proof is still there to send.
    assert services.report_create(draft_of, address=ADDRESS, verified=False)


def test_switching_language_on_a_page_with_errors_keeps_the_report(client):
    placed = place_by_square(client)
    with_errors = details(client, state_of(placed), reasons=[])
    assert errors_of(with_errors)
    welsh = language_link(with_errors, "Cymraeg")
    assert welsh == "/cy" + with_state("streetsafe:report_details", state_of(placed))
    assert client.get(welsh).status_code == 200
