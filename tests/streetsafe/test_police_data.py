"""Importing data.police.uk street-level crime files, and the dashboard's comparison column.

The conformance test reads a real file from the shared corpus by its path
(it is never copied into the project) and checks the import against an
independent count of the same file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from safetrail.accounts.models import Role
from safetrail.streetsafe import cells, police_data, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import PoliceCrime, PoliceCrimeImport
from tests.streetsafe.staff import signed_in

pytestmark = pytest.mark.django_db

SHARED = Path(
    os.environ.get("SAFETRAIL_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared")
)
SAMPLE = SHARED / "corpora" / "police-uk" / "TommyCoin80__2017-01-city-of-london-street.csv"
HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    "LSOA code,LSOA name,Crime type,Last outcome category,Context"
)


@pytest.fixture
def analyst() -> Client:
    return signed_in("analyst-ada", Role.ANALYST)


@pytest.fixture
def sample() -> bytes:
    if not SAMPLE.exists():
        pytest.skip(f"the shared police.uk sample is not at {SAMPLE}")
    return SAMPLE.read_bytes()


def upload(client: Client, content: bytes, name: str = "2026-01-city-street.csv"):
    return client.post(
        reverse("streetsafe:police_data"),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def crime_rows(*rows: str) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode()


ROW = "abc123,2026-01,Met,Met,-0.1340,51.5101,On or near High Street,E01,Westminster 001A,Robbery,,"


def assert_nothing_stored() -> None:
    assert not PoliceCrimeImport.objects.exists()
    assert not PoliceCrime.objects.exists()


# --- the real file -----------------------------------------------------------------------------


def test_the_real_sample_imports_row_for_row(analyst, sample):
    # An independent count: rows with both coordinates are stored, the rest skipped.
    rows = list(csv.DictReader(io.StringIO(sample.decode("utf-8"))))
    placed = [row for row in rows if row["Longitude"] and row["Latitude"]]
    assert len(rows) - len(placed) > 0  # the sample has crimes with no place

    response = upload(analyst, sample, name=SAMPLE.name)

    assert response.status_code == 302, response.content.decode()[:1000]
    record = PoliceCrimeImport.objects.get()
    assert record.rows == len(rows) - record.skipped
    assert record.rows == len(placed)
    assert record.skipped == len(rows) - len(placed)
    assert PoliceCrime.objects.count() == record.rows
    assert record.sha256 == hashlib.sha256(sample).hexdigest()
    assert record.file_name == SAMPLE.name
    assert record.imported_by == analyst.user
    first = PoliceCrime.objects.get(crime_id=placed[0]["Crime ID"])
    assert first.month == date(2017, 1, 1)
    assert first.crime_type == placed[0]["Crime type"]
    assert first.location == placed[0]["Location"]
    point = Point(float(placed[0]["Latitude"]), float(placed[0]["Longitude"]))
    assert first.cell_9 == cells.cells_for(point)[9]
    page = analyst.get(reverse("streetsafe:police_data"))
    assert SAMPLE.name in page.content.decode()


def test_the_same_file_twice_is_refused(analyst, sample):
    upload(analyst, sample)

    response = upload(analyst, sample, name="again.csv")

    assert response.status_code == 400
    assert "already added" in response.content.decode()
    assert PoliceCrimeImport.objects.count() == 1


def test_the_command_imports_files(sample, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    output = io.StringIO()

    call_command("streetsafe_import_police", str(SAMPLE), stdout=output)

    record = PoliceCrimeImport.objects.get()
    assert record.imported_by is None
    assert f"{record.rows} crimes imported" in output.getvalue()

    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"Crime ID,Month\r\nx,2026-01\r\n")
    good = tmp_path / "good.csv"
    good.write_bytes(crime_rows(ROW))
    errors = io.StringIO()
    with pytest.raises(CommandError, match="2 of 3 files were not imported"):
        call_command(
            "streetsafe_import_police",
            str(broken),
            str(good),
            str(tmp_path / "gone.csv"),
            stdout=io.StringIO(),
            stderr=errors,
        )
    assert "missing the columns Longitude, Latitude" in errors.getvalue()
    assert "gone.csv: cannot be read" in errors.getvalue()
    # Each file stands alone: the good one is in.
    assert PoliceCrimeImport.objects.count() == 2


# --- files that are refused --------------------------------------------------------------------


def test_a_broken_header_names_the_missing_columns(analyst):
    header = "Crime ID,Month,Reported by,Falls within,Location,Crime type\r\n"
    response = upload(analyst, (header + "x,2026-01,Met,Met,Street,Robbery\r\n").encode())

    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text
    assert "missing the columns Longitude, Latitude" in text
    assert_nothing_stored()


def test_a_file_with_other_columns_is_not_a_crime_file(analyst):
    response = upload(analyst, b"name,colour\r\nsam,blue\r\n")

    assert response.status_code == 400
    assert "does not look like a street-level crime file" in response.content.decode()
    assert_nothing_stored()


def test_an_empty_file_is_refused(analyst):
    response = upload(analyst, b"")

    assert response.status_code == 400
    assert "The file is empty" in response.content.decode()
    assert_nothing_stored()


def test_a_header_and_no_crimes_is_refused(analyst):
    response = upload(analyst, crime_rows())

    assert response.status_code == 400
    assert "no crimes with a place" in response.content.decode()
    assert_nothing_stored()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "This is not a CSV file"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "This is not a CSV file"),
        (b"PK\x03\x04" + bytes(100), "This is a zip file"),
        (b"\x1f\x8b\x08\x00" + bytes(50), "This file is compressed"),
        (HEADER.encode() + b"\r\n\x00\x01\x02", "This is not a CSV file"),
    ],
)
def test_a_file_that_is_not_csv_is_refused(analyst, content, message):
    response = upload(analyst, content)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert_nothing_stored()


def test_a_file_in_another_encoding_is_refused(analyst):
    content = crime_rows(ROW, ROW.replace("High Street", "Caf\u00e9 Corner")).decode()
    response = upload(analyst, content.encode("latin-1"))

    assert response.status_code == 400
    assert "could not be read" in response.content.decode()
    assert_nothing_stored()


def test_a_file_over_the_limit_is_refused(analyst, settings):
    settings.SAFETRAIL_STREETSAFE_POLICE_MAX_BYTES = 1000
    # Just over: the upload is stopped as it streams in.
    just_over = crime_rows(*[ROW] * 20)
    assert 1000 < len(just_over) < 1000 + 64 * 1024
    # Far over: refused from the request's length, before the body is read.
    far_over = crime_rows(*[ROW] * 2000)
    assert len(far_over) > 1000 + 64 * 1024

    for content in (just_over, far_over):
        response = upload(analyst, content)
        assert response.status_code == 400
        text = response.content.decode()
        assert "The file is too big" in text
        assert "1000 bytes" in text
    assert_nothing_stored()

    with pytest.raises(police_data.ImportRefused, match="too big"):
        police_data.import_file(io.BytesIO(just_over), file_name="x.csv")


def test_no_file_chosen(analyst):
    response = analyst.post(reverse("streetsafe:police_data"), {})

    assert response.status_code == 400
    assert "Choose a CSV file to add" in response.content.decode()


def test_rows_without_a_place_or_month_are_skipped_and_counted(analyst):
    content = crime_rows(
        ROW,
        ",2026-01,Met,Met,,,No location,,,Anti-social behaviour,,",
        "def456,January,Met,Met,-0.1340,51.5101,On or near High Street,E01,W,Robbery,,",
        "ghi789,2026-01,Met,Met,-0.1000,951.52,Nowhere,E01,W,Robbery,,",
        "",
    )

    response = upload(analyst, content)

    assert response.status_code == 302
    record = PoliceCrimeImport.objects.get()
    assert (record.rows, record.skipped) == (1, 3)


def test_only_analysts_can_add_police_data(sample):
    for client in (Client(), signed_in("person-pat"), signed_in("mod-maya", Role.MODERATOR)):
        response = upload(client, sample)
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert_nothing_stored()


# --- the comparison column ---------------------------------------------------------------------


def test_dashboard_compares_with_police_recorded_crime(analyst, sample, settings):
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 100
    upload(analyst, sample)
    crime = PoliceCrime.objects.order_by("id").first()
    here = Point(crime.latitude, crime.longitude)
    expected = PoliceCrime.objects.filter(cell_8=crime.cell_8).count()
    day = services.today() - timedelta(days=2)
    draft = services.Draft(
        point=here,
        located_by="map",
        reasons=["badly_lit"],
        when="another_day",
        band="night",
        day=day,
    )
    services.report_create(draft, address="198.51.100.7", verified=True)

    # The sample is from January 2017: an open date range includes it ...
    response = analyst.get(reverse("streetsafe:dashboard"))
    assert response.status_code == 200
    assert response.context["police_column"]
    rows = {row["cell"]: row for row in response.context["rows"]}
    assert rows[crime.cell_8]["police_crimes"] == expected > 0
    assert "Police-recorded crimes in this area" in response.content.decode()

    # ... and a range that leaves January 2017 out does not.
    response = analyst.get(reverse("streetsafe:dashboard"), {"since": "2017-02-01"})
    rows = {row["cell"]: row for row in response.context["rows"]}
    assert rows[crime.cell_8]["police_crimes"] == 0

    # Any day in January 2017 takes the whole month: the police give months only.
    assert (
        police_data.counts_by_cell(resolution=8, since=date(2017, 1, 20), until=date(2017, 1, 21))[
            crime.cell_8
        ]
        == expected
    )
