"""Offline-first check-in in a phone-sized Chromium: three check-ins with the network off,
a reload served by the service worker, and exactly three entries on the server once the
network returns, also when the server restarted in between."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from mindhaven.accounts.services import agree_to_privacy
from mindhaven.core.testing import PASSWORD, make_user
from mindhaven.core.testing_server import ServerProcess, start_test_server
from mindhaven.mood.models import MoodEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    # A half-hour offset, so that "the device's offset" is visibly not the server's UTC.
    "timezone_id": "Asia/Kolkata",
}
STATUS = "[data-outbox-status]"
SW_STATE = """async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    const workers = registration
        ? ['installing', 'waiting', 'active'].map((k) => `${k}: ${registration[k]?.state}`)
        : ['no registration'];
    return `${workers.join(', ')}; caches: ${(await caches.keys()).join(', ')}`;
}"""
SOMEONE_ELSES = """async () => {
    const db = await new Promise((resolve) => {
        const request = indexedDB.open('mindhaven');
        request.onsuccess = () => resolve(request.result);
    });
    await new Promise((resolve) => {
        const tx = db.transaction('outbox', 'readwrite');
        tx.objectStore('outbox').put({
            id: '00000000-0000-4000-8000-000000000001',
            member: '00000000-0000-4000-8000-0000000000ff',
            entry: {id: '00000000-0000-4000-8000-000000000001', mood: 3,
                    recorded_at: new Date().toISOString()},
            queuedAt: new Date().toISOString(), errors: null,
        });
        tx.oncomplete = () => { db.close(); resolve(); };
    });
}"""
OUTBOX_IDS = """async () => {
    const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open('mindhaven');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
    return await new Promise((resolve) => {
        const request = db.transaction('outbox').objectStore('outbox').getAllKeys();
        request.onsuccess = () => { db.close(); resolve(request.result); };
    });
}"""


@pytest.fixture
def phone(browser: Any, browser_context_args: dict[str, Any]) -> Iterator[Any]:
    context = browser.new_context(**{**browser_context_args, **PHONE})
    yield context
    context.close()


@pytest.fixture
def own_server(transactional_db: None) -> Iterator[ServerProcess]:
    """A server of this test's own, so that restarting it leaves the session's alone."""
    server = start_test_server(dict(connection.settings_dict))
    try:
        yield server
    finally:
        server.stop()


def make_alice() -> Any:
    alice = make_user("alice", timezone="Europe/London")
    agree_to_privacy(user=alice)
    return alice


def open_check_in_online(page: Any, base: str, login: Callable[..., None]) -> None:
    login(page, base, "alice", PASSWORD)
    response = page.goto(f"{base}/mood/check-in/")
    assert response is not None and response.status == 200
    # The worker activates only after caching the shell. A page whose navigation was
    # under way while the worker activated stays uncontrolled (clients.claim() only
    # takes pages that exist), so once the worker is ready, load the page again.
    try:
        page.evaluate("async () => { await navigator.serviceWorker.ready; }")
        if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
            page.reload()
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    except PlaywrightError:
        state = page.evaluate(SW_STATE)
        pytest.fail(f"the service worker never took control of the page: {state}")


def check_in_three_times_offline(page: Any) -> None:
    status = page.locator(STATUS)
    for count, mood in enumerate((2, 4, 5), start=1):
        page.locator(f"label[for='mood-{mood}']").click()
        page.get_by_role("button", name="Save check-in").first.click()
        expect(status).to_have_attribute("data-waiting", str(count))
    expect(status).to_have_text(re.compile(r"^3 check-ins are waiting to sync"))
    expect(page.locator("[data-checkin-result]")).to_contain_text("No connection")


def reload_offline(page: Any, axe_check: Callable[[Any], None] | None) -> None:
    response = page.reload()
    assert response is not None and response.from_service_worker
    expect(page.locator("h1")).to_have_text("Check in")
    status = page.locator(STATUS)
    expect(status).to_have_attribute("data-waiting", "3")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text(re.compile(r"^3 check-ins are waiting to sync"))
    assert page.evaluate("() => navigator.onLine") is False
    if axe_check is not None:
        axe_check(page)


def come_back_online_and_sync(page: Any, context: Any, left: list[str] | None = None) -> None:
    context.set_offline(False)
    status = page.locator(STATUS)
    expect(status).to_have_attribute("data-waiting", "0", timeout=15_000)
    expect(status).to_have_text("Your check-ins are saved.")
    assert page.evaluate(OUTBOX_IDS) == (left or [])


def assert_exactly_three_on_the_server(page: Any, base: str, alice: Any) -> None:
    assert sorted(MoodEntry.objects.filter(member=alice).values_list("mood", flat=True)) == [
        2,
        4,
        5,
    ]
    listed = page.evaluate(
        "async (url) => (await (await fetch(url, {credentials: 'same-origin'})).json()).items",
        f"{base}/api/v1/mood/entries",
    )
    assert sorted(item["mood"] for item in listed) == [2, 4, 5]
    for item in listed:
        # Stored with the device's offset at the moment of the check-in, and returned so.
        assert item["recorded_at"].endswith("+05:30"), item["recorded_at"]
    assert set(
        MoodEntry.objects.filter(member=alice).values_list("recorded_offset_minutes", flat=True)
    ) == {330}


def test_it_checks_in_offline_and_syncs_exactly_once(
    live_server_url: str,
    phone: Any,
    login: Callable[..., None],
    axe_check: Callable[[Any], None],
) -> None:
    alice = make_alice()
    page = phone.new_page()
    batches: list[str] = []
    page.on(
        "request",
        lambda request: (
            batches.append(request.post_data or "")
            if request.url.endswith("/api/v1/mood/entries/batch")
            else None
        ),
    )
    open_check_in_online(page, live_server_url, login)
    phone.set_offline(True)
    try:
        check_in_three_times_offline(page)
        assert MoodEntry.objects.filter(member=alice).count() == 0
        # Someone else queued a check-in on this phone earlier: it is neither counted
        # on alice's page nor ever sent in her session.
        page.evaluate(SOMEONE_ELSES)
        reload_offline(page, axe_check)
    finally:
        come_back_online_and_sync(page, phone, left=["00000000-0000-4000-8000-000000000001"])
    assert_exactly_three_on_the_server(page, live_server_url, alice)

    # A second sync (another tab, a timer) finds nothing to send and changes nothing.
    page.evaluate(
        "async (src) => { const outbox = await import(src); await outbox.sync(); }",
        page.locator(STATUS).get_attribute("data-src"),
    )
    assert MoodEntry.objects.count() == 3
    assert batches and all(body.count('"id"') <= 3 for body in batches)
    assert all("00000000-0000-4000-8000-000000000001" not in body for body in batches)
    axe_check(page)


def test_it_syncs_exactly_once_after_the_server_restarted(
    own_server: ServerProcess, browser: Any, login: Callable[..., None]
) -> None:
    """The same, with the strict CSP enforced and the server process replaced while offline."""
    alice = make_alice()
    context = browser.new_context(**PHONE, locale="en-GB", bypass_csp=False)
    page = context.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            csp_errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    try:
        open_check_in_online(page, own_server.url, login)
        context.set_offline(True)
        check_in_three_times_offline(page)
        old_pid = own_server.process.pid if own_server.process else None
        own_server.restart()
        assert own_server.process is not None and own_server.process.pid != old_pid
        reload_offline(page, None)
        come_back_online_and_sync(page, context)
        assert_exactly_three_on_the_server(page, own_server.url, alice)
        assert csp_errors == []
    finally:
        context.close()
