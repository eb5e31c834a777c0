from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_health_reports_ok(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_is_reachable_over_plain_http_behind_a_proxy(settings):
    assert r"^health/$" in settings.SECURE_REDIRECT_EXEMPT


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/health/", "/", "/street-safe/", "/street-safe/map/table/", "/street-safe/map/cells.csv"],
)
def test_uptime_checks_may_ask_with_head(client, path):
    """Monitors often send HEAD: every page a GET reaches answers it too, without a body."""
    got = client.get(path, secure=True)
    asked = client.head(path, secure=True)

    assert got.status_code == 200, path
    assert asked.status_code == 200, path
    assert asked.content == b""
