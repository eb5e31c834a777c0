"""Every public page, for the checks that walk them all (headers, exit
control, no foreign URLs, Welsh). Signed-in pages are walked from
``tests/authz.py``, which also fails when any URL is left out.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from safetrail.advice import pages

LANGUAGES = ("en", "cy")
STREETSAFE_PAGES = ("home", "report_place", "report_done", "map", "table")


def page_urls(language: str) -> list[str]:
    """The address of every HTML page, in one language."""
    with translation.override(language):
        urls = [
            reverse("advice:home"),
            reverse("advice:in_danger"),
            reverse("advice:leaving_quickly"),
            reverse("advice:support"),
            reverse("accounts:sign_up"),
            reverse("accounts:sign_in"),
            reverse("accounts:recover"),
        ]
        urls += [reverse("advice:page", args=[page.slug]) for page in pages.ALL_PAGES]
        # Street Safe's public pages that open with a plain GET. The later report
        # steps need the answers posted to them, and the API page is mostly code
        # examples that stay in English: tests/browser/test_streetsafe.py walks those.
        urls += [reverse(f"streetsafe:{name}") for name in STREETSAFE_PAGES]
    return urls


def all_page_urls() -> list[str]:
    return [url for language in LANGUAGES for url in page_urls(language)]
