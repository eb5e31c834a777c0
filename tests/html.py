"""Reading the HTML a page returned, for assertions."""

from __future__ import annotations

from urllib.parse import urlsplit

from bs4 import BeautifulSoup

URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "poster", "srcset", "content")


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def foreign_urls(document: BeautifulSoup) -> list[str]:
    """URLs in the page that point at another host (scheme-relative ones too)."""
    found = []
    for element in document.find_all(True):
        for attribute in URL_ATTRIBUTES:
            value = element.get(attribute)
            if not value:
                continue
            for candidate in str(value).replace(",", " ").split():
                parts = urlsplit(candidate)
                if parts.netloc or candidate.startswith("//"):
                    found.append(candidate)
    text = document.get_text(" ")
    found += [word for word in text.split() if "://" in word]
    return found
