"""The safety shell on every signed-in page: exit control, no-store, CSP, nothing foreign."""

from __future__ import annotations

import pytest

from tests.authz import ROUTES, Access, build_world
from tests.html import foreign_urls, soup

pytestmark = pytest.mark.django_db

SIGNED_IN_PAGES = [
    name
    for name, route in ROUTES.items()
    if route.access is not Access.PUBLIC and route.methods == ("get",)
]


@pytest.fixture(scope="module")
def owner_pages(django_db_setup, django_db_blocker):
    """Every signed-in page as its owner sees it, fetched once for the module."""
    with django_db_blocker.unblock():
        from django.db import transaction

        responses = {}
        try:
            with transaction.atomic():
                world = build_world()
                for name in SIGNED_IN_PAGES:
                    url = ROUTES[name].build(world)
                    responses[name] = world.owner.client.get(url)
                raise _Rollback
        except _Rollback:
            pass
    return responses


class _Rollback(Exception):
    pass


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_signed_in_page_is_never_stored(owner_pages, name):
    response = owner_pages[name]

    assert "no-store" in response["Cache-Control"]
    policy = response["Content-Security-Policy"]
    # Pages allow this site only; raw evidence files allow nothing at all.
    assert "default-src 'self'" in policy or policy.startswith("default-src 'none'")


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_signed_in_html_page_has_the_shell(owner_pages, name):
    response = owner_pages[name]
    if not response["Content-Type"].startswith("text/html") or response.status_code != 200:
        pytest.skip("not an HTML page")
    document = soup(response)

    assert document.select_one(".govuk-exit-this-page__button")["href"] == "/exit/"
    assert document.select_one("#idle-warning") is not None
    assert foreign_urls(document) == []
    assert len(document.find_all("h1")) == 1
