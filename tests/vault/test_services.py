"""The vault's Django layer: keyrings, content keys, sharing, records and files."""

from __future__ import annotations

import uuid

import pytest

from safetrail.accounts import services as accounts
from safetrail.vault import services as vault
from safetrail.vault.crypto import KdfParameters, VaultError
from safetrail.vault.filestore import FileStore
from safetrail.vault.models import HeldKey, Keyring

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def alice():
    user, account_key, code = accounts.account_create(username="alice", password=PASSWORD)
    return user, account_key, code


@pytest.fixture
def officer():
    user, account_key, _ = accounts.account_create(
        username="pc-jones", password=PASSWORD, role="professional"
    )
    return user, account_key


def seal(key, row_id, case_id, data, table="diary_incident"):
    return vault.record_seal(key=key, table=table, row_id=row_id, case_id=case_id, data=data)


def test_keyring_stores_only_wrapped_keys_with_their_parameters(alice):
    user, account_key, _ = alice
    keyring = Keyring.objects.get(user=user)

    assert account_key not in bytes(keyring.password_wrapped_key)
    assert account_key not in bytes(keyring.recovery_wrapped_key)
    assert KdfParameters.decode(keyring.password_kdf).memory_kib == 8
    assert keyring.password_kdf.startswith("argon2id$v=19$")
    assert (
        KdfParameters.decode(keyring.password_kdf).salt
        != KdfParameters.decode(keyring.recovery_kdf).salt
    )


def test_password_and_recovery_code_both_open_the_same_key(alice):
    user, account_key, code = alice

    assert vault.account_key_from_password(user=user, password=PASSWORD) == account_key
    assert (
        vault.account_key_from_recovery_code(user=user, recovery_code=code.lower()) == account_key
    )
    with pytest.raises(VaultError):
        vault.account_key_from_password(user=user, password=PASSWORD + "x")


def test_keys_wrapped_with_old_parameters_still_open_after_they_are_raised(alice, settings):
    user, account_key, _ = alice
    settings.SAFETRAIL_KDF_MEMORY_KIB = 16
    settings.SAFETRAIL_KDF_PASSES = 2

    vault.keyring_set_password(user=user, account_key=account_key, new_password="new words here")
    keyring = Keyring.objects.get(user=user)

    assert keyring.password_kdf.startswith("argon2id$v=19$m=16,t=2,p=1$")
    assert keyring.recovery_kdf.startswith("argon2id$v=19$m=8,t=1,p=1$")
    assert vault.account_key_from_password(user=user, password="new words here") == account_key


def test_a_record_moved_to_another_row_does_not_open(alice):
    user, account_key, _ = alice
    case_id, case_key = vault.content_key_create(owner=user, account_key=account_key)
    first, second = uuid.uuid4(), uuid.uuid4()
    sealed_first = seal(case_key, first, case_id, {"text": "first"})

    assert vault.record_open(
        key=case_key, table="diary_incident", row_id=first, case_id=case_id, sealed=sealed_first
    ) == {"text": "first"}
    for row_id, other_case, table in (
        (second, case_id, "diary_incident"),
        (first, uuid.uuid4(), "diary_incident"),
        (first, case_id, "diary_suspect"),
    ):
        with pytest.raises(vault.RecordUnreadable):
            vault.record_open(
                key=case_key, table=table, row_id=row_id, case_id=other_case, sealed=sealed_first
            )


def test_a_flipped_byte_is_detected(alice):
    user, account_key, _ = alice
    case_id, case_key = vault.content_key_create(owner=user, account_key=account_key)
    row = uuid.uuid4()
    sealed = bytearray(seal(case_key, row, case_id, {"text": "x"}))
    sealed[20] ^= 1

    with pytest.raises(vault.RecordUnreadable):
        vault.record_open(
            key=case_key, table="diary_incident", row_id=row, case_id=case_id, sealed=bytes(sealed)
        )


def test_sharing_a_case_key_with_a_professional_and_revoking_it(alice, officer):
    user, account_key, _ = alice
    pc, pc_key = officer
    case_id, case_key = vault.content_key_create(owner=user, account_key=account_key)

    vault.content_key_share(key_id=case_id, key=case_key, recipient=pc)

    assert vault.content_key_open(holder=pc, key_id=case_id, account_key=pc_key) == case_key
    assert vault.content_key_revoke(key_id=case_id, holder=pc)
    with pytest.raises(vault.RecordUnreadable):
        vault.content_key_open(holder=pc, key_id=case_id, account_key=pc_key)
    # The owner's own copy cannot be revoked as if it were a share.
    assert not vault.content_key_revoke(key_id=case_id, holder=user)


def test_someone_without_a_copy_cannot_open_a_case_key(alice, officer):
    user, account_key, _ = alice
    pc, pc_key = officer
    case_id, _ = vault.content_key_create(owner=user, account_key=account_key)

    with pytest.raises(vault.RecordUnreadable):
        vault.content_key_open(holder=pc, key_id=case_id, account_key=pc_key)
    # Even with the owner's account key, the officer's lack of a copy stops them.
    with pytest.raises(vault.RecordUnreadable):
        vault.content_key_open(holder=pc, key_id=case_id, account_key=account_key)


def test_destroying_the_keyring_makes_everything_unreadable(alice):
    user, account_key, _ = alice
    vault.content_key_create(owner=user, account_key=account_key)

    vault.keyring_destroy(user=user)

    assert not Keyring.objects.filter(user=user).exists()
    assert not HeldKey.objects.filter(holder=user).exists()
    with pytest.raises(Keyring.DoesNotExist):
        vault.account_key_from_password(user=user, password=PASSWORD)


def test_records_sealed_for_an_account_open_only_with_its_key(alice, officer):
    user, account_key, _ = alice
    pc, pc_key = officer

    sealed = vault.seal_for_account(user=user, data={"network": "203.0.113.x"}, label="test")

    assert vault.open_for_account(user=user, account_key=account_key, sealed=sealed, label="test")
    with pytest.raises(vault.RecordUnreadable):
        vault.open_for_account(user=user, account_key=account_key, sealed=sealed, label="other")
    with pytest.raises(vault.RecordUnreadable):
        vault.open_for_account(user=pc, account_key=pc_key, sealed=sealed, label="test")


def test_file_store_round_trip_and_tamper(tmp_path):
    store = FileStore(tmp_path)
    key = vault.file_key_new()
    data = [b"a" * 100_000, b"b" * 5]

    name, size = store.save_encrypted(key, data, chunk_size=4096)
    path = next(p for p in tmp_path.rglob("*") if p.is_file())
    raw = bytearray(path.read_bytes())

    assert size == 100_005
    assert b"".join(store.read_decrypted(name, key)) == b"".join(data)
    assert not list(tmp_path.rglob(".incoming-*"))
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(VaultError):
        b"".join(store.read_decrypted(name, key))


def test_file_store_leaves_nothing_when_writing_fails(tmp_path):
    store = FileStore(tmp_path)

    def broken_upload():
        yield b"x" * 10_000
        raise OSError("connection reset")

    with pytest.raises(OSError, match="connection reset"):
        store.save_encrypted(vault.file_key_new(), broken_upload())

    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_file_store_refuses_names_that_escape_it(tmp_path):
    store = FileStore(tmp_path)

    for bad in ("../secret", "a/b", "", "x" * 65):
        with pytest.raises(ValueError, match="not a file-store name"):
            store.open_raw(bad)
