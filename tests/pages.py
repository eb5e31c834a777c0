"""Every page the site serves to a visitor, for tests that walk them all.

Later features add their pages here; ``test_every_url_is_walked`` fails when a
URL pattern is not covered, so nothing new escapes the shared checks.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from safetrail.advice import pages

LANGUAGES = ("en", "cy")

# Named URL patterns that are not pages a person reads, with the reason.
NOT_PAGES = {
    "safety:exit": "redirects to the exit site",
    "safety:health": "JSON for load balancers",
}


def page_urls(language: str) -> list[str]:
    """The address of every HTML page, in one language."""
    with translation.override(language):
        urls = [
            reverse("advice:home"),
            reverse("advice:in_danger"),
            reverse("advice:leaving_quickly"),
            reverse("advice:support"),
        ]
        urls += [reverse("advice:page", args=[page.slug]) for page in pages.ALL_PAGES]
    return urls


def covered_pattern_names() -> set[str]:
    return {
        "advice:home",
        "advice:in_danger",
        "advice:leaving_quickly",
        "advice:support",
        "advice:page",
        *NOT_PAGES,
    }


def all_page_urls() -> list[str]:
    return [url for language in LANGUAGES for url in page_urls(language)]
