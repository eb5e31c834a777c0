"""Taking identifying details out of a reporter's note before anyone reads it.

The note is redacted as it arrives, and only the redacted text is stored:
nobody, moderators included, needs the original. What is caught: email
addresses, phone numbers, UK number plates, social media handles, and names
that follow a cue ("called Sam", "Mr Jones"). A name with no cue cannot be
told from a street or a shop by rules like these, so the form also asks people
not to name anyone, and a moderator reads every note before it is marked as
reviewed.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Seven or more digits, allowing spaces, dots, dashes, brackets and a leading +.
PHONE = re.compile(r"(?<![\w])\+?\(?\d(?:[\s().-]*\d){6,}(?![\w])")
# What PHONE also matches but people write about when: dates (12.03.2024,
# 2024-03-12) and times from one to another (22.00-23.30).
NOT_A_PHONE = re.compile(
    r"\d{1,4}(?P<separator>[./-])\d{1,2}(?P=separator)\d{1,4}"
    r"|\d{1,2}[.:]\d{2}\s*-\s*\d{1,2}[.:]\d{2}"
)
# Current (AB12 CDE) plates in any case; prefix (A123 BCD) and suffix
# (ABC 123D) ones only in capitals, as they are written, since in lower case
# they are everyday words and roads ("the A40 and", "N29 bus", "for 2h").
PLATE = re.compile(
    r"\b(?:(?i:[A-Z]{2}\d{2}\s?[A-Z]{3})|[A-Z]\d{1,3}\s?[A-Z]{3}|[A-Z]{3}\s?\d{1,3}[A-Z])\b"
)
# Not a time written "@10pm" or "@22:30".
HANDLE = re.compile(r"(?<![\w@])@(?!\d{1,2}(?:[.:]\d{2})?(?:am|pm)?\b)[A-Za-z0-9_.]{2,30}")
NAME_CUE = re.compile(
    # English cues, and Welsh ones ("o'r enw" named, "a elwir" called, "ei enw" his name).
    r"\b(?P<cue>(?i:called|named|name is|name's|known as|o'r enw|a elwir|ei enw yw|ei henw yw|"
    r"Mr|Mrs|Ms|Miss|Mx|Dr|PC|DC|Sgt)\.?)\s+"
    r"(?P<name>[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)",
)

EMAIL_MARK = "[email removed]"
PHONE_MARK = "[phone number removed]"
PLATE_MARK = "[number plate removed]"
HANDLE_MARK = "[username removed]"
NAME_MARK = "[name removed]"


def _looks_like_plate(match: re.Match[str]) -> bool:
    text = match.group(0)
    # Ordinary words such as "ABC 1D" are rare; plain words with no digit never match.
    return any(character.isdigit() for character in text) and any(
        character.isalpha() for character in text
    )


def redact(text: str) -> str:
    text = EMAIL.sub(EMAIL_MARK, text)
    text = HANDLE.sub(HANDLE_MARK, text)
    text = PHONE.sub(
        lambda match: (
            match.group(0) if NOT_A_PHONE.fullmatch(match.group(0).strip()) else PHONE_MARK
        ),
        text,
    )
    text = PLATE.sub(lambda match: PLATE_MARK if _looks_like_plate(match) else match.group(0), text)
    text = NAME_CUE.sub(lambda match: f"{match.group('cue')} {NAME_MARK}", text)
    return text


def was_redacted(text: str) -> bool:
    return any(
        mark in text for mark in (EMAIL_MARK, PHONE_MARK, PLATE_MARK, HANDLE_MARK, NAME_MARK)
    )
