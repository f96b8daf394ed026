from collections.abc import Callable
from typing import Any

import pytest

from mindhaven.accounts.models import User
from mindhaven.accounts.services import agree_to_privacy, grant_consent
from mindhaven.core.testing import PASSWORD, make_user
from mindhaven.mood.models import MoodEntry
from mindhaven.safety.models import SafetyAlert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

URGENT = "I want to kill myself tonight"


def test_it_shows_the_panel_after_an_urgent_check_in(
    live_server_url: str, page: Any, login: Callable[..., None], axe_check: Callable[[Any], None]
) -> None:
    alice = make_user("alice", timezone="Europe/London", country="GB")
    bob = make_user("bob", User.Role.CLINICIAN, is_demo=True)
    agree_to_privacy(user=alice)
    grant_consent(member=alice, clinician=bob, categories=["mood"])
    login(page, live_server_url, "alice", PASSWORD)

    page.goto(f"{live_server_url}/mood/check-in/")
    page.check("#mood-1")
    page.click("summary")
    page.fill("textarea[name=note]", URGENT)
    with page.expect_navigation(url=f"{live_server_url}/safety/support/"):
        page.locator("form[data-checkin] button[type=submit]").last.click()
    assert page.get_by_role("heading", name="You do not have to go through this alone").is_visible()
    assert page.get_by_text("Your check-in was saved.").is_visible()
    assert page.locator('a[href="tel:999"]').is_visible()
    axe_check(page)
    entry = MoodEntry.objects.get(member=alice)
    assert entry.note == URGENT

    with page.expect_navigation():
        page.get_by_role("button", name="Let my clinician know").click()
    assert page.get_by_text("We let Bob know that you may need help.").is_visible()
    assert SafetyAlert.objects.filter(member=alice, clinician=bob).count() == 1
    axe_check(page)

    page.get_by_role("link", name="Your safety plan").first.click()
    page.wait_for_url(f"{live_server_url}/safety/plan/")
    axe_check(page)
    page.get_by_role("link", name="Write your plan").click()
    page.fill("#id_coping_strategies", "Walk the dog\nCall my sister")
    with page.expect_navigation(url=f"{live_server_url}/safety/plan/"):
        page.get_by_role("button", name="Save your plan").click()
    assert page.get_by_text("Walk the dog").is_visible()
    assert page.get_by_role("button", name="Print").is_visible()
    axe_check(page)


def test_bob_acknowledges_an_alert(
    live_server_url: str, page: Any, login: Callable[..., None], axe_check: Callable[[Any], None]
) -> None:
    alice = make_user("alice", timezone="Europe/London", country="GB")
    bob = make_user("bob", User.Role.CLINICIAN, is_demo=True)
    agree_to_privacy(user=alice)
    grant_consent(member=alice, clinician=bob, categories=["safety_alerts"])
    SafetyAlert.objects.create(member=alice, clinician=bob, source="mood", trigger="automatic")
    login(page, live_server_url, "bob", PASSWORD)
    page.goto(f"{live_server_url}/safety/alerts/")
    axe_check(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Acknowledge the alert for Alice").click()
    assert page.get_by_text("Alert acknowledged.").is_visible()
    assert SafetyAlert.objects.get().acknowledged_by == bob
    axe_check(page)
