"""Street Safe's operations: what the views, the API and the commands call.

Reporting is anonymous (see limits.py and models.py for what is and is not
kept). Everything that changes what counts writes the rollups in the same
transaction (rollups.py). What the public sees passes the k-threshold here,
in one place: ``public_cells``.
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, F, Max, Min, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from safetrail.streetsafe import area, cells, domain, hotspots, limits, redaction, rollups
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import (
    AreaAction,
    Cell,
    CellDay,
    ModerationAction,
    NoteState,
    Report,
)

NOTE_MAX_LENGTH = 500
NEARBY_METRES = 200
NEARBY_DAYS = 30
NEARBY_LIMIT = 5
NEARBY_ROUNDING = 100  # metres: coarse, so no one report can be placed by probing
ANALYST_RESOLUTIONS = (7, 8, 9, 10)


class ReportRefused(Exception):
    """A report was not accepted; ``reason`` says why in a form a view can explain."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- reporting ---------------------------------------------------------------------------------


@dataclass
class Draft:
    """A report as the form gathered it, before it is stored."""

    point: Point
    located_by: str
    reasons: list[str]
    when: str
    band: str = ""
    day: date | None = None
    safer: list[str] = field(default_factory=list)
    note: str = ""
    age_band: str = ""
    gender: str = ""
    ethnic_group: str = ""
    disability: str = ""


def today() -> date:
    return timezone.localdate()


def band_still_to_come(when: str, day: date | None, band: str) -> bool:
    """Whether a report says it happened today in a time of day that has not come yet."""
    on_today = when == domain.WHEN_EARLIER_TODAY or (
        when == domain.WHEN_ANOTHER_DAY and day == today()
    )
    if not on_today or band not in domain.BAND_BY_CODE:
        return False
    current = domain.band_at(timezone.localtime().time())
    return domain.BAND_BY_CODE[band].number > current.number


def when_to_day_and_band(draft: Draft) -> tuple[date, int]:
    now = timezone.localtime()
    if draft.when == domain.WHEN_NOW:
        return now.date(), domain.band_at(now.time()).number
    band = domain.BAND_BY_CODE[draft.band].number
    if draft.when == domain.WHEN_EARLIER_TODAY:
        return now.date(), band
    if draft.day is None:
        raise ValueError("another day needs a date")
    return draft.day, band


def report_create(
    draft: Draft,
    *,
    address: str,
    verified: bool,
    same_as: Any = None,
    received_on: date | None = None,
    proof_level: int = 0,
) -> Report:
    """Store one report and count it in, or raise ReportRefused.

    ``proof_level`` is the level of the solved challenge (limits.py asks
    for a harder one after many reports from one address).
    ``received_on`` (default today) lets tests build reports that arrived
    over many days. The web form and the API never pass it: a sender cannot
    choose it, which is what makes the k rule's days mean something.
    """
    if not draft.reasons:
        raise ReportRefused("no_reasons")
    day, band = when_to_day_and_band(draft)
    note = redaction.redact(draft.note.strip()[:NOTE_MAX_LENGTH])
    with transaction.atomic():
        point = draft.point
        located_by = draft.located_by
        original = None
        if same_as is not None:
            original = Report.objects.filter(id=same_as, hidden=False).select_for_update().first()
            if original is None:
                raise ReportRefused("same_as_gone")
            # The same place: the original's cells, and its point (no new one).
            point = Point(original.latitude, original.longitude) if original.latitude else point
            located_by = original.located_by
        if not cells.valid_point(point.latitude, point.longitude):
            raise ReportRefused("bad_point")
        # Counted only once the report itself is sound: a report refused for
        # its content must not use up, or raise the level of, its address.
        verdict = limits.take(address, verified=verified, level=proof_level)
        if not verdict.allowed:
            raise ReportRefused(f"limit_{verdict.reason}")
        cell_ids = (
            {resolution: original.cell(resolution) for resolution in cells.RESOLUTIONS}
            if original
            else cells.cells_for(point)
        )
        report = Report(
            id=uuid.uuid4(),
            received_on=received_on or today(),
            happened_on=day,
            band=band,
            when=draft.when,
            reasons=domain.mask_of(draft.reasons, domain.REASONS),
            safer=domain.mask_of(draft.safer, domain.SAFER),
            note=note,
            note_state=NoteState.PENDING if note else NoteState.NONE,
            age_band=draft.age_band,
            gender=draft.gender,
            ethnic_group=draft.ethnic_group,
            disability=draft.disability,
            located_by=located_by,
            latitude=None if original else point.latitude,
            longitude=None if original else point.longitude,
            same_as=original,
            verified=verified,
            **{f"cell_{resolution}": cell for resolution, cell in cell_ids.items()},
        )
        _insert(report)
        rollups.apply(report, 1)
    return report


_REPORT_FIELDS = Report._meta.concrete_fields


@functools.cache
def _insert_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in _REPORT_FIELDS)
    holes = ", ".join(["%s"] * len(_REPORT_FIELDS))
    # The table and column names are the model's own; the values are parameters.
    return f"INSERT INTO {quote(Report._meta.db_table)} ({columns}) VALUES ({holes})"  # noqa: S608


def _insert(report: Report) -> None:
    """``report.save(force_insert=True)``, as one plain INSERT.

    Every report goes through here, and the ORM's save is a noticeable part of
    a report's cost to the server (bench/streetsafe.py). The values are
    prepared by each field, as the ORM would.
    """
    values = [
        field.get_db_prep_save(field.pre_save(report, True), connection) for field in _REPORT_FIELDS
    ]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor), values)
    report._state.adding = False
    report._state.db = connection.alias


@dataclass(frozen=True)
class Nearby:
    id: uuid.UUID
    metres: int
    reasons: list
    happened: str  # "this week", "2 weeks ago"...: never an exact date
    me_too: int


def nearby(point: Point, *, metres: int = NEARBY_METRES) -> list[Nearby]:
    """Recent visible reports close to ``point``, nearest first, for "is it the same place?".

    Shown to anyone about to report, without sending anything, so only
    reports in an area the public map already shows (the k rule) are
    offered: otherwise anyone could probe a street for one person's report.
    Each is described only roughly: its distance to the nearest 100 m, its
    reasons and how many weeks ago.
    """
    if not cells.valid_point(point.latitude, point.longitude):
        return []
    here = cells.cells_for(point)[9]
    since = today() - timedelta(days=NEARBY_DAYS)
    candidates = (
        Report.objects.filter(
            cell_9__in=cells.ring(here, 2),
            received_on__gte=since,
            hidden=False,
            same_as__isnull=True,
            latitude__isnull=False,
        )
        .annotate(supporters=Count("me_too", filter=Q(me_too__hidden=False)))
        .order_by("-received_on")[:200]
    )
    candidates = list(candidates)
    public_resolution = settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION
    public = public_among({report.cell(public_resolution) for report in candidates})
    found = []
    for report in candidates:
        if report.cell(public_resolution) not in public:
            continue
        distance = cells.distance_metres(point, Point(report.latitude, report.longitude))
        if distance <= metres:
            found.append((distance, report))
    found.sort(key=lambda item: item[0])
    return [
        Nearby(
            id=report.id,
            metres=max(NEARBY_ROUNDING, round(distance / NEARBY_ROUNDING) * NEARBY_ROUNDING),
            reasons=report.reason_labels,
            happened=_weeks_ago(report.happened_on),
            me_too=report.supporters,
        )
        for distance, report in found[:NEARBY_LIMIT]
    ]


def _weeks_ago(day: date) -> str:
    weeks = (today() - day).days // 7
    return str(weeks)


def nearby_ids(point: Point) -> set[str]:
    return {str(item.id) for item in nearby(point)}


# --- the public map ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicCell:
    cell: str
    latitude: float
    longitude: float
    reports: int
    first_month: date
    last_month: date
    boundary: list[tuple[float, float]]
    actions: list[AreaAction]


@dataclass(frozen=True)
class Viewport:
    south: float
    west: float
    north: float
    east: float


def public_cells(viewport: Viewport | None = None) -> list[PublicCell]:
    """Cells anyone may see: at least k reports from k different days, dates to the month.

    k and the resolution are the deployment's (SAFETRAIL_STREETSAFE_K,
    SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION). Counts are of visible reports only.
    """
    k = settings.SAFETRAIL_STREETSAFE_K
    resolution = settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION
    rows = Cell.objects.filter(resolution=resolution, total__gte=k, days__gte=k)
    if viewport is not None:
        rows = rows.filter(
            latitude__gte=viewport.south,
            latitude__lte=viewport.north,
            longitude__gte=viewport.west,
            longitude__lte=viewport.east,
        )
    actions = public_actions_by_cell()
    return [
        PublicCell(
            cell=row.cell,
            latitude=row.latitude,
            longitude=row.longitude,
            reports=row.total,
            first_month=row.first_day.replace(day=1),
            last_month=row.last_day.replace(day=1),
            boundary=cells.boundary(row.cell),
            actions=actions.get(row.cell, []),
        )
        for row in rows.order_by("-total", "cell")
    ]


def public_actions_by_cell() -> dict[str, list[AreaAction]]:
    """Public actions, each under its cell at the public resolution (or coarser).

    Only in areas the public map shows (the k rule): an action marked in a
    quieter place would point at the few reports that led to it.
    """
    resolution = settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION
    placed = [
        (public_cell_of(action.cell, resolution), action)
        for action in AreaAction.objects.filter(public=True)
    ]
    shown = public_among({cell for cell, _ in placed})
    found: dict[str, list[AreaAction]] = defaultdict(list)
    for cell, action in placed:
        if cell in shown:
            found[cell].append(action)
    return dict(found)


def public_cell_of(cell: str, resolution: int) -> str:
    import h3

    if cells.resolution_of(cell) > resolution:
        return h3.cell_to_parent(cell, resolution)
    return cell


def public_actions() -> list[dict[str, Any]]:
    """What the public map lists as "action taken here": see public_actions_by_cell."""
    return [
        {
            "action": action,
            "cell": cell,
            "boundary": cells.boundary(cell),
            "month": action.taken_on.replace(day=1),
        }
        for cell, actions in public_actions_by_cell().items()
        for action in actions
    ]


# --- moderation --------------------------------------------------------------------------------


def moderation_queue() -> QuerySet[Report]:
    return Report.objects.filter(note_state=NoteState.PENDING).order_by("received_on", "id")


def moderation_recent() -> QuerySet[ModerationAction]:
    return ModerationAction.objects.select_related("report", "moderator")[:100]


def moderate(*, report_id: Any, moderator, kind: str, reason: str = "") -> Report:
    """One moderator action, logged, with the rollups kept in step."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(id=report_id)
        if kind == ModerationAction.Kind.HIDDEN:
            if not report.hidden:
                report.hidden = True
                rollups.apply(report, -1)
        elif kind == ModerationAction.Kind.SHOWN:
            if report.hidden:
                report.hidden = False
                rollups.apply(report, 1)
        elif kind == ModerationAction.Kind.NOTE_REMOVED:
            report.note = ""
            report.note_state = NoteState.REVIEWED
        elif kind == ModerationAction.Kind.REVIEWED:
            if report.note_state == NoteState.PENDING:
                report.note_state = NoteState.REVIEWED
        else:
            raise ValueError(f"unknown moderation action {kind!r}")
        report.save(update_fields=["hidden", "note", "note_state"])
        ModerationAction.objects.create(
            report=report, moderator=moderator, kind=kind, reason=reason[:500]
        )
    return report


# --- analysts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    resolution: int = 8
    reason: str = ""
    band: str = ""
    weekday: int | None = None  # ISO: 1 Monday ... 7 Sunday
    since: date | None = None
    until: date | None = None

    def rows(self) -> QuerySet[CellDay]:
        rows = CellDay.objects.filter(resolution=self.resolution)
        if self.band:
            rows = rows.filter(band=domain.BAND_BY_CODE[self.band].number)
        if self.weekday:
            rows = rows.filter(day__iso_week_day=self.weekday)
        if self.since:
            rows = rows.filter(day__gte=self.since)
        if self.until:
            rows = rows.filter(day__lte=self.until)
        return rows

    @property
    def measure(self) -> str:
        return f"r_{self.reason}" if self.reason else "total"


def cell_counts(filters: Filters) -> dict[str, int]:
    measure = filters.measure
    rows = (
        filters.rows()
        .values("cell")
        .annotate(count=Sum(measure))
        .filter(count__gt=0)
        .values_list("cell", "count")
    )
    return dict(rows)


def cell_table(filters: Filters) -> list[dict[str, Any]]:
    counts = cell_counts(filters)
    spans = {
        row["cell"]: row
        for row in filters.rows()
        .filter(**{f"{filters.measure}__gt": 0})
        .values("cell")
        .annotate(first=Min("day"), last=Max("day"), days=Count("day", distinct=True))
    }
    table = []
    for cell, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        middle = cells.centre(cell)
        span = spans.get(cell, {})
        table.append(
            {
                "cell": cell,
                "count": count,
                "days": span.get("days", 0),
                "first": span.get("first"),
                "last": span.get("last"),
                "latitude": middle.latitude,
                "longitude": middle.longitude,
            }
        )
    return table


def trend(filters: Filters, *, by: str = "week") -> list[tuple[date, int]]:
    """Reports per week (or month) under the filters, counted once each (at resolution 7)."""
    coarse = Filters(
        resolution=cells.RESOLUTIONS[0],
        reason=filters.reason,
        band=filters.band,
        weekday=filters.weekday,
        since=filters.since,
        until=filters.until,
    )
    truncate = TruncMonth if by == "month" else TruncWeek
    rows = (
        coarse.rows()
        .annotate(period=truncate("day"))
        .values("period")
        .annotate(count=Sum(F(coarse.measure)))
        .order_by("period")
    )
    return [(_as_date(row["period"]), row["count"]) for row in rows if row["count"]]


def _as_date(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def hotspot_scores(
    filters: Filters, *, distance: int = 1, false_discovery_rate: float = 0.05
) -> list[hotspots.CellScore]:
    # Tested against the deployment's whole area, empty cells included.
    return hotspots.find(
        cell_counts(filters),
        distance=distance,
        false_discovery_rate=false_discovery_rate,
        area=area.cells_covering(filters.resolution),
    )


def action_record(
    *, cell: str, kind: str, description: str, taken_on: date, public: bool, recorded_by
) -> AreaAction:
    if not cells.is_valid(cell):
        raise ValueError("not a cell")
    return AreaAction.objects.create(
        cell=cell,
        resolution=cells.resolution_of(cell),
        kind=kind,
        # It may be published: phone numbers, emails, plates and names after a
        # cue go, as in reporters' notes.
        description=redaction.redact(description.strip())[:300],
        taken_on=taken_on,
        public=public,
        recorded_by=recorded_by,
    )


def points_for_analysts(filters: Filters) -> QuerySet[Report]:
    """Exact points, only within the retention period, only visible originals."""
    since = today() - timedelta(days=settings.SAFETRAIL_STREETSAFE_RETENTION_DAYS)
    rows = Report.objects.filter(hidden=False, latitude__isnull=False, received_on__gte=since)
    if filters.since:
        rows = rows.filter(happened_on__gte=filters.since)
    if filters.until:
        rows = rows.filter(happened_on__lte=filters.until)
    if filters.band:
        rows = rows.filter(band=domain.BAND_BY_CODE[filters.band].number)
    if filters.weekday:
        rows = rows.filter(happened_on__iso_week_day=filters.weekday)
    if filters.reason:
        bit = domain.REASON_BY_CODE[filters.reason].bit
        rows = rows.annotate(has=F("reasons").bitand(bit)).filter(has__gt=0)
    return rows.annotate(supporters=Count("me_too", filter=Q(me_too__hidden=False))).order_by(
        "-happened_on", "id"
    )


def purge(*, before: date | None = None) -> int:
    """Clear exact points and notes older than the retention period. Returns reports changed."""
    cutoff = before or today() - timedelta(days=settings.SAFETRAIL_STREETSAFE_RETENTION_DAYS)
    old = Report.objects.filter(received_on__lt=cutoff).filter(
        Q(latitude__isnull=False) | ~Q(note="")
    )
    return old.update(latitude=None, longitude=None, note="", note_state=NoteState.NONE)


# --- benchmark/analyst viewport ----------------------------------------------------------------


def cells_in_viewport(resolution: int, viewport: Viewport) -> list[dict[str, Any]]:
    """Every cell at ``resolution`` whose centre is in ``viewport``, with its all-time counts.

    For analysts (no k-threshold: the caller checks the role) and for
    bench/streetsafe.py, which times it. Reads only the ``Cell`` rollup, through
    its (resolution, latitude, longitude) index, so the cost follows the cells
    in view, not the reports behind them. Each cell comes with its outline, as
    a map needs it.
    """
    if resolution not in cells.RESOLUTIONS:
        raise ValueError(f"resolution must be one of {cells.RESOLUTIONS}")
    rows = (
        Cell.objects.filter(
            resolution=resolution,
            latitude__gte=viewport.south,
            latitude__lte=viewport.north,
            longitude__gte=viewport.west,
            longitude__lte=viewport.east,
            total__gt=0,
        )
        .order_by("-total", "cell")
        .values_list("cell", "latitude", "longitude", "total", "days", "first_day", "last_day")
    )
    return [
        {
            "cell": cell,
            "latitude": latitude,
            "longitude": longitude,
            "reports": total,
            "days": days,
            "first_day": first_day,
            "last_day": last_day,
            "boundary": cells.boundary(cell),
        }
        for cell, latitude, longitude, total, days, first_day, last_day in rows
    ]


# --- moderation and analyst pages ----------------------------------------------------------------
# (Appended for views_moderation.py and views_analysis.py; nothing above is changed.)


def moderation_log() -> QuerySet[ModerationAction]:
    """Every moderator action, newest first (the log page pages through it)."""
    return ModerationAction.objects.select_related("moderator").order_by("-at", "-id")


def top_cells(resolution: int, limit: int = 10) -> QuerySet[Cell]:
    """The cells with the most visible reports, all time, from the rollup (no report scan)."""
    return Cell.objects.filter(resolution=resolution, total__gt=0).order_by("-total", "cell")[
        :limit
    ]


def action_set_public(*, action_id: Any, public: bool, by) -> AreaAction:
    """Show an action on the public map or take it off. Logged with who did it (no address)."""
    import logging

    with transaction.atomic():
        action = AreaAction.objects.select_for_update().get(id=action_id)
        if action.public != public:
            action.public = public
            action.save(update_fields=["public"])
            logging.getLogger("safetrail.streetsafe").info(
                "area action %s %s the public map by user %s",
                action.id,
                "put on" if public else "taken off",
                getattr(by, "pk", None),
            )
    return action


# --- Street Safe: map (the public map's table and count, views_public.py) -----------------------
# (Appended; nothing above is changed.)

PUBLIC_ORDERS: dict[str, tuple[str, ...]] = {
    # Dates sort by month only, so the order of two areas cannot hint at a day.
    "reports": ("-total", "cell"),
    "first": ("first_month", "cell"),
    "last": ("-last_month", "cell"),
    "area": ("cell",),
}


def public_cell_rows(order: str = "reports") -> QuerySet[Cell]:
    """The rows ``public_cells`` shows (the same k rule), sorted in the database.

    For counting and paging a long table without building every hexagon;
    turn a page of them into PublicCells with ``public_cells_from``.
    """
    k = settings.SAFETRAIL_STREETSAFE_K
    resolution = settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION
    return (
        Cell.objects.filter(resolution=resolution, total__gte=k, days__gte=k)
        .annotate(first_month=TruncMonth("first_day"), last_month=TruncMonth("last_day"))
        .order_by(*PUBLIC_ORDERS[order])
    )


def public_among(cell_ids: set[str]) -> set[str]:
    """Those of these public-resolution cells that the public map shows (the k rule)."""
    return set(public_cell_rows().filter(cell__in=cell_ids).values_list("cell", flat=True))


def public_cells_from(rows: Any) -> list[PublicCell]:
    actions = public_actions_by_cell()
    return [
        PublicCell(
            cell=row.cell,
            latitude=row.latitude,
            longitude=row.longitude,
            reports=row.total,
            first_month=row.first_day.replace(day=1),
            last_month=row.last_day.replace(day=1),
            boundary=cells.boundary(row.cell),
            actions=actions.get(row.cell, []),
        )
        for row in rows
    ]


# --- every report, for moderators (views_moderation.reports) ----------------------------------

VISIBILITY_ALL = "all"
VISIBILITY_HIDDEN = "hidden"
VISIBILITY_VISIBLE = "visible"


@dataclass(frozen=True)
class ReportFilters:
    """What the moderators' list of recent reports is narrowed to.

    ``area`` is a cell at the public resolution: moderators see reports by area,
    never by point, as on a report's own page.
    """

    area: str = ""
    since: date | None = None  # received on or after
    until: date | None = None  # received on or before
    visibility: str = VISIBILITY_ALL
    unverified_only: bool = False


def moderation_reports(filters: ReportFilters | None = None) -> QuerySet[Report]:
    """Every report, with or without a note, newest arrival first, under the filters.

    So a moderator can find and hide a run of reports that make a place look
    dangerous, which carry no note and so never reach the queue. The area and
    the day it arrived are indexed columns. Each row carries ``area`` (its cell
    at the public resolution) and ``has_note``; the point and the note itself
    are not read.
    """
    filters = filters or ReportFilters()
    column = f"cell_{settings.SAFETRAIL_STREETSAFE_PUBLIC_RESOLUTION}"
    rows = Report.objects.all()
    if filters.area:
        rows = rows.filter(**{column: filters.area})
    if filters.since:
        rows = rows.filter(received_on__gte=filters.since)
    if filters.until:
        rows = rows.filter(received_on__lte=filters.until)
    if filters.visibility == VISIBILITY_HIDDEN:
        rows = rows.filter(hidden=True)
    elif filters.visibility == VISIBILITY_VISIBLE:
        rows = rows.filter(hidden=False)
    if filters.unverified_only:
        rows = rows.filter(verified=False)
    return (
        rows.only(
            "id",
            "received_on",
            "happened_on",
            "band",
            "reasons",
            "hidden",
            "verified",
            "same_as",
            "note_state",
        )
        .annotate(
            area=F(column),
            has_note=Case(When(note="", then=Value(False)), default=Value(True)),
        )
        .order_by("-received_on", "id")
    )
