"""Secure messaging in a real browser, against the live ASGI server (uvicorn child).

Both people's sockets are held by the one server process, so these tests work with the
in-memory channel layer as well as with Redis.
"""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connections
from playwright.sync_api import Page, expect

from mindhaven.accounts.models import User
from mindhaven.accounts.services import agree_to_privacy, grant_consent, revoke_consent
from mindhaven.care.models import Message, Thread
from mindhaven.core.testing import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

URGENT = "I want to kill myself tonight"


def in_another_thread(function: Any, **kwargs: Any) -> Any:
    """Run a service here: Playwright's sync API keeps an event loop in this thread, and
    the service's broadcast (async_to_sync) refuses to run inside one."""

    def run() -> Any:
        try:
            return function(**kwargs)
        finally:
            connections.close_all()  # else the test database cannot be dropped at the end

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=10)


@pytest.fixture
def thread() -> Thread:
    alice = make_user("alice", country="GB", timezone="Europe/London")
    bob = make_user("bob", User.Role.CLINICIAN, is_demo=True)
    agree_to_privacy(user=alice)
    grant_consent(member=alice, clinician=bob, categories=["messages"])
    return Thread.objects.create(member=alice, clinician=bob)


def open_thread(
    browser: Any, args: dict[str, Any], url: str, login: Any, who: str, thread: Thread
) -> Page:
    page: Page = browser.new_context(**args).new_page()
    login(page, url, who, PASSWORD)
    page.goto(f"{url}/care/messages/{thread.code}/")
    expect(page.locator("#chat-list")).to_have_attribute("data-state", "open")
    return page


def write_by_keyboard(page: Page, text: str) -> None:
    """Reach the message box and the Send button with the keyboard only."""
    page.locator("#id_body").focus()
    page.keyboard.type(text)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Send"
    page.keyboard.press("Enter")


def test_it_delivers_a_message_live_with_read_receipts(
    browser: Any,
    browser_context_args: dict[str, Any],
    live_server_url: str,
    login: Any,
    axe_check: Any,
    thread: Thread,
) -> None:
    alice = open_thread(browser, browser_context_args, live_server_url, login, "alice", thread)
    axe_check(alice)
    alice.evaluate("() => { window.sameDocument = true; }")
    write_by_keyboard(alice, "Hello Bob, <b>see you</b> Tuesday")
    mine = alice.locator("#chat-list li.chat-mine")
    expect(mine).to_have_count(1)
    expect(mine.locator(".chat-body")).to_have_text("Hello Bob, <b>see you</b> Tuesday")
    expect(mine.locator("[data-receipt]")).to_have_text("Sent")
    expect(alice.locator("#id_body")).to_have_value("")
    stored = Message.objects.get()
    assert stored.body == "Hello Bob, <b>see you</b> Tuesday"
    expect(mine).to_have_id(f"message-{stored.code}")

    bob = open_thread(browser, browser_context_args, live_server_url, login, "bob", thread)
    expect(bob.locator(f"#message-{stored.code} .chat-body")).to_have_text(stored.body)
    expect(mine.locator("[data-receipt]")).to_have_text("Read")  # live, on alice's page
    axe_check(bob)

    write_by_keyboard(bob, "Tuesday it is.")
    expect(alice.locator("#chat-list li.chat-theirs .chat-body")).to_have_text("Tuesday it is.")
    expect(alice.locator("#chat-status")).to_contain_text("Tuesday it is.")
    assert alice.evaluate("() => window.sameDocument") is True  # no reload
    assert Message.objects.count() == 2


def test_it_shows_the_support_panel_at_once_after_an_urgent_message(
    browser: Any,
    browser_context_args: dict[str, Any],
    live_server_url: str,
    login: Any,
    axe_check: Any,
    thread: Thread,
) -> None:
    alice = open_thread(browser, browser_context_args, live_server_url, login, "alice", thread)
    write_by_keyboard(alice, URGENT)
    panel = alice.locator("#support-panel-live .support-panel")
    expect(panel).to_contain_text("You do not have to go through this alone")
    expect(panel.locator('a[href="tel:999"]')).to_be_visible()
    expect(alice.locator("#chat-list li.chat-mine .chat-body")).to_have_text(URGENT)
    assert Message.objects.get().safety_level == "urgent"
    axe_check(alice)


def test_it_sends_what_was_written_offline_once_the_connection_is_back(
    browser: Any,
    browser_context_args: dict[str, Any],
    live_server_url: str,
    login: Any,
    thread: Thread,
) -> None:
    alice = open_thread(browser, browser_context_args, live_server_url, login, "alice", thread)
    alice.context.set_offline(True)
    alice.evaluate("() => window.dispatchEvent(new Event('offline'))")
    expect(alice.locator("#chat-list")).to_have_attribute("data-state", "closed")
    write_by_keyboard(alice, "written on the train")
    receipt = alice.locator("#chat-list li.chat-mine [data-receipt]")
    expect(receipt).to_have_text("Not sent yet: it will be sent when the connection is back.")
    assert Message.objects.count() == 0
    alice.context.set_offline(False)
    expect(receipt).to_have_text("Sent", timeout=15_000)
    assert [m.body for m in Message.objects.all()] == ["written on the train"]


def test_it_lists_threads_and_shows_a_closed_thread_accessibly(
    page: Page, live_server_url: str, login: Any, axe_check: Any, thread: Thread
) -> None:
    login(page, live_server_url, "alice", PASSWORD)
    page.goto(f"{live_server_url}/care/messages/")
    link = page.get_by_role("link", name="Bob")
    expect(link).to_be_visible()
    axe_check(page)
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server_url}/care/messages/{thread.code}/")
    in_another_thread(
        revoke_consent, member=thread.member, grant=thread.member.care_links.get().grants.get()
    )
    page.reload()
    expect(page.locator("#chat-closed")).to_contain_text("share Messages with them")
    expect(page.locator("#chat-form")).to_have_count(0)
    axe_check(page)
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Mensajes con Bob")
    axe_check(page)


def test_it_updates_the_unread_count_in_the_nav_without_a_reload(
    browser: Any,
    browser_context_args: dict[str, Any],
    live_server_url: str,
    login: Any,
    thread: Thread,
) -> None:
    alice = open_thread(browser, browser_context_args, live_server_url, login, "alice", thread)
    # Bob is on his dashboard, in one tab of his own browser.
    bob_context = browser.new_context(**browser_context_args)
    dashboard = bob_context.new_page()
    login(dashboard, live_server_url, "bob", PASSWORD)
    dashboard.goto(f"{live_server_url}/care/")
    expect(dashboard.locator("#notifications-live")).to_have_attribute("data-state", "open")
    dashboard.evaluate("() => { window.sameDocument = true; }")
    badge = dashboard.locator('nav [data-badge="messages"]')
    expect(badge).to_have_text("")

    write_by_keyboard(alice, "Are we still on for Thursday?")
    expect(badge.locator(".nav-count")).to_have_text("1", timeout=10_000)
    expect(badge).to_contain_text("1 unread message")
    write_by_keyboard(alice, "I can do the morning too.")
    expect(badge.locator(".nav-count")).to_have_text("2", timeout=10_000)
    assert dashboard.evaluate("() => window.sameDocument") is True  # no reload

    # Bob reads the thread in a second tab: the first tab's count goes away.
    reader = bob_context.new_page()
    reader.goto(f"{live_server_url}/care/messages/{thread.code}/")
    expect(reader.locator("#chat-list")).to_contain_text("I can do the morning too.")
    expect(badge).to_have_text("", timeout=10_000)
    assert dashboard.evaluate("() => window.sameDocument") is True
