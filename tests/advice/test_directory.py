from __future__ import annotations

import copy
import json

import pytest

from safetrail.advice import directory
from tests.html import soup

VALID = {
    "categories": {"help": {"en": "Help", "cy": "Cymorth"}},
    "services": [
        {
            "key": "helpline",
            "category": "help",
            "name": {"en": "A helpline", "cy": "Llinell gymorth"},
            "description": {"en": "Advice.", "cy": "Cyngor."},
            "phone": "0808 000 0000",
        }
    ],
}


def broken(change) -> dict:
    data = copy.deepcopy(VALID)
    change(data)
    return data


def test_a_valid_file_loads(tmp_path):
    path = tmp_path / "services.json"
    path.write_text(json.dumps(VALID))

    loaded = directory.load(path)

    assert [service.key for service in loaded.services] == ["helpline"]
    assert loaded.services[0].phone_link == "tel:08080000000"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("categories"), 'needs a "categories" object'),
        (lambda d: d["services"].clear(), 'needs a non-empty "services" list'),
        (lambda d: d["services"][0].pop("key"), 'service 1 needs a "key"'),
        (lambda d: d["services"][0].update(category="nope"), "'helpline' has a category"),
        (lambda d: d["services"][0]["name"].pop("en"), "'helpline', name needs an English text"),
        (lambda d: d["services"][0]["name"].update(fr="x"), "unknown language"),
        (lambda d: d["services"][0].update(website="https://x.example"), "without http://"),
        (lambda d: d["services"][0].update(phone=""), "needs a phone number"),
        (lambda d: d["services"].append(copy.deepcopy(d["services"][0])), "appears twice"),
        (lambda d: d["services"][0].update(category=["help"]), "has a category"),
        (lambda d: d["services"][0].update(hour={"en": "9 to 5"}), "does not know: \\['hour'\\]"),
    ],
)
def test_a_broken_file_is_rejected_with_a_message_naming_the_problem(change, message):
    with pytest.raises(directory.DirectoryError, match=message.replace("(", r"\(")):
        directory.parse(broken(change))


def test_invalid_json_names_the_line(tmp_path):
    path = tmp_path / "services.json"
    path.write_text('{"categories": {}\n"services": []}')

    with pytest.raises(directory.DirectoryError, match=r"not valid JSON \(line 2"):
        directory.load(path)


def test_the_shipped_directory_lists_the_national_helpline():
    loaded = directory.load_configured()

    phones = {service.phone for service in loaded.services}
    assert "0808 802 0300" in phones
    assert "999" in phones
    assert "101" in phones


@pytest.mark.django_db
def test_support_page_shows_services_in_each_language(client):
    english = soup(client.get("/support/"))
    welsh = soup(client.get("/cy/support/"))

    assert english.select_one('a[href="tel:08088020300"]') is not None
    assert len(english.select(".govuk-summary-card")) == len(welsh.select(".govuk-summary-card"))
    assert english.h1.get_text() != welsh.h1.get_text()
