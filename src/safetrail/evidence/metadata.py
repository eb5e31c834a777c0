"""Derived data about an evidence file: its metadata and a preview thumbnail.

Both are working copies kept beside the original, never in place of it: the
functions here only read ``source`` (a seekable binary stream, in practice the
decrypted original in a spooled temporary file) and return new values. They
never write to it, never close it, and seek to the start before each read.

``extract`` never raises because a file is damaged or odd: it returns what it
could read, ``{"unreadable": True}`` when it could read nothing, and
``{"too_large": True}`` (with the dimensions, when known) for an image with
more pixels than ``MAX_IMAGE_PIXELS``. It reads headers only and never decodes
pixels. ``thumbnail`` decodes pixels, so it refuses oversized images first.

Image EXIF values (``taken_at``, ``camera``, ``gps``) are what the device wrote
into the file, not facts the server checked; show them as such.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, BinaryIO

from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggspeex import OggSpeex
from mutagen.oggtheora import OggTheora
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE
from PIL import Image, ImageOps

from safetrail.evidence.filetypes import FileKind

# Decompression-bomb guard. Pillow itself warns beyond its own limit (about
# 89 million pixels) and raises beyond twice that; we refuse beyond this.
MAX_IMAGE_PIXELS = 40_000_000

# How much of a PDF is searched for its page count: this much from the start
# and this much from the end.
PDF_WINDOW_BYTES = 4 * 1024 * 1024

# Only these Pillow decoders may look at a file of each kind, so a file the
# sniffer called a JPEG is never handed to some other plugin.
_PILLOW_FORMATS = {"jpeg": ("JPEG",), "png": ("PNG",)}

_TAG_MAKE = 0x010F
_TAG_MODEL = 0x0110
_TAG_ORIENTATION = 0x0112
_TAG_EXIF_IFD = 0x8769
_TAG_GPS_IFD = 0x8825
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_OFFSET_TIME_ORIGINAL = 0x9011
_GPS_LATITUDE_REF, _GPS_LATITUDE, _GPS_LONGITUDE_REF, _GPS_LONGITUDE = 1, 2, 3, 4

_MAX_TEXT = 200  # longest camera name kept
_UTC_OFFSET = re.compile(r"[+-]\d\d:\d\d")


class _TooLarge(Exception):
    """The image has more pixels than we are willing to decode."""


# --- images -----------------------------------------------------------------


@contextmanager
def _pillow_warnings() -> Iterator[None]:
    """Pillow's bomb warning as an error; its "Corrupt EXIF" chatter silenced.

    A damaged EXIF block is expected in evidence and we keep what parses.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        warnings.filterwarnings("ignore", "Corrupt EXIF", UserWarning)
        yield


@contextmanager
def _open_image(kind: FileKind, source: BinaryIO) -> Iterator[Image.Image]:
    """Pillow's lazy view of ``source``: header parsed, pixels not decoded.

    Raises ``_TooLarge`` for an image over MAX_IMAGE_PIXELS (before anything
    could decode it) and Pillow's own errors for a file it cannot read.
    """
    source.seek(0)
    with _pillow_warnings():
        try:
            image = Image.open(source, formats=_PILLOW_FORMATS[kind.key])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _TooLarge from error
        # Image.open was given a stream, so closing the image leaves it open.
        with image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _TooLarge
            yield image


def _header(kind: FileKind, source: BinaryIO) -> tuple[tuple[int, int], bytes | None]:
    """Width, height and raw EXIF block, from the header alone; Pillow's errors if unreadable.

    The EXIF block is read with the header (JPEG APP1, PNG eXIf before the
    pixel data), so this is safe for an oversized image. Not Image.getexif():
    for a PNG that decodes the whole image.
    """
    source.seek(0)
    with _pillow_warnings(), Image.open(source, formats=_PILLOW_FORMATS[kind.key]) as image:
        raw = image.info.get("exif")
        return image.size, raw if isinstance(raw, bytes) else None


def is_decompression_bomb(kind: FileKind, source: BinaryIO) -> bool:
    """Whether ``source`` is an image with more than MAX_IMAGE_PIXELS pixels.

    Reads the header only. False for other kinds and for files Pillow cannot
    open at all (those are simply unreadable).
    """
    if kind.key not in _PILLOW_FORMATS:
        return False
    try:
        (width, height), _ = _header(kind, source)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return True
    except Exception:
        return False
    return width * height > MAX_IMAGE_PIXELS


def _clean_text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = " ".join(value.replace("\x00", " ").split())
    return value[:_MAX_TEXT] or None


def _taken_at(value: Any, offset: Any) -> str | None:
    text = _clean_text(value)
    if text is None:
        return None
    try:
        taken = datetime.strptime(text, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    iso = taken.isoformat()
    zone = _clean_text(offset)
    if zone and _UTC_OFFSET.fullmatch(zone):
        iso += zone
    return iso


def _degrees(value: Any) -> float | None:
    """EXIF degrees/minutes/seconds (rationals) as decimal degrees."""
    parts = list(value) if isinstance(value, tuple | list) else [value]
    if not 1 <= len(parts) <= 3:
        return None
    try:
        numbers = [float(part) for part in parts]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if any(not math.isfinite(number) or number < 0 for number in numbers):
        return None
    return sum(number / 60**index for index, number in enumerate(numbers))


def _gps(gps_ifd: dict[int, Any]) -> dict[str, float] | None:
    latitude = _degrees(gps_ifd.get(_GPS_LATITUDE))
    longitude = _degrees(gps_ifd.get(_GPS_LONGITUDE))
    if latitude is None or longitude is None:
        return None
    if (_clean_text(gps_ifd.get(_GPS_LATITUDE_REF)) or "N").upper().startswith("S"):
        latitude = -latitude
    if (_clean_text(gps_ifd.get(_GPS_LONGITUDE_REF)) or "E").upper().startswith("W"):
        longitude = -longitude
    if abs(latitude) > 90 or abs(longitude) > 180:
        return None
    return {"lat": round(latitude, 7), "lon": round(longitude, 7)}


def _exif_metadata(raw: bytes | None) -> dict[str, Any]:
    """What we keep from a raw EXIF block. Parses bytes; decodes no pixels."""
    if not raw:
        return {}
    exif = Image.Exif()
    with _pillow_warnings():
        exif.load(raw)
        exif_ifd = exif.get_ifd(_TAG_EXIF_IFD)
        gps_ifd = exif.get_ifd(_TAG_GPS_IFD)
    found: dict[str, Any] = {}

    taken_at = _taken_at(
        exif_ifd.get(_TAG_DATETIME_ORIGINAL, exif.get(_TAG_DATETIME_ORIGINAL)),
        exif_ifd.get(_TAG_OFFSET_TIME_ORIGINAL),
    )
    if taken_at:
        found["taken_at"] = taken_at

    make = _clean_text(exif.get(_TAG_MAKE))
    model = _clean_text(exif.get(_TAG_MODEL))
    if make and model and model.lower().startswith(make.lower()):
        make = None  # "Canon" + "Canon EOS 5D" is "Canon EOS 5D"
    camera = " ".join(part for part in (make, model) if part)
    if camera:
        found["camera"] = camera[:_MAX_TEXT]

    gps = _gps(gps_ifd)
    if gps:
        found["gps"] = gps

    orientation = exif.get(_TAG_ORIENTATION)
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        found["orientation"] = orientation
    return found


def _image_metadata(kind: FileKind, source: BinaryIO) -> dict[str, Any]:
    if kind.key not in _PILLOW_FORMATS:  # HEIC: Pillow has no decoder for it
        return {"note": "no preview for HEIC"} if kind.key == "heic" else {}
    try:
        (width, height), raw_exif = _header(kind, source)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return {"too_large": True}
    except Exception:
        return {"unreadable": True}
    found: dict[str, Any] = {"width": width, "height": height}
    if width * height > MAX_IMAGE_PIXELS:
        found["too_large"] = True
    try:
        found.update(_exif_metadata(raw_exif))
    except Exception:
        found["exif_unreadable"] = True
    return found


def _flatten(image: Image.Image) -> Image.Image:
    """A new RGB image with only ``image``'s pixels: no EXIF, XMP, comment or ICC."""
    if image.mode in {"I", "I;16", "I;16B", "I;16L", "I;16N"}:  # 16-bit greyscale
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    clean = Image.new("RGB", image.size, "white")
    if image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info:
        rgba = image.convert("RGBA")
        clean.paste(rgba, mask=rgba.getchannel("A"))
    else:
        clean.paste(image.convert("RGB"))
    return clean


def thumbnail(kind: FileKind, source: BinaryIO, max_side: int = 480) -> bytes | None:
    """JPEG bytes of an upright copy no larger than ``max_side`` on either side.

    All metadata is left behind: the result has no EXIF (so no GPS), no XMP, no
    comment and no colour profile. None for kinds that aren't images Pillow can
    decode, damaged images and images over MAX_IMAGE_PIXELS.
    """
    if max_side < 1:
        raise ValueError("max_side must be at least 1")
    if kind.key not in _PILLOW_FORMATS:
        return None
    try:
        with _open_image(kind, source) as image:
            # For a JPEG, decode at a reduced scale (still >= max_side) to save memory.
            image.draft("RGB", (max_side, max_side))
            image.load()
            try:
                upright = ImageOps.exif_transpose(image)
            except Exception:
                upright = image  # a damaged orientation tag: keep it as stored
            upright.thumbnail((max_side, max_side))
            clean = _flatten(upright)
    except Exception:
        return None
    output = io.BytesIO()
    clean.save(output, "JPEG", quality=85)
    return output.getvalue()


# --- sound and video --------------------------------------------------------


_DURATION_READERS: dict[str, tuple[type, ...]] = {
    "mp3": (MP3,),
    "m4a": (MP4,),
    "mp4": (MP4,),
    "mov": (MP4,),
    "wav": (WAVE,),
    "ogg": (OggVorbis, OggOpus, OggFLAC, OggSpeex, OggTheora),
}


def _duration_metadata(kind: FileKind, source: BinaryIO) -> dict[str, Any]:
    if kind.key not in _DURATION_READERS:  # webm: mutagen has no Matroska reader
        return {}
    for reader in _DURATION_READERS[kind.key]:
        source.seek(0)
        try:
            length = reader(source).info.length
        except Exception:  # noqa: S112 (the next reader may know it; then "unreadable")
            continue
        if isinstance(length, int | float) and math.isfinite(length) and length > 0:
            return {"duration_seconds": round(float(length), 3)}
        return {}
    return {"unreadable": True}


# --- PDF --------------------------------------------------------------------

_PDF_ROOT = re.compile(rb"/Root\s+(\d+)\s+(\d+)\s+R")
_PDF_PAGES_REF = re.compile(rb"/Pages\s+(\d+)\s+(\d+)\s+R")
_PDF_COUNT = re.compile(rb"/Count\s+(\d+)")
_PDF_LINEARIZED_PAGES = re.compile(rb"/Linearized\b[^>]*?/N\s+(\d+)")
_MAX_PAGES = 1_000_000


def _pdf_object(data: bytes, number: bytes, generation: bytes) -> bytes | None:
    """The body of the last definition of an uncompressed object in ``data``."""
    pattern = re.compile(rb"(?<!\d)" + number + rb"\s+" + generation + rb"\s+obj\b")
    last = None
    for last in pattern.finditer(data):  # noqa: B007 (a later update wins)
        pass
    if last is None:
        return None
    end = data.find(b"endobj", last.end(), last.end() + 64 * 1024)
    return data[last.end() : end if end != -1 else last.end() + 64 * 1024]


def _pdf_metadata(source: BinaryIO) -> dict[str, Any]:
    """The page count, when it can be read cheaply from uncompressed objects.

    Follows trailer /Root -> catalogue /Pages -> /Count; failing that, the
    linearisation dictionary's /N. Nothing when the objects are compressed
    into object streams or lie outside the windows searched.
    """
    source.seek(0)
    head = source.read(PDF_WINDOW_BYTES)
    tail = b""
    if len(head) == PDF_WINDOW_BYTES:
        source.seek(0, io.SEEK_END)
        size = source.tell()
        source.seek(max(PDF_WINDOW_BYTES, size - PDF_WINDOW_BYTES))
        tail = source.read(PDF_WINDOW_BYTES)
    data = head + b"\n" + tail

    count = None
    roots = _PDF_ROOT.findall(data)
    catalogue = _pdf_object(data, *roots[-1]) if roots else None
    pages_ref = _PDF_PAGES_REF.search(catalogue) if catalogue else None
    pages = _pdf_object(data, *pages_ref.groups()) if pages_ref else None
    match = _PDF_COUNT.search(pages) if pages else None
    if match is None:
        match = _PDF_LINEARIZED_PAGES.search(head[:4096])
    if match is not None:
        count = int(match.group(1))
    if count is None or not 0 < count <= _MAX_PAGES:
        return {}
    return {"page_count": count}


# --- entry point ------------------------------------------------------------


def extract(kind: FileKind, source: BinaryIO) -> dict[str, Any]:
    """JSON-able metadata derived from ``source``, a file of kind ``kind``.

    Images: width, height, taken_at, camera, gps {lat, lon}, orientation (what
    the file holds of these), too_large when over MAX_IMAGE_PIXELS. Sound and
    video: duration_seconds. PDF: page_count. Other kinds: nothing.
    """
    try:
        if kind.family == "image":
            return _image_metadata(kind, source)
        if kind.family in {"audio", "video"}:
            return _duration_metadata(kind, source)
        if kind.key == "pdf":
            return _pdf_metadata(source)
    except Exception:
        return {"unreadable": True}
    return {}
