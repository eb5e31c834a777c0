"""What a file is, from its content: the allow-list, and what is refused."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from PIL import Image

from safetrail.evidence.filetypes import RefusedFile, sniff


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "JPEG")
    return buffer.getvalue()


def iso_file(brand: bytes) -> bytes:
    return struct.pack(">I", 24) + b"ftyp" + brand + b"\x00\x00\x00\x00" + brand + b"\x00" * 40


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (jpeg_bytes(), "jpeg"),
        (png_bytes(), "png"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "pdf"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 32, "mp3"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 32, "wav"),
        (b"OggS\x00\x02" + b"\x00" * 40, "ogg"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + b"\x00" * 40, "webm"),
        (iso_file(b"heic"), "heic"),
        (iso_file(b"isom"), "mp4"),
        (iso_file(b"qt  "), "mov"),
        (iso_file(b"M4A "), "m4a"),
        (
            b"Return-Path: <a@example.com>\r\nReceived: from x\r\nFrom: a@example.com\r\n\r\nHi",
            "eml",
        ),
        ("A plain note, with an accent: é\n".encode(), "text"),
    ],
)
def test_allowed_kinds_are_recognised(content, key):
    assert sniff(content).key == key


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 50, "dangerous"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 50, "dangerous"),
        (b"#!/bin/sh\nrm -rf /\n", "dangerous"),
        (b"<!DOCTYPE html><html><script>alert(1)</script>", "dangerous"),
        (b"\x00\x01\x02\x03 random binary", "unknown"),
    ],
)
def test_dangerous_and_unknown_content_is_refused(content, reason):
    with pytest.raises(RefusedFile) as refused:
        sniff(content)

    assert refused.value.reason == reason


def test_a_name_that_says_jpg_does_not_matter():
    # The name is never looked at: an executable is refused whatever it is called.
    with pytest.raises(RefusedFile):
        sniff(b"MZ" + b"\x00" * 100)


def test_a_zip_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x")

    with pytest.raises(RefusedFile, match="dangerous"):
        sniff(buffer.getvalue())


@pytest.mark.parametrize(
    "hidden",
    [b"<html><script>alert(1)</script>", b"<svg onload=alert(1)>", b"PK\x03\x04\x14\x00"],
)
def test_polyglots_are_refused(hidden):
    content = jpeg_bytes()[:-2] + b"\x00" * 10 + hidden + b"\xff\xd9"

    with pytest.raises(RefusedFile, match="polyglot"):
        sniff(content)
