"""A proof-of-work challenge, self-hosted, instead of a tracking CAPTCHA.

The ALTCHA protocol (v1): the server sends a salt, a SHA-256 digest and an HMAC
signature of it; the browser tries numbers until SHA-256(salt + number)
matches, which costs it a moment of work and a flood script a lot. The
browser side is our own small script (``static/safetrail/streetsafe-pow.mjs``),
so nothing is loaded from anyone else. The signature key is derived from
SECRET_KEY; each solution is accepted once (remembered in the cache until the
challenge expires).

A challenge has a level: level n takes 2**n times the work of level 0. The
level is written into the salt, which the signature covers, so a browser
cannot claim a harder challenge than it was given. limits.py decides the
level a sender needs (harder after many reports from one address in a day).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs

import altcha
from django.conf import settings
from django.utils import timezone

from safetrail.streetsafe import counting

# As long as a report's draft lives (draft.MAX_AGE): a check page left open
# that long still sends a solved report.
EXPIRES_AFTER = timedelta(hours=2)
ALGORITHM = "SHA-256"
# 16 times the work at most: a few seconds on a new phone, well under a
# minute on an old one, solved while the person reads the check page.
MAX_LEVEL = 4
NOT_SOLVED = -1


def _key() -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), b"streetsafe.proof-of-work", hashlib.sha256
    ).digest()


@dataclass(frozen=True)
class Challenge:
    algorithm: str
    challenge: str
    salt: str
    signature: str
    max_number: int

    def as_json(self) -> str:
        return json.dumps(
            {
                "algorithm": self.algorithm,
                "challenge": self.challenge,
                "salt": self.salt,
                "signature": self.signature,
                "maxnumber": self.max_number,
            }
        )


def new_challenge(level: int = 0) -> Challenge:
    level = max(0, min(level, MAX_LEVEL))
    made = altcha.create_challenge_v1(
        hmac_key=_key(),
        algorithm=ALGORITHM,
        max_number=settings.SAFETRAIL_STREETSAFE_POW_MAX_NUMBER * 2**level,
        expires=timezone.now() + EXPIRES_AFTER,
        params={"level": str(level)},
    )
    return Challenge(
        algorithm=made.algorithm,
        challenge=made.challenge,
        salt=made.salt,
        signature=made.signature,
        max_number=made.max_number,
    )


def verify(payload: str) -> bool:
    """True for a correct, unexpired solution not used before. Never raises."""
    return solved_level(payload) != NOT_SOLVED


def solved_level(payload: str) -> int:
    """The level of a correct, unexpired solution not used before; NOT_SOLVED otherwise.

    Marks the solution used, so call it once per report. Never raises.
    """
    if not payload or len(payload) > 2000:
        return NOT_SOLVED
    try:
        decoded = json.loads(base64.b64decode(payload, validate=True))
        # Only what new_challenge makes: the library would also take SHA-1.
        if not isinstance(decoded, dict) or decoded.get("algorithm") != ALGORITHM:
            return NOT_SOLVED
        ok, _ = altcha.verify_solution_v1(decoded, _key(), check_expires=True)
        level = _level_of(str(decoded.get("salt", "")))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return NOT_SOLVED
    if not ok:
        return NOT_SOLVED
    signature = str(decoded.get("signature", ""))
    first = counting.first_time(
        f"streetsafe:pow-used:{signature}", int(EXPIRES_AFTER.total_seconds()) + 60
    )
    return level if first else NOT_SOLVED


def _level_of(salt: str) -> int:
    """The level written into a (signed) salt; 0 for challenges made before levels."""
    _, _, query = salt.partition("?")
    values = parse_qs(query).get("level", ["0"])
    level = int(values[0])
    if not 0 <= level <= MAX_LEVEL:
        raise ValueError("level out of range")
    return level


def solve(challenge: Challenge) -> str:
    """The payload a browser would send (for tests and the benchmark's load generator)."""
    solution = altcha.solve_challenge_v1(
        challenge.challenge, challenge.salt, challenge.algorithm, challenge.max_number
    )
    if solution is None:
        raise ValueError("no solution")
    payload = {
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "number": solution.number,
        "salt": challenge.salt,
        "signature": challenge.signature,
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()
