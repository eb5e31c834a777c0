"""The self-hosted proof-of-work challenge: solved once, in time, as issued."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import altcha
import pytest
from django.core.cache import cache
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from safetrail.streetsafe import proof_of_work


@pytest.fixture(autouse=True)
def quick_challenges(settings):
    cache.clear()
    settings.SAFETRAIL_STREETSAFE_POW_MAX_NUMBER = 2_000


def encode(payload) -> str:
    return base64.b64encode(json.dumps(payload).encode()).decode()


def decode(payload: str) -> dict:
    return json.loads(base64.b64decode(payload))


def solved() -> str:
    return proof_of_work.solve(proof_of_work.new_challenge())


def test_a_solved_challenge_is_accepted():
    challenge = proof_of_work.new_challenge()

    payload = proof_of_work.solve(challenge)

    assert challenge.algorithm == "SHA-256"
    assert json.loads(challenge.as_json())["maxnumber"] == 2_000
    assert proof_of_work.verify(payload)


def test_a_solution_is_accepted_once():
    payload = solved()

    assert proof_of_work.verify(payload)
    assert not proof_of_work.verify(payload)


def test_another_solution_to_the_same_challenge_is_a_replay():
    payload = solved()
    assert proof_of_work.verify(payload)
    again = decode(payload)
    # The same numbers, written differently: still the one challenge.
    again["number"] = str(again["number"])

    assert not proof_of_work.verify(encode(again))


def test_each_challenge_is_new():
    first, second = proof_of_work.new_challenge(), proof_of_work.new_challenge()

    assert first.salt != second.salt
    assert first.signature != second.signature


def test_an_expired_challenge_is_refused(monkeypatch):
    too_long_ago = timezone.now() - proof_of_work.EXPIRES_AFTER - timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: too_long_ago)
    challenge = proof_of_work.new_challenge()
    monkeypatch.undo()

    payload = proof_of_work.solve(challenge)

    assert not proof_of_work.verify(payload)


def test_a_challenge_nearly_expired_is_still_accepted(monkeypatch):
    nearly = timezone.now() - proof_of_work.EXPIRES_AFTER + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: nearly)
    challenge = proof_of_work.new_challenge()
    monkeypatch.undo()

    assert proof_of_work.verify(proof_of_work.solve(challenge))


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.update(number=p["number"] + 1),
        lambda p: p.update(number=-1),
        lambda p: p.update(
            salt=p["salt"].replace(p["salt"][0], "f" if p["salt"][0] != "f" else "e", 1)
        ),
        lambda p: p.update(salt=p["salt"].split("?")[0] + "?expires=99999999999&"),
        lambda p: p.update(signature="0" * 64),
        lambda p: p.update(signature=p["signature"][::-1]),
        lambda p: p.update(challenge="0" * 64),
        lambda p: p.pop("signature"),
        lambda p: p.pop("number"),
    ],
    ids=[
        "number",
        "negative-number",
        "salt",
        "salt-expiry",
        "signature-zero",
        "signature-reversed",
        "challenge",
        "no-signature",
        "no-number",
    ],
)
def test_a_tampered_solution_is_refused(change):
    payload = decode(solved())
    change(payload)

    assert not proof_of_work.verify(encode(payload))


def test_a_solution_signed_with_another_key_is_refused():
    made = altcha.create_challenge_v1(hmac_key=b"not the key", max_number=100)
    found = altcha.solve_challenge_v1(made.challenge, made.salt, made.algorithm, 100)
    payload = {
        "algorithm": made.algorithm,
        "challenge": made.challenge,
        "number": found.number,
        "salt": made.salt,
        "signature": made.signature,
    }

    assert not proof_of_work.verify(encode(payload))


@pytest.mark.parametrize("algorithm", ["SHA-1", "SHA-512", "sha-256", "MD5", ""])
def test_only_sha_256_is_accepted(algorithm):
    """Even a challenge signed with the real key, had it been made with another hash."""
    real = algorithm if algorithm in ("SHA-1", "SHA-512") else "SHA-256"
    made = altcha.create_challenge_v1(
        hmac_key=proof_of_work._key(),
        max_number=200,
        algorithm=real,
        expires=timezone.now() + timedelta(minutes=5),
    )
    found = altcha.solve_challenge_v1(made.challenge, made.salt, real, 200)
    payload = {
        "algorithm": algorithm,
        "challenge": made.challenge,
        "number": found.number,
        "salt": made.salt,
        "signature": made.signature,
    }

    assert not proof_of_work.verify(encode(payload))


GARBAGE = [
    "",
    "!!!! not base64 !!!!",
    "é" * 20,
    base64.b64encode(b"not json at all").decode(),
    base64.b64encode(b"\xff\xfe\xfd").decode(),
    encode(None),
    encode(5),
    encode("algorithm challenge number salt signature"),
    encode(["algorithm", "challenge", "number", "salt", "signature"]),
    encode({}),
    encode({"algorithm": "SHA-256"}),
    encode({"algorithm": ["SHA-256"], "challenge": 1, "number": 1, "salt": 1, "signature": 1}),
    encode({"algorithm": "SHA-256", "challenge": "x", "number": 1, "salt": 5, "signature": "s"}),
    encode(
        {
            "algorithm": "SHA-256",
            "challenge": "x",
            "number": 1,
            "salt": "a?expires=soon&",
            "signature": "s",
        }
    ),
    encode({"algorithm": "SHA-256", "challenge": {}, "number": [], "salt": "", "signature": None}),
    base64.b64encode(b"[" * 1400).decode(),  # deeper than the JSON parser goes
    base64.b64encode(b"{" * 1400).decode(),
    "A" * 2001,
    encode({"padding": "x" * 100_000}),
]


@pytest.mark.parametrize("payload", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_is_refused_without_raising(payload):
    assert proof_of_work.verify(payload) is False


@hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        st.text(max_size=3000), st.binary(max_size=1500).map(lambda b: base64.b64encode(b).decode())
    )
)
def test_any_text_is_refused_without_raising(payload):
    assert proof_of_work.verify(payload) is False


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "algorithm": st.sampled_from(["SHA-256", "SHA-1"]) | JSON_VALUES,
            "challenge": JSON_VALUES,
            "number": JSON_VALUES,
            "salt": st.text(max_size=40) | JSON_VALUES,
            "signature": JSON_VALUES,
        },
    )
)
def test_any_json_object_is_refused_without_raising(payload):
    assert proof_of_work.verify(encode(payload)) is False


# --- levels -------------------------------------------------------------------------------------


def test_a_harder_level_is_more_work_and_is_reported_back():
    easy = proof_of_work.new_challenge()
    hard = proof_of_work.new_challenge(level=3)
    assert hard.max_number == easy.max_number * 8
    assert "level=3" in hard.salt
    assert proof_of_work.solved_level(proof_of_work.solve(hard)) == 3
    assert proof_of_work.solved_level(proof_of_work.solve(easy)) == 0
    assert (
        proof_of_work.new_challenge(level=99).max_number
        == easy.max_number * 2**proof_of_work.MAX_LEVEL
    )


def test_a_level_raised_by_the_browser_breaks_the_signature():
    payload = decode(proof_of_work.solve(proof_of_work.new_challenge()))
    payload["salt"] = payload["salt"].replace("level=0", "level=4")
    assert "level=4" in payload["salt"]
    assert proof_of_work.solved_level(encode(payload)) == proof_of_work.NOT_SOLVED
