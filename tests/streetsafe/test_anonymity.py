"""Street Safe keeps no trace of who reported: no address in the database, the logs or
any response, no cookie but CSRF's, random report ids, and a daily key never written down."""

from __future__ import annotations

import ipaddress
import itertools
import json
import logging
import shutil
import uuid
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safetrail.safety.logging import ScrubFilter
from safetrail.streetsafe import limits, proof_of_work, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import ModerationAction, Report
from tests.html import soup
from tests.rawdata import assert_absent, database_bytes, file_store_bytes

IPV4 = "203.0.113.77"
IPV6 = "2001:db8::77"
ADDRESSES = (IPV4, IPV6)
PROXY = "127.0.0.1"
NOTE = "MARK-street-safe-note the lamp is out"  # stored (redacted), so the dump is real

needs_a_dump = pytest.mark.skipif(
    connection.vendor == "postgresql" and shutil.which("pg_dump") is None,
    reason="pg_dump is not installed",
)


def forms_of_address(address: str) -> list[str]:
    """Every way an address could be written down: as given, in full, its /64, reversed."""
    parsed = ipaddress.ip_address(address)
    forms = {address, str(parsed), parsed.exploded, parsed.reverse_pointer}
    if parsed.version == 6:
        forms.add(str(ipaddress.ip_network(f"{address}/64", strict=False)))
        forms.add(parsed.exploded.replace(":", ""))
    return sorted(forms)


def assert_no_address(blob: bytes, where: str) -> None:
    for address in ADDRESSES:
        for form in forms_of_address(address):
            assert_absent(form, blob, where)
    # The 16 raw bytes of the IPv6 address (four bytes of IPv4 turn up by chance).
    assert ipaddress.ip_address(IPV6).packed not in blob, where


@pytest.fixture(autouse=True)
def fresh_limits(settings):
    cache.clear()
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 1_000
    settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY = 1_000
    settings.SAFETRAIL_STREETSAFE_POW_MAX_NUMBER = 2_000
    yield
    cache.clear()


@pytest.fixture
def every_log(caplog):
    """Every record at DEBUG, SQL included, from every logger, before any handler's filter.

    Django's loggers do not pass records up to the root logger, where caplog
    listens, so it listens on them too.
    """
    django_loggers = [logging.getLogger(name) for name in ("django", "django.server")]
    levels = [logger.level for logger in django_loggers]
    for logger in django_loggers:
        logger.addHandler(caplog.handler)
        logger.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    connection.force_debug_cursor = True
    yield caplog
    connection.force_debug_cursor = False
    for logger, level in zip(django_loggers, levels, strict=True):
        logger.removeHandler(caplog.handler)
        logger.setLevel(level)


def assert_no_address_logged(records: list[logging.LogRecord]) -> None:
    assert records, "nothing was logged: the capture is not working"
    for record in records:
        # What our code and the libraries put in a message never holds an address ...
        text = record.getMessage() + (record.exc_text or "")
        for address in ADDRESSES:
            for form in forms_of_address(address):
                assert form not in text, (record.name, text[:300])
        # ... and what the configured handlers pass on holds none anywhere.
        ScrubFilter().filter(record)
        assert_no_address(repr(vars(record)).encode(), f"log record {record.name}")


def assert_clean_response(response, where: str) -> None:
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert_no_address(headers.encode() + b"\n" + body, where)
    # No cookie but the CSRF one, and never a session.
    assert set(response.cookies) <= {"csrftoken"}, (where, set(response.cookies))
    # ... and that one goes when the browser closes: no trace left for a year.
    for cookie in response.cookies.values():
        assert not cookie["max-age"], (where, cookie.output())
        assert not cookie["expires"], (where, cookie.output())


def draft(**extra) -> services.Draft:
    values = {
        "point": Point(51.5101, -0.1340),
        "located_by": "map",
        "reasons": ["badly_lit", "followed"],
        "when": "another_day",
        "band": "evening",
        "day": services.today() - timedelta(days=2),
        "note": NOTE,
    }
    values.update(extra)
    return services.Draft(**values)


# --- the database and the logs ---------------------------------------------------------------


@needs_a_dump
@pytest.mark.django_db(transaction=True)
def test_reports_through_the_services_leave_no_address(every_log):
    made = []
    for address in ADDRESSES:
        made.append(services.report_create(draft(), address=address, verified=True))
        made.append(services.report_create(draft(note=""), address=address, verified=False))
    services.report_create(draft(), address=IPV6, verified=True, same_as=made[0].id)
    services.moderate(
        report_id=made[1].id, moderator=None, kind=ModerationAction.Kind.HIDDEN, reason="test"
    )
    # Two days, below the k rule: nothing is offered to a stranger as "nearby".
    assert services.nearby(Point(51.5101, -0.1340)) == []
    assert Report.objects.count() == 5

    stored = database_bytes()

    assert NOTE.encode() in stored  # the reports really are in what was read
    assert_no_address(stored, f"the {connection.vendor} database")
    assert_no_address(file_store_bytes(), "the file store")
    assert_no_address_logged(every_log.records)
    for address in ADDRESSES:
        assert_absent(limits.sender_token(address), stored, "the database")


def _via(address: str, *, proxied: bool) -> dict[str, str]:
    """The request's source: the address itself, or a trusted proxy passing it on."""
    if proxied:
        return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"198.51.100.250, {address}"}
    return {"REMOTE_ADDR": address, "HTTP_X_FORWARDED_FOR": address}


def _api_report(client: Client, source: dict[str, str], *, proof: str = "") -> object:
    body = {
        "latitude": 51.5101,
        "longitude": -0.1340,
        "reasons": ["badly_lit"],
        "when": "earlier_today",
        "band": "night",  # always earlier today, whenever the test runs
        "note": NOTE,
    }
    if proof:
        body["proof"] = proof
    return client.post(
        reverse("streetsafe_api:reports"),
        data=json.dumps(body),
        content_type="application/json",
        **source,
    )


@needs_a_dump
@pytest.mark.django_db(transaction=True)
def test_reports_through_the_api_and_the_pages_leave_no_address(settings, every_log):
    settings.SAFETRAIL_BEHIND_PROXY = True
    settings.SAFETRAIL_PROXY_ADDRESSES = frozenset({PROXY})
    client = Client()
    responses = []
    for address in ADDRESSES:
        for proxied in (False, True):
            source = _via(address, proxied=proxied)
            challenge = client.get(reverse("streetsafe_api:challenge"), **source)
            assert challenge.status_code == 200
            puzzle = json.loads(challenge.content)
            solved = proof_of_work.solve(
                proof_of_work.Challenge(
                    algorithm=puzzle["algorithm"],
                    challenge=puzzle["challenge"],
                    salt=puzzle["salt"],
                    signature=puzzle["signature"],
                    max_number=puzzle["maxnumber"],
                )
            )
            sent = _api_report(client, source, proof=solved)
            assert sent.status_code == 201, sent.content
            unsolved = _api_report(client, source)
            assert unsolved.status_code == 201, unsolved.content
            responses += [challenge, sent, unsolved]
            for url in (
                reverse("streetsafe:home"),
                reverse("streetsafe:report_place"),
                reverse("streetsafe:map"),
                reverse("streetsafe:table"),
                reverse("streetsafe:public_csv"),
                reverse("streetsafe:public_geojson"),
                reverse("streetsafe_api:cells") + "?bbox=51.48,-0.2,51.54,-0.05",
                reverse("streetsafe_api:actions"),
            ):
                response = client.get(url, **source)
                assert response.status_code == 200, url
                responses.append(response)
    assert Report.objects.count() == 8
    assert Report.objects.filter(verified=True).count() == 4

    for response in responses:
        assert_clean_response(response, response.request["PATH_INFO"])
    stored = database_bytes()
    assert NOTE.encode() in stored
    assert_no_address(stored, f"the {connection.vendor} database")
    assert_no_address_logged(every_log.records)
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_the_address_behind_the_proxy_is_the_one_limited(settings):
    """The address was used (for the limit) even though it was kept nowhere."""
    settings.SAFETRAIL_BEHIND_PROXY = True
    settings.SAFETRAIL_PROXY_ADDRESSES = frozenset({PROXY})
    settings.SAFETRAIL_STREETSAFE_UNVERIFIED_REPORTS_PER_DAY = 2
    client = Client()
    for _ in range(2):
        assert _api_report(client, _via(IPV6, proxied=True)).status_code == 201

    assert _api_report(client, _via(IPV6, proxied=True)).status_code == 429
    assert _api_report(client, _via(IPV6, proxied=False)).status_code == 429
    assert _api_report(client, _via(IPV4, proxied=True)).status_code == 201


def _form_report(client: Client, source: dict[str, str]) -> list:
    """The no-JavaScript flow: typed coordinates, details, check, send."""

    def state_of(response) -> str:
        return soup(response).find("input", attrs={"name": "state"})["value"]

    day = services.today() - timedelta(days=3)
    to_details = client.post(
        reverse("streetsafe:report_place"),
        {"typed_latitude": "51.5101", "typed_longitude": "-0.1340"},
        **source,
    )
    assert to_details.status_code == 303, to_details.content.decode()[:2000]
    placed = client.get(to_details["Location"], **source)
    to_check = client.post(
        reverse("streetsafe:report_details"),
        {
            "state": state_of(placed),
            "reasons": ["badly_lit"],
            "when": "another_day",
            "day_day": str(day.day),
            "day_month": str(day.month),
            "day_year": str(day.year),
            "band": "night",
            "note": NOTE,
            "age_band": "skip",
            "gender": "skip",
            "ethnic_group": "skip",
            "disability": "skip",
        },
        **source,
    )
    assert to_check.status_code == 303, to_check.content.decode()[:2000]
    checked = client.get(to_check["Location"], **source)
    sent = client.post(
        reverse("streetsafe:report_send"),
        {"state": state_of(checked), "same_as": "different"},
        **source,
    )
    assert sent.status_code == 303, sent.content.decode()[:2000]
    done = client.get(sent["Location"], **source)
    return [to_details, placed, to_check, checked, sent, done]


@needs_a_dump
@pytest.mark.django_db(transaction=True)
def test_reports_through_the_form_leave_no_address(settings, every_log):
    settings.SAFETRAIL_BEHIND_PROXY = True
    settings.SAFETRAIL_PROXY_ADDRESSES = frozenset({PROXY})
    client = Client(enforce_csrf_checks=False)
    responses = []
    for address in ADDRESSES:
        for proxied in (False, True):
            responses += _form_report(client, _via(address, proxied=proxied))
    assert Report.objects.count() == 4

    for response in responses:
        assert_clean_response(response, response.request["PATH_INFO"])
    stored = database_bytes()
    assert NOTE.encode() in stored
    assert_no_address(stored, f"the {connection.vendor} database")
    assert_no_address_logged(every_log.records)
    assert not Session.objects.exists()


# --- report ids ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_report_ids_are_random():
    ids = [
        services.report_create(draft(note=""), address=f"198.51.100.{number}", verified=True).id
        for number in range(40)
    ]

    assert all(isinstance(value, uuid.UUID) and value.version == 4 for value in ids)
    assert all(value.variant == uuid.RFC_4122 for value in ids)
    numbers = [value.int for value in ids]
    # Not in the order they were made, either way, nor a fixed step apart.
    assert numbers != sorted(numbers)
    assert numbers != sorted(numbers, reverse=True)
    assert len({b - a for a, b in itertools.pairwise(numbers)}) > 1
    # Rises and falls between neighbours about as often as a coin comes up heads
    # (outside 5 to 34 of 39 by chance about once in three million runs).
    rises = sum(b > a for a, b in itertools.pairwise(numbers))
    assert 5 <= rises <= 34
    # Consecutive ids do not share a leading run, as time-ordered ids (UUIDv1, v6, v7) do.
    assert len({value.hex[:8] for value in ids}) == len(ids)


# --- the daily key ---------------------------------------------------------------------------


def _at(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_the_sender_token_changes_every_day(monkeypatch):
    monday = timezone.now().replace(hour=9)
    _at(monkeypatch, monday)
    first = limits.sender_token(IPV4)
    assert limits.sender_token(IPV4) == first
    _at(monkeypatch, monday.replace(hour=23, minute=59))
    assert limits.sender_token(IPV4) == first

    _at(monkeypatch, monday + timedelta(days=1))
    tuesday = limits.sender_token(IPV4)
    _at(monkeypatch, monday + timedelta(days=2))
    wednesday = limits.sender_token(IPV4)

    assert len({first, tuesday, wednesday}) == 3
    assert IPV4 not in first
    assert limits.sender_token(IPV6) != wednesday


def test_the_sender_token_is_not_a_plain_hash_of_the_address():
    import hashlib

    token = limits.sender_token(IPV4)

    for digest in (hashlib.sha256, hashlib.sha1, hashlib.md5):
        assert digest(IPV4.encode()).hexdigest() != token


def test_a_lost_daily_key_is_a_new_one():
    """The key lives only in the cache: once gone, yesterday's tokens cannot be made again."""
    before = limits.sender_token(IPV4)

    cache.clear()

    assert limits.sender_token(IPV4) != before


@needs_a_dump
@pytest.mark.django_db(transaction=True)
def test_the_daily_key_is_never_in_the_database(every_log):
    for address in ADDRESSES:
        services.report_create(draft(), address=address, verified=True)
    key = cache.get(f"streetsafe:daily-key:{timezone.now().date().isoformat()}")
    assert key  # made on first use
    raw_key = bytes.fromhex(key)

    stored = database_bytes()

    assert NOTE.encode() in stored
    assert_absent(key, stored, "the database")
    assert raw_key not in stored
    logged = "\n".join(record.getMessage() for record in every_log.records)
    assert key not in logged
