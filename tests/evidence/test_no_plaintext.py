"""Nothing about an evidence file is readable at rest: not its content, not its name,
not what was derived from it, not what the person said about it.

Runs with real transactions (so the files deleted on commit really go) and reads
the raw database (the SQLite file, or a pg_dump) and every byte of the file store.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from PIL import Image

from safetrail.evidence.models import EvidenceItem
from tests.diary.helpers import person
from tests.evidence.test_locker import item_url, stored_files, streamed, text_of, upload
from tests.rawdata import assert_absent, database_bytes, file_store_bytes

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "postgresql" and shutil.which("pg_dump") is None,
        reason="pg_dump is not installed",
    ),
]

NOTE_NAME = "MARK-name-texts-from-him.txt"
NOTE_TEXT = "MARK-content-I know where you live now"
PHOTO_NAME = "MARK-name-his-car-outside.jpg"
CAMERA = "MARK-camera-Pixel"
PHOTO_COMMENT = "MARK-content-comment-in-the-photo"
HOW = "MARK-said-screenshot-of-my-phone"
MARKERS = (NOTE_NAME, NOTE_TEXT, PHOTO_NAME, CAMERA, PHOTO_COMMENT, HOW)


@pytest.fixture(autouse=True)
def store_root(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR / "files"


def photo_with_marks() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Google"  # Make
    exif[0x0110] = CAMERA  # Model: kept as derived metadata ("camera")
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), "teal").save(
        buffer, "JPEG", exif=exif, comment=PHOTO_COMMENT.encode()
    )
    return buffer.getvalue()


def test_evidence_is_not_readable_at_rest(store_root):
    client, _user, open_case = person()
    note = (f"{NOTE_TEXT}\n" * 50).encode()
    photo = photo_with_marks()

    response = upload(client, open_case, (NOTE_NAME, note), (PHOTO_NAME, photo), captured_how=HOW)

    # It really was all kept, derived and shown.
    assert "Added and locked: 2." in text_of(response)
    assert EvidenceItem.objects.count() == 2
    photo_item = EvidenceItem.objects.exclude(preview_blob_name="").get()
    page = text_of(client.get(item_url(open_case, photo_item)))
    assert PHOTO_NAME in page
    assert CAMERA in page
    assert HOW in page
    assert streamed(client.get(item_url(open_case, photo_item, "download"))) == photo
    assert NOTE_NAME in text_of(client.get(reverse("evidence:custody", args=[open_case.id])))
    assert len(stored_files(store_root)) == 3  # the note, the photo and its preview
    client.post(reverse("accounts:sign_out"))

    stored = database_bytes()
    files = file_store_bytes()

    assert len(stored) > 10_000
    assert len(files) > len(note) + len(photo)
    for marker in MARKERS:
        assert_absent(marker, stored, f"the {connection.vendor} database")
        assert_absent(marker, files, "the file store")
