"""A logging filter that removes what could identify a visitor.

Stalking victims and Street Safe reporters must not be traceable through the
server's logs. Whatever a library logs, this filter rewrites the message before
any handler sees it: IP addresses become ``[address]`` and query strings are
cut from paths and URLs. The request object that Django attaches to records is
dropped, so no handler can serialise headers or bodies from it.
"""

from __future__ import annotations

import ipaddress
import logging
import re

_ADDRESS_CANDIDATE = re.compile(r"(?<![\w.:])[0-9A-Fa-f:.]*[:.][0-9A-Fa-f:.]*(?:%\w+)?(?![\w.:])")
_QUERY = re.compile(r"((?:https?://[^\s\"'?]+)|(?:/[^\s\"'?]*))\?[^\s\"']*")
_FORMATTER = logging.Formatter()


def _is_address(candidate: str) -> bool:
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def _looks_like_address(token: str) -> bool:
    candidate = token.split("%", 1)[0].strip("[]")
    if candidate.count(".") == 3 and candidate.count(":") == 1:
        candidate = candidate.split(":", 1)[0]  # IPv4 with a port
    if candidate.count(".") != 3 and candidate.count(":") < 2:
        return False
    return _is_address(candidate)


def _replace_address(match: re.Match[str]) -> str:
    token = match.group(0)
    # A full stop or colon after an address ends the sentence; it is not part of it.
    core = token.rstrip(".:")
    if _looks_like_address(core):
        return "[address]" + token[len(core) :]
    return token


def scrub(text: str) -> str:
    return _ADDRESS_CANDIDATE.sub(_replace_address, _QUERY.sub(r"\1", text))


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        for attribute in ("request", "scope"):
            if hasattr(record, attribute):
                delattr(record, attribute)
        return True
