"""The evidence locker's tables.

In clear: opaque ids, the case, the server's receipt time, the size, and the
random names of the encrypted files. What a file is, what it was called, its
hash, how it was captured and everything derived from it are sealed with the
case key.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from safetrail.diary.models import Case


class EvidenceItem(models.Model):
    class Kind(models.TextChoices):
        FILE = "file", "file"
        PHYSICAL = "physical", "physical item"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence_items")
    received_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    size = models.BigIntegerField(default=0)
    blob_name = models.CharField(max_length=64, blank=True)
    # What the server recorded on receipt (hash, name, type, the person's account).
    sealed = models.BinaryField()
    # Derived later, kept apart from what was received: metadata, the preview.
    derived = models.BinaryField(null=True, blank=True)
    preview_blob_name = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"evidence item {self.id}"


class CustodyEntry(models.Model):
    """One line of a case's custody log: append-only, each hash covering the one before.

    Sequence, action and time are in clear so the chain can be rebuilt from
    them; the details are sealed. ``entry_hash`` covers all of them.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="custody_entries")
    sequence = models.PositiveIntegerField()
    at = models.DateTimeField()
    action = models.CharField(max_length=40)
    sealed = models.BinaryField()
    entry_hash = models.BinaryField()

    class Meta:
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(fields=["case", "sequence"], name="one_entry_per_place"),
        ]

    def __str__(self) -> str:
        return f"custody entry {self.case_id}/{self.sequence}"
