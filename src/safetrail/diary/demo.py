"""A clearly fictional diary to look around with (``safetrail demo`` makes one).

Everything is written through the diary's services, exactly as a person's own
entries are: sealed, amended never overwritten. Every detail is of a kind
reserved for fiction: phone numbers from Ofcom's drama range (07700 900000 to
07700 900999), email addresses at example.com, a "DEMO" number plate and
crime reference, and "(fictional)" beside names and places.

The story: about five months of unwanted contact from an ex-partner after the
relationship ended; loitering, driving past, following and gifts appear as
time goes on; in the last few weeks it escalates (more often, at night), and
threats and damage to property appear for the first time, ending in a night
when the person feared violence and called the police.

The same ``rng`` and ``today`` give the same diary. Only what the services
stamp themselves differs between runs: row ids, the server's receipt times,
and the time on the two "I felt unsafe" moments (recorded as "now").
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction

from safetrail.diary import content, domain, services

CASE_NAME = "Demo: my ex-partner (fictional)"
SUSPECT_NAME = "Demo Person (fictional)"
PHONE = "07700 900123"
OTHER_PHONE = "07700 900456"
EMAIL = "demo.person@example.com"
PLATE = "DEMO 123"
VEHICLE = f"Silver Ford Focus, number plate {PLATE}"
OFFICER = "PC 0000 (fictional)"
HOME = "Outside my flat, 12 Example Road (fictional)"
WORK = "Outside my work, Demo Ltd, Sample Street (fictional)"

# How far back the story starts, and the days it changes pace (days before today).
OPENING_DAYS = (148, 152)
MIDDLE_FROM = 63  # loitering, following, watching appear
ESCALATION_FROM = 28  # more often, and at night
FIRST_THREAT_DAYS = (18, 20)
DAMAGE_DAYS = (11, 13)
POLICE_DAYS = (4, 6)

# Incidents in each 7-day window counted back from today (window 0 is the last
# seven days). Fixed totals, shuffled within each phase, so every diary has the
# same number of incidents and only their days vary.
ESCALATION_COUNTS = (6, 5, 5, 4)  # windows 0 to 3
MIDDLE_COUNTS = (1, 2, 2, 2, 3)  # windows 4 to 8
EARLY_COUNTS = (0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2)  # windows 9 to 20

WITNESSES = {
    "neighbour": ("Sam Example (my neighbour, fictional)", "07700 900412"),
    "colleague": ("Alex Sample (colleague, fictional)", "07700 900587"),
    "sister": ("Jo, my sister (fictional)", "07700 900731"),
}

APPEARANCES = (
    "Grey hoodie, black trainers, short dark hair.",
    "Dark blue work jacket and a black baseball cap.",
    "Black puffer jacket with the hood up. I'd know his walk anywhere.",
    "Same grey hoodie as before. He hadn't shaved.",
)

EFFECTS = {
    "early": (
        "Annoyed and a bit on edge.",
        "I didn't reply, but I kept checking my phone all evening.",
        "Upset. I hoped he would get the message.",
        "I muted his number but still felt sick when my phone buzzed.",
    ),
    "middle": (
        "I felt watched and didn't want to go home on my own.",
        "I asked a friend to walk me to the station.",
        "Anxious. I keep looking out of the window.",
        "I didn't sleep well that night.",
        "I stopped going to the gym in the evenings.",
    ),
    "escalation": (
        "I'm scared of what he'll do next.",
        "I couldn't sleep and felt sick all the next day.",
        "I stayed at my sister's that night.",
        "I jump every time my phone goes.",
        "I couldn't concentrate at work and went home early.",
    ),
}


@dataclass(frozen=True)
class _Template:
    text: str
    short: str  # what a quick log of it says
    where: str
    behaviours: tuple[str, ...]
    in_person: bool = False  # they were seen: appearance, maybe a witness
    vehicle: bool = False
    found_later: bool = False  # discovered afterwards: a date range
    hours: str = "day"  # when it can happen: "day", "night" or "any"
    witness: str = ""  # a key of WITNESSES
    saw: str = ""  # what the witness saw or heard


TEMPLATES: dict[str, tuple[_Template, ...]] = {
    "contact": (
        _Template(
            "{n} text messages from {phone}, asking to meet up and saying he 'just wants "
            "to talk'. I didn't reply. I've kept all the messages.",
            "More texts from him.",
            "Text messages to my mobile",
            ("contact",),
            hours="any",
        ),
        _Template(
            "{n} missed calls from a withheld number, then a voicemail from him saying I "
            "owe him a conversation. I've saved the voicemail.",
            "Missed calls and a voicemail.",
            "Phone calls to my mobile",
            ("contact",),
        ),
        _Template(
            "A long email to my work address from {email} about our relationship and how "
            "I've 'ruined his life'. I've kept the original email with its headers.",
            "Long email to work.",
            "Email to my work address",
            ("contact",),
        ),
        _Template(
            "A message request on Instagram from a new account, after I blocked the last "
            "one. It said 'You can't just ignore me.'",
            "New Instagram account messaging me.",
            "Online (Instagram)",
            ("contact",),
            hours="any",
        ),
        _Template(
            "He phoned my mum and asked where I'm living now. She told him not to call "
            "again and rang me straight after.",
            "He called Mum.",
            "Phone call to my mum",
            ("contact",),
            witness="sister",
            saw="Was with Mum when he called and heard her side of it.",
        ),
        _Template(
            "A long message on Facebook Messenger saying he has 'changed' and asking for "
            "another chance.",
            "Facebook message from him.",
            "Online (Facebook Messenger)",
            ("contact",),
            hours="any",
        ),
        _Template(
            "He texted my best friend asking her to tell me to ring him. She sent me a screenshot.",
            "He texted my friend about me.",
            "Text messages to my best friend",
            ("contact",),
        ),
        _Template(
            "A four-minute voice note on WhatsApp from {other_phone}, crying at first and "
            "then angry. I didn't answer.",
            "Voice note on WhatsApp.",
            "Online (WhatsApp)",
            ("contact",),
            hours="any",
        ),
        _Template(
            "A letter came through my door with no stamp on it, so he must have delivered "
            "it himself. Four pages about getting back together.",
            "Letter through the door.",
            "Home, 12 Example Road (fictional)",
            ("contact",),
            found_later=True,
        ),
        _Template(
            "{n} calls through the night from {phone}. I put my phone on silent but "
            "couldn't get back to sleep.",
            "Calls in the night.",
            "Phone calls to my mobile",
            ("contact",),
            hours="night",
        ),
        _Template(
            "A text late at night: 'I know you're still up, your light's on.' He must have "
            "been outside or nearby.",
            "Text: he knows my light is on.",
            "Text messages to my mobile",
            ("contact", "watching"),
            hours="night",
        ),
    ),
    "gifts": (
        _Template(
            "Flowers left on my doorstep with a note: 'I'm not giving up on us.' I didn't "
            "see who left them but it's his writing.",
            "Flowers on the doorstep.",
            HOME,
            ("gifts",),
            found_later=True,
        ),
        _Template(
            "A parcel arrived for me with a necklace he once bought me and a note saying "
            "'Remember us?'. I've kept it in a paper envelope and not handled it much.",
            "Parcel from him.",
            "Home, delivered by post",
            ("gifts",),
            found_later=True,
        ),
        _Template(
            "He left a bag of my old things and a card on my car windscreen at work.",
            "Bag of my things on my car.",
            "Work car park, Demo Ltd (fictional)",
            ("gifts",),
            witness="colleague",
            saw="Saw a man in a grey hoodie by my car at lunchtime.",
        ),
    ),
    "driving_past": (
        _Template(
            "His car ({vehicle}) drove slowly past my flat twice while I was in the front room.",
            "His car past the flat.",
            HOME,
            ("driving_past",),
            vehicle=True,
            witness="neighbour",
            saw="Saw the silver car go past slowly, twice.",
        ),
        _Template(
            "I saw his car ({vehicle}) go past my work as I was leaving. He slowed down and "
            "looked straight at me.",
            "His car past work.",
            WORK,
            ("driving_past",),
            vehicle=True,
            in_person=True,
        ),
        _Template(
            "His car ({vehicle}) went up and down my road three or four times, late.",
            "His car up and down the road.",
            HOME,
            ("driving_past",),
            vehicle=True,
            hours="night",
        ),
    ),
    "loitering": (
        _Template(
            "His car ({vehicle}) was parked across the road from my flat for about an hour. "
            "He stayed in the car and kept looking up at my window.",
            "His car parked outside for an hour.",
            HOME,
            ("loitering", "watching"),
            vehicle=True,
            in_person=True,
            witness="neighbour",
            saw="Saw him sitting in the silver car opposite the flats.",
        ),
        _Template(
            "He was standing outside my work when I came out for lunch. He didn't come "
            "over, but watched me walk to the shop and back.",
            "Him outside work at lunch.",
            WORK,
            ("loitering", "watching"),
            in_person=True,
            witness="colleague",
            saw="Came out with me and saw him standing by the bus stop opposite.",
        ),
        _Template(
            "He was sitting on the wall outside the gym when I came out. I went back in and "
            "waited until a friend could walk out with me.",
            "Him outside the gym.",
            "Outside the gym on Sample Street (fictional)",
            ("loitering",),
            in_person=True,
        ),
        _Template(
            "He was standing under the streetlight opposite my flat, just looking. He left "
            "when I turned the lights on.",
            "Him outside in the dark.",
            HOME,
            ("loitering", "watching"),
            in_person=True,
            hours="night",
        ),
    ),
    "following": (
        _Template(
            "He was behind me in the supermarket and then followed me out to the car park. "
            "He didn't say anything.",
            "He followed me in the supermarket.",
            "The supermarket on Sample Street (fictional)",
            ("following",),
            in_person=True,
        ),
        _Template(
            "He followed me from the station to the end of my road, about 20 metres behind. "
            "When I turned round he crossed over.",
            "Followed me home from the station.",
            "Station Road to Example Road (fictional)",
            ("following",),
            in_person=True,
        ),
        _Template(
            "He got on the same bus as me and got off at my stop, then walked the other "
            "way once I'd seen him.",
            "Same bus as me.",
            "Number 00 bus (fictional)",
            ("following",),
            in_person=True,
        ),
    ),
    "watching": (
        _Template(
            "A friend told me he has been asking people where I go in the evenings. He "
            "knew I'd been at the gym on Tuesday.",
            "He knows where I've been.",
            "Told by a friend",
            ("watching",),
            witness="sister",
            saw="He asked her which nights I go to the gym.",
        ),
        _Template(
            "He messaged to say he liked my new coat. I only bought it last week and "
            "haven't posted any photos of it.",
            "Message about my new coat.",
            "Text messages to my mobile",
            ("contact", "watching"),
        ),
    ),
    "threats": (
        _Template(
            "A text from {phone}: 'You'll be sorry you did this to me.' I screenshotted it "
            "with the number, date and time showing.",
            "Threatening text.",
            "Text messages to my mobile",
            ("contact", "threats"),
            hours="any",
        ),
        _Template(
            "A voicemail: 'I know where you are all the time. Don't make me do something "
            "stupid.' I've saved it and sent a copy to my sister.",
            "Threatening voicemail.",
            "Phone calls to my mobile",
            ("contact", "threats"),
            hours="any",
        ),
        _Template(
            "He shouted across the road that I 'won't get away with this' as I walked to work.",
            "He shouted at me in the street.",
            "Sample Street (fictional)",
            ("threats", "accosting"),
            in_person=True,
            witness="colleague",
            saw="Was walking with me and heard him shout.",
        ),
    ),
    "property_damage": (
        _Template(
            "Eggs thrown at my front window overnight, and the wing mirror on my car "
            "snapped off. I took photos before cleaning up.",
            "Eggs on the window, car mirror broken.",
            HOME,
            ("property_damage",),
            found_later=True,
            witness="neighbour",
            saw="Heard something hit the window in the early hours.",
        ),
        _Template(
            "Someone let the air out of two of my tyres in the work car park. His car had "
            "been seen there earlier.",
            "Tyres let down at work.",
            "Work car park, Demo Ltd (fictional)",
            ("property_damage",),
            found_later=True,
            witness="colleague",
            saw="Saw the silver Ford Focus in the car park at lunchtime.",
        ),
    ),
}

COMPLETION_REASONS = (
    "Added the details I didn't have time to write at the time.",
    "I remembered more and added it when I felt ready.",
    "Filled in the rest now that I'm somewhere safe.",
)


@dataclass
class _Planned:
    days_ago: int
    record: dict[str, Any]
    short: str = ""  # what a quick log of it would have said
    first_written: dict[str, Any] | None = None  # what was saved first, when it was amended
    reason: str = ""  # why it was amended


@dataclass(frozen=True)
class _Story:
    """The days (before today) the story turns on."""

    first_threat: int
    first_damage: int
    police: int


def _exact(day: date, hour: int, minute: int) -> dict[str, Any]:
    return {
        "kind": "exact",
        "at": datetime.combine(day, time(hour, minute)).isoformat(timespec="minutes"),
    }


def _part(day: date, part: str) -> dict[str, Any]:
    return {"kind": "part_of_day", "date": day.isoformat(), "part": part}


def _range(start: date, end: date) -> dict[str, Any]:
    return {"kind": "range", "start": start.isoformat(), "end": end.isoformat()}


def _phase(days_ago: int) -> str:
    if days_ago > MIDDLE_FROM:
        return "early"
    if days_ago > ESCALATION_FROM:
        return "middle"
    return "escalation"


def _kinds(days_ago: int, first_threat: int, first_damage: int) -> dict[str, int]:
    """What can happen on a day, with weights: the behaviours widen as time goes on."""
    phase = _phase(days_ago)
    if phase == "early":
        if days_ago > 100:
            return {"contact": 1}
        return {"contact": 8, "gifts": 1, "driving_past": 1}
    kinds = {
        "contact": 5,
        "loitering": 2,
        "driving_past": 2,
        "following": 1,
        "gifts": 1,
        "watching": 1,
    }
    if phase == "escalation":
        kinds["following"] = 2
        if days_ago < first_threat:
            kinds["threats"] = 3
        if days_ago < first_damage:
            kinds["property_damage"] = 1
    return kinds


def _when(rng: random.Random, template: _Template, day: date, today: date, night: bool) -> dict:
    if template.found_later:
        return _range(day, min(day + timedelta(days=rng.randint(1, 2)), today))
    if night:
        if rng.random() < 0.7:
            return _exact(day, rng.choice((22, 23, 0, 1, 2)), rng.randrange(0, 60, 5))
        return _part(day, "night")
    roll = rng.random()
    if roll < 0.6:
        return _exact(day, rng.randint(8, 21), rng.randrange(0, 60, 5))
    if roll < 0.9:
        return _part(day, rng.choice(("morning", "afternoon", "evening")))
    return _range(day, min(day + timedelta(days=rng.randint(1, 3)), today))


def _feared(rng: random.Random, phase: str, template: _Template) -> str:
    if phase == "early":
        return "no"
    if phase == "middle":
        return rng.choice(("no", "no", "unsure"))
    if "threats" in template.behaviours or "property_damage" in template.behaviours:
        return "yes"
    return rng.choice(("unsure", "yes") if template.in_person else ("no", "unsure"))


def _record(
    rng: random.Random, template: _Template, day: date, today: date, night: bool
) -> dict[str, Any]:
    phase = _phase((today - day).days)
    text = template.text.format(
        n=rng.randint(3, 14) if phase != "escalation" else rng.randint(8, 25),
        phone=PHONE,
        other_phone=OTHER_PHONE,
        email=EMAIL,
        vehicle=VEHICLE,
    )
    witnesses = []
    if template.witness and rng.random() < 0.6:
        name, contact = WITNESSES[template.witness]
        witnesses.append({"name": name, "contact": contact, "saw": template.saw})
    return {
        **content.empty_incident(),
        "when": _when(rng, template, day, today, night),
        "where": template.where,
        "behaviours": list(template.behaviours),
        "letters": domain.letters_for(list(template.behaviours)),
        "what_happened": text,
        "suspect_appearance": rng.choice(APPEARANCES) if template.in_person else "",
        "vehicle": VEHICLE if template.vehicle else "",
        "witnesses": witnesses,
        "feared_violence": _feared(rng, phase, template),
        "effect": rng.choice(EFFECTS[phase]),
        "reported": {"status": "no", "crime_reference": "", "officer": ""},
    }


def _random_incident(rng: random.Random, today: date, days_ago: int, story: _Story) -> _Planned:
    kinds = _kinds(days_ago, story.first_threat, story.first_damage)
    kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
    night = _phase(days_ago) == "escalation" and rng.random() < 0.5
    at_night = [template for template in TEMPLATES[kind] if template.hours != "day"]
    if not at_night:
        night = False
    template = rng.choice(at_night if night else [t for t in TEMPLATES[kind] if t.hours != "night"])
    record = _record(rng, template, today - timedelta(days=days_ago), today, night)
    return _Planned(days_ago, record, short=template.short)


def random_incident(rng: random.Random, day: date) -> dict[str, Any]:
    """One made-up incident on ``day``, of any kind the demo writes (for benchmarks)."""
    days_ago = rng.randint(1, 100)  # how far into a story like the demo's it falls
    story = _Story(first_threat=days_ago + 1, first_damage=days_ago + 1, police=0)
    return _random_incident(rng, day + timedelta(days=days_ago), days_ago, story).record


def _days_in_windows(rng: random.Random, counts: tuple[int, ...], first_window: int) -> list[int]:
    shuffled = list(counts)
    rng.shuffle(shuffled)
    days = []
    for window, count in enumerate(shuffled, start=first_window):
        days += rng.sample(range(7 * window + 1, 7 * window + 8), count)
    return days


def _scripted(rng: random.Random, today: date, story: _Story):
    """The entries the story turns on, in the order they happened."""
    first_threat, first_damage, police = story.first_threat, story.first_damage, story.police

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    opening = rng.randint(*OPENING_DAYS)
    yield _Planned(
        opening,
        {
            **content.empty_incident(),
            "when": _part(ago(opening), "evening"),
            "where": "Text messages to my mobile",
            "behaviours": ["contact"],
            "letters": domain.letters_for(["contact"]),
            "what_happened": (
                "This is made-up demo data, to show how the diary works. Demo Person, my "
                f"ex-partner (fictional), sent me {rng.randint(12, 20)} texts in one evening "
                "after I told him I didn't want to see him again. He asked to meet 'one "
                "last time'. I replied once to say no, then stopped answering."
            ),
            "feared_violence": "no",
            "effect": "Upset, but I thought it would stop.",
            "reported": {"status": "no", "crime_reference": "", "officer": ""},
        },
    )
    yield _Planned(
        first_threat,
        {
            **content.empty_incident(),
            "when": _exact(ago(first_threat), 23, rng.randrange(0, 60, 5)),
            "where": "Text messages to my mobile",
            "behaviours": ["contact", "threats"],
            "letters": domain.letters_for(["contact", "threats"]),
            "what_happened": (
                f"The first time he has threatened me. A text from {PHONE}: 'If I can't "
                "have you, no one will.' I screenshotted it with the number, date and time "
                "showing and sent a copy to my sister."
            ),
            "witnesses": [
                {
                    "name": WITNESSES["sister"][0],
                    "contact": WITNESSES["sister"][1],
                    "saw": "I sent her the screenshot straight away.",
                }
            ],
            "feared_violence": "yes",
            "effect": "Frightened. I checked the locks twice and slept at my sister's.",
            "reported": {"status": "no", "crime_reference": "", "officer": ""},
            "private_notes": "Ask the stalking helpline about a Stalking Protection Order.",
        },
    )
    yield _Planned(
        first_damage,
        {
            **content.empty_incident(),
            "when": _range(ago(first_damage), ago(first_damage - 1)),
            "where": HOME,
            "behaviours": ["property_damage"],
            "letters": domain.letters_for(["property_damage"]),
            "what_happened": (
                "My car's tyres were let down overnight and there was a long scratch along "
                "the driver's door. I found it in the morning when I was leaving for work. "
                "I took photos before touching anything."
            ),
            "vehicle": f"His car ({VEHICLE}) was parked at the end of the road the evening before.",
            "witnesses": [
                {
                    "name": WITNESSES["neighbour"][0],
                    "contact": WITNESSES["neighbour"][1],
                    "saw": "Heard someone by the cars at about 2am.",
                }
            ],
            "feared_violence": "yes",
            "effect": "I was too shaken to go to work and took the next three days off.",
            "reported": {"status": "no", "crime_reference": "", "officer": ""},
        },
    )
    reported = {
        **content.empty_incident(),
        "when": _exact(ago(police), 23, 40),
        "where": HOME,
        "behaviours": ["threats", "accosting", "loitering"],
        "letters": domain.letters_for(["threats", "accosting", "loitering"]),
        "what_happened": (
            "He came to my front door late at night, banged on it and shouted that I would "
            "'pay for this'. He tried the handle. I called 999 from the bathroom. He had "
            "gone by the time the police arrived, about 20 minutes later."
        ),
        "suspect_appearance": "Black puffer jacket with the hood up. It was his voice.",
        "vehicle": f"{VEHICLE}, parked at the end of the road.",
        "witnesses": [
            {
                "name": WITNESSES["neighbour"][0],
                "contact": WITNESSES["neighbour"][1],
                "saw": "Heard the banging and shouting, and saw him walk off towards the car.",
            }
        ],
        "feared_violence": "yes",
        "effect": "I thought he was going to break the door down. I haven't slept properly since.",
        "reported": {"status": "yes", "crime_reference": "", "officer": ""},
        "private_notes": "Keep the 999 call time from my phone's call log.",
    }
    completed = {
        **reported,
        "reported": {
            "status": "yes",
            "crime_reference": f"DEMO/{ago(police).year}/0001",
            "officer": OFFICER,
        },
    }
    yield _Planned(
        police,
        completed,
        first_written=reported,
        reason="The police gave me the crime reference number and the officer's details.",
    )
    yield _Planned(
        1,
        {
            **content.empty_incident(),
            "quick": True,
            "when": _exact(ago(1), 18, rng.randrange(0, 60, 5)),
            "where": HOME,
            "what_happened": "His car outside again when I got home. Will add more later.",
        },
    )


def _plan(rng: random.Random, today: date) -> tuple[list[_Planned], _Story]:
    story = _Story(
        first_threat=rng.randint(*FIRST_THREAT_DAYS),
        first_damage=rng.randint(*DAMAGE_DAYS),
        police=rng.randint(*POLICE_DAYS),
    )
    days = (
        _days_in_windows(rng, EARLY_COUNTS, 9)
        + _days_in_windows(rng, MIDDLE_COUNTS, 4)
        + [
            day
            for window, count in enumerate(ESCALATION_COUNTS)
            for day in sorted(rng.sample(range(7 * window + 1, 7 * window + 8), count))
        ]
    )
    planned = [
        _random_incident(rng, today, days_ago, story) for days_ago in sorted(days, reverse=True)
    ]

    # A few were quick logs ("Log something now"), completed later with an amendment.
    exact = [item for item in planned if item.record["when"]["kind"] == "exact"]
    for item, reason in zip(rng.sample(exact, 3), COMPLETION_REASONS, strict=True):
        item.first_written = {
            **content.empty_incident(),
            "quick": True,
            "when": item.record["when"],
            "where": item.record["where"],
            "what_happened": item.short,
        }
        item.reason = reason

    # One had the time wrong, and was corrected.
    daytime = [
        item
        for item in exact
        if item.first_written is None
        and 9 <= datetime.fromisoformat(item.record["when"]["at"]).hour <= 20
    ]
    if daytime:
        item = rng.choice(daytime)
        at = datetime.fromisoformat(item.record["when"]["at"])
        wrong = (at + timedelta(hours=1)).isoformat(timespec="minutes")
        item.first_written = {**item.record, "when": {"kind": "exact", "at": wrong}}
        item.reason = "I had the time wrong by an hour."

    planned += _scripted(rng, today, story)
    planned.sort(
        key=lambda item: (
            content.when_sort_key(item.record["when"], datetime.min),
            item.record["what_happened"],
        )
    )
    return planned, story


SUSPECT_FIRST = {
    "names": SUSPECT_NAME,
    "aliases": "",
    "relationship": "ex_partner",
    "appearance": (
        "A man in his mid-30s, about 5ft 10, slim, short dark hair, usually stubble. "
        "Often wears a grey hoodie and black trainers."
    ),
    "voice": "Quite deep; talks fast when he's angry.",
    "features": "A small tattoo of a swallow on his left wrist.",
    "vehicles": [{"make": "Ford", "model": "Focus", "colour": "Silver", "plate": PLATE}],
    "identifiers": {
        "phone_numbers": [PHONE],
        "email_addresses": [EMAIL],
        "social_media": ["Instagram: @demo.person.fictional"],
    },
}
SUSPECT_NOW = {
    **SUSPECT_FIRST,
    "aliases": "'D' (what his friends call him)",
    "identifiers": {
        "phone_numbers": [PHONE, OTHER_PHONE],
        "email_addresses": [EMAIL],
        "social_media": ["Instagram: @demo.person.fictional", "Instagram: @demo.person.fictional2"],
    },
}


@transaction.atomic
def create_demo_case(
    *, user: Any, account_key: bytes, today: date, rng: random.Random
) -> services.OpenCase:
    """A made-up case for ``user``, ending on ``today``. Returns it, open."""
    open_case = services.case_create(owner=user, account_key=account_key, name=CASE_NAME)
    services.suspect_save(open_case=open_case, data=SUSPECT_FIRST)
    services.suspect_save(open_case=open_case, data=SUSPECT_NOW)  # a second number found later

    planned, story = _plan(rng, today)
    amendments = []
    for item in planned:
        incident = services.incident_create(
            open_case=open_case, data=item.first_written or item.record
        )
        if item.first_written is not None:
            amendments.append((incident.id, item))
    for incident_id, item in amendments:
        services.incident_amend(
            open_case=open_case,
            incident_id=incident_id,
            reason=item.reason,
            changes=content.changed_fields(
                {**content.empty_incident(), **item.first_written}, item.record
            ),
        )

    def ago(days: int) -> str:
        return (today - timedelta(days=days)).isoformat()

    for change in (
        {
            "kind": "route",
            "since": ago(rng.randint(40, 50)),
            "description": (
                "I take a different way to the station now and leave at different times, "
                "so he can't predict where I'll be. It adds half an hour to my day."
            ),
        },
        {
            "kind": "work",
            "since": ago(story.first_damage - 1),
            "description": (
                "Took three days off work after my car was damaged. My manager knows what "
                "is happening and has moved me away from the front desk."
            ),
        },
        {
            "kind": "security",
            "since": ago(story.police - 1),
            "description": (
                "Fitted a video doorbell and a door chain. My landlord is changing the lock."
            ),
        },
    ):
        services.daily_life_add(open_case=open_case, data=change)

    # "I felt unsafe": two taps today; the first was later written up as an incident.
    first = services.unsafe_moment_add(
        open_case=open_case,
        place="Bus stop on Example Road (fictional)",
        note="I think that was his car.",
    )
    services.unsafe_moment_add(open_case=open_case, place="Walking home from the station")
    services.unsafe_moment_to_incident(
        open_case=open_case,
        moment_id=first.id,
        data={
            **content.empty_incident(),
            "when": _range(today, today),
            "where": "Bus stop on Example Road (fictional)",
            "behaviours": ["driving_past", "watching"],
            "letters": domain.letters_for(["driving_past", "watching"]),
            "what_happened": (
                f"I was waiting for the bus when his car ({VEHICLE}) went past slowly, turned "
                "round and came past again. I pressed 'I feel unsafe' and went into the shop "
                "until the bus came."
            ),
            "vehicle": VEHICLE,
            "feared_violence": "unsure",
            "effect": "Shaking. I asked my sister to meet me at the other end.",
            "reported": {"status": "no", "crime_reference": "", "officer": ""},
        },
    )
    return open_case
