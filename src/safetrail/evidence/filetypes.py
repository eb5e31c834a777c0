"""Deciding what a file is from its first bytes, never from its name.

Only the kinds on the allow-list are accepted. A file that starts like one
allowed kind but also carries the signature of something dangerous (a web
page, a script, an executable, an archive) is a polyglot and is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileKind:
    key: str
    mime: str
    family: str  # image, audio, video, document, email, text


JPEG = FileKind("jpeg", "image/jpeg", "image")
PNG = FileKind("png", "image/png", "image")
HEIC = FileKind("heic", "image/heic", "image")
PDF = FileKind("pdf", "application/pdf", "document")
MP3 = FileKind("mp3", "audio/mpeg", "audio")
M4A = FileKind("m4a", "audio/mp4", "audio")
WAV = FileKind("wav", "audio/wav", "audio")
OGG = FileKind("ogg", "audio/ogg", "audio")
MP4 = FileKind("mp4", "video/mp4", "video")
MOV = FileKind("mov", "video/quicktime", "video")
WEBM = FileKind("webm", "video/webm", "video")
EML = FileKind("eml", "message/rfc822", "email")
TEXT = FileKind("text", "text/plain", "text")

ALL_KINDS = (JPEG, PNG, HEIC, PDF, MP3, M4A, WAV, OGG, MP4, MOV, WEBM, EML, TEXT)

# Signatures that must never appear at the start of, or be hidden in, a file.
_DANGEROUS_STARTS = (
    b"MZ",  # Windows executable
    b"\x7fELF",  # Linux executable
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # macOS executables
    b"#!",  # script
    b"PK\x03\x04",  # zip archive (and documents built on it)
    b"Rar!",
    b"7z\xbc\xaf",
)
_HIDDEN_MARKUP = re.compile(
    rb"<\s*(?:html|script|body|iframe|svg|object|embed|meta\s+http-equiv)\b|javascript:",
    re.IGNORECASE,
)
_HIDDEN_BINARIES = (b"PK\x03\x04", b"\x7fELF", b"MZ\x90\x00")
_EMAIL_HEADER = re.compile(
    rb"^(?:Return-Path|Received|From|To|Subject|Date|Message-ID|MIME-Version|Delivered-To"
    rb"|X-[\w-]+|DKIM-Signature|Authentication-Results|Reply-To|Cc):",
    re.IGNORECASE | re.MULTILINE,
)
_ISO_BRANDS = {
    b"heic": HEIC,
    b"heix": HEIC,
    b"hevc": HEIC,
    b"heim": HEIC,
    b"heis": HEIC,
    b"mif1": HEIC,
    b"msf1": HEIC,
    b"M4A ": M4A,
    b"M4B ": M4A,
    b"qt  ": MOV,
    b"isom": MP4,
    b"iso2": MP4,
    b"mp41": MP4,
    b"mp42": MP4,
    b"avc1": MP4,
    b"M4V ": MP4,
    b"3gp4": MP4,
    b"3gp5": MP4,
    b"3g2a": MP4,
    b"dash": MP4,
}


class RefusedFile(Exception):
    """The file is not one Safetrail keeps. ``reason`` is a key for the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sniffed part is fine.
        if error.start < len(head) - 4:
            return False
    return True


def _kind_from_start(head: bytes) -> FileKind | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return MP3
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM
    if head[4:8] == b"ftyp":
        return _ISO_BRANDS.get(head[8:12])
    if _looks_like_text(head):
        return EML if len(_EMAIL_HEADER.findall(head[:4096])) >= 2 else TEXT
    return None


def sniff(head: bytes) -> FileKind:
    """The kind of file that starts with ``head`` (its first SNIFF_BYTES), or RefusedFile."""
    if not head:
        raise RefusedFile("empty")
    if head.startswith(_DANGEROUS_STARTS):
        raise RefusedFile("dangerous")
    kind = _kind_from_start(head)
    if kind is None:
        raise RefusedFile("unknown")
    if kind.family in {"text", "email"}:
        if _HIDDEN_MARKUP.search(head) and kind is TEXT:
            raise RefusedFile("dangerous")
        return kind
    # A binary file with a web page or another file type inside is a polyglot.
    if _HIDDEN_MARKUP.search(head) or any(marker in head[4:] for marker in _HIDDEN_BINARIES):
        raise RefusedFile("polyglot")
    return kind
