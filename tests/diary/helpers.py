from __future__ import annotations

from django.db import connection
from django.test import Client
from django.urls import reverse

from safetrail.accounts import services as accounts
from safetrail.diary import services as diary
from safetrail.vault import services as vault
from tests.authz import PASSWORD


def person(username: str = "erin"):
    """A signed-in person with one diary. Returns (client, user, open_case)."""
    user, account_key, _ = accounts.account_create(username=username, password=PASSWORD)
    accounts.recovery_code_confirm(user=user)
    client = Client()
    response = client.post(
        reverse("accounts:sign_in"), {"username": username, "password": PASSWORD}
    )
    assert response.status_code == 302
    open_case = diary.case_create(owner=user, account_key=account_key, name="My diary")
    return client, user, open_case


def reopen(user, open_case):
    account_key = vault.account_key_from_password(user=user, password=PASSWORD)
    return diary.case_open(user=user, account_key=account_key, case_id=open_case.id)


def full_entry(**overrides) -> dict:
    data = {
        "when_kind": "exact",
        "date_day": "3",
        "date_month": "3",
        "date_year": "2026",
        "time": "9.30pm",
        "where": "Outside my flat",
        "behaviours": ["loitering", "threats"],
        "what_happened": "He waited in his car and shouted at me.",
        "suspect_appearance": "Grey hoodie",
        "vehicle": "Blue Ford, AB12 CDE",
        "witness_1_name": "My neighbour",
        "witness_1_contact": "Flat 2",
        "witness_1_saw": "Saw the car",
        "feared_violence": "yes",
        "effect": "I could not sleep",
        "reported": "yes",
        "crime_reference": "CR/2026/1",
        "officer": "PC 1234",
        "private_notes": "Tell my sister",
    }
    data.update(overrides)
    return data


def tamper(model, row_id, **values) -> None:
    """Changes a row with SQL, as someone with database access could: past every guard."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in values]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    params = [
        field.get_db_prep_value(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    params.append(meta.pk.get_db_prep_value(row_id, connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608 (names from the model)
            f"WHERE {quote(meta.pk.column)} = %s",
            params,
        )
        assert cursor.rowcount == 1
