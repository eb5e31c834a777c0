"""The three-persona authorisation walk: every URL, as its owner, another
signed-in person and an anonymous visitor.

Every URL pattern the project has is listed in ``ROUTES`` with who may use it
and how to build its address for the owner's things. ``test_authorisation``
walks them all; ``test_every_url_is_in_the_walk`` fails when a pattern is not
listed, so a new view cannot escape. Later features add their routes here.

Street Safe's moderator and analyst pages belong to a role, not to a person.
The walk still opens them as the owner: building such a URL first gives the
owner the role it needs (a person holds one role at a time), while the other
persona stays an ordinary person. ``test_staff_urls_answer_only_their_role``
then tries every role against them.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from django.db import transaction
from django.test import Client
from django.urls import get_resolver, reverse
from PIL import Image

from safetrail.accounts import services
from safetrail.accounts.models import Membership, Role, User, UserSession

PASSWORD = "correct horse battery staple"


class Access(Enum):
    PUBLIC = "anyone, signed in or not; shows nobody's data"
    OWNER = "only the signed-in person whose things these are"
    ORGANISATION_ADMIN = "only an administrator of the organisation"
    MODERATOR = "only a Street Safe moderator (or a site administrator)"
    ANALYST = "only a Street Safe analyst (or a site administrator)"


# The role each staff kind of access needs.
STAFF_ROLES = {Access.MODERATOR: Role.MODERATOR, Access.ANALYST: Role.ANALYST}


@dataclass
class Persona:
    name: str
    client: Client
    user: User | None = None
    marker: str = ""


@dataclass
class World:
    owner: Persona
    other: Persona
    anonymous: Persona
    owner_session_id: str = ""
    owner_invitation_id: str = ""
    owner_member_id: int = 0
    invitation_token: str = ""
    extra: dict = field(default_factory=dict)


def _signed_in_persona(name: str, username: str) -> Persona:
    client = Client()
    user, _, _ = services.account_create(username=username, password=PASSWORD)
    services.recovery_code_confirm(user=user)
    response = client.post(
        reverse("accounts:sign_in"), {"username": username, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return Persona(name=name, client=client, user=user, marker=username)


def build_world() -> World:
    """Two people with their own things, each an organisation admin, and a visitor."""
    owner = _signed_in_persona("owner", "owner-alice")
    other = _signed_in_persona("other", "other-bob")
    world = World(owner=owner, other=other, anonymous=Persona("anonymous", Client()))
    # The organisation's name is not secret from someone holding its invitation.
    organisation = services.organisation_create(name="First organisation", admin=owner.user)
    services.organisation_create(name="Second organisation", admin=other.user)
    world.invitation_token = services.invitation_create(
        organisation=organisation, created_by=owner.user, note="note-of-owner-alice"
    )
    world.owner_invitation_id = str(organisation.invitations.get().id)
    member, _, _ = services.account_create(username="member-carol", password=PASSWORD)
    Membership.objects.create(user=member, organisation=organisation)
    world.owner_member_id = member.pk
    # The owner is also signed in on a second device, which the walk may sign out.
    second_device = Client()
    second_device.post(
        reverse("accounts:sign_in"), {"username": owner.marker, "password": PASSWORD}
    )
    world.extra["owner_second_device"] = second_device
    # The owner's diary: a case with an incident and an "I felt unsafe" moment.
    from safetrail.diary import services as diary
    from safetrail.vault import services as vault

    account_key = vault.account_key_from_password(user=owner.user, password=PASSWORD)
    case = diary.case_create(owner=owner.user, account_key=account_key, name="case-of-owner-alice")
    incident = diary.incident_create(
        open_case=case, data={"what_happened": "note-of-owner-alice", "when": {}}
    )
    moment = diary.unsafe_moment_add(open_case=case, place="note-of-owner-alice")
    from safetrail.risk import checklist as checklists
    from safetrail.risk import services as risk

    screening = risk.screening_save(
        open_case=case,
        checklist=checklists.default(),
        answers={"threats": "yes"},
        suggested={},
    )
    risk.safety_plan_save(open_case=case, plan={"code_word": "note-of-owner-alice"})
    from safetrail.evidence import services as evidence
    from safetrail.evidence.filetypes import JPEG
    from safetrail.evidence.upload import EncryptedUpload
    from safetrail.vault.filestore import default_store

    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(picture, "JPEG")
    file_key = vault.file_key_new()
    blob, size = default_store().save_encrypted(file_key, [picture.getvalue()])
    with transaction.atomic():
        item = evidence.file_add(
            open_case=case,
            upload=EncryptedUpload(
                field_name="files",
                original_name="note-of-owner-alice.jpg",
                blob_name=blob,
                size=size,
                sha256=hashlib.sha256(picture.getvalue()).hexdigest(),
                file_key=file_key,
                kind=JPEG,
            ),
            captured={},
            incident_ids=[],
        )
    evidence.derive(open_case=case, item=item)
    world.extra.update(
        case_id=case.id,
        incident_id=incident.id,
        moment_id=moment.id,
        screening_id=screening.id,
        item_id=item.id,
    )
    # Street Safe: an anonymous report whose note only a moderator may read, and an
    # analyst's action kept off the public map. Both carry the owner's marker, so every
    # check that nothing of the owner leaks also proves that neither does.
    from safetrail.streetsafe import services as streetsafe
    from safetrail.streetsafe.cells import Point

    report = streetsafe.report_create(
        streetsafe.Draft(
            point=Point(51.5101, -0.1340),
            located_by="map",
            reasons=["badly_lit"],
            when="now",
            note="note-of-owner-alice",
        ),
        # A sender of its own each time, so rate limits kept in the cache never bite.
        address=str(uuid.uuid4()),
        verified=True,
    )
    action = streetsafe.action_record(
        cell=report.cell_8,
        kind="lighting",
        description="note-of-owner-alice",
        taken_on=streetsafe.today(),
        public=False,
        recorded_by=None,
    )
    world.extra.update(streetsafe_report_id=report.id, streetsafe_action_id=action.id)
    world.owner_session_id = str(
        UserSession.objects.filter(user=owner.user)
        .exclude(session_key=owner.client.session.session_key)
        .get()
        .id
    )
    return world


@dataclass(frozen=True)
class Route:
    access: Access
    build: Callable[[World], str]
    methods: tuple[str, ...] = ("get",)
    names_an_object: bool = False  # the URL carries the id of one of the owner's things
    page: bool = True  # an HTML page for a person (not a file or JSON)


def _case_url(name: str, *args) -> Callable[[World], str]:
    """A URL inside the owner's case (and the owner's incident, where named)."""
    return lambda world: reverse(
        name, args=[world.extra["case_id"], *[world.extra[arg] for arg in args]]
    )


def _url(name: str, *args) -> Callable[[World], str]:
    return lambda world: reverse(name, args=[arg(world) if callable(arg) else arg for arg in args])


def give_role(persona: Persona, role: str) -> None:
    User.objects.filter(pk=persona.user.pk).update(role=role)
    persona.user.role = role


def _staff_url(access: Access, name: str, *args) -> Callable[[World], str]:
    """A moderator's or analyst's URL; building it gives the owner the role (see above)."""
    address = _url(name, *args)

    def build(world: World) -> str:
        give_role(world.owner, STAFF_ROLES[access])
        return address(world)

    return build


def _moderator(name: str, *args, page: bool = True) -> Route:
    return Route(Access.MODERATOR, _staff_url(Access.MODERATOR, name, *args), page=page)


def _analyst(name: str, *args, page: bool = True) -> Route:
    return Route(Access.ANALYST, _staff_url(Access.ANALYST, name, *args), page=page)


def _with_query(build: Callable[[World], str], query: str) -> Callable[[World], str]:
    return lambda world: f"{build(world)}?{query}"


# A viewport over the default deployment area, for the map APIs that need one.
BBOX = "bbox=51.48,-0.2,51.54,-0.05"


ROUTES: dict[str, Route] = {
    # the safety shell and advice
    "safety:exit": Route(Access.PUBLIC, _url("safety:exit")),
    "safety:health": Route(Access.PUBLIC, _url("safety:health")),
    "advice:home": Route(Access.PUBLIC, _url("advice:home")),
    "advice:in_danger": Route(Access.PUBLIC, _url("advice:in_danger")),
    "advice:leaving_quickly": Route(Access.PUBLIC, _url("advice:leaving_quickly")),
    "advice:support": Route(Access.PUBLIC, _url("advice:support")),
    "advice:page": Route(Access.PUBLIC, _url("advice:page", "keep-a-diary")),
    # accounts: pages for people who are not signed in
    "accounts:sign_up": Route(Access.PUBLIC, _url("accounts:sign_up")),
    "accounts:sign_in": Route(Access.PUBLIC, _url("accounts:sign_in")),
    "accounts:sign_in_code": Route(Access.PUBLIC, _url("accounts:sign_in_code")),
    "accounts:recover": Route(Access.PUBLIC, _url("accounts:recover")),
    "accounts:join": Route(Access.PUBLIC, _url("accounts:join", lambda w: w.invitation_token)),
    # accounts: the signed-in person's own
    "accounts:home": Route(Access.OWNER, _url("accounts:home")),
    "accounts:sign_out": Route(Access.OWNER, _url("accounts:sign_out"), ("post",)),
    "accounts:recovery_code_confirm": Route(Access.OWNER, _url("accounts:recovery_code_confirm")),
    "accounts:recovery_code_new": Route(Access.OWNER, _url("accounts:recovery_code_new")),
    "accounts:password_change": Route(Access.OWNER, _url("accounts:password_change")),
    "accounts:delete": Route(Access.OWNER, _url("accounts:delete")),
    "accounts:sessions": Route(Access.OWNER, _url("accounts:sessions")),
    "accounts:sessions_end_others": Route(
        Access.OWNER, _url("accounts:sessions_end_others"), ("post",)
    ),
    "accounts:session_end": Route(
        Access.OWNER, _url("accounts:session_end", lambda w: w.owner_session_id), ("post",), True
    ),
    "accounts:history": Route(Access.OWNER, _url("accounts:history")),
    "accounts:session_status": Route(Access.OWNER, _url("accounts:session_status")),
    "accounts:keep_alive": Route(Access.OWNER, _url("accounts:keep_alive"), ("post",)),
    "accounts:two_step_setup": Route(Access.OWNER, _url("accounts:two_step_setup")),
    "accounts:two_step_disable": Route(Access.OWNER, _url("accounts:two_step_disable")),
    "accounts:backup_codes": Route(Access.OWNER, _url("accounts:backup_codes")),
    # the diary
    "diary:home": Route(Access.OWNER, _url("diary:home")),
    "diary:case_new": Route(Access.OWNER, _url("diary:case_new")),
    "diary:case": Route(Access.OWNER, _case_url("diary:case"), names_an_object=True),
    "diary:quick_log": Route(Access.OWNER, _case_url("diary:quick_log"), names_an_object=True),
    "diary:incident_new": Route(
        Access.OWNER, _case_url("diary:incident_new"), names_an_object=True
    ),
    "diary:incident": Route(
        Access.OWNER, _case_url("diary:incident", "incident_id"), names_an_object=True
    ),
    "diary:incident_amend": Route(
        Access.OWNER, _case_url("diary:incident_amend", "incident_id"), names_an_object=True
    ),
    "diary:suspect": Route(Access.OWNER, _case_url("diary:suspect"), names_an_object=True),
    "diary:daily_life": Route(Access.OWNER, _case_url("diary:daily_life"), names_an_object=True),
    "diary:unsafe": Route(Access.OWNER, _case_url("diary:unsafe"), names_an_object=True),
    # risk
    "risk:start": Route(Access.OWNER, _case_url("risk:start"), names_an_object=True),
    "risk:check": Route(Access.OWNER, _case_url("risk:check"), names_an_object=True),
    "risk:result": Route(
        Access.OWNER, _case_url("risk:result", "screening_id"), names_an_object=True
    ),
    "risk:history": Route(Access.OWNER, _case_url("risk:history"), names_an_object=True),
    "risk:stop_date": Route(Access.OWNER, _case_url("risk:stop_date"), names_an_object=True),
    "risk:safety_plan": Route(Access.OWNER, _case_url("risk:safety_plan"), names_an_object=True),
    "risk:safety_plan_print": Route(
        Access.OWNER, _case_url("risk:safety_plan_print"), names_an_object=True
    ),
    # evidence
    "evidence:locker": Route(Access.OWNER, _case_url("evidence:locker"), names_an_object=True),
    "evidence:upload": Route(
        Access.OWNER, _case_url("evidence:upload"), ("post",), names_an_object=True
    ),
    "evidence:physical": Route(Access.OWNER, _case_url("evidence:physical"), names_an_object=True),
    "evidence:custody": Route(Access.OWNER, _case_url("evidence:custody"), names_an_object=True),
    "evidence:item": Route(
        Access.OWNER, _case_url("evidence:item", "item_id"), names_an_object=True
    ),
    "evidence:view": Route(
        Access.OWNER, _case_url("evidence:view", "item_id"), names_an_object=True
    ),
    "evidence:download": Route(
        Access.OWNER, _case_url("evidence:download", "item_id"), names_an_object=True
    ),
    "evidence:preview": Route(
        Access.OWNER, _case_url("evidence:preview", "item_id"), names_an_object=True
    ),
    "evidence:delete": Route(
        Access.OWNER, _case_url("evidence:delete", "item_id"), names_an_object=True
    ),
    # organisations
    "accounts:organisation": Route(Access.ORGANISATION_ADMIN, _url("accounts:organisation")),
    "accounts:invitation_revoke": Route(
        Access.ORGANISATION_ADMIN,
        _url("accounts:invitation_revoke", lambda w: w.owner_invitation_id),
        ("post",),
        True,
    ),
    "accounts:member_remove": Route(
        Access.ORGANISATION_ADMIN,
        _url("accounts:member_remove", lambda w: w.owner_member_id),
        ("post",),
        True,
    ),
    # Street Safe: reporting, no account
    "streetsafe:home": Route(Access.PUBLIC, _url("streetsafe:home")),
    "streetsafe:report_place": Route(
        Access.PUBLIC, _url("streetsafe:report_place"), ("get", "post")
    ),
    "streetsafe:report_details": Route(
        Access.PUBLIC, _url("streetsafe:report_details"), ("get", "post")
    ),
    "streetsafe:report_check": Route(Access.PUBLIC, _url("streetsafe:report_check")),
    "streetsafe:report_send": Route(Access.PUBLIC, _url("streetsafe:report_send"), ("get", "post")),
    "streetsafe:report_done": Route(Access.PUBLIC, _url("streetsafe:report_done")),
    # Street Safe: the public map, its table, exports and API
    "streetsafe:map": Route(Access.PUBLIC, _url("streetsafe:map")),
    "streetsafe:table": Route(Access.PUBLIC, _url("streetsafe:table")),
    "streetsafe:public_csv": Route(Access.PUBLIC, _url("streetsafe:public_csv"), page=False),
    "streetsafe:public_geojson": Route(
        Access.PUBLIC, _url("streetsafe:public_geojson"), page=False
    ),
    "streetsafe:api_docs": Route(Access.PUBLIC, _url("streetsafe:api_docs")),
    "streetsafe_api:openapi": Route(Access.PUBLIC, _url("streetsafe_api:openapi"), page=False),
    "streetsafe_api:challenge": Route(Access.PUBLIC, _url("streetsafe_api:challenge"), page=False),
    "streetsafe_api:reports": Route(
        Access.PUBLIC, _url("streetsafe_api:reports"), ("get", "post"), page=False
    ),
    "streetsafe_api:cells": Route(
        Access.PUBLIC, _with_query(_url("streetsafe_api:cells"), BBOX), page=False
    ),
    "streetsafe_api:actions": Route(Access.PUBLIC, _url("streetsafe_api:actions"), page=False),
    # Street Safe: moderators
    "streetsafe:moderation": _moderator("streetsafe:moderation"),
    "streetsafe:moderation_log": _moderator("streetsafe:moderation_log"),
    "streetsafe:moderation_reports": _moderator("streetsafe:moderation_reports"),
    "streetsafe:moderate_report": _moderator(
        "streetsafe:moderate_report", lambda w: w.extra["streetsafe_report_id"]
    ),
    # Street Safe: analysts
    "streetsafe:dashboard": _analyst("streetsafe:dashboard"),
    "streetsafe:hotspots": _analyst("streetsafe:hotspots"),
    "streetsafe:actions": _analyst("streetsafe:actions"),
    "streetsafe:action_detail": _analyst(
        "streetsafe:action_detail", lambda w: w.extra["streetsafe_action_id"]
    ),
    "streetsafe:police_data": _analyst("streetsafe:police_data"),
    "streetsafe:analyst_csv": _analyst("streetsafe:analyst_csv", page=False),
    "streetsafe:analyst_geojson": _analyst("streetsafe:analyst_geojson", page=False),
    "streetsafe:points_csv": _analyst("streetsafe:points_csv", page=False),
    "streetsafe:points_geojson": _analyst("streetsafe:points_geojson", page=False),
    "streetsafe_api:analysis_cells": _analyst("streetsafe_api:analysis_cells", page=False),
    "streetsafe_api:analysis_hotspots": _analyst("streetsafe_api:analysis_hotspots", page=False),
    "streetsafe_api:analysis_trend": _analyst("streetsafe_api:analysis_trend", page=False),
}


def all_url_names() -> set[str]:
    names: set[str] = set()

    def collect(resolver, namespace: str = "") -> None:
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                collect(pattern, inner)
            elif pattern.name:
                names.add(f"{namespace}{pattern.name}")

    collect(get_resolver())
    return names
