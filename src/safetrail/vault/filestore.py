"""Where encrypted files live: a directory of opaque, random names.

Only ciphertext is ever written. A file is written to a temporary name and
renamed into place when complete, so a crash or a full disk never leaves a
half file under a real name. The store is a small class so that tests and
other back ends (object storage, later) use the same calls.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from safetrail.vault import stream


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        if not name or len(name) > 64 or not all(ch.isalnum() or ch in "-_" for ch in name):
            raise ValueError("not a file-store name")
        return self.root / name[:2] / name

    def save_encrypted(
        self, key: bytes, pieces: Iterable[bytes], chunk_size: int = stream.DEFAULT_CHUNK_SIZE
    ) -> tuple[str, int]:
        """Encrypts the pieces into a new file. Returns its name and plaintext size."""
        name = secrets.token_urlsafe(24)
        target = self._path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        size = 0

        def counted() -> Iterator[bytes]:
            nonlocal size
            for piece in pieces:
                size += len(piece)
                yield piece

        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as output:
                for sealed in stream.encrypt_stream(key, counted(), chunk_size):
                    output.write(sealed)
                output.flush()
                os.fsync(output.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return name, size

    def open_raw(self, name: str) -> BinaryIO:
        return self._path(name).open("rb")

    def read_decrypted(self, name: str, key: bytes) -> Iterator[bytes]:
        """Yields the plaintext; raises VaultError if the file was tampered with."""
        with self.open_raw(name) as source:
            yield from stream.decrypt_stream(key, source)

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        return self._path(name).exists()


def default_store() -> FileStore:
    return FileStore(settings.DATA_DIR / "files")
