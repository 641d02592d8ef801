"""An id no database row can have is a plain 404 on pages as on the API, whatever the method
(Werkzeug would otherwise answer 405 when another method's rule matches the path)."""

from __future__ import annotations

import pytest

from app.models.base import MAX_ID

TOO_BIG = MAX_ID + 1


@pytest.mark.parametrize("method, url", [
    ("POST", f"/attachments/{TOO_BIG}/delete"),
    ("GET", f"/attachments/{TOO_BIG}/delete"),
    ("GET", f"/products/{TOO_BIG}"),
    ("DELETE", f"/api/v1/attachments/{TOO_BIG}"),
])
def test_an_id_above_max_id_is_not_found(client, auth, world, method, url):
    auth.login(world.manager.email)
    assert client.open(url, method=method).status_code == 404


def test_a_wrong_method_on_a_real_id_stays_405(client, auth, world):
    auth.login(world.manager.email)
    assert client.open("/attachments/1/delete", method="PUT").status_code == 405
