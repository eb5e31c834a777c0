"""Street Safe's tables: reports, the rollups the maps read, and what people did.

A report holds no account, no address, no time of day finer than a six-hour
band, and its id is random. The exact point is kept for analysts only, for the
retention period the deployment sets (``safetrail streetsafe-purge`` clears it
after that); the H3 cells stay, so counts survive the purge.

``Cell``, ``CellDay`` and ``CellDayTotal`` are rollups kept in step with
visible reports in the same transaction as every insert, hide or unhide
(``rollups.py``), so a map view never reads raw reports.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safetrail.streetsafe import domain


class NoteState(models.TextChoices):
    NONE = "none", _("No note")
    PENDING = "pending", _("Waiting for a moderator")
    REVIEWED = "reviewed", _("Reviewed")


class Report(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The server's date of receipt: no time, so a report cannot be matched to
    # a moment in anyone's logs.
    received_on = models.DateField()
    happened_on = models.DateField()
    band = models.PositiveSmallIntegerField()
    when = models.CharField(max_length=16, choices=domain.WHEN_CHOICES)
    reasons = models.PositiveIntegerField()
    safer = models.PositiveIntegerField(default=0)
    # Redacted on receipt (phone numbers, emails, number plates, names); never
    # published; cleared with the point at the end of the retention period.
    note = models.TextField(blank=True)
    note_state = models.CharField(max_length=10, choices=NoteState.choices, default=NoteState.NONE)
    age_band = models.CharField(max_length=10, blank=True, choices=domain.AGE_BANDS)
    gender = models.CharField(max_length=12, blank=True, choices=domain.GENDERS)
    ethnic_group = models.CharField(max_length=10, blank=True, choices=domain.ETHNIC_GROUPS)
    disability = models.CharField(max_length=3, blank=True, choices=domain.DISABILITY)
    located_by = models.CharField(max_length=12, choices=domain.LOCATED_BY)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    # Indexed by Meta.indexes below, not db_index: PostgreSQL would get a second,
    # pattern-matching index for each, which no query uses and every insert pays for.
    cell_7 = models.CharField(max_length=15)
    cell_8 = models.CharField(max_length=15)
    cell_9 = models.CharField(max_length=15)
    cell_10 = models.CharField(max_length=15)
    # "Me too": the same place as an earlier report. It counts as a report of
    # its own (its own reasons and day) but adds no new point.
    same_as = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="me_too"
    )
    # Whether the sender's browser solved the proof-of-work challenge.
    verified = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["received_on"], name="streetsafe_report_received"),
            models.Index(fields=["note_state"], name="streetsafe_report_note_state"),
            *(
                models.Index(
                    fields=[f"cell_{resolution}"], name=f"streetsafe_report_cell_{resolution}"
                )
                for resolution in (7, 8, 9, 10)
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.id}"

    def cell(self, resolution: int) -> str:
        return getattr(self, f"cell_{resolution}")

    @property
    def reason_codes(self) -> list[str]:
        return domain.codes_in(self.reasons, domain.REASONS)

    @property
    def reason_labels(self) -> list:
        return domain.labels_in(self.reasons, domain.REASONS)

    @property
    def safer_labels(self) -> list:
        return domain.labels_in(self.safer, domain.SAFER)

    @property
    def band_label(self):
        return domain.BAND_BY_NUMBER[self.band].label


class Cell(models.Model):
    """All-time counts of visible reports in one cell at one resolution.

    ``days`` counts the days reports arrived on (the k-threshold's days);
    ``first_day`` and ``last_day`` are the days they say it happened.
    """

    resolution = models.PositiveSmallIntegerField()
    cell = models.CharField(max_length=15)
    latitude = models.FloatField()
    longitude = models.FloatField()
    total = models.IntegerField(default=0)
    days = models.IntegerField(default=0)
    first_day = models.DateField()
    last_day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resolution", "cell"], name="streetsafe_cell_unique")
        ]
        indexes = [
            models.Index(
                fields=["resolution", "latitude", "longitude"], name="streetsafe_cell_viewport"
            )
        ]

    def __str__(self) -> str:
        return f"cell {self.cell} (resolution {self.resolution})"


class CellDay(models.Model):
    """Visible reports in one cell on one day in one time-of-day band, by reason."""

    resolution = models.PositiveSmallIntegerField()
    cell = models.CharField(max_length=15)
    day = models.DateField()
    band = models.PositiveSmallIntegerField()
    total = models.IntegerField(default=0)
    r_no_cctv = models.IntegerField(default=0)
    r_badly_lit = models.IntegerField(default=0)
    r_isolated = models.IntegerField(default=0)
    r_blind_spots = models.IntegerField(default=0)
    r_restricted_view = models.IntegerField(default=0)
    r_run_down = models.IntegerField(default=0)
    r_drugs_alcohol = models.IntegerField(default=0)
    r_place_other = models.IntegerField(default=0)
    r_harassed_one = models.IntegerField(default=0)
    r_harassed_group = models.IntegerField(default=0)
    r_followed = models.IntegerField(default=0)
    r_harassment_other = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resolution", "cell", "day", "band"], name="streetsafe_cellday_unique"
            )
        ]
        indexes = [models.Index(fields=["resolution", "day"], name="streetsafe_cellday_day")]

    def __str__(self) -> str:
        return f"cell {self.cell} on {self.day}"


class CellDayTotal(models.Model):
    """Visible reports in one cell that arrived on one day.

    It decides when a cell gains or loses a day (the k-threshold counts
    days): a day counts while its total is above 0. The day is the server's
    day of receipt, not the day the sender says it happened, so one sender
    cannot reach k days in one sitting. Its key is the day itself, so two
    writers adding the first report of a day to a cell queue on that one
    row, and exactly one of them sees a total of 1.
    """

    pk = models.CompositePrimaryKey("resolution", "cell", "day")
    resolution = models.PositiveSmallIntegerField()
    cell = models.CharField(max_length=15)
    day = models.DateField()
    total = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"cell {self.cell} on {self.day}: {self.total}"


REASON_COLUMNS = tuple(f"r_{reason.code}" for reason in domain.REASONS)


class ModerationAction(models.Model):
    """Every moderator action, kept: who, what, to which report, and why."""

    class Kind(models.TextChoices):
        REVIEWED = "reviewed", _("Marked as reviewed")
        HIDDEN = "hidden", _("Hidden")
        SHOWN = "shown", _("Shown again")
        NOTE_REMOVED = "note_removed", _("Note removed")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="moderation")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.report_id}"


class AreaAction(models.Model):
    """What was done about an area, recorded by an analyst and shown on the public map."""

    class Kind(models.TextChoices):
        PATROLS = "patrols", _("Patrols")
        LIGHTING = "lighting", _("Lighting repaired or added")
        CCTV = "cctv", _("CCTV")
        CLEARED = "cleared", _("Bushes cut back or area cleared")
        REPAIRED = "repaired", _("Repairs or a clean-up")
        COUNCIL = "council", _("Referred to the council")
        OTHER = "other", _("Something else")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cell = models.CharField(max_length=15, db_index=True)
    resolution = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Public: shown on the map beside "action taken here".
    description = models.CharField(max_length=300)
    taken_on = models.DateField()
    public = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.kind} in {self.cell}"


class PoliceCrimeImport(models.Model):
    """One imported data.police.uk street-level crime file."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.IntegerField(default=0)
    skipped = models.IntegerField(default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    imported_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.file_name


class PoliceCrime(models.Model):
    """A street-level crime from data.police.uk: already anonymised by the police (snapped
    points, month only)."""

    source = models.ForeignKey(PoliceCrimeImport, on_delete=models.CASCADE, related_name="crimes")
    crime_id = models.CharField(max_length=64, blank=True)
    month = models.DateField()
    crime_type = models.CharField(max_length=100)
    latitude = models.FloatField()
    longitude = models.FloatField()
    location = models.CharField(max_length=200, blank=True)
    # Indexed by Meta.indexes below, not db_index: PostgreSQL would get a second,
    # pattern-matching index for each, which no query uses and every insert pays for.
    cell_7 = models.CharField(max_length=15)
    cell_8 = models.CharField(max_length=15)
    cell_9 = models.CharField(max_length=15)
    cell_10 = models.CharField(max_length=15)

    class Meta:
        indexes = [
            models.Index(fields=[f"cell_{resolution}"], name=f"streetsafe_crime_cell_{resolution}")
            for resolution in (7, 8, 9, 10)
        ]

    def __str__(self) -> str:
        return f"{self.crime_type} {self.month:%Y-%m}"


class ReportDraft(models.Model):
    """Answers given so far by someone who has not sent their report yet.

    Sealed with a key that only the reporter's page address holds (draft.py):
    the server cannot read a draft on its own. No address, no account.
    Deleted with the report's insert, or two hours after the last step.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sealed = models.BinaryField()
    # To the minute: only for clearing old drafts.
    updated_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"draft {self.id}"
