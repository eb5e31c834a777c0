from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session

from tests.html import foreign_urls, soup
from tests.pages import all_page_urls

pytestmark = pytest.mark.django_db


def test_exit_goes_to_the_configured_site(client, settings):
    settings.SAFETRAIL_EXIT_URL = "https://www.example.org/weather"

    response = client.get("/exit/")

    assert response.status_code == 302
    assert response["Location"] == "https://www.example.org/weather"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


def test_default_exit_is_bbc_news(settings):
    from safetrail import settings as project_settings

    assert project_settings.SAFETRAIL_EXIT_URL == "https://www.bbc.co.uk/news"


def test_exit_signs_the_user_out_and_ends_the_session(signed_in_client):
    assert Session.objects.count() == 1

    response = signed_in_client.get("/exit/")

    assert response.status_code == 302
    assert Session.objects.count() == 0
    assert response.cookies["session"].value == ""
    assert "_auth_user_id" not in signed_in_client.session


def test_exit_is_a_plain_link_not_a_form(client):
    # A GET, so it works before any script has loaded and never needs a token.
    assert client.get("/exit/").status_code == 302
    assert client.post("/exit/").status_code == 405


def test_exit_without_a_session_still_leaves(client):
    response = client.get("/exit/")

    assert response.status_code == 302


@pytest.mark.parametrize("url", [*all_page_urls(), "/no-such-page/", "/cy/no-such-page/"])
def test_every_page_carries_the_exit_control(client, url, settings):
    document = soup(client.get(url))

    button = document.select_one(".govuk-exit-this-page a.govuk-exit-this-page__button")
    assert button is not None
    assert button["href"] == "/exit/"
    assert "noreferrer" in button["rel"]
    skip_link = document.select_one("a.govuk-js-exit-this-page-skiplink")
    assert skip_link is not None
    assert skip_link["href"] == "/exit/"
    assert "noreferrer" in skip_link["rel"]
    # The exit control comes before the page content, so it works half loaded.
    body = str(document.body)
    assert body.index("govuk-exit-this-page__button") < body.index('id="main-content"')


@pytest.mark.parametrize("url", all_page_urls())
def test_no_page_links_to_another_host(client, url, settings):
    settings.SAFETRAIL_EXIT_URL = "https://exit.example/"

    assert foreign_urls(soup(client.get(url))) == []


@pytest.mark.parametrize("url", ["/", "/cy/", "/no-such-page/"])
def test_every_page_links_to_in_danger_advice(client, url):
    document = soup(client.get(url))

    assert document.select_one('a[href$="in-danger/"]') is not None
