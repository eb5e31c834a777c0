"""A photo of the suspect comes from the evidence locker."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from safetrail.diary import services as diary
from safetrail.evidence.models import EvidenceItem
from tests.diary.helpers import person, reopen
from tests.html import soup

pytestmark = pytest.mark.django_db


def photo() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "green").save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "him.jpg"
    return buffer


def test_a_photo_from_the_evidence_is_shown_on_the_suspect_page():
    client, user, open_case = person()
    url = reverse("diary:suspect", args=[open_case.id])
    assert "first add it to your" in client.get(url).content.decode()
    client.post(reverse("evidence:upload", args=[open_case.id]), {"files": [photo()]})
    item = EvidenceItem.objects.get()

    client.post(url, {"photo": str(item.id), "names": "J"})
    page = soup(client.get(url))

    profile, _ = diary.suspect_current(reopen(user, open_case))
    assert profile["photo_item"] == str(item.id)
    image = page.select_one("img.safetrail-suspect-photo")
    assert image["src"] == reverse("evidence:preview", args=[open_case.id, item.id])


def test_only_this_case_s_photos_can_be_chosen():
    client, _, open_case = person()

    response = client.post(
        reverse("diary:suspect", args=[open_case.id]),
        {"photo": "7f0c6f5e-0000-4000-8000-000000000000"},
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode() or "valid" in (
        response.content.decode()
    )
