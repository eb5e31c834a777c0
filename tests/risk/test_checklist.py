"""The checklist engine: data files in, screenings out; broken files stop start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from safetrail.risk import checklist as checklists
from safetrail.risk import services, suggestions
from tests.diary.helpers import person, reopen

DATA = Path(__file__).parent / "data"
DEFAULT = Path(checklists.__file__).parent / "checklists" / "safetrail-stalking-risk.json"
FACTORS = list(suggestions.FACTORS)


def test_the_default_checklist_covers_the_eleven_factors_and_credits_its_source():
    default = checklists.load(DEFAULT)

    assert [question.key for question in default.questions] == FACTORS
    assert "Sheridan, Roberts and Richards" in default.source.values["en"]
    assert "not the official S-DASH wording" in default.source.values["en"]
    assert all(question.text.values["cy"] for question in default.questions)


def test_a_malformed_file_is_rejected_with_a_message_naming_the_problem():
    message = "question 'q2', text needs a text in \"cy\""
    with pytest.raises(checklists.ChecklistError, match=message):
        checklists.load(DATA / "malformed-checklist.json")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("questions"), 'non-empty "questions"'),
        (lambda d: d.update(present_answers=["maybe"]), "present_answers"),
        (lambda d: d["questions"].append(dict(d["questions"][0])), "appears twice"),
        (lambda d: d.update(version=0), "version"),
        (lambda d: d.update(answers=d["answers"][:1]), "at least two"),
        (lambda d: d["answers"].append(dict(d["answers"][0])), "same key"),
        (lambda d: d.update(version=True), "version"),
        (lambda d: d["questions"][0].update(hlep={"en": "x", "cy": "y"}), "does not know"),
        (lambda d: d.update(present_answers=[["yes"]]), "present_answers"),
    ],
)
def test_other_mistakes_are_named(change, message):
    data = json.loads((DATA / "test-checklist.json").read_text())
    change(data)

    with pytest.raises(checklists.ChecklistError, match=message):
        checklists.parse(data, "test")


def test_a_broken_checklist_stops_start_up(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "safetrail.settings",
        "SAFETRAIL_DATA_DIR": str(tmp_path),
        "SAFETRAIL_CHECKLIST_FILES": str(DATA / "malformed-checklist.json"),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    result = subprocess.run(
        [sys.executable, "-m", "django", "check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "question 'q2', text needs a text in \"cy\"" in result.stderr


@pytest.mark.django_db
def test_a_second_checklist_runs_end_to_end(settings):
    settings.SAFETRAIL_CHECKLIST_FILES = [DEFAULT, DATA / "test-checklist.json"]
    checklists._load_all.cache_clear()
    try:
        client, user, open_case = person()
        url = reverse("risk:check", args=[open_case.id]) + "?checklist=test-checklist"

        page = client.get(url)
        saved = client.post(url, {"q1": "yes", "q2": "no", "q3": "yes"})
        result = client.get(saved["Location"])

        assert "Test question one?" in page.content.decode()
        assert saved.status_code == 302
        assert "You answered yes to 2 of the risk factors" in result.content.decode()
        screening = services.screenings(reopen(user, open_case))[0]
        assert screening.checklist_key == "test-checklist"
        assert screening.present == ("q1", "q3")
    finally:
        checklists._load_all.cache_clear()
