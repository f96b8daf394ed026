"""Realtime notifications in a real browser, against the live ASGI server."""

import pytest

from mindhaven.core.testing import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_serves_pages_and_signs_in(page, live_server_url, login, axe_check):
    make_user("alice")
    login(page, live_server_url, "alice", PASSWORD)
    response = page.goto(f"{live_server_url}/notifications/")
    assert response is not None and response.status == 200
    assert "/accounts/login/" not in page.url
    axe_check(page)
