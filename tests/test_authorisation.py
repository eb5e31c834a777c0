"""Walks every URL as the owner, another signed-in person and an anonymous visitor."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safetrail.accounts.models import Invitation, Membership, Role, User, UserSession
from tests.authz import (
    PASSWORD,
    ROUTES,
    STAFF_ROLES,
    Access,
    World,
    all_url_names,
    build_world,
    give_role,
)

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


def _diary_rows() -> tuple:
    from safetrail.diary.models import (
        Amendment,
        Case,
        CaseIndex,
        DailyLifeChange,
        Incident,
        SuspectProfile,
        UnsafeMoment,
    )
    from safetrail.evidence.models import CustodyEntry, EvidenceItem
    from safetrail.risk.models import SafetyPlan, Screening, StopDate

    counts = tuple(
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
    # The case index is rewritten in place, not added to: compare what it holds.
    indexes = tuple(
        (str(case_id), bytes(sealed))
        for case_id, sealed in CaseIndex.objects.order_by("case_id").values_list(
            "case_id", "sealed"
        )
    )
    return counts, indexes


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


# --- Street Safe's moderator and analyst URLs ------------------------------------------------

STAFF_ROUTES = [name for name, route in ROUTES.items() if route.access in STAFF_ROLES]
# What someone without the role might send, were the check missing: each would change something.
STAFF_POSTS = {
    "streetsafe:moderate_report": {"kind": "hidden", "reason": "walk"},
    "streetsafe:actions": {
        "cell": "88195da49bfffff",
        "kind": "patrols",
        "description": "walk",
        "taken_on": "2025-01-01",
        "public": "yes",
    },
    "streetsafe:action_detail": {"public": "yes"},
}


def _streetsafe_rows() -> tuple:
    from safetrail.streetsafe.models import (
        AreaAction,
        Cell,
        ModerationAction,
        PoliceCrimeImport,
        Report,
    )

    return (
        tuple(Report.objects.order_by("id").values_list("id", "hidden", "note", "note_state")),
        ModerationAction.objects.count(),
        tuple(AreaAction.objects.order_by("id").values_list("id", "public", "description")),
        PoliceCrimeImport.objects.count(),
        tuple(Cell.objects.order_by("id").values_list("id", "total")),
    )


def assert_refused(response, name: str, who: str) -> None:
    """Nothing given away: sent to sign in, refused, not found or the wrong method."""
    assert response.status_code in (302, 401, 403, 404, 405), (name, who, response.status_code)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("accounts:sign_in")), (name, who)


@pytest.mark.parametrize("name", STAFF_ROUTES)
def test_staff_urls_answer_only_their_role(world: World, name: str):
    """Anonymous visitors, ordinary people and the other staff role get nothing; the role
    and a site administrator get the page."""
    route = ROUTES[name]
    url = route.build(world)
    needed = STAFF_ROLES[route.access]
    before = _streetsafe_rows()

    for method in ("get", "post"):
        response = getattr(world.anonymous.client, method)(url, STAFF_POSTS.get(name, {}))
        assert_refused(response, name, f"anonymous {method}")
        assert_nothing_of_the_owner(response, world)
    for role in (Role.PERSON, Role.PROFESSIONAL, Role.MODERATOR, Role.ANALYST):
        if role == needed:
            continue
        give_role(world.other, role)
        for method in ("get", "post"):
            response = getattr(world.other.client, method)(url, STAFF_POSTS.get(name, {}))
            assert_refused(response, name, f"{role} {method}")
            assert_nothing_of_the_owner(response, world)
    assert _streetsafe_rows() == before

    for role in (needed, Role.ADMIN):
        give_role(world.other, role)
        for method in route.methods:
            response = getattr(world.other.client, method)(url)
            assert response.status_code == 200, (name, role, method, response.status_code)
