"""What the risk tools keep. Everything a person answers or plans is sealed."""

from __future__ import annotations

from django.db import models

from safetrail.diary.models import Case, SealedEntry


class Screening(SealedEntry):
    """One completed checklist: which checklist, every answer, and what was suggested."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="screenings")

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"screening {self.id}"


class StopDate(SealedEntry):
    """ "I asked them to stop": versions, the latest is current (it may be cleared)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stop_dates")

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"stop date {self.id}"


class SafetyPlan(SealedEntry):
    """The safety plan, kept as versions: saving adds one, the latest is current."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="safety_plans")

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"safety plan {self.id}"
