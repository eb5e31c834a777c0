"""The overview's table, a page at a time: newest first, filters kept, no script needed.

The counts above the table come from the case index and cover every incident;
only the incidents on the page shown are opened.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from safetrail.diary import services as diary
from safetrail.diary.overview import PAGE_SIZE
from tests.diary.helpers import person
from tests.html import soup

pytestmark = pytest.mark.django_db

INCIDENTS = 60  # 30 "following" (even numbers) and 30 "contact" (odd)


@pytest.fixture
def diarist():
    client, _user, open_case = person()
    for n in range(INCIDENTS):
        diary.incident_create(
            open_case=open_case,
            data={
                "when": {"kind": "exact", "at": f"2026-01-{1 + n // 2:02d}T{8 + n % 2:02d}:00"},
                "what_happened": f"Incident {n:02d}",
                "behaviours": ["following"] if n % 2 == 0 else ["contact"],
            },
        )
    return client, open_case


def overview(client, open_case, **query):
    response = client.get(reverse("diary:case", args=[open_case.id]), query)
    assert response.status_code == 200
    return soup(response)


def rows(page) -> list[str]:
    table = page.select("main table")[-1]
    return [row.select("td")[1].get_text(" ", strip=True) for row in table.select("tbody tr")]


def nav(page):
    (pagination,) = page.select("nav.govuk-pagination")
    return pagination


def links(page, open_case) -> dict[str, dict[str, list[str]]]:
    """Each pagination link's text, and the query it leads to (on the overview, at its table)."""
    found = {}
    for link in nav(page).select("a"):
        parts = urlsplit(link["href"])
        assert parts.path == reverse("diary:case", args=[open_case.id])
        assert parts.fragment == "incidents"
        found[link.get_text(" ", strip=True)] = parse_qs(parts.query, keep_blank_values=True)
    return found


def current(page) -> str:
    (link,) = nav(page).select('a[aria-current="page"]')
    return link.get_text(strip=True)


def test_the_first_page_shows_the_newest_and_links_to_the_next(diarist):
    client, open_case = diarist

    page = overview(client, open_case)

    assert PAGE_SIZE == 25
    assert rows(page) == [f"Incident {n:02d}" for n in range(59, 34, -1)]
    assert current(page) == "1"
    assert links(page, open_case) == {
        "1": {},
        "2": {"page": ["2"]},
        "3": {"page": ["3"]},
        "Next page": {"page": ["2"]},
    }
    assert page.select_one("nav.govuk-pagination a[rel=next]")
    assert not page.select("nav.govuk-pagination a[rel=prev]")
    # The counts cover every incident, not the page.
    assert "60 occasions" in page.select_one(".govuk-summary-list").get_text(" ")


def test_page_two_shows_the_next_incidents(diarist):
    client, open_case = diarist

    page = overview(client, open_case, page="2")

    assert rows(page) == [f"Incident {n:02d}" for n in range(34, 9, -1)]
    assert current(page) == "2"
    assert set(links(page, open_case)) == {"Previous page", "1", "2", "3", "Next page"}
    last = overview(client, open_case, page="3")
    assert rows(last) == [f"Incident {n:02d}" for n in range(9, -1, -1)]
    assert "Next page" not in links(last, open_case)


def test_page_links_keep_the_filters(diarist):
    client, open_case = diarist
    chosen = {"behaviour": "following", "from": "", "to": "", "reported": "", "feared_violence": ""}

    page = overview(client, open_case, **chosen)

    assert rows(page) == [f"Incident {n:02d}" for n in range(58, 8, -2)]
    assert links(page, open_case)["2"] == {"behaviour": ["following"], "page": ["2"]}
    assert links(page, open_case)["1"] == {"behaviour": ["following"]}
    second = overview(client, open_case, behaviour="following", page="2")
    assert rows(second) == [f"Incident {n:02d}" for n in range(8, -1, -2)]
    assert links(second, open_case)["Previous page"] == {"behaviour": ["following"]}
    assert "30 occasions" in second.select_one(".govuk-summary-list").get_text(" ")
    # The filter form starts a new choice on page 1: it does not carry the page.
    assert not second.select('form.safetrail-filters [name="page"]')


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("99", "3"), ("4", "3"), ("0", "1"), ("-2", "1"), ("two", "1"), ("", "1"), ("1e3", "1")],
)
def test_a_page_that_does_not_exist_shows_the_nearest_one(diarist, asked, shown):
    client, open_case = diarist

    page = overview(client, open_case, page=asked)

    assert current(page) == shown
    assert len(rows(page)) == (10 if shown == "3" else 25)


def test_one_page_needs_no_page_links():
    client, _, open_case = person()
    diary.incident_create(open_case=open_case, data={"what_happened": "Only one", "when": {}})

    page = overview(client, open_case)

    assert rows(page) == ["Only one"]
    assert not page.select("nav.govuk-pagination")


def test_only_the_incidents_on_the_page_are_opened(diarist, monkeypatch):
    client, open_case = diarist
    overview(client, open_case)  # the index is in step already; this is a warm-up
    opened = []
    view = diary._view

    def counting(*args, **kwargs):
        opened.append(args[1][0])
        return view(*args, **kwargs)

    monkeypatch.setattr(diary, "_view", counting)

    overview(client, open_case, page="2")

    assert len(opened) == PAGE_SIZE


def test_no_page_of_someone_elses_table_exists(diarist):
    _, open_case = diarist
    stranger, _, _ = person("stranger")

    for query in ({"page": "2"}, {"page": "2", "behaviour": "following"}, {"page": "x"}):
        response = stranger.get(reverse("diary:case", args=[open_case.id]), query)
        assert response.status_code == 404


def test_the_welsh_overview_pages_in_welsh(diarist):
    client, open_case = diarist
    url = reverse("diary:case", args=[open_case.id])

    response = client.get(f"/cy{url}", {"page": "2"})

    assert response.status_code == 200
    pagination = nav(soup(response))
    assert pagination["aria-label"] == "Tudalennau"
    hrefs = [link["href"] for link in pagination.select("a")]
    assert hrefs
    assert all(href.startswith(f"/cy{url}") for href in hrefs)
    assert "Tudalen 3" in [link["aria-label"] for link in pagination.select("a[aria-label]")]
    assert "Nesaf" in pagination.get_text(" ")
