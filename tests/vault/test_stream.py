"""Streaming file encryption: round trips, and every kind of tampering detected."""

from __future__ import annotations

import io
import random
import struct

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from safetrail.vault import crypto, stream
from safetrail.vault.crypto import TAG_BYTES, VaultError
from safetrail.vault.stream import HEADER_BYTES

FAST = settings(max_examples=150, deadline=None)
KEY = crypto.random_key()

datas = st.binary(max_size=4096)
chunk_sizes = st.integers(1, 64)


def encrypt(data: bytes, chunk_size: int, key: bytes = KEY) -> bytes:
    target = io.BytesIO()
    assert stream.encrypt_file(key, io.BytesIO(data), target, chunk_size) == len(data)
    return target.getvalue()


def decrypt(blob: bytes, key: bytes = KEY) -> bytes:
    return b"".join(stream.decrypt_stream(key, io.BytesIO(blob)))


def chunk_spans(plaintext_size: int, chunk_size: int) -> list[tuple[int, int]]:
    """Where each sealed chunk sits in the ciphertext: (start, end) offsets."""
    spans, start, left = [], HEADER_BYTES, plaintext_size
    while True:
        size = min(left, chunk_size)
        spans.append((start, start + size + TAG_BYTES))
        start, left = start + size + TAG_BYTES, left - size
        if not left:
            return spans


@st.composite
def multi_chunk(draw) -> tuple[bytes, int]:
    """Data and a chunk size that make at least two chunks."""
    chunk_size = draw(chunk_sizes)
    return draw(st.binary(min_size=chunk_size + 1, max_size=max(4096, 2 * chunk_size))), chunk_size


class ShortReader(io.RawIOBase):
    """A source that returns only 1 to 3 bytes per read, like a slow pipe."""

    def __init__(self, data: bytes, seed: int) -> None:
        self._data = io.BytesIO(data)
        self._random = random.Random(seed)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        limit = self._random.randint(1, 3)
        return self._data.read(limit if size < 0 else min(size, limit))


# --- round trips ---------------------------------------------------------------------


@FAST
@given(datas, chunk_sizes)
def test_round_trip_and_size(data, chunk_size):
    blob = encrypt(data, chunk_size)
    assert len(blob) == stream.ciphertext_size(len(data), chunk_size)
    assert decrypt(blob) == data


@FAST
@given(datas, chunk_sizes)
def test_chunks_are_yielded_at_the_chunk_size(data, chunk_size):
    chunks = list(stream.decrypt_stream(KEY, io.BytesIO(encrypt(data, chunk_size))))
    assert all(len(chunk) == chunk_size for chunk in chunks[:-1])
    assert 0 < len(chunks[-1]) <= chunk_size or data == b""


@pytest.mark.parametrize("chunk_size", [1, 7, stream.DEFAULT_CHUNK_SIZE])
def test_an_empty_file_round_trips(chunk_size):
    blob = encrypt(b"", chunk_size)
    assert len(blob) == stream.ciphertext_size(0, chunk_size) == HEADER_BYTES + TAG_BYTES
    assert list(stream.decrypt_stream(KEY, io.BytesIO(blob))) == [b""]
    encryptor = stream.StreamEncryptor(KEY, chunk_size)
    assert decrypt(encryptor.header + encryptor.finish()) == b""


def test_ciphertext_size_counts_one_tag_per_chunk():
    assert stream.ciphertext_size(0, 4) == HEADER_BYTES + 16
    assert stream.ciphertext_size(4, 4) == HEADER_BYTES + 4 + 16
    assert stream.ciphertext_size(5, 4) == HEADER_BYTES + 5 + 32
    assert stream.ciphertext_size(8, 4) == HEADER_BYTES + 8 + 32
    assert stream.ciphertext_size(2**20) == HEADER_BYTES + 2**20 + 16


def test_the_same_file_encrypts_differently_each_time():
    assert encrypt(b"evidence", 4) != encrypt(b"evidence", 4)


@FAST
@given(datas, chunk_sizes, st.lists(st.integers(0, 200), max_size=40))
def test_encryptor_fed_in_any_pieces(data, chunk_size, sizes):
    pieces, at = [], 0
    for size in sizes:
        pieces.append(data[at : at + size])
        at += size
    pieces.append(data[at:])
    encryptor = stream.StreamEncryptor(KEY, chunk_size)
    blob = encryptor.header
    for piece in pieces:
        blob += b"".join(encryptor.update(piece))
    blob += encryptor.finish()
    assert len(blob) == stream.ciphertext_size(len(data), chunk_size)
    assert decrypt(blob) == data
    assert decrypt(b"".join(stream.encrypt_stream(KEY, pieces, chunk_size))) == data


def test_encryptor_takes_data_even_when_the_result_is_ignored():
    # Regression: ``update`` was a generator, so data given to it was only
    # taken when the (usually empty) result was iterated.
    encryptor = stream.StreamEncryptor(KEY, 4)
    encryptor.update(b"ab")
    later = encryptor.update(b"cdefg")
    earlier_result_consumed_late = encryptor.update(b"h")
    blob = encryptor.header + b"".join(later) + b"".join(earlier_result_consumed_late)
    assert decrypt(blob + encryptor.finish()) == b"abcdefgh"


def test_encryptor_refuses_more_after_finish():
    encryptor = stream.StreamEncryptor(KEY, 4)
    encryptor.finish()
    with pytest.raises(ValueError, match="finished"):
        encryptor.update(b"more")
    with pytest.raises(ValueError, match="finished"):
        encryptor.finish()


@pytest.mark.parametrize("chunk_size", [0, -1, stream.MAX_CHUNK_SIZE + 1])
def test_encryptor_refuses_a_bad_chunk_size(chunk_size):
    with pytest.raises(ValueError, match="chunk size"):
        stream.StreamEncryptor(KEY, chunk_size)


def test_keys_must_be_32_bytes():
    with pytest.raises(ValueError, match="32 bytes"):
        stream.StreamEncryptor(b"short")
    with pytest.raises(ValueError, match="32 bytes"):
        decrypt(encrypt(b"x", 4), key=b"short")


@FAST
@given(datas, chunk_sizes, st.integers(0, 2**32 - 1))
def test_short_reads_still_decrypt(data, chunk_size, seed):
    blob = encrypt(data, chunk_size)
    assert b"".join(stream.decrypt_stream(KEY, ShortReader(blob, seed))) == data


@FAST
@given(datas, chunk_sizes, st.integers(0, 2**32 - 1))
def test_short_reads_still_encrypt(data, chunk_size, seed):
    target = io.BytesIO()
    assert stream.encrypt_file(KEY, ShortReader(data, seed), target, chunk_size) == len(data)
    assert len(target.getvalue()) == stream.ciphertext_size(len(data), chunk_size)
    assert decrypt(target.getvalue()) == data


# --- tampering -----------------------------------------------------------------------


@FAST
@given(datas, chunk_sizes, st.data())
def test_any_flipped_bit_is_detected(data, chunk_size, draw):
    blob = bytearray(encrypt(data, chunk_size))
    blob[draw.draw(st.integers(0, len(blob) - 1))] ^= 1 << draw.draw(st.integers(0, 7))
    with pytest.raises(VaultError):
        decrypt(bytes(blob))


@FAST
@given(datas, chunk_sizes, st.data())
def test_truncation_at_any_length_is_detected(data, chunk_size, draw):
    blob = encrypt(data, chunk_size)
    cut = draw.draw(st.integers(0, len(blob) - 1))
    with pytest.raises(VaultError):
        decrypt(blob[:cut])


@FAST
@given(datas, chunk_sizes)
def test_truncation_at_every_chunk_boundary_is_detected(data, chunk_size):
    blob = encrypt(data, chunk_size)
    spans = chunk_spans(len(data), chunk_size)
    assert spans[-1][1] == len(blob)
    # Cutting after the header, or after any chunk but the last: each cut
    # leaves a well-formed run of whole chunks whose last one is not marked last.
    for cut in [0, HEADER_BYTES] + [end for _, end in spans[:-1]]:
        with pytest.raises(VaultError):
            decrypt(blob[:cut])


@FAST
@given(multi_chunk())
def test_cutting_the_whole_last_chunk_is_detected(data_and_size):
    data, chunk_size = data_and_size
    blob = encrypt(data, chunk_size)
    start, _ = chunk_spans(len(data), chunk_size)[-1]
    with pytest.raises(VaultError):
        decrypt(blob[:start])


def test_cutting_a_full_last_chunk_is_detected():
    # Two full chunks: without the last-chunk flag this cut would look complete.
    blob = encrypt(b"abcdefgh", 4)
    assert len(blob) == HEADER_BYTES + 2 * (4 + TAG_BYTES)
    with pytest.raises(VaultError):
        decrypt(blob[: HEADER_BYTES + 4 + TAG_BYTES])


@FAST
@given(datas, chunk_sizes, st.binary(min_size=1, max_size=200))
def test_appended_bytes_are_detected(data, chunk_size, extra):
    with pytest.raises(VaultError):
        decrypt(encrypt(data, chunk_size) + extra)


@FAST
@given(multi_chunk(), st.data())
def test_swapping_two_chunks_is_detected(data_and_size, draw):
    data, chunk_size = data_and_size
    blob = encrypt(data, chunk_size)
    spans = chunk_spans(len(data), chunk_size)
    i = draw.draw(st.integers(0, len(spans) - 2))
    j = draw.draw(st.integers(i + 1, len(spans) - 1))
    (a, b), (c, d) = spans[i], spans[j]
    swapped = blob[:a] + blob[c:d] + blob[b:c] + blob[a:b] + blob[d:]
    assert len(swapped) == len(blob)
    assert swapped != blob
    with pytest.raises(VaultError):
        decrypt(swapped)


@FAST
@given(multi_chunk(), st.data())
def test_splicing_a_chunk_from_another_file_under_the_same_key_is_detected(data_and_size, draw):
    data, chunk_size = data_and_size
    blob, other = encrypt(data, chunk_size), encrypt(data, chunk_size)
    spans = chunk_spans(len(data), chunk_size)
    start, end = spans[draw.draw(st.integers(0, len(spans) - 1))]
    spliced = blob[:start] + other[start:end] + blob[end:]
    assert spliced != blob
    with pytest.raises(VaultError):
        decrypt(spliced)
    # Nor can another file's header adopt this file's chunks.
    with pytest.raises(VaultError):
        decrypt(other[:HEADER_BYTES] + blob[HEADER_BYTES:])


@FAST
@given(datas, chunk_sizes, st.integers(0, 2**32 - 1))
def test_changing_the_header_chunk_size_is_detected(data, chunk_size, other_size):
    assume(other_size != chunk_size)
    blob = encrypt(data, chunk_size)
    changed = blob[:4] + struct.pack(">I", other_size) + blob[8:]
    with pytest.raises(VaultError):
        decrypt(changed)


@pytest.mark.parametrize("magic", [b"STF0", b"STF2", b"stf1", b"\x00\x00\x00\x00"])
def test_an_unknown_format_is_refused(magic):
    blob = encrypt(b"some evidence", 4)
    with pytest.raises(VaultError, match="version"):
        decrypt(magic + blob[4:])


def test_a_wrong_key_is_detected():
    with pytest.raises(VaultError):
        decrypt(encrypt(b"some evidence", 4), key=crypto.random_key())


@FAST
@given(multi_chunk())
def test_a_tampered_last_chunk_raises_after_the_good_chunks(data_and_size):
    """decrypt_stream yields each chunk only once it is authenticated.

    So a damaged last chunk raises when the reader reaches it, but the good
    chunks before it have already been yielded: a caller that must not act
    on part of a file has to collect the output somewhere temporary first.
    """
    data, chunk_size = data_and_size
    blob = bytearray(encrypt(data, chunk_size))
    blob[-1] ^= 1
    yielded = []
    with pytest.raises(VaultError):
        yielded.extend(stream.decrypt_stream(KEY, io.BytesIO(bytes(blob))))
    whole_chunks = (len(data) - 1) // chunk_size
    assert b"".join(yielded) == data[: whole_chunks * chunk_size]


@FAST
@given(multi_chunk())
def test_a_tampered_first_chunk_yields_nothing(data_and_size):
    data, chunk_size = data_and_size
    blob = bytearray(encrypt(data, chunk_size))
    blob[HEADER_BYTES] ^= 1
    chunks = stream.decrypt_stream(KEY, io.BytesIO(bytes(blob)))
    with pytest.raises(VaultError):
        next(chunks)
