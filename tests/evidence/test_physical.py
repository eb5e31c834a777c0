"""Letters, gifts and other objects: recorded, with photos of them as evidence."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from safetrail.evidence.models import CustodyEntry, EvidenceItem
from tests.diary.helpers import person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_store(settings, tmp_path):
    """A file store for each test: parallel workers must not see each other's files."""
    settings.DATA_DIR = tmp_path / "data"


def photo() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "gift.jpg"
    return buffer


def stored_files() -> list[Path]:
    root = Path(settings.DATA_DIR) / "files"
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_an_object_is_recorded_and_logged():
    client, _, open_case = person()

    response = client.post(
        reverse("evidence:physical", args=[open_case.id]),
        {"description": "Flowers left on the doorstep", "kept_where": "paper bag, top shelf"},
    )
    page = client.get(response["Location"]).content.decode()

    assert "Flowers left on the doorstep" in page
    assert "paper bag, top shelf" in page
    assert CustodyEntry.objects.filter(action="physical_item_recorded").count() == 1


def test_an_object_needs_a_description():
    client, _, open_case = person()

    response = client.post(reverse("evidence:physical", args=[open_case.id]), {})

    assert "Say what the item is" in response.content.decode()
    assert EvidenceItem.objects.count() == 0


def test_photos_of_an_object_are_linked_to_it():
    client, _, open_case = person()
    made = client.post(reverse("evidence:physical", args=[open_case.id]), {"description": "Card"})
    object_id = made["Location"].rstrip("/").split("/")[-1]

    response = client.post(
        reverse("evidence:upload", args=[open_case.id]),
        {"files": [photo()], "of_physical": object_id},
    )

    assert "See the object this photo shows" in client.get(response["Location"]).content.decode()


def test_a_photo_cannot_be_linked_to_something_that_is_not_an_object():
    client, _, open_case = person()
    client.post(reverse("evidence:upload", args=[open_case.id]), {"files": [photo()]})
    a_file = EvidenceItem.objects.get()
    before = stored_files()

    response = client.post(
        reverse("evidence:upload", args=[open_case.id]),
        {"files": [photo()], "of_physical": str(a_file.id)},
    )

    assert response.status_code == 404
    assert EvidenceItem.objects.count() == 1
    assert stored_files() == before  # the refused upload's blob was removed
