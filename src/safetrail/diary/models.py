"""The diary's tables. Everything a person writes is in a sealed column.

In clear: opaque ids, which case a row belongs to, and the server's own
receipt time (``recorded_at``), which is what makes an entry credible as
written at the time. What happened, when, where, who: all sealed with the
case key (see ``vault.services.record_seal``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class WriteOnceError(Exception):
    """Something tried to change a sealed diary entry in place."""


# What makes an entry credible: what was written, and when the server got it.
WRITE_ONCE_FIELDS = frozenset({"sealed", "recorded_at"})


class WriteOnceQuerySet(models.QuerySet):
    """Refuses every bulk path that could write over an entry's write-once fields."""

    def update(self, **kwargs):  # type: ignore[override]
        if WRITE_ONCE_FIELDS & set(kwargs):
            raise WriteOnceError("diary entries are amended, never overwritten")
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):  # type: ignore[override]
        if WRITE_ONCE_FIELDS & set(fields):
            raise WriteOnceError("diary entries are amended, never overwritten")
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def bulk_create(  # type: ignore[override]
        self,
        objs,
        batch_size=None,
        ignore_conflicts=False,
        update_conflicts=False,
        update_fields=None,
        unique_fields=None,
    ):
        # "INSERT ... ON CONFLICT DO UPDATE" is an update by another name: an
        # existing entry would be overwritten in place. Inserting is fine, and so
        # is skipping a conflict (the existing entry stays as it was).
        if update_conflicts or WRITE_ONCE_FIELDS & set(update_fields or ()):
            raise WriteOnceError("diary entries are amended, never overwritten")
        return super().bulk_create(
            objs,
            batch_size=batch_size,
            ignore_conflicts=ignore_conflicts,
            update_conflicts=update_conflicts,
            update_fields=update_fields,
            unique_fields=unique_fields,
        )


class WriteOnceModel(models.Model):
    """A row whose sealed content is written once, when it is created."""

    objects = WriteOnceQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise WriteOnceError("diary entries are amended, never overwritten")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)


class SealedEntry(WriteOnceModel):
    """A diary entry: an opaque id, the server's receipt time, and sealed content."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recorded_at = models.DateTimeField(default=timezone.now)
    sealed = models.BinaryField()

    class Meta:
        abstract = True


class Case(models.Model):
    """One person who is targeting the user. Its id is also its key's id."""

    id = models.UUIDField(primary_key=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cases"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sealed = models.BinaryField()  # the case's name, as the user calls it

    def __str__(self) -> str:
        return f"case {self.id}"


class SuspectProfile(SealedEntry):
    """What is known about the suspect. Kept as versions: the latest is current.

    Each version is written once; saving the profile adds a new version.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suspect_versions")

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"suspect profile {self.id}"


class Incident(SealedEntry):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="incidents")

    class Meta:
        ordering = ["recorded_at"]

    def __str__(self) -> str:
        return f"incident {self.id}"


class Amendment(SealedEntry):
    """A later addition or correction to an incident, with its reason."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="amendments")

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"amendment {self.id}"


class DailyLifeChange(SealedEntry):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="daily_life_changes")

    def __str__(self) -> str:
        return f"daily life change {self.id}"


class CaseIndex(models.Model):
    """A sealed summary of every incident of a case, so its overview need not open them all.

    One row per case, sealed with the case key like everything else: per
    incident, only what the overview and the risk warnings count (when it
    happened, the behaviours, the section 2A(3) letters, reported, feared
    violence), never what the person wrote in words. It is derived data, not a
    diary entry: it is rewritten in place whenever an incident is written or
    amended (in the same transaction, under the case's row lock), and rebuilt
    from the incidents whenever it is missing, will not open, or counts other
    rows than the database holds (see ``diary.services``). So it is not a
    ``SealedEntry`` and has no write-once guard; the incidents and amendments
    stay the record.

    Cases written before the index existed have no row. It cannot be made by
    a migration, because only the signed-in person's key opens the incidents:
    their overview builds it the first time it is shown.
    """

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, primary_key=True, related_name="index"
    )
    # No time of its own: a rebuild happens when the overview is shown, so a
    # stored time could tell when the person last looked at their diary.
    sealed = models.BinaryField()

    def __str__(self) -> str:
        return f"case index {self.case_id}"


class UnsafeMoment(models.Model):
    """ "I felt unsafe": one tap, which can be turned into an incident later."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="unsafe_moments")
    recorded_at = models.DateTimeField(default=timezone.now)
    sealed = models.BinaryField()
    incident = models.OneToOneField(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"unsafe moment {self.id}"
