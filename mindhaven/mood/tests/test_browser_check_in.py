from collections.abc import Callable
from typing import Any

import pytest

from mindhaven.accounts.services import agree_to_privacy
from mindhaven.core.testing import PASSWORD, make_user
from mindhaven.mood.models import MoodEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_checks_in_with_the_keyboard_only(
    live_server_url: str, page: Any, login: Callable[..., None], axe_check: Callable[[Any], None]
) -> None:
    alice = make_user("alice", timezone="Europe/London")
    agree_to_privacy(user=alice)
    login(page, live_server_url, "alice", PASSWORD)

    page.goto(f"{live_server_url}/mood/check-in/")
    axe_check(page)
    # Tab from the top of the page until focus reaches the mood scale.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement?.name") == "mood":
            break
    else:
        pytest.fail("Tab never reached the mood scale")
    # Arrow keys move within the group and choose: from "awful" to "good".
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("() => document.activeElement.value") == "4"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/mood/")

    entry = MoodEntry.objects.get(member=alice)
    assert entry.mood == 4
    axe_check(page)

    # The save button is the next Tab stop after the scale, for Space as well.
    page.goto(f"{live_server_url}/mood/check-in/")
    page.focus("#mood-1")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.type") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert MoodEntry.objects.filter(member=alice).count() == 2

    page.goto(f"{live_server_url}/mood/entries/")
    axe_check(page)
    assert page.locator(".mood-entry").count() == 2
