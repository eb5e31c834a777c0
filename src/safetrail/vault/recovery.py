"""Recovery codes: 120 random bits, written so a person can copy them by hand."""

from __future__ import annotations

import secrets

# Crockford's base32: no I, L, O or U, so nothing is easily misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = 6
GROUP_LENGTH = 4
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_recovery_code() -> str:
    characters = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH))
    return "-".join(
        characters[start : start + GROUP_LENGTH]
        for start in range(0, len(characters), GROUP_LENGTH)
    )


def normalise(code: str) -> str:
    """The canonical form of a typed code: case, spaces, dashes and look-alikes forgiven."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum()).translate(_CONFUSABLE)
    if len(cleaned) != GROUPS * GROUP_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return ""
    return "-".join(
        cleaned[start : start + GROUP_LENGTH] for start in range(0, len(cleaned), GROUP_LENGTH)
    )
