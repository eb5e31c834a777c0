"""Every string the site shows can be translated, and Welsh covers all of them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.utils import translation
from django.utils.translation.template import templatize

from safetrail.i18n_compile import LOCALE_DIR, compile_all

SOURCE = Path(__file__).resolve().parent.parent / "src" / "safetrail"
GETTEXT_FUNCTIONS = {
    "_",
    "gettext",
    "gettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "ngettext",
    "ngettext_lazy",
}
_LITERAL = r"u?('(?:[^'\\]|\\.)*')"
TEMPLATE_CALL = re.compile(rf"\bn?gettext\({_LITERAL}")
# pgettext(context, message): the message is the second argument.
TEMPLATE_CONTEXT_CALL = re.compile(rf"\bpgettext\({_LITERAL},\s*{_LITERAL}")


def strings_in_python(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name in GETTEXT_FUNCTIONS:
            first = node.args[1] if name.startswith("pgettext") else node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
    return found


def strings_in_template(path: Path) -> set[str]:
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    plain = {ast.literal_eval(literal) for literal in TEMPLATE_CALL.findall(code)}
    in_context = {ast.literal_eval(message) for _, message in TEMPLATE_CONTEXT_CALL.findall(code)}
    return plain | in_context


def source_strings() -> set[str]:
    strings: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        strings |= strings_in_python(path)
    for path in SOURCE.rglob("*.html"):
        strings |= strings_in_template(path)
    return strings


def welsh_catalogue() -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / "cy" / "LC_MESSAGES" / "django.po"))


def test_the_extractor_finds_the_shell_strings():
    strings = source_strings()

    assert "Exit this page" in strings
    assert "Skip to main content" in strings
    assert "Keep a diary" in strings  # from Python (advice/pages.py)


def test_every_string_in_the_source_is_in_the_welsh_catalogue():
    catalogue_ids = {entry.msgid for entry in welsh_catalogue()}

    missing = source_strings() - catalogue_ids

    assert not missing, f"run makemessages -l cy and translate: {sorted(missing)}"


def test_every_welsh_entry_is_translated_and_settled():
    catalogue = welsh_catalogue()

    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    assert catalogue.percent_translated() == 100


def test_placeholders_survive_translation():
    placeholder = re.compile(r"%\(\w+\)s")
    for entry in welsh_catalogue():
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for translation_text in translations:
            assert set(placeholder.findall(entry.msgid)) == set(
                placeholder.findall(translation_text)
            ), entry.msgid


def test_catalogues_compile_and_django_uses_them(tmp_path):
    written = compile_all()

    assert any(path.name == "django.mo" for path in written)
    with translation.override("cy"):
        assert translation.gettext("Exit this page") == "Gadael y dudalen hon"


@pytest.mark.django_db
def test_welsh_shell_has_no_english_left(client):
    """Every catalogue string shown on the English page is gone from the Welsh one."""
    from tests.html import soup

    def visible_text(url: str) -> str:
        body = soup(client.get(url)).body
        for script in body.find_all("script"):
            script.decompose()
        return " ".join(body.get_text(" ").split())

    english, welsh = visible_text("/"), visible_text("/cy/")
    for entry in welsh_catalogue():
        if entry.msgid in {"English", "Welsh"} or "%(" in entry.msgid or "<" in entry.msgid:
            continue
        phrase = re.compile(rf"(?<!\w){re.escape(entry.msgid)}(?!\w)")
        if entry.msgid != entry.msgstr and phrase.search(english):
            assert not phrase.search(welsh.replace(entry.msgstr, "")), entry.msgid
