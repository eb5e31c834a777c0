"""The evidence locker in a real browser: a photo added on a phone, axe on every page.

Files go in through the page's own file input and form (``set_input_files``),
so they travel as the browser's multipart upload, through the streaming,
encrypting upload handler, exactly as a person's would. Every sign-in goes
through the real form, so the browser holds the vault cookie.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from safetrail.evidence.models import EvidenceItem
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    NewPage,
    PageRecord,
    live_netloc,
    open_safetrail_page,
    record_requests,
    run_axe,
)
from tests.browser.test_diary import (
    ERROR_SUMMARY,
    MESSAGE,
    add_incident,
    diarist,
    follow,
    path_of,
    press,
    sign_in,
    summary_value,
)

pytestmark = pytest.mark.browser

ADD = "Add and lock"
GPS_WARNING = "This photo holds the place it was taken"
PREVIEW = "main img.safetrail-preview"
# True once the preview has arrived and decoded into a real picture.
PREVIEW_LOADED = """(selector) => {
  const img = document.querySelector(selector);
  return img !== null && img.complete && img.naturalWidth > 0;
}"""


# --- files to add ---------------------------------------------------------------------------


def photo_with_gps(path: Path) -> Path:
    """A JPEG whose EXIF says where it was taken (51°30'26.5"N, 0°7'39.7"W)."""
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "Canon EOS 5D"  # Model
    gps = exif.get_ifd(0x8825)  # the GPS IFD
    gps[1] = "N"  # GPSLatitudeRef
    gps[2] = (51.0, 30.0, 26.5)  # GPSLatitude
    gps[3] = "W"  # GPSLongitudeRef
    gps[4] = (0.0, 7.0, 39.7)  # GPSLongitude
    Image.new("RGB", (640, 480), "teal").save(path, "JPEG", exif=exif, quality=85)
    return path


def executable_named_jpg(path: Path) -> Path:
    """A Windows executable's first bytes, under a photo's name."""
    path.write_bytes(b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode." * 50)
    return path


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- helpers --------------------------------------------------------------------------------


def evidence_url(name: str, open_case: Any, *args: Any) -> str:
    return reverse(f"evidence:{name}", args=[open_case.id, *args])


def add_files(page: Page, *paths: Path) -> None:
    """Chooses the files in the page's file input and presses the button."""
    page.set_input_files("#id_files", [str(path) for path in paths])
    press(page, ADD)


def item_id_of(page: Page) -> str:
    """The item's id, from the address of its page (.../evidence/<id>/)."""
    return urlsplit(page.url).path.rstrip("/").rsplit("/", 1)[-1]


def wait_for_preview(page: Page) -> None:
    page.wait_for_function(PREVIEW_LOADED, arg=PREVIEW)


def stayed_home(record: PageRecord, live_server: LiveServer) -> list[str]:
    """What went wrong with what the page fetched: other hosts, console or page errors."""
    own_host = live_netloc(live_server)
    assert any(urlsplit(url).netloc == own_host for url in record.requests)  # it listened
    problems = []
    foreign = sorted({url for url in record.requests if urlsplit(url).netloc != own_host})
    if foreign:
        problems.append(f"requests to other hosts: {foreign}")
    if record.console_errors or record.page_errors:
        problems.append(f"errors: {record.console_errors + record.page_errors}")
    return problems


# --- 1. a photo, added on a phone -----------------------------------------------------------


def test_a_photo_added_on_a_phone_shows_its_fingerprint_warning_and_preview(
    new_page: NewPage, live_server: LiveServer, tmp_path: Path
) -> None:
    _, open_case = diarist()
    photo = photo_with_gps(tmp_path / "car outside my flat.jpg")
    page = new_page(**PHONE)
    assert page.viewport_size == {"width": 375, "height": 667}
    record = record_requests(page)
    sign_in(page, live_server)

    # One diary, so signing in leads straight to it; its menu leads to the evidence.
    assert path_of(page) == reverse("diary:case", args=[open_case.id])
    follow(page, "Evidence")
    assert path_of(page) == evidence_url("locker", open_case)
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence")
    expect(page.locator("main")).to_contain_text("Nothing added yet.")

    add_files(page, photo)

    (item,) = EvidenceItem.objects.filter(case=open_case.case)
    assert path_of(page) == evidence_url("item", open_case, item.id)
    expect(page.locator(MESSAGE)).to_contain_text("Added and locked: 1.")
    expect(page.get_by_role("heading", level=1)).to_have_text("car outside my flat.jpg")
    # The fingerprint is of the file exactly as it was chosen.
    assert summary_value(page, "Fingerprint (SHA-256)") == sha256_of(photo)
    assert summary_value(page, "Kind of file") == "image/jpeg"
    assert summary_value(page, "Camera") == "Canon EOS 5D"
    warning = page.locator("main .govuk-warning-text", has_text=GPS_WARNING)
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("(51.5073611, -0.1276944)")
    preview = page.locator(PREVIEW)
    expect(preview).to_be_visible()
    expect(preview).to_have_attribute("alt", "A preview of the photo")
    wait_for_preview(page)
    # The preview fits the phone's screen.
    box = preview.bounding_box()
    assert box is not None
    assert 0 < box["width"] <= 375

    # The list shows it too, marked as showing a location.
    follow(page, "Back to your evidence")
    row = page.locator("main table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("car outside my flat.jpg")
    expect(row.locator(".govuk-tag")).to_have_text("shows a location")

    page.wait_for_load_state("networkidle")
    assert stayed_home(record, live_server) == []


# --- 2. several files at once, one of them refused ------------------------------------------


def test_two_files_at_once_one_kept_and_one_refused_in_plain_words(
    new_page: NewPage, live_server: LiveServer, tmp_path: Path
) -> None:
    _, open_case = diarist()
    photo = photo_with_gps(tmp_path / "doorstep.jpg")
    program = executable_named_jpg(tmp_path / "holiday.jpg")
    page = new_page(**PHONE)
    record = record_requests(page)
    sign_in(page, live_server)
    open_safetrail_page(page, live_server.url + evidence_url("locker", open_case))

    add_files(page, photo, program)

    # Back on the list, which now holds the one good file, and says so.
    assert path_of(page) == evidence_url("locker", open_case)
    (item,) = EvidenceItem.objects.filter(case=open_case.case)
    banners = page.locator(MESSAGE)
    expect(banners).to_have_count(2)
    refusal = page.locator(f"{MESSAGE}:not(.govuk-notification-banner--success)")
    expect(refusal.locator(".govuk-notification-banner__heading")).to_have_text(
        "One of the files is a kind of file that could harm a computer, so it was not added."
    )
    expect(refusal).to_have_attribute("role", "alert")
    expect(page.locator(f"{MESSAGE}--success")).to_contain_text("Added and locked: 1.")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("doorstep.jpg")
    # The refused file's name is nowhere: messages wait unencrypted in a cookie or the session.
    expect(page.locator("main")).not_to_contain_text("holiday.jpg")

    # The one kept is the photo, whole.
    follow(page, "doorstep.jpg")
    assert path_of(page) == evidence_url("item", open_case, item.id)
    assert summary_value(page, "Fingerprint (SHA-256)") == sha256_of(photo)
    wait_for_preview(page)

    page.wait_for_load_state("networkidle")
    assert stayed_home(record, live_server) == []


# --- 3. axe on every evidence page, on a phone and a desktop --------------------------------


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_every_evidence_page_passes_axe(
    new_page: NewPage,
    live_server: LiveServer,
    axe_source: str,
    tmp_path: Path,
    viewport: str,
) -> None:
    _, open_case = diarist()
    today = timezone.localdate()
    add_incident(open_case, today - timedelta(days=2), what_happened="His car was outside again")
    add_incident(open_case, today - timedelta(days=9), what_happened="A letter on the doormat")
    photo = photo_with_gps(tmp_path / "car.jpg")
    program = executable_named_jpg(tmp_path / "not-a-photo.jpg")

    page = new_page(**(PHONE if viewport == "phone" else DESKTOP))
    record = record_requests(page)
    sign_in(page, live_server)
    problems: list[str] = []

    def check(label: str) -> None:
        page.wait_for_load_state("networkidle")
        for violation in run_axe(page, axe_source):
            problems.append(f"{viewport}, {label} ({path_of(page)}): {violation}")

    def visit(label: str, url: str) -> None:
        open_safetrail_page(page, live_server.url + url)
        check(label)

    visit("evidence, empty", evidence_url("locker", open_case))

    add_files(page, photo)
    item_id = item_id_of(page)
    wait_for_preview(page)
    check("photo just added, with a location")

    visit("evidence page", evidence_url("locker", open_case))
    add_files(page, photo, program)
    expect(page.locator(MESSAGE)).to_have_count(2)
    check("evidence, one added and one refused")

    press(page, ADD)  # no file chosen
    expect(page.locator(MESSAGE)).to_contain_text("Choose at least one file to add.")
    check("evidence, nothing chosen")

    visit("item page", evidence_url("item", open_case, item_id))
    wait_for_preview(page)

    visit("physical object form", evidence_url("physical", open_case))
    press(page, "Save")
    expect(page.locator(ERROR_SUMMARY)).to_contain_text("Say what the item is")
    check("physical object form with a mistake")
    page.get_by_label("What is it?").fill("A birthday card, unsigned")
    page.get_by_label("When and how did it arrive?").fill("Through the letterbox on Sunday")
    page.get_by_label("His car was outside again", exact=False).check()
    press(page, "Save")
    expect(page.locator(MESSAGE)).to_contain_text("The item is recorded.")
    check("physical object recorded")

    visit("delete confirmation", evidence_url("delete", open_case, item_id))
    press(page, "Delete for ever")
    expect(page.locator(MESSAGE)).to_contain_text("Deleted.")
    check("evidence after a delete")

    visit("custody log", evidence_url("custody", open_case))
    expect(page.locator("main table tbody tr")).not_to_have_count(0)

    assert problems == [], "\n".join(problems)
    assert stayed_home(record, live_server) == []
