"""A record that will not open gives a plain, translated page, never a stack trace."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import path

from safetrail import urls as project_urls
from safetrail.vault import services as vault
from tests.html import soup

pytestmark = pytest.mark.django_db


def tampered_view(request):
    raise vault.RecordUnreadable("record did not open")


urlpatterns = [path("tampered/", tampered_view), *project_urls.urlpatterns]


@pytest.mark.urls("tests.vault.test_unreadable_page")
def test_unreadable_record_page():
    client = Client(raise_request_exception=False)

    response = client.get("/tampered/")

    assert response.status_code == 422
    assert soup(response).h1.get_text(strip=True) == "This could not be opened"
    body = response.content.decode()
    assert "Traceback" not in body
    assert "record did not open" not in body
    assert soup(response).select_one(".govuk-exit-this-page__button") is not None
