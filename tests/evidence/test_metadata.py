"""Derived data from evidence files: metadata and thumbnails, never touching the original."""

from __future__ import annotations

import hashlib
import io
import json
import random
import struct
import subprocess
import sys
import tempfile
import textwrap
import tracemalloc
import wave
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from safetrail.evidence import metadata
from safetrail.evidence.filetypes import (
    EML,
    HEIC,
    JPEG,
    M4A,
    MOV,
    MP3,
    MP4,
    OGG,
    PDF,
    PNG,
    TEXT,
    WAV,
    WEBM,
    FileKind,
)

# 51°30'26.5"N, 0°7'39.7"W: Trafalgar Square.
LATITUDE = 51 + 30 / 60 + 26.5 / 3600
LONGITUDE = -(7 / 60 + 39.7 / 3600)


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "Canon EOS 5D"  # Model
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0x9003] = "2024:03:05 21:14:07"  # DateTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 26.5)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 39.7)
    return exif


def gps_jpeg(size: tuple[int, int] = (1200, 800), orientation: int = 1) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(
        buffer,
        "JPEG",
        exif=exif_with_gps(orientation),
        comment=b"secret-comment",
        xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>",
    )
    return buffer.getvalue()


def png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_bomb(width: int, height: int, exif: Image.Exif | None = None) -> bytes:
    """A 1-bit black PNG of the given size, a few kilobytes on disk.

    Written chunk by chunk so the test never holds the pixels in memory.
    """
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    chunks = [png_chunk(b"IHDR", header)]
    if exif is not None:
        chunks.append(png_chunk(b"eXIf", exif.tobytes().removeprefix(b"Exif\x00\x00")))
    chunks += [png_chunk(b"IDAT", pixels), png_chunk(b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """64 million pixels: over our limit, under Pillow's own warning threshold."""
    return png_bomb(8000, 8000, exif=exif_with_gps())


@pytest.fixture
def loads(monkeypatch) -> list[Image.Image]:
    """Records every pixel decode (ImageFile.load), which still happens."""
    calls: list[Image.Image] = []
    original = ImageFile.ImageFile.load

    def recording_load(self):
        calls.append(self)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", recording_load)
    return calls


# --- images: metadata ---------------------------------------------------------


def test_jpeg_exif_gives_gps_time_camera_and_orientation():
    found = metadata.extract(JPEG, io.BytesIO(gps_jpeg()))

    assert found["width"] == 1200
    assert found["height"] == 800
    assert round(found["gps"]["lat"], 4) == 51.5074
    assert round(found["gps"]["lon"], 4) == -0.1277
    assert found["gps"]["lat"] == pytest.approx(LATITUDE, abs=1e-6)
    assert found["gps"]["lon"] == pytest.approx(LONGITUDE, abs=1e-6)
    assert found["taken_at"] == "2024-03-05T21:14:07"
    assert found["camera"] == "Canon EOS 5D"
    assert found["orientation"] == 1
    assert json.loads(json.dumps(found)) == found


def test_southern_and_eastern_references_set_the_signs():
    exif = exif_with_gps()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[3] = "S", "E"
    exif.get_ifd(0x8769)[0x9011] = "+01:00"  # OffsetTimeOriginal
    exif[0x010F], exif[0x0110] = "Google", "Pixel 8"
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "JPEG", exif=exif)

    found = metadata.extract(JPEG, buffer)

    assert found["gps"]["lat"] == pytest.approx(-LATITUDE, abs=1e-6)
    assert found["gps"]["lon"] == pytest.approx(-LONGITUDE, abs=1e-6)
    assert found["taken_at"] == "2024-03-05T21:14:07+01:00"
    assert found["camera"] == "Google Pixel 8"


def test_png_gives_its_size_and_nothing_made_up(loads):
    buffer = io.BytesIO()
    Image.new("RGBA", (640, 360), (255, 0, 0, 128)).save(buffer, "PNG")
    loads.clear()

    assert metadata.extract(PNG, buffer) == {"width": 640, "height": 360}
    assert loads == []  # (Pillow's PNG getexif() would have decoded it)


def test_png_exif_is_read_without_decoding_the_pixels(loads):
    buffer = io.BytesIO()
    Image.new("RGB", (50, 40)).save(buffer, "PNG", exif=exif_with_gps())
    loads.clear()

    found = metadata.extract(PNG, buffer)

    assert (found["width"], found["height"]) == (50, 40)
    assert found["gps"]["lat"] == pytest.approx(LATITUDE, abs=1e-6)
    assert found["camera"] == "Canon EOS 5D"
    assert loads == []


def test_heic_has_a_note_and_no_preview():
    heic = struct.pack(">I", 24) + b"ftypheic" + b"\x00" * 16

    assert metadata.extract(HEIC, io.BytesIO(heic)) == {"note": "no preview for HEIC"}
    assert metadata.thumbnail(HEIC, io.BytesIO(heic)) is None
    assert metadata.is_decompression_bomb(HEIC, io.BytesIO(heic)) is False


# --- images: thumbnails -------------------------------------------------------


def test_thumbnail_is_a_small_jpeg_with_no_metadata_and_the_original_is_untouched():
    original = gps_jpeg()
    before = sha256(original)
    source = io.BytesIO(original)
    # The test's own premise: the original carries all of these.
    assert b"Exif" in original
    assert b"secret-comment" in original
    assert b"secret-xmp" in original

    thumb = metadata.thumbnail(JPEG, source)

    assert thumb is not None
    assert thumb.startswith(b"\xff\xd8\xff")
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.format == "JPEG"
        image.load()
        assert image.size == (480, 320)
        assert not image.getexif()
        assert not image.getexif().get_ifd(0x8825)
        assert not {"exif", "xmp", "comment", "icc_profile"} & image.info.keys()
    assert b"Exif" not in thumb
    assert b"secret-comment" not in thumb
    assert b"secret-xmp" not in thumb
    assert sha256(source.getvalue()) == before
    assert sha256(original) == before


def test_thumbnail_applies_the_exif_orientation():
    # Orientation 6: stored landscape, to be shown turned 90° clockwise.
    thumb = metadata.thumbnail(JPEG, io.BytesIO(gps_jpeg((900, 300), orientation=6)))

    assert thumb is not None
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.size == (160, 480)


def test_thumbnail_never_enlarges_and_flattens_transparency():
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 20), (0, 0, 0, 0)).save(buffer, "PNG")

    thumb = metadata.thumbnail(PNG, buffer, max_side=480)

    assert thumb is not None
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.size == (40, 20)
        assert image.mode == "RGB"
        red, green, blue = image.getpixel((20, 10))
        assert min(red, green, blue) > 240  # transparent became white, not black


def test_works_on_a_spooled_temporary_file_and_leaves_it_open_and_unchanged():
    original = gps_jpeg()
    with tempfile.SpooledTemporaryFile(max_size=1024) as source:
        source.write(original)

        found = metadata.extract(JPEG, source)
        thumb = metadata.thumbnail(JPEG, source)
        bomb = metadata.is_decompression_bomb(JPEG, source)

        assert not source.closed
        source.seek(0)
        assert source.read() == original
    assert found["camera"] == "Canon EOS 5D"
    assert thumb is not None
    assert bomb is False


def test_no_thumbnail_for_other_kinds():
    assert metadata.thumbnail(PDF, io.BytesIO(b"%PDF-1.7\n")) is None
    assert metadata.thumbnail(TEXT, io.BytesIO(b"hello")) is None


# --- decompression bombs ------------------------------------------------------


def test_bomb_is_refused_without_decoding_its_pixels(bomb, loads):
    assert len(bomb) < 50_000
    tracemalloc.start()
    try:
        is_bomb = metadata.is_decompression_bomb(PNG, io.BytesIO(bomb))
        thumb = metadata.thumbnail(PNG, io.BytesIO(bomb))
        found = metadata.extract(PNG, io.BytesIO(bomb))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert is_bomb is True
    assert thumb is None
    assert found["too_large"] is True
    assert (found["width"], found["height"]) == (8000, 8000)
    assert found["gps"]["lat"] == pytest.approx(LATITUDE, abs=1e-6)  # header data still read
    assert loads == []  # no pixel decode was even started
    assert peak < 50_000_000


def test_bomb_without_exif_is_not_decoded_for_its_metadata(loads):
    found = metadata.extract(PNG, io.BytesIO(png_bomb(8000, 8000)))

    assert found == {"width": 8000, "height": 8000, "too_large": True}
    assert loads == []


def test_bomb_over_pillows_own_limit_is_refused():
    huge = png_bomb(20000, 20000)  # 400 million pixels: Pillow raises at open

    assert metadata.is_decompression_bomb(PNG, io.BytesIO(huge)) is True
    assert metadata.thumbnail(PNG, io.BytesIO(huge)) is None
    assert metadata.extract(PNG, io.BytesIO(huge)) == {"too_large": True}


def test_images_within_the_limit_are_not_bombs():
    assert metadata.is_decompression_bomb(JPEG, io.BytesIO(gps_jpeg())) is False
    assert metadata.is_decompression_bomb(PNG, io.BytesIO(png_bomb(6000, 6000))) is False
    assert metadata.is_decompression_bomb(PDF, io.BytesIO(b"%PDF-1.7\n")) is False


@pytest.mark.skipif(
    not Path("/proc/self/clear_refs").exists(), reason="needs Linux's resettable peak RSS"
)
def test_bomb_handling_keeps_the_process_small(bomb, tmp_path):
    """Pillow's pixel buffers are invisible to tracemalloc, so measure the process.

    A child process resets its peak resident memory, handles the bomb and
    reports how far the peak grew; then it decodes the bomb on purpose, to show
    the measurement would have caught a decode.
    """
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb)
    script = textwrap.dedent(
        r"""
        import io, re, sys
        from PIL import Image
        from safetrail.evidence import metadata
        from safetrail.evidence.filetypes import PNG

        def peak_growth(action):
            with open("/proc/self/clear_refs", "w") as clear:
                clear.write("5")  # reset VmHWM to the current resident size
            with open("/proc/self/status") as status:
                before = int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1))
            action()
            with open("/proc/self/status") as status:
                peak = int(re.search(r"VmHWM:\s+(\d+)", status.read()).group(1))
            return (peak - before) * 1024

        data = open(sys.argv[1], "rb").read()

        def handle():
            assert metadata.is_decompression_bomb(PNG, io.BytesIO(data))
            assert metadata.thumbnail(PNG, io.BytesIO(data)) is None
            assert metadata.extract(PNG, io.BytesIO(data))["too_large"]

        def decode():
            with Image.open(io.BytesIO(data)) as image:
                image.load()

        print(peak_growth(handle), peak_growth(decode))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert result.returncode == 0, result.stderr
    handling_growth, decode_growth = map(int, result.stdout.split())
    print(f"peak growth: handling {handling_growth}, control decode {decode_growth}")

    assert decode_growth > 50_000_000  # the control: a decode shows up
    assert handling_growth < 20_000_000


# --- damaged files ------------------------------------------------------------


def test_corrupt_jpeg_is_unreadable_not_an_error():
    header = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    corrupt = header + random.Random(7).randbytes(20_000)
    source = io.BytesIO(corrupt)

    assert metadata.extract(JPEG, source) == {"unreadable": True}
    assert metadata.thumbnail(JPEG, source) is None
    assert metadata.is_decompression_bomb(JPEG, source) is False
    assert source.getvalue() == corrupt


def test_truncated_jpeg_keeps_its_header_data_but_has_no_thumbnail():
    whole = io.BytesIO()
    Image.effect_noise((800, 600), 60).convert("RGB").save(whole, "JPEG", exif=exif_with_gps())
    truncated = whole.getvalue()[: len(whole.getvalue()) // 2]

    found = metadata.extract(JPEG, io.BytesIO(truncated))

    assert (found["width"], found["height"]) == (800, 600)
    assert found["camera"] == "Canon EOS 5D"
    assert metadata.thumbnail(JPEG, io.BytesIO(truncated)) is None


def test_garbled_exif_keeps_the_size():
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20)).save(buffer, "JPEG", exif=b"Exif\x00\x00MM\x00*\xff\xff\xff\xff")

    found = metadata.extract(JPEG, buffer)

    assert (found["width"], found["height"]) == (30, 20)
    assert "gps" not in found


# --- sound and video ----------------------------------------------------------


def wav_silence(seconds: float, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


def mp3_silence(frames: int) -> bytes:
    """MPEG-1 Layer III, 128 kbit/s, 48 kHz: 384-byte frames of 24 ms, all silent."""
    frame = b"\xff\xfb\x94\x00" + b"\x00" * 380
    return frame * frames


def iso_media(brand: bytes, timescale: int, duration: int) -> bytes:
    """ftyp + moov holding only a movie header (mvhd) with the given length."""

    def atom(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = (
        struct.pack(">I4I", 0, 0, 0, timescale, duration)
        + struct.pack(">IH", 0x10000, 0x100)
        + bytes(10)
        + matrix
        + bytes(24)
        + struct.pack(">I", 2)
    )
    ftyp = atom(b"ftyp", brand + bytes(4) + brand + b"isom")
    return ftyp + atom(b"moov", atom(b"mvhd", mvhd))


def test_wav_duration():
    found = metadata.extract(WAV, io.BytesIO(wav_silence(2)))

    assert found == {"duration_seconds": pytest.approx(2.0, abs=0.01)}


def test_mp3_duration():
    found = metadata.extract(MP3, io.BytesIO(mp3_silence(125)))

    assert found["duration_seconds"] == pytest.approx(3.0, abs=0.05)


@pytest.mark.parametrize(("kind", "brand"), [(M4A, b"M4A "), (MP4, b"isom"), (MOV, b"qt  ")])
def test_iso_media_duration(kind: FileKind, brand: bytes):
    found = metadata.extract(kind, io.BytesIO(iso_media(brand, 600, 4500)))

    assert found["duration_seconds"] == pytest.approx(7.5, abs=0.001)


def test_webm_is_skipped_quietly():
    assert metadata.extract(WEBM, io.BytesIO(b"\x1a\x45\xdf\xa3" + b"\x00" * 100)) == {}


def test_damaged_audio_is_unreadable_not_an_error():
    damaged = wav_silence(1)[:12] + random.Random(3).randbytes(500)

    assert metadata.extract(WAV, io.BytesIO(damaged)) == {"unreadable": True}
    assert metadata.extract(MP3, io.BytesIO(b"ID3" + bytes(100))) == {"unreadable": True}


# --- documents ----------------------------------------------------------------


def test_pdf_page_count():
    buffer = io.BytesIO()
    pages = [Image.new("RGB", (60, 80), colour) for colour in ("red", "green", "blue")]
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:])

    assert metadata.extract(PDF, buffer) == {"page_count": 3}


def test_pdf_without_a_readable_page_tree_gives_nothing():
    assert metadata.extract(PDF, io.BytesIO(b"%PDF-1.7\n" + bytes(200))) == {}


def test_text_has_no_metadata():
    assert metadata.extract(TEXT, io.BytesIO(b"a note")) == {}


# --- anything at all ----------------------------------------------------------

EVERY_KIND = (JPEG, PNG, HEIC, PDF, MP3, M4A, WAV, OGG, MP4, MOV, WEBM, EML, TEXT)


@pytest.mark.parametrize("kind", EVERY_KIND, ids=lambda kind: kind.key)
@pytest.mark.parametrize("seed", range(3))
def test_garbage_never_raises(kind: FileKind, seed: int):
    rng = random.Random(seed)
    for data in (b"", rng.randbytes(rng.randrange(1, 5000))):
        found = metadata.extract(kind, io.BytesIO(data))
        assert isinstance(json.dumps(found), str)
        assert metadata.thumbnail(kind, io.BytesIO(data)) is None
        assert metadata.is_decompression_bomb(kind, io.BytesIO(data)) is False
