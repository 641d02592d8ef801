"""API fixtures: bearer tokens per user."""

import base64

import pytest

from tests import factories


def basic(email: str, password: str = factories.PASSWORD) -> dict:
    raw = base64.b64encode(f"{email}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@pytest.fixture
def token_for(client):
    cache = {}

    def get(user) -> dict:
        if user.email not in cache:
            response = client.post("/api/v1/tokens", headers=basic(user.email))
            assert response.status_code == 201, response.json
            cache[user.email] = {"Authorization": f"Bearer {response.json['token']}"}
        return cache[user.email]

    return get
