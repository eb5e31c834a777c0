"""The evidence upload handler: files are checked, hashed and encrypted as they
arrive, a refused or broken upload leaves nothing behind, and a big file is
never held in memory.

Most tests post real multipart requests through Django's test client to a
test-only view (the urlconf below) that installs the handler the way the
evidence view does.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import io
import os
import random
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, JsonResponse
from django.test import RequestFactory
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from PIL import ExifTags, Image

from safetrail.evidence.upload import (
    EncryptedUploadedFile,
    EncryptingUploadHandler,
    Refusal,
)
from safetrail.vault.filestore import FileStore
from safetrail.vault.stream import DEFAULT_CHUNK_SIZE

pytestmark = pytest.mark.urls(__name__)

MB = 1024 * 1024

# --- the test-only view --------------------------------------------------------------------

# What the next request uses, and the handler it used (set by the ``run`` fixture).
_run: dict[str, Any] = {}


@csrf_exempt  # the handlers must be replaced before anything (the CSRF check) reads POST
def upload_view(request: HttpRequest) -> JsonResponse:
    handler = EncryptingUploadHandler(request, store=_run["store"], max_bytes=_run["max_bytes"])
    request.upload_handlers = [handler]
    _run["handler"] = handler
    measuring = "measure" in request.GET
    if measuring:
        tracemalloc.start()
    try:
        files = request.FILES  # the body is parsed here
    except Exception:
        handler.discard_all()
        return JsonResponse({"error": "unreadable"}, status=400)
    finally:
        if measuring:
            _run["peak"] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    return JsonResponse(
        {
            "uploads": [
                {
                    "field": upload.field_name,
                    "name": upload.original_name,
                    "blob": upload.blob_name,
                    "size": upload.size,
                    "sha256": upload.sha256,
                    "key": upload.file_key.hex(),
                    "kind": upload.kind.key,
                }
                for upload in handler.uploads
            ],
            "refusals": [
                {"name": refusal.original_name, "reason": refusal.reason}
                for refusal in handler.refusals
            ],
            "files": {
                field: [
                    [type(item).__name__, item.content_type, repr(item)]
                    for item in files.getlist(field)
                ]
                for field in files
            },
        }
    )


urlpatterns = [path("upload/", upload_view)]


@pytest.fixture
def run(tmp_path):
    _run.clear()
    _run["store"] = FileStore(tmp_path / "files")
    _run["max_bytes"] = 100 * MB
    yield _run
    _run.clear()


def post(client, files: list[tuple[str, bytes]], *, field: str = "evidence", query: str = ""):
    uploads = [SimpleUploadedFile(name, content, "image/jpeg") for name, content in files]
    response = client.post(f"/upload/{query}", {field: uploads})
    assert response.status_code == 200
    return response.json()


def files_in(store: FileStore) -> list[Path]:
    """Every file under the store's root: blobs and temporary ``.incoming-`` files."""
    if not store.root.exists():
        return []
    return sorted(item for item in store.root.rglob("*") if item.is_file())


def decrypted(store: FileStore, upload: dict) -> bytes:
    return b"".join(store.read_decrypted(upload["blob"], bytes.fromhex(upload["key"])))


# --- test files ----------------------------------------------------------------------------


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "navy")
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 28.0, 40.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 39.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@functools.cache
def noisy_jpeg(side: int = 480) -> bytes:
    """A real JPEG of a few hundred KB (noise does not compress)."""
    noise = random.Random(side).randbytes(side * side * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), noise).save(buffer, "JPEG", quality=95)
    content = buffer.getvalue()
    assert len(content) > 200_000
    return content


def zip_archive(member_size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("payload.html", b"x" * member_size)
    return buffer.getvalue()


def pdf(size: int, seed: int = 7) -> bytes:
    header = b"%PDF-1.7\n"
    return header + random.Random(seed).randbytes(size - len(header))


EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"PE\x00\x00"
WEB_PAGE = b"<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>\n"
EMAIL = (
    b"Return-Path: <someone@example.com>\r\nReceived: from mail.example.com\r\n"
    b"From: someone@example.com\r\nTo: me@example.org\r\nSubject: again\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n"
)


# --- accepted files ------------------------------------------------------------------------


def test_a_photo_is_stored_encrypted_and_comes_back_exactly(client, run):
    photo = jpeg_with_gps()
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    result = post(client, [("IMG_2041.jpg", photo)])

    assert result["refusals"] == []
    (upload,) = result["uploads"]
    assert upload["field"] == "evidence"
    assert upload["name"] == "IMG_2041.jpg"
    assert upload["kind"] == "jpeg"
    assert upload["size"] == len(photo)
    assert upload["sha256"] == hashlib.sha256(photo).hexdigest()
    assert decrypted(run["store"], upload) == photo
    # Only the committed blob is on disk, and it is not the photo.
    store = run["store"]
    (blob,) = files_in(store)
    assert blob.name == upload["blob"]
    raw = blob.read_bytes()
    assert photo[:64] not in raw
    assert photo[-64:] not in raw
    # request.FILES holds a receipt with the sniffed type and no name in its repr.
    (receipt,) = result["files"]["evidence"]
    assert receipt[:2] == ["EncryptedUploadedFile", "image/jpeg"]
    assert "IMG_2041" not in receipt[2]


def test_the_name_and_claimed_type_decide_nothing(client, run):
    document = pdf(10_000)

    result = post(client, [("photo.jpg", document)])  # sent as image/jpeg

    (upload,) = result["uploads"]
    assert upload["kind"] == "pdf"
    assert result["files"]["evidence"][0][1] == "application/pdf"


def test_an_email_may_carry_html(client, run):
    email = EMAIL + b"<p>hello</p>\r\n" * 8000 + b"<html><body>see you</body></html>\r\n"
    assert len(email) > 100_000

    result = post(client, [("message.eml", email)])

    assert result["refusals"] == []
    assert result["uploads"][0]["kind"] == "eml"


def test_a_big_file_streams_through_in_bounded_memory(client, run):
    size = 50 * MB
    document = pdf(size)
    expected = hashlib.sha256(document).hexdigest()

    result = post(client, [("recording-notes.pdf", document)], query="?measure")
    del document

    (upload,) = result["uploads"]
    assert upload["size"] == size
    assert upload["sha256"] == expected
    # Well below the file's size: a few sniff/tail buffers and encryption chunks.
    assert run["peak"] < 10 * MB, f"peak {run['peak'] / MB:.1f} MB while parsing"
    digest = hashlib.sha256()
    length = 0
    for piece in run["store"].read_decrypted(upload["blob"], bytes.fromhex(upload["key"])):
        digest.update(piece)
        length += len(piece)
    assert length == size
    assert digest.hexdigest() == expected


# --- refused files -------------------------------------------------------------------------


def refused_cases() -> list[Any]:
    photo = noisy_jpeg()
    script_at_end = photo + random.Random(1).randbytes(100_000) + b"<script>alert(1)</script>"
    return [
        pytest.param("empty.jpg", b"", None, "empty", id="empty"),
        pytest.param("photo.jpg", EXECUTABLE, None, "dangerous", id="executable-named-jpg"),
        pytest.param("photo.jpg", WEB_PAGE, None, "dangerous", id="html-named-jpg"),
        pytest.param("notes.txt", b"a note\n" * 20_000 + WEB_PAGE, None, "dangerous", id="text"),
        pytest.param("photo.jpg", bytes(range(256)) * 20, None, "unknown", id="unknown"),
        pytest.param("photo.jpg", script_at_end, None, "polyglot", id="jpeg+script-at-end"),
        pytest.param("photo.jpg", photo + zip_archive(100), None, "polyglot", id="jpeg+zip"),
        # The archive's first header is out of reach; its directory at the end is not.
        pytest.param(
            "photo.jpg", photo + zip_archive(200_000), None, "polyglot", id="jpeg+big-zip"
        ),
        pytest.param("photo.jpg", photo, 1_000, "too_large", id="too-large-while-sniffing"),
        pytest.param("photo.jpg", photo, 150_000, "too_large", id="too-large-while-writing"),
    ]


@pytest.mark.parametrize(("name", "content", "max_bytes", "reason"), refused_cases())
def test_a_refused_file_leaves_nothing_behind(client, run, name, content, max_bytes, reason):
    if max_bytes is not None:
        run["max_bytes"] = max_bytes

    result = post(client, [(name, content)])

    assert result["uploads"] == []
    assert result["refusals"] == [{"name": name, "reason": reason}]
    assert result["files"] == {}
    assert files_in(run["store"]) == []


def test_a_file_of_exactly_the_limit_is_accepted(client, run):
    document = pdf(200_000)
    run["max_bytes"] = len(document)

    result = post(client, [("exact.pdf", document)])

    assert [upload["size"] for upload in result["uploads"]] == [len(document)]


def test_good_and_bad_files_in_one_request(client, run):
    photo = noisy_jpeg()
    document = pdf(300_000)

    result = post(
        client,
        [
            ("setup.exe.jpg", EXECUTABLE),
            ("photo.jpg", photo),
            ("blank.jpg", b""),
            ("letter.pdf", document),
            ("hidden.jpg", photo + zip_archive(100)),
        ],
    )

    assert [(u["name"], u["kind"]) for u in result["uploads"]] == [
        ("photo.jpg", "jpeg"),
        ("letter.pdf", "pdf"),
    ]
    assert result["refusals"] == [
        {"name": "setup.exe.jpg", "reason": "dangerous"},
        {"name": "blank.jpg", "reason": "empty"},
        {"name": "hidden.jpg", "reason": "polyglot"},
    ]
    store = run["store"]
    assert decrypted(store, result["uploads"][0]) == photo
    assert decrypted(store, result["uploads"][1]) == document
    assert [blob.name for blob in files_in(store)] == sorted(
        upload["blob"] for upload in result["uploads"]
    )

    # If the view cannot keep them, discard_all removes every blob.
    run["handler"].discard_all()
    assert files_in(store) == []
    assert run["handler"].uploads == []


# --- a full disk ---------------------------------------------------------------------------


class FullDiskWriter:
    """Wraps a real writer (so a temporary file exists) and fails like a full disk."""

    def __init__(self, inner, store: FullDiskStore) -> None:
        self.inner = inner
        self.store = store
        self.writes = 0

    @property
    def size(self) -> int:
        return self.inner.size

    def _full(self) -> OSError:
        self.store.temporary_existed = any(
            item.name.startswith(".incoming-") for item in files_in(self.store)
        )
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def write(self, piece: bytes) -> None:
        self.writes += 1
        if self.store.fail_at == f"write {self.writes}":
            raise self._full()
        self.inner.write(piece)

    def commit(self) -> str:
        if self.store.fail_at == "commit":
            raise self._full()
        return self.inner.commit()

    def abort(self) -> None:
        self.inner.abort()
        if self.store.abort_fails:
            raise OSError(errno.EIO, os.strerror(errno.EIO))


class FullDiskStore(FileStore):
    """The first file written fails at ``fail_at``; the disk has room again after."""

    def __init__(self, root: Path, fail_at: str, abort_fails: bool = False) -> None:
        super().__init__(root)
        self.fail_at = fail_at
        self.abort_fails = abort_fails
        self.failures_left = 1
        self.temporary_existed = False

    def writer(self, key: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE):
        if not self.failures_left:
            return super().writer(key, chunk_size)
        self.failures_left -= 1
        if self.fail_at == "open":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return FullDiskWriter(super().writer(key, chunk_size), self)


@pytest.mark.parametrize(
    ("fail_at", "abort_fails"),
    [
        ("open", False),
        ("write 1", False),
        ("write 3", False),
        ("write 3", True),
        ("commit", False),
    ],
)
def test_a_full_disk_refuses_the_file_and_the_request_goes_on(
    client, run, tmp_path, caplog, fail_at, abort_fails
):
    store = FullDiskStore(tmp_path / "files", fail_at, abort_fails)
    run["store"] = store
    # Big enough to arrive in several pieces of the handler's chunk size.
    photo = noisy_jpeg(1400)
    document = pdf(20_000)

    with caplog.at_level("DEBUG"):
        result = post(client, [("secret-name.jpg", photo), ("later.pdf", document)])

    assert result["refusals"] == [{"name": "secret-name.jpg", "reason": "storage"}]
    (upload,) = result["uploads"]
    assert decrypted(store, upload) == document
    assert files_in(store) == [store._path(upload["blob"])]
    if fail_at != "open":
        assert store.temporary_existed  # there was something to clean up
    assert "ENOSPC" in caplog.text
    assert "secret-name" not in caplog.text


# --- interrupted uploads -------------------------------------------------------------------


def feed(handler: EncryptingUploadHandler, content: bytes, chunks: int | None = None) -> None:
    size = 64 * 1024
    offsets = range(0, len(content), size)
    for offset in list(offsets)[:chunks]:
        assert handler.receive_data_chunk(content[offset : offset + size], offset) is None


def test_an_upload_cut_off_half_way_leaves_nothing(tmp_path):
    store = FileStore(tmp_path / "files")
    handler = EncryptingUploadHandler(None, store=store, max_bytes=100 * MB)
    handler.new_file("evidence", "clip.pdf", "application/pdf", None)
    feed(handler, pdf(1 * MB), chunks=6)
    assert [item.name[:10] for item in files_in(store)] == [".incoming-"]

    handler.upload_interrupted()

    assert files_in(store) == []
    assert handler.uploads == []
    assert handler.interrupted
    handler.upload_complete()  # Django calls it next; nothing left to do
    assert files_in(store) == []


def test_a_cut_off_upload_takes_the_files_before_it_too(tmp_path):
    store = FileStore(tmp_path / "files")
    handler = EncryptingUploadHandler(None, store=store, max_bytes=100 * MB)
    photo = noisy_jpeg()
    handler.new_file("evidence", "photo.jpg", "image/jpeg", None)
    feed(handler, photo)
    receipt = handler.file_complete(len(photo))
    assert isinstance(receipt, EncryptedUploadedFile)
    assert receipt.upload is handler.uploads[0]
    assert store.exists(handler.uploads[0].blob_name)
    handler.new_file("evidence", "clip.pdf", "application/pdf", None)
    feed(handler, pdf(1 * MB), chunks=6)
    assert len(files_in(store)) == 2

    handler.upload_interrupted()

    assert files_in(store) == []
    assert handler.uploads == []


def multipart(boundary: str, parts: list[tuple[str, bytes]]) -> bytes:
    body = b""
    for name, content in parts:
        body += (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="evidence"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode() + content
        body += b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


def test_a_body_that_ends_mid_file_keeps_nothing(client, run):
    """Django calls upload_interrupted when the body stops inside a file."""
    boundary = "cut-off-boundary"
    whole = multipart(boundary, [("photo.jpg", noisy_jpeg()), ("clip.pdf", pdf(1 * MB))])
    cut = whole[: len(whole) - 500_000]

    response = client.generic(
        "POST", "/upload/", cut, content_type=f"multipart/form-data; boundary={boundary}"
    )

    assert response.status_code == 200
    assert run["handler"].interrupted
    assert response.json()["uploads"] == []
    assert files_in(run["store"]) == []


class BrokenConnection(io.RawIOBase):
    """A request body whose connection drops after ``limit`` bytes."""

    def __init__(self, content: bytes, limit: int) -> None:
        self.source = io.BytesIO(content)
        self.limit = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.source.tell() >= self.limit:
            raise OSError(errno.ECONNRESET, "connection reset")
        data = self.source.read(min(len(buffer), self.limit - self.source.tell()))
        buffer[: len(data)] = data
        return len(data)


def test_a_dropped_connection_is_cleaned_up_by_the_view(run):
    """Here Django raises instead of calling upload_interrupted: the view must discard_all."""
    boundary = "dropped-boundary"
    body = multipart(boundary, [("photo.jpg", noisy_jpeg()), ("clip.pdf", pdf(1 * MB))])
    request = RequestFactory().post(
        "/upload/", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    request._stream = io.BufferedReader(BrokenConnection(body, len(body) - 400_000))

    response = upload_view(request)

    assert response.status_code == 400
    assert files_in(run["store"]) == []


def test_reprs_never_show_the_name_or_the_key(tmp_path):
    store = FileStore(tmp_path / "files")
    handler = EncryptingUploadHandler(None, store=store, max_bytes=MB)
    handler.new_file("evidence", "name-of-my-ex.jpg", "image/jpeg", None)
    feed(handler, jpeg_with_gps())
    receipt = handler.file_complete(0)
    upload = handler.uploads[0]

    for text in (repr(upload), repr(receipt), repr(Refusal("name-of-my-ex.jpg", "empty"))):
        assert "name-of-my-ex" not in text
    assert upload.file_key.hex() not in repr(upload)
    assert str(upload.file_key) not in repr(upload)
    with pytest.raises(ValueError, match="cannot be read"):
        receipt.read()
