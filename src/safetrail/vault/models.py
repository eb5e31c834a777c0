"""What the vault keeps in the database: only wrapped keys and public keys.

No row here can be used without a secret the server does not hold: the
user's password, their recovery code, or the session secret in their cookie.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Keyring(models.Model):
    """One per account: the account key, wrapped twice, and the account's key pair."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="keyring"
    )
    password_kdf = models.CharField(max_length=200)
    password_wrapped_key = models.BinaryField()
    recovery_kdf = models.CharField(max_length=200)
    recovery_wrapped_key = models.BinaryField()
    # X25519: anyone may seal to the public key (a case shared with this
    # person, a sign-in record); only the account key opens the private key.
    public_key = models.BinaryField()
    wrapped_private_key = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"keyring of account {self.user_id}"


class HeldKey(models.Model):
    """A content key (such as a case key) wrapped for one person who may use it.

    The owner's copy is wrapped by their account key; a copy shared with a
    professional is sealed to that professional's public key. Deleting the row
    takes that person's access away.
    """

    class Wrapping(models.TextChoices):
        ACCOUNT_KEY = "account", "account key"
        PUBLIC_KEY = "public", "public key"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key_id = models.UUIDField(db_index=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="held_keys"
    )
    wrapping = models.CharField(max_length=10, choices=Wrapping.choices)
    wrapped_key = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_id", "holder"], name="one_copy_per_holder"),
        ]

    def __str__(self) -> str:
        return f"key {self.key_id} held by account {self.holder_id}"
