"""The session note pages in a real browser: keyboard use, axe, print button, and the
member's read-only copy. Skipped without Chromium (failed with MINDHAVEN_REQUIRE_BROWSER=1)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mindhaven.accounts.models import User
from mindhaven.accounts.services import agree_to_privacy
from mindhaven.care.models import Appointment, SessionNote
from mindhaven.care.services.notes import verify_note
from mindhaven.core.testing import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bob_writes_signs_and_amends_a_note_by_keyboard(
    live_server_url: str,
    page: Any,
    browser: Any,
    login: Callable[..., None],
    axe_check: Callable[[Any], None],
) -> None:
    alice = make_user("alice", timezone="Europe/London", country="GB")
    bob = make_user("bob", User.Role.CLINICIAN, is_demo=True)
    agree_to_privacy(user=alice)
    start = timezone.now() - timedelta(hours=1)
    appointment = Appointment.objects.create(
        member=alice, clinician=bob, start=start, end=start + timedelta(minutes=50)
    )
    url = f"{live_server_url}/care/appointments/{appointment.code}/note/"
    login(page, live_server_url, "bob", PASSWORD)

    page.goto(url)
    axe_check(page)
    page.get_by_label("Subjective").focus()
    page.keyboard.type("Sleeping badly since the move.")
    page.keyboard.press("Tab")
    page.keyboard.type("Calm, good eye contact.")
    page.keyboard.press("Tab")
    page.keyboard.type("Low mood, improving.")
    page.keyboard.press("Tab")
    page.keyboard.type("Sleep diary.")
    # Tab to "Save draft" and press it with the keyboard.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Save draft"
    with page.expect_navigation(url=url):
        page.keyboard.press("Enter")
    assert page.get_by_text("The draft was saved.").is_visible()
    assert SessionNote.objects.get().plan == "Sleep diary."

    page.get_by_role("button", name="Sign and lock").focus()
    with page.expect_navigation(url=url + "sign/"):
        page.keyboard.press("Enter")
    axe_check(page)
    with page.expect_navigation(url=url):
        page.get_by_role("button", name="Sign and lock").click()
    assert page.get_by_text("The note is signed and locked.").is_visible()
    assert page.get_by_text("Integrity check: the note is exactly as it was signed.").is_visible()
    assert page.get_by_role("button", name="Print").is_visible()  # shown by notes.js
    assert page.locator("textarea[name=subjective]").count() == 0  # read-only now
    axe_check(page)

    page.get_by_role("textbox", name="Amendment").fill("PHQ-9 was 14, not 12.")
    with page.expect_navigation(url=url):
        page.get_by_role("button", name="Add amendment").click()
    assert page.get_by_text("PHQ-9 was 14, not 12.").is_visible()
    axe_check(page)
    note = SessionNote.objects.get()
    assert verify_note(note)
    assert note.amendments.count() == 1

    # The list of bob's notes, then back to the note by keyboard.
    page.get_by_role("link", name="All your session notes").click()
    page.wait_for_url(f"{live_server_url}/care/notes/")
    axe_check(page)
    page.get_by_role("link", name="Session with Alice").focus()
    with page.expect_navigation(url=url):
        page.keyboard.press("Enter")

    # Printing hides the navigation and the amendment form.
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.get_by_role("button", name="Add amendment").is_visible()
    assert page.get_by_text("Sleeping badly since the move.").is_visible()
    # The fingerprint, folded on screen under "Technical details", is on the paper.
    assert page.locator(".note-digest code").is_visible()
    page.emulate_media(media="screen")
    assert not page.locator(".note-digest code").is_visible()

    # Alice reads the signed note in a context of her own.
    context = browser.new_context(bypass_csp=True, locale="en-GB")
    alice_page = context.new_page()
    login(alice_page, live_server_url, "alice", PASSWORD)
    alice_page.goto(url)
    assert alice_page.get_by_text("Low mood, improving.").is_visible()
    assert alice_page.get_by_text("Session with Bob").is_visible()
    assert alice_page.get_by_role("button", name="Add amendment").count() == 0
    axe_check(alice_page)
    context.close()
