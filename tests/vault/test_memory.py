"""Streaming encryption never holds the whole file in memory."""

from __future__ import annotations

import tracemalloc

from safetrail.vault import crypto, stream

MIB = 1024 * 1024
TOTAL = 64 * MIB
CHUNK = MIB
# A few chunks' worth of buffers, nowhere near the 64 MiB that went through.
LIMIT = 8 * MIB


class GeneratedReader:
    """A readable file of ``size`` bytes that exists nowhere whole."""

    def __init__(self, size: int) -> None:
        self._left = size
        self._block = bytes(range(256)) * (MIB // 256)

    def read(self, size: int = -1) -> bytes:
        size = self._left if size < 0 else min(size, self._left)
        size = min(size, len(self._block))
        self._left -= size
        return self._block[:size]


class CountingSink:
    def __init__(self) -> None:
        self.count = 0

    def write(self, data: bytes) -> int:
        self.count += len(data)
        return len(data)


def _peak(work) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_encrypting_a_large_stream_holds_only_a_few_chunks():
    """tracemalloc sees Python-level allocations, which is where chunks live."""
    key, sink = crypto.random_key(), CountingSink()
    peak = _peak(lambda: stream.encrypt_file(key, GeneratedReader(TOTAL), sink, CHUNK))
    assert sink.count == stream.ciphertext_size(TOTAL, CHUNK)
    assert peak < LIMIT, f"peak {peak / MIB:.1f} MiB"


def test_decrypting_a_large_stream_holds_only_a_few_chunks(tmp_path):
    key, sink = crypto.random_key(), CountingSink()
    encrypted = tmp_path / "encrypted"
    with encrypted.open("wb") as target:
        stream.encrypt_file(key, GeneratedReader(TOTAL), target, CHUNK)

    def work() -> None:
        with encrypted.open("rb") as source:
            for chunk in stream.decrypt_stream(key, source):
                sink.write(chunk)

    peak = _peak(work)
    assert sink.count == TOTAL
    assert peak < LIMIT, f"peak {peak / MIB:.1f} MiB"
