"""The raw bytes a thief would get: the database file or dump, and the file store.

For tests that prove nothing a person wrote is readable at rest.
"""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection


def database_bytes() -> bytes:
    """The whole database as stored: the SQLite file (and its journal), or a pg_dump."""
    if connection.vendor == "sqlite":
        connection.close()
        database = Path(settings.DATABASES["default"]["NAME"])
        return b"".join(
            Path(str(database) + suffix).read_bytes()
            for suffix in ("", "-wal", "-journal")
            if Path(str(database) + suffix).exists()
        )
    params = connection.get_connection_params()
    env = {**os.environ, "PGPASSWORD": str(params.get("password") or "")}
    command = ["pg_dump", "--no-owner", "--dbname", params["dbname"]]
    for flag, key in (("--host", "host"), ("--port", "port"), ("--username", "user")):
        if params.get(key):
            command += [flag, str(params[key])]
    return subprocess.run(command, env=env, capture_output=True, check=True).stdout


def file_store_bytes() -> bytes:
    root = Path(settings.DATA_DIR) / "files"
    blobs = []
    for path in root.rglob("*"):
        try:
            blobs.append(path.read_bytes() if path.is_file() else b"")
        except FileNotFoundError:  # another test's temporary file, gone meanwhile
            continue
    return b"".join(blobs)


def forms_of(marker: str) -> list[bytes]:
    """The marker as plain text, hex, base64 and UTF-16, any of which would be a leak."""
    raw = marker.encode()
    return [raw, raw.hex().encode(), base64.b64encode(raw)[:24], marker.encode("utf-16-le")]


def assert_absent(marker: str, blob: bytes, where: str) -> None:
    for form in forms_of(marker):
        assert form not in blob, f"{marker!r} is readable in {where}"
