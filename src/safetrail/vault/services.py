"""The vault's API. Every app that stores something a user wrote goes through it.

Keys:
- the **account key** opens everything an account owns; it is stored wrapped
  by the password and by the recovery code, and while signed in it is kept
  wrapped by a random session secret that lives only in the user's cookie;
- a **content key** (one per case) encrypts records and the keys of files; each
  person who may read it holds a wrapped copy (``HeldKey``);
- a **file key** per file encrypts its bytes in chunks (``vault.stream``).

Records are sealed with the table, row id and case id as associated data, so
a ciphertext copied to another row does not open.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from safetrail.vault import crypto
from safetrail.vault.crypto import KdfParameters, KeyPair, VaultError
from safetrail.vault.models import HeldKey, Keyring
from safetrail.vault.recovery import new_recovery_code, normalise

PASSWORD_PURPOSE = "account-key/password"  # noqa: S105 (a label)
RECOVERY_PURPOSE = "account-key/recovery"
PRIVATE_KEY_PURPOSE = "private-key"


class RecordUnreadable(VaultError):
    """A record or file could not be opened. The message is safe to show."""

    message = _(
        "This could not be opened. It may have been changed, or you may need to sign in again."
    )


def _kdf_parameters() -> KdfParameters:
    return KdfParameters.fresh(
        memory_kib=settings.SAFETRAIL_KDF_MEMORY_KIB,
        passes=settings.SAFETRAIL_KDF_PASSES,
        lanes=settings.SAFETRAIL_KDF_LANES,
    )


def _wrap_with_secret(secret: str, account_key: bytes, purpose: str) -> tuple[str, bytes]:
    parameters = _kdf_parameters()
    wrapping_key = crypto.derive_key(secret, parameters)
    return parameters.encode(), crypto.wrap_key(wrapping_key, account_key, purpose)


def _unwrap_with_secret(secret: str, kdf: str, wrapped: bytes, purpose: str) -> bytes:
    wrapping_key = crypto.derive_key(secret, KdfParameters.decode(kdf))
    return crypto.unwrap_key(wrapping_key, bytes(wrapped), purpose)


# --- the account key -------------------------------------------------------------


@transaction.atomic
def keyring_create(*, user: Any, password: str) -> tuple[bytes, str]:
    """Creates the account's keys. Returns the account key and the recovery code.

    The recovery code is not stored anywhere: the caller shows it once.
    """
    account_key = crypto.random_key()
    recovery_code = new_recovery_code()
    password_kdf, password_wrapped = _wrap_with_secret(password, account_key, PASSWORD_PURPOSE)
    recovery_kdf, recovery_wrapped = _wrap_with_secret(recovery_code, account_key, RECOVERY_PURPOSE)
    keypair = KeyPair.generate()
    Keyring.objects.create(
        user=user,
        password_kdf=password_kdf,
        password_wrapped_key=password_wrapped,
        recovery_kdf=recovery_kdf,
        recovery_wrapped_key=recovery_wrapped,
        public_key=keypair.public,
        wrapped_private_key=crypto.seal(
            account_key, keypair.private, f"safetrail/{PRIVATE_KEY_PURPOSE}/{user.pk}".encode()
        ),
    )
    return account_key, recovery_code


def account_key_from_password(*, user: Any, password: str) -> bytes:
    """Raises VaultError when the password does not open the account key."""
    keyring = Keyring.objects.get(user=user)
    return _unwrap_with_secret(
        password, keyring.password_kdf, keyring.password_wrapped_key, PASSWORD_PURPOSE
    )


def waste_a_derivation(secret: str) -> None:
    """Derives and throws away a key at today's cost (for timing that reveals nothing)."""
    crypto.derive_key(secret, _kdf_parameters())


def account_key_from_recovery_code(*, user: Any, recovery_code: str) -> bytes:
    code = normalise(recovery_code)
    if not code:
        raise VaultError("not a recovery code")
    keyring = Keyring.objects.get(user=user)
    return _unwrap_with_secret(
        code, keyring.recovery_kdf, keyring.recovery_wrapped_key, RECOVERY_PURPOSE
    )


def keyring_set_password(*, user: Any, account_key: bytes, new_password: str) -> None:
    """Re-wraps the account key under a new password; the old one opens nothing."""
    kdf, wrapped = _wrap_with_secret(new_password, account_key, PASSWORD_PURPOSE)
    Keyring.objects.filter(user=user).update(password_kdf=kdf, password_wrapped_key=wrapped)


def keyring_new_recovery_code(*, user: Any, account_key: bytes) -> str:
    """Issues a new recovery code; the old one stops working at once."""
    code = new_recovery_code()
    kdf, wrapped = _wrap_with_secret(code, account_key, RECOVERY_PURPOSE)
    Keyring.objects.filter(user=user).update(recovery_kdf=kdf, recovery_wrapped_key=wrapped)
    return code


def keypair_open(*, user: Any, account_key: bytes) -> KeyPair:
    keyring = Keyring.objects.get(user=user)
    private = crypto.open_sealed(
        account_key,
        bytes(keyring.wrapped_private_key),
        f"safetrail/{PRIVATE_KEY_PURPOSE}/{user.pk}".encode(),
    )
    return KeyPair(private=private, public=bytes(keyring.public_key))


def public_key_of(user: Any) -> bytes:
    return bytes(Keyring.objects.values_list("public_key", flat=True).get(user=user))


@transaction.atomic
def keyring_destroy(*, user: Any) -> None:
    """Crypto-shredding: without these rows nothing the account sealed can be opened."""
    HeldKey.objects.filter(holder=user).delete()
    Keyring.objects.filter(user=user).delete()


# --- sealing small things to an account's public key -------------------------------


def seal_for_account(*, user: Any, data: dict[str, Any], label: str) -> bytes:
    """Seals a record that only the account can open, without needing it unlocked.

    Used for what the server learns while the user is away, such as a failed
    sign-in attempt.
    """
    plaintext = json.dumps(data, sort_keys=True).encode()
    return crypto.seal_to_public(public_key_of(user), plaintext, _account_label(user, label))


def open_for_account(*, user: Any, account_key: bytes, sealed: bytes, label: str) -> dict:
    keypair = keypair_open(user=user, account_key=account_key)
    try:
        plaintext = crypto.open_from_public(keypair, bytes(sealed), _account_label(user, label))
    except VaultError:
        raise RecordUnreadable("sealed record did not open") from None
    return json.loads(plaintext)


def _account_label(user: Any, label: str) -> bytes:
    return f"safetrail/account-record/v1/{user.pk}/{label}".encode()


# --- content keys (one per case) ----------------------------------------------------


def _content_purpose(key_id: uuid.UUID | str) -> str:
    return f"content-key/{key_id}"


@transaction.atomic
def content_key_create(*, owner: Any, account_key: bytes) -> tuple[uuid.UUID, bytes]:
    key_id = uuid.uuid4()
    key = crypto.random_key()
    HeldKey.objects.create(
        key_id=key_id,
        holder=owner,
        wrapping=HeldKey.Wrapping.ACCOUNT_KEY,
        wrapped_key=crypto.wrap_key(account_key, key, _content_purpose(key_id)),
    )
    return key_id, key


def content_key_open(*, holder: Any, key_id: uuid.UUID, account_key: bytes) -> bytes:
    """The content key for someone who holds it; RecordUnreadable for anyone else."""
    held = HeldKey.objects.filter(key_id=key_id, holder=holder).first()
    if held is None:
        raise RecordUnreadable("no copy of this key is held by this account")
    try:
        if held.wrapping == HeldKey.Wrapping.ACCOUNT_KEY:
            return crypto.unwrap_key(account_key, bytes(held.wrapped_key), _content_purpose(key_id))
        keypair = keypair_open(user=holder, account_key=account_key)
        return crypto.unwrap_key_from_public(
            keypair, bytes(held.wrapped_key), _content_purpose(key_id)
        )
    except VaultError:
        raise RecordUnreadable("the held key did not open") from None


def content_key_share(*, key_id: uuid.UUID, key: bytes, recipient: Any) -> HeldKey:
    """Gives ``recipient`` a copy of the key, sealed to their public key."""
    wrapped = crypto.wrap_key_to_public(public_key_of(recipient), key, _content_purpose(key_id))
    held, _ = HeldKey.objects.update_or_create(
        key_id=key_id,
        holder=recipient,
        defaults={"wrapping": HeldKey.Wrapping.PUBLIC_KEY, "wrapped_key": wrapped},
    )
    return held


def content_key_revoke(*, key_id: uuid.UUID, holder: Any) -> bool:
    deleted, _ = HeldKey.objects.filter(
        key_id=key_id, holder=holder, wrapping=HeldKey.Wrapping.PUBLIC_KEY
    ).delete()
    return bool(deleted)


def content_key_destroy(*, key_id: uuid.UUID) -> None:
    """Every copy goes: what the key sealed can never be opened again."""
    HeldKey.objects.filter(key_id=key_id).delete()


# --- records -------------------------------------------------------------------------


def record_seal(
    *, key: bytes, table: str, row_id: uuid.UUID | str, case_id: uuid.UUID | str, data: dict
) -> bytes:
    return crypto.seal_record(key, data, crypto.record_context(table, str(row_id), str(case_id)))


def record_open(
    *, key: bytes, table: str, row_id: uuid.UUID | str, case_id: uuid.UUID | str, sealed: bytes
) -> dict[str, Any]:
    try:
        return crypto.open_record(
            key, bytes(sealed), crypto.record_context(table, str(row_id), str(case_id))
        )
    except (VaultError, ValueError):
        raise RecordUnreadable("record did not open") from None


# --- keys inside records (file keys) ----------------------------------------------------


def file_key_new() -> bytes:
    return crypto.random_key()


def file_key_wrap(*, content_key: bytes, file_key: bytes, file_id: uuid.UUID | str) -> bytes:
    return crypto.wrap_key(content_key, file_key, f"file-key/{file_id}")


def file_key_unwrap(*, content_key: bytes, wrapped: bytes, file_id: uuid.UUID | str) -> bytes:
    try:
        return crypto.unwrap_key(content_key, bytes(wrapped), f"file-key/{file_id}")
    except VaultError:
        raise RecordUnreadable("file key did not open") from None
