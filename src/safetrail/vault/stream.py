"""Streaming encryption of files in fixed-size chunks (the STREAM construction).

A file is never held in memory: it is read, encrypted and written one chunk
at a time, each chunk sealed with AES-256-GCM under the file's own key.

Layout::

    header  = b"STF1" | chunk_size (4 bytes, big-endian) | nonce_prefix (7 bytes)
    chunk i = AES-GCM(key, nonce = nonce_prefix | i (4 bytes) | last (1 byte),
                      plaintext chunk, associated data = header)

Every chunk but the last holds exactly ``chunk_size`` bytes of plaintext; the
last one holds the rest (between 1 and ``chunk_size`` bytes, or none for an
empty file) and has its ``last`` byte set. So:

- reordering or swapping chunks changes the counter in the nonce: detected;
- cutting the file short removes the chunk marked last: detected;
- chunks from another file were sealed under another key: detected;
- the header is bound into every chunk, so changing it is detected.

Because chunks have a fixed size, chunk ``i`` starts at a known offset, which
lets a reader serve a byte range without decrypting from the start.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from safetrail.vault.crypto import KEY_BYTES, TAG_BYTES, VaultError

MAGIC = b"STF1"
PREFIX_BYTES = 7
HEADER_BYTES = len(MAGIC) + 4 + PREFIX_BYTES
DEFAULT_CHUNK_SIZE = 1024 * 1024
MAX_CHUNK_SIZE = 16 * 1024 * 1024
MAX_CHUNKS = 2**32


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    if index >= MAX_CHUNKS:
        raise VaultError("file too large for one stream")
    return prefix + struct.pack(">IB", index, 1 if last else 0)


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    """Reads up to ``size`` bytes, looping over short reads (pipes, sockets)."""
    parts = []
    remaining = size
    while remaining:
        part = source.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


class StreamEncryptor:
    """Encrypts a stream fed in pieces of any size; ``finish`` seals the last chunk."""

    def __init__(self, key: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("keys are 32 bytes")
        if not 0 < chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError("chunk size out of range")
        self._aead = AESGCM(key)
        self._chunk_size = chunk_size
        self._prefix = os.urandom(PREFIX_BYTES)
        self.header = MAGIC + struct.pack(">I", chunk_size) + self._prefix
        self._buffer = bytearray()
        self._index = 0
        self._finished = False

    def _seal(self, chunk: bytes, last: bool) -> bytes:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index, last), chunk, self.header)
        self._index += 1
        return sealed

    def update(self, data: bytes) -> list[bytes]:
        """Returns the sealed chunks that ``data`` completes (none, one or several).

        Eager, not a generator: a generator would take ``data`` only when
        iterated, so a caller that ignored an (expectedly empty) result would
        silently lose it, and two results consumed out of order would
        reorder the plaintext.
        """
        if self._finished:
            raise ValueError("the stream is already finished")
        self._buffer += data
        sealed = []
        size = self._chunk_size
        start = 0
        # Seal straight from the buffer (no copy per chunk), then drop what was
        # sealed in one move. Keep at least one byte back: only ``finish``
        # knows which chunk is the last.
        with memoryview(self._buffer) as view:
            while len(view) - start > size:
                sealed.append(self._seal(view[start : start + size], last=False))
                start += size
        if start:
            del self._buffer[:start]
        return sealed

    def finish(self) -> bytes:
        if self._finished:
            raise ValueError("the stream is already finished")
        self._finished = True
        chunk = bytes(self._buffer)
        self._buffer.clear()
        return self._seal(chunk, last=True)


def encrypt_stream(
    key: bytes, pieces: Iterable[bytes], chunk_size: int = DEFAULT_CHUNK_SIZE
) -> Iterator[bytes]:
    """Yields the header, then every sealed chunk, for plaintext given in pieces."""
    encryptor = StreamEncryptor(key, chunk_size)
    yield encryptor.header
    for piece in pieces:
        yield from encryptor.update(piece)
    yield encryptor.finish()


def encrypt_file(
    key: bytes, source: BinaryIO, target: BinaryIO, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> int:
    """Encrypts ``source`` into ``target``; returns the number of plaintext bytes.

    Reads one chunk ahead, as ``decrypt_stream`` does, to know which chunk is
    the last; each chunk is read once and sealed once, with no re-buffering.
    """
    if len(key) != KEY_BYTES:
        raise ValueError("keys are 32 bytes")
    if not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError("chunk size out of range")
    aead = AESGCM(key)
    prefix = os.urandom(PREFIX_BYTES)
    header = MAGIC + struct.pack(">I", chunk_size) + prefix
    target.write(header)
    first = bytearray(chunk_size)
    try:
        filled = _fill(source, first)
    except (AttributeError, NotImplementedError, io.UnsupportedOperation):
        pass  # a source that can only ``read``: the plain path below
    else:
        return _encrypt_file_into(aead, prefix, header, source, target, first, filled)
    total = 0
    index = 0
    current = _read_exactly(source, chunk_size)
    while True:
        following = _read_exactly(source, chunk_size) if len(current) == chunk_size else b""
        last = not following
        target.write(aead.encrypt(_nonce(prefix, index, last), current, header))
        total += len(current)
        if last:
            return total
        current = following
        index += 1


def _fill(source: BinaryIO, buffer: bytearray) -> int:
    """Reads into ``buffer`` until it is full or the source ends; returns the count."""
    filled = 0
    with memoryview(buffer) as view:
        while filled < len(buffer):
            count = source.readinto(view[filled:])
            if not count:
                break
            filled += count
    return filled


def _encrypt_file_into(
    aead: AESGCM,
    prefix: bytes,
    header: bytes,
    source: BinaryIO,
    target: BinaryIO,
    first: bytearray,
    filled: int,
) -> int:
    """The same stream as the plain path, through reused buffers (no allocation per chunk)."""
    chunk_size = len(first)
    buffers = (first, bytearray(chunk_size))
    sealed = bytearray(chunk_size + TAG_BYTES)
    total = 0
    index = 0
    current = 0
    while True:
        following = _fill(source, buffers[1 - current]) if filled == chunk_size else 0
        last = following == 0
        with (
            memoryview(buffers[current])[:filled] as plain,
            memoryview(sealed)[: filled + TAG_BYTES] as out,
        ):
            aead.encrypt_into(_nonce(prefix, index, last), plain, header, out)
            target.write(out)
        total += filled
        if last:
            return total
        current, filled = 1 - current, following
        index += 1


def decrypt_stream(key: bytes, source: BinaryIO) -> Iterator[bytes]:
    """Yields the plaintext chunk by chunk; raises VaultError on any tampering.

    A chunk is only yielded once it has been authenticated; a caller that must
    not act on a partial file should collect to a temporary place first.
    """
    if len(key) != KEY_BYTES:
        raise ValueError("keys are 32 bytes")
    header = _read_exactly(source, HEADER_BYTES)
    if len(header) != HEADER_BYTES or header[:4] != MAGIC:
        raise VaultError("not an encrypted file this version understands")
    (chunk_size,) = struct.unpack(">I", header[4:8])
    if not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise VaultError("the file header is damaged")
    prefix = header[8:]
    aead = AESGCM(key)
    sealed_size = chunk_size + TAG_BYTES
    index = 0
    current = _read_exactly(source, sealed_size)
    while True:
        following = _read_exactly(source, sealed_size) if len(current) == sealed_size else b""
        last = not following
        if len(current) < TAG_BYTES:
            raise VaultError("the file was cut short")
        try:
            plaintext = aead.decrypt(_nonce(prefix, index, last), current, header)
        except InvalidTag:
            raise VaultError("the file was changed, cut short, or this is the wrong key") from None
        yield plaintext
        if last:
            return
        current = following
        index += 1


def ciphertext_size(plaintext_size: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> int:
    chunks = max(1, -(-plaintext_size // chunk_size))
    return HEADER_BYTES + plaintext_size + chunks * TAG_BYTES
