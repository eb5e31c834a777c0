"""Street Safe's JSON API and its OpenAPI description."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, reverse

from safetrail.accounts import services as accounts
from safetrail.accounts.models import Role
from safetrail.streetsafe import api, api_urls, cells, openapi, proof_of_work, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import Report

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
AREA_BBOX = "51.48,-0.20,51.54,-0.05"
PLACE = Point(51.505, -0.12)


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    cache.clear()
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 10_000
    settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY = 10_000
    settings.SAFETRAIL_STREETSAFE_K = 5
    settings.SAFETRAIL_STREETSAFE_POW_MAX_NUMBER = 2_000
    yield
    cache.clear()


def seed(point: Point = PLACE, days: int = 5) -> str:
    for days_ago in range(1, days + 1):
        services.report_create(
            services.Draft(
                point=point,
                located_by="map",
                reasons=["badly_lit"],
                when="another_day",
                band="night",
                day=services.today() - timedelta(days=days_ago),
            ),
            address="198.51.100.9",
            verified=True,
            received_on=services.today() - timedelta(days=days_ago),
        )
    return cells.cells_for(point)[8]


def body(**changes) -> dict:
    values = {
        "latitude": 51.5081,
        "longitude": -0.1219,
        "reasons": ["badly_lit", "followed"],
        "when": "another_day",
        "band": "evening",
        "day": (services.today() - timedelta(days=2)).isoformat(),
        "safer": ["lighting"],
        "note": "",
        "demographics": {"age_band": "25_34", "gender": ""},
    }
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def post(client: Client, data, **extra):
    payload = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(
        reverse("streetsafe_api:reports"), payload, content_type="application/json", **extra
    )


def signed_in(username: str, role: str = "") -> Client:
    client = Client()
    user, _, _ = accounts.account_create(username=username, password=PASSWORD)
    accounts.recovery_code_confirm(user=user)
    if role:
        user.role = role
        user.save(update_fields=["role"])
    response = client.post(
        reverse("accounts:sign_in"), {"username": username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


# --- public cells and actions ------------------------------------------------------------------


def test_cells_in_a_box(client):
    cell = seed()
    seed(Point(51.525, -0.16), days=4)  # under the threshold
    response = client.get(reverse("streetsafe_api:cells"), {"bbox": AREA_BBOX})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert data["k"] == 5
    assert [feature["id"] for feature in data["features"]] == [cell]
    properties = data["features"][0]["properties"]
    assert properties["reports"] == 5
    assert len(properties["first_month"]) == 7
    elsewhere = client.get(reverse("streetsafe_api:cells"), {"bbox": "52.0,1.0,52.1,1.1"})
    assert elsewhere.json()["features"] == []


@pytest.mark.parametrize(
    "bbox",
    [
        None,
        "",
        "51.48,-0.20,51.54",
        "51.48,-0.20,51.54,-0.05,1",
        "a,b,c,d",
        "nan,-0.20,51.54,-0.05",
        "51.48,-0.20,inf,-0.05",
        "51.54,-0.20,51.48,-0.05",  # south above north
        "51.48,-0.05,51.54,-0.20",  # west after east
        "-91,-0.20,51.54,-0.05",
        "51.0,-0.20,52.5,-0.05",  # too tall
        "51.48,-1.5,51.54,0.05",  # too wide
        "51.4_8,-0.20,51.54,-0.05",  # float() would read 51.48
    ],
)
def test_bad_boxes_are_refused_in_json(client, bbox):
    query = {} if bbox is None else {"bbox": bbox}
    response = client.get(reverse("streetsafe_api:cells"), query)
    assert response.status_code == 400
    data = response.json()
    assert data["error"] == "bad_request"
    assert "bbox" in data["errors"]


def test_cells_only_answer_get(client):
    response = client.post(reverse("streetsafe_api:cells"), {"bbox": AREA_BBOX})
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
    assert response["Allow"] == "GET, HEAD"


def test_public_actions(client):
    from datetime import date

    cell = seed()
    services.action_record(
        cell=cell,
        kind="cctv",
        description="A camera by the underpass",
        taken_on=date(2024, 3, 9),
        public=True,
        recorded_by=None,
    )
    data = client.get(reverse("streetsafe_api:actions")).json()
    (feature,) = data["features"]
    assert feature["properties"] == {
        "cell": cell,
        "resolution": 8,
        "kind": "cctv",
        "label": "CCTV",
        "description": "A camera by the underpass",
        "month": "2024-03",
    }
    assert feature["geometry"]["coordinates"][0][0] == feature["geometry"]["coordinates"][0][-1]


# --- the challenge -----------------------------------------------------------------------------


def test_challenge(client):
    response = client.get(reverse("streetsafe_api:challenge"))
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"algorithm", "challenge", "salt", "signature", "maxnumber"}
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


# --- sending reports ---------------------------------------------------------------------------


def test_a_report_is_received_and_stored(client):
    csrf_checked = Client(enforce_csrf_checks=True)
    response = post(csrf_checked, body(note="Lights out near the bins"))
    assert response.status_code == 201, response.content
    assert response.json() == {"status": "received"}
    assert not response.cookies
    report = Report.objects.get()
    assert report.reason_codes == ["badly_lit", "followed"]
    assert report.happened_on == services.today() - timedelta(days=2)
    assert report.age_band == "25_34"
    assert report.gender == ""
    assert report.located_by == "coordinates"
    assert report.note == "Lights out near the bins"
    assert not report.verified
    assert str(report.id) not in response.content.decode()


def test_a_report_with_a_solved_challenge_is_verified(client):
    made = proof_of_work.new_challenge()
    proof = proof_of_work.solve(made)
    assert post(client, body(proof=proof)).status_code == 201
    assert Report.objects.get().verified
    # The same solution cannot be used twice.
    again = post(client, body(proof=proof))
    assert again.status_code == 400
    assert "proof" in again.json()["errors"]
    assert Report.objects.count() == 1


def test_now_needs_no_band_or_day(client):
    response = post(client, body(when="now", band=None, day=None))
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reasons": []}, "reasons"),
        ({"reasons": ["made_up"]}, "reasons"),
        ({"reasons": "badly_lit"}, "reasons"),
        ({"safer": ["gold_taps"]}, "safer"),
        ({"when": "yesterday"}, "when"),
        ({"band": None}, "band"),
        ({"band": "teatime"}, "band"),
        ({"day": None}, "day"),
        ({"day": "2024-13-01"}, "day"),
        ({"day": "tomorrow"}, "day"),
        ({"day": (services.today() + timedelta(days=1)).isoformat()}, "day"),
        ({"day": (services.today() - timedelta(days=400)).isoformat()}, "day"),
        ({"latitude": None}, "latitude"),
        ({"latitude": "north"}, "latitude"),
        ({"latitude": "51.5081"}, "latitude"),  # a number in a string: not what the docs say
        ({"latitude": 10**400}, "latitude"),  # too big for a float: a 400, not a 500
        ({"longitude": True}, "longitude"),
        ({"latitude": True}, "latitude"),
        ({"latitude": 95}, "latitude"),
        ({"longitude": -200}, "longitude"),
        ({"latitude": 53.48, "longitude": -2.24}, "latitude"),  # outside the service's area
        ({"note": "x" * 501}, "note"),
        ({"note": 12}, "note"),
        ({"demographics": {"shoe_size": "9"}}, "demographics.shoe_size"),
        ({"demographics": {"gender": "robot"}}, "demographics.gender"),
        ({"demographics": "woman"}, "demographics"),
        ({"located_by": "psychic"}, "located_by"),
        ({"same_as": "not-a-uuid"}, "same_as"),
        ({"ip_address": "203.0.113.1"}, "ip_address"),
        ({"proof": 5}, "proof"),
        ({"proof": "bm90IGEgcHJvb2Y="}, "proof"),
    ],
)
def test_bad_fields_get_a_message_each_and_nothing_is_stored(client, changes, field):
    response = post(client, body(**changes))
    assert response.status_code == 400, response.content
    data = response.json()
    assert data["error"] == "bad_request"
    assert field in data["errors"], data
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    "payload", ["{not json", "[1, 2]", '"text"', "", b"\xff\xfe", "[" * 5000, '{"a": ' * 2000]
)
def test_a_body_that_is_not_a_json_object_is_refused(client, payload):
    response = post(client, payload)
    assert response.status_code == 400
    assert "body" in response.json()["errors"]


def test_a_time_of_day_that_has_not_come_yet_today_is_refused(client, monkeypatch):
    from django.utils import timezone

    early = timezone.localtime().replace(hour=1, minute=30)
    monkeypatch.setattr(timezone, "localtime", lambda *args, **kwargs: early)

    later = post(client, body(when="earlier_today", band="evening"))
    today = post(client, body(when="another_day", band="evening", day=early.date().isoformat()))
    past = post(client, body(when="earlier_today", band="night"))

    assert later.status_code == today.status_code == 400
    assert "band" in later.json()["errors"]
    assert "band" in today.json()["errors"]
    assert past.status_code == 201, past.content
    assert Report.objects.count() == 1


def test_a_body_over_16_kb_is_refused(client):
    response = post(client, body(note="x" * (17 * 1024)))
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert Report.objects.count() == 0


def test_limits_answer_429_with_retry_after(client, settings):
    settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY = 2
    assert post(client, body()).status_code == 201
    assert post(client, body()).status_code == 201
    refused = post(client, body())
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_reports"
    assert 0 < int(refused["Retry-After"]) <= 24 * 60 * 60
    assert Report.objects.count() == 2
    # Another sender is not held back by the first one's count.
    assert post(client, body(), REMOTE_ADDR="198.51.100.77").status_code == 201


def test_the_site_wide_limit_for_unsolved_reports(client, settings):
    settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_HOUR = 1
    assert post(client, body(), REMOTE_ADDR="198.51.100.1").status_code == 201
    refused = post(client, body(), REMOTE_ADDR="198.51.100.2")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    # A solved challenge still gets through.
    proof = proof_of_work.solve(proof_of_work.new_challenge())
    assert post(client, body(proof=proof), REMOTE_ADDR="198.51.100.3").status_code == 201


def test_me_too_joins_a_nearby_report_only(client):
    seed(days=5)  # a public area: only there are reports offered as nearby
    original = Report.objects.order_by("happened_on").first()
    response = post(client, body(same_as=str(original.id), latitude=51.5052, longitude=-0.1201))
    assert response.status_code == 201, response.content
    joined = Report.objects.get(same_as=original.id)
    assert joined.latitude is None  # no new point
    # An id that is not offered near this place is refused the same way as
    # one that does not exist, so nothing can be learnt about other reports.
    far = post(client, body(same_as=str(original.id), latitude=51.535, longitude=-0.06))
    missing = post(client, body(same_as=str(uuid.uuid4()), latitude=51.5052, longitude=-0.1201))
    assert far.status_code == missing.status_code == 400
    assert far.json() == missing.json()


def test_a_report_in_an_area_below_k_cannot_be_joined(client):
    """Nearby reports are offered only where the public map already shows the area."""
    seed(days=4)
    original = Report.objects.order_by("happened_on").first()
    below = post(client, body(same_as=str(original.id), latitude=51.5052, longitude=-0.1201))
    missing = post(client, body(same_as=str(uuid.uuid4()), latitude=51.5052, longitude=-0.1201))
    assert below.status_code == missing.status_code == 400
    assert below.json() == missing.json()
    assert not Report.objects.filter(same_as=original.id).exists()


def test_the_address_is_not_stored(client):
    post(client, body(), REMOTE_ADDR="203.0.113.199")
    for report in Report.objects.values():
        assert "203.0.113.199" not in json.dumps(report, default=str)


def test_reports_only_take_post(client):
    response = client.get(reverse("streetsafe_api:reports"))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


# --- analysts ----------------------------------------------------------------------------------

ANALYSIS = ("analysis_cells", "analysis_hotspots", "analysis_trend")


@pytest.mark.parametrize("name", ANALYSIS)
def test_analysis_is_refused_to_anonymous_and_ordinary_users(client, name):
    seed()
    url = reverse(f"streetsafe_api:{name}")
    anonymous = client.get(url)
    ordinary = signed_in("ordinary-olive").get(url)
    moderator = signed_in("moderator-mo", Role.MODERATOR).get(url)
    for response in (anonymous, ordinary, moderator):
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"
        assert "badly_lit" not in response.content.decode()
        assert "no-store" in response["Cache-Control"]


def test_analysts_get_cells_hotspots_and_trends():
    cell = seed()
    analyst = signed_in("analyst-ann", Role.ANALYST)
    cells_response = analyst.get(reverse("streetsafe_api:analysis_cells"), {"resolution": 9})
    assert cells_response.status_code == 200
    assert "no-store" in cells_response["Cache-Control"]
    data = cells_response.json()
    assert data["filters"]["resolution"] == 9
    (feature,) = data["features"]
    assert feature["properties"]["count"] == 5
    assert feature["properties"]["resolution"] == 9
    filtered = analyst.get(
        reverse("streetsafe_api:analysis_cells"), {"band": "evening", "reason": "badly_lit"}
    ).json()
    assert filtered["features"] == []  # the seeded reports were at night
    hotspots = analyst.get(
        reverse("streetsafe_api:analysis_hotspots"), {"distance": 2, "fdr": "0.1"}
    ).json()
    assert hotspots["distance"] == 2
    assert hotspots["false_discovery_rate"] == 0.1
    scored = {feature["id"]: feature["properties"] for feature in hotspots["features"]}
    assert scored[cell]["count"] == 5
    assert {"z", "p", "hotspot", "coldspot"} <= set(scored[cell])
    trend = analyst.get(reverse("streetsafe_api:analysis_trend"), {"by": "month"}).json()
    assert trend["by"] == "month"
    assert sum(period["count"] for period in trend["periods"]) == 5
    assert all(period["start"].endswith("-01") for period in trend["periods"])


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("analysis_cells", {"resolution": "6"}, "resolution"),
        ("analysis_cells", {"resolution": "eight"}, "resolution"),
        ("analysis_cells", {"reason": "weather"}, "reason"),
        ("analysis_cells", {"band": "dusk"}, "band"),
        ("analysis_cells", {"weekday": "8"}, "weekday"),
        ("analysis_cells", {"since": "last week"}, "since"),
        ("analysis_cells", {"since": "2024-05-02", "until": "2024-05-01"}, "until"),
        ("analysis_hotspots", {"distance": "9"}, "distance"),
        ("analysis_hotspots", {"fdr": "0"}, "fdr"),
        ("analysis_hotspots", {"fdr": "lots"}, "fdr"),
        ("analysis_trend", {"by": "year"}, "by"),
    ],
)
def test_analysts_get_field_errors(name, query, field):
    analyst = signed_in("analyst-bea", Role.ANALYST)
    response = analyst.get(reverse(f"streetsafe_api:{name}"), query)
    assert response.status_code == 400
    assert field in response.json()["errors"]


# --- the OpenAPI description -------------------------------------------------------------------


def api_routes() -> dict[str, str]:
    return {
        pattern.name: "/" + str(pattern.pattern)
        for pattern in api_urls.urlpatterns
        if isinstance(pattern, URLPattern)
    }


def test_openapi_document_is_served_as_json(client):
    response = client.get(reverse("streetsafe_api:openapi"))
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"]
    assert document["info"]["version"]
    assert document == json.loads(json.dumps(openapi.document()))


def test_every_route_is_documented_and_every_documented_path_is_a_route():
    document = openapi.document()
    documented = {
        operation["operationId"]: path
        for path, operations in document["paths"].items()
        for operation in operations.values()
    }
    assert documented == api_routes()


def test_the_openapi_document_hangs_together():
    document = openapi.document()

    def walk(node, trail=""):
        if isinstance(node, dict):
            if "$ref" in node:
                target = document
                for part in node["$ref"].removeprefix("#/").split("/"):
                    assert part in target, f"{trail}: {node['$ref']} goes nowhere"
                    target = target[part]
            for key, value in node.items():
                walk(value, f"{trail}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{trail}/{index}")

    walk(document)
    methods = {"get", "post", "put", "patch", "delete", "head", "options"}
    for path, operations in document["paths"].items():
        assert path.startswith("/")
        for method, operation in operations.items():
            assert method in methods
            assert operation["summary"], (path, method)
            assert operation["responses"], (path, method)
            for status in operation["responses"]:
                assert status.isdigit()
                assert 100 <= int(status) < 600
            for parameter in operation.get("parameters", []):
                resolved = document["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
                assert resolved["in"] == "query"
                assert resolved["name"]
    analyst_only = {
        operation["operationId"]
        for operations in document["paths"].values()
        for operation in operations.values()
        if operation.get("security")
    }
    assert analyst_only == set(ANALYSIS)


def test_documented_errors_match_what_the_api_answers(client):
    document = openapi.document()
    cells_get = document["paths"][reverse("streetsafe_api:cells")]["get"]
    bad = client.get(reverse("streetsafe_api:cells"), {"bbox": "x"})
    assert str(bad.status_code) in cells_get["responses"]
    report_post = document["paths"][reverse("streetsafe_api:reports")]["post"]
    assert {"201", "400", "413", "429"} <= set(report_post["responses"])
    fields = document["components"]["schemas"]["ReportRequest"]["properties"]
    assert set(fields) == set(api.REPORT_FIELDS)


def test_the_documented_report_example_is_accepted(client):
    document = openapi.document()
    example = document["paths"][reverse("streetsafe_api:reports")]["post"]["requestBody"][
        "content"
    ]["application/json"]["example"]
    # As documented, with only the proof solved afresh (the day is not replaced).
    example = {**example, "proof": proof_of_work.solve(proof_of_work.new_challenge())}
    assert post(client, example).status_code == 201


def test_api_docs_page_lists_every_endpoint(client):
    response = client.get(reverse("streetsafe:api_docs"))
    assert response.status_code == 200
    text = response.content.decode()
    for path in api_routes().values():
        assert path in text
    assert f'href="{reverse("streetsafe_api:openapi")}"' in text
    assert "Analysts only" in text


def test_the_menu_leads_everyone_to_street_safe_and_staff_to_their_pages(client):
    moderation = f'href="{reverse("streetsafe:moderation")}"'
    analysis = f'href="{reverse("streetsafe:dashboard")}"'
    street_safe = f'href="{reverse("streetsafe:home")}"'
    pages = {
        "anonymous": client.get(reverse("advice:home")),
        "person": signed_in("menu-person").get(reverse("advice:home")),
        "moderator": signed_in("menu-moderator", Role.MODERATOR).get(reverse("advice:home")),
        "analyst": signed_in("menu-analyst", Role.ANALYST).get(reverse("advice:home")),
    }
    texts = {who: page.content.decode() for who, page in pages.items()}
    for text in texts.values():
        assert street_safe in text
    assert moderation in texts["moderator"]
    assert analysis in texts["analyst"]
    for who in ("anonymous", "person", "analyst"):
        assert moderation not in texts[who], who
    for who in ("anonymous", "person", "moderator"):
        assert analysis not in texts[who], who


def test_public_reads_are_open_to_other_sites_and_nothing_else_is(client):
    """CORS: another site's page may read the public map's data; nothing private or writable."""
    seed()
    origin = {"HTTP_ORIGIN": "https://council.example"}
    for name, query in (
        ("streetsafe_api:openapi", ""),
        ("streetsafe_api:cells", "?bbox=51.48,-0.20,51.54,-0.05"),
        ("streetsafe_api:actions", ""),
    ):
        response = client.get(reverse(name) + query, **origin)
        assert response.status_code == 200, name
        assert response["Access-Control-Allow-Origin"] == "*", name
        assert "Access-Control-Allow-Credentials" not in response, name
    for response in (
        client.get(reverse("streetsafe_api:challenge"), **origin),
        post(client, body(), **origin),
        client.get(
            reverse("streetsafe_api:analysis_cells") + "?bbox=51.48,-0.20,51.54,-0.05", **origin
        ),
    ):
        assert "Access-Control-Allow-Origin" not in response


def test_many_reports_from_one_address_get_a_harder_challenge(client, settings):
    settings.SAFETRAIL_STREETSAFE_POW_MAX_NUMBER = 500
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 1
    settings.SAFETRAIL_STREETSAFE_HARDER_REPORTS_PER_DAY = 3
    settings.SAFETRAIL_STREETSAFE_HARDER_STEP = 1

    def challenge() -> proof_of_work.Challenge:
        data = client.get(reverse("streetsafe_api:challenge")).json()
        return proof_of_work.Challenge(
            algorithm=data["algorithm"],
            challenge=data["challenge"],
            salt=data["salt"],
            signature=data["signature"],
            max_number=data["maxnumber"],
        )

    first = challenge()
    assert first.max_number == 500
    assert post(client, body(proof=proof_of_work.solve(first))).status_code == 201
    assert challenge().max_number == 1000
    easy = post(client, body(proof=proof_of_work.solve(proof_of_work.new_challenge())))
    assert easy.status_code == 400
    assert "harder now" in easy.json()["errors"]["proof"]
    assert Report.objects.count() == 1
    harder = challenge()
    assert post(client, body(proof=proof_of_work.solve(harder))).status_code == 201


def test_other_websites_cannot_send_reports_through_their_visitors(client):
    """Only JSON (which needs a CORS preflight across sites) and never a cross-site fetch."""
    as_text = client.post(
        reverse("streetsafe_api:reports"), json.dumps(body()), content_type="text/plain"
    )
    assert as_text.status_code == 415
    as_form = client.post(reverse("streetsafe_api:reports"), {"latitude": "51.5"})
    assert as_form.status_code == 415
    cross_site = post(client, body(), HTTP_SEC_FETCH_SITE="cross-site")
    assert cross_site.status_code == 403
    assert cross_site.json()["error"] == "cross_site"
    assert Report.objects.count() == 0
    # A same-site page and a program (no Sec-Fetch-Site) are fine.
    assert post(client, body(), HTTP_SEC_FETCH_SITE="same-origin").status_code == 201
    assert post(client, body()).status_code == 201
