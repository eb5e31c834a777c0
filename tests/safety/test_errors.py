from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from safetrail import urls as project_urls
from tests.html import soup

pytestmark = pytest.mark.django_db

SECRET_IN_ERROR = "database password is hunter2"


def broken_view(request):
    raise RuntimeError(SECRET_IN_ERROR)


def form_view(request):
    return HttpResponse("saved")


urlpatterns = [path("broken/", broken_view), path("form/", form_view), *project_urls.urlpatterns]
handler500 = "safetrail.safety.views.server_error"


def test_unknown_url_gives_a_plain_404_with_the_exit_control(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    document = soup(response)
    assert document.h1.get_text(strip=True) == "Page not found"
    assert document.select_one(".govuk-exit-this-page__button") is not None


def test_welsh_404_is_in_welsh(client):
    response = client.get("/cy/no-such-page/")

    assert response.status_code == 404
    document = soup(response)
    assert document.html["lang"] == "cy"
    assert document.h1.get_text(strip=True) == "Heb ddod o hyd i’r dudalen"


@pytest.mark.urls("tests.safety.test_errors")
def test_server_error_page_leaks_nothing(settings):
    client = Client(raise_request_exception=False)

    response = client.get("/broken/")

    assert response.status_code == 500
    body = response.content.decode()
    assert "Sorry, there is a problem" in body
    assert SECRET_IN_ERROR not in body
    assert "Traceback" not in body
    assert "RuntimeError" not in body


@pytest.mark.urls("tests.safety.test_errors")
def test_server_error_page_survives_a_broken_template(settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": ["tests.safety.test_errors.broken_context"],
            },
        }
    ]
    client = Client(raise_request_exception=False)

    response = client.get("/broken/")

    assert response.status_code == 500
    body = response.content.decode()
    assert "Sorry, there is a problem" in body
    assert 'href="/exit/"' in body
    assert SECRET_IN_ERROR not in body


def broken_context(request):
    raise RuntimeError("the context processor is broken too")


@pytest.mark.urls("tests.safety.test_errors")
def test_expired_form_gives_a_plain_message():
    csrf_client = Client(enforce_csrf_checks=True)

    response = csrf_client.post("/form/", {"note": "typed"})

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
