"""The evidence locker through its real pages: what goes in comes out exactly, what
is refused leaves nothing behind, and a broken upload keeps nothing at all.

Every upload is a real multipart request through the test client to the
upload view, so it passes the middleware, the encrypting upload handler, the
CSRF check and the view's own clean-up, as a person's would. Each test has a
file store of its own (``settings.DATA_DIR``), so "nothing was stored" means
nothing: no blob and no ``.incoming-`` temporary file.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import tracemalloc
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import ExifTags, Image, ImageFile

from safetrail.evidence.models import CustodyEntry, EvidenceItem
from safetrail.vault.filestore import FileStore
from safetrail.vault.stream import DEFAULT_CHUNK_SIZE
from tests.diary.helpers import person
from tests.evidence.test_metadata import png_bomb
from tests.evidence.test_upload_handler import (
    EXECUTABLE,
    WEB_PAGE,
    BrokenConnection,
    jpeg_with_gps,
    multipart,
    noisy_jpeg,
    zip_archive,
)
from tests.html import soup

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
GPS_WARNING = "This photo holds the place it was taken"
NOT_FINISHED = "The upload did not finish. Nothing was saved. Try again."


# --- helpers (test_custody_log and test_no_plaintext use them too) ---------------------------


@pytest.fixture(autouse=True)
def store_root(settings, tmp_path) -> Path:
    """A file store for this test alone; default_store() reads DATA_DIR on every call."""
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR / "files"


def stored_files(root: Path) -> list[Path]:
    """Every file in the store: blobs and ``.incoming-`` temporaries alike."""
    return sorted(item for item in root.rglob("*") if item.is_file()) if root.exists() else []


def text_of(response) -> str:
    return " ".join(soup(response).get_text(" ").split())


def upload(client: Client, open_case, *files: tuple[str, bytes], follow: bool = True, **fields):
    """Posts the files as the locker's form does."""
    data = {
        "files": [SimpleUploadedFile(name, content, "image/jpeg") for name, content in files],
        "captured_when": "",
        "captured_how": "",
        **fields,
    }
    return client.post(reverse("evidence:upload", args=[open_case.id]), data, follow=follow)


def item_url(open_case, item, name: str = "item") -> str:
    return reverse(f"evidence:{name}", args=[open_case.id, item.id])


def streamed(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def shown_sha256(client: Client, open_case, item) -> str:
    page = client.get(item_url(open_case, item))
    assert page.status_code == 200
    (code,) = [
        row.find("dd").get_text(strip=True)
        for row in soup(page).select(".govuk-summary-list__row")
        if "SHA-256" in row.find("dt").get_text()
    ]
    return code


def assert_nothing_kept(root: Path) -> None:
    assert EvidenceItem.objects.count() == 0
    assert CustodyEntry.objects.count() == 0
    assert stored_files(root) == []


def pdf(size: int) -> bytes:
    header = b"%PDF-1.7\n"
    return header + os.urandom(size - len(header))


# --- what goes in comes out -----------------------------------------------------------------


def test_a_photo_with_gps_comes_back_exactly_and_its_preview_has_no_exif(store_root):
    client, _user, open_case = person()
    photo = jpeg_with_gps()
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    response = upload(client, open_case, ("IMG_2041.jpg", photo))

    item = EvidenceItem.objects.get()
    assert response.redirect_chain[-1][0] == item_url(open_case, item)
    page = text_of(response)
    assert "Added and locked: 1." in page
    assert GPS_WARNING in page
    expected = hashlib.sha256(photo).hexdigest()
    assert shown_sha256(client, open_case, item) == expected
    assert streamed(client.get(item_url(open_case, item, "download"))) == photo
    assert streamed(client.get(item_url(open_case, item, "view"))) == photo
    # The page shows a preview, and the preview is a new JPEG with no metadata at all.
    preview_url = item_url(open_case, item, "preview")
    assert soup(response).select_one(f'img.safetrail-preview[src="{preview_url}"]')
    preview = streamed(client.get(preview_url))
    with Image.open(io.BytesIO(preview)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info
    assert b"Exif" not in preview
    # Only the original and the preview are in the store, and neither is readable.
    item.refresh_from_db()
    blobs = stored_files(store_root)
    assert sorted(path.name for path in blobs) == sorted([item.blob_name, item.preview_blob_name])
    for blob in blobs:
        raw = blob.read_bytes()
        assert photo[:64] not in raw
        assert preview[:64] not in raw


def test_a_50_mb_file_comes_back_exactly(store_root):
    client, _user, open_case = person()
    document = pdf(50 * MB)
    expected = hashlib.sha256(document).hexdigest()

    response = upload(client, open_case, ("statement.pdf", document), follow=False)
    del document

    item = EvidenceItem.objects.get()
    assert response["Location"] == item_url(open_case, item)
    assert item.size == 50 * MB
    assert shown_sha256(client, open_case, item) == expected
    digest = hashlib.sha256()
    length = 0
    for piece in client.get(item_url(open_case, item, "download")).streaming_content:
        digest.update(piece)
        length += len(piece)
    assert (length, digest.hexdigest()) == (50 * MB, expected)
    assert [path.name for path in stored_files(store_root)] == [item.blob_name]


def test_a_zero_byte_file_is_refused_and_nothing_is_stored(store_root):
    client, _user, open_case = person()

    response = upload(client, open_case, ("blank.jpg", b""))

    assert "One of the files is empty. Choose a file that has something in it." in text_of(response)
    assert_nothing_kept(store_root)


# --- refused files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            EXECUTABLE,
            "is a kind of file that could harm a computer, so it was not added.",
            id="executable",
        ),
        pytest.param(
            WEB_PAGE,
            "is a kind of file that could harm a computer, so it was not added.",
            id="html",
        ),
        pytest.param(
            noisy_jpeg() + zip_archive(100),
            "looks like more than one kind of file at once, so it was not added.",
            id="jpeg+zip",
        ),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(store_root, content, message):
    client, _user, open_case = person()

    response = upload(client, open_case, ("holiday.jpg", content))

    assert response.redirect_chain[-1][0] == reverse("evidence:locker", args=[open_case.id])
    assert f"One of the files {message}" in text_of(response)
    assert_nothing_kept(store_root)


@pytest.fixture
def pixel_decodes(monkeypatch) -> list[tuple[int, int]]:
    """The size of every image whose pixels are decoded (tracemalloc cannot see Pillow's)."""
    sizes: list[tuple[int, int]] = []
    original = ImageFile.ImageFile.load

    def recording_load(self):
        sizes.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", recording_load)
    return sizes


@pytest.mark.parametrize(
    "side",
    [
        pytest.param(10_000, id="over-pillows-limit"),  # 100 million pixels
        pytest.param(8_000, id="over-safetrails-limit"),  # 64 million: only our guard stops it
    ],
)
def test_a_decompression_bomb_is_kept_but_never_decoded(store_root, pixel_decodes, side):
    """A huge image is still a real PNG and may be real evidence: it is kept, with no preview."""
    client, _user, open_case = person()
    bomb = png_bomb(side, side)
    assert len(bomb) < 200_000

    tracemalloc.start()
    try:
        response = upload(client, open_case, ("screenshot.png", bomb), follow=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < 100 * MB, f"peak {peak / MB:.0f} MB"
    assert (side, side) not in pixel_decodes
    item = EvidenceItem.objects.get()
    assert response["Location"] == item_url(open_case, item)
    assert item.preview_blob_name == ""
    page = client.get(item_url(open_case, item))
    assert not soup(page).select("img.safetrail-preview")
    assert client.get(item_url(open_case, item, "preview")).status_code == 404
    assert shown_sha256(client, open_case, item) == hashlib.sha256(bomb).hexdigest()
    assert streamed(client.get(item_url(open_case, item, "download"))) == bomb
    assert (side, side) not in pixel_decodes
    assert len(stored_files(store_root)) == 1


# --- uploads that break ---------------------------------------------------------------------


def _cut_off_at_half(whole: bytes) -> dict:
    """The body ends half-way although Content-Length promised all of it."""
    return {"wsgi.input": io.BytesIO(whole[: len(whole) // 2])}


def _connection_reset_at_half(whole: bytes) -> dict:
    return {"wsgi.input": io.BufferedReader(BrokenConnection(whole, len(whole) // 2))}


@pytest.mark.parametrize(
    "cut", [_cut_off_at_half, _connection_reset_at_half], ids=["body-ends", "connection-reset"]
)
def test_an_upload_cut_off_half_way_keeps_nothing(store_root, cut):
    client, _user, open_case = person()
    boundary = "cut-off-boundary"
    # The photo arrives whole (and is committed); the PDF after it is cut off.
    whole = multipart(boundary, [("photo.jpg", noisy_jpeg()), ("clip.pdf", pdf(2 * MB))])
    assert len(noisy_jpeg()) < len(whole) // 2

    response = client.generic(
        "POST",
        reverse("evidence:upload", args=[open_case.id]),
        whole,
        content_type=f"multipart/form-data; boundary={boundary}",
        **{"CONTENT_LENGTH": str(len(whole)), **cut(whole)},
    )

    assert response.status_code == 302
    page = text_of(client.get(response["Location"]))
    assert NOT_FINISHED in page
    assert_nothing_kept(store_root)


class _FullDiskWriter:
    def __init__(self, inner, fail_at: str) -> None:
        self.inner = inner
        self.fail_at = fail_at

    @property
    def size(self) -> int:
        return self.inner.size

    def write(self, piece: bytes) -> None:
        if self.fail_at == "write":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.inner.write(piece)

    def commit(self) -> str:
        if self.fail_at == "commit":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.inner.commit()

    def abort(self) -> None:
        self.inner.abort()


class FullDiskStore(FileStore):
    """A real store on a disk that is full: opening, writing or committing fails."""

    def __init__(self, root: Path, fail_at: str) -> None:
        super().__init__(root)
        self.fail_at = fail_at

    def writer(self, key: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE):
        if self.fail_at == "open":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        # The real writer first, so there is a temporary file to clean up.
        return _FullDiskWriter(super().writer(key, chunk_size), self.fail_at)


@pytest.mark.parametrize("fail_at", ["open", "write", "commit"])
def test_a_full_disk_says_so_and_keeps_nothing(store_root, monkeypatch, fail_at):
    client, _user, open_case = person()
    monkeypatch.setattr(
        "safetrail.evidence.views.default_store", lambda: FullDiskStore(store_root, fail_at)
    )

    response = upload(client, open_case, ("photo.jpg", noisy_jpeg()))

    assert (
        "One of the files could not be saved, because there is no space on the server. "
        "Try again later." in text_of(response)
    )
    assert_nothing_kept(store_root)


@pytest.mark.parametrize("token", [None, "stale"])
def test_a_missing_or_stale_csrf_token_is_refused_and_keeps_nothing(store_root, token):
    signed_in, _user, open_case = person()
    client = Client(enforce_csrf_checks=True)
    client.cookies = signed_in.cookies
    page = client.get(reverse("evidence:locker", args=[open_case.id]))
    real_token = soup(page).select_one("input[name=csrfmiddlewaretoken]")["value"]
    fields = {}
    if token == "stale":
        # A token from an earlier session: well-formed, but not this cookie's.
        fields["csrfmiddlewaretoken"] = "x" * len(real_token)

    response = upload(client, open_case, ("photo.jpg", noisy_jpeg()), follow=False, **fields)

    assert response.status_code == 403
    assert_nothing_kept(store_root)
    # The control: the same request with the page's token is accepted.
    response = upload(
        client,
        open_case,
        ("photo.jpg", noisy_jpeg()),
        follow=False,
        csrfmiddlewaretoken=real_token,
    )
    assert response.status_code == 302
    assert EvidenceItem.objects.count() == 1
    assert re.fullmatch(r"/diary/[^/]+/evidence/[^/]+/", response["Location"])
