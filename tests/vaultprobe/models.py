"""A test-only table that stores records the way every feature will: sealed."""

import uuid

from django.db import models


class ProbeRecord(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    case_id = models.UUIDField()
    sealed = models.BinaryField()
    file_name = models.CharField(max_length=64, blank=True)
    wrapped_file_key = models.BinaryField(null=True)

    class Meta:
        app_label = "vaultprobe"

    def __str__(self) -> str:
        return f"probe record {self.id}"
