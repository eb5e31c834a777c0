"""The vault's primitives: sealing, records, key derivation, key wrapping."""

from __future__ import annotations

import base64
import contextlib

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from safetrail.vault import crypto
from safetrail.vault.crypto import KdfParameters, KeyPair, VaultError

FAST = settings(max_examples=150, deadline=None)
# Argon2's minimum memory is 8 KiB per lane; keeps every derivation sub-millisecond.
TINY = {"memory_kib": 8, "passes": 1, "lanes": 1}

KEY = crypto.random_key()
ALICE = KeyPair.generate()
MALLORY = KeyPair.generate()

plaintexts = st.binary(max_size=2048)
associated = st.binary(max_size=256)
# The record-context parts: anything but the separator.
parts = st.text(st.characters(codec="utf-8", exclude_characters="\x1f"), max_size=20)
contexts = st.tuples(parts, parts, parts)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
records = st.dictionaries(st.text(), json_values, max_size=6)


def flip(value: bytes, index: int, bit: int) -> bytes:
    changed = bytearray(value)
    changed[index] ^= 1 << bit
    return bytes(changed)


@st.composite
def flipped(draw, value: bytes) -> bytes:
    return flip(value, draw(st.integers(0, len(value) - 1)), draw(st.integers(0, 7)))


# --- seal / open_sealed ------------------------------------------------------------


@FAST
@given(plaintexts, associated)
def test_seal_round_trips(plaintext, associated_data):
    sealed = crypto.seal(KEY, plaintext, associated_data)
    assert sealed[:1] == crypto.SEALED_V1
    assert crypto.open_sealed(KEY, sealed, associated_data) == plaintext


def test_seal_uses_a_fresh_nonce_each_time():
    assert crypto.seal(KEY, b"same", b"ad") != crypto.seal(KEY, b"same", b"ad")


@FAST
@given(plaintexts, associated, st.data())
def test_any_flipped_bit_is_detected(plaintext, associated_data, data):
    sealed = crypto.seal(KEY, plaintext, associated_data)
    with pytest.raises(VaultError):
        crypto.open_sealed(KEY, data.draw(flipped(sealed)), associated_data)


@FAST
@given(plaintexts, associated, associated)
def test_other_associated_data_fails(plaintext, associated_data, other):
    assume(associated_data != other)
    sealed = crypto.seal(KEY, plaintext, associated_data)
    with pytest.raises(VaultError):
        crypto.open_sealed(KEY, sealed, other)


@FAST
@given(plaintexts, associated)
def test_wrong_key_fails(plaintext, associated_data):
    sealed = crypto.seal(KEY, plaintext, associated_data)
    with pytest.raises(VaultError):
        crypto.open_sealed(crypto.random_key(), sealed, associated_data)


@FAST
@given(plaintexts, associated, st.data())
def test_truncated_values_fail(plaintext, associated_data, data):
    sealed = crypto.seal(KEY, plaintext, associated_data)
    cut = data.draw(st.integers(0, len(sealed) - 1))
    with pytest.raises(VaultError):
        crypto.open_sealed(KEY, sealed[:cut], associated_data)


@FAST
@given(plaintexts, st.integers(0, 255).filter(lambda version: version != 1))
def test_unknown_version_fails(plaintext, version):
    sealed = crypto.seal(KEY, plaintext, b"ad")
    with pytest.raises(VaultError):
        crypto.open_sealed(KEY, bytes([version]) + sealed[1:], b"ad")


@pytest.mark.parametrize("key", [b"", b"k" * 16, b"k" * 31, b"k" * 33, "k" * 32])
def test_keys_must_be_32_bytes(key):
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.seal(key, b"x", b"")
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.open_sealed(key, crypto.seal(KEY, b"x", b""), b"")


# --- records -----------------------------------------------------------------------


@FAST
@given(records, contexts)
def test_records_round_trip(record, context):
    sealed_context = crypto.record_context(*context)
    sealed = crypto.seal_record(KEY, record, sealed_context)
    assert crypto.open_record(KEY, sealed, sealed_context) == record


@FAST
@given(records, contexts, contexts)
def test_a_record_cannot_move_to_another_row(record, here, there):
    assume(here != there)
    sealed = crypto.seal_record(KEY, record, crypto.record_context(*here))
    with pytest.raises(VaultError):
        crypto.open_record(KEY, sealed, crypto.record_context(*there))


@pytest.mark.parametrize(
    "there",
    [
        ("diary_entry", "2", "case-1"),  # another row of the same case
        ("evidence", "1", "case-1"),  # the same id in another table
        ("diary_entry", "1", "case-2"),  # the same row id in another case
    ],
)
def test_each_part_of_the_context_binds(there):
    sealed = crypto.seal_record(
        KEY, {"text": "hi"}, crypto.record_context("diary_entry", "1", "case-1")
    )
    with pytest.raises(VaultError):
        crypto.open_record(KEY, sealed, crypto.record_context(*there))


@FAST
@given(contexts, st.integers(0, 2), st.data())
def test_record_context_rejects_the_separator(context, which, data):
    # Without this, ("a\x1fb", "c", ...) and ("a", "b\x1fc", ...) would be one context.
    context = list(context)
    at = data.draw(st.integers(0, len(context[which])))
    context[which] = context[which][:at] + "\x1f" + context[which][at:]
    with pytest.raises(ValueError, match="separator"):
        crypto.record_context(*context)


def test_record_must_be_an_object():
    context = crypto.record_context("t", "1", "c")
    with pytest.raises(VaultError):
        crypto.open_record(KEY, crypto.seal(KEY, b"[1, 2]", context), context)


# --- key derivation ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"argon2id$v=19$m={crypto.MAX_KDF_MEMORY_KIB + 1},t=1,p=1$AAAAAAAAAAA=",
        f"argon2id$v=19$m=64,t={crypto.MAX_KDF_PASSES + 1},p=1$AAAAAAAAAAA=",
        f"argon2id$v=19$m=1024,t=1,p={crypto.MAX_KDF_LANES + 1}$AAAAAAAAAAA=",
    ],
)
def test_kdf_parameters_beyond_the_limits_are_refused(text):
    with pytest.raises(VaultError):
        KdfParameters.decode(text)


salts = st.binary(min_size=8, max_size=64)


@st.composite
def kdf_parameters(draw) -> KdfParameters:
    lanes = draw(st.integers(1, crypto.MAX_KDF_LANES))
    return KdfParameters(
        memory_kib=draw(st.integers(8 * lanes, crypto.MAX_KDF_MEMORY_KIB)),
        passes=draw(st.integers(1, crypto.MAX_KDF_PASSES)),
        lanes=lanes,
        salt=draw(salts),
    )


@FAST
@given(kdf_parameters())
def test_kdf_parameters_round_trip(parameters):
    encoded = parameters.encode()
    assert encoded.startswith("argon2id$v=19$")
    assert KdfParameters.decode(encoded) == parameters
    assert KdfParameters.decode(encoded).encode() == encoded


def test_fresh_parameters_have_a_random_salt():
    one, two = KdfParameters.fresh(**TINY), KdfParameters.fresh(**TINY)
    assert len(one.salt) == 16
    assert one.salt != two.salt


SALT = base64.urlsafe_b64encode(b"0123456789abcdef").decode()


@pytest.mark.parametrize(
    "text",
    [
        "",
        f"argon2id$v=19$m=8,t=1,p=1${SALT}\n",  # a trailing newline
        f" argon2id$v=19$m=8,t=1,p=1${SALT}",
        f"argon2i$v=19$m=8,t=1,p=1${SALT}",
        f"argon2d$v=19$m=8,t=1,p=1${SALT}",
        f"argon2id$v=18$m=8,t=1,p=1${SALT}",
        f"argon2id$v=19$m=8,t=1${SALT}",
        f"argon2id$v=19$t=1,m=8,p=1${SALT}",
        f"argon2id$v=19$m=-8,t=1,p=1${SALT}",
        f"argon2id$v=19$m=8.0,t=1,p=1${SALT}",
        f"argon2id$v=19$m=\u0668,t=1,p=1${SALT}",  # an Arabic-Indic eight
        f"argon2id$v=19$m=08,t=1,p=1${SALT}",
        f"argon2id$v=19$m=0,t=1,p=1${SALT}",
        f"argon2id$v=19$m=8,t=0,p=1${SALT}",
        f"argon2id$v=19$m=8,t=1,p=0${SALT}",
        f"argon2id$v=19$m=15,t=1,p=2${SALT}",  # less than 8 KiB per lane
        "argon2id$v=19$m=8,t=1,p=1$",
        "argon2id$v=19$m=8,t=1,p=1$A",  # not valid base64
        "argon2id$v=19$m=8,t=1,p=1$AAAAA",
        "argon2id$v=19$m=8,t=1,p=1$AAAA",  # a 3-byte salt: too short
        "argon2id$v=19$m=8,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg+/",  # standard, not url-safe
        "argon2id$v=19$m=8,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg===",
        f"argon2id$v=19$m=8,t=1,p=1${SALT}$extra",
    ],
)
def test_decode_rejects_malformed_parameters(text):
    with pytest.raises(VaultError):
        KdfParameters.decode(text)


@FAST
@given(kdf_parameters(), st.data())
def test_decode_of_a_damaged_string_raises_only_vault_error(parameters, data):
    encoded = parameters.encode()
    at = data.draw(st.integers(0, len(encoded) - 1))
    damaged = encoded[:at] + data.draw(st.text(max_size=3)) + encoded[at + 1 :]
    try:
        decoded = KdfParameters.decode(damaged)
    except VaultError:
        return
    assert decoded.memory_kib >= 8 * decoded.lanes >= 8
    assert decoded.passes >= 1
    assert len(decoded.salt) >= 8


@FAST
@given(st.text())
def test_decode_of_any_text_raises_only_vault_error(text):
    with contextlib.suppress(VaultError):
        KdfParameters.decode(text)


@FAST
@given(st.text(max_size=64), salts)
def test_derive_key_is_deterministic(secret, salt):
    parameters = KdfParameters(salt=salt, **TINY)
    key = crypto.derive_key(secret, parameters)
    assert len(key) == crypto.KEY_BYTES
    assert crypto.derive_key(secret, KdfParameters.decode(parameters.encode())) == key


@FAST
@given(st.text(max_size=64), st.text(max_size=64), salts, salts)
def test_derive_key_depends_on_secret_and_salt(secret, other_secret, salt, other_salt):
    assume(secret != other_secret and salt != other_salt)
    key = crypto.derive_key(secret, KdfParameters(salt=salt, **TINY))
    assert crypto.derive_key(other_secret, KdfParameters(salt=salt, **TINY)) != key
    assert crypto.derive_key(secret, KdfParameters(salt=other_salt, **TINY)) != key


def test_derive_key_depends_on_the_cost_parameters():
    salt = b"0123456789abcdef"
    key = crypto.derive_key("secret", KdfParameters(salt=salt, **TINY))
    assert crypto.derive_key("secret", KdfParameters(16, 1, 1, salt)) != key
    assert crypto.derive_key("secret", KdfParameters(8, 2, 1, salt)) != key


# --- wrapping keys -----------------------------------------------------------------

purposes = st.text(max_size=40)


@FAST
@given(purposes)
def test_wrap_key_round_trips(purpose):
    wrapping_key, key = crypto.random_key(), crypto.random_key()
    wrapped = crypto.wrap_key(wrapping_key, key, purpose)
    assert key not in wrapped
    assert crypto.unwrap_key(wrapping_key, wrapped, purpose) == key


@FAST
@given(purposes, purposes)
def test_unwrap_key_with_another_purpose_fails(purpose, other):
    assume(purpose != other)
    wrapped = crypto.wrap_key(KEY, crypto.random_key(), purpose)
    with pytest.raises(VaultError):
        crypto.unwrap_key(KEY, wrapped, other)


def test_unwrap_key_with_another_wrapping_key_fails():
    wrapped = crypto.wrap_key(KEY, crypto.random_key(), "account-key/password")
    with pytest.raises(VaultError):
        crypto.unwrap_key(crypto.random_key(), wrapped, "account-key/password")


def test_unwrap_key_rejects_a_sealed_value_of_the_wrong_length():
    sealed = crypto.seal(KEY, b"short", b"safetrail/wrapped-key/v1/p")
    with pytest.raises(VaultError, match="wrong length"):
        crypto.unwrap_key(KEY, sealed, "p")


def test_wrap_key_refuses_a_key_of_the_wrong_length():
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.wrap_key(KEY, b"short", "p")
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.wrap_key_to_public(ALICE.public, b"short", "p")


def test_a_password_wrapping_round_trips_through_the_kdf():
    """What unlocking an account does: derive, then unwrap."""
    account_key = crypto.random_key()
    parameters = KdfParameters.fresh(**TINY)
    wrapped = crypto.wrap_key(crypto.derive_key("a passphrase", parameters), account_key, "p")
    stored = parameters.encode()
    again = crypto.derive_key("a passphrase", KdfParameters.decode(stored))
    assert crypto.unwrap_key(again, wrapped, "p") == account_key
    wrong = crypto.derive_key("a passphrasf", KdfParameters.decode(stored))
    with pytest.raises(VaultError):
        crypto.unwrap_key(wrong, wrapped, "p")


# --- sealing to a public key -------------------------------------------------------


@FAST
@given(purposes)
def test_wrap_key_to_public_round_trips(purpose):
    key = crypto.random_key()
    wrapped = crypto.wrap_key_to_public(ALICE.public, key, purpose)
    assert wrapped[:1] == crypto.PUBLIC_SEALED_V1
    assert crypto.unwrap_key_from_public(ALICE, wrapped, purpose) == key


def test_generated_key_pairs_are_distinct_and_32_bytes():
    assert len(ALICE.private) == len(ALICE.public) == 32
    assert ALICE.public != MALLORY.public
    assert ALICE.private != MALLORY.private


def test_another_key_pair_cannot_open():
    wrapped = crypto.wrap_key_to_public(ALICE.public, crypto.random_key(), "case-key")
    with pytest.raises(VaultError):
        crypto.unwrap_key_from_public(MALLORY, wrapped, "case-key")


def test_unwrap_key_from_public_with_another_purpose_fails():
    wrapped = crypto.wrap_key_to_public(ALICE.public, crypto.random_key(), "case-key")
    with pytest.raises(VaultError):
        crypto.unwrap_key_from_public(ALICE, wrapped, "private-key")


@FAST
@given(plaintexts, associated)
def test_seal_to_public_round_trips(plaintext, associated_data):
    sealed = crypto.seal_to_public(ALICE.public, plaintext, associated_data)
    assert crypto.open_from_public(ALICE, sealed, associated_data) == plaintext


@FAST
@given(st.binary(max_size=256), st.data())
def test_seal_to_public_detects_any_flipped_bit(plaintext, data):
    sealed = crypto.seal_to_public(ALICE.public, plaintext, b"ad")
    with pytest.raises(VaultError):
        crypto.open_from_public(ALICE, data.draw(flipped(sealed)), b"ad")


@FAST
@given(st.binary(max_size=256), st.data())
def test_seal_to_public_detects_truncation(plaintext, data):
    sealed = crypto.seal_to_public(ALICE.public, plaintext, b"ad")
    cut = data.draw(st.integers(0, len(sealed) - 1))
    with pytest.raises(VaultError):
        crypto.open_from_public(ALICE, sealed[:cut], b"ad")


def test_seal_to_public_with_other_associated_data_fails():
    sealed = crypto.seal_to_public(ALICE.public, b"secret", b"ad")
    with pytest.raises(VaultError):
        crypto.open_from_public(ALICE, sealed, b"other")


def test_seal_to_public_refuses_a_bad_public_key():
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.seal_to_public(b"short", b"x", b"")


@pytest.mark.parametrize(
    "ephemeral",
    [
        pytest.param(lambda: KeyPair.generate().public, id="another valid key"),
        pytest.param(lambda: MALLORY.public, id="a known key"),
        pytest.param(lambda: bytes(32), id="low-order point"),
        pytest.param(lambda: b"\x01" + bytes(31), id="another low-order point"),
    ],
)
def test_replacing_the_ephemeral_public_key_fails(ephemeral):
    sealed = crypto.seal_to_public(ALICE.public, b"a case key", b"ad")
    replaced = sealed[:1] + ephemeral() + sealed[33:]
    with pytest.raises(VaultError):
        crypto.open_from_public(ALICE, replaced, b"ad")


def test_setting_the_ignored_top_bit_of_the_ephemeral_key_fails():
    # X25519 ignores bit 255, so the shared secret is unchanged; the ephemeral
    # key's bytes are in the HKDF salt, so the derived key is not.
    sealed = crypto.seal_to_public(ALICE.public, b"a case key", b"ad")
    with pytest.raises(VaultError):
        crypto.open_from_public(ALICE, flip(sealed, 32, 7), b"ad")


def test_a_symmetric_sealed_value_is_not_a_public_one():
    with pytest.raises(VaultError):
        crypto.open_from_public(ALICE, crypto.seal(KEY, b"x", b""), b"")
