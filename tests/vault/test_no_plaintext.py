"""A copy of the database, the session table and the file store, taken while
the person is signed out, holds no trace of what they wrote or uploaded."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import reverse

from safetrail.accounts import services as accounts
from safetrail.vault import services as vault
from safetrail.vault.filestore import default_store
from tests.vaultprobe.models import ProbeRecord

pytestmark = pytest.mark.django_db(transaction=True)

MARKER = "MARKER-9f3c-stalker-drove-past-at-night"
PASSWORD = "correct horse battery staple"


def forms_of(marker: str) -> list[bytes]:
    raw = marker.encode()
    return [raw, raw.hex().encode(), base64.b64encode(raw)[:24], marker.encode("utf-16-le")]


def assert_no_marker(blob: bytes, where: str) -> None:
    for form in forms_of(MARKER):
        assert form not in blob, f"the marker is readable in {where}"


@pytest.fixture
def person_with_records(tmp_path, settings):
    """A person who signs in, writes a record and uploads a file, then signs out."""
    settings.DATA_DIR = tmp_path / "data"  # a file store of its own, apart from other tests
    user, _, _ = accounts.account_create(username="dana", password=PASSWORD)
    accounts.recovery_code_confirm(user=user)
    browser = Client()
    assert (
        browser.post(
            reverse("accounts:sign_in"), {"username": "dana", "password": PASSWORD}
        ).status_code
        == 302
    )
    account_key = vault.account_key_from_password(user=user, password=PASSWORD)
    case_id, case_key = vault.content_key_create(owner=user, account_key=account_key)
    record_id = uuid.uuid4()
    file_key = vault.file_key_new()
    name, _ = default_store().save_encrypted(file_key, [MARKER.encode() * 1000])
    ProbeRecord.objects.create(
        id=record_id,
        case_id=case_id,
        sealed=vault.record_seal(
            key=case_key,
            table="vaultprobe_proberecord",
            row_id=record_id,
            case_id=case_id,
            data={"what_happened": MARKER, "file_name": f"{MARKER}.jpg"},
        ),
        file_name=name,
        wrapped_file_key=vault.file_key_wrap(
            content_key=case_key, file_key=file_key, file_id=record_id
        ),
    )
    return user, browser, record_id


def test_records_open_for_their_owner_only_while_signed_in(person_with_records):
    user, _, record_id = person_with_records
    record = ProbeRecord.objects.get(id=record_id)
    account_key = vault.account_key_from_password(user=user, password=PASSWORD)
    case_key = vault.content_key_open(holder=user, key_id=record.case_id, account_key=account_key)

    data = vault.record_open(
        key=case_key,
        table="vaultprobe_proberecord",
        row_id=record.id,
        case_id=record.case_id,
        sealed=record.sealed,
    )
    file_key = vault.file_key_unwrap(
        content_key=case_key, wrapped=record.wrapped_file_key, file_id=record.id
    )

    assert data["what_happened"] == MARKER
    assert b"".join(default_store().read_decrypted(record.file_name, file_key)).startswith(
        MARKER.encode()
    )


def test_session_table_holds_no_key_or_marker(person_with_records):
    user, _, _ = person_with_records
    account_key = vault.account_key_from_password(user=user, password=PASSWORD)

    session_rows = b"".join(
        row.session_data.encode() + row.get_decoded().__repr__().encode()
        for row in Session.objects.all()
    )

    assert_no_marker(session_rows, "the session table")
    for form in (account_key, base64.b64encode(account_key), base64.urlsafe_b64encode(account_key)):
        assert form not in session_rows


def test_file_store_holds_no_marker(person_with_records):
    store_root = Path(settings.DATA_DIR) / "files"
    files = [path for path in store_root.rglob("*") if path.is_file()]

    assert files
    for path in files:
        assert_no_marker(path.read_bytes(), f"the file store ({path.name})")
        assert MARKER not in path.name


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads the SQLite file")
def test_sqlite_file_holds_no_marker(person_with_records, tmp_path):
    _, browser, _ = person_with_records
    browser.post(reverse("accounts:sign_out"))
    connection.close()
    database = Path(settings.DATABASES["default"]["NAME"])
    blobs = b""
    for suffix in ("", "-wal", "-journal"):
        candidate = Path(str(database) + suffix)
        if candidate.exists():
            blobs += candidate.read_bytes()

    assert len(blobs) > 10_000  # the file really is the database
    assert_no_marker(blobs, "the SQLite database")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="dumps PostgreSQL")
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_pg_dump_holds_no_marker(person_with_records):
    _, browser, _ = person_with_records
    browser.post(reverse("accounts:sign_out"))
    params = connection.get_connection_params()
    env = {**os.environ, "PGPASSWORD": str(params.get("password") or "")}
    command = ["pg_dump", "--no-owner", "--dbname", params["dbname"]]
    for flag, key in (("--host", "host"), ("--port", "port"), ("--username", "user")):
        if params.get(key):
            command += [flag, str(params[key])]

    dump = subprocess.run(command, env=env, capture_output=True, check=True).stdout

    assert b"vaultprobe_proberecord" in dump  # the dump really holds the table
    assert_no_marker(dump, "the PostgreSQL dump")
