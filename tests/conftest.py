from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def signed_in_client(client, db):
    user = get_user_model().objects.create_user(username="alice", password="a long passphrase 1")
    client.force_login(user)
    client.user = user
    return client
