"""Walks every URL as the owner, another signed-in person and an anonymous visitor."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safetrail.accounts.models import Invitation, Membership, User, UserSession
from tests.authz import PASSWORD, ROUTES, Access, World, all_url_names, build_world

pytestmark = pytest.mark.django_db

CASES = [(name, method) for name, route in ROUTES.items() for method in route.methods]


@pytest.fixture
def world() -> World:
    return build_world()


def request(persona, method: str, url: str):
    return getattr(persona.client, method)(url)


def assert_nothing_of_the_owner(response, world: World) -> None:
    body = response.content.decode(errors="replace")
    for secret in (world.owner.marker, "note-of-owner-alice", "case-of-owner-alice"):
        assert secret not in body, f"{secret!r} leaked"


def assert_sent_to_sign_in(response) -> None:
    assert response.status_code in (302, 403, 404), response.status_code
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("accounts:sign_in"))


@pytest.mark.parametrize(("name", "method"), CASES)
def test_authorisation(world: World, name: str, method: str):
    route = ROUTES[name]
    url = route.build(world)

    anonymous = request(world.anonymous, method, url)
    other = request(world.other, method, url)

    if route.access is Access.PUBLIC:
        assert anonymous.status_code < 500
        assert other.status_code < 500
        assert_nothing_of_the_owner(anonymous, world)
        assert_nothing_of_the_owner(other, world)
        return

    assert_sent_to_sign_in(anonymous)
    assert_nothing_of_the_owner(anonymous, world)
    assert_nothing_of_the_owner(other, world)
    owner = request(world.owner, method, url)
    assert owner.status_code in (200, 302), (name, owner.status_code)
    if owner.status_code == 302:
        assert not owner["Location"].startswith(reverse("accounts:sign_in")) or name in {
            "accounts:sign_out"
        }, (name, owner["Location"])


OBJECT_ROUTES = [name for name, route in ROUTES.items() if route.names_an_object]


@pytest.mark.parametrize("name", OBJECT_ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_object_urls_of_the_owner_are_not_found_for_others(world: World, name: str, method: str):
    """A URL that names the owner's thing answers 404 to anyone else, and changes nothing."""
    route = ROUTES[name]
    if method not in route.methods and not (method == "post" and "get" in route.methods):
        pytest.skip("not a method this URL takes")
    before = _diary_rows()

    response = request(world.other, method, route.build(world))

    assert response.status_code in (404, 405)
    assert _diary_rows() == before
    assert UserSession.objects.filter(id=world.owner_session_id).exists()
    assert Invitation.objects.get(id=world.owner_invitation_id).revoked_at is None
    assert Membership.objects.filter(user_id=world.owner_member_id).exists()


def _diary_rows() -> tuple[int, ...]:
    from safetrail.diary.models import (
        Amendment,
        Case,
        DailyLifeChange,
        Incident,
        SuspectProfile,
        UnsafeMoment,
    )
    from safetrail.evidence.models import CustodyEntry, EvidenceItem
    from safetrail.risk.models import SafetyPlan, Screening, StopDate

    return tuple(
        model.objects.count()
        for model in (
            Case,
            Incident,
            Amendment,
            SuspectProfile,
            DailyLifeChange,
            UnsafeMoment,
            Screening,
            StopDate,
            SafetyPlan,
            EvidenceItem,
            CustodyEntry,
        )
    )


def test_a_plain_member_cannot_administer_the_organisation(world: World):
    member = Client()
    User.objects.filter(username="member-carol").update(recovery_code_confirmed_at=timezone.now())
    member.post(reverse("accounts:sign_in"), {"username": "member-carol", "password": PASSWORD})

    assert member.get(reverse("accounts:organisation")).status_code == 403
    revoke = reverse("accounts:invitation_revoke", args=[world.owner_invitation_id])
    assert member.post(revoke).status_code == 403


def test_every_url_is_in_the_walk():
    missing = all_url_names() - set(ROUTES)

    assert not missing, f"add these to tests/authz.py ROUTES: {sorted(missing)}"
