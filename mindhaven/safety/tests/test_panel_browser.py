from collections.abc import Callable
from pathlib import Path
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


def test_a_spanish_speaker_keeps_the_plan_and_finds_crisis_lines_offline(
    live_server_url: str,
    page: Any,
    context: Any,
    login: Callable[..., None],
    axe_check: Callable[[Any], None],
) -> None:
    from mindhaven.core.tests.test_browser_pages import (
        wait_for_cached_help,
        wait_for_service_worker,
    )

    lucia = make_user("lucia", timezone="America/Bogota", country="CO")
    agree_to_privacy(user=lucia)
    login(page, live_server_url, "lucia", PASSWORD)
    page.goto(f"{live_server_url}/")
    wait_for_service_worker(page)
    page.get_by_role("button", name="Español").click()
    page.wait_for_url(f"{live_server_url}/")
    # The language change installs a Spanish service worker, which caches the help page
    # in Spanish; let it finish before going on, so that what follows does not race it.
    assert wait_for_cached_help(page, "Pide ayuda ahora")

    # The plan, written in Spanish, and the copy kept on the device (the plan's offline form).
    page.goto(f"{live_server_url}/safety/plan/edit/")
    page.fill("#id_coping_strategies", "Salir a caminar\nLlamar a mi hermana")
    with page.expect_navigation(url=f"{live_server_url}/safety/plan/"):
        page.get_by_role("button", name="Guardar tu plan").click()
    assert page.get_by_text("Salir a caminar").is_visible()
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Guardar una copia en este dispositivo").click()
    copy = Path(download.value.path()).read_text("utf-8")
    assert "Tu plan de seguridad" in copy
    assert "Llamar a mi hermana" in copy
    assert "Mindhaven no es un servicio de emergencias." in copy

    # The help page, cached in Spanish by the service worker, with lines in Spanish.
    context.set_offline(True)
    try:
        response = page.goto(f"{live_server_url}/help/")
        assert response is not None and response.from_service_worker
        assert page.locator("h1").inner_text() == "Pide ayuda ahora"
        assert page.locator('a[href="tel:106"]').count() == 1  # Bogotá's line answers in Spanish
        assert page.get_by_text("Fuente: Secretaría Distrital de Salud de Bogotá").is_visible()
        assert page.locator('a[href="https://findahelpline.com"]').count() == 1
        axe_check(page)
        page.goto(f"{live_server_url}/safety/plan/")  # signed-in pages are never cached
        assert page.locator("h1").inner_text() == "No tienes conexión"
    finally:
        context.set_offline(False)
