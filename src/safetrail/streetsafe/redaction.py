"""Taking identifying details out of a reporter's note before anyone reads it.

The note is redacted as it arrives, and only the redacted text is stored:
nobody, moderators included, needs the original. What is caught:

- email addresses, also spelt out: "bob at example dot com", "bob (at) example
  (dot) co (dot) uk", "bob[at]example.com". The spelt-out form must have the
  shape "word at word dot suffix", each part one word and the suffix a common
  domain ending (com, co, uk, org, wales...), so "we were at the station dot
  matrix sign" stays. "bob at example.com", with a real dot but a plain "at",
  stays too, as that is also how people write "looking at bbc.co.uk";
- phone numbers;
- full UK postcodes ("N1 2AB");
- UK number plates: current ones (AB12 CDE) in any case, with or without
  spaces between the groups, and spelt out in capitals (A B 1 2 C D E); prefix
  (A123 BCD), suffix (ABC 123D) and Northern Irish (ABZ 1234) ones only in
  capitals;
- usernames: "@jay_99", links to a profile ("instagram.com/jay_99"), and the
  word after the name of a platform (Instagram, insta, IG, Snapchat, snap,
  TikTok, Twitter/X, Facebook, FB, WhatsApp, Telegram...) when it is given like
  a username: after ":", "=" or a dash ("snap: jay"), after "his snap is", or
  with a digit, "_" or "." in it ("insta jay.99"). With nothing between, a
  plain word is not taken (except after "fb" and "ig"), because "I use
  Instagram a lot" and "on my snap story" name a platform and nobody on it;
  the rules are at SOCIAL;
- names that follow a cue ("called Sam", "Mr Jones").

A name with no cue cannot be told from a street or a shop by rules like these,
so the form also asks people not to name anyone, and a moderator reads every
note before it is marked as reviewed.
"""

from __future__ import annotations

import re
import unicodedata

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Domain endings a spelt-out address may finish with. Only these, because
# "dot" also turns up in prose ("dot matrix", "on the dot").
_SUFFIXES = (
    "com|co|uk|org|net|io|me|wales|cymru|scot|london|ac|gov|nhs|sch|edu|info|biz|eu|ie"
    "|ltd|plc|app|dev|tv|online|email"
)
# "at" and "dot" written as words, in brackets, or a spaced "@".
_AT = r"(?i:\s*[\[(]\s*at\s*[\])]\s*|\s+at\s+|@\s*|\s+@\s+)"
_DOT = r"(?i:\s*[\[(]\s*dot\s*[\])]\s*|\s+dot\s+|\.)"
SPELLED_EMAIL = re.compile(
    rf"(?<![\w.+-])[\w.+-]+(?P<at>{_AT})[\w-]+(?:{_DOT}[\w-]+)*{_DOT}(?i:{_SUFFIXES})\b"
)
SPELLED_DOT = re.compile(r"(?i)[\[(]\s*dot\s*[\])]|\bdot\b")
# Seven or more digits, allowing spaces, dots, dashes, brackets and a leading +.
PHONE = re.compile(r"(?<![\w])\+?\(?\d(?:[\s().-]*\d){6,}(?![\w])")
# What PHONE also matches but people write about when: dates (12.03.2024,
# 2024-03-12) and times from one to another (22.00-23.30).
NOT_A_PHONE = re.compile(
    r"\d{1,4}(?P<separator>[./-])\d{1,2}(?P=separator)\d{1,4}"
    r"|\d{1,2}[.:]\d{2}\s*-\s*\d{1,2}[.:]\d{2}"
)
PLATE = re.compile(
    # Current (AB12 CDE) plates in any case and with any spaces between the
    # groups; _plate keeps "on 12 May" and the like.
    r"\b(?i:(?P<area>[A-Z]{2})(?P<gap>\s*)\d{2}\s*[A-Z]{3})\b"
    # Prefix (A123 BCD), suffix (ABC 123D) and Northern Irish (a letter, a
    # county code with I or Z, 1 to 4 digits: ABZ 1234) plates only in
    # capitals, as they are written, since in lower case they are everyday
    # words and roads ("the A40 and", "N29 bus", "for 2h", "big 10").
    r"|\b(?:[A-Z]\d{1,3}\s?[A-Z]{3}|[A-Z]{3}\s?\d{1,3}[A-Z])\b"
    r"|\b[A-Z](?:[A-HJ-PR-Y]Z|I[ABGJLW]|[JOUX]I)\s?\d{1,4}\b"
    # A current plate spelt out, capitals only: L V 7 0 A B C.
    r"|\b[A-Z] [A-Z] \d \d [A-Z] [A-Z] [A-Z]\b"
)
# Short words that, standing alone before two digits and a three-letter word,
# make a phrase rather than a plate: "on 12 May", "in 20 min", "yn 24 awr".
_SHORT_WORDS = frozenset(
    (
        *("am", "an", "as", "at", "be", "by", "do", "go", "he", "hi", "if", "in", "is", "it", "me"),
        *("my", "no", "of", "oh", "ok", "on", "or", "so", "to", "up", "us", "we"),
        # Welsh: "ar" on, "yn" in, "am" at...
        *("ar", "yn", "yr", "ac", "ei", "eu", "fy", "dy", "ni", "ti", "os", "na"),
        # Abbreviations.
        *("mr", "dr", "st", "rd", "pm"),
    )
)
# Not a time written "@10pm" or "@22:30".
HANDLE = re.compile(r"(?<![\w@])@(?!\d{1,2}(?:[.:]\d{2})?(?:am|pm)?\b)[A-Za-z0-9_.]{2,30}")
PROFILE_URL = re.compile(
    r"(?i)(?:https?://)?(?<![\w.])(?:www\.|m\.)?"
    r"(?:instagram\.com|facebook\.com|fb\.com|fb\.me|tiktok\.com|twitter\.com|x\.com"
    r"|snapchat\.com|threads\.net|t\.me|wa\.me|bsky\.app)"
    r"/@?\w[\w@.%?=&/+~-]*(?<=[\w/])"
)
# A username after the name of a platform. Whether the next word is taken as
# one depends on what comes between (see _social):
# - ":", "=" or a dash ("instagram: jay", "tiktok - jay"): yes, as that is how
#   people give one, unless it is an everyday word ("tiktok - he was filming");
# - "is" or Welsh "yw": the same, but only after "my", "his", "her"... ("his
#   snap is jay", not "twitter is awful") or when the word looks like a username
#   as below ("snapchat is jay99");
# - nothing: only when the word looks like a username (a letter and a digit,
#   "_" or "."), as "I use Instagram a lot" and "on my snap story" are common.
#   "fb" and "ig" are only ever the platform and are not followed by a name in
#   ordinary sentences, so after them any word that is not an everyday one
#   ("fb jaysmith", but not "ig story").
SOCIAL = re.compile(
    r"(?P<owner>\b(?i:my|his|her|their|your|ei|eu|fy|dy)\s+)?"
    r"\b(?P<cue>(?i:(?P<platform>instagram|insta|ig|snapchat|snap|tik\s?tok"
    r"|twitter(?:\s*/\s*x)?|x\s*/\s*twitter|facebook|fb|whatsapp|telegram|discord|threads"
    r"|bluesky|kik)(?P<filler>\s+(?:user\s?name|name|handle|account|id))?))"
    r"(?P<separator>\s*[:=]\s*|\s+(?i:is|yw)\s+|\s*[-–—]\s+|\s+[-–—]\s*|\s+)"
    r"(?P<handle>\w(?:[\w.]*\w)?)"
    # Facebook names are real names: "facebook: Jay Smith".
    r"(?P<surname>\s+[A-Z][\w'-]*)?"
)
# Words a handle is never taken to be (compared in lower case, also without a
# plural "s"): what is written after a platform's name in ordinary sentences.
_EVERYDAY_WORDS = frozenset(
    (
        # The small words of any sentence ("tiktok - he was filming").
        *("a", "an", "and", "as", "at", "but", "by", "for", "from", "he", "her", "him", "his"),
        *("how", "i", "if", "in", "is", "it", "its", "just", "me", "my", "no", "not", "now", "of"),
        *("on", "or", "our", "she", "so", "that", "the", "their", "them", "then", "there", "they"),
        *("this", "to", "too", "up", "us", "was", "we", "were", "what", "when", "where", "who"),
        *("why", "with", "you", "your", "yesterday", "today", "tonight", "last", "again", "also"),
        *("all", "still", "said", "says", "about", "after", "before"),
        # What people write that someone has on a platform ("his fb page").
        *("account", "bio", "chat", "dm", "feed", "follower", "friend", "group", "live"),
        *("marketplace", "message", "messenger", "msg", "page", "photo", "pic", "picture", "post"),
        *("profile", "reel", "story", "stories", "video"),
        # What an account is ("his insta is private").
        *("private", "public", "locked", "blocked", "deleted", "gone", "down", "fake", "new"),
        "full",
        # Welsh.
        *("ac", "ar", "ei", "fe", "fo", "mae", "nhw", "ond", "roedd", "yn", "yr"),
    )
)
# What follows a platform's name but is a time or a count, not a username.
NOT_A_HANDLE = re.compile(r"(?i)\d[\d.:]*(?:am|pm|st|nd|rd|th|h|hrs?|mins?|x)?")
LOOKS_LIKE_HANDLE = re.compile(r"(?=.*[^\W\d_])(?=.*[\d_.])")
NAME_CUE = re.compile(
    # English cues, and Welsh ones ("o'r enw" named, "a elwir" called, "ei enw" his name).
    r"\b(?P<cue>(?i:called|named|name is|name's|known as|o'r enw|a elwir|ei enw yw|ei henw yw|"
    r"Mr|Mrs|Ms|Miss|Mx|Dr|PC|DC|Sgt)\.?)\s+"
    r"(?P<name>[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)",
)

# A full UK postcode ("N1 2AB", "sw1a 1aa") points at a handful of homes. The
# letters a postcode may use rule out times: "10 2pm" has an M, which no
# postcode's last part does.
POSTCODE = re.compile(r"(?i)\b[A-PR-UWYZ][A-HK-Y]?\d[A-HJKPSTUW\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b")

EMAIL_MARK = "[email removed]"
PHONE_MARK = "[phone number removed]"
PLATE_MARK = "[number plate removed]"
POSTCODE_MARK = "[postcode removed]"
HANDLE_MARK = "[username removed]"
NAME_MARK = "[name removed]"


def _spelled_email(match: re.Match[str]) -> str:
    # A plain "at" followed only by real dots is a place or a website
    # ("looking at bbc.co.uk"), not an address someone spelt out.
    domain = match.string[match.end("at") : match.end()]
    if match.group("at").strip().lower() == "at" and not SPELLED_DOT.search(domain):
        return match.group(0)
    return EMAIL_MARK


def _plate(match: re.Match[str]) -> str:
    area = match.group("area")
    if area is not None and match.group("gap") and area.lower() in _SHORT_WORDS:
        return match.group(0)
    return PLATE_MARK


def _is_everyday(word: str) -> bool:
    word = word.lower()
    return word in _EVERYDAY_WORDS or word.removesuffix("s") in _EVERYDAY_WORDS


def _social(match: re.Match[str]) -> str:
    handle, surname = match.group("handle"), match.group("surname") or ""
    separator = match.group("separator").strip().lower()
    if NOT_A_HANDLE.fullmatch(handle) or not any(c.isalpha() for c in handle):
        taken = False
    elif separator in ("is", "yw"):
        taken = not _is_everyday(handle) and bool(
            match.group("owner") or LOOKS_LIKE_HANDLE.match(handle)
        )
    elif separator or (
        match.group("platform").lower() in ("fb", "ig") and not match.group("filler")
    ):
        taken = not _is_everyday(handle)
    else:
        taken = bool(LOOKS_LIKE_HANDLE.match(handle))
    if not taken:
        return match.group(0)
    # A capitalised word after a capitalised username is its surname.
    rest = "" if handle[0].isupper() else surname
    owner = match.group("owner") or ""
    return f"{owner}{match.group('cue')}{match.group('separator')}{HANDLE_MARK}{rest}"


# "M4 2nd junction", "C4 2nd floor", "bws T2 1af": a code then an ordinal
# written in lower case, as people write them, is not a postcode.
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th|af|ed|ydd|fed)$")


def _postcode(match: re.Match[str]) -> str:
    return match.group(0) if _ORDINAL.search(match.group(0)) else POSTCODE_MARK


def redact(text: str) -> str:
    # Full-width and other look-alike forms ("ｂｏｂ＠ｅｘａｍｐｌｅ．ｃｏｍ", "０７７００")
    # to plain ones first, so the rules below see them. The note is stored as
    # normalised ("…" becomes "...", "½" becomes "1⁄2"): nothing is lost to a reader.
    text = unicodedata.normalize("NFKC", text)
    text = EMAIL.sub(EMAIL_MARK, text)
    text = SPELLED_EMAIL.sub(_spelled_email, text)
    # Before HANDLE, which would otherwise take the "@jay" of "tiktok.com/@jay".
    text = PROFILE_URL.sub(HANDLE_MARK, text)
    text = HANDLE.sub(HANDLE_MARK, text)
    text = SOCIAL.sub(_social, text)
    text = PHONE.sub(
        lambda match: (
            match.group(0) if NOT_A_PHONE.fullmatch(match.group(0).strip()) else PHONE_MARK
        ),
        text,
    )
    # Before plates: "N1 2AB" is not one, but parts of longer ones could be taken.
    text = POSTCODE.sub(_postcode, text)
    text = PLATE.sub(_plate, text)
    text = NAME_CUE.sub(lambda match: f"{match.group('cue')} {NAME_MARK}", text)
    return text


def was_redacted(text: str) -> bool:
    return any(
        mark in text
        for mark in (EMAIL_MARK, PHONE_MARK, PLATE_MARK, POSTCODE_MARK, HANDLE_MARK, NAME_MARK)
    )
