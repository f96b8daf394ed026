"""The calendar, trends and filtered list in Chromium: axe-core, keyboard, dark mode."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mindhaven.accounts.services import agree_to_privacy
from mindhaven.core.testing import PASSWORD, make_user
from mindhaven.mood.services import record_checkin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_history_pages_accessibly(
    live_server_url: str, page: Any, login: Callable[..., None], axe_check: Callable[[Any], None]
) -> None:
    alice = make_user("alice", timezone="Europe/London")
    agree_to_privacy(user=alice)
    now = timezone.now()
    for days_ago in range(0, 40, 3):
        record_checkin(
            member=alice,
            client_id=uuid.uuid4(),
            recorded_at=now - timedelta(days=days_ago, hours=1),
            mood=1 + days_ago % 5,
            activities=["walk", "<i>friends</i>"][: 1 + days_ago % 2],
            sleep_hours=5 + days_ago % 4,
        )
    login(page, live_server_url, "alice", PASSWORD)

    page.goto(f"{live_server_url}/mood/calendar/")
    axe_check(page)
    # Each day's accessible name, e.g. "3 March: good 3.5 (2 check-ins)".
    name = re.compile(r"^\d{1,2} \w+: (awful|bad|okay|good|great) \d\.\d \(\d+ check-ins?\)$")
    day_links = page.locator(".mood-calendar").get_by_role("link", name=name)
    assert day_links.count() == page.locator(".mood-calendar td a").count() >= 1
    day_links.first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/mood/entries/?start=*")
    assert page.locator(".mood-entry").count() >= 1
    axe_check(page)
    page.go_back()
    page.locator("a[rel=prev]").click()
    page.wait_for_url("**/mood/calendar/?month=*")
    axe_check(page)

    page.goto(f"{live_server_url}/mood/trends/?days=90")
    assert page.locator("svg[role=img]").count() == 3
    for summary in page.locator("details summary").all():
        summary.click()
    axe_check(page)
    assert page.get_by_role("img", name="Mood over time").count() == 1
    # Member text in a plot is shown as text, never run as markup.
    assert page.locator("svg i").count() == 0

    page.emulate_media(color_scheme="dark")
    for path in ("/mood/calendar/", "/mood/trends/", "/mood/entries/?mood=9&start=nope"):
        page.goto(f"{live_server_url}{path}")
        axe_check(page)
