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

    def writer(self, key: bytes, chunk_size: int = stream.DEFAULT_CHUNK_SIZE) -> EncryptedWriter:
        """A new file, written piece by piece; nothing has its real name until ``commit``."""
        name = secrets.token_urlsafe(24)
        return EncryptedWriter(self._path(name), name, key, chunk_size)

    def save_encrypted(
        self, key: bytes, pieces: Iterable[bytes], chunk_size: int = stream.DEFAULT_CHUNK_SIZE
    ) -> tuple[str, int]:
        """Encrypts the pieces into a new file. Returns its name and plaintext size."""
        writer = self.writer(key, chunk_size)
        try:
            for piece in pieces:
                writer.write(piece)
            return writer.commit(), writer.size
        except BaseException:
            writer.abort()
            raise

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


class EncryptedWriter:
    """Encrypts into a temporary file beside its final place; commit renames it in.

    A crash, a full disk or an abort leaves nothing under a real name, and
    ``abort`` removes the temporary file too.
    """

    def __init__(self, target: Path, name: str, key: bytes, chunk_size: int) -> None:
        self.name = name
        self.size = 0
        self._target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        self._temporary = Path(temporary)
        self._output = os.fdopen(handle, "wb")
        self._encryptor = stream.StreamEncryptor(key, chunk_size)
        self._output.write(self._encryptor.header)
        self._done = False

    def write(self, piece: bytes) -> None:
        self.size += len(piece)
        for sealed in self._encryptor.update(piece):
            self._output.write(sealed)

    def commit(self) -> str:
        self._output.write(self._encryptor.finish())
        self._output.flush()
        os.fsync(self._output.fileno())
        self._output.close()
        os.replace(self._temporary, self._target)
        self._done = True
        return self.name

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        try:
            self._output.close()
        finally:
            self._temporary.unlink(missing_ok=True)


def default_store() -> FileStore:
    return FileStore(settings.DATA_DIR / "files")
