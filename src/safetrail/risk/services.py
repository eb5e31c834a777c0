"""Risk actions: screenings, the stop date, warnings and the safety plan.

Everything is sealed with the case key through the vault, like the diary.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import models
from django.utils import timezone

from safetrail.diary import services as diary
from safetrail.diary.case_index import IndexedIncident
from safetrail.diary.services import OpenCase
from safetrail.risk import checklist as checklists
from safetrail.risk import escalation, facts, suggestions
from safetrail.risk.models import SafetyPlan, Screening, StopDate

# The factors that, with "very frightened", call for the immediate-danger message.
DANGER_FACTORS = frozenset({"threats", "violence_now"})


@dataclass(frozen=True)
class ScreeningResult:
    id: uuid.UUID
    recorded_at: datetime
    checklist_key: str
    checklist_version: int
    answers: dict[str, str]
    present: tuple[str, ...]
    suggested: dict[str, int]

    @property
    def present_count(self) -> int:
        return len(self.present)

    @property
    def in_danger(self) -> bool:
        return "very_frightened" in self.present and bool(DANGER_FACTORS & set(self.present))


def _seal(open_case: OpenCase, table: str, row_id: uuid.UUID, data: dict) -> bytes:
    return open_case.seal(table, row_id, data)


def _open(open_case: OpenCase, table: str, row_id: uuid.UUID, sealed: bytes) -> dict:
    return open_case.open(table, row_id, sealed)


def _create(model: type[models.Model], table: str, open_case: OpenCase, data: dict):
    row_id = uuid.uuid4()
    return model.objects.create(
        id=row_id, case=open_case.case, sealed=_seal(open_case, table, row_id, data)
    )


# --- what the diary shows ------------------------------------------------------------


def diary_facts(
    open_case: OpenCase, views: list | None = None, indexed: Iterable[IndexedIncident] | None = None
) -> facts.DiaryFacts:
    """The diary as the risk rules see it.

    From the incidents opened (``views``, or all of them when neither is given),
    or from the case index's summaries (``indexed``, as the overview has them),
    which hold every fact the rules read: the day, when it happened, what they did.
    """
    if indexed is not None:
        incidents = tuple(
            facts.facts_from(item.summary.id, item.when, item.summary.behaviours, item.summary.day)
            for item in indexed
        )
    else:
        views = diary.incidents_all(open_case) if views is None else views
        incidents = tuple(
            facts.facts_from_current(str(view.id), view.current, view.summary.day) for view in views
        )
    return facts.DiaryFacts(incidents=incidents, asked_to_stop=stop_date(open_case))


def case_warnings(
    open_case: OpenCase,
    today: date | None = None,
    views: list | None = None,
    indexed: Iterable[IndexedIncident] | None = None,
) -> list[escalation.Warning]:
    """Every warning the whole diary shows; the overview hands its index's ``indexed``."""
    return escalation.warnings(
        diary_facts(open_case, views, indexed), today or timezone.localdate()
    )


def suggestions_for(open_case: OpenCase) -> dict[str, suggestions.Suggestion]:
    return suggestions.suggest(diary_facts(open_case))


def should_screen(open_case: OpenCase, incident_count: int, warnings: list) -> bool:
    """After the second incident, and again whenever a warning is newer than the last screening."""
    latest = Screening.objects.filter(case=open_case.case).first()
    if latest is None:
        return incident_count >= 2
    return bool(warnings) and latest.recorded_at.date() < timezone.localdate()


# --- screenings --------------------------------------------------------------------------


def screening_save(
    *,
    open_case: OpenCase,
    checklist: checklists.Checklist,
    answers: dict[str, str],
    suggested: dict[str, int],
) -> Screening:
    present = [
        question.key
        for question in checklist.questions
        if answers.get(question.key) in checklist.present_answers
    ]
    return _create(
        Screening,
        "risk_screening",
        open_case,
        {
            "checklist": checklist.key,
            "version": checklist.version,
            "answers": answers,
            "present": present,
            "suggested": suggested,
        },
    )


def _result(open_case: OpenCase, row: Screening) -> ScreeningResult:
    data = _open(open_case, "risk_screening", row.id, row.sealed)
    return ScreeningResult(
        id=row.id,
        recorded_at=row.recorded_at,
        checklist_key=data["checklist"],
        checklist_version=data["version"],
        answers=data["answers"],
        present=tuple(data["present"]),
        suggested=data.get("suggested", {}),
    )


def screenings(open_case: OpenCase) -> list[ScreeningResult]:
    """Every completed screening, newest first."""
    return [_result(open_case, row) for row in Screening.objects.filter(case=open_case.case)]


def screening_get(*, open_case: OpenCase, screening_id: Any) -> ScreeningResult | None:
    row = Screening.objects.filter(case=open_case.case, id=screening_id).first()
    return None if row is None else _result(open_case, row)


# --- "I asked them to stop" ------------------------------------------------------------------


def stop_date(open_case: OpenCase) -> date | None:
    latest = StopDate.objects.filter(case=open_case.case).first()
    if latest is None:
        return None
    value = _open(open_case, "risk_stopdate", latest.id, latest.sealed).get("date")
    return date.fromisoformat(value) if value else None


def stop_date_set(*, open_case: OpenCase, day: date | None) -> StopDate:
    return _create(StopDate, "risk_stopdate", open_case, {"date": day.isoformat() if day else None})


def counts_around_stop(open_case: OpenCase) -> tuple[int, int] | None:
    """Incidents before and on-or-after the stop date, or None when there is no date."""
    day = stop_date(open_case)
    if day is None:
        return None
    incidents = diary_facts(open_case).incidents
    before = sum(1 for incident in incidents if incident.day < day)
    return before, len(incidents) - before


# --- the safety plan -------------------------------------------------------------------------


def safety_plan(open_case: OpenCase) -> tuple[dict[str, Any], datetime | None]:
    latest = SafetyPlan.objects.filter(case=open_case.case).first()
    if latest is None:
        return {}, None
    return _open(open_case, "risk_safetyplan", latest.id, latest.sealed), latest.recorded_at


def safety_plan_save(*, open_case: OpenCase, plan: dict[str, Any]) -> SafetyPlan:
    return _create(SafetyPlan, "risk_safetyplan", open_case, plan)
