from __future__ import annotations

import pytest

from tests.pages import all_page_urls

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", all_page_urls())
def test_every_page_has_a_strict_policy(client, url):
    response = client.get(url)

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_inline_script_carries_this_requests_nonce(client):
    first = client.get("/")
    second = client.get("/")

    nonce = first["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in first.content.decode()
    assert nonce not in second["Content-Security-Policy"]


def test_every_inline_script_has_a_nonce(client):
    from tests.html import soup

    for url in all_page_urls():
        for script in soup(client.get(url)).find_all("script"):
            assert script.get("src") or script.get("nonce"), f"inline script without nonce on {url}"


def test_hsts_is_sent_over_https_in_production(client, settings):
    settings.SECURE_HSTS_SECONDS = 63072000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    response = client.get("/", secure=True)

    assert response["Strict-Transport-Security"].startswith("max-age=63072000")


def test_http_is_redirected_to_https_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/advice/report-it/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/advice/report-it/"


def test_signed_in_user_never_gets_a_cacheable_response(signed_in_client):
    for url in ["/", "/support/", "/no-such-page/", "/health/"]:
        response = signed_in_client.get(url)
        cache_control = response["Cache-Control"]
        assert "no-store" in cache_control, url
        assert "private" in cache_control, url


def test_signed_in_response_marked_cacheable_is_still_not_stored(rf, django_user_model):
    """The no-store rule for signed-in users has no opt-out, not even for a view that asks."""
    from django.http import HttpResponse

    from safetrail.safety.middleware import NoStoreMiddleware

    def cacheable_view(request):
        response = HttpResponse("hello")
        response.safetrail_cacheable = True
        response["Cache-Control"] = "public, max-age=3600"
        return response

    request = rf.get("/")
    request.user = django_user_model.objects.create_user(username="bob", password="x" * 12)
    response = NoStoreMiddleware(cacheable_view)(request)

    assert "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_static_assets_can_be_cached(client):
    from django.templatetags.static import static

    response = client.get(static("safetrail/safetrail.css"))

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
