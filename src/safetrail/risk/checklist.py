"""Checklists as data: the questions, their help, answers, and the source to credit.

A checklist is a JSON file (see ``checklists/``). A deployment can load its
own, for example a licensed S-DASH wording, by listing the files in
SAFETRAIL_CHECKLIST_FILES; the first is the default. Every file is checked at
start-up and a mistake stops it with a message naming the file and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

LANGUAGES = ("en", "cy")
TOP_LEVEL_FIELDS = {
    "key",
    "version",
    "title",
    "intro",
    "source",
    "answers",
    "present_answers",
    "questions",
}
QUESTION_FIELDS = {"key", "text", "help", "why"}


class ChecklistError(ImproperlyConfigured):
    """A checklist file cannot be used; the message says why."""


@dataclass(frozen=True)
class Text:
    values: dict[str, str]

    def __str__(self) -> str:
        return self.values.get(translation.get_language() or "en") or self.values["en"]


@dataclass(frozen=True)
class Answer:
    key: str
    label: Text


@dataclass(frozen=True)
class Question:
    key: str
    text: Text
    help: Text | None
    why: Text | None


@dataclass(frozen=True)
class Checklist:
    key: str
    version: int
    title: Text
    intro: Text
    source: Text
    answers: tuple[Answer, ...]
    present_answers: frozenset[str]
    questions: tuple[Question, ...]

    def question(self, key: str) -> Question | None:
        return next((question for question in self.questions if question.key == key), None)

    @property
    def answer_keys(self) -> tuple[str, ...]:
        return tuple(answer.key for answer in self.answers)


def _text(raw: Any, where: str, *, required: bool = True) -> Text | None:
    if raw is None and not required:
        return None
    if not isinstance(raw, dict):
        raise ChecklistError(f'{where} must be an object with an "en" and a "cy" text.')
    for language in LANGUAGES:
        value = raw.get(language)
        if not isinstance(value, str) or not value.strip():
            raise ChecklistError(f'{where} needs a text in "{language}".')
    unknown = set(raw) - set(LANGUAGES)
    if unknown:
        raise ChecklistError(f"{where} has text in an unknown language: {sorted(unknown)}.")
    return Text(dict(raw))


def _key(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw or not raw.replace("_", "").replace("-", "").isalnum():
        raise ChecklistError(f'{where} needs a "key" of letters, numbers, - or _.')
    return raw


def parse(data: Any, source: str) -> Checklist:
    if not isinstance(data, dict):
        raise ChecklistError(f"{source} must hold a JSON object.")
    key = _key(data.get("key"), source)
    unknown = set(data) - TOP_LEVEL_FIELDS
    if unknown:
        raise ChecklistError(f"{source} has fields this version does not know: {sorted(unknown)}.")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ChecklistError(f'{source} needs a whole-number "version" of 1 or more.')
    raw_answers = data.get("answers")
    if not isinstance(raw_answers, list) or len(raw_answers) < 2:
        raise ChecklistError(f'{source} needs at least two "answers".')
    answers = tuple(
        Answer(
            _key(raw.get("key") if isinstance(raw, dict) else None, f"{source}: answer {n}"),
            _text(raw.get("label"), f"{source}: answer {n}, label"),
        )
        for n, raw in enumerate(raw_answers, start=1)
    )
    answer_keys = {answer.key for answer in answers}
    if len(answer_keys) != len(answers):
        raise ChecklistError(f"{source} has two answers with the same key.")
    present = data.get("present_answers")
    if (
        not isinstance(present, list)
        or not present
        or not all(isinstance(item, str) for item in present)
        or not set(present) <= answer_keys
    ):
        raise ChecklistError(
            f'{source} needs "present_answers": the answers that mean a factor is present.'
        )
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise ChecklistError(f'{source} needs a non-empty "questions" list.')
    questions = []
    for number, raw in enumerate(raw_questions, start=1):
        where = f"{source}: question {number}"
        if not isinstance(raw, dict):
            raise ChecklistError(f"{where} must be an object.")
        unknown = set(raw) - QUESTION_FIELDS
        if unknown:
            raise ChecklistError(
                f"{where} has fields this version does not know: {sorted(unknown)}."
            )
        question_key = _key(raw.get("key"), where)
        where = f"{source}: question {question_key!r}"
        if any(question.key == question_key for question in questions):
            raise ChecklistError(f"{where} appears twice.")
        questions.append(
            Question(
                key=question_key,
                text=_text(raw.get("text"), f"{where}, text"),
                help=_text(raw.get("help"), f"{where}, help", required=False),
                why=_text(raw.get("why"), f"{where}, why", required=False),
            )
        )
    return Checklist(
        key=key,
        version=version,
        title=_text(data.get("title"), f"{source}: title"),
        intro=_text(data.get("intro"), f"{source}: intro"),
        source=_text(data.get("source"), f"{source}: source"),
        answers=answers,
        present_answers=frozenset(present),
        questions=tuple(questions),
    )


def load(path: Path) -> Checklist:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ChecklistError(f"Cannot read the checklist {path}: {error.strerror}.") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ChecklistError(
            f"The checklist {path} is not valid JSON (line {error.lineno}, column "
            f"{error.colno}: {error.msg})."
        ) from None
    return parse(data, source=str(path))


@cache
def _load_all(paths: tuple[str, ...]) -> dict[str, Checklist]:
    if not paths:
        raise ChecklistError("SAFETRAIL_CHECKLIST_FILES names no checklist file.")
    checklists: dict[str, Checklist] = {}
    origin: dict[str, str] = {}
    for path in paths:
        checklist = load(Path(path))
        if checklist.key in checklists:
            raise ChecklistError(
                f"{path} and {origin[checklist.key]} both use the key {checklist.key!r}."
            )
        checklists[checklist.key] = checklist
        origin[checklist.key] = path
    return checklists


def configured() -> dict[str, Checklist]:
    """Every configured checklist by key, the default first."""
    return _load_all(tuple(str(path) for path in settings.SAFETRAIL_CHECKLIST_FILES))


def default() -> Checklist:
    return next(iter(configured().values()))
