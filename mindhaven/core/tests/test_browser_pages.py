"""Every page a newcomer reaches, in a real Chromium: sign-up, sign-in, language,
offline help through the service worker, keyboard use and axe-core on each page."""

import json
import re

import pytest
from allauth.account.models import EmailAddress

from mindhaven.core.testing import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC_PAGES = [
    ("/", "A calm place for your mental health"),
    ("/accounts/login/", "Sign In"),
    ("/accounts/signup/", "Sign Up"),
    ("/help/", "Get help now"),
    ("/offline/", "You are offline"),
    ("/accounts/password/reset/", "Password Reset"),
]
MEMBER_PAGES = [
    ("/", "Welcome, Alice"),
    ("/accounts/profile/", None),
    ("/notifications/", None),
    ("/accounts/email/", None),
    ("/accounts/password/change/", None),
    ("/accounts/2fa/", "Two-Factor Authentication"),
    ("/accounts/2fa/totp/activate/", "Activate Authenticator App"),
    ("/accounts/2fa/webauthn/add/", "Add Security Key"),
]


def make_member(username: str) -> None:
    user = make_user(username)
    # allauth lets only people with a verified address set up a second factor.
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


def wait_in_page(page, condition: str, timeout_ms: int = 15_000) -> bool:
    """Wait for an async condition inside the page (wait_for_function does not await it)."""
    script = f"""async () => {{
        const check = {condition};
        const deadline = Date.now() + {timeout_ms};
        while (Date.now() < deadline) {{
            if (await check()) return true;
            await new Promise((resolve) => setTimeout(resolve, 50));
        }}
        return false;
    }}"""
    return bool(page.evaluate(script))


def wait_for_service_worker(page) -> None:
    """Wait until the site's service worker controls the page.

    A page whose navigation was under way while the worker activated stays uncontrolled
    (clients.claim() takes only pages that already exist), however long one waits; so
    once a worker is active, a page it does not control is loaded again, through it.
    """
    active = "async () => !!(await navigator.serviceWorker.getRegistration())?.active"
    assert wait_in_page(page, active, timeout_ms=30_000), "no service worker became active"
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def wait_for_cached_help(page, heading: str) -> bool:
    """Wait until the one site cache holds the help page with this heading (the worker
    of the page's language has replaced any other); False when it never does."""
    wanted = json.dumps(f"<h1>{heading}</h1>")
    return wait_in_page(
        page,
        f"""async () => {{
            const keys = (await caches.keys()).filter((k) => k.startsWith('mindhaven-'));
            if (keys.length !== 1) return false;
            const cached = await (await caches.open(keys[0])).match('/help/', {{ignoreVary: true}});
            return !!cached && (await cached.text()).includes({wanted});
        }}""",
    )


def visit(page, url: str, heading: str | None, axe_check) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, f"{url} answered {response.status}"
    if "/accounts/reauthenticate/" in page.url:
        # allauth asks for the password again before security changes: check that page too.
        axe_check(page)
        page.fill('input[name="password"]', PASSWORD)
        page.locator("main form").get_by_role("button", name="Confirm").click()
        page.wait_for_url(url)
    if heading:
        assert heading in page.locator("h1").first.inner_text()
    assert page.locator('a.help-now[href="/help/"]').count() == 1
    axe_check(page)


def test_it_has_no_serious_accessibility_violations_on_public_pages(
    page, live_server_url, axe_check
):
    for path, heading in PUBLIC_PAGES:
        visit(page, f"{live_server_url}{path}", heading, axe_check)
    response = page.goto(f"{live_server_url}/no-such-page/")
    assert response is not None and response.status == 404
    assert "Page not found" in page.locator("h1").inner_text()
    axe_check(page)


def test_it_has_no_serious_accessibility_violations_in_dark_mode(page, live_server_url, axe_check):
    page.emulate_media(color_scheme="dark")
    for path, heading in PUBLIC_PAGES[:4]:
        visit(page, f"{live_server_url}{path}", heading, axe_check)


def test_it_has_no_serious_accessibility_violations_for_members(
    page, live_server_url, login, axe_check
):
    make_member("alice")
    login(page, live_server_url, "alice", PASSWORD)
    for path, heading in MEMBER_PAGES:
        visit(page, f"{live_server_url}{path}", heading, axe_check)
    page.emulate_media(color_scheme="dark")
    visit(page, f"{live_server_url}/accounts/2fa/", None, axe_check)


def test_it_signs_up_signs_out_and_signs_in(page, live_server_url, axe_check):
    page.goto(f"{live_server_url}/")
    page.get_by_role("link", name="Create an account").click()
    page.fill('input[name="email"]', "newcomer@example.org")
    page.fill('input[name="username"]', "newcomer")
    page.fill('input[name="password1"]', PASSWORD)
    page.fill('input[name="password2"]', PASSWORD)
    page.locator("main form").get_by_role("button", name="Sign Up").click()
    page.wait_for_url(f"{live_server_url}/")
    assert "Welcome, newcomer" in page.locator("h1").inner_text()
    axe_check(page)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    # allauth asks for confirmation only when signing out by GET; the header form POSTs.
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Sign in").count() == 1

    nav.get_by_role("link", name="Sign in").click()
    page.fill('input[name="login"]', "newcomer")
    page.fill('input[name="password"]', PASSWORD)
    page.locator("main form").get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_server_url}/")
    assert "Welcome, newcomer" in page.locator("h1").inner_text()


def test_it_switches_to_spanish_and_back_without_javascript(browser, live_server_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server_url}/help/")
    page.get_by_role("button", name="Español").click()
    page.wait_for_url(f"{live_server_url}/help/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text() == "Pide ayuda ahora"
    page.get_by_role("button", name="English").click()
    page.wait_for_url(f"{live_server_url}/help/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Get help now"
    context.close()


def test_it_opens_help_with_the_network_off(page, context, live_server_url, axe_check):
    page.goto(f"{live_server_url}/")
    wait_for_service_worker(page)
    page.evaluate(
        """async () => {
            const names = await caches.keys();
            const cache = await caches.open(names.find((n) => n.startsWith('mindhaven-')));
            if (!(await cache.match('/help/', {ignoreVary: true}))) throw new Error('no /help/');
        }"""
    )
    context.set_offline(True)
    try:
        response = page.goto(f"{live_server_url}/help/")
        assert response is not None and response.from_service_worker
        assert page.locator("h1").inner_text() == "Get help now"
        assert page.locator('a[href="tel:112"]').count() == 1
        axe_check(page)

        page.goto(f"{live_server_url}/accounts/profile/")
        assert page.locator("h1").inner_text() == "You are offline"
        axe_check(page)
    finally:
        context.set_offline(False)


def test_it_caches_help_in_the_chosen_language(page, context, live_server_url):
    page.goto(f"{live_server_url}/")
    wait_for_service_worker(page)
    page.get_by_role("button", name="Español").click()
    page.wait_for_url(f"{live_server_url}/")
    # The worker's script differs per language; app.js asks for the new one, whose
    # activation replaces the English cache with a Spanish one.
    assert wait_for_cached_help(page, "Pide ayuda ahora")
    context.set_offline(True)
    try:
        page.goto(f"{live_server_url}/help/")
        assert page.locator("h1").inner_text() == "Pide ayuda ahora"
    finally:
        context.set_offline(False)


def test_it_does_not_cache_signed_in_pages(page, live_server_url, login):
    make_user("alice")
    login(page, live_server_url, "alice", PASSWORD)
    page.goto(f"{live_server_url}/")
    wait_for_service_worker(page)
    cached = page.evaluate(
        """async () => {
            const texts = [];
            for (const key of await caches.keys()) {
                const cache = await caches.open(key);
                for (const request of await cache.keys()) {
                    const response = await cache.match(request);
                    if ((response.headers.get('content-type') || '').startsWith('text/html')) {
                        texts.push(await response.text());
                    }
                }
            }
            return texts;
        }"""
    )
    assert len(cached) == 3  # help, offline, and the empty check-in form (all anonymous)
    for html in cached:
        assert "Alice" not in html
        assert "Sign out" not in html


def test_it_starts_keyboard_navigation_with_the_skip_link(page, live_server_url):
    page.goto(f"{live_server_url}/help/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert focused == "skip-link"
    assert page.locator(".skip-link").is_visible()
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"
    page.keyboard.press("Tab")
    # After skipping, the next stop is inside main, not the header.
    assert page.evaluate("() => document.activeElement.closest('main') !== null")


def test_it_loads_account_scripts_under_the_strict_policy(browser, live_server_url):
    """Passkeys use allauth's static scripts and JSON data blocks: nothing inline."""
    context = browser.new_context(bypass_csp=False)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if re.search("Content Security Policy", message.text)
            else None
        ),
    )
    page.goto(f"{live_server_url}/accounts/login/")
    page.wait_for_load_state("load")
    loaded = page.evaluate("() => typeof window.allauth?.webauthn?.forms?.loginForm")
    assert loaded == "function"
    assert page.get_by_role("button", name="Sign in with a passkey").is_visible()
    page.goto(f"{live_server_url}/")
    wait_for_service_worker(page)
    assert violations == []
    context.close()
