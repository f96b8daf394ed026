"""Realtime notifications in a real browser, against the live ASGI server (uvicorn child)."""

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import expect

from mindhaven.core.testing import PASSWORD, make_user
from mindhaven.notifications.services import notify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IN_MEMORY_LAYER = "channels.layers.InMemoryChannelLayer"


def notify_from_another_thread(**kwargs):
    # Playwright's sync API keeps an event loop in this thread, and notify's
    # broadcast uses async_to_sync, which refuses to run inside one.
    def run():
        try:
            return notify(**kwargs)
        finally:
            connections.close_all()  # else the test DB cannot be dropped at the end

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=10)


def test_it_opens_the_socket_on_the_inbox(page, live_server_url, login, axe_check):
    make_user("alice")
    login(page, live_server_url, "alice", PASSWORD)
    response = page.goto(f"{live_server_url}/notifications/")
    assert response is not None and response.status == 200
    live = page.locator("#notifications-live")
    expect(live).to_have_attribute("aria-live", "polite")
    expect(live).to_have_attribute("data-state", "open")
    axe_check(page)


def test_it_does_not_open_the_socket_when_signed_out(page, live_server_url):
    page.goto(f"{live_server_url}/")
    assert page.locator("#notifications-live").count() == 0


@pytest.mark.skipif(
    settings.CHANNEL_LAYERS["default"]["BACKEND"] == IN_MEMORY_LAYER,
    reason="needs REDIS_URL: the live server is another process and the in-memory "
    "channel layer does not cross processes",
)
def test_it_shows_a_new_notification_in_every_open_tab(context, live_server_url, login):
    alice = make_user("alice")
    first, second = context.new_page(), context.new_page()
    login(first, live_server_url, "alice", PASSWORD)
    for tab in (first, second):
        tab.goto(f"{live_server_url}/notifications/")
        expect(tab.locator("#notifications-live")).to_have_attribute("data-state", "open")
        tab.evaluate("() => { window.sameDocument = true; }")

    created = notify_from_another_thread(
        user=alice, kind="test", title="Bob confirmed your session", url="/notifications/"
    )

    for tab in (first, second):
        item = tab.locator(f"#notifications-live #notification-{created.code}")
        expect(item).to_contain_text("Bob confirmed your session", timeout=10_000)
        # Without reload: a reload or navigation would have dropped this flag.
        assert tab.evaluate("() => window.sameDocument") is True


def test_it_pushes_a_notice_made_by_the_server_to_every_open_tab(context, live_server_url, login):
    # Works with either channel layer: the server process that creates the
    # notification (through the API) is the one holding both sockets.
    make_user("alice")
    first, second = context.new_page(), context.new_page()
    login(first, live_server_url, "alice", PASSWORD)
    for tab in (first, second):
        tab.goto(f"{live_server_url}/")
        expect(tab.locator("#notifications-live")).to_have_attribute("data-state", "open")
        tab.evaluate("() => { window.sameDocument = true; }")

    body = json.dumps({"username": "alice", "password": PASSWORD, "name": "laptop"}).encode()
    request = urllib.request.Request(
        f"{live_server_url}/api/v1/auth/token",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200

    for tab in (first, second):
        item = tab.locator("#notifications-live .notification").first
        expect(item).to_contain_text("laptop", timeout=10_000)
        assert tab.evaluate("() => window.sameDocument") is True
