"""An index entry, amended in place, is the entry of the incident as it reads after the amendment.

Pure: ``case_index.amended`` must agree with ``content.apply_amendments`` for
every sequence of changes, since writes amend the index without opening the
incident.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from safetrail.diary import case_index, content

RECEIVED = datetime(2026, 3, 5, 12, 0, 0, 123456, tzinfo=UTC)

whens = st.sampled_from(
    [
        {},
        {"kind": "exact", "at": "2026-03-02T21:30"},
        {"kind": "part_of_day", "date": "2026-03-04", "part": "night"},
        {"kind": "range", "start": "2026-02-27", "end": "2026-03-01"},
        {"kind": "exact", "at": "not a time", "words": "kept out of the index"},
    ]
)
lists = st.lists(st.sampled_from(["contact", "threats", "a", "b", "following"]), max_size=3)
changes = st.fixed_dictionaries(
    {},
    optional={
        "when": whens,
        "behaviours": lists,
        "letters": lists,
        "reported": st.sampled_from([{"status": "yes"}, {"status": "no"}, {}]),
        "feared_violence": st.sampled_from(["yes", "no", "unsure", ""]),
        "what_happened": st.text(max_size=5),
        "where": st.text(max_size=5),
    },
)


@given(original=changes, history=st.lists(changes, max_size=4))
def test_an_entry_amended_is_the_entry_of_the_amended_incident(original, history):
    record = {**content.empty_incident(), **original}
    kept = case_index.entry(record, RECEIVED)
    for step in history:
        kept = case_index.amended(kept, step)

    now = content.apply_amendments(record, [{"changes": step} for step in history])

    assert kept == case_index.entry(now, RECEIVED)
    assert set(kept[0]) <= set(case_index.WHEN_KEYS)
