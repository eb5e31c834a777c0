"""Recovery codes: what is issued, and what a person may type back."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safetrail.vault.recovery import ALPHABET, GROUP_LENGTH, GROUPS, new_recovery_code, normalise

FAST = settings(max_examples=150, deadline=None)
CANONICAL = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){5}")
# What a person might type for each canonical character.
TYPED_AS = {ch: [ch, ch.lower()] for ch in ALPHABET}
TYPED_AS["0"] += ["O", "o"]
TYPED_AS["1"] += ["I", "i", "L", "l"]


def test_the_alphabet_is_crockford_base32():
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)
    # The pattern used below accepts exactly the alphabet.
    accepted = {chr(c) for c in range(128) if CANONICAL.fullmatch("-".join([chr(c) * 4] * 6))}
    assert accepted == set(ALPHABET)


def test_new_codes_are_six_groups_of_four():
    for _ in range(200):
        code = new_recovery_code()
        assert CANONICAL.fullmatch(code), code
        groups = code.split("-")
        assert len(groups) == GROUPS == 6
        assert all(len(group) == GROUP_LENGTH == 4 for group in groups)
        assert normalise(code) == code


def test_new_codes_are_random_over_the_whole_alphabet():
    codes = [new_recovery_code() for _ in range(300)]
    assert len(set(codes)) == len(codes)
    # 7,200 characters: missing any one of 32 has probability ~32 * (31/32)**7200.
    assert set("".join(codes).replace("-", "")) == set(ALPHABET)


codes = st.text(ALPHABET, min_size=24, max_size=24).map(
    lambda characters: "-".join(characters[at : at + 4] for at in range(0, 24, 4))
)


@st.composite
def typed_codes(draw) -> tuple[str, str]:
    """A code, and the way someone might type it back."""
    code = draw(codes)
    groups = [
        "".join(draw(st.sampled_from(TYPED_AS[ch])) for ch in group) for group in code.split("-")
    ]
    typed = groups[0]
    for group in groups[1:]:
        typed += draw(st.sampled_from(["-", " ", "", "  ", " - ", "\t"])) + group
    padding = st.sampled_from(["", " ", "\n"])
    return code, draw(padding) + typed + draw(padding)


@FAST
@given(typed_codes())
def test_normalise_forgives_case_separators_and_look_alikes(code_and_typed):
    code, typed = code_and_typed
    assert normalise(typed) == code


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("abcd-efgh-jkmn-pqrs-tvwx-yz01", "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01"),
        ("ABCD EFGH JKMN PQRS TVWX YZ01", "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01"),
        ("ABCDEFGHJKMNPQRSTVWXYZ01", "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01"),
        ("oooo-OOOO-iiii-IIII-llll-LLLL", "0000-0000-1111-1111-1111-1111"),
    ],
)
def test_normalise_examples(typed, expected):
    assert normalise(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ABCD-EFGH-JKMN-PQRS-TVWX-YZ0",  # one short
        "ABCD-EFGH-JKMN-PQRS-TVWX-YZ012",  # one long
        "ABCD-EFGH-JKMN-PQRS-TVWX",  # a group missing
        "UBCD-EFGH-JKMN-PQRS-TVWX-YZ01",  # U is not in the alphabet
        "ÀBCD-EFGH-JKMN-PQRS-TVWX-YZ01",
        "ABCD-EFGH-JKMN-PQRS-TVWX-YZ0١",  # an Arabic-Indic one
    ],
)
def test_normalise_rejects(typed):
    assert normalise(typed) == ""


@FAST
@given(codes, st.integers(0, 23), st.sampled_from("UuÀé€@"))
def test_normalise_rejects_a_character_outside_the_alphabet(code, at, wrong):
    characters = code.replace("-", "")
    assert normalise(characters[:at] + wrong + characters[at + 1 :]) == ""


@FAST
@given(codes, st.integers(0, 23), st.booleans())
def test_normalise_rejects_the_wrong_length(code, at, add):
    characters = code.replace("-", "")
    changed = (
        characters[:at] + "A" + characters[at:] if add else characters[:at] + characters[at + 1 :]
    )
    assert normalise(changed) == ""


@FAST
@given(st.text(max_size=40))
def test_normalise_returns_a_canonical_code_or_nothing(text):
    result = normalise(text)
    assert result == "" or CANONICAL.fullmatch(result)
    assert normalise(result) == result
