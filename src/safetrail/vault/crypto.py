"""The vault's primitives: keys, key derivation, sealing records and keys.

Pure functions over bytes, with no Django import, so they can be tested and
fuzzed on their own. Every sealed value starts with a one-byte format version
so the formats can change later without guessing.

- AES-256-GCM with a random 96-bit nonce seals records and wraps keys; the
  caller's associated data binds each ciphertext to where it belongs.
- Argon2id turns a password or recovery code into a key-encryption key; its
  parameters are stored beside the wrapped key as
  ``argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>`` so they can be raised
  later and old wrappings still open.
- X25519 + HKDF-SHA256 seals a key (or a small record) to a recipient's public
  key: an ephemeral key pair per message, as in HPKE's base mode.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from dataclasses import dataclass
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
SEALED_V1 = b"\x01"
PUBLIC_SEALED_V1 = b"\x02"
_PUBLIC_INFO = b"safetrail/seal-to-public-key/v1"
MAX_KDF_MEMORY_KIB = 4 * 1024 * 1024  # 4 GiB
MAX_KDF_PASSES = 64
MAX_KDF_LANES = 16


class VaultError(Exception):
    """Something could not be decrypted: tampered, the wrong key, or an unknown format."""


def random_key() -> bytes:
    return os.urandom(KEY_BYTES)


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes | bytearray) or len(key) != KEY_BYTES:
        raise ValueError("keys are 32 bytes")


# --- sealing bytes with a symmetric key ------------------------------------------


def seal(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    _check_key(key)
    nonce = os.urandom(NONCE_BYTES)
    return SEALED_V1 + nonce + AESGCM(key).encrypt(nonce, plaintext, associated_data)


def open_sealed(key: bytes, sealed: bytes, associated_data: bytes) -> bytes:
    _check_key(key)
    sealed = bytes(sealed)
    if len(sealed) < 1 + NONCE_BYTES + TAG_BYTES or sealed[:1] != SEALED_V1:
        raise VaultError("not a sealed value this version understands")
    nonce = sealed[1 : 1 + NONCE_BYTES]
    try:
        return AESGCM(key).decrypt(nonce, sealed[1 + NONCE_BYTES :], associated_data)
    except InvalidTag:
        raise VaultError("the value was changed, or this is the wrong key") from None


def record_context(table: str, row_id: str, case_id: str) -> bytes:
    """Associated data for one row, so a ciphertext cannot move to another row."""
    for part in (table, row_id, case_id):
        if "\x1f" in part:
            raise ValueError("record context parts cannot contain the separator")
    return "\x1f".join(("safetrail/record/v1", table, row_id, case_id)).encode()


def seal_record(key: bytes, record: dict[str, Any], context: bytes) -> bytes:
    plaintext = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return seal(key, plaintext.encode(), context)


def open_record(key: bytes, sealed: bytes, context: bytes) -> dict[str, Any]:
    record = json.loads(open_sealed(key, sealed, context).decode())
    if not isinstance(record, dict):
        raise VaultError("a record must hold an object")
    return record


# --- deriving keys from secrets a person knows ------------------------------------


@dataclass(frozen=True)
class KdfParameters:
    memory_kib: int
    passes: int
    lanes: int
    salt: bytes

    ALGORITHM = "argon2id"
    VERSION = 19
    # ASCII digits without leading zeros, matched whole (``$`` alone would let a
    # trailing newline through, and ``\d`` matches any Unicode digit).
    _PATTERN = re.compile(
        r"argon2id\$v=19\$m=([1-9][0-9]*),t=([1-9][0-9]*),p=([1-9][0-9]*)\$([A-Za-z0-9_-]+={0,2})"
    )

    @classmethod
    def fresh(cls, memory_kib: int, passes: int, lanes: int) -> KdfParameters:
        return cls(memory_kib, passes, lanes, os.urandom(16))

    def encode(self) -> str:
        salt = base64.urlsafe_b64encode(self.salt).decode()
        return f"argon2id$v=19$m={self.memory_kib},t={self.passes},p={self.lanes}${salt}"

    @classmethod
    def decode(cls, text: str) -> KdfParameters:
        match = cls._PATTERN.fullmatch(text)
        if not match:
            raise VaultError("unknown key-derivation parameters")
        memory, passes, lanes, salt = match.groups()
        try:
            parameters = cls(int(memory), int(passes), int(lanes), base64.urlsafe_b64decode(salt))
        except binascii.Error:
            raise VaultError("unknown key-derivation parameters") from None
        # Argon2's own minimums, so damaged parameters fail here as a VaultError;
        # and upper bounds, so a tampered row cannot make a sign-in exhaust memory.
        if (
            parameters.memory_kib < 8 * parameters.lanes
            or len(parameters.salt) < 8
            or parameters.memory_kib > MAX_KDF_MEMORY_KIB
            or parameters.passes > MAX_KDF_PASSES
            or parameters.lanes > MAX_KDF_LANES
        ):
            raise VaultError("unknown key-derivation parameters")
        return parameters


def derive_key(secret: str, parameters: KdfParameters) -> bytes:
    return hash_secret_raw(
        secret=secret.encode(),
        salt=parameters.salt,
        time_cost=parameters.passes,
        memory_cost=parameters.memory_kib,
        parallelism=parameters.lanes,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def wrap_key(wrapping_key: bytes, key: bytes, purpose: str) -> bytes:
    _check_key(key)
    return seal(wrapping_key, bytes(key), f"safetrail/wrapped-key/v1/{purpose}".encode())


def unwrap_key(wrapping_key: bytes, wrapped: bytes, purpose: str) -> bytes:
    key = open_sealed(wrapping_key, wrapped, f"safetrail/wrapped-key/v1/{purpose}".encode())
    if len(key) != KEY_BYTES:
        raise VaultError("a wrapped key has the wrong length")
    return key


# --- sealing to a public key -------------------------------------------------------


@dataclass(frozen=True)
class KeyPair:
    private: bytes
    public: bytes

    @classmethod
    def generate(cls) -> KeyPair:
        private = X25519PrivateKey.generate()
        return cls(
            private=private.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            ),
            public=private.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            ),
        )


def _shared_key(shared_secret: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=ephemeral_public + recipient_public,
        info=_PUBLIC_INFO,
    ).derive(shared_secret)


def seal_to_public(recipient_public: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    if len(recipient_public) != 32:
        raise ValueError("X25519 public keys are 32 bytes")
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    key = _shared_key(shared, ephemeral_public, recipient_public)
    return PUBLIC_SEALED_V1 + ephemeral_public + seal(key, plaintext, associated_data)


def open_from_public(keypair: KeyPair, sealed: bytes, associated_data: bytes) -> bytes:
    sealed = bytes(sealed)
    if len(sealed) < 33 or sealed[:1] != PUBLIC_SEALED_V1:
        raise VaultError("not a sealed value this version understands")
    ephemeral_public = sealed[1:33]
    try:
        private = X25519PrivateKey.from_private_bytes(keypair.private)
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError:
        raise VaultError("the sealed value is damaged") from None
    key = _shared_key(shared, ephemeral_public, keypair.public)
    return open_sealed(key, sealed[33:], associated_data)


def wrap_key_to_public(recipient_public: bytes, key: bytes, purpose: str) -> bytes:
    _check_key(key)
    return seal_to_public(
        recipient_public, bytes(key), f"safetrail/wrapped-key/v1/{purpose}".encode()
    )


def unwrap_key_from_public(keypair: KeyPair, wrapped: bytes, purpose: str) -> bytes:
    key = open_from_public(keypair, wrapped, f"safetrail/wrapped-key/v1/{purpose}".encode())
    if len(key) != KEY_BYTES:
        raise VaultError("a wrapped key has the wrong length")
    return key
