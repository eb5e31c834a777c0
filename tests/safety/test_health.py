from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_health_reports_ok(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_is_reachable_over_plain_http_behind_a_proxy(settings):
    assert r"^health/$" in settings.SECURE_REDIRECT_EXEMPT
