from __future__ import annotations

import logging

import pytest

from safetrail.safety.logging import ScrubFilter, scrub


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('"GET /exit/?name=secret HTTP/1.1" 302 0', '"GET /exit/ HTTP/1.1" 302 0'),
        ("from 192.168.1.23 now", "from [address] now"),
        ("from 2001:db8::7 now", "from [address] now"),
        ("from ::1", "from [address]"),
        ("peer 198.51.100.4:51234 closed", "peer [address] closed"),
        ("connection from 10.0.0.1.", "connection from [address]."),
        ("from 2001:db8::1.", "from [address]."),
        ("see https://example.org/a?b=c", "see https://example.org/a"),
        ("Is it safe? yes", "Is it safe? yes"),
        ("at 12:30:45 on 2026-11-25", "at 12:30:45 on 2026-11-25"),
    ],
)
def test_scrub_removes_addresses_and_query_strings(raw, expected):
    assert scrub(raw) == expected


def test_filter_formats_then_scrubs_arguments_and_tracebacks():
    try:
        raise ValueError("bad value from 10.1.2.3")
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "Error at %s for %s",
        ("/x?q=1", "10.9.8.7"),
        exc_info,
    )
    record.request = object()

    ScrubFilter().filter(record)

    assert record.getMessage() == "Error at /x for [address]"
    assert "10.1.2.3" not in record.exc_text
    assert not hasattr(record, "request")


@pytest.mark.django_db
def test_nothing_identifying_reaches_the_log(client, caplog):
    marker = "marker-7c1e"
    handler_filter = ScrubFilter()
    caplog.handler.addFilter(handler_filter)

    with caplog.at_level(logging.DEBUG):
        client.get(f"/no-such-page/?who={marker}", REMOTE_ADDR="203.0.113.9")
        client.post(f"/no-such-page/?who={marker}", {"note": marker}, REMOTE_ADDR="203.0.113.9")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/no-such-page/" in logged  # the 404 was logged ...
    assert marker not in logged  # ... without its query string or body
    assert "203.0.113.9" not in logged


def test_the_configured_handlers_all_scrub(settings):
    logging_config = settings.LOGGING
    for name, handler in logging_config["handlers"].items():
        assert "scrub" in handler.get("filters", []), name
