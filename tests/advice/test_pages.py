from __future__ import annotations

import re

import pytest
from django.template.loader import get_template

from safetrail.advice import pages
from tests.html import soup
from tests.pages import LANGUAGES, all_page_urls, page_urls

pytestmark = pytest.mark.django_db

BODY_ONLY_PAGES = ("in-danger", "leaving-quickly")


@pytest.mark.parametrize("url", all_page_urls())
def test_every_page_answers(client, url):
    response = client.get(url)

    assert response.status_code == 200
    document = soup(response)
    assert document.html["lang"] == ("cy" if url.startswith("/cy/") else "en")
    assert len(document.find_all("h1")) == 1


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("slug", [page.slug for page in pages.ALL_PAGES] + list(BODY_ONLY_PAGES))
def test_every_page_has_a_body_in_every_language(slug, language):
    template = get_template(f"advice/pages/{language}/{slug}.html")

    assert template is not None


def test_welsh_pages_are_in_welsh(client):
    for english_url, welsh_url in zip(page_urls("en"), page_urls("cy"), strict=True):
        english = soup(client.get(english_url))
        welsh = soup(client.get(welsh_url))
        assert english.h1.get_text(strip=True) != welsh.h1.get_text(strip=True), welsh_url
        english_text = english.find("main").get_text(" ", strip=True)
        welsh_text = welsh.find("main").get_text(" ", strip=True)
        # A page left in English would share most of its words with the English page.
        english_words = set(re.findall(r"[a-z]{5,}", english_text.lower()))
        welsh_words = set(re.findall(r"[a-z]{5,}", welsh_text.lower()))
        shared = english_words & welsh_words
        assert len(shared) < 0.2 * len(english_words), (welsh_url, sorted(shared)[:20])


@pytest.mark.parametrize("url", ["/", "/advice/keep-a-diary/", "/support/"])
def test_language_switch_leads_to_the_same_page_in_welsh_and_back(client, url):
    english = soup(client.get(url))
    to_welsh = english.select_one('.govuk-language-navigation a[hreflang="cy"]')

    assert to_welsh["href"] == "/cy" + url

    welsh = soup(client.get(to_welsh["href"]))
    to_english = welsh.select_one('.govuk-language-navigation a[hreflang="en"]')
    assert to_english["href"] == url


def test_language_switch_from_a_missing_page_goes_home(client):
    document = soup(client.get("/no-such-page/"))

    assert document.select_one('.govuk-language-navigation a[hreflang="cy"]')["href"] == "/cy/"


def test_every_report_rule_page_is_linked_from_home(client):
    document = soup(client.get("/"))
    links = {link["href"] for link in document.find_all("a")}

    for page in pages.REPORT_RULES:
        assert f"/advice/{page.slug}/" in links
    assert [page.rule for page in pages.REPORT_RULES] == list("REPORT")


def test_in_danger_page_gives_the_emergency_numbers(client):
    for url in ("/in-danger/", "/cy/in-danger/"):
        text = soup(client.get(url)).find("main").get_text(" ")
        assert "999" in text
        assert "55" in text
        assert "18000" in text
        assert "101" in text


def test_page_titles_are_neutral_unless_the_operator_asks(client, settings):
    neutral = soup(client.get("/advice/keep-evidence/")).title.get_text(strip=True)
    settings.SAFETRAIL_DESCRIPTIVE_TITLES = True
    descriptive = soup(client.get("/advice/keep-evidence/")).title.get_text(strip=True)

    assert neutral == settings.SAFETRAIL_PAGE_TITLE
    assert descriptive.startswith("Keep all the evidence")


def test_site_name_is_configurable(client, settings):
    settings.SAFETRAIL_SITE_NAME = "Notebook"

    document = soup(client.get("/"))

    assert document.select_one(".govuk-service-navigation__service-name").get_text(strip=True) == (
        "Notebook"
    )
    assert "Safetrail" not in document.get_text()


def test_no_crown_or_govuk_branding(client):
    body = client.get("/").content.decode()

    assert "govuk-crest" not in body
    assert "GOV.UK" not in body
    assert "govuk-header__logo" not in body


def test_unknown_advice_slug_is_not_found(client):
    assert client.get("/advice/no-such-advice/").status_code == 404
