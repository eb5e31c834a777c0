"""Redaction of notes: what identifies someone goes; when and where it happened stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache

from safetrail.streetsafe import redaction, services
from safetrail.streetsafe.cells import Point
from safetrail.streetsafe.models import NoteState, Report

PHONE = redaction.PHONE_MARK
EMAIL = redaction.EMAIL_MARK
PLATE = redaction.PLATE_MARK
HANDLE = redaction.HANDLE_MARK
NAME = redaction.NAME_MARK


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        # Phone numbers: mobiles, landlines, +44, spaces, dashes, dots and brackets.
        ("call 07700 900123 now", f"call {PHONE} now"),
        ("07700900123", PHONE),
        ("07700-900-123.", f"{PHONE}."),
        ("text 07700.900.123", f"text {PHONE}"),
        ("(020) 7946 0018 was on the sign", f"{PHONE} was on the sign"),
        ("ring 020 7946 0018", f"ring {PHONE}"),
        ("020-7946-0018", PHONE),
        ("0161 496 0000 or 0113 496 0000", f"{PHONE} or {PHONE}"),
        ("his number +44 7700 900123", f"his number {PHONE}"),
        ("+447700900123", PHONE),
        ("+44 (0)20 7946 0018", PHONE),
        ("+44-7700-900-123, again", f"{PHONE}, again"),
        ("(07700) 900 123", PHONE),
        # Email addresses.
        ("mail sam.jones+x@example.co.uk please", f"mail {EMAIL} please"),
        ("SAM_J@EXAMPLE.COM", EMAIL),
        ("a@b.io and c-d@e-f.org.uk", f"{EMAIL} and {EMAIL}"),
        # Email addresses spelt out.
        ("bob at example dot com", EMAIL),
        ("mail bob (at) example (dot) co (dot) uk now", f"mail {EMAIL} now"),
        ("bob[at]example[dot]com", EMAIL),
        ("bob AT gmail DOT com.", f"{EMAIL}."),
        ("bob [at] example.com", EMAIL),
        ("bob@example dot org", EMAIL),
        ("jo.b @ uni dot ac dot uk", EMAIL),
        ("bob at caerdydd dot cymru", EMAIL),
        # Number plates: current, prefix and suffix styles.
        ("a car AB12 CDE drove off", f"a car {PLATE} drove off"),
        ("AB12CDE", PLATE),
        ("plate ab12 cde", f"plate {PLATE}"),
        ("an old van A123 BCD", f"an old van {PLATE}"),
        ("P7 XYZ", PLATE),
        ("ABC 123D parked", f"{PLATE} parked"),
        ("XYZ1A", PLATE),
        # Current plates with spaces anywhere between the groups, in any case.
        ("a car LV 70 ABC drove off", f"a car {PLATE} drove off"),
        ("lv70 abc", PLATE),
        ("LV70ABC", PLATE),
        ("ab 12 cde", PLATE),
        ("Ab 12cde", PLATE),
        ("AB  12  CDE", PLATE),
        ("L V 7 0 A B C", PLATE),
        # Northern Irish plates, in capitals.
        ("ABZ 1234 was parked", f"{PLATE} was parked"),
        ("AXZ 123", PLATE),
        ("BIA1", PLATE),
        # Social media handles.
        ("he is @sam_j_99 online", f"he is {HANDLE} online"),
        ("follow @Someone.Else", f"follow {HANDLE}"),
        # Usernames after the name of a platform; the platform stays.
        ("instagram: jay_99", f"instagram: {HANDLE}"),
        ("his insta jay.99", f"his insta {HANDLE}"),
        ("IG: jaybird", f"IG: {HANDLE}"),
        ("snap: jay", f"snap: {HANDLE}"),
        ("snapchat is jay99", f"snapchat is {HANDLE}"),
        ("his snap is jay", f"his snap is {HANDLE}"),
        ("his snapchat name is Jay Smith, he", f"his snapchat name is {HANDLE}, he"),
        ("tiktok - jay", f"tiktok - {HANDLE}"),
        ("twitter/X: jay", f"twitter/X: {HANDLE}"),
        ("facebook: Jay Smith", f"facebook: {HANDLE}"),
        ("fb jaysmith", f"fb {HANDLE}"),
        ("telegram: jay", f"telegram: {HANDLE}"),
        ("snap= jay_x", f"snap= {HANDLE}"),
        ("ei snapchat yw jay99", f"ei snapchat yw {HANDLE}"),
        ("whatsapp: 07700 900123", f"whatsapp: {PHONE}"),
        # Links to a profile.
        ("instagram.com/jay_99", HANDLE),
        ("see https://www.facebook.com/jay.smith.", f"see {HANDLE}."),
        ("tiktok.com/@jay", HANDLE),
        ("www.x.com/jay and t.me/jay", f"{HANDLE} and {HANDLE}"),
        # Names after a cue.
        ("a man called Dave Smith followed me", f"a man called {NAME} followed me"),
        ("she was named Jo", f"she was named {NAME}"),
        ("his name is Tom", f"his name is {NAME}"),
        ("known as Big Mike", f"known as {NAME}"),
        ("Mr Jones shouted", f"Mr {NAME} shouted"),
        ("Mrs. O'Brien was there", f"Mrs. {NAME} was there"),
        ("Dr Patel", f"Dr {NAME}"),
    ],
)
def test_identifying_details_are_removed(note: str, expected: str):
    redacted = redaction.redact(note)

    assert redacted == expected
    assert redaction.was_redacted(redacted)


@pytest.mark.parametrize(
    "note",
    [
        # Times and dates.
        "at 10:30pm",
        "about 9am and again at 11.45pm",
        "from 22.00-23.30 most nights",
        "from 22.00 - 23.30",
        "between 21:00 and 23:15",
        "on 12/03/2024",
        "on 12.03.2024 and 01.04.2024",
        "on 2024-03-12",
        "on 12-03-24",
        "on 21st March 2024",
        "meet @10pm",
        "@22:30 every night",
        # Buses and trains.
        "the 73 bus",
        "the N29 bus",
        "the 25 and the 205",
        "bus 73A",
        "the 07:42 train",
        # Streets, roads and places.
        "10 Downing Street",
        "outside 221B Baker Street",
        "by 1 Station Road",
        "on the A40 and then the A406 was dark",
        "under the M25 near junction 12",
        "the B1234 road",
        "waited for 2h at the stop",
        "Flat 12, 34 High Street",
        "Gate 3 of the park, lamp post 114",
        # Ordinary words and numbers.
        "2 or 3 men, about 20 to 30 years old",
        "it happened 3 times in 2 weeks",
        "the alley behind the Co-op",
        "The lights near the car park are broken",
        # "at" and "dot" in ordinary sentences, and websites.
        "we were at the station dot matrix sign",
        "he arrived at ten on the dot",
        "I was at Tesco at 9 dot something",
        "looking at bbc.co.uk for news",
        # Platforms named with no username after them.
        "I use Instagram a lot",
        "on my snap story",
        "saw it on tiktok - he was filming me",
        "tiktok: he filmed me",
        "He posted it on Instagram - the whole street saw",
        "twitter is awful",
        "his insta is private",
        "his fb page and her ig stories",
        "met him via fb marketplace yesterday",
        "my fb account got hacked",
        "on snap at 10pm",
        "on snap 10.30pm",
        "see instagram.com for the photos",
        # Two letters, two digits and three letters that are not a plate.
        "at 10 pm",
        "on 12 May",
        "ON 12 MAY",
        "the 24 bus",
        "in 20 min",
        "by 11 was dark",
        "ar 12 Mai",
        "yn 24 awr",
        "abz 1234",
        "the big 10",
    ],
)
def test_when_and_where_are_kept(note: str):
    assert redaction.redact(note) == note
    assert not redaction.was_redacted(note)


def test_everything_in_one_note():
    note = (
        "A man called Gary, 07700 900123, gary@example.com, @gary_x, drove AB12 CDE "
        "down the A40 at 10.30pm on 12.03.2024 near 10 Downing Street."
    )

    redacted = redaction.redact(note)

    for gone in ("Gary", "07700", "900123", "example.com", "@gary_x", "AB12", "CDE"):
        assert gone not in redacted
    for kept in ("A40", "10.30pm", "12.03.2024", "10 Downing Street"):
        assert kept in redacted


@pytest.mark.django_db
def test_only_the_redacted_note_is_stored(settings):
    cache.clear()
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 100
    stored = services.report_create(
        services.Draft(
            point=Point(51.51, -0.13),
            located_by="map",
            reasons=["followed"],
            when="another_day",
            band="night",
            day=services.today() - timedelta(days=1),
            note="  he said his number was 07700 900123 and his name is Kev  ",
        ),
        address="198.51.100.30",
        verified=True,
    )

    note = Report.objects.get(id=stored.id).note
    assert note == f"he said his number was {PHONE} and his name is {NAME}"
    assert stored.note_state == NoteState.PENDING


@pytest.mark.django_db
def test_a_long_note_is_cut_before_it_is_stored(settings):
    cache.clear()
    settings.SAFETRAIL_STREETSAFE_REPORTS_PER_DAY = 100
    stored = services.report_create(
        services.Draft(
            point=Point(51.51, -0.13),
            located_by="map",
            reasons=["followed"],
            when="now",
            note="x" * 5000,
        ),
        address="198.51.100.31",
        verified=True,
    )

    assert len(Report.objects.get(id=stored.id).note) == services.NOTE_MAX_LENGTH


@pytest.mark.parametrize(
    "text",
    [
        "Roedd dyn o'r enw Dafydd Jones wrth y bont.",
        "Mae'r bachgen a elwir Huw yn aros yno.",
        "Ei enw yw Gareth, rwy'n meddwl.",
    ],
)
def test_names_after_welsh_cues_are_removed(text):
    redacted = redaction.redact(text)

    assert redaction.NAME_MARK in redacted
    assert not any(name in redacted for name in ("Dafydd", "Jones", "Huw", "Gareth"))


def test_full_width_look_alikes_are_caught_too():
    assert redaction.redact("ｂｏｂ＠ｅｘａｍｐｌｅ．ｃｏｍ") == redaction.EMAIL_MARK
    assert redaction.PHONE_MARK in redaction.redact("call ０７７００ ９００１２３")


@pytest.mark.parametrize(
    "text",
    ["He lives at N1 2AB now", "near sw1a 1aa", "CF10 3AT", "postcode EH1 1YZ."],
)
def test_full_postcodes_are_removed(text):
    redacted = redaction.redact(text)
    assert redaction.POSTCODE_MARK in redacted
    assert redaction.was_redacted(redacted)


@pytest.mark.parametrize(
    "text",
    [
        "at 10 2pm",
        "the A40 road",
        "N29 bus",
        "bus 2 at 11 2am",
        "in 2 mins",
        "N1 area",
        "On the M4 2nd junction",
        "Take the A48 2nd exit",
        "Block C4 2nd floor",
        "B1 1st left",
        "car park P1 3rd row",
        "M25 J3 1st slip road",
        "bws T2 1af",
        "Yr A48 5ed allanfa",
        "M4 junction 33",
        "flat 2b",
    ],
)
def test_things_that_are_not_postcodes_stay(text):
    assert redaction.redact(text) == text
