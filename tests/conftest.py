from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language.

    A request to a Welsh page activates Welsh in the thread and nothing turns
    it off again; without this, a later test in the same worker would reverse
    its URLs under /cy/.
    """
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def signed_in_client(client, db):
    user = get_user_model().objects.create_user(username="alice", password="a long passphrase 1")
    client.force_login(user)
    client.user = user
    return client
