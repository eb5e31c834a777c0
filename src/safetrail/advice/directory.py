"""The support-services directory, kept as a data file a deployment can edit.

The file is JSON (see ``data/services.json``). It is checked when the app
starts; a mistake stops start-up with a message that names the entry and the
field, so an operator finds it before a visitor does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

LANGUAGES = ("en", "cy")
TEXT_FIELDS = ("name", "description")
OPTIONAL_TEXT_FIELDS = ("hours",)
KNOWN_SERVICE_FIELDS = {
    "key",
    "category",
    "phone",
    "text_phone",
    "website",
    *TEXT_FIELDS,
    *OPTIONAL_TEXT_FIELDS,
}


class DirectoryError(ImproperlyConfigured):
    """The support-services file cannot be used; the message says why."""


@dataclass(frozen=True)
class SupportService:
    key: str
    category: str
    texts: dict[str, dict[str, str]]
    phone: str = ""
    text_phone: str = ""
    website: str = ""

    def text(self, field: str) -> str:
        values = self.texts.get(field, {})
        return values.get(translation.get_language() or "en") or values.get("en", "")

    @property
    def name(self) -> str:
        return self.text("name")

    @property
    def description(self) -> str:
        return self.text("description")

    @property
    def hours(self) -> str:
        return self.text("hours")

    @property
    def phone_link(self) -> str:
        return "tel:" + "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")


@dataclass(frozen=True)
class Directory:
    categories: dict[str, dict[str, str]]
    services: tuple[SupportService, ...]

    def grouped(self) -> list[tuple[str, list[SupportService]]]:
        language = translation.get_language() or "en"
        groups = []
        for key, names in self.categories.items():
            members = [service for service in self.services if service.category == key]
            if members:
                groups.append((names.get(language) or names["en"], members))
        return groups


def _text_map(raw: object, where: str, *, required: bool) -> dict[str, str]:
    if raw is None and not required:
        return {}
    if not isinstance(raw, dict) or not isinstance(raw.get("en"), str) or not raw["en"].strip():
        raise DirectoryError(f'{where} needs an English text under "en".')
    unknown = set(raw) - set(LANGUAGES)
    if unknown:
        raise DirectoryError(f"{where} has text in an unknown language: {sorted(unknown)}.")
    if not all(isinstance(value, str) for value in raw.values()):
        raise DirectoryError(f"{where} must map language codes to text.")
    return dict(raw)


def parse(data: object, source: str = "the support-services file") -> Directory:
    if not isinstance(data, dict):
        raise DirectoryError(f"{source} must hold a JSON object.")
    raw_categories = data.get("categories")
    raw_services = data.get("services")
    if not isinstance(raw_categories, dict) or not raw_categories:
        raise DirectoryError(f'{source} needs a "categories" object.')
    if not isinstance(raw_services, list) or not raw_services:
        raise DirectoryError(f'{source} needs a non-empty "services" list.')
    categories = {
        key: _text_map(value, f"{source}: category {key!r}", required=True)
        for key, value in raw_categories.items()
    }
    services = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_services, start=1):
        where = f"{source}: service {index}"
        if not isinstance(raw, dict):
            raise DirectoryError(f"{where} must be a JSON object.")
        key = raw.get("key")
        if not isinstance(key, str) or not key:
            raise DirectoryError(f'{where} needs a "key".')
        where = f"{source}: service {key!r}"
        if key in seen:
            raise DirectoryError(f"{where} appears twice.")
        seen.add(key)
        unknown = set(raw) - KNOWN_SERVICE_FIELDS
        if unknown:
            raise DirectoryError(
                f"{where} has fields this version does not know: {sorted(unknown)}."
            )
        category = raw.get("category")
        if not isinstance(category, str) or category not in categories:
            raise DirectoryError(f'{where} has a category that is not in "categories".')
        texts = {
            field: _text_map(raw.get(field), f"{where}, {field}", required=True)
            for field in TEXT_FIELDS
        }
        for field in OPTIONAL_TEXT_FIELDS:
            texts[field] = _text_map(raw.get(field), f"{where}, {field}", required=False)
        contact = {}
        for field in ("phone", "text_phone", "website"):
            value = raw.get(field, "")
            if not isinstance(value, str):
                raise DirectoryError(f"{where}, {field} must be text.")
            contact[field] = value.strip()
        if "://" in contact["website"]:
            # Shown as text, never as a link: a link would leave a trail and
            # send a request to another site from this one.
            raise DirectoryError(f"{where}, website must be written without http:// or https://.")
        if not (contact["phone"] or contact["text_phone"] or contact["website"]):
            raise DirectoryError(f"{where} needs a phone number, text phone or website.")
        services.append(SupportService(key=key, category=raw["category"], texts=texts, **contact))
    return Directory(categories=categories, services=tuple(services))


def load(path: Path) -> Directory:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DirectoryError(
            f"Cannot read the support-services file {path}: {error.strerror}."
        ) from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise DirectoryError(
            f"The support-services file {path} is not valid JSON "
            f"(line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    return parse(data, source=str(path))


@cache
def _load_cached(path: str) -> Directory:
    return load(Path(path))


def load_configured() -> Directory:
    return _load_cached(str(settings.SAFETRAIL_SUPPORT_SERVICES_FILE))
