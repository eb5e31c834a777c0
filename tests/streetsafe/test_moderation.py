"""Moderators: the queue of notes, hiding and showing reports, the log, and who may do it.

Also the Street Safe maintenance commands (purge, rollups), which are about
what is kept of a report.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from safetrail.accounts.models import Role
from safetrail.streetsafe import rollups, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import Cell, ModerationAction, NoteState, Report
from tests.streetsafe.staff import signed_in

pytestmark = pytest.mark.django_db

PLACE = Point(51.5101, -0.1340)


@pytest.fixture
def moderator() -> Client:
    return signed_in("mod-maya", Role.MODERATOR)


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 10_000


_sent = iter(range(1_000_000))


def report(*, note: str = "", days_ago: int = 2, point: Point = PLACE, **extra) -> Report:
    values = {
        "point": point,
        "located_by": "map",
        "reasons": ["badly_lit"],
        "when": "another_day",
        "band": "evening",
        "day": services.today() - timedelta(days=days_ago),
        "note": note,
    }
    values.update(extra)
    # A different (documentation-range) address each time: the limits are not under test.
    address = f"198.51.100.{next(_sent) % 250 + 1}"
    return services.report_create(
        services.Draft(**values), address=address, verified=True, received_on=values["day"]
    )


def cell_total(found: Report, resolution: int = 8) -> int:
    row = Cell.objects.filter(resolution=resolution, cell=found.cell(resolution)).first()
    return row.total if row else 0


def act(client: Client, found: Report, kind: str, reason: str = "", back: str = "report"):
    return client.post(
        reverse("streetsafe:moderate_report", args=[found.id]),
        {"kind": kind, "reason": reason, "back": back},
    )


# --- the queue ---------------------------------------------------------------------------------


def test_queue_shows_redacted_notes_only(moderator):
    noted = report(note="He was by the bins. Call me on 07700 900123 or sam@example.org")
    plain = report()

    page = moderator.get(reverse("streetsafe:moderation"))

    assert page.status_code == 200
    text = page.content.decode()
    assert "[phone number removed]" in text
    assert "[email removed]" in text
    assert "07700" not in text
    assert "sam@example.org" not in text
    assert str(noted.id) in text
    assert str(plain.id) not in text
    assert "Badly lit" in text
    assert "Evening" in text


def test_queue_pages(moderator):
    for number in range(23):
        report(note=f"note number {number}")

    first = moderator.get(reverse("streetsafe:moderation"))
    second = moderator.get(reverse("streetsafe:moderation"), {"page": 2})

    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 3
    assert "Page 1 of 2" in first.content.decode()
    assert "23 notes to review" in first.content.decode()


# --- the actions -------------------------------------------------------------------------------


def test_each_action_is_done_logged_and_keeps_counts_in_step(moderator):
    found = report(note="the lamp post by the gate is broken")
    assert cell_total(found) == 1

    response = act(moderator, found, "hidden", reason="spam", back="queue")
    assert response.status_code == 302
    assert response["Location"] == reverse("streetsafe:moderation")
    found.refresh_from_db()
    assert found.hidden
    assert cell_total(found) == 0
    assert services.cell_counts(services.Filters(resolution=8)) == {}
    assert rollups.check() == []

    act(moderator, found, "shown", reason="it was not spam after all")
    found.refresh_from_db()
    assert not found.hidden
    assert cell_total(found) == 1
    assert rollups.check() == []

    act(moderator, found, "reviewed")
    found.refresh_from_db()
    assert found.note_state == NoteState.REVIEWED
    assert found not in services.moderation_queue()
    assert rollups.check() == []

    act(moderator, found, "note_removed", reason="named a shop worker")
    found.refresh_from_db()
    assert found.note == ""
    assert not found.hidden
    assert cell_total(found) == 1
    assert rollups.check() == []

    logged = list(ModerationAction.objects.filter(report=found).order_by("at", "id"))
    assert [entry.kind for entry in logged] == ["hidden", "shown", "reviewed", "note_removed"]
    assert {entry.moderator_id for entry in logged} == {moderator.user.pk}
    assert logged[0].reason == "spam"
    assert logged[3].reason == "named a shop worker"


def test_hiding_needs_a_reason_and_changes_nothing_without_one(moderator):
    found = report(note="a note")

    response = act(moderator, found, "hidden", reason="  ")

    assert response.status_code == 400
    assert "Say why you are hiding this report" in response.content.decode()
    found.refresh_from_db()
    assert not found.hidden
    assert not ModerationAction.objects.exists()


def test_an_unknown_action_is_refused(moderator):
    found = report(note="a note")

    response = act(moderator, found, "delete_everything")

    assert response.status_code == 400
    assert "Choose what to do with the report" in response.content.decode()
    assert not ModerationAction.objects.exists()


def test_report_page_shows_history_and_the_log_lists_everything(moderator):
    found = report(note="a note")
    act(moderator, found, "hidden", reason="abusive words")
    act(moderator, found, "shown", reason="misread it")

    page = moderator.get(reverse("streetsafe:moderate_report", args=[found.id]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "abusive words" in text
    assert "misread it" in text
    assert "mod-maya" in text
    assert "Hidden" in text
    assert "Shown again" in text

    log = moderator.get(reverse("streetsafe:moderation_log"))
    text = log.content.decode()
    assert log.status_code == 200
    assert "abusive words" in text
    assert "misread it" in text
    assert reverse("streetsafe:moderate_report", args=[found.id]) in text


def test_an_unknown_report_is_not_found(moderator):
    import uuid

    response = moderator.get(reverse("streetsafe:moderate_report", args=[uuid.uuid4()]))

    assert response.status_code == 404


# --- who may moderate --------------------------------------------------------------------------


def test_nobody_else_gets_anything_from_moderation():
    found = report(note="secret-looking note text")
    visitors = {
        "anonymous": Client(),
        "person": signed_in("person-pat"),
        "analyst": signed_in("analyst-ann", Role.ANALYST),
    }
    addresses = [
        reverse("streetsafe:moderation"),
        reverse("streetsafe:moderation_log"),
        reverse("streetsafe:moderate_report", args=[found.id]),
    ]
    for name, client in visitors.items():
        for address in addresses:
            response = client.get(address)
            assert response.status_code in (302, 403), (name, address)
            assert "secret-looking" not in response.content.decode(), (name, address)
            if response.status_code == 302:
                assert response["Location"].startswith(reverse("accounts:sign_in"))
        response = act(client, found, "hidden", reason="not mine to hide")
        assert response.status_code in (302, 403), name
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("accounts:sign_in"))
    found.refresh_from_db()
    assert not found.hidden
    assert not ModerationAction.objects.exists()


# --- the commands ------------------------------------------------------------------------------


def test_purge_clears_old_points_and_notes_and_keeps_the_cells(settings):
    settings.SAFETRAIL_STREETSAFE_RETENTION_DAYS = 30
    old = report(note="an old note", days_ago=31)
    recent = report(note="a recent note")
    assert old.received_on == services.today() - timedelta(days=31)
    before = {(row.resolution, row.cell): row.total for row in Cell.objects.all()}

    output = io.StringIO()
    call_command("streetsafe_purge", stdout=output)

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.latitude is None
    assert old.longitude is None
    assert old.note == ""
    assert old.note_state == NoteState.NONE
    assert old.cell_8
    assert old.cell_10
    assert recent.latitude == pytest.approx(PLACE.latitude)
    assert recent.note == "a recent note"
    assert {(row.resolution, row.cell): row.total for row in Cell.objects.all()} == before
    assert rollups.check() == []
    assert "1 reports" in output.getvalue()


@pytest.mark.parametrize(
    ("verb", "says"),
    [
        ("streetsafe-purge", "retention period"),
        ("streetsafe-rollups", "rebuild"),
        ("streetsafe-import-police", "data.police.uk"),
    ],
)
def test_the_commands_are_safetrail_verbs(verb, says):
    # In a child process: a command run through the command line closes the
    # database connections when it ends, which this test's own database would not survive.
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    finished = subprocess.run(
        [sys.executable, "-m", "safetrail.cli", verb, "--help"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr
    assert says in " ".join(finished.stdout.split())


def test_purge_refuses_a_date_in_the_future():
    with pytest.raises(CommandError, match="future"):
        call_command("streetsafe_purge", before=str(services.today() + timedelta(days=1)))


def test_rollups_check_and_rebuild():
    found = report()
    output = io.StringIO()
    call_command("streetsafe_rollups", "--check", stdout=output)
    assert "match" in output.getvalue()

    Cell.objects.filter(resolution=8, cell=found.cell_8).update(total=7)
    with pytest.raises(CommandError, match="differ"):
        call_command("streetsafe_rollups", "--check")

    call_command("streetsafe_rollups", "--rebuild")
    assert rollups.check() == []
    assert cell_total(found) == 1


def test_a_reports_page_says_when_it_is_unverified(moderator):
    checked = report()
    unchecked = report()
    Report.objects.filter(id=unchecked.id).update(verified=False)
    said = "did not do the check that shows it is not a computer program"
    assert (
        said
        not in moderator.get(
            reverse("streetsafe:moderate_report", args=[checked.id])
        ).content.decode()
    )
    assert (
        said
        in moderator.get(
            reverse("streetsafe:moderate_report", args=[unchecked.id])
        ).content.decode()
    )
