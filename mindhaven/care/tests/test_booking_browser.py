"""Booking in a real browser: by keyboard alone, and every page free of serious axe
violations, in English and Spanish."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mindhaven.accounts.models import User
from mindhaven.care.models import Appointment, ClinicianProfile
from mindhaven.care.services import availability
from mindhaven.care.tests.booking_helpers import give_bob_hours, link
from mindhaven.core.testing import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until focus is on the first element matching `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => document.activeElement?.matches({selector!r})"):
            return
    pytest.fail(f"Tab never reached {selector}")


def test_it_books_by_keyboard_and_every_page_passes_axe(
    live_server_url: str, page: Any, login: Callable[..., None], axe_check: Callable[[Any], None]
) -> None:
    alice = make_user("alice", timezone="America/New_York")
    bob = make_user("bob", User.Role.CLINICIAN, is_demo=True, timezone="Europe/London")
    link(alice, bob)
    give_bob_hours(bob)
    ClinicianProfile.objects.filter(clinician=bob).update(listed=True, languages=["English"])

    login(page, live_server_url, "alice", PASSWORD)
    page.goto(f"{live_server_url}/care/")
    axe_check(page)
    page.goto(f"{live_server_url}/care/clinicians/")
    axe_check(page)
    page.goto(f"{live_server_url}/care/clinicians/{bob.code}/")
    axe_check(page)
    tab_to(page, ".care-slot-list a")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/book/" in page.url
    axe_check(page)
    tab_to(page, "main button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    booked = Appointment.objects.get(member=alice)
    assert page.url.endswith(f"/care/appointments/{booked.code}/")
    assert "America/New_York" in page.locator("main").inner_text()
    axe_check(page)
    page.goto(f"{live_server_url}/care/appointments/{booked.code}/reschedule/")
    axe_check(page)
    # "Later dates" swaps only the slots (htmx) and puts focus on their heading.
    page.goto(f"{live_server_url}/care/clinicians/{bob.code}/")
    tab_to(page, ".care-paging a")
    page.keyboard.press("Enter")
    page.wait_for_url("**from=*")
    page.wait_for_function("() => document.activeElement?.id === 'slots-heading'")
    assert page.locator("h1").count() == 1
    axe_check(page)
    page.goto(f"{live_server_url}/care/calendar/")
    axe_check(page)
    # "Copy the address" puts the whole secret address on the clipboard.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy the address").click()
    expect(page.locator("#copy-feed-status")).to_have_text("Copied.")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == page.locator("#feed-url").input_value()
    assert copied.startswith(live_server_url) and copied.endswith(".ics")

    # The clinician's pages.
    page.context.clear_cookies()
    login(page, live_server_url, "bob", PASSWORD)
    for path in ("/care/availability/", "/care/schedule/", "/care/schedule/?view=day"):
        page.goto(f"{live_server_url}{path}")
        axe_check(page)
    # An error on the editor is shown next to its field and still passes axe.
    page.goto(f"{live_server_url}/care/availability/")
    page.fill("#id_tuesday", "12:00-09:00")
    with page.expect_navigation():
        page.press("#id_tuesday", "Enter")
    assert "The end must be after the start." in page.locator("main").inner_text()
    # The page opens on the summary of what to fix; its link takes the keyboard there.
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**#id_tuesday")
    expect(page.locator("#id_tuesday")).to_be_in_viewport()
    axe_check(page)

    # Spanish.
    User.objects.filter(pk=alice.pk).update(locale="es")
    page.context.clear_cookies()
    login(page, live_server_url, "alice", PASSWORD)
    page.goto(f"{live_server_url}/care/")
    assert page.locator("h1").inner_text() == "Citas"
    axe_check(page)


def test_it_cancels_by_keyboard_only_after_confirming_on_a_phone(
    live_server_url: str, page: Any, login: Callable[..., None], axe_check: Callable[[Any], None]
) -> None:
    alice = make_user("alice", timezone="Europe/London")
    bob = make_user("bob", User.Role.CLINICIAN, is_demo=True, timezone="Europe/London")
    link(alice, bob)
    give_bob_hours(bob)
    profile = ClinicianProfile.objects.get(clinician=bob)
    now = timezone.now()
    slot = availability.free_slots(
        profile, start=now + timedelta(days=2), end=now + timedelta(days=30), now=now
    )[0]
    booked = Appointment.objects.create(member=alice, clinician=bob, start=slot.start, end=slot.end)

    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server_url, "alice", PASSWORD)
    page.goto(f"{live_server_url}/care/appointments/{booked.code}/")
    confirm = page.locator("#cancel-confirm button[type=submit]")
    assert not confirm.is_visible()  # one press of "Cancel appointment" cancels nothing
    tab_to(page, "#cancel-confirm summary")
    page.keyboard.press("Enter")
    assert confirm.is_visible()
    axe_check(page)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    booked.refresh_from_db()
    assert booked.is_booked
    tab_to(page, "#cancel-confirm button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    booked.refresh_from_db()
    assert not booked.is_booked
    assert "Book another time with" in page.locator("main").inner_text()
    axe_check(page)

    # bob's page for alice: her sessions and the way to write their notes.
    page.context.clear_cookies()
    login(page, live_server_url, "bob", PASSWORD)
    page.goto(f"{live_server_url}/accounts/clients/")
    tab_to(page, f"a[href='/care/clients/{alice.code}/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == alice.name
    axe_check(page)
